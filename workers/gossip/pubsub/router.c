/*
 * Gossip worker, pubsub router: the context, peers, topics, subscriptions,
 * the receive path of messages, publishing and the heartbeat's cache
 * ageing.  Owns every table (peers, topics, per peer-and-topic state, the
 * seen cache and the message cache); borrows the identity and the host's
 * callbacks.  The host feeds it RPCs read from each peer's inbound stream
 * and writes what ops->send gives it to that peer's outbound stream.
 * The mesh and control messages live in mesh.c, scoring in score.c, the
 * codec in rpc.c, the parameters in params.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "pubsub/internal.h"

#define SUBS_PER_RPC_MAX	1024	/* subscription changes read per RPC */

static uint64_t
wall_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct ps_router *
ps_new(const struct ps_ops *ops, void *arg,
    const struct p2p_identity *id,
    const struct ps_params *params)
{
	struct ps_router	*ps;
	size_t			 i;

	if (ps_params_check(params) != 0 || sodium_init() < 0)
		return NULL;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		abort();	/* out of memory */
	ps->ops = *ops;
	ps->arg = arg;
	ps->id = id;
	ps->p = *params;
	ps->peers = calloc(ps->p.max_peers, sizeof(*ps->peers));
	ps->topics = calloc(ps->p.max_topics, sizeof(*ps->topics));
	ps->promises = calloc(ps->p.max_promises + 1, sizeof(*ps->promises));
	ps->retained = calloc(ps->p.retain_max + 1, sizeof(*ps->retained));
	ps->tmp = calloc(ps->p.max_peers, sizeof(*ps->tmp));
	ps->scratchcap = ps->p.max_rpc_size + 64;
	ps->scratch = malloc(ps->scratchcap);
	if (ps->peers == NULL || ps->topics == NULL || ps->promises == NULL ||
	    ps->retained == NULL || ps->tmp == NULL || ps->scratch == NULL)
		abort();	/* out of memory */
	for (i = 0; i < ps->p.max_peers; i++) {
		ps->peers[i].pt = calloc(ps->p.max_topics,
		    sizeof(*ps->peers[i].pt));
		if (ps->peers[i].pt == NULL)
			abort();	/* out of memory */
	}
	if (ps_ring_init(&ps->seen, ps->p.seen_max) != 0 ||
	    ps_ring_init(&ps->mcache, ps->p.mcache_max) != 0) {
		ps_free(ps);
		return NULL;
	}
	ps->seqno = ps->p.seqno_start ? ps->p.seqno_start : wall_ns();
	ps->rng = ps->p.seed;
	if (ps->rng == 0)
		randombytes_buf(&ps->rng, sizeof(ps->rng));
	return ps;
}

void
ps_free(struct ps_router *ps)
{
	size_t	i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->p.max_peers; i++)
		free(ps->peers[i].pt);
	for (i = 0; i < ps->p.max_topics; i++)
		free(ps->topics[i].gossip);
	ps_ring_fini(&ps->seen);
	ps_ring_fini(&ps->mcache);
	free(ps->peers);
	free(ps->topics);
	free(ps->promises);
	free(ps->retained);
	free(ps->tmp);
	free(ps->scratch);
	free(ps);
}

uint64_t
ps_now(struct ps_router *ps)
{
	return ps->ops.now_ms(ps->arg);
}

uint64_t
ps_rand(struct ps_router *ps)
{
	uint64_t	z = (ps->rng += 0x9e3779b97f4a7c15ull);	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
ps_shuffle(struct ps_router *ps, uint32_t *v, size_t n)
{
	size_t		i, j;
	uint32_t	x;

	for (i = n; i > 1; i--) {
		j = (size_t)(ps_rand(ps) % i);
		x = v[i - 1];
		v[i - 1] = v[j];
		v[j] = x;
	}
}

int
ps_send(struct ps_router *ps, struct ps_peer *p,
    const uint8_t *rpc, size_t len)
{
	if (ps->ops.send(ps->arg, p->id, rpc, len) != 0) {
		ps->st.send_failed++;
		return -1;
	}
	ps->st.rpc_out++;
	return 0;
}

void
ps_peer_penalize(struct ps_router *ps,
    struct ps_peer *p)
{
	if (ps->ops.penalize != NULL)
		ps->ops.penalize(ps->arg, p->id, PS_PENALTY);
}

static struct ps_peer *
peer_find(const struct ps_router *ps, const char *id)
{
	size_t	i;

	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used && strcmp(ps->peers[i].id, id) == 0)
			return &ps->peers[i];
	return NULL;
}

