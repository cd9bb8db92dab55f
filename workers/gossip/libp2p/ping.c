/*
 * Gossip worker: ping (/ipfs/ping/1.0.0).  On a stream the peer opens we
 * echo every 32-byte payload; after identify we run one round of our own
 * on a stream we open and note the round-trip time.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "libp2p/internal.h"
#include "log.h"
#include "util.h"

#define PING_LEN	32

struct ping_state {
	uint8_t		sent[PING_LEN];
	uint64_t	sent_ms;
};

static void
ping_open(struct p2p_stream *s)
{
	struct ping_state	*ps;

	if (!s->outbound)
		return;
	ps = xcalloc(1, sizeof(*ps));
	randombytes_buf(ps->sent, PING_LEN);
	ps->sent_ms = util_mono_ms();
	s->state_ptr = ps;
	p2p_stream_write(s, ps->sent, PING_LEN);
}

static void
ping_data(struct p2p_stream *s)
{
	struct ping_state	*ps = s->state_ptr;
	struct p2p_conn	*c = s->c;
	uint8_t			 buf[PING_LEN];

	while (evbuffer_get_length(s->in) >= PING_LEN) {
		evbuffer_remove(s->in, buf, PING_LEN);
		if (!s->outbound) {
			p2p_stream_write(s, buf, PING_LEN);
			continue;
		}
		if (ps == NULL || memcmp(buf, ps->sent, PING_LEN) != 0) {
			log_warn("gossip: wrong ping answer from %s",
			    c->peer_text);
			p2p_stream_reset(s);
			return;
		}
		c->rtt_ms = util_mono_ms() - ps->sent_ms;
		c->h->cnt.pings_ok++;
		log_info("gossip: ping %s: %llu ms", c->peer_text,
		    (unsigned long long)c->rtt_ms);
		p2p_stream_close(s);
		return;
	}
}

static void
ping_fin(struct p2p_stream *s)
{
	p2p_stream_close(s);
}

static void
ping_close(struct p2p_stream *s)
{
	free(s->state_ptr);
	s->state_ptr = NULL;
}

void
p2p_ping_start(struct p2p_conn *c)
{
	if (p2p_stream_open(c, &p2p_ping_proto) == NULL)
		log_debug("gossip: cannot open a ping stream to %s",
		    c->peer_text);
}

const struct p2p_proto p2p_ping_proto = {
	"/ipfs/ping/1.0.0", ping_open, ping_data, ping_fin, ping_close, NULL,
};
