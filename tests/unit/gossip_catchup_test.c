/*
 * Unit tests for teranode/catchup.c: Teranode's reputation numbers (new
 * peer, success and failure windows, three net failures, malicious), the
 * EMA of response times, reports about unknown peers ignored, the reset of
 * one peer or all, the size bound, and teranode_peer_registry.json written
 * and read back (Go's RFC 3339 forms, a wrong version, garbage).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "teranode/catchup.h"

#define PA	"12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
#define PB	"12D3KooWQZXBaJNFfHV1fssVc7jCABU9y9E9n3tNwVpoVUNVt3Y2"
#define T0	1764000000

static int
report(struct tn_catchup *c, Tp__CatchupKind kind, const char *id, int known,
    int64_t now)
{
	Tp__CatchupReportReq	q = TP__CATCHUP_REPORT_REQ__INIT;
	int			reset;

	q.kind = kind;
	q.peer_id = (char *)id;
	q.duration_ms = kind == TP__CATCHUP_KIND__CATCHUP_SUCCESS ? 100 : 0;
	q.text = kind == TP__CATCHUP_KIND__CATCHUP_ERROR ? "bad header" : "";
	return tn_catchup_apply(c, &q, known, now, &reset) == 1 ? reset : -1;
}

START_TEST(test_scores)
{
	struct tn_catchup		 c;
	struct tn_catchup_rec		*r;

	tn_catchup_init(&c, 8);
	/* unknown everywhere: ignored, as Teranode's */
	ck_assert_int_eq(report(&c, TP__CATCHUP_KIND__CATCHUP_ATTEMPT, PA, 0,
	    T0), -1);
	ck_assert_ptr_null(tn_catchup_get(&c, PA));
	ck_assert_int_eq(report(&c, TP__CATCHUP_KIND__CATCHUP_ATTEMPT, PA, 1,
	    T0), 0);
	r = tn_catchup_get(&c, PA);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq((int)r->score, 50);
	/* one success: 0.6*100 + 20 + 10 */
	report(&c, TP__CATCHUP_KIND__CATCHUP_SUCCESS, PA, 0, T0 + 1);
	ck_assert_int_eq((int)r->score, 90);
	ck_assert_int_eq((int)r->avg_ms, 100);
	/* then a failure: 0.6*50 + 20 - 15 + 10 */
	report(&c, TP__CATCHUP_KIND__CATCHUP_FAILURE, PA, 0, T0 + 2);
	ck_assert_int_eq((int)r->score, 45);
	/* an hour later both bonuses are gone: 0.6*50 + 20 */
	ck_assert_int_eq((int)tn_catchup_score(r, T0 + 3 * 3600), 50);
	/* three net failures within five minutes of the success */
	report(&c, TP__CATCHUP_KIND__CATCHUP_FAILURE, PA, 0, T0 + 3);
	report(&c, TP__CATCHUP_KIND__CATCHUP_FAILURE, PA, 0, T0 + 4);
	report(&c, TP__CATCHUP_KIND__CATCHUP_FAILURE, PA, 0, T0 + 5);
	ck_assert_int_eq((int)r->score, 15);
	ck_assert_int_eq((int)r->c_failures, 4);
	report(&c, TP__CATCHUP_KIND__CATCHUP_ERROR, PA, 0, T0 + 6);
	ck_assert_str_eq(r->last_error, "bad header");
	ck_assert_int_eq((int)r->last_error_time, T0 + 6);
	report(&c, TP__CATCHUP_KIND__CATCHUP_MALICIOUS, PA, 0, T0 + 7);
	ck_assert_int_eq((int)r->score, 5);
	ck_assert_int_eq((int)r->malicious, 1);
	/* reset: one peer, then everyone */
	report(&c, TP__CATCHUP_KIND__CATCHUP_ATTEMPT, PB, 1, T0);
	ck_assert_int_eq(report(&c, TP__CATCHUP_KIND__CATCHUP_RESET, PA, 0,
	    T0 + 8), 1);
	ck_assert_int_eq((int)r->score, 50);
	ck_assert_int_eq((int)r->malicious, 0);
	ck_assert_int_eq((int)r->c_attempts, 0);
	ck_assert_int_eq(report(&c, TP__CATCHUP_KIND__CATCHUP_RESET, "", 0,
	    T0 + 9), 2);
	tn_catchup_fini(&c);
}
END_TEST

