/*
 * Unit tests for peerrecord.c: a signed peer record sealed by js-libp2p
 * (@libp2p/peer-record 8.0, key C1 of the peer-id spec, seq 1796012925538
 * (its Date.now()), /ip4/127.0.0.1/tcp/9905 and /ip6/::1/tcp/9906) is opened, and sealing the same record gives the same bytes (Ed25519 is
 * deterministic); tampered, retyped, mismatched and oversized envelopes
 * are refused with their own error.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

#define C1_SEED	"7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
#define JS_ENV	"0a24080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e120203011a530a260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e10e2c4d9d5a2341a0a0a08047f0000010626b11a160a1429000000000000000000000000000000010626b22a4052866fe4380cdfc7378496155ba4c904061f9f09c08ebc3b4509ea39c758eed57d88af5ab8d9702dee276555fa98e0e212bb01d0d5c32f63d802e8d8a0ab530c"
#define JS_SEQ	1796012925538ull

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t	i, n = strlen(s) / 2;

	for (i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

static void
c1(struct p2p_identity *id)
{
	uint8_t	seed[32];

	unhex(C1_SEED, seed);
	ck_assert_int_eq(p2p_identity_from_seed(id, seed), 0);
}

START_TEST(test_js_vector)
{
	struct p2p_peer_record	r;
	struct p2p_identity	id;
	uint8_t			env[512];
	char			text[P2P_MULTIADDR_TEXT_MAX];
	size_t			n = unhex(JS_ENV, env);

	c1(&id);
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_OK);
	ck_assert_uint_eq(r.seq, JS_SEQ);
	ck_assert(p2p_identity_peer_id_equal(&r.peer, &id.peer_id));
	ck_assert_uint_eq(r.naddrs, 2);
	ck_assert_int_eq(p2p_multiaddr_format(r.addrs[0].bytes, r.addrs[0].len,
	    text, sizeof(text)), 0);
	ck_assert_str_eq(text, "/ip4/127.0.0.1/tcp/9905");
	ck_assert_int_eq(p2p_multiaddr_format(r.addrs[1].bytes, r.addrs[1].len,
	    text, sizeof(text)), 0);
	ck_assert_str_eq(text, "/ip6/::1/tcp/9906");
	p2p_identity_fini(&id);
}
END_TEST

START_TEST(test_seal_matches_js)
{
	struct p2p_identity	id;
	struct p2p_multiaddr	ma[2];
	uint8_t			env[512], *out;
	size_t			n = unhex(JS_ENV, env), outlen;

	c1(&id);
	ck_assert_int_eq(p2p_multiaddr_parse("/ip4/127.0.0.1/tcp/9905", 23,
	    &ma[0]), 0);
	ck_assert_int_eq(p2p_multiaddr_parse("/ip6/::1/tcp/9906", 17,
	    &ma[1]), 0);
	ck_assert_int_eq(p2p_record_seal(&id, JS_SEQ, ma, 2, &out, &outlen),
	    0);
	ck_assert_uint_eq(outlen, n);
	ck_assert_mem_eq(out, env, n);
	free(out);
	p2p_identity_fini(&id);
}
END_TEST

START_TEST(test_tampered)
{
	struct p2p_peer_record	r;
	uint8_t			env[512];
	size_t			n = unhex(JS_ENV, env);

	/* the last byte of the tcp port inside the payload */
	env[0x6e] ^= 1;
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_ESIG);
	n = unhex(JS_ENV, env);
	env[n - 1] ^= 0x80;		/* the signature */
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_ESIG);
	n = unhex(JS_ENV, env);
	env[0x29] = 0x02;		/* payload type 03 02 */
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_ETYPE);
	n = unhex(JS_ENV, env);
	ck_assert_int_eq(p2p_record_open(env, n - 1, &r),
	    P2P_RECORD_EMALFORMED);
	ck_assert_int_eq(p2p_record_open(env, 0, &r), P2P_RECORD_EMALFORMED);
	env[6] ^= 1;			/* the key: signature no longer fits */
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_ESIG);
}
END_TEST

