/*
 * Integration tests of the ban-manager worker inside the real terap2pd,
 * over its real IPC sockets: two daemons sharing one PostgreSQL database
 * (started here with tests/pg.sh, private directory and port) see each
 * other's bans within 1 s; bad input gets a clear error; a score crossing
 * the threshold bans the peer and its addresses; bans.pub carries the
 * events; PostgreSQL stopped mid-test gives "ban store unavailable" while
 * lookups keep answering, and after it restarts nothing acknowledged is
 * lost; the SQLite default keeps bans across a daemon restart.
 */
#include <check.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define READY_MS	15000

static char	pg_dir[] = "/tmp/terap2p-bans-it.XXXXXX";
static char	pg_url[256];

static void
wait_ready(struct daemon *d)
{
	ck_assert_msg(h_wait_log(d, "supervisor", "msg=\"ready\"", READY_MS) ==
	    0, "daemon not ready; log:\n%s", d->log ? d->log : "");
}

/* Stop the daemon and start it again on the same data_dir and settings. */
static void
restart(struct daemon *d)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "%s", d->dir);
	ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
	ck_assert_int_ge(h_wait_exit(d, 10000), 0);
	close(d->out_fd);
	free(d->log);
	h_start_in(d, dir, NULL);
	wait_ready(d);
}

static ipc_env *
ban(struct daemon *d, const char *addr)
{
	Tp__BanAddrReq b = TP__BAN_ADDR_REQ__INIT;
	ipc_env req = TP__ENVELOPE__INIT;

	b.addr = (char *)addr;
	b.reason = "integration test";
	req.body_case = TP__ENVELOPE__BODY_BAN_ADDR_REQ;
	req.ban_addr_req = &b;
	return h_call(d, "bans.rep", &req);
}

/* 1 banned, 0 not, -1 error */
static int
is_banned(struct daemon *d, const char *addr)
{
	Tp__IsBannedAddrReq q = TP__IS_BANNED_ADDR_REQ__INIT;
	ipc_env req = TP__ENVELOPE__INIT, *rep;
	int r;

	q.addr = (char *)addr;
	req.body_case = TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ;
	req.is_banned_addr_req = &q;
	rep = h_call(d, "bans.rep", &req);
	if (rep == NULL || rep->status != 0 ||
	    rep->body_case != TP__ENVELOPE__BODY_IS_BANNED_REP)
		r = -1;
	else
		r = rep->is_banned_rep->banned;
	ipc_env_free(rep);
	return r;
}

static int
status_of(ipc_env *rep, char *err, size_t len)
{
	int s;

	ck_assert_ptr_nonnull(rep);
	s = rep->status;
	snprintf(err, len, "%s", rep->error ? rep->error : "");
	ipc_env_free(rep);
	return s;
}

static void
pg(const char *verb)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "tests/pg.sh %s %s >/dev/null", verb,
	    pg_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
start_pg_daemon(struct daemon *d)
{
	char conf[512];

	snprintf(conf, sizeof(conf), "ban_store_url = %s\n"
	    "p2p_ban_reload_interval = 2s\n", pg_url);
	h_start(d, conf);
	wait_ready(d);
}

static nng_socket
sub_open(struct daemon *d)
{
	nng_socket s;
	char url[256];

	ck_assert_int_eq(nng_sub0_open(&s), 0);
	ck_assert_int_eq(nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, "", 0), 0);
	ck_assert_int_eq(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 2000), 0);
	ck_assert_int_eq(ipc_url(d->run_dir, "bans.pub", url, sizeof(url)), 0);
	ck_assert_int_eq(nng_dial(s, url, NULL, 0), 0);
	usleep(200000);		/* let the subscription reach the publisher */
	return s;
}

/* The next event on s, of kind want, or NULL. */
static ipc_env *
sub_next(nng_socket s, Tp__Envelope__BodyCase want)
{
	char err[128];

	for (;;) {
		nng_msg *m;
		ipc_env *ev;

		if (nng_recvmsg(s, &m, 0) != 0)
			return NULL;
		if (ipc_decode((char *)nng_msg_body(m) + IPC_TAG_LEN,
		    nng_msg_len(m) - IPC_TAG_LEN, &ev, err, sizeof(err)) != 0) {
			nng_msg_free(m);
			return NULL;
		}
		nng_msg_free(m);
		if (ev->body_case == want)
			return ev;
		ipc_env_free(ev);
	}
}

