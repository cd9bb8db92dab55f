/*
 * Unit tests for mss.c: the Part C3 lines, Go's lazy
 * header+proposal+data write, byte-at-a-time input, `na`, `ls` and the
 * caps on length and framing.
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
} lines[] = {
	{ "/multistream/1.0.0", "132f6d756c746973747265616d2f312e302e300a" },
	{ "/noise", "072f6e6f6973650a" },
	{ "/tls/1.0.0", "0b2f746c732f312e302e300a" },
	{ "/yamux/1.0.0", "0d2f79616d75782f312e302e300a" },
	{ "na", "036e610a" },
	{ "/ipfs/id/1.0.0", "0f2f697066732f69642f312e302e300a" },
	{ "/ipfs/ping/1.0.0", "112f697066732f70696e672f312e302e300a" },
	{ "/meshsub/1.1.0", "0f2f6d6573687375622f312e312e300a" },
	{ "/meshsub/1.2.0", "0f2f6d6573687375622f312e322e300a" },
	{ "/ipfs/kad/1.0.0", "102f697066732f6b61642f312e302e300a" },
};

START_TEST(test_lines)
{
	struct p2p_mss_parser	p;
	uint8_t				want[64], out[64];
	size_t				i, n, off, used;

	p2p_mss_parser_init(&p);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		n = unhex(lines[i].hex, want);
		off = 0;
		ck_assert_int_eq(p2p_mss_encode(lines[i].text, out,
		    sizeof(out), &off), 0);
		ck_assert_uint_eq(off, n);
		ck_assert_mem_eq(out, want, n);
		ck_assert_int_eq(p2p_mss_parser_feed(&p, want, n, &used),
		    P2P_MSS_LINE);
		ck_assert_uint_eq(used, n);
		ck_assert_str_eq(p.line, lines[i].text);
		ck_assert_uint_eq(p.line_len, strlen(lines[i].text));
	}
}
END_TEST

START_TEST(test_lazy_and_bytewise)
{
	struct p2p_mss_parser	p;
	uint8_t				buf[128];
	size_t				off = 0, pos = 0, used, i;
	int				rc;

	/* Go's lazy dialer: header, proposal and protocol data together. */
	ck_assert_int_eq(p2p_mss_encode(P2P_MSS_PROTOCOL, buf,
	    sizeof(buf), &off), 0);
	ck_assert_int_eq(p2p_mss_encode("/meshsub/1.1.0", buf, sizeof(buf),
	    &off), 0);
	memcpy(buf + off, "\x05hello", 6);
	off += 6;
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p, buf, off, &used),
	    P2P_MSS_LINE);
	ck_assert_str_eq(p.line, P2P_MSS_PROTOCOL);
	pos += used;
	ck_assert_int_eq(p2p_mss_parser_feed(&p, buf + pos, off - pos,
	    &used), P2P_MSS_LINE);
	ck_assert_str_eq(p.line, "/meshsub/1.1.0");
	pos += used;
	ck_assert_uint_eq(off - pos, 6);
	ck_assert_mem_eq(buf + pos, "\x05hello", 6);

	/* The same bytes one at a time. */
	p2p_mss_parser_init(&p);
	for (i = 0; i < 20; i++) {
		rc = p2p_mss_parser_feed(&p, buf + i, 1, &used);
		ck_assert_uint_eq(used, 1);
		ck_assert_int_eq(rc, i == 19 ? P2P_MSS_LINE :
		    P2P_MSS_AGAIN);
	}
	ck_assert_str_eq(p.line, P2P_MSS_PROTOCOL);
	ck_assert_int_eq(p2p_mss_parser_feed(&p, buf, 0, &used),
	    P2P_MSS_AGAIN);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(test_errors)
{
	struct p2p_mss_parser	p;
	uint8_t				buf[2048];
	size_t				used, off;
	char				big[P2P_MSS_MSG_MAX + 1];

	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p, (const uint8_t *)"\x03na!",
	    4, &used), P2P_MSS_ENONL);
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p, (const uint8_t *)"\x00", 1,
	    &used), P2P_MSS_ENONL);
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p,
	    (const uint8_t *)"\x03n\0\n", 4, &used), P2P_MSS_ENUL);
	p2p_mss_parser_init(&p);
	/* 1025 = 0x81 0x08 */
	ck_assert_int_eq(p2p_mss_parser_feed(&p,
	    (const uint8_t *)"\x81\x08", 2, &used), P2P_MSS_ETOOBIG);
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p,
	    (const uint8_t *)"\xff\xff\x01", 3, &used), P2P_MSS_ETOOBIG);
	ck_assert_uint_eq(used, 2);
	/* Fed again after the error: still refused, no overflow. */
	ck_assert_int_eq(p2p_mss_parser_feed(&p,
	    (const uint8_t *)"\x01", 1, &used), P2P_MSS_ETOOBIG);
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p,
	    (const uint8_t *)"\x80\x00", 2, &used), P2P_MSS_EBADLEN);

	/* 1024 bytes with the newline is the largest accepted message. */
	memset(big, 'a', sizeof(big));
	big[P2P_MSS_MSG_MAX - 1] = '\0';
	off = 0;
	ck_assert_int_eq(p2p_mss_encode(big, buf, sizeof(buf), &off), 0);
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p, buf, off, &used),
	    P2P_MSS_LINE);
	ck_assert_uint_eq(p.line_len, P2P_MSS_MSG_MAX - 1);
	big[P2P_MSS_MSG_MAX - 1] = 'a';
	big[P2P_MSS_MSG_MAX] = '\0';
	off = 0;
	ck_assert_int_eq(p2p_mss_encode(big, buf, sizeof(buf), &off),
	    P2P_MSS_ETOOBIG);
	off = 0;
	ck_assert_int_eq(p2p_mss_encode("/noise", buf, 7, &off),
	    P2P_MSS_ESPACE);
	ck_assert_str_ne(p2p_mss_strerror(P2P_MSS_ENONL), "");
}
END_TEST