/* An envelope signed by `by` over a record that names `who`. */
static size_t
forge(const struct p2p_identity *by, const struct p2p_peer_id *who,
    uint8_t *out)
{
	static const char	dom[] = P2P_RECORD_DOMAIN;
	uint8_t			pay[64], sb[256], sig[64], pk[36];
	size_t			pl = 0, sl = 0, o = 0;

	pay[pl++] = 0x0a;
	pay[pl++] = (uint8_t)who->len;
	memcpy(pay + pl, who->bytes, who->len);
	pl += who->len;
	pay[pl++] = 0x10;
	pay[pl++] = 0x07;
	sb[sl++] = sizeof(dom) - 1;
	memcpy(sb + sl, dom, sizeof(dom) - 1);
	sl += sizeof(dom) - 1;
	memcpy(sb + sl, "\x02\x03\x01", 3);
	sl += 3;
	sb[sl++] = (uint8_t)pl;
	memcpy(sb + sl, pay, pl);
	sl += pl;
	p2p_identity_sign(by, sb, sl, sig);
	p2p_identity_pubkey_encode(by->pk, pk);
	memcpy(out + o, "\x0a\x24", 2);
	memcpy(out + o + 2, pk, 36);
	o += 38;
	memcpy(out + o, "\x12\x02\x03\x01\x1a", 5);
	o += 5;
	out[o++] = (uint8_t)pl;
	memcpy(out + o, pay, pl);
	o += pl;
	memcpy(out + o, "\x2a\x40", 2);
	memcpy(out + o + 2, sig, 64);
	return o + 66;
}

START_TEST(test_peer_mismatch)
{
	struct p2p_peer_record	r;
	struct p2p_identity	a, b;
	uint8_t			env[512];
	size_t			n;

	c1(&a);
	ck_assert_int_eq(p2p_identity_generate(&b), 0);
	n = forge(&a, &a.peer_id, env);
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_OK);
	ck_assert_uint_eq(r.seq, 7);
	ck_assert_uint_eq(r.naddrs, 0);
	n = forge(&a, &b.peer_id, env);
	ck_assert_int_eq(p2p_record_open(env, n, &r), P2P_RECORD_EPEER);
	p2p_identity_fini(&a);
	p2p_identity_fini(&b);
}
END_TEST

START_TEST(test_bounds)
{
	struct p2p_peer_record	r;
	struct p2p_identity	id;
	struct p2p_multiaddr	ma[40];
	uint8_t			*out, big[P2P_RECORD_MAX + 1];
	size_t			outlen, i;

	c1(&id);
	for (i = 0; i < 40; i++)
		ck_assert_int_eq(p2p_multiaddr_parse("/ip4/10.0.0.1/tcp/1", 19,
		    &ma[i]), 0);
	ck_assert_int_eq(p2p_record_seal(&id, 1, ma, 40, &out, &outlen), 0);
	ck_assert_int_eq(p2p_record_open(out, outlen, &r), P2P_RECORD_OK);
	ck_assert_uint_eq(r.naddrs, P2P_RECORD_ADDRS);
	free(out);
	memset(big, 0, sizeof(big));
	ck_assert_int_eq(p2p_record_open(big, sizeof(big), &r),
	    P2P_RECORD_ETOOBIG);
	/* field number 0 and a group wire type are garbage */
	ck_assert_int_eq(p2p_record_open(big, 4, &r), P2P_RECORD_EMALFORMED);
	big[0] = 0x0b;
	ck_assert_int_eq(p2p_record_open(big, 4, &r), P2P_RECORD_EMALFORMED);
	ck_assert_str_eq(p2p_record_strerror(P2P_RECORD_EPEER),
	    "peer ID does not match the key");
	p2p_identity_fini(&id);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_peerrecord");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_js_vector);
	tcase_add_test(tc, test_seal_matches_js);
	tcase_add_test(tc, test_tampered);
	tcase_add_test(tc, test_peer_mismatch);
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
