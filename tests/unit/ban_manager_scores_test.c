/*
 * Unit tests for workers/ban_manager/ban_manager_scores.c, following
 * Teranode's services/p2p/BanManager_test.go checklist: threshold, decay,
 * unknown reasons, reset, ordered history, ban expiry, catchup_failure, the
 * table bound.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/ban_manager/ban_manager.h"

#define MIN_MS	60000ull
#define T0	1700000000000ull	/* wall ms */

static struct bans_score_cfg
cfg(int32_t threshold, size_t max)
{
	struct bans_score_cfg c = {
		.threshold = threshold, .ban_ms = 24 * 3600 * 1000ull,
		.decay_ms = MIN_MS, .decay_points = 1, .max_entries = max,
	};
	return c;
}

/* Preview + put, as the worker does after its store commit. */
static int32_t
add(struct bans_scores *s, const char *peer, const char *reason,
    uint64_t now, int *crossed)
{
	struct bans_score r;
	int c;
	int32_t score;

	ck_assert_int_eq(bans_scores_preview(s, peer, reason, now, &r, &c), 0);
	bans_scores_put(s, &r);
	score = r.score;
	bans_score_fini(&r);
	if (crossed != NULL)
		*crossed = c;
	return score;
}

START_TEST(test_points)
{
	ck_assert_int_eq(bans_scores_points("invalid_subtree"), 10);
	ck_assert_int_eq(bans_scores_points("protocol_violation"), 20);
	ck_assert_int_eq(bans_scores_points("spam"), 50);
	ck_assert_int_eq(bans_scores_points("invalid_block"), 10);
	ck_assert_int_eq(bans_scores_points("catchup_failure"), 30);
	ck_assert_int_eq(bans_scores_points("999"), 1);
	ck_assert_int_eq(bans_scores_points(""), 1);
}
END_TEST

START_TEST(test_threshold)
{
	struct bans_score_cfg c = cfg(30, 100);
	struct bans_scores *s = bans_scores_new(&c);
	const struct bans_score *r;
	int crossed;

	ck_assert_int_eq(add(s, "A", "invalid_subtree", T0, &crossed), 10);
	ck_assert(!crossed);
	ck_assert_int_eq(add(s, "A", "protocol_violation", T0, &crossed), 30);
	ck_assert(crossed);
	r = bans_scores_get(s, "A");
	ck_assert(bans_scores_banned(r, (int64_t)(T0 / 1000)));
	ck_assert_str_eq(r->ban_reason, "protocol_violation");
	ck_assert_int_eq(r->until, (int64_t)(T0 / 1000) + 86400);
	/* further points never extend the ban nor cross again */
	add(s, "A", "spam", T0 + 5000, &crossed);
	ck_assert(!crossed);
	ck_assert_int_eq(bans_scores_get(s, "A")->until,
	    (int64_t)(T0 / 1000) + 86400);
	bans_scores_free(s);
}
END_TEST

START_TEST(test_decay)
{
	struct bans_score_cfg c = cfg(100, 100);
	struct bans_scores *s = bans_scores_new(&c);
	const struct bans_score *r;

	add(s, "B", "spam", T0, NULL);
	r = bans_scores_get(s, "B");
	ck_assert_int_eq(bans_scores_current(s, r, T0 + MIN_MS - 1), 50);
	ck_assert_int_eq(bans_scores_current(s, r, T0 + 10 * MIN_MS), 40);
	/* a partial interval is kept, not lost, across an update */
	ck_assert_int_eq(add(s, "B", "unknown", T0 + 10 * MIN_MS + 30000,
	    NULL), 41);
	r = bans_scores_get(s, "B");
	ck_assert_int_eq(bans_scores_current(s, r, T0 + 11 * MIN_MS), 40);
	/* extended decay floors at zero */
	ck_assert_int_eq(bans_scores_current(s, r, T0 + 1000 * MIN_MS), 0);
	ck_assert_int_eq(add(s, "B", "invalid_block", T0 + 1000 * MIN_MS,
	    NULL), 10);
	c.decay_ms = 0;		/* decay off */
	bans_scores_set_cfg(s, &c);
	ck_assert_int_eq(bans_scores_current(s, bans_scores_get(s, "B"),
	    T0 + 9000 * MIN_MS), 10);
	bans_scores_free(s);
}
END_TEST

