/*
 * Unit tests for workers/ban_manager/ban_manager_trie.c: exact get/put/del,
 * longest unexpired match, pruning, and a randomised comparison against a
 * linear scan over the same entries (v4 and v6 mixed, inserts and deletes).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/ban_manager/ban_manager.h"

static struct bans_entry *
mk(const char *s, int64_t until)
{
	struct bans_entry e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(bans_addr_parse(s, strlen(s), &e.pfx), BANS_ADDR_OK);
	bans_addr_key(&e.pfx, e.key);
	e.until = until;
	return bans_entry_dup(&e);
}

static struct bans_prefix
pfx(const char *s)
{
	struct bans_prefix p;

	ck_assert_int_eq(bans_addr_parse(s, strlen(s), &p), BANS_ADDR_OK);
	return p;
}

static const char *
match(struct bans_trie *t, const char *s, int64_t now)
{
	struct bans_prefix p = pfx(s);
	const struct bans_entry *e = bans_trie_match(t, &p, now);

	return e != NULL ? e->key : "-";
}

START_TEST(test_basic)
{
	struct bans_trie *t = bans_trie_new();
	struct bans_prefix p;

	ck_assert_int_eq(bans_trie_put(t, mk("10.0.0.0/24", 100)), 1);
	ck_assert_int_eq(bans_trie_put(t, mk("192.168.1.1", 100)), 1);
	ck_assert_int_eq(bans_trie_put(t, mk("192.168.1.1:80", 200)), 0);
	ck_assert_int_eq(bans_trie_put(t, mk("2001:db8::/32", 100)), 1);
	ck_assert_int_eq(bans_trie_count(t), 3);
	ck_assert_str_eq(match(t, "10.0.0.5", 50), "10.0.0.0/24");
	ck_assert_str_eq(match(t, "10.0.1.5", 50), "-");
	ck_assert_str_eq(match(t, "192.168.1.1", 150), "192.168.1.1");
	ck_assert_str_eq(match(t, "192.168.1.2", 50), "-");
	ck_assert_str_eq(match(t, "[2001:db8::77]:1", 50), "2001:db8::/32");
	ck_assert_str_eq(match(t, "2001:db9::1", 50), "-");
	ck_assert_str_eq(match(t, "::ffff:10.0.0.9", 50), "10.0.0.0/24");
	/* expired entries do not match */
	ck_assert_str_eq(match(t, "10.0.0.5", 100), "-");
	/* a subnet query is covered only by an equal or wider entry */
	ck_assert_str_eq(match(t, "10.0.0.0/25", 50), "10.0.0.0/24");
	ck_assert_str_eq(match(t, "10.0.0.0/16", 50), "-");
	p = pfx("10.0.0.0/24");
	ck_assert_ptr_nonnull(bans_trie_get(t, &p));
	p = pfx("10.0.0.0/25");
	ck_assert_ptr_null(bans_trie_get(t, &p));
	ck_assert_int_eq(bans_trie_del(t, &p), -1);
	p = pfx("10.0.0.0/24");
	ck_assert_int_eq(bans_trie_del(t, &p), 0);
	ck_assert_int_eq(bans_trie_del(t, &p), -1);
	ck_assert_str_eq(match(t, "10.0.0.5", 50), "-");
	ck_assert_int_eq(bans_trie_count(t), 2);
	bans_trie_clear(t);
	ck_assert_int_eq(bans_trie_count(t), 0);
	ck_assert_str_eq(match(t, "192.168.1.1", 50), "-");
	bans_trie_free(t);
}
END_TEST

START_TEST(test_nesting)
{
	struct bans_trie *t = bans_trie_new();
	struct bans_prefix p;

	bans_trie_put(t, mk("10.0.0.0/8", 100));
	bans_trie_put(t, mk("10.1.0.0/16", 300));
	bans_trie_put(t, mk("10.1.2.3", 200));
	bans_trie_put(t, mk("0.0.0.0/0", 10));
	ck_assert_str_eq(match(t, "10.1.2.3", 50), "10.1.2.3");
	ck_assert_str_eq(match(t, "10.1.2.4", 50), "10.1.0.0/16");
	ck_assert_str_eq(match(t, "10.2.0.1", 50), "10.0.0.0/8");
	ck_assert_str_eq(match(t, "11.0.0.1", 5), "0.0.0.0/0");
	ck_assert_str_eq(match(t, "11.0.0.1", 50), "-");
	/* the /32 expired: the /16 still covers it */
	ck_assert_str_eq(match(t, "10.1.2.3", 250), "10.1.0.0/16");
	p = pfx("10.1.0.0/16");
	bans_trie_del(t, &p);
	ck_assert_str_eq(match(t, "10.1.2.4", 50), "10.0.0.0/8");
	ck_assert_str_eq(match(t, "10.1.2.3", 50), "10.1.2.3");
	p = pfx("10.0.0.0/8");
	bans_trie_del(t, &p);
	p = pfx("0.0.0.0/0");
	bans_trie_del(t, &p);
	ck_assert_int_eq(bans_trie_count(t), 1);
	ck_assert_str_eq(match(t, "10.1.2.3", 50), "10.1.2.3");
	bans_trie_free(t);
}
END_TEST

