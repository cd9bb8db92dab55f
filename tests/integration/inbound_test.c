/*
 * Inbound hardening of the libp2p host, through the real daemon: many
 * silent TCP connections from several loopback addresses (all of 127/8 is
 * loopback) do not keep a real js-libp2p peer out; a silent connection
 * meets the short first-byte deadline and a trickling one the absolute
 * handshake deadline; a flood of refused connections logs a bounded number
 * of lines and a summary; a banned address that gets in while the ban
 * manager is stalled is dropped once it answers again.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define READY_MS	15000
#define SILENT_ADDRS	17
#define SILENT_PER_ADDR	8

struct node {
	struct daemon	d;
	char		peer_id[64];
	int		port;
	char		addr[160];
};

static void
node_start(struct node *n, const char *more)
{
	char	extra[512];

	n->port = h_free_port();
	snprintf(extra, sizeof(extra), "p2p_port = %d\np2p_listen_addresses = "
	    "0.0.0.0\n%s", n->port, more);
	h_start(&n->d, extra);
	ck_assert_msg(h_wait_log(&n->d, "supervisor", "msg=\"ready\"",
	    READY_MS) == 0, "not ready:\n%s", n->d.log ? n->d.log : "");
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s",
	    n->port, n->peer_id);
}

/* A TCP connection to 127.0.0.1:port from source address src. */
static int
tcp_from(const char *src, int port)
{
	struct sockaddr_in	sin;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, src, &sin.sin_addr), 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	sin.sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "connect from %s: %s", src, strerror(errno));
	return fd;
}

/* 1 if the daemon has closed fd (EOF or reset) within ms, else 0. */
static int
closed_within(int fd, int ms)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	char		buf[256];
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	ssize_t		n;

	while (util_mono_ms() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
	}
	return 0;
}

START_TEST(silent_sockets_do_not_keep_peers_out)
{
	struct node	 n;
	struct jspeer	 js;
	int		 fds[SILENT_ADDRS * SILENT_PER_ADDR], i, j, k = 0;
	char		 src[32];
	const char	*line;

	/* first-byte deadline long enough that only the budget can help */
	node_start(&n, "p2p_first_byte_timeout = 60s\n"
	    "p2p_handshake_timeout = 60s\n");
	for (i = 0; i < SILENT_ADDRS; i++)
		for (j = 0; j < SILENT_PER_ADDR; j++) {
			snprintf(src, sizeof(src), "127.1.%d.1", i + 1);
			fds[k++] = tcp_from(src, n.port);
		}
	/* all accepted (or refused, without the handshake budget) */
	(void)h_wait_log(&n.d, "gossip", "pushed out", 10000);
	jspeer_start(&js, NULL);
	line = jspeer_dial(&js, n.addr);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "a real peer was kept out: %s\n%s", line ? line : "", n.d.log);
	for (i = 0; i < k; i++)
		close(fds[i]);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

START_TEST(first_byte_and_handshake_deadlines)
{
	struct node	 n;
	uint64_t	 end;
	int		 silent, slow, gone = 0;
	char		 b = 0x7f;	/* a multistream length: 127 bytes */

	node_start(&n, "p2p_first_byte_timeout = 1s\n"
	    "p2p_handshake_timeout = 6s\n");
	silent = tcp_from("127.0.0.1", n.port);
	/* the silent one goes at the first-byte deadline, not at 6 s */
	ck_assert_int_eq(closed_within(silent, 20000), 1);
	ck_assert_int_ge(h_count_log(&n.d, "gossip", "silent since connect"), 1);
	/* a byte every 250 ms never moves the handshake deadline */
	slow = tcp_from("127.0.0.2", n.port);
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while (!gone && util_mono_ms() < end) {
		if (write(slow, &b, 1) != 1)
			gone = 1;
		else
			gone = closed_within(slow, 250);
		b = 'a';
	}
	ck_assert_msg(gone, "a trickling handshake was never cut");
	ck_assert_int_ge(h_count_log(&n.d, "gossip", "handshake timed out"), 1);
	close(silent);
	close(slow);
	h_stop(&n.d);
}
END_TEST

START_TEST(refusals_log_few_lines)
{
	struct node	 n;
	int		 held, fd, i, lines;

	node_start(&n, "p2p_max_per_ip = 1\np2p_first_byte_timeout = 60s\n"
	    "p2p_handshake_timeout = 60s\n");
	held = tcp_from("127.0.0.1", n.port);
	for (i = 0; i < 300; i++) {
		fd = tcp_from("127.0.0.1", n.port);	/* refused: per IP */
		close(fd);
		fd = tcp_from("127.0.0.3", n.port);	/* closed by us */
		close(fd);
	}
	ck_assert_int_eq(h_wait_log(&n.d, "gossip",
	    "more refused or failed inbound connections", 25000), 0);
	lines = h_count_log(&n.d, "gossip", "refused a connection") +
	    h_count_log(&n.d, "gossip", "closed during handshake");
	ck_assert_msg(lines >= 1 && lines <= 12, "%d lines for 600 refusals",
	    lines);
	close(held);
	h_stop(&n.d);
}
END_TEST

