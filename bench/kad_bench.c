/*
 * Benchmark of the Kademlia layer, in one process, no sockets:
 *   1. heap per routing-table entry (a table filled from random peers);
 *   2. heap per provider record for 100,000 records, in two shapes: many
 *      keys from few providers, and Teranode's (4 topic keys, 25,000
 *      providers with 2 addresses each), against a stated bound, with
 *      add/get/sweep times;
 *   3. lookups in a simulated network of 50 nodes (each with its own table
 *      and provider store, answers after 20-80 ms of simulated latency):
 *      a node provides a topic key (FIND_NODE, then ADD_PROVIDER to the
 *      20 closest) and another finds it with GET_PROVIDERS; messages and
 *      simulated time to the first provider, CPU time per lookup;
 *   4. beside it, in the same run, js kad-dht doing the same on 50 real
 *      js-libp2p hosts in one Node process on 127.0.0.1
 *      (tests/interop/kad_bench.mjs): queries to the first provider and
 *      the time to it; the simulated network is then run again with the
 *      js hosts' measured query time as its latency, and the two are
 *      printed as ratios (terap2p / js).
 * Exits non-zero when its work did not complete: a provider not found in
 * the simulated network, a record refused or over the bound, the js side
 * not running or finding no provider at all (js finding fewer than all on
 * a loaded machine is a figure, printed).
 * Usage: kad_bench [trials [js_nodes [js_trials]]]  (js_nodes 0: no js)
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kad/kad.h"

#define NODES		50
#define RECORDS		100000
#define BOUND_PER_REC	160	/* bytes of heap a record may cost */

static int	failed;		/* work that did not complete */
/* simulated answer time: lat_lo + [0, lat_span) ms */
static unsigned	lat_lo = 20, lat_span = 61;

