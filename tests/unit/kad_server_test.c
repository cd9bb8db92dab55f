/* Unit tests for kad/server.c: go-libp2p-kad-dht's answers to each request. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

#define PEERS	100

static uint8_t	ids[PEERS][38];

static void
make_id(uint8_t id[38], uint32_t n)
{
	static const uint8_t	pre[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	uint32_t		x = n * 2654435761u + 3;
	int			i;

	memcpy(id, pre, sizeof(pre));
	for (i = 0; i < 32; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		id[6 + i] = (uint8_t)x;
	}
}

/* The host knows addresses of every peer but the odd-numbered ones. */
static int
t_addrs(void *arg, const uint8_t *id, size_t len, struct kad_peer *p)
{
	static const uint8_t	addr[] = { 0x04, 127, 0, 0, 1, 0x06, 1, 2 };
	int			i;

	(void)arg;
	for (i = 0; i < PEERS; i++)
		if (len == 38 && memcmp(ids[i], id, 38) == 0)
			break;
	if (i == PEERS || i % 2 == 1)
		return -1;
	(void)kad_peer_set(p, id, len);
	(void)kad_peer_add_addr(p, addr, sizeof(addr));
	return 0;
}

static const struct kad_server_ops t_ops = { t_addrs };

static void
setup(struct kad_table *t)
{
	int	i;

	for (i = 0; i < PEERS; i++)
		make_id(ids[i], (uint32_t)i);
	ck_assert_int_eq(kad_table_init(t, ids[0], 38), 0);
	for (i = 1; i < PEERS; i++)
		(void)kad_table_add(t, ids[i], 38, 1, 0);
}

static int
has(const struct kad_msg *m, int who)
{
	size_t	i;

	for (i = 0; i < m->ncloser; i++)
		if (kad_peer_id_equal(&m->closer[i], ids[who], 38))
			return 1;
	return 0;
}

START_TEST(test_find_node)
{
	struct kad_table	t;
	struct kad_msg		req, resp;
	uint8_t			key[KAD_TOPIC_KEY_LEN];
	size_t			rej, i;

	setup(&t);
	kad_topic_key("block", key);
	kad_msg_init(&req, KAD_FIND_NODE, key, sizeof(key));
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_REPLY);
	ck_assert_uint_gt(resp.ncloser, 0);
	ck_assert_uint_le(resp.ncloser, KAD_K);
	ck_assert(!has(&resp, 2));		/* never the requester */
	for (i = 0; i < resp.ncloser; i++)	/* addresses only */
		ck_assert_uint_gt(resp.closer[i].naddrs, 0);
	kad_msg_fini(&resp);
	/* the key's own peer comes first (go-libp2p's lookup check) */
	kad_msg_init(&req, KAD_FIND_NODE, ids[40], 38);
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_REPLY);
	ck_assert(kad_peer_id_equal(&resp.closer[0], ids[40], 38));
	kad_msg_fini(&resp);
	/* a candidate asking for itself still gets peers, not itself */
	kad_msg_init(&req, KAD_FIND_NODE, ids[4], 38);
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[4], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_REPLY);
	ck_assert_uint_gt(resp.ncloser, 0);
	ck_assert(!has(&resp, 4));
	kad_msg_fini(&resp);
	kad_msg_init(&req, KAD_FIND_NODE, NULL, 0);
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_ERROR);
	kad_msg_fini(&resp);
	kad_table_fini(&t);
}
END_TEST

