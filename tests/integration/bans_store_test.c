/*
 * Integration test of the ban manager's operations and stores against a
 * real PostgreSQL server (started here with tests/pg.sh in a private
 * directory and port, stopped at the end) and against SQLite.  Covers
 * Teranode's services/p2p BanList/BanManager test checklist, the bad-input
 * list, restart persistence, expiry, the max-entries bound, two instances
 * on one database seeing each other's bans through LISTEN/NOTIFY, and a
 * PostgreSQL stop/start with no acknowledged ban lost.  No IPC: contexts
 * are built directly, as the worker builds its own.
 */
#include <check.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../workers/ban_manager/ban_manager.h"
#include "log.h"
#include "util.h"

static char	pg_dir[] = "/tmp/terap2p-bans-pg.XXXXXX";
static char	pg_url[256];
static char	sq_dir[] = "/tmp/terap2p-bans-sq.XXXXXX";
static uint64_t	fake_ms;
static int	nevents[2];		/* [0] unbanned, [1] banned */
static char	last_event[160];

static uint64_t
test_clock(void)
{
	return fake_ms;
}

static void
test_hook(struct bans_ctx *ctx, int banned, const Tp__BanEvent *ev)
{
	(void)ctx;
	nevents[banned ? 1 : 0]++;
	snprintf(last_event, sizeof(last_event), "%s %s%s %s",
	    banned ? "banned" : "unbanned", ev->addr, ev->peer_id, ev->reason);
}

static void
ctx_open(struct bans_ctx *ctx, const char *url, size_t max)
{
	char err[256];

	memset(ctx, 0, sizeof(*ctx));
	ctx->max_entries = max;
	ctx->default_ms = 24 * 3600 * 1000ull;
	ctx->scfg = (struct bans_score_cfg){ 100, 24 * 3600 * 1000ull, 60000,
		1, max };
	ctx->clock = test_clock;
	ctx->event_hook = test_hook;
	ck_assert_msg(bans_store_open(url, sq_dir, &ctx->store, err,
	    sizeof(err)) == 0, "%s", err);
	ctx->trie = bans_trie_new();
	ctx->scores = bans_scores_new(&ctx->scfg);
	if (bans_store_up(ctx->store))
		ck_assert_int_eq(bans_op_reload(ctx, 0), 0);
}

static void
ctx_close(struct bans_ctx *ctx)
{
	bans_store_close(ctx->store);
	bans_trie_free(ctx->trie);
	bans_scores_free(ctx->scores);
}

static int
banned(struct bans_ctx *ctx, const char *what)
{
	const struct bans_entry *e;
	const struct bans_score *r;
	char err[256];

	if (bans_op_is_banned(ctx, what, &e, &r, err, sizeof(err)) != 0)
		return 0;
	return e != NULL || r != NULL;
}

static int
ban(struct bans_ctx *ctx, const char *addr, int64_t until, char *err)
{
	return bans_op_ban_addr(ctx, addr, until, "test", NULL, err, 256);
}