START_TEST(test_bound)
{
	struct tn_catchup	c;
	char			id[32];

	tn_catchup_init(&c, 4);
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "peer%d", i);
		ck_assert_ptr_nonnull(tn_catchup_add(&c, id, T0 + i));
	}
	ck_assert_uint_eq(c.n, 4);
	ck_assert_ptr_nonnull(tn_catchup_get(&c, "peer9"));
	ck_assert_ptr_null(tn_catchup_get(&c, "peer0"));	/* oldest left */
	ck_assert_ptr_null(tn_catchup_add(&c, "", T0));
	tn_catchup_fini(&c);
}
END_TEST

START_TEST(test_file)
{
	struct tn_catchup	 c, d;
	struct tn_catchup_rec	*r;
	char			 dir[] = "/tmp/tn-catchup-XXXXXX", path[128];
	char			 err[256];
	static const char	 go[] = "{\"version\":\"1.0\",\"last_updated\":"
	    "\"2025-11-14T10:00:00.5+01:00\",\"peers\":{\"" PA "\":{"
	    "\"interaction_attempts\":3,\"interaction_successes\":2,"
	    "\"last_interaction_success\":\"2025-11-14T10:00:00.123456789+01:00\","
	    "\"last_interaction_failure\":\"0001-01-01T00:00:00Z\","
	    "\"reputation_score\":61.5,\"data_hub_url\":\"http://x\","
	    "\"height\":5,\"storage\":\"full\"},\"" PB "\":7}}";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	tn_catchup_init(&c, 8);
	report(&c, TP__CATCHUP_KIND__CATCHUP_SUCCESS, PA, 1, T0);
	report(&c, TP__CATCHUP_KIND__CATCHUP_ERROR, PA, 0, T0 + 1);
	ck_assert_int_eq(tn_catchup_save(&c, dir, T0 + 2, err, sizeof(err)), 0);
	ck_assert_int_eq(c.dirty, 0);
	tn_catchup_init(&d, 8);
	ck_assert_int_eq(tn_catchup_load(&d, dir, err, sizeof(err)), 0);
	r = tn_catchup_get(&d, PA);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq((int)r->c_successes, 1);
	ck_assert_int_eq((int)r->last_success, T0);
	ck_assert_str_eq(r->last_error, "bad header");
	ck_assert_int_eq((int)r->score, 90);
	/* Go's forms: fractions, offsets, the zero time; bad entries skipped */
	ck_assert_int_eq(tn_catchup_from_json(&d, go, strlen(go), err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(d.n, 1);
	r = tn_catchup_get(&d, PA);
	ck_assert_int_eq((int)r->successes, 2);
	ck_assert_int_eq((int)r->last_success, 1763110800);	/* 09:00Z */
	ck_assert_int_eq((int)r->last_failure, 0);
	ck_assert(r->score > 61.4 && r->score < 61.6);
	ck_assert_str_eq(r->url, "http://x");
	ck_assert_str_eq(r->storage, "full");
	/* a wrong version or garbage: refused, the table kept */
	ck_assert_int_eq(tn_catchup_from_json(&d, "{\"version\":\"2.0\","
	    "\"peers\":{}}", 28, err, sizeof(err)), -1);
	ck_assert_int_eq(tn_catchup_from_json(&d, "{{{", 3, err, sizeof(err)),
	    -1);
	ck_assert_uint_eq(d.n, 1);
	/* no file: nothing loaded, no error */
	snprintf(path, sizeof(path), "%s/%s", dir, TN_CATCHUP_FILE);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(tn_catchup_load(&d, dir, err, sizeof(err)), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	tn_catchup_fini(&c);
	tn_catchup_fini(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("gossip_catchup");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_scores);
	tcase_add_test(tc, test_bound);
	tcase_add_test(tc, test_file);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
