/*
 * Gossip worker, Kademlia layer: the DHT on the libp2p host.  In server
 * mode /ipfs/kad/1.0.0 is in the host's protocol table, so identify lists
 * it and peers' requests arrive on streams they open (several requests a
 * stream, one answer each); in client mode we only open streams.  Our
 * requests (from the lookups in dht.c) go one per stream: a connected peer
 * gets it at once, another is dialed first and the request waits for the
 * connection (KAD_NET_WAIT_MS at most).  Providers found for joined topics
 * are dialed within the host's limits (its ban gate sees every dial) and,
 * unless p2p_allow_private_ips, only on public addresses.  Bootstrap peers
 * (p2p_bootstrap_peers, /dnsaddr resolved through dnsaddr.c) are redialed
 * every 5 s for 2 minutes, then every 30 s; the peer cache is dialed at
 * start and rewritten a moment after the set of pubsub peers changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "kad/kad.h"
#include "libp2p/libp2p.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define KAD_NET_WAIT_MS		10000	/* a request waiting for its dial */
#define KAD_NET_PENDING_MAX	64
#define KAD_NET_FAST_MS		5000	/* bootstrap redial, first 2 min */
#define KAD_NET_SLOW_MS		30000
#define KAD_NET_FAST_FOR_MS	120000
#define KAD_NET_CACHE_DELAY_MS	500
#define KAD_NET_DIALS_PER_TICK	8
#define KAD_NET_DIALING_MAX	32	/* dials remembered, to not repeat */
#define KAD_NET_SEEN_MAX	64	/* providers already logged */

/* One request of ours: on its stream, or waiting for a connection. */
struct kad_call {
	struct kad_net		*kn;		/* borrowed */
	uint64_t		 token;		/* 0: no answer expected */
	uint8_t			 id[KAD_ID_MAX];
	size_t			 id_len;
	char			 peer[P2P_PEER_ID_TEXT_MAX];
	uint8_t			*req;		/* owned: length-prefixed */
	size_t			 req_len;
	uint64_t		 since_ms;	/* asked, then sent */
	int			 answered;
	uint64_t		 conn_id;	/* on its stream: */
	uint32_t		 stream_id;
	struct kad_call		*next;		/* pending or in-flight list */
};

struct kad_net {
	struct p2p_host		*h;		/* borrowed */
	struct kad_dht		*dht;		/* owned */
	struct kad_dnsaddr	*dns;		/* owned */
	struct event		*timer;		/* owned: 1 s tick */
	struct kad_net_conf	 conf;		/* strings borrowed */
	struct kad_call		*pending;	/* owned list */
	size_t			 npending;
	struct kad_call		*inflight;	/* on streams (theirs) */
	char			**boot;		/* owned: resolved bootstrap */
	size_t			 nboot;
	uint64_t		 started_ms, next_boot_ms, cache_due_ms;
	int			 dials;		/* this tick */
	struct {
		uint64_t	 hash;		/* of the multiaddr text */
		uint64_t	 since_ms;
	}			 dialing[KAD_NET_DIALING_MAX];
	uint64_t		 seen[KAD_NET_SEEN_MAX];	/* (topic, peer) */
	size_t			 nseen;
};

static const struct p2p_proto	kad_proto;

static void
call_free(struct kad_call *k)
{
	free(k->req);
	free(k);
}

static void
peer_text(const uint8_t *id, size_t len, char *out, size_t cap)
{
	struct p2p_peer_id	pid;

	pid.len = len;
	memcpy(pid.bytes, id, len);
	if (p2p_identity_peer_id_format(&pid, out, cap) == -1)
		snprintf(out, cap, "?");
}

/* ---- streams ---- */

static void
inflight_unlink(struct kad_call *k)
{
	struct kad_call	**pp;

	for (pp = &k->kn->inflight; *pp != NULL; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			return;
		}
}

/* The live stream carrying k, or NULL when it went away unnoticed. */
static struct p2p_stream *
inflight_stream(struct kad_net *kn, const struct kad_call *k)
{
	struct p2p_conn		*c;
	struct p2p_stream	*s;

	if ((c = p2p_host_find_id(kn->h, k->conn_id)) == NULL)
		return NULL;
	LIST_FOREACH(s, &c->streams, entry)
		if (s->id == k->stream_id && s->state_ptr == k)
			return s;
	return NULL;
}

