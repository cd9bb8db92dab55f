/*
 * Gossip worker: the pubsub streams.  The router (router.c) knows
 * no sockets; this file carries its RPCs over yamux streams as libp2p
 * does: once identify says the peer speaks /meshsub/1.1.0 (or 1.0.0, or
 * /floodsub/1.0.0) we open one outbound stream to it and only write
 * there; the stream the peer opens to us we only read.  Each RPC is
 * varint-length-prefixed and at most p2p_max_message_size bytes.  A slow
 * peer's queue is capped: what does not fit is dropped (counted, and the
 * peer's behaviour score pays once a heartbeat), local publishers are held
 * back while a queue is over half full, and a peer that stays full for
 * MESHSUB_SLOW_MAX_MS is disconnected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "pubsub/pubsub.h"
#include "log.h"
#include "tp.h"
#include "proc.h"
#include "util.h"

#define MESHSUB_QUEUE_MAX	(P2P_STREAM_INBUF_MAX)	/* bytes per peer */
#define MESHSUB_QUEUE_HIGH	(MESHSUB_QUEUE_MAX / 2)	/* hold publishers */
#define MESHSUB_SLOW_MAX_MS	10000	/* full this long: disconnected */
#define MESHSUB_PENALTY_MS	1000	/* one P7 point per interval */

/* Ours in a connection's slot while the peer has our pubsub stream. */
struct meshsub_peer {
	struct p2p_stream	*out;		/* borrowed: our stream */
	int			 added;		/* known to the router */
	int			 slow;		/* being dropped */
	int			 busy;		/* queue over the high mark */
	uint64_t		 full_since_ms;	/* first drop, 0 if none */
	uint64_t		 penalized_ms;	/* last P7 point */
	uint64_t		 dropped;	/* RPCs dropped to this peer */
};

static const struct p2p_proto	ps_meshsub11_proto;
static const struct p2p_proto	ps_meshsub10_proto;
static const struct p2p_proto	ps_floodsub_proto;

static const enum ps_proto	meshsub_order[] = {
	PS_MESHSUB11, PS_MESHSUB10, PS_FLOODSUB,
};

static enum ps_proto
meshsub_kind(const struct p2p_proto *proto)
{
	if (proto == &ps_meshsub10_proto)
		return PS_MESHSUB10;
	if (proto == &ps_floodsub_proto)
		return PS_FLOODSUB;
	return PS_MESHSUB11;
}

static const struct p2p_proto *
meshsub_proto(enum ps_proto kind)
{
	switch (kind) {
	case PS_MESHSUB10:
		return &ps_meshsub10_proto;
	case PS_FLOODSUB:
		return &ps_floodsub_proto;
	default:
		return &ps_meshsub11_proto;
	}
}

/* Open our outbound pubsub stream with the best protocol the peer has. */
static struct meshsub_peer *
meshsub_peer(struct ps_meshsub *ms, const struct p2p_conn *c)
{
	return ms->slot >= 0 ? c->slot[ms->slot] : NULL;
}

/* The peer's queue is empty again (or the peer is gone). */
static void
meshsub_unbusy(struct ps_meshsub *ms, struct meshsub_peer *mp)
{
	mp->full_since_ms = 0;
	if (!mp->busy)
		return;
	mp->busy = 0;
	if (--ms->nbusy == 0 && ms->unbusy != NULL)
		ms->unbusy(ms->unbusy_arg);
}

static void
meshsub_open_out(struct ps_meshsub *ms, struct p2p_conn *c,
    const struct p2p_proto *want)
{
	struct meshsub_peer	*mp;
	struct p2p_stream	*s;
	size_t			 i, k;

	if (meshsub_peer(ms, c) != NULL || ms->ps == NULL || ms->slot < 0)
		return;
	for (k = 0; want == NULL && k < TP_ARRAY_LEN(meshsub_order); k++)
		for (i = 0; i < c->info.nprotocols; i++)
			if (strcmp(c->info.protocols[i], ps_proto_id(
			    meshsub_order[k])) == 0) {
				want = meshsub_proto(meshsub_order[k]);
				break;
			}
	if (want == NULL)
		return;		/* the peer does not do pubsub */
	if ((s = p2p_stream_open(c, want)) == NULL)
		return;
	mp = xcalloc(1, sizeof(*mp));
	mp->out = s;
	c->slot[ms->slot] = mp;
}

