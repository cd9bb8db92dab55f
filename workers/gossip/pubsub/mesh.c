/*
 * Gossip worker, pubsub router: the gossipsub overlay.  Keeps each joined
 * topic's mesh between Dlo and Dhi (score-aware pruning with the Dscore and
 * Dout quotas, backoff after a PRUNE), the fanout of topics we publish to
 * without joining, and emits IHAVE gossip from the message cache to Dlazy
 * (or gossip_factor of the) other peers.  Answers the peers' IHAVE, IWANT,
 * GRAFT and PRUNE.  Control messages for a peer gather as flags in its
 * per-topic state and go out in one RPC per peer (mesh_flush).
 */
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

#define BACKOFF_MAX_S	(24 * 3600)	/* cap on a peer's PRUNE backoff */

static int
is_mesh_proto(const struct ps_peer *p)
{
	return p->used && p->proto != PS_FLOODSUB;
}

static int
has(const struct ps_peer *p, uint32_t t, uint8_t flag)
{
	return (p->pt[t].flags & flag) != 0;
}

/* May we GRAFT p on t now (subscribed, out of backoff with slack, >= 0)? */
static int
graftable(struct ps_router *ps, const struct ps_peer *p,
    uint32_t t, uint64_t now)
{
	uint64_t	until = p->pt[t].backoff_until;

	return is_mesh_proto(p) && has(p, t, PS_PT_SUB) &&
	    !has(p, t, PS_PT_MESH) && p->score >= 0 &&
	    (until == 0 || now >= until + 2 * (uint64_t)ps->p.heartbeat_ms);
}

static void
mesh_add(struct ps_peer *p, uint32_t t, int send_graft)
{
	p->pt[t].flags |= PS_PT_MESH;
	p->pt[t].flags &= (uint8_t)~(PS_PT_PRUNE |
	    PS_PT_FANOUT);
	if (send_graft) {
		p->pt[t].flags |= PS_PT_GRAFT;
		p->pending = 1;
	}
}

static void
backoff(struct ps_pt *pt, uint64_t until)
{
	if (pt->backoff_until < until)
		pt->backoff_until = until;
}

static void
mesh_prune(struct ps_router *ps, struct ps_peer *p,
    uint32_t t, uint32_t backoff_ms)
{
	p->pt[t].flags &= (uint8_t)~(PS_PT_MESH |
	    PS_PT_GRAFT | PS_PT_PX);
	p->pt[t].flags |= PS_PT_PRUNE;
	p->pending = 1;
	backoff(&p->pt[t], ps_now(ps) + backoff_ms);
}

/*
 * A PRUNE for over-subscription (our mesh is full): it carries peer
 * exchange, as go-libp2p-pubsub's makePrune(doPX) does; a PRUNE for a
 * negative score, a backoff violation or an unsubscribe does not.
 */
static void
mesh_prune_px(struct ps_router *ps, struct ps_peer *p, uint32_t t)
{
	mesh_prune(ps, p, t, ps->p.prune_backoff_ms);
	if (ps->p.do_px && p->score >= 0)
		p->pt[t].flags |= PS_PT_PX;
}

/* Peers of t with all of `want` flags into ps->tmp. */
static size_t
collect(struct ps_router *ps, uint32_t t, uint8_t want)
{
	size_t	i, n = 0;

	for (i = 0; i < ps->p.max_peers; i++)
		if (is_mesh_proto(&ps->peers[i]) &&
		    (ps->peers[i].pt[t].flags & want) == want)
			ps->tmp[n++] = (uint32_t)i;
	return n;
}

/* GRAFT up to want random graftable peers (outbound ones only if asked). */
static void
graft_some(struct ps_router *ps, uint32_t t, size_t want, int outbound)
{
	struct ps_peer	*p;
	uint64_t			 now = ps_now(ps);
	size_t				 i, n = 0;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (graftable(ps, p, t, now) && (!outbound || p->outbound))
			ps->tmp[n++] = (uint32_t)i;
	}
	ps_shuffle(ps, ps->tmp, n);
	for (i = 0; i < n && i < want; i++)
		mesh_add(&ps->peers[ps->tmp[i]], t, 1);
}

