/*
 * README claims about the supervisor, against the real terap2pd: a worker
 * that never reports READY (the api worker while its port is taken) is
 * killed after worker_ready_timeout and restarted, again and again, and the
 * node is ready once the port is free; at a stop, a worker that does not
 * answer Shutdown (SIGSTOPped) gets SIGTERM after shutdown_timeout, then
 * SIGKILL after as long again, each step logged, and the supervisor exits.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

/* Deadlines grow with the sanitizers' slowdown (scripts/run-tests.sh). */
static int
ms(int base)
{
	const char	*m = getenv("CK_TIMEOUT_MULTIPLIER");
	int		 k = m != NULL ? atoi(m) : 1;

	return base * (k > 1 ? k : 1);
}

/* The supervisor's view of role: restarts, or -1 when not listed. */
static int
restarts(struct daemon *d, const char *role)
{
	ipc_env	*st = h_status(d);
	int	 n = -1;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < st->sup_status_rep->n_workers; i++)
		if (strcmp(st->sup_status_rep->workers[i]->role, role) == 0)
			n = (int)st->sup_status_rep->workers[i]->restarts;
	ipc_env_free(st);
	return n;
}

/* A listening socket on 127.0.0.1:port, not inherited by the daemon. */
static int
hold_port(int port)
{
	struct sockaddr_in	sa;
	int			fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

START_TEST(ready_timeout_kills_and_restarts)
{
	struct daemon	d;
	char		conf[256], said[64];
	int		port = h_free_port(), fd = hold_port(port), n;
	int		tmo = ms(3000);	/* the other workers start within it */
	uint64_t	t0;

	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "worker_ready_timeout = %dms\n", port, tmo);
	snprintf(said, sizeof(said), "not ready after %d ms: killing it", tmo);
	h_start(&d, conf);
	ck_assert_msg(h_wait_log(&d, "supervisor", said, ms(20000)) == 0,
	    "no ready time-out:\n%s", h_log_tail(&d));
	ck_assert_int_eq(h_wait_log(&d, "supervisor", "restarting worker api",
	    ms(5000)), 0);
	/* it keeps trying: a second time-out and restart */
	ck_assert_int_eq(h_wait_log(&d, "supervisor", said, ms(15000)), 0);
	t0 = util_mono_ms();
	while ((n = restarts(&d, "api")) < 2 && util_mono_ms() - t0 <
	    (uint64_t)ms(10000))
		usleep(100000);
	ck_assert_msg(n >= 2, "api restarts %d", n);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "msg=\"ready\""), 0);
	/* only the api worker was ever too slow: the others started once */
	ck_assert_int_eq(h_count_log(&d, "supervisor", "started worker gossip "
	    "(pid"), 1);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "started worker kafka "
	    "(pid"), 1);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "started worker bans "
	    "(pid"), 1);
	close(fd);
	/* the backoff grows with each restart: allow for a few seconds */
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", ms(40000)) ==
	    0, "not ready once the port is free:\n%s", h_log_tail(&d));
	ck_assert_int_gt(h_worker_pid(&d, "api"), 0);
	h_stop(&d);
}
END_TEST

START_TEST(stop_escalates_to_sigterm_then_sigkill)
{
	struct daemon	d;
	pid_t		gossip;
	int		status;
	uint64_t	t0, took;
	char		term[96], kill9[96];

	h_start(&d, NULL);		/* the harness sets shutdown_timeout = 2s */
	h_wait_ready(&d);
	gossip = h_worker_pid(&d, "gossip");
	ck_assert_int_gt(gossip, 0);
	ck_assert_int_eq(kill(gossip, SIGSTOP), 0);
	t0 = util_mono_ms();
	ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
	status = h_wait_exit(&d, ms(15000));
	took = util_mono_ms() - t0;
	ck_assert_msg(status != -1, "the supervisor did not exit:\n%s",
	    h_log_tail(&d));
	fprintf(stderr, "  stopped in %llu ms\n", (unsigned long long)took);
	/* SIGTERM after 2 s, SIGKILL 2 s later */
	ck_assert_uint_ge(took, 4000);
	ck_assert_int_eq(kill(gossip, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
	/* the stopped gossip worker's steps (on a loaded machine another
	 * worker may be slow to exit too and get its own SIGTERM) */
	snprintf(term, sizeof(term), "worker gossip (pid %d) still running: "
	    "sending SIGTERM", (int)gossip);
	snprintf(kill9, sizeof(kill9), "worker gossip (pid %d) still running: "
	    "sending SIGKILL", (int)gossip);
	ck_assert_msg(h_count_log(&d, "supervisor", term) == 1 &&
	    h_count_log(&d, "supervisor", kill9) == 1,
	    "escalation not logged:\n%s", h_log_tail(&d));
	/* the other workers answered Shutdown and exited 0 */
	ck_assert_msg(h_count_log(&d, "supervisor", "exited with code 0") == 3,
	    "not every other worker exited 0:\n%s", h_log_tail(&d));
	h_cleanup(&d);
}
END_TEST

static Suite *
claims_supervisor_suite(void)
{
	Suite	*s = suite_create("claims_supervisor");
	TCase	*tc = tcase_create("supervisor");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ready_timeout_kills_and_restarts);
	tcase_add_test(tc, stop_escalates_to_sigterm_then_sigkill);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(claims_supervisor_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
