/*
 * Gossip worker: yamux streams of one connection.  Each stream negotiates
 * its protocol with multistream-select (we propose on streams we open,
 * answer on streams the peer opens), then hands its bytes to the protocol
 * handler (identify, ping, meshsub ...).  Writes wait in the stream until
 * the peer's window allows them: we never send past it.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "libp2p/internal.h"
#include "log.h"
#include "util.h"

/* The argument proto was registered with (p2p_host_add_proto). */
static void *
stream_proto_arg(const struct p2p_host *h, const struct p2p_proto *proto)
{
	size_t	i;

	for (i = 0; i < h->nprotos; i++)
		if (h->protos[i] == proto)
			return h->proto_args[i];
	return NULL;
}

static struct p2p_stream *
stream_new(struct p2p_conn *c, uint32_t id, int outbound)
{
	struct p2p_stream	*s = xcalloc(1, sizeof(*s));

	s->c = c;
	s->id = id;
	s->outbound = outbound;
	s->state = P2P_STREAM_NEGOTIATING;
	s->in = evbuffer_new();
	s->out = evbuffer_new();
	p2p_nego_init(&s->nego, outbound);
	LIST_INSERT_HEAD(&c->streams, s, entry);
	return s;
}

struct p2p_stream *
p2p_stream_find(struct p2p_conn *c, uint32_t id)
{
	struct p2p_stream	*s;

	LIST_FOREACH(s, &c->streams, entry)
		if (s->id == id)
			return s;
	return NULL;
}

struct p2p_stream *
p2p_stream_open(struct p2p_conn *c, const struct p2p_proto *proto)
{
	struct p2p_yamux_hdr	 h;
	struct p2p_stream	*s;
	uint32_t		 id;

	if (c->state != P2P_CONN_OPEN ||
	    p2p_yamux_stream_open(c->ys, &id, &h) == -1)
		return NULL;
	if (p2p_conn_send_frame(c, &h, NULL, 0) == -1)
		return NULL;
	s = stream_new(c, id, 1);
	s->proto = proto;
	s->arg = stream_proto_arg(c->h, proto);
	p2p_nego_propose(proto->id, s->out);
	p2p_stream_flush(s);
	return s;
}

struct p2p_stream *
p2p_stream_accept(struct p2p_conn *c, uint32_t id)
{
	return stream_new(c, id, 0);
}

void
p2p_stream_flush(struct p2p_stream *s)
{
	struct p2p_conn	*c = s->c;
	struct p2p_yamux_hdr	 h;
	uint32_t		 n;
	size_t			 left;

	while ((left = evbuffer_get_length(s->out)) > 0) {
		n = p2p_yamux_stream_send_max(c->ys, s->id);
		if (n == 0)
			return;		/* wait for a window update */
		if (n > P2P_NOISE_PLAIN_MAX - P2P_YAMUX_HDR_LEN)
			n = P2P_NOISE_PLAIN_MAX - P2P_YAMUX_HDR_LEN;
		if (n > left)
			n = (uint32_t)left;
		if (p2p_yamux_stream_send(c->ys, s->id, n, &h) == -1)
			return;
		if (p2p_conn_send_frame_from(c, &h, s->out, n) == -1)
			return;
	}
	if (s->local_fin == 1) {
		s->local_fin = 2;
		if (p2p_yamux_stream_close(c->ys, s->id, &h) == 0)
			p2p_conn_send_frame(c, &h, NULL, 0);
	} else if (s->state == P2P_STREAM_OPEN && !s->local_fin &&
	    s->proto->drained != NULL)
		s->proto->drained(s);
}

int
p2p_stream_write(struct p2p_stream *s, const uint8_t *data, size_t len)
{
	if (s->local_fin || evbuffer_get_length(s->out) + len >
	    P2P_STREAM_INBUF_MAX)
		return -1;
	evbuffer_add(s->out, data, len);
	if (s->state == P2P_STREAM_OPEN)
		p2p_stream_flush(s);
	return 0;
}

void
p2p_stream_close(struct p2p_stream *s)
{
	if (s->local_fin)
		return;
	s->local_fin = 1;
	p2p_stream_flush(s);
}

void
p2p_stream_reset(struct p2p_stream *s)
{
	struct p2p_yamux_hdr	h;

	if (p2p_yamux_stream_reset(s->c->ys, s->id, &h) == 0)
		p2p_conn_send_frame(s->c, &h, NULL, 0);
	p2p_stream_free(s);
}

void
p2p_stream_free(struct p2p_stream *s)
{
	if (s->proto != NULL && s->state == P2P_STREAM_OPEN &&
	    s->proto->close != NULL)
		s->proto->close(s);
	LIST_REMOVE(s, entry);
	evbuffer_free(s->in);
	evbuffer_free(s->out);
	free(s);
}

/* Give the peer back the window for bytes the protocol has consumed. */
static void
stream_credit(struct p2p_stream *s, size_t consumed)
{
	struct p2p_yamux_hdr	h;
	int			update = 0;

	if (consumed == 0)
		return;
	if (p2p_yamux_stream_consumed(s->c->ys, s->id, (uint32_t)consumed,
	    &h, &update) == 0 && update)
		p2p_conn_send_frame(s->c, &h, NULL, 0);
}

static int
stream_negotiate(struct p2p_stream *s)
{
	const char	*ids[16], *why = NULL;
	size_t		 i, n = 0;
	int		 rc, sel = -1;

	if (s->outbound)
		ids[n++] = s->proto->id;
	else {
		for (i = 0; i < s->c->h->nprotos && n < 15; i++)
			ids[n++] = s->c->h->protos[i]->id;
	}
	rc = p2p_nego_step(&s->nego, s->in, ids, n, s->out, &sel, &why);
	p2p_stream_flush(s);
	if (rc < 0) {
		log_debug("gossip: stream %u to %s: %s", s->id, s->c->peer_text,
		    why != NULL ? why : "negotiation failed");
		p2p_stream_reset(s);
		return -1;
	}
	if (rc == 0)
		return 0;
	if (!s->outbound) {
		s->proto = s->c->h->protos[sel];
		s->arg = s->c->h->proto_args[sel];
	}
	s->state = P2P_STREAM_OPEN;
	if (s->proto->open != NULL)
		s->proto->open(s);
	return 1;
}

void
p2p_stream_input(struct p2p_stream *s, struct evbuffer *src, size_t len)
{
	struct p2p_conn	*c = s->c;
	uint32_t		 id = s->id;
	size_t			 before;

	evbuffer_remove_buffer(src, s->in, len);
	if (s->state == P2P_STREAM_NEGOTIATING) {
		before = evbuffer_get_length(s->in);
		if (stream_negotiate(s) <= 0) {
			if ((s = p2p_stream_find(c, id)) != NULL)
				stream_credit(s, before -
				    evbuffer_get_length(s->in));
			return;
		}
		if ((s = p2p_stream_find(c, id)) == NULL)
			return;
		stream_credit(s, before - evbuffer_get_length(s->in));
	}
	before = evbuffer_get_length(s->in);
	if (before == 0 || s->proto->data == NULL)
		return;
	s->proto->data(s);
	if ((s = p2p_stream_find(c, id)) != NULL)
		stream_credit(s, before - evbuffer_get_length(s->in));
}

void
p2p_stream_remote_fin(struct p2p_stream *s)
{
	s->remote_fin = 1;
	if (s->state == P2P_STREAM_OPEN && s->proto->fin != NULL)
		s->proto->fin(s);
	else if (s->state != P2P_STREAM_OPEN)
		p2p_stream_reset(s);
}
