/*
 * The connection manager's choice (workers/gossip/connmgr_pick.c): protected
 * connections (static, sync, best mesh peers) are never picked, nor one
 * still in its grace period; the rest go least valuable first, inbound
 * before outbound on a tie, then the youngest; the count falls to low water
 * and no further; the D best-scored of a mesh are protected.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "connmgr.h"

#define NOW	1000000u
#define GRACE	20000u

/* n candidates, all past grace, value i, outbound, opened i ms apart. */
static void
fill(struct gossip_cm_cand *c, size_t n)
{
	size_t	i;

	memset(c, 0, n * sizeof(*c));
	for (i = 0; i < n; i++) {
		c[i].id = i + 1;
		c[i].opened_ms = NOW - GRACE - 1000 - i;
		c[i].value = (double)i;
	}
}

static int
picked(const struct gossip_cm_cand *c, size_t k, uint64_t id)
{
	size_t	i;

	for (i = 0; i < k; i++)
		if (c[i].id == id)
			return 1;
	return 0;
}

START_TEST(test_down_to_low_least_valuable_first)
{
	struct gossip_cm_cand	c[10];
	size_t			k, i;

	fill(c, 10);
	/* shuffle the values so that order comes from the sort */
	c[0].value = 50;
	c[9].value = -3;
	k = gossip_connmgr_pick(c, 10, 4, GRACE, NOW);
	ck_assert_uint_eq(k, 6);
	ck_assert_uint_eq(c[0].id, 10);		/* value -3 */
	for (i = 1; i < k; i++)
		ck_assert(c[i - 1].value <= c[i].value);
	ck_assert(!picked(c, k, 1));		/* value 50 stays */
	for (i = k; i < 10; i++)
		ck_assert(c[i].value >= c[k - 1].value);
}
END_TEST

START_TEST(test_nothing_at_or_under_low)
{
	struct gossip_cm_cand	c[5];

	fill(c, 5);
	ck_assert_uint_eq(gossip_connmgr_pick(c, 5, 5, GRACE, NOW), 0);
	ck_assert_uint_eq(gossip_connmgr_pick(c, 5, 8, GRACE, NOW), 0);
	ck_assert_uint_eq(gossip_connmgr_pick(c, 0, 0, GRACE, NOW), 0);
}
END_TEST

START_TEST(test_protected_never_picked)
{
	struct gossip_cm_cand	c[8];
	size_t			k;

	fill(c, 8);
	/* the three least valuable are protected, each for its reason */
	c[0].protect = GOSSIP_CM_STATIC;
	c[1].protect = GOSSIP_CM_SYNC;
	c[2].protect = GOSSIP_CM_MESH;
	k = gossip_connmgr_pick(c, 8, 0, GRACE, NOW);
	ck_assert_uint_eq(k, 5);
	ck_assert(!picked(c, k, 1));
	ck_assert(!picked(c, k, 2));
	ck_assert(!picked(c, k, 3));
	ck_assert_uint_eq(c[0].id, 4);
}
END_TEST

START_TEST(test_all_protected_fewer_than_asked)
{
	struct gossip_cm_cand	c[6];
	size_t			i;

	fill(c, 6);
	for (i = 0; i < 6; i++)
		c[i].protect = i % 2 ? GOSSIP_CM_MESH : GOSSIP_CM_STATIC;
	ck_assert_uint_eq(gossip_connmgr_pick(c, 6, 1, GRACE, NOW), 0);
	c[3].protect = 0;
	ck_assert_uint_eq(gossip_connmgr_pick(c, 6, 1, GRACE, NOW), 1);
	ck_assert_uint_eq(c[0].id, 4);
}
END_TEST