/*
 * Our requests get KAD_QUERY_TIMEOUT_MS on their stream, as the lookup
 * gives them: a peer that never answers (or never closes) has its stream
 * reset then, so that silent peers cannot pin streams and memory.  A
 * stream freed before it was open (protocol refused, connection lost)
 * never calls kad_close: its request is failed and freed here.
 */
static void
inflight_sweep(struct kad_net *kn, uint64_t now_ms)
{
	struct kad_call		**pp, *k;
	struct p2p_stream	 *s;

	for (pp = &kn->inflight; (k = *pp) != NULL;) {
		if ((s = inflight_stream(kn, k)) == NULL) {
			*pp = k->next;
			if (k->token != 0 && !k->answered)
				kad_dht_failed(kn->dht, k->token, k->id,
				    k->id_len, now_ms);
			call_free(k);
		} else if (now_ms - k->since_ms >= KAD_QUERY_TIMEOUT_MS) {
			log_debug("gossip: kad: %s kept a request of ours "
			    "unanswered for %llu s: stream reset", k->peer,
			    (unsigned long long)(KAD_QUERY_TIMEOUT_MS / 1000));
			p2p_stream_reset(s);	/* kad_close unlinks k */
		} else
			pp = &k->next;
	}
}

static void
kad_open(struct p2p_stream *s)
{
	struct kad_call	*k = s->state_ptr;

	if (!s->outbound || k == NULL)
		return;
	if (p2p_stream_write(s, k->req, k->req_len) == -1) {
		p2p_stream_reset(s);
		return;
	}
	if (k->token == 0)
		p2p_stream_close(s);	/* ADD_PROVIDER: nothing comes back */
}

/* A request from the peer (server mode): answer it; -1 if s is gone. */
static int
kad_serve(struct kad_net *kn, struct p2p_stream *s, const uint8_t *body,
    size_t len)
{
	struct kad_msg	 req, resp;
	uint8_t		*out;
	size_t		 olen;
	int		 rc;

	if ((rc = kad_msg_decode(body, len, &req)) != KAD_CODEC_OK) {
		p2p_host_violation(kn->h, s->c, "malformed Kademlia request");
		p2p_stream_reset(s);
		return -1;
	}
	rc = kad_dht_serve(kn->dht, s->c->peer.bytes, s->c->peer.len, &req,
	    &resp, util_mono_ms());
	log_debug("gossip: kad: request type %d from %s: %s", req.type,
	    s->c->peer_text, rc == KAD_SERVE_ERROR ? "refused" : "served");
	if (rc == KAD_SERVE_REPLY && kad_msg_encode(&resp, &out, &olen) == 0) {
		(void)p2p_stream_write(s, out, olen);
		free(out);
	}
	kad_msg_fini(&resp);
	kad_msg_fini(&req);
	if (rc == KAD_SERVE_ABUSE) {
		p2p_host_violation(kn->h, s->c, "Kademlia provider records "
		    "for another peer or past the per-peer cap");
		p2p_stream_reset(s);
		return -1;
	}
	if (rc == KAD_SERVE_ERROR) {
		p2p_stream_reset(s);
		return -1;
	}
	return 0;
}

/* Our request's answer; the stream is done with either way (-1). */
static int
kad_answer(struct kad_net *kn, struct p2p_stream *s, struct kad_call *k,
    const uint8_t *body, size_t len)
{
	struct kad_msg	m;
	int		rc;

	if ((rc = kad_msg_decode(body, len, &m)) != KAD_CODEC_OK) {
		log_info("gossip: Kademlia answer from %s: %s", k->peer,
		    kad_codec_strerror(rc));
		p2p_host_violation(kn->h, s->c, "malformed Kademlia answer");
		p2p_stream_reset(s);
		return -1;
	}
	k->answered = 1;
	log_debug("gossip: kad: answer from %s: type %d, %zu closer, %zu "
	    "providers", k->peer, m.type, m.ncloser, m.nproviders);
	kad_dht_answer(kn->dht, k->token, k->id, k->id_len, &m,
	    util_mono_ms());
	kad_msg_fini(&m);
	p2p_stream_reset(s);	/* one request per stream of ours */
	return -1;
}

