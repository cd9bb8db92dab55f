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

struct gossip_pubsub *
gossip_pubsub_new(const struct gossip_pubsub_ops *ops, void *arg,
    const struct gossip_identity *id,
    const struct gossip_pubsub_params *params)
{
	struct gossip_pubsub	*ps;
	size_t			 i;

	if (gossip_pubsub_params_check(params) != 0 || sodium_init() < 0)
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
	if (gossip_pubsub_ring_init(&ps->seen, ps->p.seen_max) != 0 ||
	    gossip_pubsub_ring_init(&ps->mcache, ps->p.mcache_max) != 0) {
		gossip_pubsub_free(ps);
		return NULL;
	}
	ps->seqno = ps->p.seqno_start ? ps->p.seqno_start : wall_ns();
	ps->rng = ps->p.seed;
	if (ps->rng == 0)
		randombytes_buf(&ps->rng, sizeof(ps->rng));
	return ps;
}

void
gossip_pubsub_free(struct gossip_pubsub *ps)
{
	size_t	i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->p.max_peers; i++)
		free(ps->peers[i].pt);
	for (i = 0; i < ps->p.max_topics; i++)
		free(ps->topics[i].gossip);
	gossip_pubsub_ring_fini(&ps->seen);
	gossip_pubsub_ring_fini(&ps->mcache);
	free(ps->peers);
	free(ps->topics);
	free(ps->promises);
	free(ps->retained);
	free(ps->tmp);
	free(ps->scratch);
	free(ps);
}

uint64_t
gossip_pubsub_now(struct gossip_pubsub *ps)
{
	return ps->ops.now_ms(ps->arg);
}

uint64_t
gossip_pubsub_rand(struct gossip_pubsub *ps)
{
	uint64_t	z = (ps->rng += 0x9e3779b97f4a7c15ull);	/* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
gossip_pubsub_shuffle(struct gossip_pubsub *ps, uint32_t *v, size_t n)
{
	size_t		i, j;
	uint32_t	x;

	for (i = n; i > 1; i--) {
		j = (size_t)(gossip_pubsub_rand(ps) % i);
		x = v[i - 1];
		v[i - 1] = v[j];
		v[j] = x;
	}
}

int
gossip_pubsub_send(struct gossip_pubsub *ps, struct gossip_pubsub_peer *p,
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
gossip_pubsub_peer_penalize(struct gossip_pubsub *ps,
    struct gossip_pubsub_peer *p)
{
	if (ps->ops.penalize != NULL)
		ps->ops.penalize(ps->arg, p->id, GOSSIP_PUBSUB_PENALTY);
}

static struct gossip_pubsub_peer *
peer_find(const struct gossip_pubsub *ps, const char *id)
{
	size_t	i;

	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used && strcmp(ps->peers[i].id, id) == 0)
			return &ps->peers[i];
	return NULL;
}

uint32_t
gossip_pubsub_topic_find(const struct gossip_pubsub *ps, const uint8_t *name,
    size_t len)
{
	size_t	t;

	for (t = 0; t < ps->p.max_topics; t++)
		if (ps->topics[t].used && ps->topics[t].len == len &&
		    memcmp(ps->topics[t].name, name, len) == 0)
			return (uint32_t)t;
	return GOSSIP_PUBSUB_NONE;
}

/* Clear slot t everywhere; invalid-message counts move to the residue. */
static void
topic_release(struct gossip_pubsub *ps, uint32_t t)
{
	struct gossip_pubsub_ent	*e;
	struct gossip_pubsub_peer	*p;
	size_t				 i;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		p->p4_residue += p->pt[t].p4 * p->pt[t].p4;
		memset(&p->pt[t], 0, sizeof(p->pt[t]));
	}
	for (i = 0; (e = gossip_pubsub_ring_newest(&ps->mcache, i)) != NULL;
	    i++)
		if (e->topic == t)
			e->topic = GOSSIP_PUBSUB_NONE;
	free(ps->topics[t].gossip);
	memset(&ps->topics[t], 0, sizeof(ps->topics[t]));
}

