/*
 * Between the files of the gossip worker's libp2p layer only (host.c,
 * conn.c, stream.c, negotiate.c, pnet.c, static.c, identify.c, ping.c):
 * what the layers above never call.  Their door is libp2p.h.
 */
#ifndef LIBP2P_INTERNAL_H
#define LIBP2P_INTERNAL_H

#include "libp2p/libp2p.h"

/* ---- negotiate.c: multistream-select over an evbuffer ---- */

void	p2p_nego_init(struct p2p_nego *, int initiator);
/* The initiator's opening: header and proposal in one write (lazy). */
int	p2p_nego_propose(const char *proto, struct evbuffer *out);
/*
 * Consume lines from in.  1: agreed on protos[*sel]; 0: need more input;
 * -1: failed (*why says why).  A responder's answers go to out.
 */
int	p2p_nego_step(struct p2p_nego *, struct evbuffer *in,
	    const char *const *protos, size_t nprotos, struct evbuffer *out,
	    int *sel, const char **why);

/* A p2p_static_peers entry: dialed at start, redialed when lost. */
struct p2p_static {
	struct p2p_host		*h;		/* borrowed */
	char			*addr;		/* owned: the multiaddr text */
	struct event		*timer;		/* owned: next redial */
	uint32_t		 backoff_ms;
	int			 connected;
};

/* ---- pnet.c: private networks (pnet v1) ---- */

#define P2P_PNET_NONCE_LEN	24

struct p2p_pnet_stream {
	uint8_t		key[32];
	uint8_t		nonce[P2P_PNET_NONCE_LEN];
	uint64_t	block;		/* next 64-byte keystream block */
	uint8_t		ks[64];
	size_t		pos;		/* used bytes of ks */
};

/* The p2p_shared_key setting: 64 hex digits or the /key/swarm/psk/1.0.0/ form. */
int	p2p_pnet_parse_key(const char *text, uint8_t key[32]);
/* A listen entry ("0.0.0.0", "::", "[::1]", "/ip4/…[/tcp/…]") to ss. */
struct sockaddr_storage;
int	p2p_host_listen_sa(const char *entry, int port,
	    struct sockaddr_storage *ss, socklen_t *len);
void	p2p_pnet_stream_init(struct p2p_pnet_stream *, const uint8_t key[32],
	    const uint8_t nonce[P2P_PNET_NONCE_LEN]);
/* XOR buf with the next len keystream bytes. */
void	p2p_pnet_stream_xor(struct p2p_pnet_stream *, uint8_t *, size_t);
/* A filter over a socket bufferevent; takes ownership of under. */
struct bufferevent *p2p_pnet_wrap(struct bufferevent *under,
	    const uint8_t key[32]);

/* ---- conn.c ---- */

/* Take ownership of a connected (inbound) or connecting (outbound) bev. */
struct p2p_conn *p2p_conn_new(struct p2p_host *, struct bufferevent *,
	    int inbound, const struct sockaddr *, socklen_t,
	    const struct p2p_peer_id *expected);
/* Send plaintext on the secured channel (split into Noise frames). */
int	p2p_conn_send(struct p2p_conn *, const uint8_t *, size_t);
/* Send one yamux header (and len payload bytes) on the session. */
int	p2p_conn_send_frame(struct p2p_conn *, const struct p2p_yamux_hdr *,
	    const uint8_t *payload, size_t len);
/* The same with len <= P2P_NOISE_PLAIN_MAX - P2P_YAMUX_HDR_LEN payload bytes moved out of
 * src straight into the encrypted output (no intermediate copy). */
int	p2p_conn_send_frame_from(struct p2p_conn *,
	    const struct p2p_yamux_hdr *, struct evbuffer *src, size_t len);

/* ---- stream.c ---- */

/* A stream the peer opened (yamux SYN). */
struct p2p_stream *p2p_stream_accept(struct p2p_conn *, uint32_t id);
struct p2p_stream *p2p_stream_find(struct p2p_conn *, uint32_t id);
/* len payload bytes for the stream arrived at the front of src (moved). */
void	p2p_stream_input(struct p2p_stream *, struct evbuffer *src,
	    size_t len);
/* Window credit arrived: flush what waits. */
void	p2p_stream_flush(struct p2p_stream *);
void	p2p_stream_remote_fin(struct p2p_stream *);
/* Forget a stream that yamux already freed (RST or both FINs). */
void	p2p_stream_free(struct p2p_stream *);

/* ---- static.c ---- */

/* A connection dialed for a static peer opened / went away. */
void	p2p_static_up(struct p2p_static *);
void	p2p_static_down(struct p2p_static *);

/* ---- identify.c, ping.c ---- */

extern const struct p2p_proto	p2p_identify_proto;
extern const struct p2p_proto	p2p_identify_push_proto;
extern const struct p2p_proto	p2p_ping_proto;
/* Build our Identify message for c (observed address = c's remote). */
int	p2p_identify_encode(struct p2p_conn *, uint8_t **out, size_t *len);
/* Parse a peer's Identify message into c->info; -1 on garbage. */
int	p2p_identify_decode(struct p2p_conn *, const uint8_t *, size_t);
void	p2p_peer_info_clear(struct p2p_peer_info *);
/* Start a ping round on c (opens the stream the first time). */
void	p2p_ping_start(struct p2p_conn *);

#endif