static void
kad_data(struct p2p_stream *s)
{
	struct kad_call	*k = s->state_ptr;
	struct kad_net	*kn = k != NULL ? k->kn : s->arg;
	const uint8_t	*buf, *body;
	uint8_t		*copy;
	size_t		 have, blen, used;
	int		 rc;

	while ((have = evbuffer_get_length(s->in)) > 0) {
		buf = evbuffer_pullup(s->in, (ev_ssize_t)have);
		rc = kad_frame_next(buf, have, &body, &blen, &used);
		if (rc == KAD_CODEC_AGAIN)
			return;
		if (rc != KAD_CODEC_OK) {
			p2p_host_violation(kn->h, s->c, "oversized or "
			    "malformed Kademlia message");
			p2p_stream_reset(s);
			return;
		}
		/* take the message out first: the handlers may free s */
		copy = xmalloc(blen ? blen : 1);
		memcpy(copy, body, blen);
		evbuffer_drain(s->in, used);
		rc = k != NULL ? kad_answer(kn, s, k, copy, blen) :
		    kad_serve(kn, s, copy, blen);
		free(copy);
		if (rc == -1)
			return;
	}
}

static void
kad_fin(struct p2p_stream *s)
{
	p2p_stream_close(s);
}

static void
kad_close(struct p2p_stream *s)
{
	struct kad_call	*k = s->state_ptr;

	if (k == NULL)
		return;
	inflight_unlink(k);
	if (k->token != 0 && !k->answered) {
		log_debug("gossip: kad: no answer from %s", k->peer);
		kad_dht_failed(k->kn->dht, k->token, k->id, k->id_len,
		    util_mono_ms());
	}
	call_free(k);
	s->state_ptr = NULL;
}

static const struct p2p_proto kad_proto = {
	KAD_PROTOCOL, kad_open, kad_data, kad_fin, kad_close, NULL,
};

/* ---- our requests ---- */

/* Open a stream to c carrying k (taken). */
static void
call_send(struct kad_net *kn, struct p2p_conn *c, struct kad_call *k)
{
	struct p2p_stream	*s;

	if ((s = p2p_stream_open(c, &kad_proto)) == NULL) {
		if (k->token != 0)
			kad_dht_failed(kn->dht, k->token, k->id, k->id_len,
			    util_mono_ms());
		call_free(k);
		return;
	}
	s->state_ptr = k;
	k->conn_id = c->id;
	k->stream_id = s->id;
	k->since_ms = util_mono_ms();
	k->next = kn->inflight;
	kn->inflight = k;
}

/* A dialable text multiaddr of p ("…/p2p/<id>"), honouring the private rule. */
static int
dial_addr(const struct kad_net *kn, const struct kad_peer *p,
    const char *peer, char *out, size_t cap)
{
	const uint8_t	*a;
	size_t		 off = 0, alen, n;

	while (kad_peer_addr_next(p, &off, &a, &alen)) {
		if (!kn->conf.allow_private && kad_addr_private(a, alen) == 1)
			continue;
		if (p2p_multiaddr_format(a, alen, out, cap) == -1 ||
		    strstr(out, "/p2p-circuit") != NULL)
			continue;
		n = strlen(out);
		if (strstr(out, "/p2p/") == NULL)
			snprintf(out + n, cap - n, "/p2p/%s", peer);
		return 0;
	}
	return -1;
}

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

/*
 * 1 if maddr was dialed less than KAD_NET_WAIT_MS ago (that dial is still
 * under way); else remember this dial, in the oldest slot.
 */
static int
dialing(struct kad_net *kn, const char *maddr, uint64_t now_ms)
{
	uint64_t	h = fnv(1469598103934665603ull, maddr);
	size_t		i, old = 0;

	for (i = 0; i < KAD_NET_DIALING_MAX; i++) {
		if (kn->dialing[i].hash == h &&
		    now_ms - kn->dialing[i].since_ms < KAD_NET_WAIT_MS)
			return 1;
		if (kn->dialing[i].since_ms < kn->dialing[old].since_ms)
			old = i;
	}
	kn->dialing[old].hash = h;
	kn->dialing[old].since_ms = now_ms;
	return 0;
}

