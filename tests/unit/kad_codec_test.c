/* Unit tests for kad/codec.c: round trips, framing, caps, garbage. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

/* An Ed25519-style identity peer ID whose key bytes are all n. */
static void
make_id(uint8_t id[38], uint8_t n)
{
	static const uint8_t	pre[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };

	memcpy(id, pre, sizeof(pre));
	memset(id + sizeof(pre), n, 32);
}

static void
make_peer(struct kad_peer *p, uint8_t n, int naddrs)
{
	uint8_t	id[38], addr[8] = { 0x04, 127, 0, 0, 1, 0x06, 0x10, 0x00 };
	int	i;

	make_id(id, n);
	ck_assert_int_eq(kad_peer_set(p, id, sizeof(id)), 0);
	for (i = 0; i < naddrs; i++) {
		addr[7] = (uint8_t)i;
		ck_assert_int_eq(kad_peer_add_addr(p, addr, sizeof(addr)), 0);
	}
}

START_TEST(test_roundtrip)
{
	struct kad_msg	 m, d;
	struct kad_peer	 p;
	const uint8_t	*body, *a;
	uint8_t		*buf, key[KAD_TOPIC_KEY_LEN];
	size_t		 len, blen, used, off = 0, alen;

	kad_topic_key("t", key);
	ck_assert_int_eq(kad_msg_init(&m, KAD_GET_PROVIDERS, key, sizeof(key)),
	    0);
	make_peer(&p, 1, 2);
	ck_assert_int_eq(kad_msg_add_closer(&m, &p), 0);
	make_peer(&p, 2, 0);
	p.conn = KAD_CONNECTED;
	ck_assert_int_eq(kad_msg_add_provider(&m, &p), 0);
	ck_assert_int_eq(kad_msg_encode(&m, &buf, &len), KAD_CODEC_OK);
	ck_assert_int_eq(kad_frame_next(buf, len, &body, &blen, &used),
	    KAD_CODEC_OK);
	ck_assert_uint_eq(used, len);
	ck_assert_int_eq(kad_frame_next(buf, len - 1, &body, &blen, &used),
	    KAD_CODEC_AGAIN);
	ck_assert_int_eq(kad_msg_decode(body, blen, &d), KAD_CODEC_OK);
	ck_assert_int_eq(d.type, KAD_GET_PROVIDERS);
	ck_assert_mem_eq(d.key, key, sizeof(key));
	ck_assert_uint_eq(d.ncloser, 1);
	ck_assert_uint_eq(d.nproviders, 1);
	ck_assert_uint_eq(d.dropped, 0);
	ck_assert_uint_eq(d.closer[0].naddrs, 2);
	ck_assert_int_eq(kad_peer_addr_next(&d.closer[0], &off, &a, &alen), 1);
	ck_assert_uint_eq(alen, 8);
	ck_assert_uint_eq(a[0], 0x04);
	ck_assert_int_eq(d.providers[0].conn, KAD_CONNECTED);
	ck_assert(kad_peer_id_equal(&d.providers[0], p.id, p.id_len));
	kad_msg_fini(&d);
	kad_msg_fini(&m);
	free(buf);
}
END_TEST

/*
 * A GET_PROVIDERS answer as js-libp2p's @libp2p/kad-dht 15.1.11 encodes it
 * (Message.encode: the mainnet block topic key, one closer peer CONNECTED
 * with one address, one provider with two); ours must be byte-identical.
 */
static const char js_hex[] =
    "0803122212201c33f7ce7b6853431544de447d66a56ba0f70e3a10913e5184688885"
    "ac62123042340a26002408011220000102030405060708090a0b0c0d0e0f10111213"
    "1415161718191a1b1c1d1e1f1208047f00000106268118014a3c0a26002408011220"
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f1208"
    "047f0000010626811208047f000001062681";