START_TEST(two_daemons_share_pg)
{
	struct daemon a, b;
	char err[256];
	uint64_t t0;
	int seen = 0;

	start_pg_daemon(&a);
	start_pg_daemon(&b);
	ck_assert_int_eq(status_of(ban(&a, "203.0.113.0/24"), err,
	    sizeof(err)), 0);
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 1000 && !seen) {
		seen = is_banned(&b, "203.0.113.9") == 1;
		if (!seen)
			usleep(20000);
	}
	ck_assert_msg(seen, "b did not see a's ban within 1 s");
	/* bad input: clear errors, nothing stored */
	ck_assert_int_eq(status_of(ban(&a, "10.0.0.0/33"), err, sizeof(err)),
	    TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_str_eq(err, "invalid address \"10.0.0.0/33\": invalid "
	    "subnet prefix length");
	ck_assert_int_eq(status_of(ban(&a, "1.2.3.4:99999"), err,
	    sizeof(err)), TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_int_eq(status_of(ban(&a, ""), err, sizeof(err)),
	    TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_int_eq(status_of(ban(&a, "invalid"), err, sizeof(err)),
	    TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_int_eq(is_banned(&b, "10.0.0.1"), 0);
	h_stop(&a);
	h_stop(&b);
}
END_TEST

START_TEST(scores_and_events)
{
	Tp__AddBanScoreReq q = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env req = TP__ENVELOPE__INIT, *rep, *ev;
	char *addrs[] = { "/ip4/198.51.100.7/tcp/9905" };
	struct daemon d;
	nng_socket s;

	start_pg_daemon(&d);
	s = sub_open(&d);
	q.peer_id = "12D3KooWJ7jM8jYZ5cNbsFb8LxgE8wyd6kUUJjU4pUFqchbJM7wA";
	q.reason = "spam";
	q.addrs = addrs;
	q.n_addrs = 1;
	req.body_case = TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ;
	req.add_ban_score_req = &q;
	for (int i = 0; i < 2; i++) {
		rep = h_call(&d, "bans.rep", &req);
		ck_assert_ptr_nonnull(rep);
		ck_assert_int_eq(rep->status, 0);
		ck_assert_int_eq(rep->ban_score_rep->score, 50 * (i + 1));
		ck_assert_int_eq(rep->ban_score_rep->banned, i == 1);
		ipc_env_free(rep);
	}
	ev = sub_next(s, TP__ENVELOPE__BODY_BANNED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->banned->peer_id, q.peer_id);
	ck_assert_str_eq(ev->banned->reason, "spam");
	ipc_env_free(ev);
	ev = sub_next(s, TP__ENVELOPE__BODY_BANNED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->banned->addr, "198.51.100.7");
	ipc_env_free(ev);
	ck_assert_int_eq(is_banned(&d, "198.51.100.7"), 1);
	ck_assert_int_eq(is_banned(&d, q.peer_id), 1);
	nng_close(s);
	h_stop(&d);
}
END_TEST

START_TEST(pg_outage_loses_nothing)
{
	Tp__HealthReq hr = TP__HEALTH_REQ__INIT;
	ipc_env req = TP__ENVELOPE__INIT, *rep;
	struct daemon d;
	char err[256];
	uint64_t t0;
	int rc = -1;

	start_pg_daemon(&d);
	ck_assert_int_eq(status_of(ban(&d, "192.0.2.1"), err, sizeof(err)), 0);
	pg("stop");
	ck_assert_int_eq(status_of(ban(&d, "192.0.2.2"), err, sizeof(err)),
	    TP__IPC_STATUS__IPC_ERR_UNAVAILABLE);
	ck_assert_str_eq(err, "ban store unavailable");
	ck_assert_int_eq(is_banned(&d, "192.0.2.1"), 1);
	req.body_case = TP__ENVELOPE__BODY_HEALTH_REQ;
	req.health_req = &hr;
	rep = h_call(&d, "bans.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert(!rep->health_rep->ok);
	ck_assert_uint_eq(rep->health_rep->n_deps, 1);
	ck_assert_str_eq(rep->health_rep->deps[0]->name, "ban_store");
	ck_assert(!rep->health_rep->deps[0]->ok);
	ipc_env_free(rep);
	pg("restart");
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 15000 && rc != 0) {
		rc = status_of(ban(&d, "192.0.2.3"), err, sizeof(err));
		if (rc != 0)
			usleep(100000);
	}
	ck_assert_int_eq(rc, 0);
	/* restart the daemon: both acknowledged bans are there */
	restart(&d);
	ck_assert_int_eq(is_banned(&d, "192.0.2.1"), 1);
	ck_assert_int_eq(is_banned(&d, "192.0.2.2"), 0);
	ck_assert_int_eq(is_banned(&d, "192.0.2.3"), 1);
	h_stop(&d);
}
END_TEST

START_TEST(sqlite_survives_restart)
{
	struct daemon d;
	char err[256];

	h_start(&d, NULL);
	wait_ready(&d);
	ck_assert_int_eq(status_of(ban(&d, "[2001:db8::5]:9905"), err,
	    sizeof(err)), 0);
	restart(&d);
	ck_assert_int_eq(is_banned(&d, "2001:db8::5"), 1);
	ck_assert_int_eq(is_banned(&d, "2001:db8::6"), 0);
	h_stop(&d);
}
END_TEST

static Suite *
bans_suite(void)
{
	Suite *s = suite_create("bans");
	TCase *tc = tcase_create("daemon");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, two_daemons_share_pg);
	tcase_add_test(tc, scores_and_events);
	tcase_add_test(tc, pg_outage_loses_nothing);
	tcase_add_test(tc, sqlite_survives_restart);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char cmd[256];
	FILE *f;
	int failed;

	if (mkdtemp(pg_dir) == NULL)
		return 1;
	snprintf(cmd, sizeof(cmd), "tests/pg.sh start %s", pg_dir);
	if ((f = popen(cmd, "r")) == NULL ||
	    fgets(pg_url, sizeof(pg_url), f) == NULL) {
		fprintf(stderr, "cannot start PostgreSQL (tests/pg.sh)\n");
		return 1;
	}
	pclose(f);
	pg_url[strcspn(pg_url, "\n")] = '\0';
	sr = srunner_create(bans_suite());
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "tests/pg.sh destroy %s", pg_dir);
	if (system(cmd) != 0)
		failed++;
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
