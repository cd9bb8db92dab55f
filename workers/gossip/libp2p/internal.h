/*
 * The gossip worker's private header: its context, the libp2p host (TCP
 * listeners and dials), connections (multistream-select, Noise, yamux) and
 * streams with their protocol handlers.  Shared by the gossip_*.c files of
 * this worker only; the pure wire codecs are declared in gossip_wire.h.
 */
#ifndef GOSSIP_H
#define GOSSIP_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>

#include "libp2p/libp2p.h"
#include "ipc.h"

struct bufferevent;
struct evbuffer;
struct evconnlistener;
struct event;
struct proc;

#define GOSSIP_PING_INTERVAL_MS		30000
#define GOSSIP_CONN_OUTBUF_MAX		(4u * 1024 * 1024)	/* per connection */
#define GOSSIP_CONN_IO_CHUNK		(256 * 1024)
#define GOSSIP_STREAM_INBUF_MAX		(1u * 1024 * 1024)
#define GOSSIP_LISTENERS_MAX		16
#define GOSSIP_ADDR_TEXT_MAX		96

/* ---- gossip_negotiate.c: multistream-select over an evbuffer ---- */

struct gossip_nego {
	struct gossip_mss_parser	p;
	int				initiator;
	int				got_header;
};

void	gossip_nego_init(struct gossip_nego *, int initiator);
/* The initiator's opening: header and proposal in one write (lazy). */
int	gossip_nego_propose(const char *proto, struct evbuffer *out);
/*
 * Consume lines from in.  1: agreed on protos[*sel]; 0: need more input;
 * -1: failed (*why says why).  A responder's answers go to out.
 */
int	gossip_nego_step(struct gossip_nego *, struct evbuffer *in,
	    const char *const *protos, size_t nprotos, struct evbuffer *out,
	    int *sel, const char **why);

struct gossip_ctx;
struct gossip_conn;
struct gossip_tn;
struct gossip_ban_cache;
struct proc_stats;
struct evdns_base;
struct gossip_static;
struct gossip_stream;

/* A protocol served on yamux streams (identify, ping, meshsub ...). */
struct gossip_proto {
	const char	*id;		/* "/ipfs/ping/1.0.0" */
	/* The stream is negotiated (either side opened it). */
	void		(*open)(struct gossip_stream *);
	/* New bytes are in s->in. */
	void		(*data)(struct gossip_stream *);
	/* The peer half-closed its side. */
	void		(*fin)(struct gossip_stream *);
	/* The stream is going away: free s->state. */
	void		(*close)(struct gossip_stream *);
	/* Everything queued has left (optional): write more. */
	void		(*drained)(struct gossip_stream *);
};

enum gossip_stream_state {
	GOSSIP_STREAM_NEGOTIATING,
	GOSSIP_STREAM_OPEN,
};

struct gossip_stream {
	LIST_ENTRY(gossip_stream)	 entry;
	struct gossip_conn		*c;		/* borrowed: owner */
	uint32_t			 id;
	int				 outbound;
	enum gossip_stream_state	 state;
	struct gossip_nego		 nego;
	const struct gossip_proto	*proto;		/* chosen protocol */
	struct evbuffer			*in;		/* owned: received */
	struct evbuffer			*out;		/* owned: waiting for window */
	int				 remote_fin;
	int				 local_fin;	/* FIN queued or sent */
	void				*state_ptr;	/* owned by proto */
};

enum gossip_conn_state {
	GOSSIP_CONN_CONNECTING,		/* outbound TCP connect in progress */
	GOSSIP_CONN_SECURITY,		/* multistream-select for /noise */
	GOSSIP_CONN_NOISE,		/* Noise XX handshake */
	GOSSIP_CONN_MUXER,		/* multistream-select for /yamux */
	GOSSIP_CONN_OPEN,		/* yamux session running */
	GOSSIP_CONN_CLOSED,
};

/* What identify told us about the peer. */
struct gossip_peer_info {
	char	agent[128];
	char	protocol_version[128];
	char	**protocols;		/* owned */
	size_t	nprotocols;
	char	**listen_addrs;		/* owned, text multiaddrs */
	size_t	nlisten_addrs;
	int	identified;
};