START_TEST(test_js_vector)
{
	uint8_t		 js[256], id[38], key[KAD_TOPIC_KEY_LEN], *ours;
	uint8_t		 addr[] = { 4, 127, 0, 0, 1, 6, 0x26, 0x81 };
	struct kad_msg	 m;
	struct kad_peer	 p;
	size_t		 n = strlen(js_hex) / 2, i, len;
	unsigned	 b;

	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(js_hex + 2 * i, "%2x", &b), 1);
		js[i] = (uint8_t)b;
	}
	ck_assert_int_eq(kad_msg_decode(js, n, &m), KAD_CODEC_OK);
	kad_topic_key("teranode/bitcoin/1.0.0/mainnet-block", key);
	ck_assert_int_eq(m.type, KAD_GET_PROVIDERS);
	ck_assert_mem_eq(m.key, key, sizeof(key));
	ck_assert_uint_eq(m.ncloser, 1);
	ck_assert_int_eq(m.closer[0].conn, KAD_CONNECTED);
	ck_assert_uint_eq(m.nproviders, 1);
	ck_assert_uint_eq(m.providers[0].naddrs, 2);
	kad_msg_fini(&m);

	memcpy(id, "\x00\x24\x08\x01\x12\x20", 6);
	for (i = 0; i < 32; i++)
		id[6 + i] = (uint8_t)i;
	kad_msg_init(&m, KAD_GET_PROVIDERS, key, sizeof(key));
	ck_assert_int_eq(kad_peer_set(&p, id, sizeof(id)), 0);
	ck_assert_int_eq(kad_peer_add_addr(&p, addr, sizeof(addr)), 0);
	p.conn = KAD_CONNECTED;
	kad_msg_add_closer(&m, &p);
	p.conn = KAD_NOT_CONNECTED;
	ck_assert_int_eq(kad_peer_add_addr(&p, addr, sizeof(addr)), 0);
	kad_msg_add_provider(&m, &p);
	ck_assert_int_eq(kad_msg_encode(&m, &ours, &len), KAD_CODEC_OK);
	ck_assert_uint_eq(n, 154);
	ck_assert_uint_eq(len, n + 2);
	ck_assert_uint_eq(ours[0], 0x80 | (n & 0x7f));	/* varint prefix */
	ck_assert_uint_eq(ours[1], n >> 7);
	ck_assert_mem_eq(ours + 2, js, n);
	free(ours);
	kad_msg_fini(&m);
}
END_TEST

START_TEST(test_topic_key)
{
	/* mainnet block topic, as go-libp2p's routing discovery derives it */
	static const uint8_t	want[] = { 0x12, 0x20, 0x1c, 0x33, 0xf7, 0xce,
	    0x7b, 0x68, 0x53, 0x43, 0x15, 0x44, 0xde, 0x44, 0x7d, 0x66, 0xa5,
	    0x6b, 0xa0, 0xf7, 0x0e, 0x3a, 0x10, 0x91, 0x3e, 0x51, 0x84, 0x68,
	    0x88, 0x85, 0xac, 0x62, 0x12, 0x30 };
	uint8_t			key[KAD_TOPIC_KEY_LEN];

	kad_topic_key("teranode/bitcoin/1.0.0/mainnet-block", key);
	ck_assert_mem_eq(key, want, sizeof(want));
}
END_TEST

START_TEST(test_frame_errors)
{
	static const uint8_t	big[] = { 0x81, 0x80, 0x10 };	/* 256 KiB+1 */
	static const uint8_t	nonmin[] = { 0x81, 0x00 };
	static const uint8_t	endless[] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t		*body;
	size_t			 blen, used;

	ck_assert_int_eq(kad_frame_next(big, 3, &body, &blen, &used),
	    KAD_CODEC_ETOOBIG);
	ck_assert_int_eq(kad_frame_next(nonmin, 2, &body, &blen, &used),
	    KAD_CODEC_EVARINT);
	ck_assert_int_eq(kad_frame_next(endless, 5, &body, &blen, &used),
	    KAD_CODEC_ETOOBIG);
	ck_assert_int_eq(kad_frame_next(endless, 2, &body, &blen, &used),
	    KAD_CODEC_AGAIN);
}
END_TEST