static void
sort_by_score(struct ps_router *ps, uint32_t *v, size_t n)
{
	size_t		i, j;
	uint32_t	x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && ps->peers[v[j - 1]].score <
		    ps->peers[x].score; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Mesh over Dhi: keep the Dscore best, then random, with Dout outbound. */
static void
mesh_trim(struct ps_router *ps, uint32_t t, size_t n)
{
	uint32_t	*v = ps->tmp, x;
	size_t		 d = (size_t)ps->p.d, ds = (size_t)ps->p.d_score;
	size_t		 i, j, out = 0;

	ps_shuffle(ps, v, n);
	sort_by_score(ps, v, n);
	if (ds > d)
		ds = d;
	ps_shuffle(ps, v + ds, n - ds);
	for (i = 0; i < d; i++)
		out += ps->peers[v[i]].outbound != 0;
	j = d;
	for (i = d; i < n && out < (size_t)ps->p.d_out; i++) {
		if (!ps->peers[v[i]].outbound)
			continue;
		while (j > 0 && ps->peers[v[j - 1]].outbound)
			j--;
		if (j == 0)
			break;
		x = v[j - 1];
		v[j - 1] = v[i];
		v[i] = x;
		out++;
	}
	for (i = d; i < n; i++)
		mesh_prune_px(ps, &ps->peers[v[i]], t);
}

static void
mesh_maintain(struct ps_router *ps, uint32_t t)
{
	struct ps_peer	*p;
	size_t				 i, n, out = 0;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (is_mesh_proto(p) && has(p, t, PS_PT_MESH) &&
		    p->score < 0)
			mesh_prune(ps, p, t, ps->p.prune_backoff_ms);
	}
	n = collect(ps, t, PS_PT_MESH);
	if (n < (size_t)ps->p.d_lo) {
		graft_some(ps, t, (size_t)ps->p.d - n, 0);
		return;
	}
	if (n > (size_t)ps->p.d_hi) {
		mesh_trim(ps, t, n);
		return;
	}
	for (i = 0; i < n; i++)
		out += ps->peers[ps->tmp[i]].outbound != 0;
	if (out < (size_t)ps->p.d_out)
		graft_some(ps, t, (size_t)ps->p.d_out - out, 1);
}

static void
fanout_maintain(struct ps_router *ps, uint32_t t, uint64_t now)
{
	struct ps_peer	*p;
	size_t				 i, n = 0;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (!p->used)
			continue;
		if (now >= ps->topics[t].lastpub + ps->p.fanout_ttl_ms ||
		    !has(p, t, PS_PT_SUB) ||
		    p->score < ps->p.publish_threshold)
			p->pt[t].flags &= (uint8_t)~PS_PT_FANOUT;
		n += has(p, t, PS_PT_FANOUT);
	}
	if (now >= ps->topics[t].lastpub + ps->p.fanout_ttl_ms) {
		ps->topics[t].lastpub = 0;
		return;
	}
	for (i = 0; i < ps->p.max_peers && n < (size_t)ps->p.d; i++) {
		p = &ps->peers[i];
		if (is_mesh_proto(p) && has(p, t, PS_PT_SUB) &&
		    !has(p, t, PS_PT_FANOUT) &&
		    p->score >= ps->p.publish_threshold) {
			p->pt[t].flags |= PS_PT_FANOUT;
			n++;
		}
	}
}

