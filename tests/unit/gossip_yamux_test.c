/*
 * Unit tests for yamux.c: the Part C5 frames, header garbage, and
 * two in-memory sessions exercising open/accept, windows, FIN, RST, ping,
 * go-away, the stream cap and the protocol violations.
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
check_frame(const struct p2p_yamux_hdr *h, const char *hex)
{
	uint8_t			want[12], got[12];
	struct p2p_yamux_hdr	back;

	ck_assert_uint_eq(unhex(hex, want), 12);
	p2p_yamux_hdr_encode(h, got);
	ck_assert_mem_eq(got, want, 12);
	ck_assert_int_eq(p2p_yamux_hdr_decode(want, 12, &back), 0);
	ck_assert_uint_eq(back.type, h->type);
	ck_assert_uint_eq(back.flags, h->flags);
	ck_assert_uint_eq(back.stream_id, h->stream_id);
	ck_assert_uint_eq(back.length, h->length);
}

START_TEST(test_frames)
{
	struct p2p_yamux_session	c, srv;
	struct p2p_yamux_event	ev;
	struct p2p_yamux_hdr		h;
	uint32_t			id;

	p2p_yamux_session_init(&c, 1, 64);
	p2p_yamux_session_init(&srv, 0, 64);
	ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), 0);
	ck_assert_uint_eq(id, 1);
	check_frame(&h, "000100010000000100000000");
	ck_assert_int_eq(p2p_yamux_session_recv(&srv, &h, &ev), 0);
	ck_assert(ev.events & P2P_YAMUX_EV_OPEN);
	ck_assert(ev.has_reply);
	check_frame(&ev.reply, "000100020000000100000000");
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA, 0, 3, 19 };
	check_frame(&h, "000000000000000300000013");
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_WINDOW_UPDATE, 0, 2,
	    256 * 1024 };
	check_frame(&h, "000100000000000200040000");
	ck_assert_int_eq(p2p_yamux_stream_close(&c, 1, &h), 0);
	check_frame(&h, "000100040000000100000000");
	ck_assert_int_eq(p2p_yamux_stream_reset(&c, 1, &h), 0);
	check_frame(&h, "000100080000000100000000");
	p2p_yamux_ping(42, &h);
	check_frame(&h, "00020001000000000000002a");
	ck_assert_int_eq(p2p_yamux_session_recv(&srv, &h, &ev), 0);
	ck_assert(ev.has_reply);
	check_frame(&ev.reply, "00020002000000000000002a");
	ck_assert_int_eq(p2p_yamux_session_recv(&c, &ev.reply, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_PONG);
	ck_assert_uint_eq(ev.length, 42);
	p2p_yamux_go_away(&srv, P2P_YAMUX_GOAWAY_NORMAL, &h);
	check_frame(&h, "000300000000000000000000");
	ck_assert_int_eq(p2p_yamux_session_recv(&c, &h, &ev), 0);
	ck_assert(ev.events & P2P_YAMUX_EV_GOAWAY);
	ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), -1);
	ck_assert_int_eq(p2p_yamux_stream_open(&srv, &id, &h), -1);
}
END_TEST

START_TEST(test_hdr_garbage)
{
	struct p2p_yamux_hdr	h;
	uint8_t			b[12];

	unhex("010000000000000100000000", b);
	ck_assert_int_eq(p2p_yamux_hdr_decode(b, 12, &h), -1);
	unhex("000400000000000100000000", b);
	ck_assert_int_eq(p2p_yamux_hdr_decode(b, 12, &h), -1);
	unhex("0003ffff00000001ffffffff", b);
	ck_assert_int_eq(p2p_yamux_hdr_decode(b, 12, &h), 0);
	ck_assert_int_eq(p2p_yamux_hdr_decode(b, 11, &h), -1);
}
END_TEST

/* Pass hdr from one session to the other; returns the event. */
static int
deliver(struct p2p_yamux_session *to, const struct p2p_yamux_hdr *h,
    struct p2p_yamux_event *ev)
{
	return p2p_yamux_session_recv(to, h, ev);
}