static uint64_t	rng = 88172645463325252ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void
rand_id(uint8_t id[38])
{
	static const uint8_t	pre[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	int			i;

	memcpy(id, pre, sizeof(pre));
	for (i = 6; i < 38; i++)
		id[i] = (uint8_t)rnd();
}

static size_t
heap_used(void)
{
	return mallinfo2().uordblks;
}

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_table(void)
{
	struct kad_table	t;
	uint8_t			self[38], id[38];
	size_t			before;
	int			i;

	rand_id(self);
	before = heap_used();
	kad_table_init(&t, self, sizeof(self));
	for (i = 0; i < 1000000 && t.size < 300; i++) {
		rand_id(id);
		(void)kad_table_add(&t, id, sizeof(id), 1, 0);
	}
	printf("routing table: %zu peers (%d offered), %zu B heap, "
	    "%.0f B/entry (struct %zu B, buckets allocated %d at a time)\n",
	    t.size, i, heap_used() - before,
	    (double)(heap_used() - before) / (double)t.size,
	    sizeof(struct kad_entry), KAD_K);
	kad_table_fini(&t);
}

static void
provider_peer(struct kad_peer *p, uint32_t n, int naddrs)
{
	uint8_t	id[38] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	uint8_t	addr[8] = { 0x04, 10, 0, 0, 0, 0x06, 0x26, 0x81 };
	int	i;

	memcpy(id + 6, &n, sizeof(n));
	kad_peer_set(p, id, sizeof(id));
	for (i = 0; i < naddrs; i++) {
		memcpy(addr + 2, &n, 3);
		addr[7] = (uint8_t)i;
		kad_peer_add_addr(p, addr, sizeof(addr));
	}
}

/*
 * RECORDS distinct (key, provider) records over nkeys keys and nprov
 * providers: either every record its own key, or every provider on all keys.
 */
static void
bench_providers(const char *shape, uint32_t nkeys, uint32_t nprov, int naddrs)
{
	struct kad_providers	*ps;
	struct kad_peer		 p, out[20];
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	char			 topic[64];
	size_t			 before, used, own, got = 0, refused = 0;
	double			 t0, t_add, t_get, t_sweep;
	uint32_t		 i;

	before = heap_used();
	ps = kad_providers_new(RECORDS, RECORDS);
	t0 = now_s();
	for (i = 0; i < RECORDS; i++) {
		snprintf(topic, sizeof(topic), "topic-%u", i % nkeys);
		kad_topic_key(topic, key);
		provider_peer(&p, nkeys == RECORDS ? i % nprov : i / nkeys,
		    naddrs);
		if (kad_providers_add(ps, key, sizeof(key), &p, 0) !=
		    KAD_PROV_ADDED)
			refused++;
	}
	t_add = now_s() - t0;
	used = heap_used() - before;
	t0 = now_s();
	for (i = 0; i < 10000; i++) {
		snprintf(topic, sizeof(topic), "topic-%u", i % nkeys);
		kad_topic_key(topic, key);
		got += kad_providers_get(ps, key, sizeof(key), 1, out, 20);
	}
	t_get = now_s() - t0;
	own = kad_providers_bytes(ps);
	t0 = now_s();
	(void)kad_providers_sweep(ps, KAD_PROVIDE_VALIDITY_MS);
	t_sweep = now_s() - t0;
	if (refused > 0) {
		printf("  %zu adds refused\n", refused);
		failed = 1;
	}
	if (used > (size_t)RECORDS * BOUND_PER_REC)
		failed = 1;
	printf("providers (%s): %zu records in %zu B heap = %.0f B/record "
	    "(bound %d B: %s); store's own count %zu B; add %.2f us, "
	    "get(20) %.2f us, sweep of all %.1f ms; %zu left\n", shape,
	    (size_t)RECORDS, used, (double)used / RECORDS, BOUND_PER_REC,
	    used <= (size_t)RECORDS * BOUND_PER_REC ? "ok" : "EXCEEDED",
	    own, t_add * 1e6 / RECORDS, t_get * 1e6 / 1e4,
	    t_sweep * 1e3, kad_providers_count(ps));
	(void)got;
	kad_providers_free(ps);
}

/* ---- simulated network -------------------------------------------------- */

struct node {
	uint8_t			 id[38];
	struct kad_table	 table;
	struct kad_providers	*provs;
};

struct pending {
	uint64_t	due;
	int		node;
};

struct sim {
	struct node	 nodes[NODES];
	int		 me;
	struct pending	 q[NODES * 4];
	size_t		 nq;
	uint64_t	 now;
	size_t		 sent;
	int		 found;		/* first provider seen */
	size_t		 found_msgs;
	uint64_t	 found_ms;
};

static int
node_of(const struct sim *s, const uint8_t *id)
{
	int	i;

	for (i = 0; i < NODES; i++)
		if (memcmp(s->nodes[i].id, id, 38) == 0)
			return i;
	return -1;
}

static int
sim_query(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	struct sim	*s = arg;

	(void)lk;
	s->q[s->nq].node = node_of(s, p->id);
	s->q[s->nq++].due = s->now + lat_lo + rnd() % lat_span;
	s->sent++;
	return 0;
}

static void
sim_provider(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	struct sim	*s = arg;

	(void)lk;
	(void)p;
	if (!s->found) {
		s->found = 1;
		s->found_msgs = s->sent;
		s->found_ms = s->now;
	}
}

static const struct kad_lookup_ops sim_ops = { sim_query, sim_provider };

static void
peer_of(const struct node *n, struct kad_peer *p)
{
	static const uint8_t	addr[] = { 0x04, 127, 0, 0, 1, 0x06, 1, 2 };

	kad_peer_set(p, n->id, 38);
	kad_peer_add_addr(p, addr, sizeof(addr));
}

static void
answer(struct sim *s, int n, struct kad_lookup *lk, struct kad_msg *m)
{
	const struct kad_entry	*out[KAD_K];
	struct kad_peer		 p, provs[KAD_K];
	const uint8_t		*key;
	size_t			 klen, i, got;

	key = kad_lookup_key(lk, &klen);
	kad_msg_init(m, kad_lookup_type(lk), key, klen);
	got = kad_table_closest(&s->nodes[n].table, key, klen,
	    s->nodes[s->me].id, 38, out, KAD_K);
	for (i = 0; i < got; i++) {
		peer_of(&s->nodes[node_of(s, out[i]->id)], &p);
		kad_msg_add_closer(m, &p);
	}
	if (kad_lookup_type(lk) == KAD_GET_PROVIDERS) {
		got = kad_providers_get(s->nodes[n].provs, key, klen, s->now,
		    provs, KAD_K);
		for (i = 0; i < got; i++)
			kad_msg_add_provider(m, &provs[i]);
	}
	/* the server learns of the requester, as go-libp2p-kad-dht does */
	(void)kad_table_add(&s->nodes[n].table, s->nodes[s->me].id, 38, 1,
	    s->now);
}

/* Run lk from node me, seeded from me's table, to its end. */
static int
run(struct sim *s, struct kad_lookup *lk)
{
	const struct kad_entry	*out[KAD_K];
	struct kad_peer		 p;
	struct kad_msg		 m;
	const uint8_t		*key;
	size_t			 klen, got, i, best;
	int			 state, n;

	key = kad_lookup_key(lk, &klen);
	kad_lookup_set_self(lk, s->nodes[s->me].id, 38);
	got = kad_table_closest(&s->nodes[s->me].table, key, klen, NULL, 0,
	    out, KAD_K);
	for (i = 0; i < got; i++) {
		kad_peer_set(&p, out[i]->id, out[i]->id_len);
		kad_lookup_seed(lk, &p);
	}
	while ((state = kad_lookup_step(lk, s->now)) == KAD_LOOKUP_RUNNING &&
	    s->nq > 0) {
		for (best = 0, i = 1; i < s->nq; i++)
			if (s->q[i].due < s->q[best].due)
				best = i;
		s->now = s->q[best].due;
		n = s->q[best].node;
		s->q[best] = s->q[--s->nq];
		answer(s, n, lk, &m);
		(void)kad_lookup_reply(lk, s->nodes[n].id, 38, &m, s->now);
		kad_msg_fini(&m);
	}
	s->nq = 0;
	return state;
}

/* Each node starts knowing `known` random others (all when 0). */
static void
sim_init(struct sim *s, int known)
{
	int	i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NODES; i++)
		rand_id(s->nodes[i].id);
	for (i = 0; i < NODES; i++) {
		kad_table_init(&s->nodes[i].table, s->nodes[i].id, 38);
		s->nodes[i].provs = kad_providers_new(0, 0);
		for (j = 0; j < (known ? known : NODES); j++) {
			int o = known ? (int)(rnd() % NODES) : j;

			if (o != i)
				(void)kad_table_add(&s->nodes[i].table,
				    s->nodes[o].id, 38, 1, 0);
		}
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

/* One node provides key: FIND_NODE, then ADD_PROVIDER to the closest. */
static size_t
provide(struct sim *s, int who, const uint8_t *key)
{
	struct kad_lookup	*lk;
	const struct kad_peer	*closest[KAD_K];
	struct kad_peer		 me;
	size_t			 n, i;

	s->me = who;
	s->sent = 0;
	lk = kad_lookup_new(KAD_FIND_NODE, key, KAD_TOPIC_KEY_LEN, NULL,
	    &sim_ops, s, s->now);
	(void)run(s, lk);
	n = kad_lookup_closest(lk, closest, KAD_K);
	peer_of(&s->nodes[who], &me);
	for (i = 0; i < n; i++)
		(void)kad_providers_add(s->nodes[node_of(s,
		    closest[i]->id)].provs, key, KAD_TOPIC_KEY_LEN, &me, s->now);
	kad_lookup_free(lk);
	return s->sent + n;
}

struct net_result {
	int	found, trials;
	double	msgs, ms;	/* to the first provider, means */
};

static void
bench_network(int known, int trials, struct net_result *r)
{
	static struct sim	 s;
	struct kad_lookup	*lk;
	uint8_t			 key[KAD_TOPIC_KEY_LEN];
	char			 topic[64];
	double			 cpu = 0, t0, msgs = 0, ms = 0, total = 0;
	double			 pmsgs = 0;
	struct kad_peer		 me;
	int			 t, ok = 0, seeker;

	sim_init(&s, known);
	for (t = 0; t < trials; t++) {
		snprintf(topic, sizeof(topic), "teranode/bitcoin/1.0.0/"
		    "bench-%d", t);
		kad_topic_key(topic, key);
		pmsgs += (double)provide(&s, (int)(rnd() % NODES), key);
		do
			seeker = (int)(rnd() % NODES);
		while (seeker == s.me);
		s.me = seeker;
		s.sent = 0;
		s.found = 0;
		t0 = now_s();
		lk = kad_lookup_new(KAD_GET_PROVIDERS, key, sizeof(key), NULL,
		    &sim_ops, &s, s.now);
		uint64_t start = s.now;
		/* its own store first, as kad_dht does (and js, and go) */
		if (kad_providers_get(s.nodes[seeker].provs, key, sizeof(key),
		    s.now, &me, 1) > 0) {
			s.found = 1;
			s.found_msgs = 0;
			s.found_ms = s.now;
		}
		(void)run(&s, lk);
		cpu += now_s() - t0;
		total += (double)s.sent;
		if (s.found) {
			ok++;
			msgs += (double)s.found_msgs;
			ms += (double)(s.found_ms - start);
		}
		kad_lookup_free(lk);
	}
	printf("lookups, %d nodes knowing %s: provider found %d/%d; to the "
	    "first provider %.1f messages, %.0f ms simulated (%u-%u ms per "
	    "answer); whole GET_PROVIDERS %.1f messages, %.1f us CPU; "
	    "provide %.1f messages\n", NODES, known ? "8 random peers" :
	    "everyone their buckets hold", ok, trials, ok ? msgs / ok : 0,
	    ok ? ms / ok : 0, lat_lo, lat_lo + lat_span - 1, total / trials,
	    cpu * 1e6 / trials, pmsgs / trials);
	if (ok < trials)
		failed = 1;
	if (r != NULL) {
		r->found = ok;
		r->trials = trials;
		r->msgs = ok ? msgs / ok : 0;
		r->ms = ok ? ms / ok : 0;
	}
	sim_fini(&s);
}

/* The number after "key": in a JSON line; -1 without one. */
static double
json_num(const char *line, const char *key)
{
	char		 pat[64];
	const char	*p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((p = strstr(line, pat)) == NULL)
		return -1;
	return atof(p + strlen(pat));
}

/*
 * js kad-dht on nodes real hosts (tests/interop/kad_bench.mjs, run from
 * the source tree as make does); 0 with its figures in r and its mean
 * query time in *rtt_ms, -1 when it did not run or found nothing.
 */
static int
bench_js(int nodes, int trials, struct net_result *r, double *rtt_ms)
{
	char	 cmd[256], line[1024];
	FILE	*p;
	double	 t0 = now_s();
	int	 got = 0;

	snprintf(cmd, sizeof(cmd), "node --no-warnings "
	    "tests/interop/kad_bench.mjs %d %d", nodes, trials);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL)
		if (json_num(line, "found") >= 0)
			got = 1, r->found = (int)json_num(line, "found"),
			r->msgs = json_num(line, "msgs_to_first"),
			r->ms = json_num(line, "ms_to_first"),
			*rtt_ms = json_num(line, "query_rtt_ms");
	if (pclose(p) != 0 || !got) {
		fprintf(stderr, "kad_bench: %s failed\n", cmd);
		return -1;
	}
	r->trials = trials;
	printf("js kad-dht, %d js-libp2p hosts in one process (%.0f s to "
	    "build and run): provider found %d/%d; to the first provider %.1f "
	    "queries, %.0f ms; a query answered in %.0f ms on average\n",
	    nodes, now_s() - t0, r->found, trials, r->msgs, r->ms, *rtt_ms);
	return r->found > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	int			trials = argc > 1 ? atoi(argv[1]) : 500;
	int			js_nodes = argc > 2 ? atoi(argv[2]) : NODES;
	int			js_trials = argc > 3 ? atoi(argv[3]) : 20;
	struct net_result	js, tp;
	double			rtt = 0;

	bench_table();
	bench_providers("100,000 keys from 100 providers", RECORDS, 100, 2);
	bench_providers("Teranode: 4 topic keys, 25,000 providers", 4, 25000,
	    2);
	bench_network(0, trials, NULL);
	bench_network(8, trials, NULL);
	if (js_nodes > 0) {
		if (bench_js(js_nodes, js_trials, &js, &rtt) == -1)
			return 1;
		/* the simulated network again, at the js hosts' query time */
		lat_lo = rtt > 2 ? (unsigned)(rtt / 2) : 20;
		lat_span = lat_lo * 2 + 1;
		bench_network(8, trials, &tp);
		if (js.msgs > 0 && js.ms > 0)
			printf("terap2p / js kad-dht, to the first provider, at "
			    "the same query time: messages %.2f, time %.2f "
			    "(found: terap2p %d/%d, js %d/%d)\n", tp.msgs /
			    js.msgs, tp.ms / js.ms, tp.found, tp.trials,
			    js.found, js.trials);
		else
			printf("terap2p / js kad-dht: no ratio, js found every "
			    "provider in its own store (%d hosts, k = 20)\n",
			    js_nodes);
	}
	if (failed)
		fprintf(stderr, "kad_bench: work did not complete\n");
	return failed ? 1 : 0;
}