/* Dial maddr unless the same address is being dialed already. */
static int
dial(struct kad_net *kn, const char *maddr)
{
	char	err[256];

	if (dialing(kn, maddr, util_mono_ms()))
		return 0;
	if (kn->dials >= KAD_NET_DIALS_PER_TICK)
		return -1;
	kn->dials++;
	if (p2p_host_dial(kn->h, maddr, NULL, err, sizeof(err)) == -1) {
		log_debug("gossip: kad: dial %s: %s", maddr, err);
		return -1;
	}
	return 0;
}

static int
net_request(void *arg, const struct kad_peer *p, const struct kad_msg *req,
    uint64_t token)
{
	struct kad_net	*kn = arg;
	struct kad_call	*k;
	struct p2p_conn	*c;
	char		 maddr[P2P_MULTIADDR_TEXT_MAX];

	k = xcalloc(1, sizeof(*k));
	k->kn = kn;
	k->token = token;
	memcpy(k->id, p->id, p->id_len);
	k->id_len = p->id_len;
	peer_text(p->id, p->id_len, k->peer, sizeof(k->peer));
	k->since_ms = util_mono_ms();
	if (kad_msg_encode(req, &k->req, &k->req_len) != KAD_CODEC_OK) {
		call_free(k);
		return -1;
	}
	log_debug("gossip: kad: request type %d to %s", req->type, k->peer);
	if ((c = p2p_host_find(kn->h, k->peer)) != NULL &&
	    c->state == P2P_CONN_OPEN) {
		call_send(kn, c, k);
		return 0;
	}
	if (kn->npending >= KAD_NET_PENDING_MAX ||
	    (c == NULL && (dial_addr(kn, p, k->peer, maddr,
	    sizeof(maddr)) == -1 || dial(kn, maddr) == -1))) {
		call_free(k);
		return -1;
	}
	k->next = kn->pending;
	kn->pending = k;
	kn->npending++;
	return 0;
}

/* Send or fail the requests waiting for peer (c NULL: fail them). */
static void
pending_flush(struct kad_net *kn, const char *peer, struct p2p_conn *c,
    uint64_t now_ms)
{
	struct kad_call	**pp, *k;

	for (pp = &kn->pending; (k = *pp) != NULL;) {
		if ((peer == NULL || strcmp(k->peer, peer) != 0) &&
		    (peer != NULL || now_ms - k->since_ms < KAD_NET_WAIT_MS)) {
			pp = &k->next;
			continue;
		}
		*pp = k->next;
		kn->npending--;
		if (c != NULL)
			call_send(kn, c, k);
		else {
			if (k->token != 0)
				kad_dht_failed(kn->dht, k->token, k->id,
				    k->id_len, now_ms);
			call_free(k);
		}
	}
}

/* ---- what the DHT asks of the host ---- */

/* 1 the first time this (topic, provider) pair is seen (for the log). */
static int
first_seen(struct kad_net *kn, const char *topic, const char *peer)
{
	uint64_t	h = fnv(fnv(1469598103934665603ull, topic), peer);
	size_t		i;

	for (i = 0; i < KAD_NET_SEEN_MAX && i < kn->nseen; i++)
		if (kn->seen[i] == h)
			return 0;
	kn->seen[kn->nseen++ % KAD_NET_SEEN_MAX] = h;
	return 1;
}

/* A provider of a joined topic: dial it unless connected (logged once). */
static void
net_found(void *arg, const char *topic, const struct kad_peer *p)
{
	struct kad_net	*kn = arg;
	char		 peer[P2P_PEER_ID_TEXT_MAX];
	char		 maddr[P2P_MULTIADDR_TEXT_MAX];
	int		 first;

	peer_text(p->id, p->id_len, peer, sizeof(peer));
	first = first_seen(kn, topic, peer);
	if (p2p_host_find(kn->h, peer) != NULL) {
		if (first)
			log_info("gossip: kad: provider %s of %s found, "
			    "connected already", peer, topic);
		return;
	}
	/*
	 * At the connection manager's high water mark a new provider would
	 * only be trimmed again (and come back at the next lookup): leave it.
	 */
	if (kn->conf.dial_below != 0 && kn->h->nconns >= kn->conf.dial_below) {
		if (first)
			log_info("gossip: kad: provider %s of %s found, not "
			    "dialed: %zu connections open", peer, topic,
			    kn->h->nconns);
		return;
	}
	if (dial_addr(kn, p, peer, maddr, sizeof(maddr)) == -1) {
		if (first)
			log_info("gossip: kad: provider %s of %s found, no "
			    "address we may dial", peer, topic);
		return;
	}
	if (first)
		log_info("gossip: kad: provider %s of %s found, dialing %s",
		    peer, topic, maddr);
	(void)dial(kn, maddr);
}