void
ps_meshsub_attach(struct ps_meshsub *ms, struct p2p_conn *c)
{
	meshsub_open_out(ms, c, NULL);
}

void
ps_meshsub_detach(struct ps_meshsub *ms, struct p2p_conn *c)
{
	struct meshsub_peer	*mp = meshsub_peer(ms, c);

	if (mp == NULL)
		return;
	if (mp->added && ms->ps != NULL)
		ps_remove_peer(ms->ps, c->peer_text);
	c->slot[ms->slot] = NULL;
	meshsub_unbusy(ms, mp);
	free(mp);
}

struct p2p_stream *
ps_meshsub_stream(struct ps_meshsub *ms, struct p2p_conn *c)
{
	struct meshsub_peer	*mp = meshsub_peer(ms, c);

	return mp != NULL ? mp->out : NULL;
}

static void
meshsub_open(struct p2p_stream *s)
{
	struct ps_meshsub	*ms = s->arg;
	struct p2p_conn	*c = s->c;
	struct meshsub_peer	*mp;
	char			 ip[64];

	if (!s->outbound) {
		/* the peer's stream: answer with ours in the same protocol */
		meshsub_open_out(ms, c, s->proto);
		return;
	}
	if ((mp = meshsub_peer(ms, c)) == NULL || s != mp->out || mp->added)
		return;
	p2p_conn_ip(c, ip, sizeof(ip));
	mp->added = 1;
	if (ps_add_peer(ms->ps, c->peer_text, meshsub_kind(s->proto),
	    !c->inbound, ip) == -1) {
		mp->added = 0;
		log_warn("gossip: pubsub refused peer %s", c->peer_text);
	}
}

/* Whole length-prefixed RPCs from the peer's stream to the router. */
static void
meshsub_data(struct p2p_stream *s)
{
	struct ps_meshsub	*ms = s->arg;
	struct p2p_conn	*c = s->c;
	struct meshsub_peer	*mp;
	size_t			 max = ms->max_rpc, have, used;
	uint8_t			 pre[P2P_VARINT_MAX];
	uint64_t		 len;
	int			 rc;

	if (s->outbound) {	/* we never read our own stream */
		evbuffer_drain(s->in, evbuffer_get_length(s->in));
		return;
	}
	while ((have = evbuffer_get_length(s->in)) > 0) {
		rc = p2p_varint_decode(pre, (size_t)evbuffer_copyout(s->in,
		    pre, have < sizeof(pre) ? have : sizeof(pre)), &len, &used);
		if (rc == P2P_VARINT_SHORT)
			return;
		if (rc != P2P_VARINT_OK || len > max) {
			log_info("gossip: pubsub RPC from %s: %s", c->peer_text,
			    rc != P2P_VARINT_OK ? "bad length" : "too big");
			p2p_host_violation(c->h, c, "oversized or "
			    "malformed pubsub RPC");
			p2p_stream_reset(s);
			return;
		}
		if (have < used + len)
			return;
		evbuffer_drain(s->in, used);
		if ((mp = meshsub_peer(ms, c)) != NULL && mp->added)
			ps_recv(ms->ps, c->peer_text,
			    evbuffer_pullup(s->in, (ev_ssize_t)len), (size_t)len);
		evbuffer_drain(s->in, (size_t)len);
	}
}

/* Our stream's queue went out: the peer keeps up again. */
static void
meshsub_drained(struct p2p_stream *s)
{
	struct ps_meshsub	*ms = s->arg;
	struct meshsub_peer	*mp = meshsub_peer(ms, s->c);

	if (mp != NULL && s == mp->out)
		meshsub_unbusy(ms, mp);
}