/* Pick the message IDs to advertise for t and the peers that get them. */
static void
gossip_emit(struct ps_router *ps, uint32_t t)
{
	struct ps_topic	*tp = &ps->topics[t];
	struct ps_ent	*e;
	struct ps_peer	*p;
	uint64_t			 oldest = 0;
	size_t				 i, n = 0, want;

	if ((uint64_t)ps->p.history_gossip <= ps->gen)
		oldest = ps->gen - (uint64_t)ps->p.history_gossip + 1;
	for (i = 0; (e = ps_ring_newest(&ps->mcache, i)) != NULL &&
	    e->stamp >= oldest && ps->p.history_gossip > 0; i++) {
		if (e->topic != t)
			continue;
		if (tp->gossip == NULL) {
			tp->gossip = calloc(ps->p.max_ihave_length + 1,
			    sizeof(*tp->gossip));
			if (tp->gossip == NULL)
				abort();	/* out of memory */
		}
		if (tp->ngossip >= ps->p.max_ihave_length)
			break;
		tp->gossip[tp->ngossip++] = e;
	}
	if (tp->ngossip == 0)
		return;
	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (is_mesh_proto(p) && has(p, t, PS_PT_SUB) &&
		    !has(p, t, PS_PT_MESH | PS_PT_FANOUT) &&
		    p->score >= ps->p.gossip_threshold)
			ps->tmp[n++] = (uint32_t)i;
	}
	want = (size_t)(ps->p.gossip_factor * (double)n);
	if (want < (size_t)ps->p.d_lazy)
		want = (size_t)ps->p.d_lazy;
	ps_shuffle(ps, ps->tmp, n);
	for (i = 0; i < n && i < want; i++) {
		p = &ps->peers[ps->tmp[i]];
		p->pt[t].flags |= PS_PT_IHAVE;
		p->pending = 1;
	}
}

static void
promises_expire(struct ps_router *ps, uint64_t now)
{
	struct ps_peer	*p;
	size_t				 i;

	for (i = 0; i < ps->npromises; ) {
		if (ps->promises[i].deadline > now) {
			i++;
			continue;
		}
		p = &ps->peers[ps->promises[i].peer];
		if (p->used) {
			ps->st.promise_broken++;
			ps_score_behaviour(ps, p, 1);
		}
		ps->promises[i] = ps->promises[--ps->npromises];
	}
}

void
ps_mesh_promise_kept(struct ps_router *ps, const uint8_t *id,
    size_t len)
{
	size_t	i;

	for (i = 0; i < ps->npromises; ) {
		if (ps->promises[i].idlen == len &&
		    memcmp(ps->promises[i].id, id, len) == 0)
			ps->promises[i] = ps->promises[--ps->npromises];
		else
			i++;
	}
}

void
ps_mesh_heartbeat(struct ps_router *ps)
{
	struct ps_topic	*tp;
	uint64_t			 now = ps_now(ps);
	uint32_t			 t;
	size_t				 i;

	promises_expire(ps, now);
	for (t = 0; t < ps->p.max_topics; t++) {
		tp = &ps->topics[t];
		if (!tp->used)
			continue;
		if (tp->joined)
			mesh_maintain(ps, t);
		else if (tp->lastpub != 0)
			fanout_maintain(ps, t, now);
		else
			continue;
		gossip_emit(ps, t);
	}
	for (i = 0; i < ps->p.max_peers; i++)
		if (ps->peers[i].used && ps->peers[i].pending)
			ps_mesh_flush(ps, &ps->peers[i], NULL);
	for (t = 0; t < ps->p.max_topics; t++) {
		free(ps->topics[t].gossip);
		ps->topics[t].gossip = NULL;
		ps->topics[t].ngossip = 0;
		if (ps->topics[t].used)
			ps_topic_gc(ps, t);
	}
}

void
ps_mesh_join(struct ps_router *ps, uint32_t t)
{
	struct ps_peer	*p;
	size_t				 i, n = 0;

	/* fanout peers become the mesh first, as Go does */
	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (is_mesh_proto(p) && has(p, t, PS_PT_FANOUT) &&
		    p->score >= 0 && n < (size_t)ps->p.d) {
			mesh_add(p, t, 1);
			n++;
		}
		p->pt[t].flags &= (uint8_t)~PS_PT_FANOUT;
	}
	ps->topics[t].lastpub = 0;
	if (n < (size_t)ps->p.d)
		graft_some(ps, t, (size_t)ps->p.d - n, 0);
}