/* Text multiaddrs into p's binary address list. */
static void
addrs_from_text(struct kad_peer *p, char *const *texts, size_t n)
{
	struct p2p_multiaddr	ma;
	size_t			i;
	const char		*cut;

	for (i = 0; i < n; i++) {
		/* without a trailing /p2p/: the ID travels beside them */
		cut = strstr(texts[i], "/p2p/");
		if (p2p_multiaddr_parse(texts[i], cut != NULL ?
		    (size_t)(cut - texts[i]) : strlen(texts[i]), &ma) == 0)
			(void)kad_peer_add_addr(p, ma.bytes, ma.len);
	}
}

static int
net_addrs(void *arg, const uint8_t *id, size_t len, struct kad_peer *p)
{
	struct kad_net	*kn = arg;
	struct p2p_conn	*c;
	char		 peer[P2P_PEER_ID_TEXT_MAX];

	if (kad_peer_set(p, id, len) == -1)
		return -1;
	if (len == kn->h->id.peer_id.len &&
	    memcmp(id, kn->h->id.peer_id.bytes, len) == 0)
		addrs_from_text(p, kn->h->advertise, kn->h->nadvertise);
	else {
		peer_text(id, len, peer, sizeof(peer));
		if ((c = p2p_host_find(kn->h, peer)) == NULL)
			return -1;
		addrs_from_text(p, c->info.listen_addrs,
		    c->info.nlisten_addrs);
	}
	return p->naddrs > 0 ? 0 : -1;
}

static void	bootstrap_dial(struct kad_net *, uint64_t);

static void
net_want_peers(void *arg)
{
	struct kad_net	*kn = arg;
	struct p2p_conn	*c;

	TAILQ_FOREACH(c, &kn->h->conns, entry)
		if (c->state == P2P_CONN_OPEN && c->info.identified)
			(void)kad_dht_peer_identified(kn->dht, c->peer.bytes,
			    c->peer.len, kad_protocols_server(
			    (const char *const *)c->info.protocols,
			    c->info.nprotocols), util_mono_ms());
	bootstrap_dial(kn, util_mono_ms());
}

static const struct kad_dht_ops net_ops = {
	net_request, net_found, net_addrs, net_want_peers,
};

/* ---- bootstrap peers ---- */

static void
boot_add(struct kad_net *kn, const char *maddr)
{
	size_t	i;

	for (i = 0; i < kn->nboot; i++)
		if (strcmp(kn->boot[i], maddr) == 0)
			return;
	kn->boot = xrealloc(kn->boot, (kn->nboot + 1) * sizeof(char *));
	kn->boot[kn->nboot++] = xstrdup(maddr);
}

static void
on_dnsaddr(void *arg, int status, char *const *addrs, size_t n,
    const char *err)
{
	struct kad_net	*kn = arg;
	size_t		 i;

	if (status == -1) {
		log_warn("gossip: kad: bootstrap /dnsaddr: %s", err);
		return;
	}
	for (i = 0; i < n; i++)
		boot_add(kn, addrs[i]);
	log_info("gossip: kad: /dnsaddr gave %zu bootstrap addresses", n);
	kn->next_boot_ms = 0;	/* dial them now */
}

static void
bootstrap_resolve(struct kad_net *kn)
{
	size_t	i;

	for (i = 0; i < kn->conf.nbootstrap; i++) {
		if (!kad_dnsaddr_is(kn->conf.bootstrap[i]))
			boot_add(kn, kn->conf.bootstrap[i]);
		else if (kn->dns == NULL || kad_dnsaddr_resolve(kn->dns,
		    kn->conf.bootstrap[i], on_dnsaddr, kn) == -1)
			log_warn("gossip: kad: cannot resolve %s",
			    kn->conf.bootstrap[i]);
	}
}

