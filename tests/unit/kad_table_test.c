/* Unit tests for kad/table.c: admission, buckets, replacement, closest. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

/* Identity peer ID with key bytes from a little xorshift seeded by n. */
static void
make_id(uint8_t id[38], uint32_t n)
{
	static const uint8_t	pre[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	uint32_t		x = n * 2654435761u + 1;
	int			i;

	memcpy(id, pre, sizeof(pre));
	for (i = 0; i < 32; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		id[6 + i] = (uint8_t)x;
	}
}

static int
cpl_of(const struct kad_table *t, const uint8_t *id)
{
	struct kad_kpos	pos;

	kad_kpos(id, 38, &pos);
	return kad_kpos_cpl(&t->self, &pos);
}

START_TEST(test_admission)
{
	struct kad_table	t;
	uint8_t			self[38], id[38];
	static const uint8_t	bad[] = { 0x55, 0x01, 0x00 };

	make_id(self, 0);
	make_id(id, 1);
	ck_assert_int_eq(kad_table_init(&t, self, sizeof(self)), 0);
	ck_assert_int_eq(kad_table_add(&t, id, 38, 0, 1), KAD_TABLE_ECLIENT);
	ck_assert_int_eq(kad_table_add(&t, self, 38, 1, 1), KAD_TABLE_ESELF);
	ck_assert_int_eq(kad_table_add(&t, bad, 3, 1, 1), KAD_TABLE_EID);
	ck_assert_int_eq(kad_table_add(&t, id, 38, 1, 1), KAD_TABLE_ADDED);
	ck_assert_int_eq(kad_table_add(&t, id, 38, 1, 5), KAD_TABLE_UPDATED);
	ck_assert_uint_eq(t.size, 1);
	ck_assert_uint_eq(kad_table_find(&t, id, 38)->seen_ms, 5);
	ck_assert_int_eq(kad_table_remove(&t, id, 38), 0);
	ck_assert_int_eq(kad_table_remove(&t, id, 38), -1);
	ck_assert_uint_eq(t.size, 0);
	ck_assert_uint_eq(t.bytes, 0);
	kad_table_fini(&t);
}
END_TEST

/* A full bucket refuses newcomers until an entry stops being useful. */
START_TEST(test_replacement)
{
	struct kad_table	t;
	uint8_t			self[38], id[38], ids[KAD_K + 1][38];
	uint64_t		later = KAD_USEFUL_GRACE_MS + 10;
	uint32_t		n;
	int			got = 0, i;

	make_id(self, 0);
	ck_assert_int_eq(kad_table_init(&t, self, sizeof(self)), 0);
	for (n = 1; got < KAD_K + 1; n++) {
		make_id(id, n);
		if (cpl_of(&t, id) == 0)
			memcpy(ids[got++], id, 38);
	}
	for (i = 0; i < KAD_K; i++)
		ck_assert_int_eq(kad_table_add(&t, ids[i], 38, 1, 0),
		    KAD_TABLE_ADDED);
	ck_assert_int_eq(kad_table_add(&t, ids[KAD_K], 38, 1, 0),
	    KAD_TABLE_EFULL);
	/* all but ids[5] prove useful later on */
	for (i = 0; i < KAD_K; i++)
		if (i != 5)
			kad_table_mark_useful(&t, ids[i], 38, later);
	ck_assert_int_eq(kad_table_add(&t, ids[KAD_K], 38, 1, later),
	    KAD_TABLE_REPLACED);
	ck_assert_ptr_null(kad_table_find(&t, ids[5], 38));
	ck_assert_ptr_nonnull(kad_table_find(&t, ids[KAD_K], 38));
	ck_assert_uint_eq(t.size, KAD_K);
	/* the newcomer is protected for the grace period */
	ck_assert_int_eq(kad_table_add(&t, ids[5], 38, 1, later + 1),
	    KAD_TABLE_EFULL);
	kad_table_fini(&t);
}
END_TEST

static const struct kad_kpos *sort_target;

static int
by_distance(const void *a, const void *b)
{
	return kad_kpos_cmp(sort_target, a, b);
}

/* kad_table_closest agrees with a brute-force sort, for any key. */
START_TEST(test_closest)
{
	struct kad_table	 t;
	const struct kad_entry	*out[KAD_K];
	struct kad_kpos		 all[300], target;
	uint8_t			 self[38], id[38], key[KAD_TOPIC_KEY_LEN];
	size_t			 n = 0, got, i;
	uint32_t		 k;
	int			 b;

	make_id(self, 0);
	ck_assert_int_eq(kad_table_init(&t, self, sizeof(self)), 0);
	for (k = 1; k <= 300; k++) {
		make_id(id, k);
		if (kad_table_add(&t, id, 38, 1, 0) == KAD_TABLE_ADDED)
			kad_kpos(id, 38, &all[n++]);
	}
	ck_assert_uint_eq(n, t.size);
	ck_assert_uint_lt(n, 300);	/* the far buckets filled up */
	kad_topic_key("teranode/bitcoin/1.0.0/mainnet-block", key);
	kad_kpos(key, sizeof(key), &target);
	sort_target = &target;
	qsort(all, n, sizeof(all[0]), by_distance);
	got = kad_table_closest(&t, key, sizeof(key), NULL, 0, out, KAD_K);
	ck_assert_uint_eq(got, KAD_K);
	for (i = 0; i < got; i++)
		ck_assert_mem_eq(out[i]->pos.b, all[i].b, 32);
	/* leaving the closest out shifts the list by one */
	got = kad_table_closest(&t, key, sizeof(key), out[0]->id,
	    out[0]->id_len, out, KAD_K);
	ck_assert_mem_eq(out[0]->pos.b, all[1].b, 32);
	ck_assert_uint_eq(kad_table_nonempty(&t, &b, 1), 1);
	ck_assert_int_eq(b, 0);
	kad_table_fini(&t);
}
END_TEST

START_TEST(test_cpl)
{
	struct kad_kpos	a, b;

	memset(&a, 0, sizeof(a));
	b = a;
	ck_assert_int_eq(kad_kpos_cpl(&a, &b), 256);
	b.b[0] = 0x80;
	ck_assert_int_eq(kad_kpos_cpl(&a, &b), 0);
	b.b[0] = 0;
	b.b[1] = 0x01;
	ck_assert_int_eq(kad_kpos_cpl(&a, &b), 15);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_table");
	TCase	*tc = tcase_create("table");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_admission);
	tcase_add_test(tc, test_replacement);
	tcase_add_test(tc, test_closest);
	tcase_add_test(tc, test_cpl);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
