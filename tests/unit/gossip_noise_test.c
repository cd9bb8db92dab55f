/*
 * Unit tests for noise.c: the flynn/noise XX vectors and the derived
 * libp2p transcript of Part C4 (fixed keys through the test hook), a full
 * handshake between two in-memory instances with traffic both ways, and
 * tampering that must fail cleanly: bad signature, wrong expected peer ID,
 * flipped and truncated messages, replays, calls out of order.
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

static void
fill(uint8_t *b, uint8_t first, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(first + i);
}

#define V_MSG0	"358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254"
#define V_MSG1	"64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4560a34e36ea82109f26cf2e5a5caf992b608d55c747f615e5a3425a7a19eefb8f"
#define V_MSG2	"87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d97e5ea11b16f3968710b23a3be3202dc1b5e1ce3c963347491e74f5c0768a9b42"
#define V_MSG3	"a52ef02ba60e12696d1d6b9ef4245c88fca757b6134ad6e76b56e310a6adf6"
#define V_MSG4	"2445aa438ebd649281c636cc7269ca82f1d9023d72520943aeabf909cdf521"
#define V2_MSG0	"358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254746573745f6d73675f30"
#define V2_MSG1	"64b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4572e7a2ba5123ac30618b3d205f5c2d17f50cbca216483ac56bcc78e33bf520303278db641e5e731b2e3a"
#define V2_MSG2	"87f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d9f27e318e43ba630594c4d08eeb3b36d97c7377a2f4f9144b2f0c8095ad92140505b2ab53eff244b14138"

#define L_MSG1	"0020358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254"
#define L_MSG2	"00d864b101b1d0be5a8704bd078f9895001fc03e8e9f9522f188dd128d9846d484663414af878d3e46a2f58911a816d6e8346d4ea17a6f2a0bb4ef4ed56c133cff4560a34e36ea82109f26cf2e5a5caf992b8b4dc7d75b05c18f3a5e9aba3b550b2296d468744946c66ebbc9b23d9378c02c6ccf1f788cde87e8effaa69d8807bbc87e75cfa817218459b353b99d48921c8b485a0781e805386501701a7c60ed041b043c62254c006f107a723acca195f762420ce5e337bb395394216610cafd32b1ac73bf9b837316a64c069e2c39e1c02372e874e25bb4014e"
#define L_MSG3	"00b887f864c11ba449f46a0a4f4e2eacbb7b0457784f4fca1937f572c93603e9c4d93b70889d94ddc10b9ca68ee4132883d402320cd7b9b479fd98c480fafdd61f5e93858f566ed8b6e39a20b486d45185eb32978db15c655ce1de6fbbdffb953a0c39f0b45a87a12bdc01aee67172c64b22b78e1170970225393bcdaf4d88e502fc1b160fd8ebc2f9bab60db8d2f09cc148c20dbe810831018a8cbc9debef6fdb1c510dfc961b06f8a75a591d5b23674cc176fc97aa1c02a2bf"
#define L_INIT_PAYLOAD	"0a24080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e1240a0381ec5f8954ac607c1059e453ca7d6bf2456009e8b7c262b06a418f3685dfc951b443e04084e41bbc282b6387462059ee65bc28d5b286d804a25f5c0916507220e120c2f79616d75782f312e302e30"
#define C1_SEED	"7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"

/* Both sides of one handshake with the Part C4 X25519 keys. */
static void
vector_pair(struct p2p_noise_hs *i, struct p2p_noise_hs *r,
    const struct p2p_identity *iid, const struct p2p_identity *rid,
    const struct p2p_peer_id *expect, int muxers)
{
	uint8_t	s[32], e[32];

	ck_assert_int_eq(p2p_noise_hs_init(i, 1, iid, expect, muxers), 0);
	ck_assert_int_eq(p2p_noise_hs_init(r, 0, rid, NULL, muxers), 0);
	fill(s, 0x00, 32);
	fill(e, 0x20, 32);
	p2p_noise_hs_set_keys(i, s, e);
	fill(s, 0x01, 32);
	fill(e, 0x41, 32);
	p2p_noise_hs_set_keys(r, s, e);
}