/* A fresh database per test: drop our tables. */
static const char *
fresh(const char *kind)
{
	static char url[300];
	char cmd[512];

	if (strcmp(kind, "pg") == 0) {
		snprintf(cmd, sizeof(cmd), "psql -q '%s' -c 'DROP TABLE IF "
		    "EXISTS bans, ban_peers, ban_schema_migrations' "
		    ">/dev/null 2>&1", pg_url);
		ck_assert_int_eq(system(cmd), 0);
		return pg_url;
	}
	snprintf(cmd, sizeof(cmd), "rm -f %s/t.db %s/t.db-wal %s/t.db-shm",
	    sq_dir, sq_dir, sq_dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(url, sizeof(url), "sqlite://%s/t.db", sq_dir);
	return url;
}

static const char *const kinds[] = { "sqlite", "pg" };

/* Teranode's services/p2p/BanList_test.go */
START_TEST(test_banlist_checklist)
{
	struct bans_ctx c;
	struct bans_entry e;
	char err[256];
	int64_t now;

	const char *url = fresh(kinds[_i]);

	fake_ms = util_wall_ms();
	now = (int64_t)(fake_ms / 1000);
	ctx_open(&c, url, 1000);
	nevents[1] = 0;
	ck_assert_int_eq(bans_op_ban_addr(&c, "192.168.1.1", 0, "", &e, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(nevents[1], 1);
	ck_assert_int_le(llabs(e.until - (now + 86400)), 1);
	ck_assert_int_eq(ban(&c, "10.0.0.0/24", 0, err), 0);
	ck_assert_int_eq(bans_op_ban_addr(&c, "127.0.0.1:8333", 0, "", &e,
	    err, sizeof(err)), 0);
	ck_assert_str_eq(e.key, "127.0.0.1");
	ck_assert_int_eq(ban(&c, "2001:db8::1", 0, err), 0);
	ck_assert(banned(&c, "192.168.1.1"));
	ck_assert(!banned(&c, "192.168.1.2"));
	ck_assert(banned(&c, "10.0.0.77"));
	ck_assert(!banned(&c, "10.0.1.1"));
	ck_assert(!banned(&c, "invalid"));
	ck_assert(!banned(&c, "10.0.0.0/33"));
	ck_assert(banned(&c, "192.168.1.1:8333"));
	ck_assert(!banned(&c, "192.168.1.2:8333"));
	ck_assert(!banned(&c, ""));
	ck_assert(banned(&c, "2001:db8::1"));
	ck_assert(banned(&c, "[2001:db8::1]:9905"));
	ck_assert(!banned(&c, "2001:db8::2"));
	/* remove, with an event */
	nevents[0] = 0;
	ck_assert_int_eq(bans_op_unban(&c, "192.168.1.1:1", err, sizeof(err)),
	    0);
	ck_assert_int_eq(nevents[0], 1);
	ck_assert(!banned(&c, "192.168.1.1"));
	ck_assert_int_eq(bans_op_unban(&c, "192.168.1.1", err, sizeof(err)),
	    TP__IPC_STATUS__IPC_ERR_NOT_FOUND);
	/* reload from the database restores the rest */
	ctx_close(&c);
	ctx_open(&c, url, 1000);
	ck_assert_uint_eq(bans_trie_count(c.trie), 3);
	ck_assert(banned(&c, "10.0.0.1"));
	ck_assert(banned(&c, "127.0.0.1"));
	ck_assert(!banned(&c, "192.168.1.1"));
	/* clear empties memory and table; events keep flowing after it */
	ck_assert_int_eq(bans_op_clear(&c, err, sizeof(err)), 0);
	ck_assert_uint_eq(bans_trie_count(c.trie), 0);
	nevents[1] = 0;
	ck_assert_int_eq(ban(&c, "1.1.1.1", 0, err), 0);
	ck_assert_int_eq(nevents[1], 1);
	ctx_close(&c);
	ctx_open(&c, url, 1000);
	ck_assert_uint_eq(bans_trie_count(c.trie), 1);
	ctx_close(&c);
}
END_TEST

START_TEST(test_bad_input)
{
	static const char *const bad[] = { "10.0.0.0/33", "invalid", "",
		"1.2.3.4:99999", "/dns4/x.org/tcp/1", "fe80::1%eth0",
		"1111111111111111111111111111111111111111111111111111111111111"
		"1111111111111111111111111111111111111111111111111111111111111"
		"1111111111111111111111111111111111111111111" };
	const char *url = fresh(kinds[_i]);
	struct bans_ctx c;
	char err[256], reason[200];

	fake_ms = util_wall_ms();
	ctx_open(&c, url, 1000);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(ban(&c, bad[i], 0, err),
		    TP__IPC_STATUS__IPC_ERR_INVALID);
		ck_assert_msg(strstr(err, "invalid address") != NULL, "%s", err);
	}
	ck_assert_int_eq(ban(&c, "1.2.3.4", 5, err),
	    TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "in the past"));
	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	ck_assert_int_eq(bans_op_ban_addr(&c, "1.2.3.4", 0, reason, NULL, err,
	    sizeof(err)), TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_int_eq(bans_op_add_score(&c, "not a peer", "spam", NULL, 0,
	    NULL, err, sizeof(err)), TP__IPC_STATUS__IPC_ERR_INVALID);
	/* a quote in a reason is data, not SQL */
	ck_assert_int_eq(bans_op_ban_addr(&c, "9.9.9.9", 0,
	    "x'); DROP TABLE bans; --", NULL, err, sizeof(err)), 0);
	ctx_close(&c);
	ctx_open(&c, url, 1000);
	ck_assert_uint_eq(bans_trie_count(c.trie), 1);
	ck_assert_uint_eq(bans_scores_count(c.scores), 0);
	ctx_close(&c);
}
END_TEST

/* Teranode's services/p2p/BanManager_test.go, plus persistence */
START_TEST(test_scores)
{
	const char *url = fresh(kinds[_i]);
	char *addrs[] = { "/ip4/7.7.7.7/tcp/9905", "[2001:db8::7]:9905",
		"bogus" };
	struct bans_ctx c;
	struct bans_score r;
	char err[256];
	const char *peer = "12D3KooWJ7jM8jYZ5cNbsFb8LxgE8wyd6kUUJjU4pUFqchbJM7wA";

	fake_ms = util_wall_ms();
	ctx_open(&c, url, 1000);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(bans_op_add_score(&c, peer, "spam", addrs, 3, &r, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(r.score, 50);
	bans_score_fini(&r);
	ck_assert(!banned(&c, peer));
	nevents[1] = 0;
	ck_assert_int_eq(bans_op_add_score(&c, peer, "spam", addrs, 3, &r, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(r.score, 100);
	ck_assert(r.until > 0);
	bans_score_fini(&r);
	ck_assert_int_eq(nevents[1], 3);	/* the peer and two addresses */
	ck_assert(banned(&c, peer));
	ck_assert(banned(&c, "7.7.7.7"));
	ck_assert(banned(&c, "2001:db8::7"));
	ck_assert_int_eq(bans_op_add_score(&c, "QmAnother", "", NULL, 0, NULL,
	    err, sizeof(err)), 0);
	/* restart: scores, history and bans survive */
	ctx_close(&c);
	ctx_open(&c, url, 1000);
	ck_assert(banned(&c, peer));
	ck_assert(banned(&c, "7.7.7.7"));
	ck_assert_uint_eq(bans_scores_get(c.scores, peer)->nreasons, 2);
	ck_assert_int_eq(bans_scores_get(c.scores, "QmAnother")->score, 1);
	/* decay: after 2 minutes, QmAnother's 1 point is gone and forgotten */
	fake_ms += 120000;
	bans_op_decay(&c);
	ck_assert_ptr_null(bans_scores_get(c.scores, "QmAnother"));
	ck_assert_ptr_nonnull(bans_scores_get(c.scores, peer));
	/* reset */
	ck_assert_int_eq(bans_op_reset_score(&c, peer, err, sizeof(err)), 0);
	ck_assert(!banned(&c, peer));
	ctx_close(&c);
	ctx_open(&c, url, 1000);
	ck_assert_uint_eq(bans_scores_count(c.scores), 0);
	ck_assert(banned(&c, "7.7.7.7"));	/* address bans stay */
	ctx_close(&c);
}
END_TEST

START_TEST(test_expiry_and_bound)
{
	const char *url = fresh(kinds[_i]);
	struct bans_ctx c;
	char err[256];
	int64_t now;

	fake_ms = util_wall_ms();
	now = (int64_t)(fake_ms / 1000);
	ctx_open(&c, url, 3);
	ck_assert_int_eq(ban(&c, "1.0.0.1", now + 1, err), 0);
	ck_assert_int_eq(ban(&c, "1.0.0.2", now + 100, err), 0);
	ck_assert_int_eq(ban(&c, "1.0.0.0/8", now + 100, err), 0);
	ck_assert_int_eq(ban(&c, "1.0.0.4", now + 100, err),
	    TP__IPC_STATUS__IPC_ERR_FULL);
	ck_assert_ptr_nonnull(strstr(err, "p2p_ban_max_entries"));
	/* updating an existing entry is not a new one */
	ck_assert_int_eq(ban(&c, "1.0.0.2", now + 200, err), 0);
	ck_assert_int_eq(bans_op_ban_peer(&c, "QmPeer", now + 1, "manual",
	    NULL, err, sizeof(err)), 0);
	ck_assert(banned(&c, "QmPeer"));
	fake_ms += 2000;	/* 1.0.0.1 and QmPeer expire */
	ck_assert(banned(&c, "1.0.0.1"));	/* still covered by the /8 */
	ck_assert(!banned(&c, "QmPeer"));
	nevents[0] = 0;
	ck_assert_int_eq(ban(&c, "1.0.0.4", now + 100, err), 0);
	ck_assert_int_eq(nevents[0], 2);	/* swept to make room */
	bans_op_sweep(&c);
	ctx_close(&c);
	ctx_open(&c, url, 3);
	ck_assert_uint_eq(bans_trie_count(c.trie), 3);
	ck_assert_uint_eq(bans_scores_count(c.scores), 0);
	ctx_close(&c);
}
END_TEST

/* Wait up to ms for a notification on ctx's store connection. */
static void
pump(struct bans_ctx *ctx, int ms)
{
	struct pollfd pfd = { .fd = bans_store_fd(ctx->store), .events = POLLIN };

	if (pfd.fd >= 0 && poll(&pfd, 1, ms) > 0)
		bans_store_poll(ctx->store, bans_op_notified, ctx);
}

START_TEST(test_pg_two_instances)
{
	const char *url = fresh("pg");
	struct bans_ctx a, b;
	char err[256];
	uint64_t t0;

	fake_ms = util_wall_ms();
	ctx_open(&a, url, 1000);
	ctx_open(&b, url, 1000);
	ck_assert_int_eq(ban(&a, "5.5.5.0/24", 0, err), 0);
	t0 = util_mono_ms();
	nevents[1] = 0;
	pump(&b, 1000);
	ck_assert(banned(&b, "5.5.5.5"));
	ck_assert_int_eq(nevents[1], 1);	/* b publishes it locally */
	ck_assert_uint_lt(util_mono_ms() - t0, 1000);
	ck_assert_int_eq(bans_op_add_score(&b, "QmShared", "spam", NULL, 0,
	    NULL, err, sizeof(err)), 0);
	pump(&a, 1000);
	ck_assert_int_eq(bans_scores_get(a.scores, "QmShared")->score, 50);
	ck_assert_int_eq(bans_op_unban(&b, "5.5.5.0/24", err, sizeof(err)), 0);
	pump(&a, 1000);
	ck_assert(!banned(&a, "5.5.5.5"));
	ck_assert_int_eq(ban(&a, "6.6.6.6", 0, err), 0);
	ck_assert_int_eq(bans_op_clear(&b, err, sizeof(err)), 0);
	pump(&a, 1000);
	ck_assert(!banned(&a, "6.6.6.6"));
	ctx_close(&a);
	ctx_close(&b);
}
END_TEST

static void
pg_ctl(const char *verb)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "tests/pg.sh %s %s >/dev/null", verb,
	    pg_dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_pg_outage)
{
	const char *url = fresh("pg");
	struct bans_ctx c;
	char err[256];
	int acked = 0, i;

	fake_ms = util_wall_ms();
	ctx_open(&c, url, 1000);
	ck_assert_int_eq(ban(&c, "8.8.8.1", 0, err), 0);
	pg_ctl("stop");
	pump(&c, 500);		/* the server closing our connection */
	ck_assert_int_eq(ban(&c, "8.8.8.2", 0, err),
	    TP__IPC_STATUS__IPC_ERR_UNAVAILABLE);
	ck_assert_str_eq(err, "ban store unavailable");
	ck_assert_int_eq(bans_op_add_score(&c, "QmX", "spam", NULL, 0, NULL,
	    err, sizeof(err)), TP__IPC_STATUS__IPC_ERR_UNAVAILABLE);
	ck_assert(banned(&c, "8.8.8.1"));	/* lookups from memory */
	ck_assert(!banned(&c, "8.8.8.2"));
	ck_assert(!bans_store_up(c.store));
	ck_assert_int_eq(bans_store_reconnect(c.store), -1);
	pg_ctl("restart");
	for (i = 0; i < 50 && bans_store_reconnect(c.store) != 0; i++)
		usleep(100000);
	ck_assert(bans_store_up(c.store));
	ck_assert_int_eq(bans_op_reload(&c, 1), 0);
	ck_assert_int_eq(ban(&c, "8.8.8.3", 0, err), 0);
	acked = 2;
	ctx_close(&c);
	ctx_open(&c, url, 1000);
	ck_assert_uint_eq(bans_trie_count(c.trie), (size_t)acked);
	ck_assert(banned(&c, "8.8.8.1"));
	ck_assert(banned(&c, "8.8.8.3"));
	ctx_close(&c);
}
END_TEST

static Suite *
bans_suite(void)
{
	Suite *s = suite_create("bans_store");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_banlist_checklist, 0, 2);
	tcase_add_loop_test(tc, test_bad_input, 0, 2);
	tcase_add_loop_test(tc, test_scores, 0, 2);
	tcase_add_loop_test(tc, test_expiry_and_bound, 0, 2);
	tcase_add_test(tc, test_pg_two_instances);
	tcase_add_test(tc, test_pg_outage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char cmd[512];
	FILE *f;
	int failed;

	log_init("bans-test", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	if (mkdtemp(pg_dir) == NULL || mkdtemp(sq_dir) == NULL)
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
	snprintf(cmd, sizeof(cmd), "tests/pg.sh destroy %s; rm -rf %s",
	    pg_dir, sq_dir);
	if (system(cmd) != 0)
		failed++;
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
