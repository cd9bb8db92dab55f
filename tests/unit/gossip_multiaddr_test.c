/*
 * Unit tests for multiaddr.c: the go-multiaddr vectors and the
 * derived ones in Part C2 of libp2p-wire.md, both directions, and garbage
 * in either form.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t	i, n = strlen(s) / 2;

	for (i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

static const struct {
	const char	*text;
	const char	*hex;
} vectors[] = {
	{ "/ip4/127.0.0.1/udp/1234", "047f000001910204d2" },
	{ "/ip4/127.0.0.1/tcp/4321", "047f0000010610e1" },
	{ "/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321",
	  "047f000001910204d2047f0000010610e1" },
	{ "/ip4/127.0.0.1/tcp/9905/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq",
	  "047f0000010626b1a503260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e" },
	{ "/dns4/example.com/tcp/9905", "360b6578616d706c652e636f6d0626b1" },
	{ "/dnsaddr/mainnet.bootstrap.teranode.bsvb.tech",
	  "38246d61696e6e65742e626f6f7473747261702e746572616e6f64652e627376622e74656368" },
	{ "/ip6/::1/tcp/9905", "2900000000000000000000000000000001" "0626b1" },
	{ "/ip6/2001:db8::1/tcp/0", "2920010db8000000000000000000000001" "060000" },
	{ "/dns/host.example/tcp/1", "350c686f73742e6578616d706c65060001" },
	{ "/dns6/a/tcp/65535", "370161" "06ffff" },
	{ "/ip4/1.2.3.4/tcp/1/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N/p2p-circuit",
	  "0401020304060001a503221220" "9dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9" "a202" },
	{ "/ip4/1.2.3.4/udp/4001/quic-v1", "040102030491020fa1cd03" },
};

START_TEST(test_vectors)
{
	struct p2p_multiaddr	ma;
	uint8_t			want[P2P_MULTIADDR_MAX];
	char			text[P2P_MULTIADDR_TEXT_MAX];
	size_t			i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		n = unhex(vectors[i].hex, want);
		ck_assert_msg(p2p_multiaddr_parse(vectors[i].text,
		    strlen(vectors[i].text), &ma) == 0, "%s", vectors[i].text);
		ck_assert_uint_eq(ma.len, n);
		ck_assert_mem_eq(ma.bytes, want, n);
		ck_assert_int_eq(p2p_multiaddr_check(want, n), 0);
		ck_assert_int_eq(p2p_multiaddr_format(want, n, text,
		    sizeof(text)), 0);
		ck_assert_str_eq(text, vectors[i].text);
	}
}
END_TEST

START_TEST(test_aliases)
{
	struct p2p_multiaddr	ma, mb;
	const char		*a = "/ipfs/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
	const char		*b = "/p2p/12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq/";
	struct p2p_multiaddr_part	part;
	size_t			off = 0;

	ck_assert_int_eq(p2p_multiaddr_parse(a, strlen(a), &ma), 0);
	ck_assert_int_eq(p2p_multiaddr_parse(b, strlen(b), &mb), 0);
	ck_assert_uint_eq(ma.len, mb.len);
	ck_assert_mem_eq(ma.bytes, mb.bytes, ma.len);
	ck_assert_int_eq(p2p_multiaddr_next(ma.bytes, ma.len, &off, &part),
	    1);
	ck_assert_uint_eq(part.code, P2P_MA_P2P);
	ck_assert_uint_eq(part.value_len, 38);
	ck_assert_int_eq(p2p_multiaddr_next(ma.bytes, ma.len, &off, &part),
	    0);
}
END_TEST

START_TEST(test_text_garbage)
{
	static const char	*bad[] = {
		"", "/", "//", "ip4/1.2.3.4", "/ip4", "/ip4/", "/ip4/1.2.3",
		"/ip4/1.2.3.4.5", "/ip4/01.2.3.4", "/ip4/256.1.1.1",
		"/ip4/1.2.3.4/tcp", "/ip4/1.2.3.4/tcp/65536",
		"/ip4/1.2.3.4/tcp/-1", "/ip4/1.2.3.4/tcp/12a", "/ip6/1.2.3.4",
		"/ip6/::g", "/foo/1", "/dns4//tcp/1", "/p2p/12D3KooW",
		"/p2p/Qm0000", "/ip4/1.2.3.4//tcp/1", "/tcp/123456",
		"/dns4/a b/tcp/1", "/ip4/1.2.3.4/p2p-circuit/x",
	};
	struct p2p_multiaddr	ma;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(p2p_multiaddr_parse(bad[i], strlen(bad[i]),
		    &ma) == -1, "accepted %s", bad[i]);
}
END_TEST

START_TEST(test_binary_garbage)
{
	static const char	*bad[] = {
		"", "04", "047f0000", "047f0000010610", "ff", "8080808080808080808080",
		"0500", "3600", "3605616263", "36022f61", "a50300", "a5030400000000",
		"0480000000000000", "0401020304", "36010a",
	};
	uint8_t	buf[P2P_MULTIADDR_MAX + 8];
	char	text[P2P_MULTIADDR_TEXT_MAX];
	size_t	i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = unhex(bad[i], buf);
		if (i == 13)	/* "0401020304" is valid; truncate it */
			n--;
		ck_assert_msg(p2p_multiaddr_check(buf, n) == -1, "accepted %s",
		    bad[i]);
		ck_assert_int_eq(p2p_multiaddr_format(buf, n, text,
		    sizeof(text)), -1);
	}
	/* Too long in total, and an output buffer too small. */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i + 6 <= sizeof(buf); i += 6) {
		buf[i] = 0x06;
		buf[i + 3] = 0x06;
	}
	ck_assert_int_eq(p2p_multiaddr_check(buf, sizeof(buf) - 2), -1);
	n = unhex("047f0000010610e1", buf);
	ck_assert_int_eq(p2p_multiaddr_format(buf, n, text, 23), -1);
	ck_assert_int_eq(p2p_multiaddr_format(buf, n, text, 24), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_multiaddr");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_vectors);
	tcase_add_test(tc, test_aliases);
	tcase_add_test(tc, test_text_garbage);
	tcase_add_test(tc, test_binary_garbage);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