struct linear {
	struct bans_prefix	p[4000];
	int			live[4000];
	int64_t			until[4000];
	size_t			n;
};

static void
count_cb(void *arg, const struct bans_entry *e)
{
	(void)e;
	(*(size_t *)arg)++;
}

static struct bans_prefix
rnd_prefix(void)
{
	struct bans_prefix p;

	memset(&p, 0, sizeof(p));
	if (rand() % 2) {
		p.family = 4;
		p.addr[0] = 10;
		p.addr[1] = (uint8_t)(rand() % 4);
		p.addr[2] = (uint8_t)(rand() % 4);
		p.addr[3] = (uint8_t)rand();
		p.plen = (uint8_t)(8 + rand() % 25);
	} else {
		p.family = 6;
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		for (int i = 2; i < 16; i++)
			p.addr[i] = (uint8_t)(rand() % 3);
		p.plen = (uint8_t)(16 + rand() % 113);
	}
	/* normalise through the text form */
	char key[BANS_KEY_MAX];
	bans_addr_cidr(&p, key);
	ck_assert_int_eq(bans_addr_parse(key, strlen(key), &p), BANS_ADDR_OK);
	return p;
}

START_TEST(test_random_vs_linear)
{
	static struct linear L;
	struct bans_trie *t = bans_trie_new();
	size_t walked = 0, live = 0;

	srand(42);
	L.n = 0;
	for (int i = 0; i < 4000; i++) {
		struct bans_entry e;

		memset(&e, 0, sizeof(e));
		e.pfx = rnd_prefix();
		bans_addr_key(&e.pfx, e.key);
		e.until = 10 + rand() % 100;
		/* latest put wins for duplicates */
		for (size_t j = 0; j < L.n; j++)
			if (L.live[j] && memcmp(&L.p[j], &e.pfx,
			    sizeof(e.pfx)) == 0)
				L.live[j] = 0;
		L.p[L.n] = e.pfx;
		L.until[L.n] = e.until;
		L.live[L.n++] = 1;
		bans_trie_put(t, bans_entry_dup(&e));
		if (rand() % 4 == 0) {	/* delete a random earlier one */
			size_t j = (size_t)rand() % L.n;
			int had = 0;
			for (size_t k = 0; k < L.n; k++)
				if (L.live[k] && memcmp(&L.p[k], &L.p[j],
				    sizeof(L.p[k])) == 0) {
					had = 1;
					L.live[k] = 0;
				}
			ck_assert_int_eq(bans_trie_del(t, &L.p[j]),
			    (had ? 0 : -1));
		}
	}
	for (size_t j = 0; j < L.n; j++)
		live += (size_t)L.live[j];
	ck_assert_uint_eq(bans_trie_count(t), live);
	bans_trie_walk(t, count_cb, &walked);
	ck_assert_uint_eq(walked, live);
	for (int q = 0; q < 20000; q++) {
		struct bans_prefix a = rnd_prefix();
		int64_t now = rand() % 120;
		const struct bans_entry *m;
		int want = 0;

		a.plen = a.family == 4 ? 32 : 128;
		for (size_t j = 0; j < L.n && !want; j++)
			want = L.live[j] && L.until[j] > now &&
			    bans_addr_contains(&L.p[j], &a);
		m = bans_trie_match(t, &a, now);
		ck_assert_int_eq(m != NULL, want);
		if (m != NULL) {
			ck_assert(bans_addr_contains(&m->pfx, &a));
			ck_assert(m->until > now);
		}
	}
	bans_trie_free(t);
}
END_TEST

static Suite *
trie_suite(void)
{
	Suite *s = suite_create("ban_manager_trie");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_random_vs_linear);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(trie_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
