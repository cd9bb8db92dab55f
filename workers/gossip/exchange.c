/*
 * Gossip worker: peer exchange.  Two ways to learn peers from the peers we
 * have, and one dialer for what they tell:
 *
 *  - gossipsub PX: the router hands up each peer a well-scored peer offered
 *    with a PRUNE; its signed peer record (peerrecord.c) must verify and
 *    name that peer, or the entry is dropped (we keep no address book to
 *    find a bare peer ID in).
 *  - go-p2p-message-bus's /p2p-msg-bus/peer-addr-request/1.0.0 (addrreq.c):
 *    served (we answer with the listen addresses identify gave us of a
 *    connected peer) and used (authors of messages we are not connected to
 *    are asked about, first from the peer that forwarded the message, then
 *    every EX_TICK_MS from up to EX_ASK_PEERS peers that speak it, each
 *    author again after EX_RETRY_MS).
 *
 * Every learnt address goes through the same gate: /ip4 or /ip6 over /tcp
 * only (no name is ever resolved), private addresses only with
 * p2p_allow_private_ips, never ourselves, a connected, banned or recently
 * dialed peer, at most EX_DIALS per EX_WINDOW_MS (and EX_CHECKS PX records
 * verified); p2p_host_dial() then applies the connection limits and the
 * ban gate.  Streams have a deadline and a cap on their number and bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "addrreq.h"
#include "gossip.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define EX_DIALS		16	/* dials per window */
#define EX_CHECKS		64	/* PX records verified per window */
#define EX_WINDOW_MS		10000
#define EX_RECENT_MAX		128	/* peers dialed, not redialed soon */
#define EX_REDIAL_MS		60000
#define EX_AUTHORS_MAX		32	/* unknown authors remembered */
#define EX_TICK_MS		15000	/* the bus's lookup rhythm */
#define EX_RETRY_MS		(5 * 60000)	/* an author asked again */
#define EX_ASK_PEERS		3	/* peers asked per author per tick */
#define EX_STREAMS_MAX		64	/* request streams at once, each way */
#define EX_STREAM_MS		10000	/* a request stream's deadline */

struct ex_author {
	char		id[P2P_PEER_ID_TEXT_MAX];	/* "" unused */
	uint64_t	seen_ms, asked_ms;
};

/* A question sent on a stream still being negotiated (no state yet). */
struct ex_pending {
	uint64_t		conn_id;	/* p2p_conn.id */
	uint32_t		stream_id;
	uint64_t		since_ms;	/* 0: free slot */
	struct p2p_peer_id	target;
};

struct gossip_exchange {
	struct gossip_ctx	*g;		/* borrowed */
	int			 allow_private;
	struct event		*tick;		/* owned */
	uint64_t		 window_start_ms;
	unsigned		 window_dials;
	unsigned		 window_checks;	/* PX signatures checked */
	struct {
		uint64_t	hash;
		uint64_t	at_ms;
	}			 recent[EX_RECENT_MAX];
	struct ex_author	 authors[EX_AUTHORS_MAX];
	size_t			 nstreams[2];	/* [0] served, [1] asking */
	struct ex_pending	 pending[EX_STREAMS_MAX];
	struct gossip_exchange_stats st;
};

/* A request stream's state (s->state_ptr). */
struct ex_stream {
	struct gossip_exchange	*ex;		/* borrowed */
	struct p2p_stream	*s;		/* borrowed: owner */
	struct event		*deadline;	/* owned */
	struct p2p_peer_id	 target;	/* asked about */
	int			 answered;
};

static const struct p2p_proto ex_proto;

/* ---- the dialer ---- */

static uint64_t
ex_hash(const struct p2p_peer_id *id)
{
	uint64_t	h = 1469598103934665603ull;
	size_t		i;

	for (i = 0; i < id->len; i++)
		h = (h ^ id->bytes[i]) * 1099511628211ull;
	return h;
}

/* 1 if id was dialed in the last EX_REDIAL_MS; else remember it now. */
static int
ex_recent(struct gossip_exchange *ex, const struct p2p_peer_id *id,
    uint64_t now)
{
	uint64_t	h = ex_hash(id);
	size_t		i, old = 0;

	for (i = 0; i < EX_RECENT_MAX; i++) {
		if (ex->recent[i].hash == h &&
		    now - ex->recent[i].at_ms < EX_REDIAL_MS)
			return 1;
		if (ex->recent[i].at_ms < ex->recent[old].at_ms)
			old = i;
	}
	ex->recent[old].hash = h;
	ex->recent[old].at_ms = now;
	return 0;
}

