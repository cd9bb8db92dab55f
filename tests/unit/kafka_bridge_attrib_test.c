/*
 * Unit tests of the attribution maps (kafka_bridge_attrib.c): lookups
 * consume entries, the TTL holds on lookup and sweep, the size cap evicts
 * the oldest, a re-announcement refreshes, and a flood stays bounded.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"

START_TEST(put_take)
{
	struct kafka_attrib	*a = kafka_attrib_new(10, 1000);
	char			 peer[KAFKA_PEER_MAX + 1];

	ck_assert_int_eq(kafka_attrib_put(a, "aa", "P1", 5), 0);
	ck_assert_int_eq(kafka_attrib_put(a, "bb", "P2", 6), 0);
	ck_assert_int_eq(kafka_attrib_take(a, "aa", 10, peer), 0);
	ck_assert_str_eq(peer, "P1");
	/* A ban report consumes the entry. */
	ck_assert_int_eq(kafka_attrib_take(a, "aa", 10, peer), -1);
	ck_assert_uint_eq(kafka_attrib_count(a), 1);
	/* The newest announcer wins. */
	ck_assert_int_eq(kafka_attrib_put(a, "bb", "P3", 7), 0);
	ck_assert_uint_eq(kafka_attrib_count(a), 1);
	ck_assert_int_eq(kafka_attrib_take(a, "bb", 8, peer), 0);
	ck_assert_str_eq(peer, "P3");
	kafka_attrib_free(a);
}
END_TEST

START_TEST(ttl)
{
	struct kafka_attrib	*a = kafka_attrib_new(10, 1000);
	char			 peer[KAFKA_PEER_MAX + 1];

	kafka_attrib_put(a, "aa", "P1", 0);
	kafka_attrib_put(a, "bb", "P2", 500);
	kafka_attrib_put(a, "cc", "P3", 900);
	/* Expired on lookup even before a sweep. */
	ck_assert_int_eq(kafka_attrib_take(a, "aa", 1000, peer), -1);
	ck_assert_uint_eq(kafka_attrib_sweep(a, 1499), 0);
	ck_assert_uint_eq(kafka_attrib_sweep(a, 1500), 1);
	ck_assert_uint_eq(kafka_attrib_count(a), 1);
	/* Refreshing cc keeps it past its first deadline. */
	kafka_attrib_put(a, "cc", "P3", 1800);
	ck_assert_uint_eq(kafka_attrib_sweep(a, 2500), 0);
	ck_assert_int_eq(kafka_attrib_take(a, "cc", 2500, peer), 0);
	ck_assert_uint_eq(kafka_attrib_stats(a)->expired, 2);
	kafka_attrib_free(a);
}
END_TEST

START_TEST(cap_evicts_oldest)
{
	struct kafka_attrib	*a = kafka_attrib_new(3, 100000);
	char			 peer[KAFKA_PEER_MAX + 1];

	kafka_attrib_put(a, "01", "A", 1);
	kafka_attrib_put(a, "02", "B", 2);
	kafka_attrib_put(a, "03", "C", 3);
	kafka_attrib_put(a, "01", "A", 4);	/* refreshed: 02 is now oldest */
	kafka_attrib_put(a, "04", "D", 5);
	ck_assert_uint_eq(kafka_attrib_count(a), 3);
	ck_assert_int_eq(kafka_attrib_take(a, "02", 6, peer), -1);
	ck_assert_int_eq(kafka_attrib_take(a, "01", 6, peer), 0);
	ck_assert_int_eq(kafka_attrib_take(a, "03", 6, peer), 0);
	ck_assert_int_eq(kafka_attrib_take(a, "04", 6, peer), 0);
	ck_assert_uint_eq(kafka_attrib_stats(a)->evicted, 1);
	kafka_attrib_free(a);
}
END_TEST

START_TEST(flood_stays_bounded)
{
	struct kafka_attrib	*a = kafka_attrib_new(10000, 600000);
	char			 hash[65], peer[KAFKA_PEER_MAX + 1];
	uint64_t		 i;

	for (i = 0; i < 200000; i++) {
		snprintf(hash, sizeof(hash), "%064llx", (unsigned long long)i);
		ck_assert_int_eq(kafka_attrib_put(a, hash, "12D3KooWflood",
		    i / 100), 0);
		ck_assert_uint_le(kafka_attrib_count(a), 10000);
	}
	ck_assert_uint_eq(kafka_attrib_stats(a)->evicted, 190000);
	/* The newest 10000 are there, the older ones are not. */
	snprintf(hash, sizeof(hash), "%064llx", 199999ULL);
	ck_assert_int_eq(kafka_attrib_take(a, hash, 2000, peer), 0);
	snprintf(hash, sizeof(hash), "%064llx", 189999ULL);
	ck_assert_int_eq(kafka_attrib_take(a, hash, 2000, peer), -1);
	ck_assert_uint_eq(kafka_attrib_sweep(a, 2000 + 600000), 9999);
	ck_assert_uint_eq(kafka_attrib_count(a), 0);
	kafka_attrib_free(a);
}
END_TEST

START_TEST(refuses_oversized)
{
	struct kafka_attrib	*a = kafka_attrib_new(3, 1000);
	char			 big[200];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(kafka_attrib_put(a, "aa", big, 1), -1);
	ck_assert_int_eq(kafka_attrib_put(a, big, "P", 1), -1);
	ck_assert_uint_eq(kafka_attrib_count(a), 0);
	kafka_attrib_free(a);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kafka_bridge_attrib");
	TCase	*tc = tcase_create("attrib");
	SRunner	*sr;
	int	 nfail;

	tcase_set_timeout(tc, 30);	/* 200k entries on a loaded machine */
	tcase_add_test(tc, put_take);
	tcase_add_test(tc, ttl);
	tcase_add_test(tc, cap_evicts_oldest);
	tcase_add_test(tc, flood_stays_bounded);
	tcase_add_test(tc, refuses_oversized);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