/* Dial the bootstrap peers we are not connected to. */
static void
bootstrap_dial(struct kad_net *kn, uint64_t now_ms)
{
	const char	*id;
	size_t		 i;

	for (i = 0; i < kn->nboot; i++) {
		id = strstr(kn->boot[i], "/p2p/");
		if (id != NULL && p2p_host_find(kn->h, id + 5) != NULL)
			continue;
		(void)dial(kn, kn->boot[i]);
	}
	kn->next_boot_ms = now_ms + (now_ms - kn->started_ms <
	    KAD_NET_FAST_FOR_MS ? KAD_NET_FAST_MS : KAD_NET_SLOW_MS);
}

/* ---- the peer cache ---- */

static void
cache_dial(struct kad_net *kn)
{
	struct kad_cache_peer	*peers;
	size_t			 n, skipped, i;
	char			 err[256], maddr[P2P_MULTIADDR_TEXT_MAX];

	if (kn->conf.cache_dir == NULL)
		return;
	if (kad_peercache_load(kn->conf.cache_dir, (int64_t)time(NULL),
	    &peers, &n, &skipped, err, sizeof(err)) == -1) {
		log_warn("gossip: kad: peer cache ignored: %s", err);
		return;
	}
	if (skipped > 0)
		log_warn("gossip: kad: peer cache: %zu bad entries skipped",
		    skipped);
	for (i = 0; i < n; i++) {
		snprintf(maddr, sizeof(maddr), "%s%s%s", peers[i].addrs[0],
		    strstr(peers[i].addrs[0], "/p2p/") ? "" : "/p2p/",
		    strstr(peers[i].addrs[0], "/p2p/") ? "" : peers[i].id);
		boot_add(kn, maddr);	/* kept dialed like a bootstrap */
	}
	log_info("gossip: kad: %zu peers from %s/%s", n, kn->conf.cache_dir,
	    KAD_PEERCACHE_FILE);
	kad_peercache_free(peers, n);
}

static int
speaks_pubsub(const struct p2p_conn *c)
{
	size_t	i;

	for (i = 0; i < c->info.nprotocols; i++)
		if (strncmp(c->info.protocols[i], "/meshsub/", 9) == 0)
			return 1;
	return 0;
}

static int
cached(const struct kad_cache_peer *peers, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(peers[i].id, id) == 0)
			return 1;
	return 0;
}

/* Write the connected pubsub peers, as the bus does for topic peers. */
static void
cache_save(struct kad_net *kn)
{
	struct kad_cache_peer	*peers;
	struct p2p_conn		*c;
	size_t			 n = 0;
	char			 err[256], **remote;

	peers = xcalloc(kn->h->nconns + 1, sizeof(*peers));
	remote = xcalloc(kn->h->nconns + 1, sizeof(*remote));
	TAILQ_FOREACH(c, &kn->h->conns, entry) {
		if (c->state != P2P_CONN_OPEN || !speaks_pubsub(c) ||
		    n == KAD_PEERCACHE_MAX || cached(peers, n, c->peer_text))
			continue;
		snprintf(peers[n].id, sizeof(peers[n].id), "%s", c->peer_text);
		remote[n] = c->remote;
		peers[n].addrs = c->info.nlisten_addrs > 0 ?
		    c->info.listen_addrs : &remote[n];
		peers[n].naddrs = c->info.nlisten_addrs > 0 ?
		    c->info.nlisten_addrs : 1;
		peers[n].last_seen = (int64_t)time(NULL);
		n++;
	}
	if (kad_peercache_save(kn->conf.cache_dir, peers, n, err,
	    sizeof(err)) == -1)
		log_warn("gossip: kad: peer cache not written: %s", err);
	else
		log_info("gossip: kad: peer cache: %zu peers written", n);
	free(remote);	/* the strings were borrowed */
	free(peers);
}