START_TEST(test_windows)
{
	struct p2p_yamux_session	c, srv;
	struct p2p_yamux_event	ev;
	struct p2p_yamux_hdr		h;
	uint32_t			id, sent = 0, got = 0, n;
	int				upd;

	p2p_yamux_session_init(&c, 1, 8);
	p2p_yamux_session_init(&srv, 0, 8);
	ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), 0);
	ck_assert_int_eq(deliver(&srv, &h, &ev), 0);
	ck_assert_int_eq(deliver(&c, &ev.reply, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_ACKED);
	/* Fill the whole window; the sender must then stop. */
	while ((n = p2p_yamux_stream_send_max(&c, id)) > 0) {
		ck_assert_uint_le(n, P2P_YAMUX_FRAME_DATA_MAX);
		ck_assert_int_eq(p2p_yamux_stream_send(&c, id, n, &h), 0);
		ck_assert_int_eq(deliver(&srv, &h, &ev), 0);
		ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_DATA);
		ck_assert_uint_eq(ev.length, n);
		sent += n;
	}
	ck_assert_uint_eq(sent, P2P_YAMUX_WINDOW);
	ck_assert_int_eq(p2p_yamux_stream_send(&c, id, 1, &h), -1);
	/* Consuming half the window gives it back in one update. */
	ck_assert_int_eq(p2p_yamux_stream_consumed(&srv, id, 1000, &h, &upd),
	    0);
	ck_assert_int_eq(upd, 0);
	got = 1000;
	ck_assert_int_eq(p2p_yamux_stream_consumed(&srv, id,
	    P2P_YAMUX_WINDOW / 2 - got, &h, &upd), 0);
	ck_assert_int_eq(upd, 1);
	ck_assert_uint_eq(h.type, P2P_YAMUX_WINDOW_UPDATE);
	ck_assert_uint_eq(h.length, P2P_YAMUX_WINDOW / 2);
	ck_assert_int_eq(deliver(&c, &h, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_WINDOW);
	ck_assert_uint_eq(p2p_yamux_stream_send_max(&c, id),
	    P2P_YAMUX_FRAME_DATA_MAX);
	/* Consuming more than was received is a caller bug. */
	ck_assert_int_eq(p2p_yamux_stream_consumed(&srv, id,
	    P2P_YAMUX_WINDOW, &h, &upd), -1);

	/* A peer that ignores our window gets a go-away. */
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA, 0, id,
	    P2P_YAMUX_WINDOW / 2 + 1 };
	ck_assert_int_eq(deliver(&srv, &h, &ev), -1);
	ck_assert(ev.has_reply);
	ck_assert_uint_eq(ev.reply.type, P2P_YAMUX_GO_AWAY);
	ck_assert_uint_eq(ev.reply.length, P2P_YAMUX_GOAWAY_PROTO);
	ck_assert(srv.goaway_sent);
	/* So does one that overflows our send window. */
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_WINDOW_UPDATE, 0, id,
	    UINT32_MAX };
	ck_assert_int_eq(deliver(&c, &h, &ev), -1);
}
END_TEST