/* An address we may dial: /ip4|/ip6 + /tcp (+ /p2p), the private rule. */
static int
ex_dialable(const struct gossip_exchange *ex, const struct p2p_multiaddr *ma)
{
	struct p2p_multiaddr_part	part;
	size_t				off = 0;
	int				i;

	for (i = 0; p2p_multiaddr_next(ma->bytes, ma->len, &off, &part) == 1;
	    i++) {
		if ((i == 0 && part.code != P2P_MA_IP4 &&
		    part.code != P2P_MA_IP6) || (i == 1 &&
		    part.code != P2P_MA_TCP) || (i == 2 &&
		    part.code != P2P_MA_P2P) || i > 2)
			return 0;
	}
	if (i < 2)
		return 0;
	return ex->allow_private || kad_addr_private(ma->bytes, ma->len) == 0;
}

/* The dial budget of the current window; 0 if spent. */
static int
ex_budget(struct gossip_exchange *ex, uint64_t now)
{
	if (now - ex->window_start_ms >= EX_WINDOW_MS) {
		ex->window_start_ms = now;
		ex->window_dials = 0;
		ex->window_checks = 0;
	}
	return ex->window_dials < EX_DIALS;
}

/*
 * Dial id at the first usable one of its addresses; `how` names the
 * source for the log.  0 if a dial started.
 */
