/*
 * Unit tests for kad/lookup.c: whole lookups over a simulated network of
 * in-process nodes (each with its own routing table and provider store),
 * alpha, deadlines, de-duplication and the provider limit.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

#define NODES	200

struct node {
	uint8_t			 id[38];
	struct kad_table	 table;
	struct kad_providers	*provs;
};

struct sim {
	struct node	nodes[NODES];
	int		me;			/* the node looking up */
	int		queue[4 * NODES];	/* nodes asked, not answered */
	size_t		qhead, qtail;
	int		silent;			/* nodes never answer */
	int		providers_seen;
	int		dup_closer;		/* answers repeat one peer */
	size_t		max_inflight;
};

static void
make_id(uint8_t id[38], uint32_t n)
{
	static const uint8_t	pre[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	uint32_t		x = n * 2654435761u + 7;
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
node_of(struct sim *s, const uint8_t *id, size_t len)
{
	int	i;

	for (i = 0; i < NODES; i++)
		if (len == 38 && memcmp(s->nodes[i].id, id, 38) == 0)
			return i;
	return -1;
}

static void
peer_of(const struct node *n, struct kad_peer *p)
{
	static const uint8_t	addr[] = { 0x04, 127, 0, 0, 1, 0x06, 1, 2 };

	ck_assert_int_eq(kad_peer_set(p, n->id, 38), 0);
	ck_assert_int_eq(kad_peer_add_addr(p, addr, sizeof(addr)), 0);
}

/* Every node knows every other one its buckets have room for. */
static void
sim_init(struct sim *s)
{
	int	i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NODES; i++)
		make_id(s->nodes[i].id, (uint32_t)i);
	for (i = 0; i < NODES; i++) {
		ck_assert_int_eq(kad_table_init(&s->nodes[i].table,
		    s->nodes[i].id, 38), 0);
		s->nodes[i].provs = kad_providers_new(0, 0);
		for (j = 0; j < NODES; j++)
			if (j != i)
				(void)kad_table_add(&s->nodes[i].table,
				    s->nodes[j].id, 38, 1, 0);
	}
}

static void
sim_fini(struct sim *s)
{
	int	i;

	for (i = 0; i < NODES; i++) {
		kad_table_fini(&s->nodes[i].table);
		kad_providers_free(s->nodes[i].provs);
	}
}

/* Store a provider record at the k nodes closest to key (all of them). */
static void
sim_provide(struct sim *s, const uint8_t *key, size_t len, int who)
{
	struct kad_table	 all;
	const struct kad_entry	*out[KAD_K];
	struct kad_peer		 p;
	size_t			 n, i;
	uint8_t			 none[34] = { 0x12, 0x20 };
	int			 j;

	ck_assert_int_eq(kad_table_init(&all, none, sizeof(none)), 0);
	for (j = 0; j < NODES; j++)
		(void)kad_table_add(&all, s->nodes[j].id, 38, 1, 0);
	n = kad_table_closest(&all, key, len, NULL, 0, out, KAD_K);
	peer_of(&s->nodes[who], &p);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(kad_providers_add(s->nodes[node_of(s,
		    out[i]->id, out[i]->id_len)].provs, key, len, &p, 0), 0);
	kad_table_fini(&all);
}

static int
sim_query(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	struct sim	*s = arg;
	size_t		 sent, answered, failed;

	s->queue[s->qtail++ % (4 * NODES)] = node_of(s, p->id, p->id_len);
	kad_lookup_stats(lk, &sent, &answered, &failed);
	if (sent + 1 - answered - failed > s->max_inflight)
		s->max_inflight = sent + 1 - answered - failed;
	return 0;
}

static void
sim_provider(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	struct sim	*s = arg;

	(void)lk;
	(void)p;
	s->providers_seen++;
}

static const struct kad_lookup_ops sim_ops = { sim_query, sim_provider };

/* Node n's answer to lk's request, as a server would build it. */
static void
sim_answer(struct sim *s, int n, struct kad_lookup *lk, struct kad_msg *m)
{
	const struct kad_entry	*out[KAD_K];
	struct kad_peer		 p, provs[KAD_K];
	const uint8_t		*key;
	size_t			 klen, i, got;

	key = kad_lookup_key(lk, &klen);
	ck_assert_int_eq(kad_msg_init(m, kad_lookup_type(lk), key, klen), 0);
	got = kad_table_closest(&s->nodes[n].table, key, klen,
	    s->nodes[s->me].id, 38, out, KAD_K);
	for (i = 0; i < got; i++) {
		peer_of(&s->nodes[s->dup_closer ? 0 : node_of(s, out[i]->id,
		    out[i]->id_len)], &p);
		ck_assert_int_eq(kad_msg_add_closer(m, &p), 0);
	}
	got = kad_providers_get(s->nodes[n].provs, key, klen, 1, provs, KAD_K);
	for (i = 0; i < got; i++)
		ck_assert_int_eq(kad_msg_add_provider(m, &provs[i]), 0);
}

/* Run lk to its end; the clock moves 10 ms per answer. */
static int
sim_run(struct sim *s, struct kad_lookup *lk, uint64_t *now)
{
	struct kad_msg	m;
	int		state, n;

	while ((state = kad_lookup_step(lk, *now)) == KAD_LOOKUP_RUNNING) {
		*now += 10;
		if (s->qhead == s->qtail || s->silent) {
			*now += 1000;
			continue;
		}
		n = s->queue[s->qhead++ % (4 * NODES)];
		sim_answer(s, n, lk, &m);
		(void)kad_lookup_reply(lk, s->nodes[n].id, 38, &m, *now);
		kad_msg_fini(&m);
	}
	return state;
}

static void
seed(struct sim *s, struct kad_lookup *lk, size_t n)
{
	const struct kad_entry	*out[KAD_K];
	struct kad_peer		 p;
	size_t			 got, i;
	const uint8_t		*key;
	size_t			 klen;

	key = kad_lookup_key(lk, &klen);
	kad_lookup_set_self(lk, s->nodes[s->me].id, 38);
	/* start from the far end of our table, so the lookup must walk */
	got = kad_table_closest(&s->nodes[s->me].table, s->nodes[s->me].id,
	    38, NULL, 0, out, n);
	(void)key;
	(void)klen;
	for (i = 0; i < got; i++) {
		ck_assert_int_eq(kad_peer_set(&p, out[i]->id, out[i]->id_len),
		    0);
		ck_assert_int_eq(kad_lookup_seed(lk, &p), 0);
	}
}

/* FIND_NODE of any key finds the true k closest nodes of the network. */
START_TEST(test_find_node_exact)
{
	static struct sim	 s;
	struct kad_lookup	*lk;
	struct kad_table	 all;
	const struct kad_entry	*want[KAD_K];
	const struct kad_peer	*got[KAD_K];
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	uint64_t		 now = 0;
	size_t			 n, i;
	int			 j;

	sim_init(&s);
	s.me = 17;
	kad_topic_key("teranode/bitcoin/1.0.0/mainnet-block", key);
	lk = kad_lookup_new(KAD_FIND_NODE, key, sizeof(key), NULL, &sim_ops,
	    &s, now);
	seed(&s, lk, 3);
	ck_assert_int_eq(sim_run(&s, lk, &now), KAD_LOOKUP_DONE);
	ck_assert_int_eq(kad_table_init(&all, key, sizeof(key)), 0);
	for (j = 0; j < NODES; j++)
		if (j != s.me)
			(void)kad_table_add(&all, s.nodes[j].id, 38, 1, 0);
	ck_assert_uint_eq(kad_table_closest(&all, key, sizeof(key), NULL, 0,
	    want, KAD_K), KAD_K);
	/* beta = 3: the three closest are certain, the rest most likely */
	n = kad_lookup_closest(lk, got, KAD_K);
	ck_assert_uint_ge(n, KAD_BETA);
	for (i = 0; i < KAD_BETA; i++)
		ck_assert_mem_eq(got[i]->id, want[i]->id, 38);
	ck_assert_uint_le(s.max_inflight, KAD_ALPHA);
	ck_assert_uint_eq(s.max_inflight, KAD_ALPHA);
	kad_table_fini(&all);
	kad_lookup_free(lk);
	sim_fini(&s);
}
END_TEST

START_TEST(test_get_providers)
{
	static struct sim		 s;
	struct kad_lookup		*lk;
	struct kad_lookup_params	 lp;
	uint8_t				 key[KAD_TOPIC_KEY_LEN];
	uint64_t			 now = 0;
	size_t				 sent, answered, failed;

	sim_init(&s);
	s.me = 3;
	kad_topic_key("teranode/bitcoin/1.0.0/mainnet-block", key);
	sim_provide(&s, key, sizeof(key), 150);
	sim_provide(&s, key, sizeof(key), 151);
	lk = kad_lookup_new(KAD_GET_PROVIDERS, key, sizeof(key), NULL,
	    &sim_ops, &s, now);
	seed(&s, lk, 3);
	ck_assert_int_eq(sim_run(&s, lk, &now), KAD_LOOKUP_DONE);
	ck_assert_int_eq(s.providers_seen, 2);	/* each once */
	kad_lookup_stats(lk, &sent, &answered, &failed);
	ck_assert_uint_eq(failed, 0);
	ck_assert_uint_lt(sent, NODES / 2);
	kad_lookup_free(lk);

	/* with a limit of one the lookup stops at the first provider */
	kad_lookup_params_default(&lp);
	lp.provider_limit = 1;
	s.providers_seen = 0;
	s.qhead = s.qtail = 0;
	lk = kad_lookup_new(KAD_GET_PROVIDERS, key, sizeof(key), &lp,
	    &sim_ops, &s, now);
	seed(&s, lk, 3);
	ck_assert_int_eq(sim_run(&s, lk, &now), KAD_LOOKUP_ENOUGH);
	ck_assert_int_eq(s.providers_seen, 1);
	kad_lookup_free(lk);
	sim_fini(&s);
}
END_TEST

/* Peers that never answer: per-query deadlines, then starvation. */
START_TEST(test_silent)
{
	static struct sim		 s;
	struct kad_lookup		*lk;
	struct kad_lookup_params	 lp;
	uint8_t				 key[KAD_TOPIC_KEY_LEN];
	uint64_t			 now = 0;
	size_t				 sent, answered, failed;

	sim_init(&s);
	s.silent = 1;
	kad_topic_key("x", key);
	lk = kad_lookup_new(KAD_FIND_NODE, key, sizeof(key), NULL, &sim_ops,
	    &s, now);
	seed(&s, lk, 15);
	ck_assert_int_eq(sim_run(&s, lk, &now), KAD_LOOKUP_STARVED);
	kad_lookup_stats(lk, &sent, &answered, &failed);
	ck_assert_uint_eq(sent, 15);
	ck_assert_uint_eq(failed, 15);
	ck_assert_uint_ge(now, 2 * KAD_QUERY_TIMEOUT_MS);
	ck_assert_uint_lt(now, KAD_LOOKUP_TIMEOUT_MS);
	kad_lookup_free(lk);

	/* a per-query deadline longer than the lookup's: the lookup's wins */
	kad_lookup_params_default(&lp);
	lp.query_timeout_ms = 10 * KAD_LOOKUP_TIMEOUT_MS;
	now = 0;
	lk = kad_lookup_new(KAD_FIND_NODE, key, sizeof(key), &lp, &sim_ops,
	    &s, now);
	seed(&s, lk, 15);
	ck_assert_int_eq(sim_run(&s, lk, &now), KAD_LOOKUP_TIMEOUT);
	ck_assert_uint_lt(now, KAD_LOOKUP_TIMEOUT_MS + 2000);
	kad_lookup_free(lk);
	sim_fini(&s);
}
END_TEST

/* Answers that repeat one peer add it once; unknown answers are refused. */
START_TEST(test_dedup)
{
	static struct sim	 s;
	struct kad_lookup	*lk;
	struct kad_msg		 m;
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	int			 n;

	sim_init(&s);
	s.me = 5;
	s.dup_closer = 1;
	kad_topic_key("y", key);
	lk = kad_lookup_new(KAD_FIND_NODE, key, sizeof(key), NULL, &sim_ops,
	    &s, 0);
	seed(&s, lk, 1);
	ck_assert_int_eq(kad_lookup_step(lk, 0), KAD_LOOKUP_RUNNING);
	n = s.queue[s.qhead++];
	sim_answer(&s, n, lk, &m);
	ck_assert_uint_eq(m.ncloser, KAD_K);
	ck_assert_int_eq(kad_lookup_reply(lk, s.nodes[n].id, 38, &m, 1), 1);
	ck_assert_int_eq(kad_lookup_reply(lk, s.nodes[n].id, 38, &m, 1), -1);
	ck_assert_int_eq(kad_lookup_fail(lk, s.nodes[9].id, 38), -1);
	kad_msg_fini(&m);
	kad_lookup_free(lk);
	ck_assert_ptr_null(kad_lookup_new(KAD_PUT_VALUE, key, sizeof(key),
	    NULL, &sim_ops, &s, 0));
	ck_assert_ptr_null(kad_lookup_new(KAD_FIND_NODE, key, 0, NULL,
	    &sim_ops, &s, 0));
	sim_fini(&s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_lookup");
	TCase	*tc = tcase_create("lookup");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_find_node_exact);
	tcase_add_test(tc, test_get_providers);
	tcase_add_test(tc, test_silent);
	tcase_add_test(tc, test_dedup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