struct gossip_conn {
	TAILQ_ENTRY(gossip_conn)	 entry;
	uint64_t			 id;		/* unique in this process */
	struct gossip_ctx		*g;		/* borrowed */
	struct bufferevent		*bev;		/* owned */
	struct event			*timer;		/* owned: deadlines, ping */
	enum gossip_conn_state		 state;
	int				 inbound;
	struct gossip_nego		 nego;
	struct gossip_noise_hs		 hs;
	struct gossip_noise_transport	 tr;
	int				 has_expected;
	struct gossip_peer_id		 expected;	/* dialed /p2p/ ID */
	struct evbuffer			*plain;		/* owned: decrypted input */
	struct gossip_yamux_session	*ys;		/* owned */
	struct gossip_yamux_hdr		 hdr;		/* header being served */
	int				 have_hdr;
	uint32_t			 data_left;	/* payload bytes to come */
	uint32_t			 pending_events; /* FIN/RST after payload */
	size_t				 in_seen;	/* raw input already counted */
	LIST_HEAD(, gossip_stream)	 streams;
	struct gossip_peer_id		 peer;
	char				 peer_text[GOSSIP_PEER_ID_TEXT_MAX];
	struct sockaddr_storage		 sa;		/* remote address */
	socklen_t			 salen;
	char				 remote[GOSSIP_ADDR_TEXT_MAX];	/* multiaddr */
	struct gossip_peer_info		 info;
	uint64_t			 started_ms;	/* monotonic */
	uint64_t			 opened_wall_ms;
	uint64_t			 last_rx_ms;
	uint64_t			 bytes_in, bytes_out;
	uint32_t			 ping_value;
	uint64_t			 ping_sent_ms;
	uint64_t			 rtt_ms;
	char				 close_reason[128];
	struct gossip_static		*stat;		/* borrowed: dialed for it */
	struct gossip_stream		*ps_out;	/* our pubsub stream */
	int				 ps_added;	/* known to the router */
	int				 slow;		/* being dropped */
};

/* A connection named by id, for callbacks that may outlive it. */
struct gossip_conn_ref {
	struct gossip_ctx	*g;
	uint64_t		 id;
};

struct gossip_limits {
	size_t		max_in, max_out, max_per_ip;
	uint64_t	dial_ms, handshake_ms, idle_ms;
};

/* A p2p_static_peers entry: dialed at start, redialed when lost. */
struct gossip_static {
	struct gossip_ctx	*g;		/* borrowed */
	char			*addr;		/* owned: the multiaddr text */
	struct event		*timer;		/* owned: next redial */
	uint32_t		 backoff_ms;
	int			 connected;
};

struct gossip_counters {
	uint64_t	conns_in, conns_out, conns_open, handshake_failures;
	uint64_t	protocol_violations, pings_ok, identifies;
	uint64_t	refused_limit, refused_banned, dropped_banned;
};

struct gossip_ctx {
	struct proc			*p;		/* borrowed: the worker run-time */
	struct ipc_pub			*pub;		/* gossip.pub, owned by the hub */
	struct gossip_identity		 id;
	char				 agent[64];	/* terap2p/<version> */
	char				 protocol_version[96];
	struct evconnlistener		*listeners[GOSSIP_LISTENERS_MAX];
	size_t				 nlisteners;
	char				**advertise;	/* owned: text multiaddrs */
	int				 share_private;	/* advertise private addrs */
	size_t				 nadvertise;
	TAILQ_HEAD(, gossip_conn)	 conns;
	size_t				 nconns;
	struct gossip_limits		 lim;
	size_t				 nin, nout;	/* connections by direction */
	uint64_t			 next_conn_id;
	struct gossip_tn		*tn;		/* owned: the Teranode layer */
	struct gossip_ban_cache		*banned;	/* owned: banned peer IDs */
	struct gossip_pubsub		*ps;		/* owned: the router */
	struct event			*ps_hb;		/* owned: its heartbeat */
	size_t				 ps_max_rpc;
	uint64_t			 ps_delivered;
	/* one more protocol served beside gossip_protos (benchmarks) */
	const struct gossip_proto	*extra_proto;
	struct gossip_static		*statics;	/* owned, nstatics entries */
	size_t				 nstatics;
	struct evdns_base		*dns;		/* owned: name resolution */
	struct ipc_client		*bans;		/* bans.rep */
	struct ipc_sub			*bans_sub;	/* bans.pub */
	int				 has_psk;
	uint8_t				 psk[32];	/* pnet key */
	struct gossip_counters		 cnt;
	uint8_t				 frame[GOSSIP_NOISE_PLAIN_MAX];
};