void
ps_mesh_leave(struct ps_router *ps, uint32_t t)
{
	struct ps_peer	*p;
	size_t				 i;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (p->used && has(p, t, PS_PT_MESH))
			mesh_prune(ps, p, t, ps->p.unsubscribe_backoff_ms);
	}
}

size_t
ps_mesh_publish_peers(struct ps_router *ps, uint32_t t)
{
	struct ps_topic	*tp = &ps->topics[t];
	struct ps_peer	*p;
	size_t				 i, n = 0, mesh = 0;
	uint8_t				 route;

	if (!tp->joined) {
		tp->lastpub = ps_now(ps);
		for (i = 0; i < ps->p.max_peers; i++)
			mesh += ps->peers[i].used &&
			    has(&ps->peers[i], t, PS_PT_FANOUT);
		if (mesh == 0)
			fanout_maintain(ps, t, tp->lastpub);
	}
	route = tp->joined ? PS_PT_MESH : PS_PT_FANOUT;
	for (i = 0, mesh = 0; i < ps->p.max_peers; i++)
		mesh += is_mesh_proto(&ps->peers[i]) &&
		    has(&ps->peers[i], t, route);
	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (!p->used || !has(p, t, PS_PT_SUB) ||
		    p->score < ps->p.publish_threshold)
			continue;
		/* floodsub peers, the route, or anyone while the mesh is empty */
		if (p->proto == PS_FLOODSUB || ps->p.flood_publish ||
		    has(p, t, route) || mesh == 0)
			ps->tmp[n++] = (uint32_t)i;
	}
	return n;
}

/* IHAVE entries of p: topics flagged for gossip, IDs capped per peer. */
static void
flush_ihave(struct ps_router *ps, struct ps_peer *p,
    uint32_t t, struct ps_buf *ctl, size_t *budget)
{
	struct ps_topic	*tp = &ps->topics[t];
	struct ps_buf	 ih = { 0 };
	size_t				 i;

	(void)p;
	if (tp->ngossip == 0 || *budget == 0)
		return;
	ps_buf_field(&ih, 0x0a, tp->name, tp->len);
	for (i = 0; i < tp->ngossip && *budget > 0; i++, (*budget)--)
		ps_buf_field(&ih, 0x12, tp->gossip[i]->id,
		    tp->gossip[i]->idlen);
	ps_buf_field(ctl, 0x0a, ih.b, ih.len);
	ps_buf_free(&ih);
}

/*
 * Up to prune_peers_max random peers of topic t other than `to` with a
 * score of at least 0 (go-libp2p-pubsub's getPeers filter for PX), by
 * reservoir sampling into v; returns how many.
 */
static size_t
px_pick(struct ps_router *ps, const struct ps_peer *to, uint32_t t,
    uint32_t *v)
{
	const struct ps_peer	*q;
	size_t			 i, seen = 0, n = 0, k = ps->p.prune_peers_max;
	uint64_t		 r;

	for (i = 0; i < ps->p.max_peers; i++) {
		q = &ps->peers[i];
		if (q == to || !is_mesh_proto(q) || !has(q, t, PS_PT_SUB) ||
		    q->score < 0)
			continue;
		seen++;
		if (n < k) {
			v[n++] = (uint32_t)i;
			continue;
		}
		r = ps_rand(ps) % seen;
		if (r < k)
			v[r] = (uint32_t)i;
	}
	return n;
}

/* PeerInfo{peerID, signedPeerRecord?} of each picked peer into pr. */
static void
px_write(struct ps_router *ps, const struct ps_peer *to, uint32_t t,
    struct ps_buf *pr)
{
	struct ps_buf		 pi = { 0 };
	const struct ps_peer	*q;
	const uint8_t		*rec;
	uint32_t		 v[PS_PX_MAX];
	size_t			 i, n, reclen;

