/*
 * Integration tests of terap2pctl (tools/terap2pctl.c) against the real
 * terap2pd: status, bans (add, list, check, remove, clear), scores, peers,
 * --json output, and a non-zero exit with a clear message for a missing
 * key, a bad address, an unknown command and an unreachable server.
 * `connect` waits for the dial and reports its outcome (refused, peer ID
 * mismatch, connected), and connecting to a connected peer is a no-op.
 * With -f and nothing else, terap2pctl finds the URL and the key in the
 * daemon's own settings file.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

/* valid peer IDs (sha2-256 multihashes) */
#define CTX_PEER	"QmPTz2CKoisTPyAV57L9S1UDG2PHWc9fg9CgU1NoGy5Wa5"

#define READY_MS	15000
#define KEY		"ctl-key"

static char	ctl_url[64];

static int
free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Run terap2pctl with args (NULL-terminated), stdout and stderr in out. */
static int
ctl(char *out, size_t outlen, ...)
{
	char		 bin[256], tmp[256], *argv[24];
	const char	*a;
	va_list		 ap;
	size_t		 n = 0, len = 0;
	int		 pfd[2], status;
	ssize_t		 r;
	pid_t		 pid;

	snprintf(tmp, sizeof(tmp), "%s", h_binary());
	snprintf(bin, sizeof(bin), "%s/terap2pctl", dirname(tmp));
	argv[n++] = bin;
	if (ctl_url[0] != '\0') {
		argv[n++] = (char *)"-u";
		argv[n++] = ctl_url;
	}
	va_start(ap, outlen);
	while ((a = va_arg(ap, const char *)) != NULL && n < 22)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	ck_assert_int_eq(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execv(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	while (len + 1 < outlen && (r = read(pfd[0], out + len,
	    outlen - len - 1)) > 0)
		len += (size_t)r;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#define HAS(s, sub)	ck_assert_msg(strstr((s), (sub)) != NULL, \
			    "\"%s\" not in: %s", (sub), (s))

START_TEST(ctl_commands)
{
	struct daemon	d;
	char		conf[256], out[16384];
	int		port = free_port();

	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\napi_key = " KEY
	    "\n", port, free_port());
	snprintf(ctl_url, sizeof(ctl_url), "http://127.0.0.1:%d", port);
	h_start(&d, conf);
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", READY_MS) ==
	    0, "daemon not ready");
	for (int i = 0; i < 250 && h_count_log(&d, "api", "serving HTTP") == 0;
	    i++)
		usleep(20000);
	ck_assert_int_eq(ctl(out, sizeof(out), "status", NULL), 0);
	HAS(out, " ready, up ");
	HAS(out, "  bans     pid ");
	ck_assert_int_eq(ctl(out, sizeof(out), "bans", "add", "10.0.0.0/8",
	    NULL), 1);
	HAS(out, "terap2pctl: 401: ");
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "bans", "add",
	    "10.0.0.0/8", "2h", "from ctl", NULL), 0);
	HAS(out, "banned 10.0.0.0/8 until ");
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "bans", "add",
	    "300.1.1.1", NULL), 1);
	HAS(out, "terap2pctl: 400: invalid address");
	ck_assert_int_eq(ctl(out, sizeof(out), "bans", NULL), 0);
	HAS(out, "10.0.0.0/8  until ");
	HAS(out, "from ctl");
	HAS(out, "1 bans");
	ck_assert_int_eq(ctl(out, sizeof(out), "--json", "bans", "list", NULL),
	    0);
	HAS(out, "{\"bans\":[{\"key\":\"10.0.0.0/8\"");
	ck_assert_int_eq(ctl(out, sizeof(out), "bans", "check", "10.2.3.4",
	    NULL), 0);
	HAS(out, "banned (10.0.0.0/8)");
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "bans", "remove",
	    "10.0.0.0/8", NULL), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "bans", "check", "10.2.3.4",
	    NULL), 0);
	HAS(out, "not banned");
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "bans", "remove",
	    "10.0.0.0/8", NULL), 1);
	HAS(out, "terap2pctl: 404: ");
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "scores", "add",
	    CTX_PEER, "spam", NULL), 0);
	HAS(out, CTX_PEER "  score 50");
	ck_assert_int_eq(ctl(out, sizeof(out), "scores", NULL), 0);
	HAS(out, "1 scored peers");
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "bans", "clear",
	    NULL), 0);
	ck_assert_int_eq(ctl(out, sizeof(out), "peers", NULL), 0);
	HAS(out, "0 peers");
	ck_assert_int_eq(ctl(out, sizeof(out), "frobnicate", NULL), 2);
	HAS(out, "usage: terap2pctl");
	h_stop(&d);
	/* nobody listening any more */
	ck_assert_int_eq(ctl(out, sizeof(out), "status", NULL), 2);
	HAS(out, "terap2pctl: cannot reach http://127.0.0.1:");
}
END_TEST

