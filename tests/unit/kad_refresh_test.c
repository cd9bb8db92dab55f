/*
 * Unit tests for the routing table's upkeep in kad/table.c and kad/dht.c:
 * random refresh keys fall in the bucket asked for; every 10 minutes the
 * DHT looks up its own ID and then one random key per non-empty bucket
 * (common prefix length up to 15), one lookup at a time; a peer whose
 * identify stops listing /ipfs/kad/1.0.0 leaves the table; and the server
 * answers go-libp2p's routing-table lookup check (a FIND_NODE for the
 * asker's own peer ID) with closer peers that leave the asker out.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kad/kad.h"

#define NPEERS	60

struct cap {
	uint8_t		keys[64][KAD_KEY_MAX];
	size_t		key_len[64];
	uint64_t	token[64];
	uint8_t		to[64][38];
	size_t		n;
};

static uint8_t	self[38];
static uint8_t	peers[NPEERS][38];

static void
make_id(uint8_t id[38])
{
	memcpy(id, "\x00\x24\x08\x01\x12\x20", 6);
	randombytes_buf(id + 6, 32);
}

static int
c_request(void *arg, const struct kad_peer *p, const struct kad_msg *req,
    uint64_t token)
{
	struct cap	*c = arg;

	ck_assert_int_eq(req->type, KAD_FIND_NODE);
	if (c->n == 64)
		return -1;
	memcpy(c->keys[c->n], req->key, req->key_len);
	c->key_len[c->n] = req->key_len;
	c->token[c->n] = token;
	memcpy(c->to[c->n], p->id, 38);
	c->n++;
	return 0;
}

static void
c_found(void *arg, const char *topic, const struct kad_peer *p)
{
	(void)arg; (void)topic; (void)p;
}

static int
c_addrs(void *arg, const uint8_t *id, size_t len, struct kad_peer *p)
{
	static const uint8_t	addr[] = { 0x04, 127, 0, 0, 1, 0x06, 0x10, 0 };

	(void)arg;
	(void)kad_peer_set(p, id, len);
	return kad_peer_add_addr(p, addr, sizeof(addr));
}

static const struct kad_dht_ops c_ops = { c_request, c_found, c_addrs, NULL };

START_TEST(test_random_key)
{
	struct kad_table	t;
	struct kad_kpos		pos;
	uint8_t			key[KAD_REFRESH_KEY_LEN];
	int			cpl;

	make_id(self);
	ck_assert_int_eq(kad_table_init(&t, self, 38), 0);
	for (cpl = 0; cpl <= 12; cpl++) {
		ck_assert_int_eq(kad_table_random_key(&t, cpl, key), 0);
		ck_assert_int_eq(kad_peer_id_check(key, sizeof(key)), 0);
		kad_kpos(key, sizeof(key), &pos);
		ck_assert_int_eq(kad_kpos_cpl(&t.self, &pos), cpl);
	}
	ck_assert_int_eq(kad_table_random_key(&t, KAD_REFRESH_CPL_MAX + 1,
	    key), -1);
	ck_assert_int_eq(kad_table_random_key(&t, -1, key), -1);
	kad_table_fini(&t);
}
END_TEST

/* Fail every captured request (nobody answers): the lookup ends. */
static void
fail_all(struct kad_dht *d, struct cap *c, size_t from, uint64_t now)
{
	size_t	i;

	for (i = from; i < c->n; i++)
		kad_dht_failed(d, c->token[i], c->to[i], 38, now);
}

