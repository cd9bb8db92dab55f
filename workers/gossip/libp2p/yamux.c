/*
 * Gossip worker: yamux, the stream multiplexer inside each Noise session.
 * Encodes and decodes the 12-byte header (version, type, flags, stream ID,
 * length; big-endian) and keeps one session's bookkeeping: who may open
 * which stream IDs (dialer odd, listener even), each direction's window
 * (256 KiB to start, only Data counts, topped up by WindowUpdate), the cap
 * on streams per connection, FIN/RST, pings and go-away.  It never moves
 * bytes: the connection code reads payloads and writes the headers it is
 * given.  A peer that overruns our window, reuses an ID or opens with the
 * wrong parity is a protocol error and gets a go-away.
 */
#include <string.h>

#include "libp2p/libp2p.h"

#define P2P_YAMUX_ID_LAST	0xfffffffeu	/* highest ID we hand out */

void
p2p_yamux_hdr_encode(const struct p2p_yamux_hdr *hdr,
    uint8_t out[P2P_YAMUX_HDR_LEN])
{
	out[0] = hdr->version;
	out[1] = hdr->type;
	out[2] = (uint8_t)(hdr->flags >> 8);
	out[3] = (uint8_t)hdr->flags;
	out[4] = (uint8_t)(hdr->stream_id >> 24);
	out[5] = (uint8_t)(hdr->stream_id >> 16);
	out[6] = (uint8_t)(hdr->stream_id >> 8);
	out[7] = (uint8_t)hdr->stream_id;
	out[8] = (uint8_t)(hdr->length >> 24);
	out[9] = (uint8_t)(hdr->length >> 16);
	out[10] = (uint8_t)(hdr->length >> 8);
	out[11] = (uint8_t)hdr->length;
}

static uint32_t
p2p_yamux_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
p2p_yamux_hdr_decode(const uint8_t *buf, size_t len,
    struct p2p_yamux_hdr *hdr)
{
	if (len < P2P_YAMUX_HDR_LEN || buf[0] != 0 ||
	    buf[1] > P2P_YAMUX_GO_AWAY)
		return -1;
	hdr->version = buf[0];
	hdr->type = buf[1];
	hdr->flags = (uint16_t)(buf[2] << 8 | buf[3]);
	hdr->stream_id = p2p_yamux_be32(buf + 4);
	hdr->length = p2p_yamux_be32(buf + 8);
	return 0;
}

static void
p2p_yamux_hdr(struct p2p_yamux_hdr *out, uint8_t type, uint16_t flags,
    uint32_t id, uint32_t length)
{
	out->version = 0;
	out->type = type;
	out->flags = flags;
	out->stream_id = id;
	out->length = length;
}

void
p2p_yamux_session_init(struct p2p_yamux_session *s, int client,
    size_t max_streams)
{
	memset(s, 0, sizeof(*s));
	s->client = client;
	s->next_id = client ? 1 : 2;
	s->max_streams = max_streams < P2P_YAMUX_STREAMS_MAX ? max_streams :
	    P2P_YAMUX_STREAMS_MAX;
}

/* Slot index of stream id, or -1. */
static int
p2p_yamux_slot(const struct p2p_yamux_session *s, uint32_t id)
{
	int	i;

	if (id == 0)
		return -1;
	for (i = 0; i < P2P_YAMUX_STREAMS_MAX; i++)
		if (s->streams[i].id == id)
			return i;
	return -1;
}

static struct p2p_yamux_stream *
p2p_yamux_find(struct p2p_yamux_session *s, uint32_t id)
{
	int	i = p2p_yamux_slot(s, id);

	return i < 0 ? NULL : &s->streams[i];
}

static struct p2p_yamux_stream *
p2p_yamux_alloc(struct p2p_yamux_session *s, uint32_t id)
{
	struct p2p_yamux_stream	*st;

	if (s->nstreams >= s->max_streams)
		return NULL;
	for (st = s->streams; st < s->streams + P2P_YAMUX_STREAMS_MAX; st++) {
		if (st->id != 0)
			continue;
		st->id = id;
		st->flags = 0;
		st->send_window = P2P_YAMUX_WINDOW;
		st->recv_window = P2P_YAMUX_WINDOW;
		st->recv_pending = 0;
		s->nstreams++;
		return st;
	}
	return NULL;
}

static void
p2p_yamux_release(struct p2p_yamux_session *s,
    struct p2p_yamux_stream *st)
{
	memset(st, 0, sizeof(*st));
	s->nstreams--;
}

/* A protocol violation: answer with go-away and let the caller close. */
static int
p2p_yamux_violation(struct p2p_yamux_session *s,
    struct p2p_yamux_event *ev)
{
	p2p_yamux_go_away(s, P2P_YAMUX_GOAWAY_PROTO, &ev->reply);
	ev->has_reply = 1;
	return -1;
}

/* The peer opens hdr->stream_id: accept, refuse with RST, or violation. */
static int
p2p_yamux_accept(struct p2p_yamux_session *s,
    const struct p2p_yamux_hdr *hdr, struct p2p_yamux_event *ev,
    struct p2p_yamux_stream **stp)
{
	uint32_t	id = hdr->stream_id;

