/*
 * Gossip worker, Kademlia layer: one DHT node.  It owns the routing table,
 * the provider store (server mode) and the running lookups, and keeps the
 * schedules of Teranode's rendezvous (go-p2p-message-bus over
 * go-libp2p-kad-dht): each joined topic is provided as soon as the table
 * has a peer, again on every new subscription and every 22 h (provider
 * records live 48 h); its providers are looked up 1 s after start and every
 * 30 s; the table is refreshed every 10 minutes by a self lookup and a
 * lookup of a random key in each non-empty bucket's range up to common
 * prefix length 15, one lookup at a time (go-libp2p-kad-dht's rule), and the
 * caller is asked for peers when it holds 10 or fewer (go's fixLowPeers,
 * every 2 minutes); expired provider records are swept hourly (or every
 * p2p_dht_cleanup_interval).  No I/O: requests leave through ops->request
 * and answers come back through kad_dht_answer/_failed with the request's
 * token; the clock is the caller's.  net.c ties it to the libp2p host.
 */
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

enum run_kind {
	RUN_FIND = 1,		/* GET_PROVIDERS of a topic */
	RUN_PROVIDE = 2,	/* FIND_NODE of a topic key, then ADD_PROVIDER */
	RUN_REFRESH = 3,	/* FIND_NODE of our own ID or a bucket's key */
};

struct topic {
	char		name[KAD_TOPIC_MAX];
	uint8_t		key[KAD_TOPIC_KEY_LEN];
	uint64_t	next_find_ms;
	uint64_t	next_provide_ms;
};

struct run {
	struct kad_lookup	*lk;		/* owned; NULL: free slot */
	uint64_t		 token;
	int			 kind;
	int			 topic;		/* index, or -1 */
};

struct kad_dht {
	int			 mode;
	uint8_t			 self[KAD_ID_MAX];
	size_t			 self_len;
	struct kad_table	 table;
	struct kad_providers	*provs;		/* owned; server mode */
	const struct kad_dht_ops *ops;		/* borrowed */
	void			*arg;		/* borrowed */
	struct topic		 topics[KAD_TOPICS_MAX];
	int			 ntopics;
	struct run		 runs[KAD_RUNS_MAX];
	uint64_t		 next_token;
	uint64_t		 next_refresh_ms, next_fixlow_ms, next_sweep_ms;
	/* refresh lookups still to run: bit cpl for a bucket, REFRESH_SELF */
	uint32_t		 refresh_todo;
	uint64_t		 sweep_ms;
	struct kad_dht_stats	 st;
};

#define REFRESH_SELF	(1u << (KAD_REFRESH_CPL_MAX + 1))

static int	l_query(void *, struct kad_lookup *, const struct kad_peer *);
static void	l_provider(void *, struct kad_lookup *,
		    const struct kad_peer *);

static const struct kad_lookup_ops lookup_ops = { l_query, l_provider };

int
kad_mode_parse(const char *text)
{
	if (strcmp(text, "server") == 0)
		return KAD_MODE_SERVER;
	if (strcmp(text, "client") == 0)
		return KAD_MODE_CLIENT;
	if (strcmp(text, "off") == 0)
		return KAD_MODE_OFF;
	return -1;
}

struct kad_dht *
kad_dht_new(int mode, const uint8_t *self, size_t self_len,
    const struct kad_dht_ops *ops, void *arg, uint64_t now_ms)
{
	struct kad_dht	*d;

	if (mode != KAD_MODE_CLIENT && mode != KAD_MODE_SERVER)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if (kad_table_init(&d->table, self, self_len) == -1 ||
	    (mode == KAD_MODE_SERVER &&
	    (d->provs = kad_providers_new(0, 0)) == NULL)) {
		kad_dht_free(d);
		return NULL;
	}
	d->mode = mode;
	memcpy(d->self, self, self_len);
	d->self_len = self_len;
	d->ops = ops;
	d->arg = arg;
	d->next_token = 1;
	d->next_refresh_ms = now_ms + KAD_REFRESH_MS;
	d->next_fixlow_ms = now_ms + KAD_FIXLOW_MS;
	d->sweep_ms = KAD_SWEEP_MS;
	d->next_sweep_ms = now_ms + KAD_SWEEP_MS;
	return d;
}

void
kad_dht_free(struct kad_dht *d)
{
	int	i;

	if (d == NULL)
		return;
	for (i = 0; i < KAD_RUNS_MAX; i++)
		kad_lookup_free(d->runs[i].lk);
	kad_providers_free(d->provs);
	kad_table_fini(&d->table);
	free(d);
}