START_TEST(test_refresh_round)
{
	struct cap		 c;
	struct kad_dht		*d;
	struct kad_kpos		 pos;
	const struct kad_table	*t;
	int			 cpls[257], want = 0, got = 0, seen_self = 0;
	size_t			 i, n, done = 0;
	uint64_t		 now = 1000;
	int			 ticks;

	memset(&c, 0, sizeof(c));
	make_id(self);
	d = kad_dht_new(KAD_MODE_SERVER, self, 38, &c_ops, &c, now);
	ck_assert_ptr_nonnull(d);
	for (i = 0; i < NPEERS; i++) {
		make_id(peers[i]);
		(void)kad_dht_peer_identified(d, peers[i], 38, 1, now);
	}
	t = kad_dht_table(d);
	n = kad_table_nonempty(t, cpls, 257);
	for (i = 0; i < n; i++)
		want |= cpls[i] <= KAD_REFRESH_CPL_MAX ? 1 << cpls[i] : 0;
	kad_dht_tick(d, now + 1000);
	ck_assert_uint_eq(c.n, 0);		/* not before 10 minutes */
	now += KAD_REFRESH_MS;
	for (ticks = 0; ticks < 40; ticks++, now += 1000) {
		kad_dht_tick(d, now);
		if (c.n == done)
			continue;
		/* one lookup at a time: all its queries share one key */
		for (i = done; i < c.n; i++)
			ck_assert_mem_eq(c.keys[i], c.keys[done],
			    c.key_len[done]);
		if (c.key_len[done] == 38 && memcmp(c.keys[done], self, 38) ==
		    0) {
			ck_assert_int_eq(got, 0);	/* self comes first */
			seen_self++;
		} else {
			kad_kpos(c.keys[done], c.key_len[done], &pos);
			got |= 1 << kad_kpos_cpl(&t->self, &pos);
		}
		fail_all(d, &c, done, now);
		c.n = 0;
	}
	ck_assert_int_eq(seen_self, 1);
	ck_assert_int_eq(got, want);
	kad_dht_free(d);
}
END_TEST

START_TEST(test_client_leaves_table)
{
	struct cap		 c;
	struct kad_dht		*d;
	uint8_t			 p[38];

	memset(&c, 0, sizeof(c));
	make_id(self);
	make_id(p);
	d = kad_dht_new(KAD_MODE_SERVER, self, 38, &c_ops, &c, 1);
	ck_assert_int_eq(kad_dht_peer_identified(d, p, 38, 1, 1), 0);
	ck_assert_uint_eq(kad_dht_table(d)->size, 1);
	/* an identify push without /ipfs/kad/1.0.0: out */
	ck_assert_int_eq(kad_dht_peer_identified(d, p, 38, 0, 2), -1);
	ck_assert_uint_eq(kad_dht_table(d)->size, 0);
	kad_dht_free(d);
}
END_TEST

START_TEST(test_lookup_check_answered)
{
	struct cap		 c;
	struct kad_dht		*d;
	struct kad_msg		 req, resp;
	uint8_t			 asker[38];
	size_t			 i;

	memset(&c, 0, sizeof(c));
	make_id(self);
	make_id(asker);
	d = kad_dht_new(KAD_MODE_SERVER, self, 38, &c_ops, &c, 1);
	for (i = 0; i < NPEERS; i++) {
		make_id(peers[i]);
		(void)kad_dht_peer_identified(d, peers[i], 38, 1, 1);
	}
	(void)kad_dht_peer_identified(d, asker, 38, 1, 1);
	/* go-libp2p-kad-dht's lookupCheck: FIND_NODE for the asker's ID */
	ck_assert_int_eq(kad_msg_init(&req, KAD_FIND_NODE, asker, 38), 0);
	ck_assert_int_eq(kad_dht_serve(d, asker, 38, &req, &resp, 2),
	    KAD_SERVE_REPLY);
	/* go's handleFindPeer answers the type without the key */
	ck_assert_int_eq(resp.type, KAD_FIND_NODE);
	ck_assert_uint_eq(resp.ncloser, KAD_K);
	for (i = 0; i < resp.ncloser; i++) {
		ck_assert(!kad_peer_id_equal(&resp.closer[i], asker, 38));
		ck_assert_uint_gt(resp.closer[i].naddrs, 0);
	}
	kad_msg_fini(&req);
	kad_msg_fini(&resp);
	/* a server with an empty table still answers (no closer peers) */
	kad_dht_free(d);
	d = kad_dht_new(KAD_MODE_SERVER, self, 38, &c_ops, &c, 1);
	ck_assert_int_eq(kad_msg_init(&req, KAD_FIND_NODE, asker, 38), 0);
	ck_assert_int_eq(kad_dht_serve(d, asker, 38, &req, &resp, 2),
	    KAD_SERVE_REPLY);
	ck_assert_uint_eq(resp.ncloser, 0);
	kad_msg_fini(&req);
	kad_msg_fini(&resp);
	kad_dht_free(d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad refresh");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	tcase_add_test(tc, test_random_key);
	tcase_add_test(tc, test_refresh_round);
	tcase_add_test(tc, test_client_leaves_table);
	tcase_add_test(tc, test_lookup_check_answered);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