	*stp = NULL;
	/* The peer's IDs are even if we are the client, odd otherwise. */
	if ((id % 2 == 1) == (s->client != 0) || p2p_yamux_find(s, id))
		return p2p_yamux_violation(s, ev);
	ev->has_reply = 1;
	if (s->goaway_sent || (*stp = p2p_yamux_alloc(s, id)) == NULL) {
		p2p_yamux_hdr(&ev->reply, P2P_YAMUX_WINDOW_UPDATE,
		    P2P_YAMUX_RST, id, 0);
		if (hdr->type == P2P_YAMUX_DATA && hdr->length > 0)
			ev->events |= P2P_YAMUX_EV_DISCARD;
		return 0;
	}
	p2p_yamux_hdr(&ev->reply, P2P_YAMUX_WINDOW_UPDATE,
	    P2P_YAMUX_ACK, id, 0);
	ev->events |= P2P_YAMUX_EV_OPEN;
	return 0;
}

/* Window credit and payload of a Data or WindowUpdate frame. */
static int
p2p_yamux_credit(struct p2p_yamux_session *s,
    struct p2p_yamux_stream *st, const struct p2p_yamux_hdr *hdr,
    struct p2p_yamux_event *ev)
{
	if (hdr->type == P2P_YAMUX_WINDOW_UPDATE) {
		if (hdr->length > UINT32_MAX - st->send_window)
			return p2p_yamux_violation(s, ev);
		st->send_window += hdr->length;
		if (hdr->length > 0)
			ev->events |= P2P_YAMUX_EV_WINDOW;
		return 0;
	}
	if (hdr->length == 0)
		return 0;
	if ((st->flags & P2P_YAMUX_ST_REMOTE_FIN) ||
	    hdr->length > st->recv_window)
		return p2p_yamux_violation(s, ev);
	st->recv_window -= hdr->length;
	ev->events |= P2P_YAMUX_EV_DATA;
	return 0;
}

static int
p2p_yamux_recv_stream(struct p2p_yamux_session *s,
    const struct p2p_yamux_hdr *hdr, struct p2p_yamux_event *ev)
{
	struct p2p_yamux_stream	*st;

	if (hdr->stream_id == 0)
		return p2p_yamux_violation(s, ev);
	if (hdr->flags & P2P_YAMUX_SYN) {
		if (p2p_yamux_accept(s, hdr, ev, &st) != 0)
			return -1;
		if (st == NULL)			/* refused */
			return 0;
	} else if ((st = p2p_yamux_find(s, hdr->stream_id)) == NULL) {
		/* Late frames for a stream already gone are dropped. */
		if (hdr->type == P2P_YAMUX_DATA && hdr->length > 0)
			ev->events |= P2P_YAMUX_EV_DISCARD;
		return 0;
	}
	if ((hdr->flags & P2P_YAMUX_ACK) &&
	    (st->flags & P2P_YAMUX_ST_SYN_SENT)) {
		st->flags &= ~(uint32_t)P2P_YAMUX_ST_SYN_SENT;
		ev->events |= P2P_YAMUX_EV_ACKED;
	}
	if (p2p_yamux_credit(s, st, hdr, ev) != 0)
		return -1;
	if (hdr->flags & P2P_YAMUX_RST) {
		if (ev->events & P2P_YAMUX_EV_DATA)
			ev->events ^= P2P_YAMUX_EV_DATA |
			    P2P_YAMUX_EV_DISCARD;
		ev->events |= P2P_YAMUX_EV_RST;
		p2p_yamux_release(s, st);
	} else if (hdr->flags & P2P_YAMUX_FIN) {
		st->flags |= P2P_YAMUX_ST_REMOTE_FIN;
		ev->events |= P2P_YAMUX_EV_FIN;
		if (st->flags & P2P_YAMUX_ST_LOCAL_FIN) {
			ev->events |= P2P_YAMUX_EV_CLOSED;
			p2p_yamux_release(s, st);
		}
	}
	return 0;
}

int
p2p_yamux_session_recv(struct p2p_yamux_session *s,
    const struct p2p_yamux_hdr *in, struct p2p_yamux_event *ev)
{
	struct p2p_yamux_hdr		 copy = *in;	/* in may be ev->reply */
	const struct p2p_yamux_hdr	*hdr = &copy;

	memset(ev, 0, sizeof(*ev));
	ev->stream_id = hdr->stream_id;
	ev->length = hdr->length;
	switch (hdr->type) {
	case P2P_YAMUX_DATA:
	case P2P_YAMUX_WINDOW_UPDATE:
		return p2p_yamux_recv_stream(s, hdr, ev);
	case P2P_YAMUX_PING:
		if (hdr->flags & P2P_YAMUX_SYN) {
			p2p_yamux_hdr(&ev->reply, P2P_YAMUX_PING,
			    P2P_YAMUX_ACK, 0, hdr->length);
			ev->has_reply = 1;
		} else if (hdr->flags & P2P_YAMUX_ACK)
			ev->events |= P2P_YAMUX_EV_PONG;
		return 0;
	case P2P_YAMUX_GO_AWAY:
		s->goaway_recv = 1;
		s->goaway_code = hdr->length;
		ev->events |= P2P_YAMUX_EV_GOAWAY;
		return 0;
	}
	return p2p_yamux_violation(s, ev);	/* version/type unchecked */
}

