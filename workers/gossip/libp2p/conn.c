/*
 * Gossip worker: one libp2p connection over TCP.  It owns the socket's
 * bufferevent and walks the layers in order: multistream-select for
 * /noise, the Noise XX handshake (peer identity verified, the dialed peer
 * ID enforced), the muxer (agreed inline in Noise or by multistream-select
 * for /yamux/1.0.0), then the yamux session whose streams live in
 * stream.c.  Anything malformed from the peer closes this
 * connection only, with the reason logged and handed to the host's
 * violation callback.
 */
#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "libp2p/internal.h"
#include "log.h"
#include "proc.h"
#include "util.h"

static const char *const	conn_security[] = { "/noise" };
static const char *const	conn_muxers[] = { P2P_NOISE_MUXER };

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_timer_cb(evutil_socket_t, short, void *);

static void
conn_arm_timer(struct p2p_conn *c, uint64_t ms)
{
	struct timeval	tv = { (time_t)(ms / 1000),
			    (suseconds_t)(ms % 1000 * 1000) };

	evtimer_add(c->timer, &tv);
}

/*
 * How often an open connection is pinged and checked for silence: every
 * 30 s, or twice per p2p_idle_timeout when that is shorter, so that a peer
 * answering pings is never idle and a silent one is closed on time.
 */
static uint64_t
conn_ping_interval(const struct p2p_conn *c)
{
	uint64_t	half = c->h->lim.idle_ms / 2;

	return half > 0 && half < P2P_PING_INTERVAL_MS ? half :
	    P2P_PING_INTERVAL_MS;
}

struct p2p_conn *
p2p_conn_new(struct p2p_host *h, struct bufferevent *bev, int inbound,
    const struct sockaddr *sa, socklen_t salen,
    const struct p2p_peer_id *expected)
{
	struct p2p_conn	*c = xcalloc(1, sizeof(*c));
	char			 host[64];
	const void		*ip;
	int			 port;

	c->h = h;
	c->id = ++h->next_conn_id;
	c->bev = bev;
	c->inbound = inbound;
	c->state = inbound ? P2P_CONN_SECURITY : P2P_CONN_CONNECTING;
	c->started_ms = util_mono_ms();
	c->plain = evbuffer_new();
	memcpy(&c->sa, sa, salen);
	c->salen = salen;
	if (sa->sa_family == AF_INET6) {
		ip = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else {
		ip = &((const struct sockaddr_in *)sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	}
	evutil_inet_ntop(sa->sa_family, ip, host, sizeof(host));
	snprintf(c->remote, sizeof(c->remote), "/%s/%s/tcp/%d",
	    sa->sa_family == AF_INET6 ? "ip6" : "ip4", host, port);
	if (expected != NULL) {
		c->has_expected = 1;
		c->expected = *expected;
	}
	LIST_INIT(&c->streams);
	p2p_nego_init(&c->nego, !inbound);
	c->timer = evtimer_new(bufferevent_get_base(bev), conn_timer_cb, c);
	/* inbound: a short first deadline for silence, then the rest of
	 * p2p_handshake_timeout counted from the connect (conn_first_byte) */
	conn_arm_timer(c, !inbound ? h->lim.dial_ms :
	    h->lim.first_byte_ms < h->lim.handshake_ms ? h->lim.first_byte_ms :
	    h->lim.handshake_ms);
	bufferevent_setcb(bev, conn_read_cb, NULL, conn_event_cb, c);
	/* whole Noise frames per read/write: fewer system calls */
	bufferevent_set_max_single_read(bev, P2P_CONN_IO_CHUNK);
	bufferevent_set_max_single_write(bev, P2P_CONN_IO_CHUNK);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	h->nconns++;
	if (inbound) {
		h->nin++;
		h->nin_hs++;
	} else
		h->nout++;
	if (inbound) {
		h->cnt.conns_in++;
		log_debug("gossip: inbound connection from %s", c->remote);
	} else
		h->cnt.conns_out++;
	return c;
}

void
p2p_conn_ip(const struct p2p_conn *c, char *out, size_t len)
{
	const void	*ip = c->sa.ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)&c->sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)&c->sa)->sin_addr;

	evutil_inet_ntop(c->sa.ss_family, ip, out, len);
}