START_TEST(test_history_reset)
{
	struct bans_score_cfg c = cfg(100, 100);
	struct bans_scores *s = bans_scores_new(&c);
	const struct bans_score *r;
	struct bans_score copy;
	char *j;

	add(s, "C", "invalid_subtree", T0, NULL);
	ck_assert_int_eq(add(s, "C", "spam", T0, NULL), 60);
	ck_assert_int_eq(add(s, "C", "", T0, NULL), 61);
	r = bans_scores_get(s, "C");
	ck_assert_uint_eq(r->nreasons, 3);
	ck_assert_str_eq(r->reasons[0], "invalid_subtree");
	ck_assert_str_eq(r->reasons[1], "spam");
	ck_assert_str_eq(r->reasons[2], "unknown");
	j = bans_score_join_reasons(r);
	ck_assert_str_eq(j, "invalid_subtree\nspam\nunknown");
	memset(&copy, 0, sizeof(copy));
	bans_score_split_reasons(&copy, j);
	ck_assert_uint_eq(copy.nreasons, 3);
	ck_assert_str_eq(copy.reasons[2], "unknown");
	bans_score_fini(&copy);
	free(j);
	for (int i = 0; i < 40; i++)
		add(s, "C", "x", T0, NULL);
	r = bans_scores_get(s, "C");
	ck_assert_uint_eq(r->nreasons, BANS_REASONS_KEPT);
	ck_assert_str_eq(r->reasons[BANS_REASONS_KEPT - 1], "x");
	ck_assert_int_eq(bans_scores_del(s, "C"), 0);
	ck_assert_int_eq(bans_scores_del(s, "C"), -1);
	ck_assert_ptr_null(bans_scores_get(s, "C"));
	ck_assert_uint_eq(bans_scores_count(s), 0);
	bans_scores_free(s);
}
END_TEST

START_TEST(test_expiry)
{
	struct bans_score_cfg c = cfg(10, 100);
	struct bans_scores *s = bans_scores_new(&c);
	const struct bans_score *r;
	int crossed;

	c.ban_ms = 1000;
	bans_scores_set_cfg(s, &c);
	add(s, "D", "catchup_failure", T0, &crossed);
	ck_assert(crossed);
	r = bans_scores_get(s, "D");
	ck_assert_int_eq(r->score, 30);
	ck_assert(bans_scores_banned(r, (int64_t)(T0 / 1000)));
	ck_assert(!bans_scores_banned(r, (int64_t)(T0 / 1000) + 1));
	/* after expiry a new offence can ban again */
	add(s, "D", "spam", T0 + 2000, &crossed);
	ck_assert(crossed);
	bans_scores_free(s);
}
END_TEST

START_TEST(test_bound)
{
	struct bans_score_cfg c = cfg(20, 3);
	struct bans_scores *s = bans_scores_new(&c);
	struct bans_score r;
	int crossed;

	add(s, "E1", "spam", T0, NULL);		/* banned */
	add(s, "E2", "unknown", T0, NULL);	/* lowest: victim */
	add(s, "E3", "invalid_block", T0, NULL);
	ck_assert_str_eq(bans_scores_victim(s, T0)->peer_id, "E2");
	ck_assert_int_eq(bans_scores_preview(s, "E4", "x", T0, &r, &crossed),
	    0);
	bans_score_fini(&r);
	add(s, "E2", "spam", T0, NULL);
	add(s, "E3", "spam", T0, NULL);
	ck_assert_ptr_null(bans_scores_victim(s, T0));
	ck_assert_int_eq(bans_scores_preview(s, "E4", "x", T0, &r, &crossed),
	    -1);
	/* existing peers still score */
	ck_assert_int_eq(bans_scores_preview(s, "E1", "x", T0, &r, &crossed),
	    0);
	bans_score_fini(&r);
	bans_scores_free(s);
}
END_TEST

START_TEST(test_many)
{
	struct bans_score_cfg c = cfg(100, 100000);
	struct bans_scores *s = bans_scores_new(&c);
	char peer[32];
	size_t n = 0;

	for (int i = 0; i < 5000; i++) {
		snprintf(peer, sizeof(peer), "P%d", i);
		add(s, peer, "spam", T0, NULL);
	}
	ck_assert_uint_eq(bans_scores_count(s), 5000);
	for (int i = 0; i < 5000; i += 2) {
		snprintf(peer, sizeof(peer), "P%d", i);
		ck_assert_int_eq(bans_scores_del(s, peer), 0);
	}
	for (int i = 1; i < 5000; i += 2) {
		snprintf(peer, sizeof(peer), "P%d", i);
		ck_assert_ptr_nonnull(bans_scores_get(s, peer));
		n++;
	}
	ck_assert_uint_eq(bans_scores_count(s), n);
	bans_scores_clear(s);
	ck_assert_uint_eq(bans_scores_count(s), 0);
	bans_scores_free(s);
}
END_TEST

static Suite *
scores_suite(void)
{
	Suite *s = suite_create("ban_manager_scores");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_points);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_decay);
	tcase_add_test(tc, test_history_reset);
	tcase_add_test(tc, test_expiry);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(scores_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