int
p2p_yamux_stream_open(struct p2p_yamux_session *s, uint32_t *id,
    struct p2p_yamux_hdr *out)
{
	struct p2p_yamux_stream	*st;

	if (s->goaway_sent || s->goaway_recv || s->next_id > P2P_YAMUX_ID_LAST)
		return -1;
	if ((st = p2p_yamux_alloc(s, s->next_id)) == NULL)
		return -1;
	st->flags = P2P_YAMUX_ST_SYN_SENT;
	*id = s->next_id;
	s->next_id += 2;
	/* Go style: WindowUpdate+SYN with delta 0 (256 KiB assumed). */
	p2p_yamux_hdr(out, P2P_YAMUX_WINDOW_UPDATE, P2P_YAMUX_SYN, *id,
	    0);
	return 0;
}

uint32_t
p2p_yamux_stream_send_max(const struct p2p_yamux_session *s,
    uint32_t id)
{
	const struct p2p_yamux_stream	*st;
	int					 i;

	if ((i = p2p_yamux_slot(s, id)) < 0)
		return 0;
	st = &s->streams[i];
	if (st->flags & P2P_YAMUX_ST_LOCAL_FIN)
		return 0;
	return st->send_window < P2P_YAMUX_FRAME_DATA_MAX ?
	    st->send_window : P2P_YAMUX_FRAME_DATA_MAX;
}

int
p2p_yamux_stream_send(struct p2p_yamux_session *s, uint32_t id,
    uint32_t len, struct p2p_yamux_hdr *out)
{
	struct p2p_yamux_stream	*st;

	if (len == 0 || len > p2p_yamux_stream_send_max(s, id))
		return -1;
	st = p2p_yamux_find(s, id);
	st->send_window -= len;
	p2p_yamux_hdr(out, P2P_YAMUX_DATA, 0, id, len);
	return 0;
}

int
p2p_yamux_stream_consumed(struct p2p_yamux_session *s, uint32_t id,
    uint32_t n, struct p2p_yamux_hdr *out, int *has_update)
{
	struct p2p_yamux_stream	*st;

	*has_update = 0;
	if ((st = p2p_yamux_find(s, id)) == NULL)
		return 0;			/* gone: nothing to give back */
	if (n > P2P_YAMUX_WINDOW - st->recv_window - st->recv_pending)
		return -1;			/* more than was received */
	st->recv_pending += n;
	if (st->recv_pending < P2P_YAMUX_WINDOW / 2 ||
	    (st->flags & P2P_YAMUX_ST_REMOTE_FIN))
		return 0;
	p2p_yamux_hdr(out, P2P_YAMUX_WINDOW_UPDATE, 0, id,
	    st->recv_pending);
	st->recv_window += st->recv_pending;
	st->recv_pending = 0;
	*has_update = 1;
	return 0;
}

int
p2p_yamux_stream_close(struct p2p_yamux_session *s, uint32_t id,
    struct p2p_yamux_hdr *out)
{
	struct p2p_yamux_stream	*st;

	st = p2p_yamux_find(s, id);
	if (st == NULL || (st->flags & P2P_YAMUX_ST_LOCAL_FIN))
		return -1;
	st->flags |= P2P_YAMUX_ST_LOCAL_FIN;
	p2p_yamux_hdr(out, P2P_YAMUX_WINDOW_UPDATE, P2P_YAMUX_FIN, id,
	    0);
	if (st->flags & P2P_YAMUX_ST_REMOTE_FIN)
		p2p_yamux_release(s, st);
	return 0;
}

int
p2p_yamux_stream_reset(struct p2p_yamux_session *s, uint32_t id,
    struct p2p_yamux_hdr *out)
{
	struct p2p_yamux_stream	*st;

	if ((st = p2p_yamux_find(s, id)) == NULL)
		return -1;
	p2p_yamux_release(s, st);
	p2p_yamux_hdr(out, P2P_YAMUX_WINDOW_UPDATE, P2P_YAMUX_RST, id,
	    0);
	return 0;
}

void
p2p_yamux_ping(uint32_t value, struct p2p_yamux_hdr *out)
{
	p2p_yamux_hdr(out, P2P_YAMUX_PING, P2P_YAMUX_SYN, 0, value);
}

void
p2p_yamux_go_away(struct p2p_yamux_session *s, uint32_t code,
    struct p2p_yamux_hdr *out)
{
	s->goaway_sent = 1;
	p2p_yamux_hdr(out, P2P_YAMUX_GO_AWAY, 0, 0, code);
}