void
kad_dht_set_sweep(struct kad_dht *d, uint64_t every_ms)
{
	if (every_ms == 0)
		return;
	d->next_sweep_ms = d->next_sweep_ms - d->sweep_ms + every_ms;
	d->sweep_ms = every_ms;
}

int
kad_dht_mode(const struct kad_dht *d)
{
	return d->mode;
}

const struct kad_table *
kad_dht_table(const struct kad_dht *d)
{
	return &d->table;
}

void
kad_dht_stats(const struct kad_dht *d, struct kad_dht_stats *st)
{
	*st = d->st;
}

int
kad_dht_peer_identified(struct kad_dht *d, const uint8_t *id, size_t len,
    int server, uint64_t now_ms)
{
	if (!server) {
		(void)kad_table_remove(&d->table, id, len);
		return -1;
	}
	return kad_table_add(&d->table, id, len, server, now_ms) >= 0 ? 0 : -1;
}

static int
topic_find(const struct kad_dht *d, const char *topic)
{
	int	i;

	for (i = 0; i < d->ntopics; i++)
		if (strcmp(d->topics[i].name, topic) == 0)
			return i;
	return -1;
}

int
kad_dht_topic_add(struct kad_dht *d, const char *topic, uint64_t now_ms)
{
	struct topic	*t;
	int		 i;

	if ((i = topic_find(d, topic)) == -1) {
		if (d->ntopics == KAD_TOPICS_MAX ||
		    strlen(topic) >= KAD_TOPIC_MAX)
			return -1;
		i = d->ntopics++;
		t = &d->topics[i];
		memset(t, 0, sizeof(*t));
		strcpy(t->name, topic);
		kad_topic_key(topic, t->key);
	}
	/* a new subscription provides and looks up again right away */
	d->topics[i].next_provide_ms = now_ms;
	d->topics[i].next_find_ms = now_ms + KAD_FIND_FIRST_MS;
	return 0;
}

static void
run_end(struct run *r)
{
	kad_lookup_free(r->lk);
	memset(r, 0, sizeof(*r));
}

void
kad_dht_topic_remove(struct kad_dht *d, const char *topic)
{
	int	i, j;

	if ((i = topic_find(d, topic)) == -1)
		return;
	for (j = 0; j < KAD_RUNS_MAX; j++) {
		if (d->runs[j].lk != NULL && d->runs[j].topic == i)
			run_end(&d->runs[j]);
		else if (d->runs[j].lk != NULL && d->runs[j].topic > i)
			d->runs[j].topic--;
	}
	memmove(&d->topics[i], &d->topics[i + 1],
	    (size_t)(d->ntopics - i - 1) * sizeof(d->topics[0]));
	d->ntopics--;
}

int
kad_dht_serve(struct kad_dht *d, const uint8_t *from, size_t from_len,
    const struct kad_msg *req, struct kad_msg *resp, uint64_t now_ms)
{
	struct kad_server_ops	sops = { d->ops->addrs };
	size_t			rejected;
	int			rc;

	if (d->mode != KAD_MODE_SERVER) {
		(void)kad_msg_init(resp, req->type, NULL, 0);
		return KAD_SERVE_ERROR;
	}
	rc = kad_server_handle(&d->table, d->provs, &sops, d->arg, from,
	    from_len, req, resp, &rejected, now_ms);
	d->st.served++;
	d->st.provider_rejected += rejected;
	if (rc == KAD_SERVE_ERROR)
		d->st.serve_errors++;
	return rc;
}

static struct run *
run_of_lookup(struct kad_dht *d, const struct kad_lookup *lk)
{
	int	i;

	for (i = 0; i < KAD_RUNS_MAX; i++)
		if (d->runs[i].lk == lk)
			return &d->runs[i];
	return NULL;
}

static struct run *
run_of_token(struct kad_dht *d, uint64_t token)
{
	int	i;

	for (i = 0; token != 0 && i < KAD_RUNS_MAX; i++)
		if (d->runs[i].lk != NULL && d->runs[i].token == token)
			return &d->runs[i];
	return NULL;
}

static int
l_query(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	struct kad_dht	*d = arg;
	struct run	*r = run_of_lookup(d, lk);
	struct kad_msg	 req;
	const uint8_t	*key;
	size_t		 klen;
	int		 rc;

	if (r == NULL)
		return -1;
	key = kad_lookup_key(lk, &klen);
	(void)kad_msg_init(&req, kad_lookup_type(lk), key, klen);
	rc = d->ops->request(d->arg, p, &req, r->token);
	kad_msg_fini(&req);
	if (rc == 0)
		d->st.queries++;
	return rc;
}