START_TEST(test_providers)
{
	struct kad_table	 t;
	struct kad_providers	*ps = kad_providers_new(0, 0);
	struct kad_msg		 req, resp;
	struct kad_peer		 p;
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	size_t			 rej;

	setup(&t);
	kad_topic_key("block", key);
	kad_msg_init(&req, KAD_ADD_PROVIDER, key, sizeof(key));
	ck_assert_int_eq(t_addrs(NULL, ids[6], 38, &p), 0);
	kad_msg_add_provider(&req, &p);		/* the sender: stored */
	ck_assert_int_eq(t_addrs(NULL, ids[8], 38, &p), 0);
	kad_msg_add_provider(&req, &p);		/* someone else: refused */
	kad_peer_set(&p, ids[6], 38);
	kad_msg_add_provider(&req, &p);		/* no address: refused */
	/* a record for someone else is a forgery: the sender is scored */
	ck_assert_int_eq(kad_server_handle(&t, ps, &t_ops, NULL, ids[6], 38,
	    &req, &resp, &rej, 5), KAD_SERVE_ABUSE);
	ck_assert_uint_eq(rej, 2);
	ck_assert_uint_eq(kad_providers_count(ps), 1);
	kad_msg_fini(&resp);
	kad_msg_fini(&req);
	/* its own record without addresses is refused, not abuse */
	kad_msg_init(&req, KAD_ADD_PROVIDER, key, sizeof(key));
	kad_peer_set(&p, ids[6], 38);
	kad_msg_add_provider(&req, &p);
	ck_assert_int_eq(kad_server_handle(&t, ps, &t_ops, NULL, ids[6], 38,
	    &req, &resp, &rej, 5), KAD_SERVE_NONE);
	ck_assert_uint_eq(rej, 1);
	kad_msg_fini(&resp);
	kad_msg_fini(&req);
	kad_msg_init(&req, KAD_GET_PROVIDERS, key, sizeof(key));
	ck_assert_int_eq(kad_server_handle(&t, ps, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 6), KAD_SERVE_REPLY);
	ck_assert_uint_eq(resp.nproviders, 1);
	ck_assert(kad_peer_id_equal(&resp.providers[0], ids[6], 38));
	ck_assert_uint_gt(resp.ncloser, 0);
	ck_assert_mem_eq(resp.key, key, sizeof(key));
	kad_msg_fini(&resp);
	/* 48 h later the record is gone */
	ck_assert_int_eq(kad_server_handle(&t, ps, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 6 + KAD_PROVIDE_VALIDITY_MS), KAD_SERVE_REPLY);
	ck_assert_uint_eq(resp.nproviders, 0);
	kad_msg_fini(&resp);
	kad_providers_free(ps);
	kad_table_fini(&t);
}
END_TEST

/* One peer announcing thousands of keys fills only its own share. */
START_TEST(test_provider_flood)
{
	struct kad_table	 t;
	struct kad_providers	*ps = kad_providers_new(0, 0);
	struct kad_msg		 req, resp;
	struct kad_peer		 p;
	uint8_t			 key[8];
	size_t			 rej, total = 0, abuse = 0;
	uint32_t		 i;
	int			 rc;

	setup(&t);
	ck_assert_int_eq(t_addrs(NULL, ids[10], 38, &p), 0);
	for (i = 0; i < 5000; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key, &i, sizeof(i));
		kad_msg_init(&req, KAD_ADD_PROVIDER, key, sizeof(key));
		kad_msg_add_provider(&req, &p);
		rc = kad_server_handle(&t, ps, &t_ops, NULL, ids[10], 38,
		    &req, &resp, &rej, 0);
		/* within its share: stored; past it: refused and scored */
		ck_assert_int_eq(rc, i < KAD_PROVIDERS_PER_PEER ?
		    KAD_SERVE_NONE : KAD_SERVE_ABUSE);
		abuse += rc == KAD_SERVE_ABUSE;
		total += rej;
		kad_msg_fini(&req);
		kad_msg_fini(&resp);
	}
	ck_assert_uint_eq(kad_providers_count(ps), KAD_PROVIDERS_PER_PEER);
	ck_assert_uint_eq(total, 5000 - KAD_PROVIDERS_PER_PEER);
	ck_assert_uint_eq(abuse, 5000 - KAD_PROVIDERS_PER_PEER);
	kad_providers_free(ps);
	kad_table_fini(&t);
}
END_TEST

START_TEST(test_other_types)
{
	struct kad_table	t;
	struct kad_msg		req, resp;
	uint8_t			key[4] = { 1, 2, 3, 4 };
	size_t			rej;

	setup(&t);
	kad_msg_init(&req, KAD_PING, NULL, 0);
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_REPLY);
	ck_assert_int_eq(resp.type, KAD_PING);
	kad_msg_fini(&resp);
	kad_msg_init(&req, KAD_PUT_VALUE, key, sizeof(key));
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_ERROR);
	kad_msg_fini(&resp);
	kad_msg_init(&req, KAD_GET_VALUE, key, sizeof(key));
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_REPLY);
	ck_assert_int_eq(resp.has_record, 0);
	ck_assert_uint_gt(resp.ncloser, 0);
	kad_msg_fini(&resp);
	kad_msg_init(&req, KAD_ADD_PROVIDER, key, sizeof(key));
	ck_assert_int_eq(kad_server_handle(&t, NULL, &t_ops, NULL, ids[2], 38,
	    &req, &resp, &rej, 0), KAD_SERVE_ERROR);	/* client mode */
	kad_msg_fini(&resp);
	kad_table_fini(&t);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_server");
	TCase	*tc = tcase_create("server");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_find_node);
	tcase_add_test(tc, test_providers);
	tcase_add_test(tc, test_provider_flood);
	tcase_add_test(tc, test_other_types);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