uint32_t
ps_topic_find(const struct ps_router *ps, const uint8_t *name,
    size_t len)
{
	size_t	t;

	for (t = 0; t < ps->p.max_topics; t++)
		if (ps->topics[t].used && ps->topics[t].len == len &&
		    memcmp(ps->topics[t].name, name, len) == 0)
			return (uint32_t)t;
	return PS_NONE;
}

/* Clear slot t everywhere; invalid-message counts move to the residue. */
static void
topic_release(struct ps_router *ps, uint32_t t)
{
	struct ps_ent	*e;
	struct ps_peer	*p;
	size_t				 i;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		p->p4_residue += p->pt[t].p4 * p->pt[t].p4;
		memset(&p->pt[t], 0, sizeof(p->pt[t]));
	}
	for (i = 0; (e = ps_ring_newest(&ps->mcache, i)) != NULL;
	    i++)
		if (e->topic == t)
			e->topic = PS_NONE;
	free(ps->topics[t].gossip);
	memset(&ps->topics[t], 0, sizeof(ps->topics[t]));
}

void
ps_topic_gc(struct ps_router *ps, uint32_t t)
{
	struct ps_topic	*tp = &ps->topics[t];

	if (tp->used && !tp->joined && tp->nsubs == 0 && tp->lastpub == 0)
		topic_release(ps, t);
}

/* A slot for name; with evict, a topic we have not joined may give way. */
static uint32_t
topic_add(struct ps_router *ps, const uint8_t *name, size_t len,
    int evict)
{
	uint32_t	t, victim = PS_NONE;

	for (t = 0; t < ps->p.max_topics; t++) {
		if (!ps->topics[t].used)
			break;
		if (!ps->topics[t].joined && (victim == PS_NONE ||
		    ps->topics[t].nsubs < ps->topics[victim].nsubs))
			victim = t;
	}
	if (t == ps->p.max_topics) {
		if (!evict || victim == PS_NONE) {
			ps->st.topics_full++;
			return PS_NONE;
		}
		topic_release(ps, victim);
		t = victim;
	}
	ps->topics[t].used = 1;
	memcpy(ps->topics[t].name, name, len);
	ps->topics[t].name[len] = '\0';
	ps->topics[t].len = len;
	return t;
}

int
ps_add_peer(struct ps_router *ps, const char *peer,
    enum ps_proto proto, int outbound, const char *ip)
{
	struct ps_peer	*p = NULL;
	struct ps_buf	 w = { 0 };
	struct p2p_peer_id		 bid;
	size_t				 i;

	if (peer_find(ps, peer) != NULL || strlen(peer) >=
	    P2P_PEER_ID_TEXT_MAX ||
	    p2p_identity_peer_id_parse(peer, strlen(peer), &bid) != 0)
		return -1;
	for (i = 0; i < ps->p.max_peers && p == NULL; i++)
		if (!ps->peers[i].used)
			p = &ps->peers[i];
	if (p == NULL) {
		ps->st.peers_full++;
		return -1;
	}
	memset(p->pt, 0, ps->p.max_topics * sizeof(*p->pt));
	p->used = 1;
	strcpy(p->id, peer);
	p->bid = bid;
	p->proto = proto;
	p->outbound = outbound;
	p->ip[0] = '\0';
	if (ip != NULL && strlen(ip) < sizeof(p->ip))
		strcpy(p->ip, ip);
	p->p7 = p->p4_residue = 0;
	p->ihave_count = p->iasked = p->iwant_served = 0;
	p->pending = 0;
	ps_score_restore(ps, p);
	ps_score_refresh(ps);
	ps->st.peers++;
	/* hello: our subscriptions first */
	for (i = 0; i < ps->p.max_topics; i++)
		if (ps->topics[i].joined)
			ps_rpc_sub(&w, 1, ps->topics[i].name,
			    ps->topics[i].len);
	if (w.len > 0)
		(void)ps_send(ps, p, w.b, w.len);
	ps_buf_free(&w);
	return 0;
}

void
ps_remove_peer(struct ps_router *ps, const char *peer)
{
	struct ps_peer	*p = peer_find(ps, peer);
	uint32_t			 t;
	size_t				 i;

	if (p == NULL)
		return;
	ps_score_retain(ps, p);
	for (t = 0; t < ps->p.max_topics; t++)
		if (p->pt[t].flags & PS_PT_SUB)
			ps->topics[t].nsubs--;
	for (i = 0; i < ps->npromises; ) {
		if (ps->promises[i].peer == (uint32_t)(p - ps->peers))
			ps->promises[i] = ps->promises[--ps->npromises];
		else
			i++;
	}
	memset(p->pt, 0, ps->p.max_topics * sizeof(*p->pt));
	p->used = 0;
	ps->st.peers--;
	for (t = 0; t < ps->p.max_topics; t++)
		ps_topic_gc(ps, t);
	ps_score_refresh(ps);
}