/* The gossip worker's stat name, from the daemon's gossip.rep. */
static int64_t
gossip_stat(struct daemon *d, const char *name)
{
	Tp__StatsReq	 st = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &st;
	ck_assert_ptr_nonnull(rep = h_call(d, "gossip.rep", &req));
	for (size_t i = 0; i < rep->stats_rep->n_stats; i++)
		if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
			v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

START_TEST(ctl_connect_reports_the_outcome)
{
	struct daemon	 d;
	struct jspeer	 js, other;
	char		 conf[256], out[16384], addr[256];
	const char	*p;
	int		 port = free_port(), closed = free_port();

	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\napi_key = " KEY
	    "\n", port, free_port());
	snprintf(ctl_url, sizeof(ctl_url), "http://127.0.0.1:%d", port);
	h_start(&d, conf);
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", READY_MS) ==
	    0, "daemon not ready");
	for (int i = 0; i < 250 && h_count_log(&d, "api", "serving HTTP") == 0;
	    i++)
		usleep(20000);
	jspeer_start(&js, NULL);
	jspeer_start(&other, NULL);
	/* nobody listens there */
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", closed,
	    js.peer_id);
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "connect", addr,
	    NULL), 1);
	HAS(out, "refused");
	/* js answers, but it is not the peer asked for */
	ck_assert_ptr_nonnull(p = strstr(js.addr, "/p2p/"));
	snprintf(addr, sizeof(addr), "%.*s/p2p/%s", (int)(p - js.addr), js.addr,
	    other.peer_id);
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "connect", addr,
	    NULL), 1);
	HAS(out, "mismatch");
	ck_assert_int_eq(gossip_stat(&d, "peers"), 0);
	/* the right one */
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "connect", js.addr,
	    NULL), 0);
	ck_assert_int_eq(gossip_stat(&d, "peers"), 1);
	ck_assert_int_eq(ctl(out, sizeof(out), "peers", NULL), 0);
	HAS(out, js.peer_id);
	/* again: nothing new */
	ck_assert_int_eq(ctl(out, sizeof(out), "-k", KEY, "connect", js.addr,
	    NULL), 0);
	ck_assert_int_eq(gossip_stat(&d, "connections"), 1);
	jspeer_stop(&other);
	jspeer_stop(&js);
	h_stop(&d);
}
END_TEST

START_TEST(ctl_reads_the_daemon_settings)
{
	struct daemon	d;
	char		conf[256], out[16384];
	int		port = free_port();

	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "api_key = " KEY "\n", port);
	h_start(&d, conf);
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", READY_MS) ==
	    0, "daemon not ready");
	ctl_url[0] = '\0';
	unsetenv("TERAP2P_URL");
	unsetenv("TERAP2P_API_KEY");
	/* URL and key both from the file: a mutation goes through */
	ck_assert_int_eq(ctl(out, sizeof(out), "-f", d.conf, "bans", "add",
	    "10.9.0.0/16", "1h", NULL), 0);
	HAS(out, "banned 10.9.0.0/16 until ");
	/* -k still wins over the file's key */
	ck_assert_int_eq(ctl(out, sizeof(out), "-f", d.conf, "-k", "wrong",
	    "bans", "add", "10.8.0.0/16", NULL), 1);
	HAS(out, "terap2pctl: 401: ");
	ck_assert_int_eq(ctl(out, sizeof(out), "-f", "/nonexistent/t.conf",
	    "status", NULL), 2);
	HAS(out, "/nonexistent/t.conf");
	h_stop(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_ctl");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, ctl_commands);
	tcase_add_test(tc, ctl_connect_reports_the_outcome);
	tcase_add_test(tc, ctl_reads_the_daemon_settings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