START_TEST(test_respond)
{
	static const char *const	protos[] = { "/noise", "/yamux/1.0.0" };
	struct p2p_mss_parser	p, q;
	uint8_t				out[256], want[64];
	size_t				off, n, used;
	int				sel;

	/* Go dialing us: /tls/1.0.0 gets na, /noise gets echoed. */
	off = 0;
	ck_assert_int_eq(p2p_mss_respond("/tls/1.0.0", protos, 2, out,
	    sizeof(out), &off, &sel), 0);
	ck_assert_int_eq(sel, -1);
	n = unhex("036e610a", want);
	ck_assert_uint_eq(off, n);
	ck_assert_mem_eq(out, want, n);
	off = 0;
	ck_assert_int_eq(p2p_mss_respond("/noise", protos, 2, out,
	    sizeof(out), &off, &sel), 0);
	ck_assert_int_eq(sel, 0);
	n = unhex("072f6e6f6973650a", want);
	ck_assert_mem_eq(out, want, n);

	/* ls: one message holding one message per protocol. */
	off = 0;
	ck_assert_int_eq(p2p_mss_respond("ls", protos, 2, out, sizeof(out),
	    &off, &sel), 0);
	ck_assert_int_eq(sel, -1);
	p2p_mss_parser_init(&p);
	ck_assert_int_eq(p2p_mss_parser_feed(&p, out, off, &used),
	    P2P_MSS_LINE);
	ck_assert_uint_eq(used, off);
	p2p_mss_parser_init(&q);
	n = 0;
	ck_assert_int_eq(p2p_mss_parser_feed(&q, (uint8_t *)p.line,
	    p.line_len, &used), P2P_MSS_LINE);
	ck_assert_str_eq(q.line, "/noise");
	n += used;
	ck_assert_int_eq(p2p_mss_parser_feed(&q, (uint8_t *)p.line + n,
	    p.line_len - n, &used), P2P_MSS_LINE);
	ck_assert_str_eq(q.line, "/yamux/1.0.0");
	ck_assert_uint_eq(n + used, p.line_len);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_mss");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_lines);
	tcase_add_test(tc, test_lazy_and_bytewise);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_respond);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