static void
meshsub_fin(struct p2p_stream *s)
{
	p2p_stream_close(s);
}

static void
meshsub_close(struct p2p_stream *s)
{
	struct ps_meshsub	*ms = s->arg;
	struct meshsub_peer	*mp = meshsub_peer(ms, s->c);

	if (mp != NULL && s == mp->out)
		ps_meshsub_detach(ms, s->c);
}

static const struct p2p_proto ps_meshsub11_proto = {
	"/meshsub/1.1.0", meshsub_open, meshsub_data, meshsub_fin,
	meshsub_close, meshsub_drained,
};
static const struct p2p_proto ps_meshsub10_proto = {
	"/meshsub/1.0.0", meshsub_open, meshsub_data, meshsub_fin,
	meshsub_close, meshsub_drained,
};
static const struct p2p_proto ps_floodsub_proto = {
	"/floodsub/1.0.0", meshsub_open, meshsub_data, meshsub_fin,
	meshsub_close, meshsub_drained,
};

/* ---- the router's callbacks ---- */

static void
meshsub_drop_slow(evutil_socket_t fd, short what, void *arg)
{
	struct p2p_host		*h = ((struct p2p_conn_ref *)arg)->h;
	uint64_t		 id = ((struct p2p_conn_ref *)arg)->id;
	struct p2p_conn	*c;

	(void)fd;
	(void)what;
	free(arg);
	if ((c = p2p_host_find_id(h, id)) != NULL)
		p2p_conn_close(c, "pubsub queue full: slow peer");
}

/*
 * The peer's queue is full: drop this RPC, count it, score the peer once
 * an interval, and disconnect it when it has stayed full too long.
 */
static void
meshsub_full(struct ps_meshsub *ms, struct p2p_conn *c,
    struct meshsub_peer *mp)
{
	struct p2p_conn_ref	*ref;
	uint64_t		 now = util_mono_ms();

	ms->dropped_slow++;
	mp->dropped++;
	if (mp->full_since_ms == 0)
		mp->full_since_ms = now;
	if (now - mp->penalized_ms >= MESHSUB_PENALTY_MS) {
		mp->penalized_ms = now;
		ps_peer_misbehaved(ms->ps, c->peer_text, 1);
		log_info("gossip: pubsub peer %s is slow: %llu RPCs dropped",
		    c->peer_text, (unsigned long long)mp->dropped);
	}
	if (now - mp->full_since_ms < MESHSUB_SLOW_MAX_MS)
		return;
	/* not from inside the router: close it on the next turn */
	mp->slow = 1;
	ref = xmalloc(sizeof(*ref));
	ref->h = ms->h;
	ref->id = c->id;
	event_base_once(ms->h->p->base, -1, EV_TIMEOUT, meshsub_drop_slow,
	    ref, NULL);
}

static int
meshsub_send(void *arg, const char *peer, const uint8_t *rpc, size_t len)
{
	struct ps_meshsub	*ms = arg;
	struct p2p_conn	*c = p2p_host_find(ms->h, peer);
	struct meshsub_peer	*mp = c != NULL ? meshsub_peer(ms, c) : NULL;
	uint8_t			 pre[P2P_VARINT_MAX];
	size_t			 n, queued;

	if (mp == NULL || mp->out == NULL || mp->slow)
		return -1;
	if (evbuffer_get_length(mp->out->out) + len > MESHSUB_QUEUE_MAX) {
		meshsub_full(ms, c, mp);
		return -1;
	}
	n = p2p_varint_encode(len, pre);
	if (p2p_stream_write(mp->out, pre, n) == -1 ||
	    p2p_stream_write(mp->out, rpc, len) == -1)
		return -1;
	queued = evbuffer_get_length(mp->out->out);
	if (queued > MESHSUB_QUEUE_HIGH && !mp->busy) {
		mp->busy = 1;
		ms->nbusy++;
	}
	return 0;
}