START_TEST(test_garbage)
{
	static const uint8_t	junk[] = { 0xff, 0xff, 0xff };
	static const uint8_t	badtype[] = { 0x08, 0x09 };
	uint8_t			long_key[2 + 81];
	struct kad_msg		m;

	ck_assert_int_eq(kad_msg_decode(junk, sizeof(junk), &m),
	    KAD_CODEC_EPROTO);
	ck_assert_int_eq(kad_msg_decode(badtype, sizeof(badtype), &m),
	    KAD_CODEC_ETYPE);
	long_key[0] = 0x12;
	long_key[1] = 81;
	memset(long_key + 2, 7, 81);
	ck_assert_int_eq(kad_msg_decode(long_key, sizeof(long_key), &m),
	    KAD_CODEC_EKEY);
	ck_assert_int_eq(kad_msg_decode(junk, 0, &m), KAD_CODEC_OK);
	ck_assert_int_eq(m.type, KAD_PUT_VALUE);
	kad_msg_fini(&m);
	ck_assert_str_eq(kad_codec_strerror(KAD_CODEC_EFLOOD),
	    "too many peer entries");
}
END_TEST

/* Thousands of empty closer-peer entries are refused before unpacking. */
START_TEST(test_flood)
{
	uint8_t		*buf;
	struct kad_msg	 m;
	size_t		 i, n = 2 * (KAD_WIRE_PEERS_MAX + 1);

	buf = malloc(n);
	for (i = 0; i < n; i += 2) {
		buf[i] = 0x42;	/* closerPeers, length-delimited */
		buf[i + 1] = 0;
	}
	ck_assert_int_eq(kad_msg_decode(buf, n, &m), KAD_CODEC_EFLOOD);
	ck_assert_int_eq(kad_msg_decode(buf, n - 2, &m), KAD_CODEC_OK);
	ck_assert_uint_eq(m.ncloser, 0);
	ck_assert_uint_eq(m.dropped, KAD_WIRE_PEERS_MAX);
	kad_msg_fini(&m);
	free(buf);
}
END_TEST

/* Append a wire Peer with id byte n and naddrs addresses of alen bytes. */
static size_t
wire_peer(uint8_t *out, int field, uint8_t n, int naddrs, size_t alen)
{
	uint8_t	id[38];
	size_t	off = 0, body, i;
	int	k;

	make_id(id, n);
	body = 2 + sizeof(id) + (size_t)naddrs * (2 + alen + (alen > 127));
	out[off++] = (uint8_t)(field << 3 | 2);
	if (body > 127) {
		out[off++] = (uint8_t)(body | 0x80);
		out[off++] = (uint8_t)(body >> 7);
	} else
		out[off++] = (uint8_t)body;
	out[off++] = 0x0a;
	out[off++] = sizeof(id);
	memcpy(out + off, id, sizeof(id));
	off += sizeof(id);
	for (k = 0; k < naddrs; k++) {
		out[off++] = 0x12;
		if (alen > 127) {
			out[off++] = (uint8_t)(alen | 0x80);
			out[off++] = (uint8_t)(alen >> 7);
		} else
			out[off++] = (uint8_t)alen;
		for (i = 0; i < alen; i++)
			out[off++] = (uint8_t)k;
	}
	return off;
}