	n = px_pick(ps, to, t, v);
	for (i = 0; i < n; i++) {
		q = &ps->peers[v[i]];
		pi.len = 0;
		ps_buf_field(&pi, 0x0a, q->bid.bytes, q->bid.len);
		rec = NULL;
		reclen = ps->ops.peer_record != NULL ?
		    ps->ops.peer_record(ps->arg, q->id, &rec) : 0;
		if (reclen > 0 && rec != NULL)
			ps_buf_field(&pi, 0x12, rec, reclen);
		ps_buf_field(pr, 0x12, pi.b, pi.len);
		ps->st.px_out++;
	}
	ps_buf_free(&pi);
}

static void
flush_prune(struct ps_router *ps, struct ps_peer *p,
    uint32_t t, struct ps_buf *ctl)
{
	struct ps_buf	 pr = { 0 };
	uint64_t			 now = ps_now(ps), s = 0;
	uint8_t				 tag = 0x18;

	ps_buf_field(&pr, 0x0a, ps->topics[t].name,
	    ps->topics[t].len);
	if (p->proto == PS_MESHSUB11 && (p->pt[t].flags & PS_PT_PX))
		px_write(ps, p, t, &pr);
	if (p->proto == PS_MESHSUB11) {
		if (p->pt[t].backoff_until > now)
			s = (p->pt[t].backoff_until - now + 999) / 1000;
		ps_buf_put(&pr, &tag, 1);
		ps_buf_varint(&pr, s);
	}
	ps_buf_field(ctl, 0x22, pr.b, pr.len);
	ps_buf_free(&pr);
}

void
ps_mesh_flush(struct ps_router *ps,
    struct ps_peer *p, struct ps_buf *sub)
{
	struct ps_buf	 ctl = { 0 }, rpc = { 0 }, g = { 0 };
	size_t				 budget = ps->p.max_ihave_length;
	uint32_t			 t;
	uint8_t				 f;

	for (t = 0; t < ps->p.max_topics && p->pending; t++) {
		f = p->pt[t].flags;
		if (p->proto == PS_FLOODSUB)
			f = 0;
		if (f & PS_PT_IHAVE)
			flush_ihave(ps, p, t, &ctl, &budget);
		if (f & PS_PT_GRAFT) {
			ps_buf_field(&g, 0x0a, ps->topics[t].name,
			    ps->topics[t].len);
			ps_buf_field(&ctl, 0x1a, g.b, g.len);
			g.len = 0;
		}
		if (f & PS_PT_PRUNE)
			flush_prune(ps, p, t, &ctl);
		p->pt[t].flags &= (uint8_t)~(PS_PT_IHAVE |
		    PS_PT_GRAFT | PS_PT_PRUNE | PS_PT_PX);
	}
	p->pending = 0;
	if (sub != NULL)
		ps_buf_put(&rpc, sub->b, sub->len);
	if (ctl.len > 0)
		ps_buf_field(&rpc, 0x1a, ctl.b, ctl.len);
	if (rpc.len > 0)
		(void)ps_send(ps, p, rpc.b, rpc.len);
	ps_buf_free(&g);
	ps_buf_free(&ctl);
	ps_buf_free(&rpc);
}

static void
promise_add(struct ps_router *ps, struct ps_peer *p,
    const ProtobufCBinaryData *id)
{
	struct ps_promise	*pr;

	if (ps->npromises >= ps->p.max_promises)
		return;
	pr = &ps->promises[ps->npromises++];
	pr->peer = (uint32_t)(p - ps->peers);
	memcpy(pr->id, id->data, id->len);
	pr->idlen = (uint8_t)id->len;
	pr->deadline = ps_now(ps) + ps->p.iwant_followup_ms;
}