static int
ex_dial(struct gossip_exchange *ex, const struct p2p_peer_id *id,
    const struct p2p_multiaddr *addrs, size_t n, const char *how)
{
	struct p2p_host	*h = &ex->g->host;
	char		 peer[P2P_PEER_ID_TEXT_MAX], text[P2P_MULTIADDR_TEXT_MAX];
	char		 maddr[P2P_MULTIADDR_TEXT_MAX + P2P_PEER_ID_TEXT_MAX + 8];
	char		 err[256], *p2p;
	uint64_t	 now = util_mono_ms();
	size_t		 i;

	if (p2p_identity_peer_id_equal(id, &h->id.peer_id) ||
	    p2p_identity_peer_id_format(id, peer, sizeof(peer)) != 0 ||
	    p2p_host_find(h, peer) != NULL)
		return -1;
	if (gossip_gate_peer_banned(ex->g, peer)) {
		ex->st.refused++;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (ex_dialable(ex, &addrs[i]) && p2p_multiaddr_format(
		    addrs[i].bytes, addrs[i].len, text, sizeof(text)) == 0)
			break;
	if (i == n) {
		ex->st.no_address++;
		log_info("gossip: %s: %s has no address we may dial", how, peer);
		return -1;
	}
	if (!ex_budget(ex, now) || ex_recent(ex, id, now)) {
		ex->st.refused++;
		return -1;
	}
	if ((p2p = strstr(text, "/p2p/")) != NULL)
		*p2p = '\0';
	snprintf(maddr, sizeof(maddr), "%s/p2p/%s", text, peer);
	ex->window_dials++;
	if (p2p_host_dial(h, maddr, NULL, err, sizeof(err)) == -1) {
		log_info("gossip: %s: dial %s: %s", how, maddr, err);
		return -1;
	}
	ex->st.dialed++;
	log_info("gossip: %s: dialing %s", how, maddr);
	return 0;
}

/* ---- gossipsub PX ---- */

void
gossip_exchange_px(void *arg, const char *from, const struct p2p_peer_id *id,
    const uint8_t *rec, size_t reclen)
{
	struct gossip_exchange	*ex = arg;
	struct p2p_peer_record	*r;
	char			 how[P2P_PEER_ID_TEXT_MAX + 16];
	int			 rc;

	ex->st.px_offered++;
	if (rec == NULL) {
		ex->st.no_address++;	/* a bare ID: we keep no address book */
		return;
	}
	/* a signature check costs; PRUNE floods get only so many */
	if (!ex_budget(ex, util_mono_ms()) ||
	    ex->window_checks >= EX_CHECKS) {
		ex->st.refused++;
		return;
	}
	ex->window_checks++;
	r = xmalloc(sizeof(*r));
	if ((rc = p2p_record_open(rec, reclen, r)) != P2P_RECORD_OK ||
	    !p2p_identity_peer_id_equal(&r->peer, id)) {
		ex->st.bad_record++;
		log_info("gossip: px from %s: bad peer record: %s", from,
		    rc != P2P_RECORD_OK ? p2p_record_strerror(rc) :
		    "another peer's");
		free(r);
		return;
	}
	snprintf(how, sizeof(how), "px from %s", from);
	(void)ex_dial(ex, id, r->addrs, r->naddrs, how);
	free(r);
}

/* ---- /p2p-msg-bus/peer-addr-request/1.0.0 ---- */

static void
ex_stream_expired(evutil_socket_t fd, short what, void *arg)
{
	struct ex_stream	*es = arg;

	(void)fd;
	(void)what;
	es->ex->st.addr_timeouts++;
	p2p_stream_reset(es->s);	/* frees es through ex_close */
}

static struct ex_stream *
ex_stream_new(struct gossip_exchange *ex, struct p2p_stream *s)
{
	struct ex_stream	*es = xcalloc(1, sizeof(*es));
	struct timeval		 tv = { EX_STREAM_MS / 1000, 0 };

	es->ex = ex;
	es->s = s;
	es->deadline = evtimer_new(ex->g->p->base, ex_stream_expired, es);
	evtimer_add(es->deadline, &tv);
	s->state_ptr = es;
	ex->nstreams[s->outbound ? 1 : 0]++;
	return es;
}

/* Answer the request in s->in if it is complete; reset it if garbage. */
static void
ex_serve(struct ex_stream *es, int fin)
{
	struct p2p_stream	*s = es->s;
	struct p2p_peer_id	 id;
	struct p2p_conn		*c;
	char			 reply[ADDRREQ_REPLY_MAX + 1], peer[P2P_PEER_ID_TEXT_MAX];
	size_t			 len = evbuffer_get_length(s->in), n;

	if (es->answered) {
		evbuffer_drain(s->in, len);
		return;
	}
	if (len > ADDRREQ_REQUEST_MAX || gossip_addrreq_parse_request(
	    evbuffer_pullup(s->in, -1), len, &id) == -1) {
		if (fin || len > ADDRREQ_REQUEST_MAX) {
			es->ex->st.addr_bad_request++;
			p2p_stream_reset(s);
		}
		return;
	}
	es->answered = 1;
	evbuffer_drain(s->in, len);
	c = p2p_identity_peer_id_format(&id, peer, sizeof(peer)) == 0 ?
	    p2p_host_find(&es->ex->g->host, peer) : NULL;
	n = gossip_addrreq_format_reply(c != NULL ? c->info.listen_addrs :
	    NULL, c != NULL ? c->info.nlisten_addrs : 0, reply, sizeof(reply));
	es->ex->st.addr_served++;
	log_debug("gossip: %s asked for %s: %zu bytes", s->c->peer_text, peer,
	    n);
	p2p_stream_write(s, (const uint8_t *)reply, n);
	p2p_stream_close(s);
}

/* The answer to our question, once the answerer closed. */
static void
ex_answer(struct ex_stream *es)
{
	struct p2p_stream	*s = es->s;
	struct p2p_multiaddr	*ma;
	size_t			 len = evbuffer_get_length(s->in), n;
	char			 how[P2P_PEER_ID_TEXT_MAX + 32];

	ma = xcalloc(ADDRREQ_ADDRS_MAX, sizeof(*ma));
	if (gossip_addrreq_parse_reply(evbuffer_pullup(s->in, -1), len, ma,
	    ADDRREQ_ADDRS_MAX, &n) == -1) {
		es->ex->st.addr_bad_reply++;
		log_info("gossip: bad peer-addr-request answer from %s",
		    s->c->peer_text);
	} else {
		es->ex->st.addr_answers++;
		snprintf(how, sizeof(how), "peer-addr-request to %s",
		    s->c->peer_text);
		(void)ex_dial(es->ex, &es->target, ma, n, how);
	}
	free(ma);
	evbuffer_drain(s->in, len);
	p2p_stream_close(s);
}

/*
 * The question ex_ask() sent on s, taken from the pending table; NULL if
 * none (it expired).  A stream that never gets here (refused, reset) only
 * leaves a slot that expires: no state hangs on it before it opens.
 */
static struct ex_pending *
ex_pending_take(struct gossip_exchange *ex, const struct p2p_stream *s)
{
	size_t	i;

	for (i = 0; i < EX_STREAMS_MAX; i++)
		if (ex->pending[i].since_ms != 0 &&
		    ex->pending[i].conn_id == s->c->id &&
		    ex->pending[i].stream_id == s->id) {
			ex->pending[i].since_ms = 0;
			return &ex->pending[i];
		}
	return NULL;
}

static void
ex_open(struct p2p_stream *s)
{
	struct gossip_exchange	*ex = s->arg;
	struct ex_pending	*q = NULL;
	struct ex_stream	*es;

	if (s->outbound && (q = ex_pending_take(ex, s)) == NULL) {
		p2p_stream_reset(s);
		return;
	}
	if (ex->nstreams[s->outbound ? 1 : 0] >= EX_STREAMS_MAX) {
		p2p_stream_reset(s);
		return;
	}
	es = ex_stream_new(ex, s);
	if (q != NULL)
		es->target = q->target;
}

static void
ex_data(struct p2p_stream *s)
{
	struct ex_stream	*es = s->state_ptr;

	if (es == NULL)
		return;
	if (!s->outbound)
		ex_serve(es, 0);
	else if (evbuffer_get_length(s->in) > ADDRREQ_REPLY_MAX) {
		es->ex->st.addr_bad_reply++;
		p2p_stream_reset(s);
	}
}

static void
ex_fin(struct p2p_stream *s)
{
	struct ex_stream	*es = s->state_ptr;

	if (es == NULL)
		p2p_stream_close(s);
	else if (!s->outbound)
		ex_serve(es, 1);
	else
		ex_answer(es);
}

static void
ex_close(struct p2p_stream *s)
{
	struct ex_stream	*es = s->state_ptr;

	if (es == NULL)
		return;
	es->ex->nstreams[s->outbound ? 1 : 0]--;
	event_free(es->deadline);
	free(es);
	s->state_ptr = NULL;
}

static const struct p2p_proto ex_proto = {
	ADDRREQ_PROTOCOL, ex_open, ex_data, ex_fin, ex_close, NULL,
};

/* 1 if identify says c serves the address request. */
static int
ex_speaks(const struct p2p_conn *c)
{
	size_t	i;

	for (i = 0; i < c->info.nprotocols; i++)
		if (strcmp(c->info.protocols[i], ADDRREQ_PROTOCOL) == 0)
			return 1;
	return 0;
}

/* Ask c where author is; 0 if the question left. */
static int
ex_ask(struct gossip_exchange *ex, struct p2p_conn *c, const char *author)
{
	struct p2p_stream	*s;
	struct ex_pending	*q = NULL;
	struct p2p_peer_id	 id;
	uint64_t		 now = util_mono_ms();
	size_t			 i;

	for (i = 0; i < EX_STREAMS_MAX && q == NULL; i++)
		if (ex->pending[i].since_ms == 0 ||
		    now - ex->pending[i].since_ms >= EX_STREAM_MS)
			q = &ex->pending[i];
	if (q == NULL || !ex_speaks(c) || ex->nstreams[1] >= EX_STREAMS_MAX ||
	    p2p_identity_peer_id_parse(author, strlen(author), &id) != 0 ||
	    (s = p2p_stream_open(c, &ex_proto)) == NULL)
		return -1;
	q->conn_id = c->id;
	q->stream_id = s->id;
	q->since_ms = now;
	q->target = id;
	/* the request goes with the protocol proposal (lazy negotiation) */
	p2p_stream_write(s, (const uint8_t *)author, strlen(author));
	p2p_stream_close(s);
	ex->st.addr_asked++;
	log_debug("gossip: asking %s where %s is", c->peer_text, author);
	return 0;
}

/* Ask up to EX_ASK_PEERS connected peers about one author. */
static void
ex_ask_around(struct gossip_exchange *ex, struct ex_author *a, uint64_t now)
{
	struct p2p_conn	*c;
	int		 asked = 0;

	a->asked_ms = now;
	TAILQ_FOREACH(c, &ex->g->host.conns, entry) {
		if (asked >= EX_ASK_PEERS)
			break;
		if (c->state == P2P_CONN_OPEN && c->info.identified &&
		    ex_ask(ex, c, a->id) == 0)
			asked++;
	}
}

static void
ex_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gossip_exchange	*ex = arg;
	struct ex_author	*a;
	uint64_t		 now = util_mono_ms();
	size_t			 i;

	(void)fd;
	(void)what;
	for (i = 0; i < EX_AUTHORS_MAX; i++) {
		a = &ex->authors[i];
		if (a->id[0] == '\0')
			continue;
		if (p2p_host_find(&ex->g->host, a->id) != NULL ||
		    now - a->seen_ms > 2 * EX_RETRY_MS) {
			a->id[0] = '\0';	/* found, or gone quiet */
			continue;
		}
		if (a->asked_ms == 0 || now - a->asked_ms >= EX_RETRY_MS)
			ex_ask_around(ex, a, now);
	}
}

