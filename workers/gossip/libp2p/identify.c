/*
 * Gossip worker: identify (/ipfs/id/1.0.0).  When a connection opens we
 * ask the peer who it is (we open the stream and read its messages until
 * FIN); when the peer asks, we write our Identify message and close.  The
 * message says our public key, the addresses we listen on, the address we
 * see the peer at, the protocols we really serve, our protocol version
 * (the application's, set in p2p_host before it starts), agent
 * (terap2p/<version>) and our signed peer record (go-libp2p's
 * signedPeerRecord extension, peerrecord.c), so that peers can hand our
 * addresses on in gossipsub PX.  A peer's own record is kept in c->info
 * only when it opens and names that peer.  Identify push
 * (/ipfs/id/push/1.0.0) goes both ways: we push when the protocols we
 * serve change, and a peer's push updates what we know of it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "libp2p/internal.h"
#include "libp2p_identify.pb-c.h"
#include "log.h"
#include "util.h"

#define IDENTIFY_MSG_MAX	8192	/* one part, as go-libp2p reads it */
#define IDENTIFY_PARTS_MAX	10
#define IDENTIFY_LIST_MAX	64	/* protocols or addresses kept */

void
p2p_peer_info_clear(struct p2p_peer_info *pi)
{
	size_t	i;

	for (i = 0; i < pi->nprotocols; i++)
		free(pi->protocols[i]);
	for (i = 0; i < pi->nlisten_addrs; i++)
		free(pi->listen_addrs[i]);
	free(pi->protocols);
	free(pi->listen_addrs);
	free(pi->record);
	memset(pi, 0, sizeof(*pi));
}