static void
handle_sub(struct ps_router *ps, struct ps_peer *p,
    const Libp2pPubsub__RPC__SubOpts *so)
{
	struct ps_pt	*pt;
	uint32_t		 t;

	if (!so->has_topicid ||
	    !ps_topic_ok(so->topicid.data, so->topicid.len))
		return;
	t = ps_topic_find(ps, so->topicid.data, so->topicid.len);
	if (so->subscribe) {
		if (t == PS_NONE)
			t = topic_add(ps, so->topicid.data, so->topicid.len, 0);
		if (t == PS_NONE)
			return;
		if (!(p->pt[t].flags & PS_PT_SUB)) {
			p->pt[t].flags |= PS_PT_SUB;
			ps->topics[t].nsubs++;
		}
		return;
	}
	if (t == PS_NONE)
		return;
	pt = &p->pt[t];
	if (pt->flags & PS_PT_SUB)
		ps->topics[t].nsubs--;
	pt->flags &= (uint8_t)~(PS_PT_SUB | PS_PT_MESH |
	    PS_PT_FANOUT);
	ps_topic_gc(ps, t);
}

/* Send a message's publish RPC on topic t to its mesh and floodsub peers. */
static void
forward(struct ps_router *ps, uint32_t t, struct ps_peer *src,
    const struct p2p_peer_id *author, const uint8_t *rpc, size_t len)
{
	struct ps_peer	*q;
	size_t				 i;
	uint8_t				 f;

	for (i = 0; i < ps->p.max_peers; i++) {
		q = &ps->peers[i];
		if (!q->used || q == src ||
		    p2p_identity_peer_id_equal(&q->bid, author))
			continue;
		f = q->pt[t].flags;
		if (q->proto == PS_FLOODSUB ?
		    !(f & PS_PT_SUB) ||
		    q->score < ps->p.publish_threshold :
		    !(f & PS_PT_MESH))
			continue;
		if (ps_send(ps, q, rpc, len) == 0)
			ps->st.msg_forwarded++;
	}
}

static void
msg_invalid(struct ps_router *ps, struct ps_peer *p,
    uint32_t t)
{
	ps->st.msg_invalid++;
	ps_score_invalid(ps, p, t);
	ps_peer_penalize(ps, p);
}

/* Cache a validated message's publish RPC; the mcache takes ownership. */
static struct ps_ent *
msg_cache(struct ps_router *ps, const uint8_t *id, size_t idlen,
    uint32_t t, uint8_t *rpc, size_t rpclen)
{
	struct ps_ent	*e;
	uint64_t			 ev = ps->mcache.evicted;

	if (ps_ring_add(&ps->seen, id, idlen,
	    ps_now(ps)) == NULL ||
	    (e = ps_ring_add(&ps->mcache, id, idlen,
	    ps->gen)) == NULL) {
		free(rpc);
		return NULL;
	}
	ps->st.mcache_evicted += ps->mcache.evicted - ev;
	e->topic = t;
	e->rpc = rpc;
	e->rpclen = rpclen;
	return e;
}