static void
handle_ihave(struct ps_router *ps, struct ps_peer *p,
    const Libp2pPubsub__ControlMessage *c)
{
	struct ps_buf	 want = { 0 }, rpc = { 0 };
	const Libp2pPubsub__ControlIHave *ih;
	const ProtobufCBinaryData	*id, *pick = NULL;
	size_t				 i, j, n = 0;
	uint32_t			 t;

	for (i = 0; i < c->n_ihave; i++) {
		ps->st.ihave_in++;
		ih = c->ihave[i];
		t = ih->has_topicid ? ps_topic_find(ps,
		    ih->topicid.data, ih->topicid.len) : PS_NONE;
		if (p->score < ps->p.gossip_threshold ||
		    ++p->ihave_count > ps->p.max_ihave_messages ||
		    t == PS_NONE || !ps->topics[t].joined) {
			ps->st.ihave_ignored++;
			continue;
		}
		for (j = 0; j < ih->n_messageids &&
		    p->iasked < ps->p.max_ihave_length; j++) {
			id = &ih->messageids[j];
			if (id->len == 0 || id->len > PS_MSGID_MAX ||
			    ps_ring_find(&ps->seen, id->data,
			    id->len) != NULL)
				continue;
			ps_buf_field(&want, 0x0a, id->data, id->len);
			p->iasked++;
			/* track one random ID of the request (reservoir) */
			if (ps_rand(ps) % ++n == 0)
				pick = id;
		}
	}
	if (want.len == 0)
		return;
	ps_buf_field(&rpc, 0x12, want.b, want.len);	/* iwant */
	want.len = 0;
	ps_buf_field(&want, 0x1a, rpc.b, rpc.len);	/* control */
	if (ps_send(ps, p, want.b, want.len) == 0 && pick != NULL)
		promise_add(ps, p, pick);
	ps_buf_free(&want);
	ps_buf_free(&rpc);
}

static void
handle_iwant(struct ps_router *ps, struct ps_peer *p,
    const Libp2pPubsub__ControlMessage *c)
{
	struct ps_buf	 out = { 0 };
	struct ps_ent	*e;
	const ProtobufCBinaryData	*id;
	size_t				 i, j;

	for (i = 0; i < c->n_iwant; i++) {
		ps->st.iwant_in++;
		if (p->score < ps->p.gossip_threshold)
			continue;
		for (j = 0; j < c->iwant[i]->n_messageids &&
		    p->iwant_served < ps->p.max_iwant_per_hb; j++) {
			id = &c->iwant[i]->messageids[j];
			e = ps_ring_find(&ps->mcache, id->data,
			    id->len);
			if (e == NULL || e->rpc == NULL)
				continue;
			if (out.len + e->rpclen > ps->p.max_rpc_size) {
				(void)ps_send(ps, p, out.b, out.len);
				out.len = 0;
			}
			/* concatenated publish fields make one RPC */
			ps_buf_put(&out, e->rpc, e->rpclen);
			p->iwant_served++;
			ps->st.iwant_served++;
		}
	}
	if (out.len > 0)
		(void)ps_send(ps, p, out.b, out.len);
	ps_buf_free(&out);
}

static void
handle_graft(struct ps_router *ps, struct ps_peer *p,
    const Libp2pPubsub__ControlGraft *g)
{
	uint64_t	now = ps_now(ps), until;
	uint32_t	t;
	size_t		n;

	ps->st.graft_in++;
	t = g->has_topicid ? ps_topic_find(ps, g->topicid.data,
	    g->topicid.len) : PS_NONE;
	if (t == PS_NONE || !ps->topics[t].joined ||
	    has(p, t, PS_PT_MESH))
		return;		/* spam hardening: no PRUNE for unknown topics */
	until = p->pt[t].backoff_until;
	if (now < until) {
		/* too early: P7, twice within graft_flood_ms of the PRUNE */
		ps_score_behaviour(ps, p, 1);
		if (until < ps->p.prune_backoff_ms ||
		    now < until - ps->p.prune_backoff_ms + ps->p.graft_flood_ms)
			ps_score_behaviour(ps, p, 1);
		ps->st.graft_rejected++;
		mesh_prune(ps, p, t, ps->p.prune_backoff_ms);
		return;
	}
	n = collect(ps, t, PS_PT_MESH);
	if (p->score < 0) {
		ps->st.graft_rejected++;
		mesh_prune(ps, p, t, ps->p.prune_backoff_ms);
		return;
	}
	if (n >= (size_t)ps->p.d_hi && !p->outbound) {
		ps->st.graft_rejected++;
		mesh_prune_px(ps, p, t);
		return;
	}
	mesh_add(p, t, 0);
}