void
gossip_exchange_author(struct gossip_exchange *ex, const char *author,
    const char *from)
{
	struct ex_author	*a, *slot = NULL;
	struct p2p_conn		*c;
	uint64_t		 now = util_mono_ms();
	size_t			 i;

	if (ex == NULL || author == NULL || strcmp(author, from) == 0 ||
	    strlen(author) >= P2P_PEER_ID_TEXT_MAX ||
	    p2p_host_find(&ex->g->host, author) != NULL)
		return;
	for (i = 0; i < EX_AUTHORS_MAX; i++) {
		a = &ex->authors[i];
		if (strcmp(a->id, author) == 0) {
			a->seen_ms = now;
			return;
		}
		if (slot == NULL || a->id[0] == '\0' ||
		    (slot->id[0] != '\0' && a->seen_ms < slot->seen_ms))
			slot = a;
	}
	snprintf(slot->id, sizeof(slot->id), "%s", author);
	slot->seen_ms = now;
	slot->asked_ms = now;
	/* the peer that forwarded it has most likely met the author */
	if ((c = p2p_host_find(&ex->g->host, from)) != NULL)
		(void)ex_ask(ex, c, author);
}

/* ---- start, stop, counters ---- */

struct gossip_exchange *
gossip_exchange_start(struct gossip_ctx *g)
{
	struct gossip_exchange	*ex = xcalloc(1, sizeof(*ex));
	struct timeval		 tv = { EX_TICK_MS / 1000, 0 };

	ex->g = g;
	ex->allow_private = config_bool(g->p->cfg, "p2p_allow_private_ips");
	if (p2p_host_add_proto(&g->host, &ex_proto, ex) == -1)
		log_warn("gossip: no room to serve %s", ADDRREQ_PROTOCOL);
	ex->tick = event_new(g->p->base, -1, EV_PERSIST, ex_tick, ex);
	event_add(ex->tick, &tv);
	if (config_bool(g->p->cfg, "p2p_enable_peer_exchange")) {
		g->ms.px = gossip_exchange_px;
		g->ms.px_arg = ex;
	}
	return ex;
}