/* A request to bans.rep that must succeed. */
static void
bans_call(struct node *n, ipc_env *req)
{
	ipc_env	*rep = h_call(&n->d, "bans.rep", req);

	ck_assert_ptr_nonnull(rep);
	ck_assert_msg(rep->status == 0, "%s", rep->error);
	ipc_env_free(rep);
}

/* A peer ban the gate could not ask about while the ban manager was
 * stalled: the connection is dropped once it answers again. */
START_TEST(stalled_ban_manager_catches_up)
{
	Tp__BanPeerReq	 ban = TP__BAN_PEER_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT;
	struct node	 n;
	struct jspeer	 js;
	const char	*line;
	pid_t		 bans;

	node_start(&n, "log_level = debug\n");	/* the gate's give-up */
	jspeer_start(&js, NULL);
	ban.peer_id = js.peer_id;
	ban.reason = "stalled test";
	req.body_case = TP__ENVELOPE__BODY_BAN_PEER_REQ;
	req.ban_peer_req = &ban;
	bans_call(&n, &req);
	ck_assert_int_gt(bans = h_worker_pid(&n.d, "bans"), 0);
	ck_assert_int_eq(kill(bans, SIGSTOP), 0);
	line = jspeer_dial(&js, n.addr);
	/* stalled past the gate's 1 s wait for an answer: it gave up */
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "ban check of", 20000), 0);
	ck_assert_int_eq(kill(bans, SIGCONT), 0);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true") != NULL,
	    "%s", line ? line : "");
	ck_assert_ptr_nonnull(jspeer_wait(&js, "\"disconnect\"", n.peer_id,
	    20000));
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "banned (peer ID)", 20000),
	    0);
	/* by the catch-up, which may log after the ban */
	ck_assert(h_count_log(&n.d, "gossip", "the ban manager answers again")
	    > 0 || h_wait_log(&n.d, "gossip", "the ban manager answers again",
	    20000) == 0);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

/* The gossip worker's own copy of the address bans refuses a banned
 * address while the ban manager is stalled. */
START_TEST(address_bans_hold_without_ban_manager)
{
	Tp__BanAddrReq	 ban = TP__BAN_ADDR_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT;
	struct node	 n;
	int		 fd, before;
	pid_t		 bans;

	node_start(&n, "p2p_first_byte_timeout = 60s\n"
	    "p2p_handshake_timeout = 60s\n");
	ban.addr = "127.0.0.5";
	ban.reason = "local copy test";
	req.body_case = TP__ENVELOPE__BODY_BAN_ADDR_REQ;
	req.ban_addr_req = &ban;
	bans_call(&n, &req);
	/* refused while the ban manager runs (by either check) */
	fd = tcp_from("127.0.0.5", n.port);
	ck_assert_int_eq(closed_within(fd, 10000), 1);
	close(fd);
	/* by the local copy, the ban manager's answer ("banned (<subnet>)")
	 * or the Banned event itself ("banned: <reason>"), whichever is
	 * first; 127.0.0.5 is the only address that connects here */
	ck_assert_msg(h_wait_log(&n.d, "gossip", "closed during handshake: "
	    "banned", 10000) == 0, "no refusal logged:\n%s", h_log_tail(&n.d));
	before = h_count_log(&n.d, "gossip", "banned (127.0.0.5");
	ck_assert_int_gt(bans = h_worker_pid(&n.d, "bans"), 0);
	ck_assert_int_eq(kill(bans, SIGSTOP), 0);
	fd = tcp_from("127.0.0.5", n.port);
	/* refused while it is stalled: only the local copy can do that */
	ck_assert_int_eq(closed_within(fd, 10000), 1);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "banned (127.0.0.5",
	    10000), 0);
	ck_assert_int_gt(h_count_log(&n.d, "gossip", "banned (127.0.0.5"),
	    before);
	ck_assert_int_eq(kill(bans, SIGCONT), 0);
	close(fd);
	h_stop(&n.d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("inbound (libp2p limits)");
	TCase	*tc = tcase_create("inbound");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, silent_sockets_do_not_keep_peers_out);
	tcase_add_test(tc, first_byte_and_handshake_deadlines);
	tcase_add_test(tc, refusals_log_few_lines);
	tcase_add_test(tc, stalled_ban_manager_catches_up);
	tcase_add_test(tc, address_bans_hold_without_ban_manager);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