START_TEST(test_fin_rst)
{
	struct p2p_yamux_session	c, srv;
	struct p2p_yamux_event	ev;
	struct p2p_yamux_hdr		h;
	uint32_t			id;

	p2p_yamux_session_init(&c, 1, 8);
	p2p_yamux_session_init(&srv, 0, 8);
	/* Open with data and FIN in one frame, as some peers do. */
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA,
	    P2P_YAMUX_SYN | P2P_YAMUX_FIN, 1, 5 };
	ck_assert_int_eq(deliver(&srv, &h, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_OPEN |
	    P2P_YAMUX_EV_DATA | P2P_YAMUX_EV_FIN);
	ck_assert_uint_eq(srv.nstreams, 1);
	/* Data after FIN is a violation. */
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA, 0, 1, 1 };
	ck_assert_int_eq(deliver(&srv, &h, &ev), -1);
	p2p_yamux_session_init(&srv, 0, 8);
	ck_assert_int_eq(deliver(&srv, &(struct p2p_yamux_hdr){ 0,
	    P2P_YAMUX_DATA, P2P_YAMUX_SYN | P2P_YAMUX_FIN, 1, 5 },
	    &ev), 0);
	ck_assert_int_eq(p2p_yamux_stream_close(&srv, 1, &h), 0);
	ck_assert_uint_eq(srv.nstreams, 0);
	ck_assert_int_eq(p2p_yamux_stream_close(&srv, 1, &h), -1);
	/* Late frames for a closed stream are dropped, not errors. */
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA, 0, 1, 7 };
	ck_assert_int_eq(deliver(&srv, &h, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_DISCARD);

	/* Our close, then theirs: freed on the second FIN. */
	ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), 0);
	ck_assert_int_eq(p2p_yamux_stream_close(&c, id, &h), 0);
	ck_assert_uint_eq(p2p_yamux_stream_send_max(&c, id), 0);
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_WINDOW_UPDATE,
	    P2P_YAMUX_ACK | P2P_YAMUX_FIN, id, 0 };
	ck_assert_int_eq(deliver(&c, &h, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_ACKED |
	    P2P_YAMUX_EV_FIN | P2P_YAMUX_EV_CLOSED);
	ck_assert_uint_eq(c.nstreams, 0);
	/* RST from the peer frees the stream; its data is dropped. */
	ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), 0);
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA, P2P_YAMUX_RST,
	    id, 3 };
	ck_assert_int_eq(deliver(&c, &h, &ev), 0);
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_DISCARD |
	    P2P_YAMUX_EV_RST);
	ck_assert_uint_eq(c.nstreams, 0);
}
END_TEST

START_TEST(test_violations_and_cap)
{
	struct p2p_yamux_session	c, srv;
	struct p2p_yamux_event	ev;
	struct p2p_yamux_hdr		h;
	uint32_t			id, i;

	p2p_yamux_session_init(&c, 1, 8);
	p2p_yamux_session_init(&srv, 0, 2);
	/* "both endpoints are clients": odd SYN toward a client. */
	h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_WINDOW_UPDATE,
	    P2P_YAMUX_SYN, 3, 0 };
	ck_assert_int_eq(deliver(&c, &h, &ev), -1);
	h.stream_id = 2;
	ck_assert_int_eq(deliver(&srv, &h, &ev), -1);
	/* Stream 0 is the session's. */
	h.stream_id = 0;
	ck_assert_int_eq(deliver(&srv, &h, &ev), -1);
	/* Duplicate SYN. */
	p2p_yamux_session_init(&srv, 0, 2);
	h.stream_id = 1;
	ck_assert_int_eq(deliver(&srv, &h, &ev), 0);
	ck_assert_int_eq(deliver(&srv, &h, &ev), -1);
	/* Over the cap: refused with RST, data discarded, no error. */
	p2p_yamux_session_init(&srv, 0, 2);
	for (i = 0; i < 3; i++) {
		h = (struct p2p_yamux_hdr){ 0, P2P_YAMUX_DATA,
		    P2P_YAMUX_SYN, 2 * i + 1, 4 };
		ck_assert_int_eq(deliver(&srv, &h, &ev), 0);
	}
	ck_assert_uint_eq(ev.events, P2P_YAMUX_EV_DISCARD);
	ck_assert_uint_eq(ev.reply.flags, P2P_YAMUX_RST);
	ck_assert_uint_eq(srv.nstreams, 2);
	ck_assert_int_eq(p2p_yamux_stream_open(&srv, &id, &h), -1);
	/* Our own IDs: odd for the client, counting by two. */
	p2p_yamux_session_init(&c, 1, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), 0);
		ck_assert_uint_eq(id, 2 * i + 1);
	}
	ck_assert_int_eq(p2p_yamux_stream_open(&c, &id, &h), -1);
	p2p_yamux_session_init(&c, 1, 100000);
	ck_assert_uint_eq(c.max_streams, P2P_YAMUX_STREAMS_MAX);
	/* An unknown type never reaches the session via decode. */
	h = (struct p2p_yamux_hdr){ 0, 9, 0, 0, 0 };
	ck_assert_int_eq(deliver(&c, &h, &ev), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_yamux");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_frames);
	tcase_add_test(tc, test_hdr_garbage);
	tcase_add_test(tc, test_windows);
	tcase_add_test(tc, test_fin_rst);
	tcase_add_test(tc, test_violations_and_cap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