/* ---- gossip_host.c ---- */

/* Load the identity, bind every listen address; -1 (logged) on failure. */
int	gossip_host_start(struct gossip_ctx *);
void	gossip_host_stop(struct gossip_ctx *);
/*
 * Dial a text multiaddr (/ip4|ip6|dns|dns4|dns6/…/tcp/…[/p2p/…]); -1 with
 * err filled.  stat (may be NULL) is the static peer it is for: it hears
 * of a failure later (a name that does not resolve, a connection lost).
 */
int	gossip_host_dial(struct gossip_ctx *, const char *maddr,
	    struct gossip_static *stat, char *err, size_t errlen);
/* Close every connection to the peer; returns how many. */
int	gossip_host_disconnect(struct gossip_ctx *, const char *peer_id);
/* The connection whose peer is peer_id (text), or NULL. */
struct gossip_conn *gossip_host_find(struct gossip_ctx *, const char *peer_id);

/* ---- gossip_pnet.c: private networks (pnet v1) ---- */

#define GOSSIP_PNET_NONCE_LEN	24

struct gossip_pnet_stream {
	uint8_t		key[32];
	uint8_t		nonce[GOSSIP_PNET_NONCE_LEN];
	uint64_t	block;		/* next 64-byte keystream block */
	uint8_t		ks[64];
	size_t		pos;		/* used bytes of ks */
};

/* The p2p_shared_key setting: 64 hex digits or the /key/swarm/psk/1.0.0/ form. */
int	gossip_pnet_parse_key(const char *text, uint8_t key[32]);
void	gossip_pnet_stream_init(struct gossip_pnet_stream *, const uint8_t key[32],
	    const uint8_t nonce[GOSSIP_PNET_NONCE_LEN]);
/* XOR buf with the next len keystream bytes. */
void	gossip_pnet_stream_xor(struct gossip_pnet_stream *, uint8_t *, size_t);
/* A filter over a socket bufferevent; takes ownership of under. */
struct bufferevent *gossip_pnet_wrap(struct bufferevent *under,
	    const uint8_t key[32]);

/* ---- gossip_conn.c ---- */

/* Take ownership of a connected (inbound) or connecting (outbound) bev. */
struct gossip_conn *gossip_conn_new(struct gossip_ctx *, struct bufferevent *,
	    int inbound, const struct sockaddr *, socklen_t,
	    const struct gossip_peer_id *expected);
