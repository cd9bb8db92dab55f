/*
 * Unit tests for cache.c: the ID FIFO behind the seen cache
 * and the message cache (find, expiry by stamp, eviction when full, hash
 * chains that survive wrap-around, newest-first walk).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

static void
mkid(uint8_t *id, uint32_t n)
{
	memset(id, 0xab, 46);
	id[42] = (uint8_t)(n >> 24);
	id[43] = (uint8_t)(n >> 16);
	id[44] = (uint8_t)(n >> 8);
	id[45] = (uint8_t)n;
}

START_TEST(test_find_expire)
{
	struct ps_ring	 r;
	struct ps_ent	*e;
	uint8_t				 id[46];
	uint32_t			 i;

	ck_assert_int_eq(ps_ring_init(&r, 100), 0);
	for (i = 0; i < 50; i++) {
		mkid(id, i);
		e = ps_ring_add(&r, id, sizeof(id), i / 10);
		ck_assert_ptr_nonnull(e);
		e->rpc = malloc(8);	/* owned by the ring */
	}
	mkid(id, 7);
	ck_assert_ptr_nonnull(ps_ring_find(&r, id, sizeof(id)));
	ck_assert_ptr_null(ps_ring_find(&r, id, 45));
	ck_assert_ptr_null(ps_ring_add(&r, id, 200, 0));
	ps_ring_expire(&r, 2);	/* stamps 0 and 1 go */
	ck_assert_uint_eq(r.count, 30);
	ck_assert_ptr_null(ps_ring_find(&r, id, sizeof(id)));
	mkid(id, 20);
	ck_assert_ptr_nonnull(ps_ring_find(&r, id, sizeof(id)));
	e = ps_ring_newest(&r, 0);
	mkid(id, 49);
	ck_assert_mem_eq(e->id, id, sizeof(id));
	e = ps_ring_newest(&r, 29);
	mkid(id, 20);
	ck_assert_mem_eq(e->id, id, sizeof(id));
	ck_assert_ptr_null(ps_ring_newest(&r, 30));
	ck_assert_uint_eq(r.evicted, 0);
	ps_ring_fini(&r);
}
END_TEST

START_TEST(test_evict_wrap)
{
	struct ps_ring	r;
	uint8_t				id[46];
	uint32_t			i;

	ck_assert_int_eq(ps_ring_init(&r, 64), 0);
	for (i = 0; i < 10000; i++) {
		mkid(id, i);
		ck_assert_ptr_nonnull(ps_ring_add(&r, id,
		    sizeof(id), i));
	}
	ck_assert_uint_eq(r.count, 64);
	ck_assert_uint_eq(r.evicted, 10000 - 64);
	for (i = 0; i < 10000; i++) {
		mkid(id, i);
		if (i < 10000 - 64)
			ck_assert_ptr_null(ps_ring_find(&r, id,
			    sizeof(id)));
		else
			ck_assert_ptr_nonnull(ps_ring_find(&r, id,
			    sizeof(id)));
	}
	ps_ring_expire(&r, UINT64_MAX);
	ck_assert_uint_eq(r.count, 0);
	for (i = 0; i < r.nbuckets; i++)
		ck_assert_uint_eq(r.buckets[i], PS_NONE);
	ps_ring_fini(&r);
	ck_assert_int_eq(ps_ring_init(&r, 0), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ps_cache");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_find_expire);
	tcase_add_test(tc, test_evict_wrap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