START_TEST(test_caps)
{
	uint8_t		*buf;
	struct kad_msg	 m;
	size_t		 off = 0;
	int		 i;

	buf = malloc(64 * 1024);
	for (i = 0; i < 30; i++)	/* 10 over KAD_CLOSER_MAX */
		off += wire_peer(buf + off, 8, (uint8_t)i, 1, 8);
	off += wire_peer(buf + off, 9, 50, 12, 8);	/* 2 addrs too many */
	off += wire_peer(buf + off, 9, 51, 1, 300);	/* address too long */
	buf[off++] = 0x4a;				/* bad peer ID */
	buf[off++] = 4;
	buf[off++] = 0x0a;
	buf[off++] = 2;
	buf[off++] = 0x07;
	buf[off++] = 0x00;
	ck_assert_int_eq(kad_msg_decode(buf, off, &m), KAD_CODEC_OK);
	ck_assert_uint_eq(m.ncloser, KAD_CLOSER_MAX);
	ck_assert_uint_eq(m.nproviders, 2);
	ck_assert_uint_eq(m.providers[0].naddrs, KAD_ADDRS_MAX);
	ck_assert_uint_eq(m.providers[1].naddrs, 0);
	ck_assert_uint_eq(m.dropped, 10 + 2 + 1 + 1);
	kad_msg_fini(&m);
	free(buf);
}
END_TEST

START_TEST(test_private)
{
	static const uint8_t	lo[] = { 4, 127, 0, 0, 1, 6, 0, 1 };
	static const uint8_t	ten[] = { 4, 10, 1, 2, 3 };
	static const uint8_t	cgnat[] = { 4, 100, 64, 0, 1 };
	static const uint8_t	pub[] = { 4, 8, 8, 8, 8, 6, 0, 1 };
	static const uint8_t	pub172[] = { 4, 172, 32, 0, 1 };
	static const uint8_t	dns[] = { 54, 1, 'x' };
	uint8_t			v6[17] = { 41 };

	ck_assert_int_eq(kad_addr_private(lo, sizeof(lo)), 1);
	ck_assert_int_eq(kad_addr_private(ten, sizeof(ten)), 1);
	ck_assert_int_eq(kad_addr_private(cgnat, sizeof(cgnat)), 1);
	ck_assert_int_eq(kad_addr_private(pub, sizeof(pub)), 0);
	ck_assert_int_eq(kad_addr_private(pub172, sizeof(pub172)), 0);
	ck_assert_int_eq(kad_addr_private(dns, sizeof(dns)), -1);
	ck_assert_int_eq(kad_addr_private(lo, 3), -1);
	v6[16] = 1;				/* ::1 */
	ck_assert_int_eq(kad_addr_private(v6, sizeof(v6)), 1);
	v6[1] = 0xfd;				/* fd00::1 */
	ck_assert_int_eq(kad_addr_private(v6, sizeof(v6)), 1);
	v6[1] = 0x20;				/* 2000::1 */
	v6[2] = 0x01;
	ck_assert_int_eq(kad_addr_private(v6, sizeof(v6)), 0);
}
END_TEST

START_TEST(test_peer_ids)
{
	static const uint8_t	sha[34] = { 0x12, 0x20 };
	static const uint8_t	bad[] = { 0x00, 0x05, 1, 2 };
	uint8_t			id[38];
	struct kad_peer		p;
	const char		*srv[] = { "/ipfs/id/1.0.0", KAD_PROTOCOL };

	make_id(id, 3);
	ck_assert_int_eq(kad_peer_id_check(id, sizeof(id)), 0);
	ck_assert_int_eq(kad_peer_id_check(sha, sizeof(sha)), 0);
	ck_assert_int_eq(kad_peer_id_check(bad, sizeof(bad)), -1);
	ck_assert_int_eq(kad_peer_id_check(id, 1), -1);
	ck_assert_int_eq(kad_peer_set(&p, bad, sizeof(bad)), -1);
	ck_assert_int_eq(kad_protocols_server(srv, 2), 1);
	ck_assert_int_eq(kad_protocols_server(srv, 1), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_codec");
	TCase	*tc = tcase_create("codec");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_js_vector);
	tcase_add_test(tc, test_topic_key);
	tcase_add_test(tc, test_frame_errors);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_flood);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_private);
	tcase_add_test(tc, test_peer_ids);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
