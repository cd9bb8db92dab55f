/* Unit tests of supervisor/supervisor_backoff.c: the restart schedule. */
#include <check.h>

#include "../../supervisor/supervisor.h"

START_TEST(first_restart_at_once_then_doubling)
{
	struct sup_backoff	b = { 0 };
	static const uint32_t	want[] = { 0, 100, 200, 400, 800, 1600, 3200,
				    6400, 12800, 25600, 30000, 30000 };
	size_t			i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_uint_eq(sup_backoff_next(&b, 10), want[i]);
}
END_TEST

START_TEST(forgotten_after_a_minute_of_health)
{
	struct sup_backoff	b = { 0 };

	sup_backoff_next(&b, 0);
	sup_backoff_next(&b, 0);
	ck_assert_uint_eq(sup_backoff_next(&b, 59999), 200);
	ck_assert_uint_eq(sup_backoff_next(&b, 60000), 0);
	ck_assert_uint_eq(sup_backoff_next(&b, 5), 100);
}
END_TEST

START_TEST(never_exceeds_cap)
{
	struct sup_backoff	b = { 0 };
	int			i;

	for (i = 0; i < 1000; i++)
		ck_assert_uint_le(sup_backoff_next(&b, 0), SUP_BACKOFF_MAX_MS);
	ck_assert_uint_eq(b.next_ms, SUP_BACKOFF_MAX_MS);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("supervisor_backoff");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, first_restart_at_once_then_doubling);
	tcase_add_test(tc, forgotten_after_a_minute_of_health);
	tcase_add_test(tc, never_exceeds_cap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