START_TEST(test_grace_honoured)
{
	struct gossip_cm_cand	c[6];
	size_t			k;

	fill(c, 6);
	/* the least valuable two are young: one just opened, one a ms short */
	c[0].opened_ms = NOW;
	c[1].opened_ms = NOW - GRACE + 1;
	/* exactly at the grace boundary: may go */
	c[2].opened_ms = NOW - GRACE;
	/* a clock that is behind the opening (never in practice): young */
	c[3].opened_ms = NOW + 5;
	k = gossip_connmgr_pick(c, 6, 0, GRACE, NOW);
	ck_assert_uint_eq(k, 3);
	ck_assert(!picked(c, k, 1));
	ck_assert(!picked(c, k, 2));
	ck_assert(!picked(c, k, 4));
	ck_assert_uint_eq(c[0].id, 3);
	/* once grace is over they go too */
	fill(c, 6);
	c[0].opened_ms = NOW;
	ck_assert_uint_eq(gossip_connmgr_pick(c, 6, 0, GRACE, NOW + GRACE),
	    6);
	ck_assert_uint_eq(c[0].id, 1);
}
END_TEST

START_TEST(test_ties_inbound_then_youngest)
{
	struct gossip_cm_cand	c[4];
	size_t			k;

	fill(c, 4);
	c[0].value = c[1].value = c[2].value = c[3].value = 7;
	c[1].inbound = 1;
	c[0].opened_ms = NOW - GRACE - 10;	/* oldest */
	c[2].opened_ms = NOW - GRACE - 1;	/* youngest outbound */
	c[3].opened_ms = NOW - GRACE - 5;
	k = gossip_connmgr_pick(c, 4, 1, GRACE, NOW);
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(c[0].id, 2);		/* the inbound one */
	ck_assert_uint_eq(c[1].id, 3);		/* then the youngest */
	ck_assert_uint_eq(c[2].id, 4);
	ck_assert_uint_eq(c[3].id, 1);		/* the oldest stays */
}
END_TEST

START_TEST(test_protect_best_of_mesh)
{
	struct gossip_cm_cand	c[10];
	unsigned char		member[10] = { 1, 1, 0, 1, 1, 1, 0, 1, 1, 1 };
	size_t			i, n = 0;

	fill(c, 10);
	for (i = 0; i < 10; i++)
		c[i].score = (double)((i * 7) % 10) - 5;	/* a shuffle */
	c[2].score = 100;	/* best score, but not in the mesh */
	gossip_connmgr_protect_best(c, 10, member, 3);
	for (i = 0; i < 10; i++)
		n += (c[i].protect & GOSSIP_CM_MESH) != 0;
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(c[2].protect, 0);
	ck_assert_uint_eq(c[6].protect, 0);
	/* scores of the members: 0:-5 1:2 3:-4 4:3 5:0 7:4 8:1 9:-2 */
	ck_assert(c[7].protect & GOSSIP_CM_MESH);
	ck_assert(c[4].protect & GOSSIP_CM_MESH);
	ck_assert(c[1].protect & GOSSIP_CM_MESH);
	/* then a trim never takes them, whatever their value */
	c[7].value = c[4].value = c[1].value = -100;
	ck_assert_uint_eq(gossip_connmgr_pick(c, 10, 0, GRACE, NOW), 7);
	for (i = 0; i < 7; i++)
		ck_assert(c[i].id != 8 && c[i].id != 5 && c[i].id != 2);
}
END_TEST

START_TEST(test_protect_best_small_mesh)
{
	struct gossip_cm_cand	c[3];
	unsigned char		member[3] = { 1, 0, 1 };

	fill(c, 3);
	gossip_connmgr_protect_best(c, 3, member, 6);
	ck_assert_uint_eq(c[0].protect, GOSSIP_CM_MESH);
	ck_assert_uint_eq(c[1].protect, 0);
	ck_assert_uint_eq(c[2].protect, GOSSIP_CM_MESH);
	/* d 0: nothing protected */
	fill(c, 3);
	gossip_connmgr_protect_best(c, 3, member, 0);
	ck_assert_uint_eq(c[0].protect | c[2].protect, 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("gossip_connmgr");
	TCase	*tc = tcase_create("pick");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_down_to_low_least_valuable_first);
	tcase_add_test(tc, test_nothing_at_or_under_low);
	tcase_add_test(tc, test_protected_never_picked);
	tcase_add_test(tc, test_all_protected_fewer_than_asked);
	tcase_add_test(tc, test_grace_honoured);
	tcase_add_test(tc, test_ties_inbound_then_youngest);
	tcase_add_test(tc, test_protect_best_of_mesh);
	tcase_add_test(tc, test_protect_best_small_mesh);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