void
p2p_conn_close(struct p2p_conn *c, const char *fmt, ...)
{
	struct p2p_host	*h = c->h;
	struct p2p_stream	*s;
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(c->close_reason, sizeof(c->close_reason), fmt, ap);
	va_end(ap);
	if (c->state == P2P_CONN_OPEN) {
		log_info("gossip: peer %s (%s) disconnected: %s", c->peer_text,
		    c->remote, c->close_reason);
		h->cnt.conns_open--;
	} else {
		h->cnt.handshake_failures++;
		if (c->inbound)
			p2p_host_log_refusal(h, "connection from %s closed "
			    "during handshake: %s", c->remote, c->close_reason);
		else
			log_info("gossip: connection to %s closed during "
			    "handshake: %s", c->remote, c->close_reason);
	}
	if (h->cbs.closed != NULL)
		h->cbs.closed(h->cbs.arg, c);
	c->state = P2P_CONN_CLOSED;
	while ((s = LIST_FIRST(&c->streams)) != NULL)
		p2p_stream_free(s);
	TAILQ_REMOVE(&h->conns, c, entry);
	h->nconns--;
	if (c->inbound && !c->opened)
		h->nin_hs--;
	if (c->inbound)
		h->nin--;
	else
		h->nout--;
	if (c->stat != NULL)
		p2p_static_down(c->stat);
	bufferevent_free(c->bev);
	event_free(c->timer);
	evbuffer_free(c->plain);
	free(c->ys);
	p2p_noise_hs_fini(&c->hs);
	p2p_noise_transport_fini(&c->tr);
	p2p_peer_info_clear(&c->info);
	free(c);
}

/* A peer broke the protocol: report it, close the connection. */
static void
conn_violation(struct p2p_conn *c, const char *fmt, ...)
{
	char	why[128];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	p2p_host_violation(c->h, c, why);
	p2p_conn_close(c, "protocol violation: %s", why);
}

/*
 * Reserve room for one Noise message of n plaintext bytes in the socket's
 * output buffer; the plaintext goes at v->iov_base + 2.
 */
static int
conn_seal_reserve(struct p2p_conn *c, size_t n, struct evbuffer_iovec *v)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	if (c->state < P2P_CONN_MUXER || c->state == P2P_CONN_CLOSED)
		return -1;
	if (evbuffer_reserve_space(out, (ev_ssize_t)(n + P2P_NOISE_TAG_LEN +
	    2), v, 1) != 1)
		return -1;
	return 0;
}

/* Encrypt the n plaintext bytes at v->iov_base + 2 in place and commit. */
static int
conn_seal_commit(struct p2p_conn *c, struct evbuffer_iovec *v, size_t n)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	uint8_t		*buf = v->iov_base;
	size_t		 flen;
	int		 rc;

	rc = p2p_noise_encrypt(&c->tr, buf + 2, n, buf, v->iov_len, &flen);
	if (rc != P2P_NOISE_OK) {
		log_warn("gossip: encrypt to %s: %s", c->remote,
		    p2p_noise_strerror(rc));
		v->iov_len = 0;
		evbuffer_commit_space(out, v, 1);
		return -1;
	}
	v->iov_len = flen;
	evbuffer_commit_space(out, v, 1);
	c->bytes_out += flen;
	return 0;
}