/* Write one raw message on a and read it on b, checking the bytes. */
static void
raw_step(struct p2p_noise_hs *a, struct p2p_noise_hs *b,
    const char *payload_hex, const char *want_hex)
{
	uint8_t	payload[64], want[256], out[256], got[64];
	size_t	plen = unhex(payload_hex, payload), wlen, n, glen;

	wlen = unhex(want_hex, want);
	ck_assert_int_eq(p2p_noise_hs_write_raw(a, payload, plen, out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, wlen);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert_int_eq(p2p_noise_hs_read_raw(b, out, n, got, sizeof(got),
	    &glen), 0);
	ck_assert_uint_eq(glen, plen);
	if (plen > 0)
		ck_assert_mem_eq(got, payload, plen);
}

static void
check_transport(struct p2p_noise_hs *i, struct p2p_noise_hs *r)
{
	struct p2p_noise_transport	ti, tr;
	uint8_t				want[64], out[64], back[64];
	size_t				n, m;

	ck_assert_int_eq(p2p_noise_hs_split(i, &ti), 0);
	ck_assert_int_eq(p2p_noise_hs_split(r, &tr), 0);
	ck_assert_int_eq(p2p_noise_encrypt(&ti,
	    (const uint8_t *)"yellowsubmarine", 15, out, sizeof(out), &n), 0);
	m = unhex(V_MSG3, want);
	ck_assert_uint_eq(n, m + 2);
	ck_assert_mem_eq(out + 2, want, m);
	ck_assert_int_eq(p2p_noise_decrypt(&tr, out + 2, n - 2, back,
	    sizeof(back), &m), 0);
	ck_assert_uint_eq(m, 15);
	ck_assert_mem_eq(back, "yellowsubmarine", 15);
	ck_assert_int_eq(p2p_noise_encrypt(&tr,
	    (const uint8_t *)"submarineyellow", 15, out, sizeof(out), &n), 0);
	m = unhex(V_MSG4, want);
	ck_assert_mem_eq(out + 2, want, m);
	ck_assert_int_eq(p2p_noise_decrypt(&ti, out + 2, n - 2, back,
	    sizeof(back), &m), 0);
	ck_assert_mem_eq(back, "submarineyellow", 15);
}

START_TEST(test_noise_vector_empty)
{
	struct p2p_noise_hs	i, r;

	vector_pair(&i, &r, NULL, NULL, NULL, 0);
	raw_step(&i, &r, "", V_MSG0);
	raw_step(&r, &i, "", V_MSG1);
	raw_step(&i, &r, "", V_MSG2);
	check_transport(&i, &r);
}
END_TEST

START_TEST(test_noise_vector_payloads)
{
	struct p2p_noise_hs	i, r;

	vector_pair(&i, &r, NULL, NULL, NULL, 0);
	raw_step(&i, &r, "746573745f6d73675f30", V2_MSG0);
	raw_step(&r, &i, "746573745f6d73675f31", V2_MSG1);
	raw_step(&i, &r, "746573745f6d73675f32", V2_MSG2);
	check_transport(&i, &r);
}
END_TEST

static void
make_ids(struct p2p_identity *iid, struct p2p_identity *rid)
{
	uint8_t	seed[32];

	unhex(C1_SEED, seed);
	ck_assert_int_eq(p2p_identity_from_seed(iid, seed), 0);
	fill(seed, 0x61, 32);
	ck_assert_int_eq(p2p_identity_from_seed(rid, seed), 0);
}

/* Write a framed libp2p message on a, compare, feed its body to b. */
static void
lp_step(struct p2p_noise_hs *a, struct p2p_noise_hs *b,
    const char *want_hex)
{
	uint8_t		want[512], out[512];
	const uint8_t	*msg;
	size_t		n, wlen, mlen, used;

	ck_assert_int_eq(p2p_noise_hs_write(a, out, sizeof(out), &n), 0);
	if (want_hex != NULL) {
		wlen = unhex(want_hex, want);
		ck_assert_uint_eq(n, wlen);
		ck_assert_mem_eq(out, want, wlen);
	}
	ck_assert_int_eq(p2p_noise_frame_next(out, n, &msg, &mlen, &used),
	    0);
	ck_assert_uint_eq(used, n);
	ck_assert_int_eq(p2p_noise_hs_read(b, msg, mlen), 0);
}

START_TEST(test_libp2p_transcript)
{
	struct p2p_identity	iid, rid;
	struct p2p_noise_hs	i, r;
	uint8_t			want[256], out[256];
	size_t			n, m;

	make_ids(&iid, &rid);
	ck_assert_str_eq(rid.peer_id_text,
	    "12D3KooWJywTtrwD4j4YNvoHhVkt3JwbhZCDGcuWiMtX5NdsL3Me");
	vector_pair(&i, &r, &iid, &rid, &rid.peer_id, 1);
	/* The initiator's payload is the 120 bytes js-libp2p agrees on. */
	ck_assert_int_eq(p2p_noise_payload_encode(&iid, i.s_pub, 1, out,
	    sizeof(out), &n), 0);
	m = unhex(L_INIT_PAYLOAD, want);
	ck_assert_uint_eq(n, 120);
	ck_assert_mem_eq(out, want, m);
	lp_step(&i, &r, L_MSG1);
	lp_step(&r, &i, L_MSG2);
	lp_step(&i, &r, L_MSG3);
	ck_assert(p2p_noise_hs_done(&i) && p2p_noise_hs_done(&r));
	ck_assert(p2p_identity_peer_id_equal(&i.remote.peer_id,
	    &rid.peer_id));
	ck_assert(p2p_identity_peer_id_equal(&r.remote.peer_id,
	    &iid.peer_id));
	ck_assert(p2p_noise_hs_inline_yamux(&i));
	ck_assert(p2p_noise_hs_inline_yamux(&r));
	check_transport(&i, &r);
}
END_TEST

START_TEST(test_full_handshake_random)
{
	struct p2p_identity		iid, rid;
	struct p2p_noise_hs		i, r;
	struct p2p_noise_transport	ti, tr;
	static uint8_t			big[P2P_NOISE_PLAIN_MAX + 1];
	static uint8_t			frame[P2P_NOISE_FRAME_MAX];
	static uint8_t			back[P2P_NOISE_PLAIN_MAX];
	const uint8_t			*msg;
	size_t				n, m, used, k;

	ck_assert_int_eq(p2p_identity_generate(&iid), 0);
	ck_assert_int_eq(p2p_identity_generate(&rid), 0);
	ck_assert_int_eq(p2p_noise_hs_init(&i, 1, &iid, &rid.peer_id, 1), 0);
	ck_assert_int_eq(p2p_noise_hs_init(&r, 0, &rid, NULL, 0), 0);
	ck_assert(p2p_noise_hs_our_turn(&i) && !p2p_noise_hs_our_turn(&r));
	lp_step(&i, &r, NULL);
	ck_assert(!p2p_noise_hs_our_turn(&i) && p2p_noise_hs_our_turn(&r));
	lp_step(&r, &i, NULL);
	lp_step(&i, &r, NULL);
	/* The responder sent no muxer list: fall back to multistream. */
	ck_assert(!p2p_noise_hs_inline_yamux(&i));
	ck_assert(!p2p_noise_hs_inline_yamux(&r));
	ck_assert(r.remote.sent_muxers && r.remote.has_yamux);
	ck_assert_int_eq(p2p_noise_hs_split(&i, &ti), 0);
	ck_assert_int_eq(p2p_noise_hs_split(&r, &tr), 0);
	ck_assert_int_eq(p2p_noise_hs_split(&r, &tr), P2P_NOISE_ESTATE);

	for (k = 0; k < sizeof(big); k++)
		big[k] = (uint8_t)(k * 7);
	ck_assert_int_eq(p2p_noise_encrypt(&ti, big, sizeof(big), frame,
	    sizeof(frame), &n), P2P_NOISE_ELEN);
	for (k = 0; k < 3; k++) {
		struct p2p_noise_transport	*a = k % 2 ? &tr : &ti;
		struct p2p_noise_transport	*b = k % 2 ? &ti : &tr;

		ck_assert_int_eq(p2p_noise_encrypt(a, big,
		    P2P_NOISE_PLAIN_MAX, frame, sizeof(frame), &n), 0);
		ck_assert_uint_eq(n, P2P_NOISE_FRAME_MAX);
		ck_assert_int_eq(p2p_noise_frame_next(frame, n - 1, &msg, &m,
		    &used), P2P_NOISE_AGAIN);
		ck_assert_int_eq(p2p_noise_frame_next(frame, n, &msg, &m,
		    &used), 0);
		ck_assert_int_eq(p2p_noise_decrypt(b, msg, m, back,
		    sizeof(back), &m), 0);
		ck_assert_uint_eq(m, P2P_NOISE_PLAIN_MAX);
		ck_assert_mem_eq(back, big, m);
	}
	/* A replayed frame fails (nonce moved on); so does a flipped bit. */
	ck_assert_int_eq(p2p_noise_decrypt(&tr, frame + 2, n - 2, back,
	    sizeof(back), &m), P2P_NOISE_EDECRYPT);
	ck_assert_int_eq(p2p_noise_encrypt(&ti, big, 10, frame,
	    sizeof(frame), &n), 0);
	frame[5] ^= 0x40;
	ck_assert_int_eq(p2p_noise_decrypt(&tr, frame + 2, n - 2, back,
	    sizeof(back), &m), P2P_NOISE_EDECRYPT);
	ck_assert_int_eq(p2p_noise_decrypt(&tr, frame + 2, 15, back,
	    sizeof(back), &m), P2P_NOISE_ELEN);
	ck_assert_int_eq(p2p_noise_frame_next((const uint8_t *)"\0\0", 2,
	    &msg, &m, &used), P2P_NOISE_ELEN);
	p2p_noise_transport_fini(&ti);
	p2p_noise_transport_fini(&tr);
	p2p_identity_fini(&iid);
	p2p_identity_fini(&rid);
}
END_TEST

START_TEST(test_wrong_peer_id)
{
	struct p2p_identity	iid, rid, other;
	struct p2p_noise_hs	i, r;
	uint8_t			out[512];
	size_t			n;

	make_ids(&iid, &rid);
	ck_assert_int_eq(p2p_identity_generate(&other), 0);
	ck_assert_int_eq(p2p_noise_hs_init(&i, 1, &iid, &other.peer_id, 1),
	    0);
	ck_assert_int_eq(p2p_noise_hs_init(&r, 0, &rid, NULL, 1), 0);
	lp_step(&i, &r, NULL);
	ck_assert_int_eq(p2p_noise_hs_write(&r, out, sizeof(out), &n), 0);
	ck_assert_int_eq(p2p_noise_hs_read(&i, out + 2, n - 2),
	    P2P_NOISE_EPEERID);
	/* A failed handshake stays failed. */
	ck_assert_int_eq(p2p_noise_hs_write(&i, out, sizeof(out), &n),
	    P2P_NOISE_ESTATE);
	ck_assert_str_eq(p2p_noise_strerror(P2P_NOISE_EPEERID),
	    "peer id mismatch");
}
END_TEST

/* The responder signs the wrong static key, or lies about its key. */
START_TEST(test_bad_signature)
{
	struct p2p_identity	iid, rid, other;
	struct p2p_noise_hs	i, r;
	uint8_t			payload[256], out[512], bogus[32];
	size_t			plen, n;
	int			round;

	make_ids(&iid, &rid);
	ck_assert_int_eq(p2p_identity_generate(&other), 0);
	for (round = 0; round < 3; round++) {
		ck_assert_int_eq(p2p_noise_hs_init(&i, 1, &iid, NULL, 1), 0);
		ck_assert_int_eq(p2p_noise_hs_init(&r, 0, &rid, NULL, 1), 0);
		lp_step(&i, &r, NULL);
		memset(bogus, 9, sizeof(bogus));
		if (round == 0)		/* signature over another key */
			ck_assert_int_eq(p2p_noise_payload_encode(&rid, bogus,
			    1, payload, sizeof(payload), &plen), 0);
		else if (round == 1) {	/* signature bytes damaged */
			ck_assert_int_eq(p2p_noise_payload_encode(&rid,
			    r.s_pub, 1, payload, sizeof(payload), &plen), 0);
			payload[50] ^= 1;
		} else			/* garbage protobuf */
			plen = unhex("0aff", payload);
		ck_assert_int_eq(p2p_noise_hs_write_raw(&r, payload, plen,
		    out, sizeof(out), &n), 0);
		ck_assert_int_eq(p2p_noise_hs_read(&i, out, n),
		    round < 2 ? P2P_NOISE_ESIG : P2P_NOISE_EPAYLOAD);
	}
	/* No identity key at all. */
	ck_assert_int_eq(p2p_noise_payload_verify(NULL, 0, bogus, &i.remote),
	    P2P_NOISE_EKEY);
}
END_TEST

START_TEST(test_truncated_and_tampered)
{
	struct p2p_identity	iid, rid;
	struct p2p_noise_hs	i, r;
	uint8_t			m1[128], m2[512];
	size_t			n1, n2, cut;

	make_ids(&iid, &rid);
	for (cut = 0; cut < 200; cut += 7) {
		ck_assert_int_eq(p2p_noise_hs_init(&i, 1, &iid, NULL, 1), 0);
		ck_assert_int_eq(p2p_noise_hs_init(&r, 0, &rid, NULL, 1), 0);
		ck_assert_int_eq(p2p_noise_hs_write(&i, m1, sizeof(m1), &n1),
		    0);
		if (cut < 32) {
			ck_assert_int_eq(p2p_noise_hs_read(&r, m1 + 2, cut),
			    P2P_NOISE_ELEN);
			continue;
		}
		ck_assert_int_eq(p2p_noise_hs_read(&r, m1 + 2, n1 - 2), 0);
		ck_assert_int_eq(p2p_noise_hs_write(&r, m2, sizeof(m2), &n2),
		    0);
		if (cut < n2 - 2)		/* truncated message 2 */
			ck_assert_int_lt(p2p_noise_hs_read(&i, m2 + 2, cut),
			    0);
		else {				/* one flipped bit */
			m2[2 + cut % (n2 - 2)] ^= 0x10;
			ck_assert_int_lt(p2p_noise_hs_read(&i, m2 + 2,
			    n2 - 2), 0);
		}
		ck_assert(!p2p_noise_hs_done(&i));
	}
	/* Reading when it is our turn is refused. */
	ck_assert_int_eq(p2p_noise_hs_init(&i, 1, &iid, NULL, 1), 0);
	ck_assert_int_eq(p2p_noise_hs_read(&i, m1 + 2, 32),
	    P2P_NOISE_ESTATE);
	ck_assert_int_eq(p2p_noise_hs_write(&i, m1, 10, &n1),
	    P2P_NOISE_ESPACE);
}
END_TEST

START_TEST(test_low_order_point)
{
	struct p2p_identity	rid;
	struct p2p_noise_hs	r;
	uint8_t			zero[32] = { 0 }, out[512];
	size_t			n;

	ck_assert_int_eq(p2p_identity_generate(&rid), 0);
	ck_assert_int_eq(p2p_noise_hs_init(&r, 0, &rid, NULL, 1), 0);
	ck_assert_int_eq(p2p_noise_hs_read(&r, zero, 32), 0);
	ck_assert_int_eq(p2p_noise_hs_write(&r, out, sizeof(out), &n),
	    P2P_NOISE_EDH);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_noise");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_noise_vector_empty);
	tcase_add_test(tc, test_noise_vector_payloads);
	tcase_add_test(tc, test_libp2p_transcript);
	tcase_add_test(tc, test_full_handshake_random);
	tcase_add_test(tc, test_wrong_peer_id);
	tcase_add_test(tc, test_bad_signature);
	tcase_add_test(tc, test_truncated_and_tampered);
	tcase_add_test(tc, test_low_order_point);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