int
ps_meshsub_busy(const struct ps_meshsub *ms)
{
	return ms->nbusy > 0;
}

static void
meshsub_deliver(void *arg, const char *topic, const char *author,
    const char *from, const uint8_t *data, size_t len)
{
	struct ps_meshsub	*ms = arg;
	enum ps_verdict		 v = PS_ACCEPT;

	ms->delivered++;
	if (ms->deliver != NULL)
		v = ms->deliver(ms->deliver_arg, topic, author, from, data, len);
	if ((unsigned)v <= PS_REJECT)
		ms->verdicts[v]++;
}

static void
meshsub_penalize(void *arg, const char *peer, const char *reason)
{
	struct ps_meshsub	*ms = arg;
	struct p2p_conn	*c = p2p_host_find(ms->h, peer);

	if (c != NULL)
		p2p_host_violation(ms->h, c, reason);
}

static uint64_t
meshsub_now(void *arg)
{
	(void)arg;
	return util_mono_ms();
}

/* The peer's signed record, as identify brought it (checked there). */
static size_t
meshsub_peer_record(void *arg, const char *peer, const uint8_t **rec)
{
	struct ps_meshsub	*ms = arg;
	struct p2p_conn		*c = p2p_host_find(ms->h, peer);

	if (c == NULL || c->info.record == NULL)
		return 0;
	*rec = c->info.record;
	return c->info.record_len;
}

static void
meshsub_px(void *arg, const char *from, const uint8_t *id, size_t idlen,
    const uint8_t *rec, size_t reclen)
{
	struct ps_meshsub	*ms = arg;
	struct p2p_peer_id	 pid;

	if (ms->px == NULL || idlen > sizeof(pid.bytes))
		return;
	memcpy(pid.bytes, id, idlen);
	pid.len = idlen;
	ms->px(ms->px_arg, from, &pid, rec, reclen);
}

static const struct ps_ops meshsub_ops = {
	meshsub_send, meshsub_deliver, meshsub_penalize, meshsub_now,
	meshsub_peer_record, meshsub_px,
};

static void
meshsub_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ps_heartbeat(((struct ps_meshsub *)arg)->ps);
}

int
ps_meshsub_start(struct ps_meshsub *ms, struct p2p_host *h,
    ps_deliver_fn deliver, void *arg)
{
	struct ps_params	pp;
	struct timeval			tv;

	ms->h = h;
	ms->deliver = deliver;
	ms->deliver_arg = arg;
	if ((ms->slot = p2p_host_slot(h)) == -1 ||
	    p2p_host_add_proto(h, &ps_meshsub11_proto, ms) == -1 ||
	    p2p_host_add_proto(h, &ps_meshsub10_proto, ms) == -1 ||
	    p2p_host_add_proto(h, &ps_floodsub_proto, ms) == -1)
		return -1;
	ps_params_default(&pp);
	pp.max_rpc_size = (size_t)config_int(h->p->cfg, "p2p_max_message_size");
	pp.do_px = config_bool(h->p->cfg, "p2p_enable_peer_exchange");
	ms->max_rpc = pp.max_rpc_size;
	if ((ms->ps = ps_new(&meshsub_ops, ms, &h->id, &pp)) == NULL)
		return -1;
	ms->hb = event_new(h->p->base, -1, EV_PERSIST, meshsub_heartbeat, ms);
	tv.tv_sec = pp.heartbeat_ms / 1000;
	tv.tv_usec = (suseconds_t)(pp.heartbeat_ms % 1000) * 1000;
	event_add(ms->hb, &tv);
	return 0;
}

void
ps_meshsub_stop(struct ps_meshsub *ms)
{
	if (ms->hb != NULL)
		event_free(ms->hb);
	ms->hb = NULL;
	ps_free(ms->ps);
	ms->ps = NULL;
}