/* ---- the worker's side ---- */

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct kad_net	*kn = arg;
	uint64_t	 now = util_mono_ms();

	(void)fd;
	(void)what;
	kn->dials = 0;
	pending_flush(kn, NULL, NULL, now);	/* waited too long */
	inflight_sweep(kn, now);
	if (now >= kn->next_boot_ms)
		bootstrap_dial(kn, now);
	if (kn->cache_due_ms != 0 && now >= kn->cache_due_ms) {
		kn->cache_due_ms = 0;
		if (kn->conf.cache_dir != NULL)
			cache_save(kn);
	}
	kad_dht_tick(kn->dht, now);
}

struct kad_net *
kad_net_start(struct p2p_host *h, struct event_base *base,
    const struct kad_net_conf *conf, char *err, size_t errlen)
{
	struct kad_net	*kn = xcalloc(1, sizeof(*kn));
	struct timeval	 tv = { 1, 0 };

	kn->h = h;
	kn->conf = *conf;
	kn->started_ms = util_mono_ms();
	kn->dht = kad_dht_new(conf->mode, h->id.peer_id.bytes,
	    h->id.peer_id.len, &net_ops, kn, kn->started_ms);
	if (kn->dht == NULL) {
		snprintf(err, errlen, "cannot start the DHT");
		free(kn);
		return NULL;
	}
	kad_dht_set_sweep(kn->dht, conf->sweep_ms);
	if (conf->mode == KAD_MODE_SERVER &&
	    p2p_host_add_proto(h, &kad_proto, kn) == -1) {
		snprintf(err, errlen, "the host's protocol table is full");
		kad_dht_free(kn->dht);
		free(kn);
		return NULL;
	}
	if ((kn->dns = kad_dnsaddr_new(base, conf->dns_servers, err,
	    errlen)) == NULL)
		log_warn("gossip: kad: no /dnsaddr resolution: %s", err);
	kn->timer = event_new(base, -1, EV_PERSIST, on_tick, kn);
	event_add(kn->timer, &tv);
	bootstrap_resolve(kn);
	cache_dial(kn);
	log_info("gossip: kad: DHT %s mode, %zu bootstrap entries",
	    conf->mode == KAD_MODE_SERVER ? "server" : "client",
	    conf->nbootstrap);
	return kn;
}

void
kad_net_stop(struct kad_net *kn)
{
	struct kad_call		*k;
	struct p2p_stream	*s;
	size_t			 i;

	if (kn == NULL)
		return;
	while ((k = kn->pending) != NULL) {
		kn->pending = k->next;
		call_free(k);
	}
	/* the host closes the streams later: they must not find kn */
	while ((k = kn->inflight) != NULL) {
		kn->inflight = k->next;
		if ((s = inflight_stream(kn, k)) != NULL)
			s->state_ptr = NULL;
		call_free(k);
	}
	event_free(kn->timer);
	kad_dnsaddr_free(kn->dns);
	kad_dht_free(kn->dht);
	for (i = 0; i < kn->nboot; i++)
		free(kn->boot[i]);
	free(kn->boot);
	free(kn);
}

void
kad_net_identified(struct kad_net *kn, struct p2p_conn *c)
{
	uint64_t	now = util_mono_ms();

	(void)kad_dht_peer_identified(kn->dht, c->peer.bytes, c->peer.len,
	    kad_protocols_server((const char *const *)c->info.protocols,
	    c->info.nprotocols), now);
	pending_flush(kn, c->peer_text, c, now);
	if (speaks_pubsub(c))
		kn->cache_due_ms = now + KAD_NET_CACHE_DELAY_MS;
}

void
kad_net_closed(struct kad_net *kn, struct p2p_conn *c)
{
	char	peer[P2P_PEER_ID_TEXT_MAX];

	if (c->peer_text[0] != '\0')
		snprintf(peer, sizeof(peer), "%s", c->peer_text);
	else if (c->has_expected)
		peer_text(c->expected.bytes, c->expected.len, peer,
		    sizeof(peer));
	else
		return;
	if (c->state != P2P_CONN_OPEN)
		pending_flush(kn, peer, NULL, util_mono_ms());
}

int
kad_net_topic(struct kad_net *kn, const char *topic, int join)
{
	if (!join) {
		kad_dht_topic_remove(kn->dht, topic);
		return 0;
	}
	return kad_dht_topic_add(kn->dht, topic, util_mono_ms());
}