int
p2p_conn_send(struct p2p_conn *c, const uint8_t *data, size_t len)
{
	struct evbuffer_iovec	 v;
	size_t			 n;

	while (len > 0) {
		n = len > P2P_NOISE_PLAIN_MAX ? P2P_NOISE_PLAIN_MAX : len;
		if (conn_seal_reserve(c, n, &v) == -1)
			return -1;
		memcpy((uint8_t *)v.iov_base + 2, data, n);
		if (conn_seal_commit(c, &v, n) == -1)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/*
 * One yamux frame as one Noise message, built and encrypted in place in
 * the socket's output buffer; the payload comes from `payload` or, when
 * that is NULL, is moved out of `src`.
 */
static int
conn_send_frame(struct p2p_conn *c, const struct p2p_yamux_hdr *h,
    const uint8_t *payload, struct evbuffer *src, size_t len)
{
	struct evbuffer_iovec	 v;
	uint8_t			*buf;

	if (len > P2P_NOISE_PLAIN_MAX - P2P_YAMUX_HDR_LEN)
		return -1;
	if (conn_seal_reserve(c, P2P_YAMUX_HDR_LEN + len, &v) == -1)
		return -1;
	buf = (uint8_t *)v.iov_base + 2;
	p2p_yamux_hdr_encode(h, buf);
	if (payload != NULL)
		memcpy(buf + P2P_YAMUX_HDR_LEN, payload, len);
	else if (len > 0 && evbuffer_remove(src, buf + P2P_YAMUX_HDR_LEN,
	    len) != (int)len) {
		v.iov_len = 0;
		evbuffer_commit_space(bufferevent_get_output(c->bev), &v, 1);
		return -1;
	}
	return conn_seal_commit(c, &v, P2P_YAMUX_HDR_LEN + len);
}

int
p2p_conn_send_frame(struct p2p_conn *c, const struct p2p_yamux_hdr *h,
    const uint8_t *payload, size_t len)
{
	/* a frame too large for one Noise message: header, then payload */
	if (len > P2P_NOISE_PLAIN_MAX - P2P_YAMUX_HDR_LEN) {
		uint8_t	hdr[P2P_YAMUX_HDR_LEN];

		p2p_yamux_hdr_encode(h, hdr);
		if (p2p_conn_send(c, hdr, sizeof(hdr)) == -1)
			return -1;
		return p2p_conn_send(c, payload, len);
	}
	return conn_send_frame(c, h, len > 0 ? payload : (const uint8_t *)"",
	    NULL, len);
}

int
p2p_conn_send_frame_from(struct p2p_conn *c, const struct p2p_yamux_hdr *h,
    struct evbuffer *src, size_t len)
{
	return conn_send_frame(c, h, NULL, src, len);
}

/* Send what a negotiation step produced, raw or encrypted. */
static int
conn_flush_nego(struct p2p_conn *c, struct evbuffer *out)
{
	size_t	len = evbuffer_get_length(out);
	int	rc = 0;

	if (len == 0)
		return 0;
	if (c->state == P2P_CONN_SECURITY) {
		c->bytes_out += len;
		bufferevent_write_buffer(c->bev, out);
	} else
		rc = p2p_conn_send(c, evbuffer_pullup(out, -1), len);
	evbuffer_drain(out, len);
	return rc;
}

static int
conn_noise_start(struct p2p_conn *c)
{
	uint8_t	msg[256];
	size_t	len;
	int	rc;

	rc = p2p_noise_hs_init(&c->hs, !c->inbound, &c->h->id,
	    c->has_expected ? &c->expected : NULL, 1);
	if (rc != P2P_NOISE_OK) {
		p2p_conn_close(c, "noise init: %s", p2p_noise_strerror(rc));
		return -1;
	}
	c->state = P2P_CONN_NOISE;
	if (c->inbound)
		return 0;
	if ((rc = p2p_noise_hs_write(&c->hs, msg, sizeof(msg), &len)) != 0) {
		p2p_conn_close(c, "noise: %s", p2p_noise_strerror(rc));
		return -1;
	}
	c->bytes_out += len;
	bufferevent_write(c->bev, msg, len);
	return 0;
}

/* The session is up: yamux, then identify and the rest. */
static int
conn_open(struct p2p_conn *c)
{
	c->ys = xcalloc(1, sizeof(*c->ys));
	p2p_yamux_session_init(c->ys, !c->inbound, P2P_YAMUX_STREAMS_MAX);
	c->state = P2P_CONN_OPEN;
	c->opened = 1;
	if (c->inbound)
		c->h->nin_hs--;
	c->opened_wall_ms = util_wall_ms();
	c->opened_ms = util_mono_ms();
	c->h->cnt.conns_open++;
	evtimer_del(c->timer);
	conn_arm_timer(c, conn_ping_interval(c));
	log_info("gossip: connected to %s at %s (%s, %llu ms)", c->peer_text,
	    c->remote, c->inbound ? "inbound" : "outbound",
	    (unsigned long long)(util_mono_ms() - c->started_ms));
	if (c->stat != NULL)
		p2p_static_up(c->stat);
	if (c->h->cbs.open != NULL && c->h->cbs.open(c->h->cbs.arg, c) == -1)
		return -1;	/* refused and closed */
	if (p2p_stream_open(c, &p2p_identify_proto) == NULL)
		log_warn("gossip: cannot open identify to %s", c->peer_text);
	return 0;
}

static int
conn_noise_done(struct p2p_conn *c)
{
	int	inline_yamux = p2p_noise_hs_inline_yamux(&c->hs);
	int	rc;

	c->peer = c->hs.remote.peer_id;
	p2p_identity_peer_id_format(&c->peer, c->peer_text,
	    sizeof(c->peer_text));
	if ((rc = p2p_noise_hs_split(&c->hs, &c->tr)) != P2P_NOISE_OK) {
		p2p_conn_close(c, "noise split: %s", p2p_noise_strerror(rc));
		return -1;
	}
	if (p2p_identity_peer_id_equal(&c->peer, &c->h->id.peer_id)) {
		p2p_conn_close(c, "connected to ourselves");
		return -1;
	}
	if (inline_yamux)
		return conn_open(c);
	c->state = P2P_CONN_MUXER;
	p2p_nego_init(&c->nego, !c->inbound);
	if (!c->inbound) {
		struct evbuffer	*out = evbuffer_new();
		int		 r;

		p2p_nego_propose(P2P_NOISE_MUXER, out);
		r = conn_flush_nego(c, out);
		evbuffer_free(out);
		return r;
	}
	return 0;
}

/*
 * The size of the first Noise frame in `in` when all of it has arrived,
 * else 0: no pullup (a copy) until a whole frame is there.
 */
static size_t
conn_frame_ready(struct evbuffer *in)
{
	uint8_t	hdr[2];
	size_t	need;

	if (evbuffer_copyout(in, hdr, 2) != 2)
		return 0;
	need = 2 + ((size_t)hdr[0] << 8 | hdr[1]);
	return evbuffer_get_length(in) >= need ? need : 0;
}

/*
 * The first len bytes of `in` in one piece: in place when its first chunk
 * holds them, else copied into the host's scratch frame (no allocation).
 */
static const uint8_t *
conn_frame_bytes(struct p2p_conn *c, struct evbuffer *in, size_t len)
{
	struct evbuffer_iovec	v;

	if (evbuffer_peek(in, (ev_ssize_t)len, NULL, &v, 1) == 1 &&
	    v.iov_len >= len)
		return v.iov_base;
	evbuffer_copyout(in, c->h->frame, len);
	return c->h->frame;
}

/* Noise handshake messages from the raw input. */
static int
conn_noise_input(struct p2p_conn *c, struct evbuffer *in)
{
	const uint8_t	*msg;
	uint8_t		 out[512];
	size_t		 msglen, used, len;
	int		 rc;

	for (;;) {
		if ((len = conn_frame_ready(in)) == 0)
			return 1;
		rc = p2p_noise_frame_next(evbuffer_pullup(in, (ev_ssize_t)len),
		    len, &msg, &msglen, &used);
		if (rc == P2P_NOISE_AGAIN)
			return 1;
		if (rc == P2P_NOISE_OK)
			rc = p2p_noise_hs_read(&c->hs, msg, msglen);
		evbuffer_drain(in, used);
		if (rc != P2P_NOISE_OK) {
			p2p_conn_close(c, "noise handshake: %s",
			    p2p_noise_strerror(rc));
			return -1;
		}
		if (!p2p_noise_hs_done(&c->hs) &&
		    p2p_noise_hs_our_turn(&c->hs)) {
			rc = p2p_noise_hs_write(&c->hs, out, sizeof(out), &len);
			if (rc != P2P_NOISE_OK) {
				p2p_conn_close(c, "noise: %s",
				    p2p_noise_strerror(rc));
				return -1;
			}
			c->bytes_out += len;
			bufferevent_write(c->bev, out, len);
		}
		if (p2p_noise_hs_done(&c->hs))
			return conn_noise_done(c);
	}
}

/* Decrypt every complete transport frame into c->plain. */
static int
conn_decrypt(struct p2p_conn *c, struct evbuffer *in)
{
	const uint8_t		*msg;
	struct evbuffer_iovec	 v;
	size_t			 msglen, used, len, n;
	int			 rc;

	for (;;) {
		if ((len = conn_frame_ready(in)) == 0)
			return 0;
		rc = p2p_noise_frame_next(conn_frame_bytes(c, in, len), len,
		    &msg, &msglen, &used);
		if (rc == P2P_NOISE_AGAIN)
			return 0;
		if (rc == P2P_NOISE_OK) {
			if (evbuffer_reserve_space(c->plain, (ev_ssize_t)msglen,
			    &v, 1) != 1)
				return -1;
			rc = p2p_noise_decrypt(&c->tr, msg, msglen,
			    v.iov_base, v.iov_len, &n);
			v.iov_len = rc == P2P_NOISE_OK ? n : 0;
			evbuffer_commit_space(c->plain, &v, 1);
		}
		evbuffer_drain(in, used);
		if (rc != P2P_NOISE_OK) {
			conn_violation(c, "noise transport: %s",
			    p2p_noise_strerror(rc));
			return -1;
		}
	}
}

static int
conn_negotiate(struct p2p_conn *c, struct evbuffer *in,
    const char *const *protos)
{
	struct evbuffer	*out = evbuffer_new();
	const char	*why = NULL;
	int		 rc, sel = -1;

	rc = p2p_nego_step(&c->nego, in, protos, 1, out, &sel, &why);
	if (conn_flush_nego(c, out) == -1 && rc >= 0)
		rc = -1;
	evbuffer_free(out);
	if (rc < 0)
		p2p_conn_close(c, "%s negotiation: %s", protos[0],
		    why != NULL ? why : "failed");
	return rc;
}

/* Deliver pending payload bytes of the current yamux Data frame. */
static int
conn_yamux_payload(struct p2p_conn *c)
{
	struct p2p_stream	*s;
	size_t			 n = evbuffer_get_length(c->plain);

	if (n > c->data_left)
		n = c->data_left;
	if (n == 0)
		return 0;
	c->data_left -= (uint32_t)n;
	s = p2p_stream_find(c, c->hdr.stream_id);
	if (s != NULL)
		p2p_stream_input(s, c->plain, n);
	else
		evbuffer_drain(c->plain, n);
	return c->state == P2P_CONN_OPEN ? 1 : -1;
}

/* After a frame's payload: the flags that apply once the data is in. */
static void
conn_yamux_after(struct p2p_conn *c, uint32_t events)
{
	struct p2p_stream	*s = p2p_stream_find(c, c->hdr.stream_id);

	if (s == NULL)
		return;
	if (events & P2P_YAMUX_EV_FIN)
		p2p_stream_remote_fin(s);
	if ((s = p2p_stream_find(c, c->hdr.stream_id)) != NULL &&
	    (events & (P2P_YAMUX_EV_RST | P2P_YAMUX_EV_CLOSED)))
		p2p_stream_free(s);
}

static int
conn_yamux_header(struct p2p_conn *c, struct p2p_yamux_event *ev)
{
	uint8_t			 raw[P2P_YAMUX_HDR_LEN];
	struct p2p_stream	*s;

	evbuffer_remove(c->plain, raw, sizeof(raw));
	if (p2p_yamux_hdr_decode(raw, sizeof(raw), &c->hdr) == -1) {
		conn_violation(c, "bad yamux header");
		return -1;
	}
	if (p2p_yamux_session_recv(c->ys, &c->hdr, ev) == -1) {
		if (ev->has_reply)
			p2p_conn_send_frame(c, &ev->reply, NULL, 0);
		conn_violation(c, "yamux: stream %u type %u flags 0x%x",
		    c->hdr.stream_id, c->hdr.type, c->hdr.flags);
		return -1;
	}
	if (ev->has_reply)
		p2p_conn_send_frame(c, &ev->reply, NULL, 0);
	if (ev->events & P2P_YAMUX_EV_OPEN)
		p2p_stream_accept(c, c->hdr.stream_id);
	if (ev->events & P2P_YAMUX_EV_PONG && ev->length == c->ping_value &&
	    c->ping_sent_ms != 0) {
		c->rtt_ms = util_mono_ms() - c->ping_sent_ms;
		c->ping_sent_ms = 0;
	}
	if (ev->events & P2P_YAMUX_EV_GOAWAY)
		log_debug("gossip: %s sent go-away %u", c->peer_text,
		    ev->length);
	if ((ev->events & P2P_YAMUX_EV_WINDOW) &&
	    (s = p2p_stream_find(c, c->hdr.stream_id)) != NULL)
		p2p_stream_flush(s);
	if (c->state != P2P_CONN_OPEN)
		return -1;
	c->data_left = ev->events & (P2P_YAMUX_EV_DATA |
	    P2P_YAMUX_EV_DISCARD) ? ev->length : 0;
	c->have_hdr = 1;
	return 0;
}

/* Run the yamux session over the decrypted bytes. */
static int
conn_yamux_input(struct p2p_conn *c)
{
	static const uint32_t	after = P2P_YAMUX_EV_FIN |
				    P2P_YAMUX_EV_RST | P2P_YAMUX_EV_CLOSED;
	struct p2p_yamux_event ev;
	int			 rc;

	memset(&ev, 0, sizeof(ev));
	for (;;) {
		if (!c->have_hdr) {
			if (evbuffer_get_length(c->plain) < P2P_YAMUX_HDR_LEN)
				return 0;
			if (conn_yamux_header(c, &ev) == -1)
				return -1;
			c->pending_events = ev.events & after;
		}
		while (c->data_left > 0)
			if ((rc = conn_yamux_payload(c)) <= 0)
				return rc;
		c->have_hdr = 0;
		conn_yamux_after(c, c->pending_events);
		if (c->state != P2P_CONN_OPEN)
			return -1;
	}
}

static int
conn_process(struct p2p_conn *c, struct evbuffer *in)
{
	int	rc;

	switch (c->state) {
	case P2P_CONN_SECURITY:
		if ((rc = conn_negotiate(c, in, conn_security)) <= 0)
			return rc;
		return conn_noise_start(c) == -1 ? -1 : 1;
	case P2P_CONN_NOISE:
		return conn_noise_input(c, in) == -1 ? -1 :
		    c->state == P2P_CONN_NOISE ? 0 : 1;
	case P2P_CONN_MUXER:
		if (conn_decrypt(c, in) == -1)
			return -1;
		if ((rc = conn_negotiate(c, c->plain, conn_muxers)) <= 0)
			return rc;
		return conn_open(c) == -1 ? -1 : 1;
	case P2P_CONN_OPEN:
		if (conn_decrypt(c, in) == -1 || conn_yamux_input(c) == -1)
			return -1;
		return 0;
	default:
		return 0;
	}
}

/*
 * libevent 2.1 reads at most 4 KiB per wakeup whatever the bufferevent's
 * limit; when that read came back full, read on here in large pieces
 * straight into the input buffer (a plain socket only: pnet has its own
 * filter in between).  EOF and errors are left for libevent's next read.
 */
static void
conn_read_more(struct p2p_conn *c, struct evbuffer *in)
{
	struct evbuffer_iovec	 v[2];
	struct iovec		 iov[2];
	size_t			 total = 0, left;
	ssize_t			 n;
	int			 fd, nv, i;

	if (evbuffer_get_length(in) - c->in_seen < P2P_CONN_LIBEVENT_READ ||
	    bufferevent_get_underlying(c->bev) != NULL ||
	    (fd = bufferevent_getfd(c->bev)) == -1)
		return;
	/* libevent freezes the input's end between its own reads */
	evbuffer_unfreeze(in, 0);
	while (total < P2P_CONN_IO_CHUNK) {
		nv = evbuffer_reserve_space(in, P2P_CONN_READ_PIECE, v, 2);
		if (nv <= 0)
			break;
		for (i = 0; i < nv; i++) {
			iov[i].iov_base = v[i].iov_base;
			iov[i].iov_len = v[i].iov_len;
		}
		n = readv(fd, iov, nv);
		if (n <= 0) {
			evbuffer_commit_space(in, v, 0);
			break;
		}
		for (i = 0, left = (size_t)n; i < nv; i++) {
			if (v[i].iov_len > left)
				v[i].iov_len = left;
			left -= v[i].iov_len;
		}
		evbuffer_commit_space(in, v, nv);
		total += (size_t)n;
		if ((size_t)n < P2P_CONN_READ_PIECE)
			break;		/* the socket is drained */
	}
	evbuffer_freeze(in, 0);
}

/*
 * The first bytes of an inbound connection: the short first-byte deadline
 * gives way to what is left of p2p_handshake_timeout.  Only once, so data
 * never moves the deadline.
 */
static void
conn_first_byte(struct p2p_conn *c)
{
	uint64_t	spent = util_mono_ms() - c->started_ms;
	uint64_t	total = c->h->lim.handshake_ms;

	c->got_byte = 1;
	if (!c->inbound || c->state == P2P_CONN_OPEN)
		return;
	evtimer_del(c->timer);
	conn_arm_timer(c, spent < total ? total - spent : 0);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct p2p_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	int			 rc;

	if (!c->got_byte)
		conn_first_byte(c);
	conn_read_more(c, in);
	c->bytes_in += evbuffer_get_length(in) - c->in_seen;
	c->last_rx_ms = util_mono_ms();
	while ((rc = conn_process(c, in)) > 0)
		;
	if (rc == -1)
		return;		/* c is gone */
	c->in_seen = evbuffer_get_length(in);
	if (evbuffer_get_length(bufferevent_get_output(bev)) >
	    P2P_CONN_OUTBUF_MAX)
		p2p_conn_close(c, "peer does not read: %zu bytes queued",
		    evbuffer_get_length(bufferevent_get_output(bev)));
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct p2p_conn	*c = arg;
	struct evbuffer		*out;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		c->state = P2P_CONN_SECURITY;
		evtimer_del(c->timer);
		conn_arm_timer(c, c->h->lim.handshake_ms);
		out = evbuffer_new();
		p2p_nego_propose(conn_security[0], out);
		c->bytes_out += evbuffer_get_length(out);
		bufferevent_write_buffer(c->bev, out);
		evbuffer_free(out);
		return;
	}
	if (what & BEV_EVENT_EOF)
		p2p_conn_close(c, "closed by the peer");
	else if (what & BEV_EVENT_ERROR)
		p2p_conn_close(c, "%s", evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

/* A yamux Ping keeps NATs open and measures the round trip. */
static void
conn_keepalive(struct p2p_conn *c)
{
	struct p2p_yamux_hdr	h;

	c->ping_value = (uint32_t)util_mono_ms();
	c->ping_sent_ms = util_mono_ms();
	p2p_yamux_ping(c->ping_value, &h);
	p2p_conn_send_frame(c, &h, NULL, 0);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct p2p_conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->state != P2P_CONN_OPEN) {
		p2p_conn_close(c, c->state == P2P_CONN_CONNECTING ?
		    "dial timed out" : !c->got_byte ? "silent since connect" :
		    "handshake timed out");
		return;
	}
	if (util_mono_ms() - c->last_rx_ms > c->h->lim.idle_ms) {
		p2p_conn_close(c, "idle for %llu s",
		    (unsigned long long)(c->h->lim.idle_ms / 1000));
		return;
	}
	conn_keepalive(c);
	if (c->state == P2P_CONN_OPEN)
		conn_arm_timer(c, conn_ping_interval(c));
}
