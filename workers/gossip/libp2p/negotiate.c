/*
 * Gossip worker: multistream-select 1.0 driven over libevent buffers, for
 * the connection (security, muxer) and for every yamux stream.  The line
 * codec itself is the pure parser in mss.c.
 */
#include <string.h>

#include <event2/buffer.h>

#include "libp2p/internal.h"

void
p2p_nego_init(struct p2p_nego *n, int initiator)
{
	memset(n, 0, sizeof(*n));
	p2p_mss_parser_init(&n->p);
	n->initiator = initiator;
}

int
p2p_nego_propose(const char *proto, struct evbuffer *out)
{
	uint8_t	buf[2 * P2P_MSS_MSG_MAX + 16];
	size_t	off = 0;

	if (p2p_mss_encode(P2P_MSS_PROTOCOL, buf, sizeof(buf), &off) != 0 ||
	    p2p_mss_encode(proto, buf, sizeof(buf), &off) != 0)
		return -1;
	return evbuffer_add(out, buf, off);
}

/* A responder's answer to one line. */
static int
p2p_nego_answer(struct p2p_nego *n, const char *const *protos,
    size_t nprotos, struct evbuffer *out, int *sel)
{
	uint8_t	buf[4096];
	size_t	off = 0;

	if (!n->got_header) {
		n->got_header = 1;
		p2p_mss_encode(P2P_MSS_PROTOCOL, buf, sizeof(buf), &off);
		evbuffer_add(out, buf, off);
		return strcmp(n->p.line, P2P_MSS_PROTOCOL) == 0 ? 0 : -1;
	}
	if (p2p_mss_respond(n->p.line, protos, nprotos, buf, sizeof(buf),
	    &off, sel) != 0)
		return -1;
	evbuffer_add(out, buf, off);
	return *sel >= 0 ? 1 : 0;
}

int
p2p_nego_step(struct p2p_nego *n, struct evbuffer *in,
    const char *const *protos, size_t nprotos, struct evbuffer *out,
    int *sel, const char **why)
{
	const uint8_t	*data;
	size_t		 len, used;
	int		 rc;

	for (;;) {
		len = evbuffer_get_length(in);
		if (len == 0)
			return 0;
		if (len > P2P_MSS_MSG_MAX + 4)
			len = P2P_MSS_MSG_MAX + 4;
		data = evbuffer_pullup(in, (ev_ssize_t)len);
		rc = p2p_mss_parser_feed(&n->p, data, len, &used);
		evbuffer_drain(in, used);
		if (rc == P2P_MSS_AGAIN)
			continue;
		if (rc != P2P_MSS_LINE) {
			*why = p2p_mss_strerror(rc);
			return -1;
		}
		if (!n->initiator) {
			if ((rc = p2p_nego_answer(n, protos, nprotos, out,
			    sel)) != 0) {
				*why = rc < 0 ? "not a multistream header" : NULL;
				return rc;
			}
			continue;
		}
		if (!n->got_header) {
			n->got_header = 1;
			if (strcmp(n->p.line, P2P_MSS_PROTOCOL) != 0) {
				*why = "not a multistream header";
				return -1;
			}
			continue;
		}
		if (strcmp(n->p.line, protos[0]) == 0) {
			*sel = 0;
			return 1;
		}
		*why = strcmp(n->p.line, P2P_MSS_NA) == 0 ?
		    "protocol refused (na)" : "unexpected multistream answer";
		return -1;
	}
}