/* The remote IP address as text ("10.0.0.1", "::1"). */
void	gossip_conn_ip(const struct gossip_conn *, char *out, size_t len);
/* Close now, logging why; frees everything. */
void	gossip_conn_close(struct gossip_conn *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Send plaintext on the secured channel (split into Noise frames). */
int	gossip_conn_send(struct gossip_conn *, const uint8_t *, size_t);
/* Send one yamux header (and len payload bytes) on the session. */
int	gossip_conn_send_frame(struct gossip_conn *, const struct gossip_yamux_hdr *,
	    const uint8_t *payload, size_t len);

/* ---- gossip_stream.c ---- */

/* Open an outbound stream proposing proto; NULL if the session refuses. */
struct gossip_stream *gossip_stream_open(struct gossip_conn *,
	    const struct gossip_proto *);
/* A stream the peer opened (yamux SYN). */
struct gossip_stream *gossip_stream_accept(struct gossip_conn *, uint32_t id);
struct gossip_stream *gossip_stream_find(struct gossip_conn *, uint32_t id);
/* len payload bytes for the stream arrived at the front of src (moved). */
void	gossip_stream_input(struct gossip_stream *, struct evbuffer *src,
	    size_t len);
/* Window credit arrived: flush what waits. */
void	gossip_stream_flush(struct gossip_stream *);
void	gossip_stream_remote_fin(struct gossip_stream *);
/* Queue bytes; they leave as the peer's window allows. */
int	gossip_stream_write(struct gossip_stream *, const uint8_t *, size_t);
/* Half-close our side once queued bytes are out. */
void	gossip_stream_close(struct gossip_stream *);
void	gossip_stream_reset(struct gossip_stream *);
/* Forget a stream that yamux already freed (RST or both FINs). */
void	gossip_stream_free(struct gossip_stream *);
/* The protocols this host serves, for identify and multistream. */
extern const struct gossip_proto	*const gossip_protos[];
extern const size_t			 gossip_nprotos;

/* ---- gossip_static.c: static peers ---- */

void	gossip_static_start(struct gossip_ctx *);
void	gossip_static_stop(struct gossip_ctx *);
/* A connection dialed for a static peer opened / went away. */
void	gossip_static_up(struct gossip_static *);
void	gossip_static_down(struct gossip_static *);

/* ---- gossip_gate.c: the ban gate ---- */

/* Subscribe to bans.pub and open bans.rep. */
void	gossip_gate_start(struct gossip_ctx *);
/* Ask the ban manager about c's IP (at accept/dial) or peer (when open). */
void	gossip_gate_check_addr(struct gossip_conn *);
void	gossip_gate_check_peer(struct gossip_conn *);
/* 1 if the sockaddr is inside the CIDR subnet text ("10.0.0.0/8"). */
int	gossip_gate_in_subnet(const struct sockaddr *, const char *cidr);

/* 1 if the ban manager announced peer_id as banned (bans.pub). */
int	gossip_gate_peer_banned(struct gossip_ctx *, const char *peer_id);
void	gossip_gate_stop(struct gossip_ctx *);

/* ---- gossip_teranode.c: topics, messages, registry, sync ---- */

struct gossip_registry_peer;
int	gossip_teranode_start(struct gossip_ctx *);
void	gossip_teranode_stop(struct gossip_ctx *);
/* A delivered pubsub message: 1 if it was on a Teranode topic (handled). */
int	gossip_teranode_message(struct gossip_ctx *, const char *topic,
	    const char *author, const char *from, const uint8_t *, size_t);
/* gossip_local.c: a local announcement (TopicKind, message JSON); -1 with err. */
int	gossip_local_publish(struct gossip_ctx *, int kind, const char *json,
	    char *err, size_t errlen);
/* -1: refused (another network) and closed. */
int	gossip_teranode_connected(struct gossip_ctx *, struct gossip_conn *);
void	gossip_teranode_disconnected(struct gossip_ctx *, struct gossip_conn *);
/* The registry entries, borrowed until the loop runs again. */
size_t	gossip_teranode_peers(struct gossip_ctx *,
	    const struct gossip_registry_peer **out);
void	gossip_teranode_stats(struct gossip_ctx *, struct proc_stats *);

/* ---- gossip_identify.c, gossip_ping.c ---- */

extern const struct gossip_proto	gossip_identify_proto;
extern const struct gossip_proto	gossip_ping_proto;
/* Build our Identify message for c (observed address = c's remote). */
int	gossip_identify_encode(struct gossip_conn *, uint8_t **out, size_t *len);
/* Parse a peer's Identify message into c->info; -1 on garbage. */
int	gossip_identify_decode(struct gossip_conn *, const uint8_t *, size_t);
void	gossip_peer_info_clear(struct gossip_peer_info *);
/* Start a ping round on c (opens the stream the first time). */
void	gossip_ping_start(struct gossip_conn *);

/* ---- gossip_meshsub.c: pubsub over streams ---- */

extern const struct gossip_proto	gossip_meshsub11_proto;
extern const struct gossip_proto	gossip_meshsub10_proto;
extern const struct gossip_proto	gossip_floodsub_proto;
int	gossip_meshsub_start(struct gossip_ctx *);
void	gossip_meshsub_stop(struct gossip_ctx *);
/* Identify is done: open our pubsub stream if the peer does pubsub. */
void	gossip_meshsub_attach(struct gossip_conn *);
/* The connection or its pubsub stream is going: forget the peer. */
void	gossip_meshsub_detach(struct gossip_conn *);

/* ---- gossip.c ---- */

int	gossip_main(struct proc *);
/* A connection finished its handshake / went away (events, registry). */
/* -1: the connection was refused and is gone. */
int	gossip_peer_connected(struct gossip_ctx *, struct gossip_conn *);
void	gossip_peer_disconnected(struct gossip_ctx *, struct gossip_conn *);
/* A verified pubsub message on a joined topic. */
void	gossip_on_message(struct gossip_ctx *, const char *topic,
	    const char *author, const char *from, const uint8_t *, size_t);
/* c broke the protocol: event on gossip.pub, score on the ban manager. */
void	gossip_report_violation(struct gossip_ctx *, struct gossip_conn *,
	    const char *why);

#endif