static void
handle_msg(struct ps_router *ps, struct ps_peer *p,
    const Libp2pPubsub__Message *pm)
{
	struct ps_msg	 m;
	struct ps_ent	*e;
	struct p2p_peer_id		 author;
	char				 atext[P2P_PEER_ID_TEXT_MAX];
	uint8_t				 id[PS_MSGID_MAX], *rpc;
	size_t				 idlen, n, rpclen;
	uint32_t			 t;
	int				 rc;

	ps->st.msg_in++;
	ps_msg_view(pm, &m);
	if (!m.has_topic || !ps_topic_ok(m.topic, m.topic_len)) {
		msg_invalid(ps, p, PS_NONE);
		return;
	}
	t = ps_topic_find(ps, m.topic, m.topic_len);
	if (t == PS_NONE || !ps->topics[t].joined) {
		ps->st.msg_not_joined++;
		return;
	}
	if (m.seqno_len != PS_SEQNO_LEN ||
	    ps_msg_id(&m, id, &idlen) != 0) {
		msg_invalid(ps, p, t);
		return;
	}
	if (ps_ring_find(&ps->seen, id, idlen) != NULL) {
		ps->st.msg_duplicate++;
		return;
	}
	if (m.from_len == ps->id->peer_id.len &&
	    memcmp(m.from, ps->id->peer_id.bytes, m.from_len) == 0) {
		ps->st.msg_self++;
		return;
	}
	rc = ps_msg_verify(&m, ps->scratch, ps->scratchcap);
	if (rc != PS_OK) {
		if (rc == PS_ESIG || rc == PS_ENOSIG ||
		    rc == PS_EKEY)
			ps->st.msg_bad_sig++;
		msg_invalid(ps, p, t);
		return;
	}
	ps_mesh_promise_kept(ps, id, idlen);
	/* forward our canonical encoding, wrapped once for every peer */
	n = ps_msg_size(&m, 1);
	if (n > ps->scratchcap)
		return;
	ps_msg_encode(&m, 1, ps->scratch);
	ps_rpc_wrap(ps->scratch, n, &rpc, &rpclen);
	if ((e = msg_cache(ps, id, idlen, t, rpc, rpclen)) == NULL)
		return;
	memcpy(author.bytes, m.from, m.from_len);
	author.len = m.from_len;
	if (p2p_identity_peer_id_format(&author, atext, sizeof(atext)) != 0)
		atext[0] = '\0';
	ps->st.msg_delivered++;
	ps->ops.deliver(ps->arg, ps->topics[t].name, atext, p->id, m.data,
	    m.data_len);
	forward(ps, t, p, &author, e->rpc, e->rpclen);
}

int
ps_recv(struct ps_router *ps, const char *peer,
    const uint8_t *buf, size_t len)
{
	struct ps_peer	*p = peer_find(ps, peer);
	Libp2pPubsub__RPC		*rpc;
	size_t				 i;

	if (p == NULL) {
		ps->st.rpc_unknown_peer++;
		return -1;
	}
	ps->st.rpc_in++;
	if (len > ps->p.max_rpc_size) {
		ps->st.rpc_too_big++;
		ps_peer_penalize(ps, p);
		return -1;
	}
	if ((rpc = ps_rpc_decode(buf, len)) == NULL) {
		ps->st.rpc_garbage++;
		ps_score_behaviour(ps, p, 1);
		ps_peer_penalize(ps, p);
		return -1;
	}
	for (i = 0; i < rpc->n_subscriptions && i < SUBS_PER_RPC_MAX; i++)
		handle_sub(ps, p, rpc->subscriptions[i]);
	if (p->score < ps->p.graylist_threshold) {
		ps->st.rpc_graylisted++;
		libp2p_pubsub__rpc__free_unpacked(rpc, NULL);
		return 0;
	}
	for (i = 0; i < rpc->n_publish; i++)
		handle_msg(ps, p, rpc->publish[i]);
	if (rpc->control != NULL && p->proto != PS_FLOODSUB)
		ps_mesh_control(ps, p, rpc->control);
	libp2p_pubsub__rpc__free_unpacked(rpc, NULL);
	if (p->used && p->pending)
		ps_mesh_flush(ps, p, NULL);
	return 0;
}

/* Tell every peer about our (un)subscription, with pending control. */
static void
announce(struct ps_router *ps, uint32_t t, int subscribe)
{
	struct ps_buf	w = { 0 };
	size_t				i;

	ps_rpc_sub(&w, subscribe, ps->topics[t].name,
	    ps->topics[t].len);
	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used)
			ps_mesh_flush(ps, &ps->peers[i], &w);
	ps_buf_free(&w);
}

int
ps_join(struct ps_router *ps, const char *topic)
{
	size_t		len = strlen(topic);
	uint32_t	t;

	if (!ps_topic_ok((const uint8_t *)topic, len))
		return -1;
	t = ps_topic_find(ps, (const uint8_t *)topic, len);
	if (t != PS_NONE && ps->topics[t].joined)
		return 0;
	if (t == PS_NONE &&
	    (t = topic_add(ps, (const uint8_t *)topic, len, 1)) ==
	    PS_NONE)
		return -1;
	ps->topics[t].joined = 1;
	ps->st.topics_joined++;
	ps_mesh_join(ps, t);
	announce(ps, t, 1);
	return 0;
}

const char *
ps_joined(const struct ps_router *ps, size_t i)
{
	size_t	t;

	for (t = 0; t < ps->p.max_topics; t++)
		if (ps->topics[t].used && ps->topics[t].joined && i-- == 0)
			return ps->topics[t].name;
	return NULL;
}