/*
 * PX offered with a PRUNE: heeded only from a peer whose score reaches
 * accept_px_threshold; at most prune_peers_max entries, picked at random
 * when there are more (go-libp2p-pubsub's pxConnect); entries without a
 * valid peer ID, and ourselves, are skipped.
 */
static void
px_take(struct ps_router *ps, const struct ps_peer *p,
    const Libp2pPubsub__ControlPrune *pr)
{
	const Libp2pPubsub__PeerInfo	*pi;
	size_t				 i, j, n = pr->n_peers;
	uint32_t			 v[PS_PX_MAX];

	if (p->score < ps->p.accept_px_threshold || ps->ops.px == NULL) {
		ps->st.px_refused++;
		return;
	}
	for (i = 0; i < n; i++) {
		j = i < ps->p.prune_peers_max ? i : ps_rand(ps) % (i + 1);
		if (j < ps->p.prune_peers_max)
			v[j] = (uint32_t)i;
	}
	if (n > ps->p.prune_peers_max)
		n = ps->p.prune_peers_max;
	for (i = 0; i < n; i++) {
		pi = pr->peers[v[i]];
		if (!pi->has_peerid || pi->peerid.len > P2P_PEER_ID_MAX ||
		    p2p_identity_peer_id_check(pi->peerid.data,
		    pi->peerid.len) != 0 || (pi->peerid.len ==
		    ps->id->peer_id.len && memcmp(pi->peerid.data,
		    ps->id->peer_id.bytes, pi->peerid.len) == 0))
			continue;
		ps->st.px_in++;
		ps->ops.px(ps->arg, p->id, pi->peerid.data, pi->peerid.len,
		    pi->has_signedpeerrecord ? pi->signedpeerrecord.data : NULL,
		    pi->has_signedpeerrecord ? pi->signedpeerrecord.len : 0);
	}
}

static void
handle_prune(struct ps_router *ps, struct ps_peer *p,
    const Libp2pPubsub__ControlPrune *pr)
{
	uint64_t	ms = ps->p.prune_backoff_ms;
	uint32_t	t;

	ps->st.prune_in++;
	t = pr->has_topicid ? ps_topic_find(ps, pr->topicid.data,
	    pr->topicid.len) : PS_NONE;
	if (t == PS_NONE)
		return;
	p->pt[t].flags &= (uint8_t)~(PS_PT_MESH |
	    PS_PT_GRAFT);
	if (pr->has_backoff)
		ms = (pr->backoff > BACKOFF_MAX_S ? BACKOFF_MAX_S :
		    pr->backoff) * 1000;
	backoff(&p->pt[t], ps_now(ps) + ms);
	if (pr->n_peers > 0 && ps->topics[t].joined)
		px_take(ps, p, pr);
}

void
ps_mesh_control(struct ps_router *ps,
    struct ps_peer *p, const Libp2pPubsub__ControlMessage *c)
{
	size_t	i;

	handle_ihave(ps, p, c);
	handle_iwant(ps, p, c);
	for (i = 0; i < c->n_graft && i < ps->p.max_topics; i++)
		handle_graft(ps, p, c->graft[i]);
	for (i = 0; i < c->n_prune && i < ps->p.max_topics; i++)
		handle_prune(ps, p, c->prune[i]);
}