static void
l_provider(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	struct kad_dht	*d = arg;
	struct run	*r = run_of_lookup(d, lk);

	if (r == NULL || r->topic < 0 ||
	    kad_peer_id_equal(p, d->self, d->self_len))
		return;
	d->st.providers_found++;
	d->ops->found(d->arg, d->topics[r->topic].name, p);
}

/* Tell the closest peers that we provide the topic's key. */
static void
send_add_provider(struct kad_dht *d, struct run *r, uint64_t now_ms)
{
	const struct kad_peer	*closest[KAD_K];
	struct topic		*t = &d->topics[r->topic];
	struct kad_msg		 req;
	struct kad_peer		 me;
	size_t			 n, i;

	n = kad_lookup_closest(r->lk, closest, KAD_K);
	if (n == 0 || d->ops->addrs(d->arg, d->self, d->self_len, &me) != 0) {
		t->next_provide_ms = now_ms + KAD_PROVIDE_RETRY_MS;
		return;
	}
	(void)kad_msg_init(&req, KAD_ADD_PROVIDER, t->key, sizeof(t->key));
	(void)kad_msg_add_provider(&req, &me);
	for (i = 0; i < n; i++)
		if (d->ops->request(d->arg, closest[i], &req, 0) == 0)
			d->st.add_provider_sent++;
	kad_msg_fini(&req);
	/* go-libp2p-kad-dht also keeps its own record */
	if (d->provs != NULL)
		(void)kad_providers_add(d->provs, t->key, sizeof(t->key), &me,
		    now_ms);
	d->st.provides++;
}

static void
run_step(struct kad_dht *d, struct run *r, uint64_t now_ms)
{
	int	state = kad_lookup_step(r->lk, now_ms);

	if (state == KAD_LOOKUP_RUNNING)
		return;
	if (r->kind == RUN_PROVIDE)
		send_add_provider(d, r, now_ms);
	run_end(r);
}

/*
 * Start a lookup seeded with the table's k closest (with the addresses the
 * host knows for them); NULL if it cannot.
 */
static struct run *
run_start(struct kad_dht *d, int kind, int type, const uint8_t *key,
    size_t klen, int topic, uint64_t now_ms)
{
	const struct kad_entry	*near[KAD_K];
	struct kad_peer		 p;
	struct run		*r = NULL;
	size_t			 n, i;
	int			 j;

	for (j = 0; j < KAD_RUNS_MAX && r == NULL; j++)
		if (d->runs[j].lk == NULL)
			r = &d->runs[j];
	n = kad_table_closest(&d->table, key, klen, NULL, 0, near, KAD_K);
	if (r == NULL || n == 0 || (r->lk = kad_lookup_new(type, key, klen,
	    NULL, &lookup_ops, d, now_ms)) == NULL)
		return NULL;
	r->kind = kind;
	r->topic = topic;
	r->token = d->next_token++;
	kad_lookup_set_self(r->lk, d->self, d->self_len);
	for (i = 0; i < n; i++)
		if (d->ops->addrs(d->arg, near[i]->id, near[i]->id_len,
		    &p) == 0 || kad_peer_set(&p, near[i]->id,
		    near[i]->id_len) == 0)
			(void)kad_lookup_seed(r->lk, &p);
	d->st.lookups++;
	run_step(d, r, now_ms);
	return r;
}

static int
topic_busy(const struct kad_dht *d, int topic, int kind)
{
	int	i;

	for (i = 0; i < KAD_RUNS_MAX; i++)
		if (d->runs[i].lk != NULL && d->runs[i].topic == topic &&
		    d->runs[i].kind == kind)
			return 1;
	return 0;
}

void
kad_dht_answer(struct kad_dht *d, uint64_t token, const uint8_t *from,
    size_t from_len, const struct kad_msg *m, uint64_t now_ms)
{
	struct run	*r = run_of_token(d, token);
	int		 added;

	if (r == NULL)
		return;		/* the lookup ended meanwhile */
	if ((added = kad_lookup_reply(r->lk, from, from_len, m, now_ms)) < 0)
		return;
	d->st.answers++;
	/* it answered a DHT query, so it is a server (go's peerFound) */
	(void)kad_table_add(&d->table, from, from_len, 1, now_ms);
	if (added > 0)
		kad_table_mark_useful(&d->table, from, from_len, now_ms);
	else
		kad_table_mark_seen(&d->table, from, from_len, now_ms);
	run_step(d, r, now_ms);
}

