/* Unit tests for kad/providers.c: records, refresh, expiry, caps. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

static void
make_peer(struct kad_peer *p, uint32_t n, uint8_t port)
{
	uint8_t	id[38] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	uint8_t	addr[8] = { 0x04, 127, 0, 0, 1, 0x06, 0x10, 0 };

	memcpy(id + 6, &n, sizeof(n));
	ck_assert_int_eq(kad_peer_set(p, id, sizeof(id)), 0);
	addr[7] = port;
	ck_assert_int_eq(kad_peer_add_addr(p, addr, sizeof(addr)), 0);
}

START_TEST(test_add_get_expire)
{
	struct kad_providers	*ps;
	struct kad_peer		 p, out[4];
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	size_t			 base;

	ps = kad_providers_new(0, 0);
	base = kad_providers_bytes(ps);
	kad_topic_key("block", key);
	make_peer(&p, 1, 1);
	ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p, 0),
	    KAD_PROV_ADDED);
	make_peer(&p, 1, 2);	/* same peer, new address, an hour later */
	ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p, 3600000),
	    KAD_PROV_REFRESHED);
	make_peer(&p, 2, 3);
	ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p, 3600000),
	    KAD_PROV_ADDED);
	ck_assert_uint_eq(kad_providers_count(ps), 2);
	ck_assert_uint_eq(kad_providers_get(ps, key, sizeof(key), 10, out, 4),
	    2);
	ck_assert_uint_eq(out[1].addrs[8], 2);	/* the refreshed address */
	ck_assert_uint_eq(kad_providers_get(ps, key, 3, 10, out, 4), 0);
	/* 48 h after the refresh both have expired */
	ck_assert_uint_eq(kad_providers_get(ps, key, sizeof(key),
	    KAD_PROVIDE_VALIDITY_MS + 3600000, out, 4), 0);
	ck_assert_uint_eq(kad_providers_sweep(ps, KAD_PROVIDE_VALIDITY_MS), 0);
	ck_assert_uint_eq(kad_providers_sweep(ps,
	    KAD_PROVIDE_VALIDITY_MS + 3600000), 2);
	ck_assert_uint_eq(kad_providers_count(ps), 0);
	ck_assert_uint_eq(kad_providers_bytes(ps), base);
	ck_assert_int_eq(kad_providers_add(ps, key, 0, &p, 0), KAD_PROV_EKEY);
	kad_providers_free(ps);
}
END_TEST

/* One peer announcing thousands of keys keeps per_peer records. */
START_TEST(test_per_peer_cap)
{
	struct kad_providers	*ps;
	struct kad_peer		 p;
	uint8_t			 key[8];
	uint32_t		 i;
	int			 rc, refused = 0;

	ps = kad_providers_new(0, 50);
	make_peer(&p, 7, 1);
	for (i = 0; i < 5000; i++) {
		memcpy(key, &i, sizeof(i));
		memcpy(key + 4, &i, sizeof(i));
		rc = kad_providers_add(ps, key, sizeof(key), &p, 0);
		if (rc == KAD_PROV_EPEER)
			refused++;
	}
	ck_assert_uint_eq(kad_providers_count(ps), 50);
	ck_assert_int_eq(refused, 5000 - 50);
	kad_providers_free(ps);
}
END_TEST

/* A full store refuses newcomers; expired records make room again. */
START_TEST(test_total_cap)
{
	struct kad_providers	*ps;
	struct kad_peer		 p;
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	uint32_t		 i;

	ps = kad_providers_new(10, 0);
	kad_topic_key("block", key);
	for (i = 0; i < 10; i++) {
		make_peer(&p, i, 1);
		ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p,
		    0), KAD_PROV_ADDED);
	}
	make_peer(&p, 99, 1);
	ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p, 1),
	    KAD_PROV_EFULL);
	make_peer(&p, 3, 1);
	ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p, 1),
	    KAD_PROV_REFRESHED);
	make_peer(&p, 99, 1);
	ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p,
	    KAD_PROVIDE_VALIDITY_MS), KAD_PROV_ADDED);
	ck_assert_uint_eq(kad_providers_count(ps), 2);	/* 3 and 99 */
	kad_providers_free(ps);
}
END_TEST

/* Many keys and peers: the tables grow and everything stays findable. */
START_TEST(test_many)
{
	struct kad_providers	*ps;
	struct kad_peer		 p, out[2];
	uint8_t			 key[8] = { 0 };
	uint32_t		 i;

	ps = kad_providers_new(0, 0);
	for (i = 0; i < 20000; i++) {
		memcpy(key, &i, sizeof(i));
		make_peer(&p, i % 1000, 1);
		ck_assert_int_eq(kad_providers_add(ps, key, sizeof(key), &p,
		    i), KAD_PROV_ADDED);
	}
	for (i = 0; i < 20000; i += 997) {
		memcpy(key, &i, sizeof(i));
		ck_assert_uint_eq(kad_providers_get(ps, key, sizeof(key), i,
		    out, 2), 1);
		make_peer(&p, i % 1000, 1);
		ck_assert(kad_peer_id_equal(&out[0], p.id, p.id_len));
	}
	ck_assert_uint_eq(kad_providers_sweep(ps, KAD_PROVIDE_VALIDITY_MS +
	    10000), 10001);
	ck_assert_uint_eq(kad_providers_count(ps), 9999);
	kad_providers_free(ps);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_providers");
	TCase	*tc = tcase_create("providers");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_add_get_expire);
	tcase_add_test(tc, test_per_peer_cap);
	tcase_add_test(tc, test_total_cap);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