/* 1 if a /ip4 or /ip6 multiaddr is loopback, private or link-local. */
static int
identify_private(const char *maddr)
{
	uint8_t		a[16];
	char		host[64];

	if (sscanf(maddr, "/ip4/%63[^/]", host) == 1 &&
	    inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 || a[0] == 10 || (a[0] == 172 &&
		    (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) || a[0] == 0;
	if (sscanf(maddr, "/ip6/%63[^/]", host) == 1 &&
	    inet_pton(AF_INET6, host, a) == 1)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe &&
		    (a[1] & 0xc0) == 0x80) || memcmp(a,
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
	return 0;
}

int
p2p_identify_encode(struct p2p_conn *c, uint8_t **out, size_t *len)
{
	struct p2p_host		*h = c->h;
	Libp2pIdentify__Identify	 m = LIBP2P_IDENTIFY__IDENTIFY__INIT;
	struct p2p_multiaddr		 obs, *la;
	ProtobufCBinaryData		*addrs;
	uint8_t				 pk[P2P_PUBKEY_PB_LEN];
	const char			*protos[16];
	size_t				 i, n = 0;
	int				 local;

	p2p_identity_pubkey_encode(h->id.pk, pk);
	m.publickey.data = pk;
	m.publickey.len = sizeof(pk);
	m.has_publickey = 1;
	m.protocolversion = h->protocol_version;
	m.agentversion = h->agent;
	for (i = 0; i < h->nprotos && i < 16; i++)
		protos[i] = h->protos[i]->id;
	m.protocols = (char **)protos;
	m.n_protocols = i;
	la = xcalloc(h->nadvertise + 1, sizeof(*la));
	addrs = xcalloc(h->nadvertise + 1, sizeof(*addrs));
	local = identify_private(c->remote);
	for (i = 0; i < h->nadvertise; i++) {
		/* private and loopback addresses only to peers that share
		 * them, unless p2p_share_private_addresses */
		if (!h->share_private && !local &&
		    identify_private(h->advertise[i]))
			continue;
		if (p2p_multiaddr_parse(h->advertise[i],
		    strlen(h->advertise[i]), &la[n]) == 0) {
			addrs[n].data = la[n].bytes;
			addrs[n].len = la[n].len;
			n++;
		}
	}
	m.listenaddrs = addrs;
	m.n_listenaddrs = n;
	i = !h->share_private && !local;
	if (h->record[i] != NULL) {
		m.signedpeerrecord.data = h->record[i];
		m.signedpeerrecord.len = h->record_len[i];
		m.has_signedpeerrecord = 1;
	}
	if (p2p_multiaddr_parse(c->remote, strlen(c->remote), &obs) == 0) {
		m.observedaddr.data = obs.bytes;
		m.observedaddr.len = obs.len;
		m.has_observedaddr = 1;
	}
	*len = libp2p_identify__identify__get_packed_size(&m);
	*out = xmalloc(*len);
	libp2p_identify__identify__pack(&m, *out);
	free(la);
	free(addrs);
	return 0;
}

static char *
identify_strndup(const char *s, size_t max)
{
	size_t	n = strnlen(s, max);
	char	*p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Keep the peer's record if it checks out and is the peer's own. */
static void
identify_keep_record(struct p2p_conn *c, const uint8_t *buf, size_t len)
{
	struct p2p_peer_record	r;
	int			rc;

	if ((rc = p2p_record_open(buf, len, &r)) != P2P_RECORD_OK) {
		log_debug("gossip: %s: signed peer record: %s", c->peer_text,
		    p2p_record_strerror(rc));
		return;
	}
	if (!p2p_identity_peer_id_equal(&r.peer, &c->peer)) {
		log_debug("gossip: %s: signed peer record of another peer",
		    c->peer_text);
		return;
	}
	free(c->info.record);
	c->info.record = xmalloc(len);
	memcpy(c->info.record, buf, len);
	c->info.record_len = len;
}

int
p2p_identify_decode(struct p2p_conn *c, const uint8_t *buf, size_t len)
{
	Libp2pIdentify__Identify	*m;
	struct p2p_peer_info		*pi = &c->info;
	char				 text[P2P_MULTIADDR_TEXT_MAX];
	size_t				 i;

	m = libp2p_identify__identify__unpack(NULL, len, buf);
	if (m == NULL)
		return -1;
	if (m->agentversion != NULL)
		snprintf(pi->agent, sizeof(pi->agent), "%s", m->agentversion);
	if (m->protocolversion != NULL)
		snprintf(pi->protocol_version, sizeof(pi->protocol_version),
		    "%s", m->protocolversion);
	for (i = 0; i < m->n_protocols &&
	    pi->nprotocols < IDENTIFY_LIST_MAX; i++) {
		pi->protocols = xrealloc(pi->protocols,
		    (pi->nprotocols + 1) * sizeof(char *));
		pi->protocols[pi->nprotocols++] =
		    identify_strndup(m->protocols[i], 256);
	}
	for (i = 0; i < m->n_listenaddrs &&
	    pi->nlisten_addrs < IDENTIFY_LIST_MAX; i++) {
		if (p2p_multiaddr_format(m->listenaddrs[i].data,
		    m->listenaddrs[i].len, text, sizeof(text)) != 0)
			continue;
		pi->listen_addrs = xrealloc(pi->listen_addrs,
		    (pi->nlisten_addrs + 1) * sizeof(char *));
		pi->listen_addrs[pi->nlisten_addrs++] = xstrdup(text);
	}
	if (m->has_signedpeerrecord)
		identify_keep_record(c, m->signedpeerrecord.data,
		    m->signedpeerrecord.len);
	libp2p_identify__identify__free_unpacked(m, NULL);
	return 0;
}

void
p2p_identify_seal(struct p2p_host *h)
{
	struct p2p_multiaddr	*ma;
	size_t			 i, k, n;

	p2p_identify_unseal(h);
	ma = xcalloc(h->nadvertise + 1, sizeof(*ma));
	for (k = 0; k < 2; k++) {
		for (i = n = 0; i < h->nadvertise; i++)
			if ((k == 0 || !identify_private(h->advertise[i])) &&
			    p2p_multiaddr_parse(h->advertise[i],
			    strlen(h->advertise[i]), &ma[n]) == 0)
				n++;
		/* a sequence number that grows across restarts, as Go's */
		if (p2p_record_seal(&h->id, util_wall_ms() * 1000000ull, ma,
		    n, &h->record[k], &h->record_len[k]) == -1)
			fatal("out of memory");
	}
	free(ma);
}

void
p2p_identify_unseal(struct p2p_host *h)
{
	size_t	k;

	for (k = 0; k < 2; k++) {
		free(h->record[k]);
		h->record[k] = NULL;
		h->record_len[k] = 0;
	}
}

/* Parse every length-prefixed part in s->in. */
static int
identify_parse(struct p2p_stream *s)
{
	const uint8_t	*buf;
	size_t		 len = evbuffer_get_length(s->in), off = 0, used;
	uint64_t	 n;
	int		 parts = 0;

	buf = evbuffer_pullup(s->in, -1);
	while (off < len) {
		if (p2p_varint_decode(buf + off, len - off, &n, &used) !=
		    P2P_VARINT_OK || n > IDENTIFY_MSG_MAX ||
		    n > len - off - used || ++parts > IDENTIFY_PARTS_MAX)
			return -1;
		if (p2p_identify_decode(s->c, buf + off + used, n) == -1)
			return -1;
		off += used + n;
	}
	return parts > 0 ? 0 : -1;
}

static void
identify_open(struct p2p_stream *s)
{
	uint8_t	*msg, pre[P2P_VARINT_MAX];
	size_t	 len, n;

	if (s->outbound)
		return;		/* we asked: wait for the answer */
	p2p_identify_encode(s->c, &msg, &len);
	n = p2p_varint_encode(len, pre);
	p2p_stream_write(s, pre, n);
	p2p_stream_write(s, msg, len);
	free(msg);
	p2p_stream_close(s);
}

static void
identify_data(struct p2p_stream *s)
{
	if (!s->outbound) {
		evbuffer_drain(s->in, evbuffer_get_length(s->in));
		return;
	}
	if (evbuffer_get_length(s->in) > IDENTIFY_MSG_MAX * IDENTIFY_PARTS_MAX) {
		log_warn("gossip: identify from %s too long", s->c->peer_text);
		p2p_stream_reset(s);
	}
}

static void
identify_fin(struct p2p_stream *s)
{
	struct p2p_conn	*c = s->c;
	size_t			 i;

	if (!s->outbound) {
		p2p_stream_close(s);
		return;
	}
	p2p_peer_info_clear(&c->info);
	if (identify_parse(s) == -1) {
		log_warn("gossip: bad identify message from %s", c->peer_text);
		p2p_peer_info_clear(&c->info);
		p2p_stream_reset(s);
		return;
	}
	c->info.identified = 1;
	c->h->cnt.identifies++;
	evbuffer_drain(s->in, evbuffer_get_length(s->in));
	log_info("gossip: %s is %s (%s), %zu protocols", c->peer_text,
	    c->info.agent, c->info.protocol_version, c->info.nprotocols);
	for (i = 0; i < c->info.nprotocols; i++)
		log_debug("gossip: %s speaks %s", c->peer_text,
		    c->info.protocols[i]);
	p2p_stream_close(s);
	p2p_ping_start(c);
	if (c->h->cbs.identified != NULL)
		c->h->cbs.identified(c->h->cbs.arg, c);
}

const struct p2p_proto p2p_identify_proto = {
	P2P_IDENTIFY_ID, identify_open, identify_data, identify_fin, NULL, NULL,
};

/*
 * Identify push (/ipfs/id/push/1.0.0): the pusher opens a stream, writes
 * its whole Identify message and closes.  A push received replaces the
 * peer's protocols and addresses (and its record) and runs the identified
 * callback again, so the layers above see a DHT server come or go.
 */
static void
push_open(struct p2p_stream *s)
{
	uint8_t	*msg, pre[P2P_VARINT_MAX];
	size_t	 len, n;

	if (!s->outbound)
		return;		/* the peer pushes: wait for FIN */
	p2p_identify_encode(s->c, &msg, &len);
	n = p2p_varint_encode(len, pre);
	p2p_stream_write(s, pre, n);
	p2p_stream_write(s, msg, len);
	free(msg);
	p2p_stream_close(s);
}

static void
push_data(struct p2p_stream *s)
{
	if (s->outbound || evbuffer_get_length(s->in) >
	    IDENTIFY_MSG_MAX * IDENTIFY_PARTS_MAX) {
		evbuffer_drain(s->in, evbuffer_get_length(s->in));
		if (!s->outbound) {
			log_warn("gossip: identify push from %s too long",
			    s->c->peer_text);
			p2p_stream_reset(s);
		}
	}
}

static void
push_fin(struct p2p_stream *s)
{
	struct p2p_conn		*c = s->c;
	struct p2p_peer_info	 old = c->info;

	if (s->outbound || !old.identified) {
		p2p_stream_close(s);
		return;
	}
	memset(&c->info, 0, sizeof(c->info));
	if (identify_parse(s) == -1) {
		log_warn("gossip: bad identify push from %s", c->peer_text);
		p2p_peer_info_clear(&c->info);
		c->info = old;		/* keep what we knew */
		p2p_stream_reset(s);
		return;
	}
	/* a push need not repeat agent and version */
	if (c->info.agent[0] == '\0')
		memcpy(c->info.agent, old.agent, sizeof(old.agent));
	if (c->info.protocol_version[0] == '\0')
		memcpy(c->info.protocol_version, old.protocol_version,
		    sizeof(old.protocol_version));
	if (c->info.record == NULL) {		/* keep the last one */
		c->info.record = old.record;
		c->info.record_len = old.record_len;
		old.record = NULL;
	}
	c->info.identified = 1;
	p2p_peer_info_clear(&old);
	c->h->cnt.identify_pushes++;
	log_info("gossip: %s pushed identify, %zu protocols", c->peer_text,
	    c->info.nprotocols);
	evbuffer_drain(s->in, evbuffer_get_length(s->in));
	p2p_stream_close(s);
	if (c->h->cbs.identified != NULL)
		c->h->cbs.identified(c->h->cbs.arg, c);
}

const struct p2p_proto p2p_identify_push_proto = {
	P2P_IDENTIFY_PUSH_ID, push_open, push_data, push_fin, NULL, NULL,
};

/* 1 if identify says c takes pushes. */
static int
identify_takes_push(const struct p2p_conn *c)
{
	size_t	i;

	for (i = 0; i < c->info.nprotocols; i++)
		if (strcmp(c->info.protocols[i], P2P_IDENTIFY_PUSH_ID) == 0)
			return 1;
	return 0;
}

size_t
p2p_identify_push_all(struct p2p_host *h)
{
	struct p2p_conn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &h->conns, entry)
		if (c->state == P2P_CONN_OPEN && c->info.identified &&
		    identify_takes_push(c) &&
		    p2p_stream_open(c, &p2p_identify_push_proto) != NULL)
			n++;
	return n;
}
