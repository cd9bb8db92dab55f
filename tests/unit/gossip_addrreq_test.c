/*
 * Unit tests for addrreq.c, the codec of
 * /p2p-msg-bus/peer-addr-request/1.0.0: the request is a peer ID's text and
 * nothing else; the reply is a JSON array of at most 32 multiaddr strings
 * in at most 8 KiB, without /p2p-circuit; anything else is refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrreq.h"

#define ID	"12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"

static int
req(const char *s)
{
	struct p2p_peer_id	id;

	return gossip_addrreq_parse_request((const uint8_t *)s, strlen(s), &id);
}

START_TEST(test_request)
{
	char	big[300];

	ck_assert_int_eq(req(ID), 0);
	ck_assert_int_eq(req(""), -1);
	ck_assert_int_eq(req(ID "\n"), -1);
	ck_assert_int_eq(req("12D3KooWBtg3aaRMjxwedh83aGiUkwSx"), -1);
	ck_assert_int_eq(req("hello"), -1);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(req(big), -1);
}
END_TEST

static int
reply(const char *s, struct p2p_multiaddr *ma, size_t cap, size_t *n)
{
	return gossip_addrreq_parse_reply((const uint8_t *)s, strlen(s), ma,
	    cap, n);
}

START_TEST(test_reply_parse)
{
	struct p2p_multiaddr	ma[4];
	char			text[P2P_MULTIADDR_TEXT_MAX];
	size_t			n;

	ck_assert_int_eq(reply("[]", ma, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(reply(" [ \"/ip4/1.2.3.4/tcp/9905\" , "
	    "\"/ip4/1.2.3.4/tcp/1/p2p-circuit\", \"/bogus\", "
	    "\"/ip6/::1/tcp/5\" ]\n", ma, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(p2p_multiaddr_format(ma[1].bytes, ma[1].len, text,
	    sizeof(text)), 0);
	ck_assert_str_eq(text, "/ip6/::1/tcp/5");
	/* cap: well-formed, the rest not kept */
	ck_assert_int_eq(reply("[\"/ip4/1.1.1.1/tcp/1\",\"/ip4/1.1.1.2/tcp/1\"]",
	    ma, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(reply("", ma, 4, &n), -1);
	ck_assert_int_eq(reply("[", ma, 4, &n), -1);
	ck_assert_int_eq(reply("[\"/ip4/1.1.1.1/tcp/1\"", ma, 4, &n), -1);
	ck_assert_int_eq(reply("[\"/ip4/1.1.1.1/tcp/1\",]", ma, 4, &n), -1);
	ck_assert_int_eq(reply("[\"a\\\"b\"]", ma, 4, &n), -1);
	ck_assert_int_eq(reply("[1]", ma, 4, &n), -1);
	ck_assert_int_eq(reply("[] x", ma, 4, &n), -1);
	ck_assert_int_eq(reply("{}", ma, 4, &n), -1);
}
END_TEST

START_TEST(test_reply_bounds)
{
	struct p2p_multiaddr	ma[4];
	char			buf[ADDRREQ_REPLY_MAX * 2];
	size_t			n, len = 0;
	int			i;

	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "[");
	for (i = 0; i < ADDRREQ_ADDRS_MAX + 1; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "%s\"/ip4/10.0.0.1/tcp/%d\"", i ? "," : "", i + 1);
	snprintf(buf + len, sizeof(buf) - len, "]");
	ck_assert_int_eq(reply(buf, ma, 4, &n), -1);	/* 33 entries */
	memset(buf, ' ', sizeof(buf));
	buf[0] = '[';
	buf[ADDRREQ_REPLY_MAX + 1] = ']';
	buf[ADDRREQ_REPLY_MAX + 2] = '\0';
	ck_assert_int_eq(reply(buf, ma, 4, &n), -1);	/* over 8 KiB */
}
END_TEST

START_TEST(test_reply_format)
{
	char	 out[ADDRREQ_REPLY_MAX + 1], *many[40], a[40][64];
	char	*addrs[] = { "/ip4/1.2.3.4/tcp/9905",
	    "/ip4/1.2.3.4/tcp/9905/p2p-circuit", "not a multiaddr",
	    "/ip6/::1/tcp/1" };
	struct p2p_multiaddr	ma[40];
	size_t			n, len;
	int			i;

	len = gossip_addrreq_format_reply(addrs, 4, out, sizeof(out));
	ck_assert_str_eq(out, "[\"/ip4/1.2.3.4/tcp/9905\",\"/ip6/::1/tcp/1\"]");
	ck_assert_uint_eq(len, strlen(out));
	ck_assert_uint_eq(gossip_addrreq_format_reply(NULL, 0, out,
	    sizeof(out)), 2);
	ck_assert_str_eq(out, "[]");
	for (i = 0; i < 40; i++) {
		snprintf(a[i], sizeof(a[i]), "/ip4/10.0.0.%d/tcp/%d", i, i + 1);
		many[i] = a[i];
	}
	gossip_addrreq_format_reply(many, 40, out, sizeof(out));
	ck_assert_int_eq(gossip_addrreq_parse_reply((uint8_t *)out,
	    strlen(out), ma, 40, &n), 0);
	ck_assert_uint_eq(n, ADDRREQ_ADDRS_MAX);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("peer-addr-request codec");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_request);
	tcase_add_test(tc, test_reply_parse);
	tcase_add_test(tc, test_reply_bounds);
	tcase_add_test(tc, test_reply_format);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