void
gossip_exchange_stop(struct gossip_exchange *ex)
{
	if (ex == NULL)
		return;
	ex->g->ms.px = NULL;
	event_free(ex->tick);
	free(ex);
}

void
gossip_exchange_stats(const struct gossip_exchange *ex,
    struct gossip_exchange_stats *st)
{
	*st = ex->st;
}

void
gossip_exchange_stats_add(const struct gossip_exchange *ex,
    struct proc_stats *st)
{
	proc_stat_add(st, "exchange_px_offered", (int64_t)ex->st.px_offered);
	proc_stat_add(st, "exchange_bad_record", (int64_t)ex->st.bad_record);
	proc_stat_add(st, "exchange_no_address", (int64_t)ex->st.no_address);
	proc_stat_add(st, "exchange_refused", (int64_t)ex->st.refused);
	proc_stat_add(st, "exchange_dialed", (int64_t)ex->st.dialed);
	proc_stat_add(st, "addrreq_served", (int64_t)ex->st.addr_served);
	proc_stat_add(st, "addrreq_asked", (int64_t)ex->st.addr_asked);
	proc_stat_add(st, "addrreq_answers", (int64_t)ex->st.addr_answers);
	proc_stat_add(st, "addrreq_bad", (int64_t)(ex->st.addr_bad_request +
	    ex->st.addr_bad_reply + ex->st.addr_timeouts));
}