void
kad_dht_failed(struct kad_dht *d, uint64_t token, const uint8_t *from,
    size_t from_len, uint64_t now_ms)
{
	struct run	*r = run_of_token(d, token);

	if (r == NULL || kad_lookup_fail(r->lk, from, from_len) == -1)
		return;
	d->st.failures++;
	run_step(d, r, now_ms);
}

/*
 * The providers of topic i our own store holds (we may be among the k
 * closest to its key), reported before asking the network, as
 * go-libp2p-kad-dht's findProvidersAsync does.
 */
static void
find_local(struct kad_dht *d, int i, uint64_t now_ms)
{
	struct kad_peer	p[KAD_K];
	size_t		n, j;

	if (d->provs == NULL)
		return;
	n = kad_providers_get(d->provs, d->topics[i].key,
	    sizeof(d->topics[i].key), now_ms, p, KAD_K);
	for (j = 0; j < n; j++)
		if (!kad_peer_id_equal(&p[j], d->self, d->self_len)) {
			d->st.providers_found++;
			d->ops->found(d->arg, d->topics[i].name, &p[j]);
		}
}

static void
tick_topics(struct kad_dht *d, uint64_t now_ms)
{
	struct topic	*t;
	int		 i;

	for (i = 0; i < d->ntopics; i++) {
		t = &d->topics[i];
		if (now_ms >= t->next_find_ms && !topic_busy(d, i, RUN_FIND) &&
		    run_start(d, RUN_FIND, KAD_GET_PROVIDERS, t->key,
		    sizeof(t->key), i, now_ms) != NULL) {
			t->next_find_ms = now_ms + KAD_FIND_EVERY_MS;
			find_local(d, i, now_ms);
		}
		if (now_ms >= t->next_provide_ms &&
		    !topic_busy(d, i, RUN_PROVIDE) &&
		    run_start(d, RUN_PROVIDE, KAD_FIND_NODE, t->key,
		    sizeof(t->key), i, now_ms) != NULL)
			t->next_provide_ms = now_ms + KAD_REPROVIDE_MS;
	}
}

/* The refresh round: queue it every KAD_REFRESH_MS, run one at a time. */
static void
tick_refresh(struct kad_dht *d, uint64_t now_ms)
{
	uint8_t	key[KAD_REFRESH_KEY_LEN];
	int	cpls[KAD_REFRESH_CPL_MAX + 1], cpl, i, n;

	if (now_ms >= d->next_refresh_ms) {
		d->next_refresh_ms = now_ms + KAD_REFRESH_MS;
		d->refresh_todo = REFRESH_SELF;
		n = (int)kad_table_nonempty(&d->table, cpls, KAD_REFRESH_CPL_MAX +
		    1);
		for (i = 0; i < n; i++)
			if (cpls[i] <= KAD_REFRESH_CPL_MAX)
				d->refresh_todo |= 1u << cpls[i];
	}
	if (d->refresh_todo == 0)
		return;
	for (i = 0; i < KAD_RUNS_MAX; i++)
		if (d->runs[i].lk != NULL && d->runs[i].kind == RUN_REFRESH)
			return;
	/* each lookup is tried once a round: one that cannot start (no
	 * peers, no free run) waits for the next round */
	if (d->refresh_todo & REFRESH_SELF) {
		d->refresh_todo &= ~REFRESH_SELF;
		(void)run_start(d, RUN_REFRESH, KAD_FIND_NODE, d->self,
		    d->self_len, -1, now_ms);
		return;
	}
	cpl = __builtin_ctz(d->refresh_todo);
	d->refresh_todo &= ~(1u << cpl);
	if (kad_table_random_key(&d->table, cpl, key) == 0) {
		d->st.refreshes++;
		(void)run_start(d, RUN_REFRESH, KAD_FIND_NODE, key, sizeof(key),
		    -1, now_ms);
	}
}

void
kad_dht_tick(struct kad_dht *d, uint64_t now_ms)
{
	int	i;

	for (i = 0; i < KAD_RUNS_MAX; i++)
		if (d->runs[i].lk != NULL)
			run_step(d, &d->runs[i], now_ms);
	tick_topics(d, now_ms);
	tick_refresh(d, now_ms);
	if (now_ms >= d->next_fixlow_ms) {
		d->next_fixlow_ms = now_ms + KAD_FIXLOW_MS;
		if (d->table.size <= KAD_FIXLOW_PEERS && d->ops->want_peers)
			d->ops->want_peers(d->arg);
	}
	if (now_ms >= d->next_sweep_ms) {
		d->next_sweep_ms = now_ms + d->sweep_ms;
		if (d->provs != NULL)
			(void)kad_providers_sweep(d->provs, now_ms);
	}
}