void
gossip_pubsub_topic_gc(struct gossip_pubsub *ps, uint32_t t)
{
	struct gossip_pubsub_topic	*tp = &ps->topics[t];

	if (tp->used && !tp->joined && tp->nsubs == 0 && tp->lastpub == 0)
		topic_release(ps, t);
}

/* A slot for name; with evict, a topic we have not joined may give way. */
static uint32_t
topic_add(struct gossip_pubsub *ps, const uint8_t *name, size_t len,
    int evict)
{
	uint32_t	t, victim = GOSSIP_PUBSUB_NONE;

	for (t = 0; t < ps->p.max_topics; t++) {
		if (!ps->topics[t].used)
			break;
		if (!ps->topics[t].joined && (victim == GOSSIP_PUBSUB_NONE ||
		    ps->topics[t].nsubs < ps->topics[victim].nsubs))
			victim = t;
	}
	if (t == ps->p.max_topics) {
		if (!evict || victim == GOSSIP_PUBSUB_NONE) {
			ps->st.topics_full++;
			return GOSSIP_PUBSUB_NONE;
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
gossip_pubsub_add_peer(struct gossip_pubsub *ps, const char *peer,
    enum gossip_pubsub_proto proto, int outbound, const char *ip)
{
	struct gossip_pubsub_peer	*p = NULL;
	struct gossip_pubsub_buf	 w = { 0 };
	struct gossip_peer_id		 bid;
	size_t				 i;

	if (peer_find(ps, peer) != NULL || strlen(peer) >=
	    GOSSIP_PEER_ID_TEXT_MAX ||
	    gossip_identity_peer_id_parse(peer, strlen(peer), &bid) != 0)
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
	gossip_pubsub_score_restore(ps, p);
	gossip_pubsub_score_refresh(ps);
	ps->st.peers++;
	/* hello: our subscriptions first */
	for (i = 0; i < ps->p.max_topics; i++)
		if (ps->topics[i].joined)
			gossip_pubsub_rpc_sub(&w, 1, ps->topics[i].name,
			    ps->topics[i].len);
	if (w.len > 0)
		(void)gossip_pubsub_send(ps, p, w.b, w.len);
	gossip_pubsub_buf_free(&w);
	return 0;
}

void
gossip_pubsub_remove_peer(struct gossip_pubsub *ps, const char *peer)
{
	struct gossip_pubsub_peer	*p = peer_find(ps, peer);
	uint32_t			 t;
	size_t				 i;

	if (p == NULL)
		return;
	gossip_pubsub_score_retain(ps, p);
	for (t = 0; t < ps->p.max_topics; t++)
		if (p->pt[t].flags & GOSSIP_PUBSUB_PT_SUB)
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
		gossip_pubsub_topic_gc(ps, t);
	gossip_pubsub_score_refresh(ps);
}

static void
handle_sub(struct gossip_pubsub *ps, struct gossip_pubsub_peer *p,
    const Libp2pPubsub__RPC__SubOpts *so)
{
	struct gossip_pubsub_pt	*pt;
	uint32_t		 t;

	if (!so->has_topicid ||
	    !gossip_pubsub_topic_ok(so->topicid.data, so->topicid.len))
		return;
	t = gossip_pubsub_topic_find(ps, so->topicid.data, so->topicid.len);
	if (so->subscribe) {
		if (t == GOSSIP_PUBSUB_NONE)
			t = topic_add(ps, so->topicid.data, so->topicid.len, 0);
		if (t == GOSSIP_PUBSUB_NONE)
			return;
		if (!(p->pt[t].flags & GOSSIP_PUBSUB_PT_SUB)) {
			p->pt[t].flags |= GOSSIP_PUBSUB_PT_SUB;
			ps->topics[t].nsubs++;
		}
		return;
	}
	if (t == GOSSIP_PUBSUB_NONE)
		return;
	pt = &p->pt[t];
	if (pt->flags & GOSSIP_PUBSUB_PT_SUB)
		ps->topics[t].nsubs--;
	pt->flags &= (uint8_t)~(GOSSIP_PUBSUB_PT_SUB | GOSSIP_PUBSUB_PT_MESH |
	    GOSSIP_PUBSUB_PT_FANOUT);
	gossip_pubsub_topic_gc(ps, t);
}

/* Send a message's publish RPC on topic t to its mesh and floodsub peers. */
static void
forward(struct gossip_pubsub *ps, uint32_t t, struct gossip_pubsub_peer *src,
    const struct gossip_peer_id *author, const uint8_t *rpc, size_t len)
{
	struct gossip_pubsub_peer	*q;
	size_t				 i;
	uint8_t				 f;

	for (i = 0; i < ps->p.max_peers; i++) {
		q = &ps->peers[i];
		if (!q->used || q == src ||
		    gossip_identity_peer_id_equal(&q->bid, author))
			continue;
		f = q->pt[t].flags;
		if (q->proto == GOSSIP_PUBSUB_FLOODSUB ?
		    !(f & GOSSIP_PUBSUB_PT_SUB) ||
		    q->score < ps->p.publish_threshold :
		    !(f & GOSSIP_PUBSUB_PT_MESH))
			continue;
		if (gossip_pubsub_send(ps, q, rpc, len) == 0)
			ps->st.msg_forwarded++;
	}
}

static void
msg_invalid(struct gossip_pubsub *ps, struct gossip_pubsub_peer *p,
    uint32_t t)
{
	ps->st.msg_invalid++;
	gossip_pubsub_score_invalid(ps, p, t);
	gossip_pubsub_peer_penalize(ps, p);
}

/* Cache a validated message's publish RPC; the mcache takes ownership. */
static struct gossip_pubsub_ent *
msg_cache(struct gossip_pubsub *ps, const uint8_t *id, size_t idlen,
    uint32_t t, uint8_t *rpc, size_t rpclen)
{
	struct gossip_pubsub_ent	*e;
	uint64_t			 ev = ps->mcache.evicted;

	if (gossip_pubsub_ring_add(&ps->seen, id, idlen,
	    gossip_pubsub_now(ps)) == NULL ||
	    (e = gossip_pubsub_ring_add(&ps->mcache, id, idlen,
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
handle_msg(struct gossip_pubsub *ps, struct gossip_pubsub_peer *p,
    const Libp2pPubsub__Message *pm)
{
	struct gossip_pubsub_msg	 m;
	struct gossip_pubsub_ent	*e;
	struct gossip_peer_id		 author;
	char				 atext[GOSSIP_PEER_ID_TEXT_MAX];
	uint8_t				 id[GOSSIP_PUBSUB_MSGID_MAX], *rpc;
	size_t				 idlen, n, rpclen;
	uint32_t			 t;
	int				 rc;

	ps->st.msg_in++;
	gossip_pubsub_msg_view(pm, &m);
	if (!m.has_topic || !gossip_pubsub_topic_ok(m.topic, m.topic_len)) {
		msg_invalid(ps, p, GOSSIP_PUBSUB_NONE);
		return;
	}
	t = gossip_pubsub_topic_find(ps, m.topic, m.topic_len);
	if (t == GOSSIP_PUBSUB_NONE || !ps->topics[t].joined) {
		ps->st.msg_not_joined++;
		return;
	}
	if (m.seqno_len != GOSSIP_PUBSUB_SEQNO_LEN ||
	    gossip_pubsub_msg_id(&m, id, &idlen) != 0) {
		msg_invalid(ps, p, t);
		return;
	}
	if (gossip_pubsub_ring_find(&ps->seen, id, idlen) != NULL) {
		ps->st.msg_duplicate++;
		return;
	}
	if (m.from_len == ps->id->peer_id.len &&
	    memcmp(m.from, ps->id->peer_id.bytes, m.from_len) == 0) {
		ps->st.msg_self++;
		return;
	}
	rc = gossip_pubsub_msg_verify(&m, ps->scratch, ps->scratchcap);
	if (rc != GOSSIP_PUBSUB_OK) {
		if (rc == GOSSIP_PUBSUB_ESIG || rc == GOSSIP_PUBSUB_ENOSIG ||
		    rc == GOSSIP_PUBSUB_EKEY)
			ps->st.msg_bad_sig++;
		msg_invalid(ps, p, t);
		return;
	}
	gossip_pubsub_mesh_promise_kept(ps, id, idlen);
	/* forward our canonical encoding, wrapped once for every peer */
	n = gossip_pubsub_msg_size(&m, 1);
	if (n > ps->scratchcap)
		return;
	gossip_pubsub_msg_encode(&m, 1, ps->scratch);
	gossip_pubsub_rpc_wrap(ps->scratch, n, &rpc, &rpclen);
	if ((e = msg_cache(ps, id, idlen, t, rpc, rpclen)) == NULL)
		return;
	memcpy(author.bytes, m.from, m.from_len);
	author.len = m.from_len;
	if (gossip_identity_peer_id_format(&author, atext, sizeof(atext)) != 0)
		atext[0] = '\0';
	ps->st.msg_delivered++;
	ps->ops.deliver(ps->arg, ps->topics[t].name, atext, p->id, m.data,
	    m.data_len);
	forward(ps, t, p, &author, e->rpc, e->rpclen);
}

int
gossip_pubsub_recv(struct gossip_pubsub *ps, const char *peer,
    const uint8_t *buf, size_t len)
{
	struct gossip_pubsub_peer	*p = peer_find(ps, peer);
	Libp2pPubsub__RPC		*rpc;
	size_t				 i;

	if (p == NULL) {
		ps->st.rpc_unknown_peer++;
		return -1;
	}
	ps->st.rpc_in++;
	if (len > ps->p.max_rpc_size) {
		ps->st.rpc_too_big++;
		gossip_pubsub_peer_penalize(ps, p);
		return -1;
	}
	if ((rpc = gossip_pubsub_rpc_decode(buf, len)) == NULL) {
		ps->st.rpc_garbage++;
		gossip_pubsub_score_behaviour(ps, p, 1);
		gossip_pubsub_peer_penalize(ps, p);
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
	if (rpc->control != NULL && p->proto != GOSSIP_PUBSUB_FLOODSUB)
		gossip_pubsub_mesh_control(ps, p, rpc->control);
	libp2p_pubsub__rpc__free_unpacked(rpc, NULL);
	if (p->used && p->pending)
		gossip_pubsub_mesh_flush(ps, p, NULL);
	return 0;
}

/* Tell every peer about our (un)subscription, with pending control. */
static void
announce(struct gossip_pubsub *ps, uint32_t t, int subscribe)
{
	struct gossip_pubsub_buf	w = { 0 };
	size_t				i;

	gossip_pubsub_rpc_sub(&w, subscribe, ps->topics[t].name,
	    ps->topics[t].len);
	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used)
			gossip_pubsub_mesh_flush(ps, &ps->peers[i], &w);
	gossip_pubsub_buf_free(&w);
}

int
gossip_pubsub_join(struct gossip_pubsub *ps, const char *topic)
{
	size_t		len = strlen(topic);
	uint32_t	t;

	if (!gossip_pubsub_topic_ok((const uint8_t *)topic, len))
		return -1;
	t = gossip_pubsub_topic_find(ps, (const uint8_t *)topic, len);
	if (t != GOSSIP_PUBSUB_NONE && ps->topics[t].joined)
		return 0;
	if (t == GOSSIP_PUBSUB_NONE &&
	    (t = topic_add(ps, (const uint8_t *)topic, len, 1)) ==
	    GOSSIP_PUBSUB_NONE)
		return -1;
	ps->topics[t].joined = 1;
	ps->st.topics_joined++;
	gossip_pubsub_mesh_join(ps, t);
	announce(ps, t, 1);
	return 0;
}

int
gossip_pubsub_leave(struct gossip_pubsub *ps, const char *topic)
{
	uint32_t	t;

	t = gossip_pubsub_topic_find(ps, (const uint8_t *)topic,
	    strlen(topic));
	if (t == GOSSIP_PUBSUB_NONE || !ps->topics[t].joined)
		return -1;
	gossip_pubsub_mesh_leave(ps, t);
	ps->topics[t].joined = 0;
	ps->st.topics_joined--;
	announce(ps, t, 0);
	gossip_pubsub_topic_gc(ps, t);
	return 0;
}

int
gossip_pubsub_publish(struct gossip_pubsub *ps, const char *topic,
    const uint8_t *data, size_t len)
{
	struct gossip_pubsub_ent	*e;
	uint8_t				*msg, *rpc, id[GOSSIP_PUBSUB_MSGID_MAX];
	size_t				 tlen = strlen(topic), msglen, rpclen;
	size_t				 idlen, i, n;
	uint32_t			 t;
	uint64_t			 seqno = ps->seqno++;

	if (len > ps->p.max_rpc_size ||
	    gossip_pubsub_msg_sign(ps->id, (const uint8_t *)topic, tlen, data,
	    len, seqno, &msg, &msglen) != 0)
		return -1;
	gossip_pubsub_rpc_wrap(msg, msglen, &rpc, &rpclen);
	free(msg);
	if (rpclen > ps->p.max_rpc_size) {
		free(rpc);
		return -1;
	}
	memcpy(id, ps->id->peer_id.bytes, ps->id->peer_id.len);
	idlen = ps->id->peer_id.len;
	for (i = 0; i < GOSSIP_PUBSUB_SEQNO_LEN; i++)
		id[idlen++] = (uint8_t)(seqno >> (56 - 8 * i));
	t = gossip_pubsub_topic_find(ps, (const uint8_t *)topic, tlen);
	if ((e = msg_cache(ps, id, idlen, t, rpc, rpclen)) == NULL)
		return -1;
	ps->st.msg_published++;
	if (t == GOSSIP_PUBSUB_NONE)
		return 0;	/* nobody we know subscribes */
	n = gossip_pubsub_mesh_publish_peers(ps, t);
	for (i = 0; i < n; i++)
		(void)gossip_pubsub_send(ps, &ps->peers[ps->tmp[i]], e->rpc,
		    e->rpclen);
	return 0;
}

void
gossip_pubsub_heartbeat(struct gossip_pubsub *ps)
{
	uint64_t	now = gossip_pubsub_now(ps), ev = ps->seen.evicted;
	size_t		i;

	gossip_pubsub_score_decay(ps);
	for (i = 0; i < ps->p.max_peers; i++) {
		ps->peers[i].ihave_count = 0;
		ps->peers[i].iasked = 0;
		ps->peers[i].iwant_served = 0;
	}
	gossip_pubsub_mesh_heartbeat(ps);
	/* age the caches after the gossip that borrowed from them went out */
	ps->gen++;
	if (ps->gen >= (uint64_t)ps->p.history_length)
		gossip_pubsub_ring_expire(&ps->mcache,
		    ps->gen - (uint64_t)ps->p.history_length + 1);
	if (now > ps->p.seen_ttl_ms)
		gossip_pubsub_ring_expire(&ps->seen, now - ps->p.seen_ttl_ms);
	ps->st.seen_evicted += ps->seen.evicted - ev;
}

void
gossip_pubsub_stats(const struct gossip_pubsub *ps,
    struct gossip_pubsub_stats *out)
{
	*out = ps->st;
}

int
gossip_pubsub_peer_score(const struct gossip_pubsub *ps, const char *peer,
    double *score)
{
	const struct gossip_pubsub_peer	*p = peer_find(ps, peer);

	if (p == NULL)
		return -1;
	*score = p->score;
	return 0;
}

size_t
gossip_pubsub_mesh_count(const struct gossip_pubsub *ps, const char *topic)
{
	uint32_t	t;
	size_t		i, n = 0;

	t = gossip_pubsub_topic_find(ps, (const uint8_t *)topic,
	    strlen(topic));
	if (t == GOSSIP_PUBSUB_NONE)
		return 0;
	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used &&
		    (ps->peers[i].pt[t].flags & GOSSIP_PUBSUB_PT_MESH))
			n++;
	return n;
}

int
gossip_pubsub_in_mesh(const struct gossip_pubsub *ps, const char *topic,
    const char *peer)
{
	const struct gossip_pubsub_peer	*p = peer_find(ps, peer);
	uint32_t			 t;

	t = gossip_pubsub_topic_find(ps, (const uint8_t *)topic,
	    strlen(topic));
	return p != NULL && t != GOSSIP_PUBSUB_NONE &&
	    (p->pt[t].flags & GOSSIP_PUBSUB_PT_MESH) != 0;
}