int
ps_leave(struct ps_router *ps, const char *topic)
{
	uint32_t	t;

	t = ps_topic_find(ps, (const uint8_t *)topic,
	    strlen(topic));
	if (t == PS_NONE || !ps->topics[t].joined)
		return -1;
	ps_mesh_leave(ps, t);
	ps->topics[t].joined = 0;
	ps->st.topics_joined--;
	announce(ps, t, 0);
	ps_topic_gc(ps, t);
	return 0;
}

int
ps_publish(struct ps_router *ps, const char *topic,
    const uint8_t *data, size_t len)
{
	struct ps_ent	*e;
	uint8_t				*msg, *rpc, id[PS_MSGID_MAX];
	size_t				 tlen = strlen(topic), msglen, rpclen;
	size_t				 idlen, i, n;
	uint32_t			 t;
	uint64_t			 seqno = ps->seqno++;

	if (len > ps->p.max_rpc_size ||
	    ps_msg_sign(ps->id, (const uint8_t *)topic, tlen, data,
	    len, seqno, &msg, &msglen) != 0)
		return -1;
	ps_rpc_wrap(msg, msglen, &rpc, &rpclen);
	free(msg);
	if (rpclen > ps->p.max_rpc_size) {
		free(rpc);
		return -1;
	}
	memcpy(id, ps->id->peer_id.bytes, ps->id->peer_id.len);
	idlen = ps->id->peer_id.len;
	for (i = 0; i < PS_SEQNO_LEN; i++)
		id[idlen++] = (uint8_t)(seqno >> (56 - 8 * i));
	t = ps_topic_find(ps, (const uint8_t *)topic, tlen);
	if ((e = msg_cache(ps, id, idlen, t, rpc, rpclen)) == NULL)
		return -1;
	ps->st.msg_published++;
	if (t == PS_NONE)
		return 0;	/* nobody we know subscribes */
	n = ps_mesh_publish_peers(ps, t);
	for (i = 0; i < n; i++)
		(void)ps_send(ps, &ps->peers[ps->tmp[i]], e->rpc,
		    e->rpclen);
	return 0;
}

void
ps_heartbeat(struct ps_router *ps)
{
	uint64_t	now = ps_now(ps), ev = ps->seen.evicted;
	size_t		i;

	ps_score_decay(ps);
	for (i = 0; i < ps->p.max_peers; i++) {
		ps->peers[i].ihave_count = 0;
		ps->peers[i].iasked = 0;
		ps->peers[i].iwant_served = 0;
	}
	ps_mesh_heartbeat(ps);
	/* age the caches after the gossip that borrowed from them went out */
	ps->gen++;
	if (ps->gen >= (uint64_t)ps->p.history_length)
		ps_ring_expire(&ps->mcache,
		    ps->gen - (uint64_t)ps->p.history_length + 1);
	if (now > ps->p.seen_ttl_ms)
		ps_ring_expire(&ps->seen, now - ps->p.seen_ttl_ms);
	ps->st.seen_evicted += ps->seen.evicted - ev;
}

void
ps_stats(const struct ps_router *ps,
    struct ps_stats *out)
{
	*out = ps->st;
}

int
ps_peer_score(const struct ps_router *ps, const char *peer,
    double *score)
{
	const struct ps_peer	*p = peer_find(ps, peer);

	if (p == NULL)
		return -1;
	*score = p->score;
	return 0;
}

int
ps_peer_misbehaved(struct ps_router *ps, const char *peer, double n)
{
	struct ps_peer	*p = peer_find(ps, peer);

	if (p == NULL)
		return -1;
	ps_score_behaviour(ps, p, n);
	return 0;
}

size_t
ps_mesh_count(const struct ps_router *ps, const char *topic)
{
	uint32_t	t;
	size_t		i, n = 0;

	t = ps_topic_find(ps, (const uint8_t *)topic,
	    strlen(topic));
	if (t == PS_NONE)
		return 0;
	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used &&
		    (ps->peers[i].pt[t].flags & PS_PT_MESH))
			n++;
	return n;
}

int
ps_in_mesh(const struct ps_router *ps, const char *topic,
    const char *peer)
{
	const struct ps_peer	*p = peer_find(ps, peer);
	uint32_t			 t;

	t = ps_topic_find(ps, (const uint8_t *)topic,
	    strlen(topic));
	return p != NULL && t != PS_NONE &&
	    (p->pt[t].flags & PS_PT_MESH) != 0;
}
