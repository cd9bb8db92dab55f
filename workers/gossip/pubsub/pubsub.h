/*
 * The door of the gossip worker's pubsub layer (workers/gossip/pubsub/):
 * the only header of this folder that files outside it include.  It uses
 * only the libp2p layer's door and knows nothing of Teranode.
 *
 * The router: gossipsub v1.1 (/meshsub/1.1.0), v1.0
 * and floodsub peers, StrictSign, message and seen caches, v1.1 peer
 * scoring (P4, P6, P7).  Transport-independent: the host hands it whole RPCs
 * (the bytes after the varint length prefix) and gets RPCs back through
 * ops->send; the time comes from ops->now_ms, so tests simulate the clock.
 * It knows nothing of Teranode.  No I/O, no logging: counters instead.
 *
 * Callbacks must not call back into the router.  Everything they are given
 * is borrowed for the call only.
 */
#ifndef PUBSUB_PUBSUB_H
#define PUBSUB_PUBSUB_H

#include <stddef.h>
#include <stdint.h>

#include "libp2p/libp2p.h"

#define PS_SEQNO_LEN		8
#define PS_MSGID_MAX		(P2P_PEER_ID_MAX + PS_SEQNO_LEN)
#define PS_TOPIC_MAX		256	/* bytes of a topic name */
#define PS_SIG_PREFIX	"libp2p-pubsub:"
#define PS_PENALTY		"ProtocolViolation"
#define PS_PX_MAX		64	/* prune_peers_max's ceiling */

enum ps_proto {
	PS_MESHSUB11 = 0,	/* /meshsub/1.1.0 */
	PS_MESHSUB10 = 1,	/* /meshsub/1.0.0 */
	PS_FLOODSUB = 2,	/* /floodsub/1.0.0 */
};

struct ps_ops {
	/* One encoded RPC without its length prefix; -1 if the queue is full. */
	int		(*send)(void *arg, const char *peer, const uint8_t *rpc,
			    size_t len);
	/* A new, verified message on a joined topic, once per message ID. */
	void		(*deliver)(void *arg, const char *topic,
			    const char *author, const char *from,
			    const uint8_t *data, size_t len);
	/* The peer broke the protocol (reason PS_PENALTY). */
	void		(*penalize)(void *arg, const char *peer,
			    const char *reason);
	/* Monotonic milliseconds. */
	uint64_t	(*now_ms)(void *arg);
	/*
	 * Optional: the signed peer record (envelope) of a connected peer, for
	 * the PX we send; borrowed.  0 if none: PX then names the peer only.
	 */
	size_t		(*peer_record)(void *arg, const char *peer,
			    const uint8_t **rec);
	/*
	 * Optional: PX on a PRUNE from `from`, whose score reached
	 * accept_px_threshold: a peer (a checked binary peer ID, never us)
	 * and its signed peer record as received (rec NULL if none; the
	 * callee verifies it).  At most prune_peers_max calls per PRUNE.
	 */
	void		(*px)(void *arg, const char *from, const uint8_t *id,
			    size_t idlen, const uint8_t *rec, size_t reclen);
};

/*
 * Router parameters.  ps_params_default() gives go-libp2p-pubsub's
 * defaults (D=6, Dlo=5, Dhi=12, Dscore=4, Dout=2, Dlazy=6, history 5/3,
 * seen TTL 120 s, 1 MiB RPCs, backoff 60 s) and go-p2p-message-bus's
 * penalty-only scoring (P6 -35 over 10 peers per IP, P7 -16 over 6 with
 * decay 0.928, thresholds -2000/-4000/-8000), plus P4 at -100 per topic
 * (count squared, decay 0.9 per interval) so that bad signatures graylist
 * a peer after 9 messages.
 */
struct ps_params {
	int		d, d_lo, d_hi, d_score, d_out, d_lazy;
	double		gossip_factor;		/* share of peers given IHAVE */
	int		flood_publish;		/* own messages to all peers */
	uint32_t	heartbeat_ms;		/* how often the caller ticks */
	uint32_t	fanout_ttl_ms;
	uint32_t	prune_backoff_ms;
	uint32_t	unsubscribe_backoff_ms;
	uint32_t	graft_flood_ms;		/* GRAFT this soon: double P7 */
	uint32_t	iwant_followup_ms;	/* IHAVE promise deadline */
	uint32_t	seen_ttl_ms;
	int		history_length;		/* mcache windows */
	int		history_gossip;		/* windows advertised in IHAVE */
	size_t		max_rpc_size;		/* bytes, in and out */
	size_t		max_peers;
	size_t		max_topics;
	size_t		seen_max;		/* seen-cache entries */
	size_t		mcache_max;		/* message-cache entries */
	size_t		max_ihave_length;	/* IDs asked/advertised per hb */
	size_t		max_ihave_messages;	/* IHAVEs heeded per peer per hb */
	size_t		max_iwant_per_hb;	/* messages served per peer per hb */
	size_t		prune_peers_max;	/* PX records sent/read per PRUNE */
	int		do_px;			/* send PX when pruning (v1.1) */
	double		accept_px_threshold;	/* PX heeded from this score */
	size_t		max_promises;
	/* v1.1 scoring */
	double		gossip_threshold;
	double		publish_threshold;
	double		graylist_threshold;
	double		invalid_weight;		/* P4, per topic */
	double		invalid_decay;
	double		ip_colocation_weight;	/* P6 */
	uint32_t	ip_colocation_threshold;
	double		behaviour_weight;	/* P7 */
	double		behaviour_threshold;
	double		behaviour_decay;
	uint32_t	decay_interval_ms;
	double		decay_to_zero;
	uint32_t	retain_score_ms;	/* after a disconnect */
	size_t		retain_max;
	uint64_t	seqno_start;		/* 0: wall-clock nanoseconds */
	uint64_t	seed;			/* 0: random */
};

struct ps_stats {
	uint64_t	rpc_in, rpc_out, rpc_garbage, rpc_too_big;
	uint64_t	rpc_graylisted, rpc_unknown_peer, send_failed;
	uint64_t	msg_in, msg_delivered, msg_duplicate, msg_self;
	uint64_t	msg_invalid, msg_bad_sig, msg_not_joined;
	uint64_t	msg_published, msg_forwarded;
	uint64_t	ihave_in, ihave_ignored, iwant_in, iwant_served;
	uint64_t	graft_in, graft_rejected, prune_in, px_in;
	uint64_t	px_out;			/* PeerInfo entries sent */
	uint64_t	px_refused;		/* PRUNEs whose PX was ignored */
	uint64_t	promise_broken, topics_full, peers_full;
	uint64_t	seen_evicted, mcache_evicted;
	uint64_t	peers, topics_joined;
};

struct ps_router;

/* Protocol ID text of proto ("/meshsub/1.1.0", …). */
const char *ps_proto_id(enum ps_proto proto);
void	ps_params_default(struct ps_params *p);
/* A router; NULL on inconsistent params.  ops, arg and id are borrowed. */
struct ps_router *ps_new(const struct ps_ops *ops,
	    void *arg, const struct p2p_identity *id,
	    const struct ps_params *params);
void	ps_free(struct ps_router *ps);

/*
 * A peer whose stream speaks proto; outbound if we dialed it; ip (may be
 * NULL) for colocation scoring.  Sends it our subscriptions.  -1 if the
 * peer is known already, its ID is not a peer ID, or the table is full.
 */
int	ps_add_peer(struct ps_router *ps, const char *peer,
	    enum ps_proto proto, int outbound, const char *ip);
/* Forget a peer (its score is kept retain_score_ms). */
void	ps_remove_peer(struct ps_router *ps, const char *peer);
/*
 * One RPC received from peer.  -1 (counted, the peer penalized) if it does
 * not decode or is over max_rpc_size; bad messages inside are dropped one
 * by one and 0 is returned.
 */
int	ps_recv(struct ps_router *ps, const char *peer,
	    const uint8_t *rpc, size_t len);

/* Subscribe: announce, then graft up to D peers.  -1 if no topic room. */
int	ps_join(struct ps_router *ps, const char *topic);
/* The i-th joined topic (0, 1, ...), NULL past the last. */
const char *ps_joined(const struct ps_router *ps, size_t i);
/* Unsubscribe: announce and PRUNE the mesh (unsubscribe backoff). */
int	ps_leave(struct ps_router *ps, const char *topic);
/*
 * Sign and send data on topic (mesh, else fanout).  -1 if the message
 * would not fit max_rpc_size or the topic is invalid.
 */
int	ps_publish(struct ps_router *ps, const char *topic,
	    const uint8_t *data, size_t len);
/* Mesh and fanout upkeep, gossip, cache ageing; call every heartbeat_ms. */
void	ps_heartbeat(struct ps_router *ps);

void	ps_stats(const struct ps_router *ps,
	    struct ps_stats *out);
/* The peer's current score; -1 if the peer is unknown. */
int	ps_peer_score(const struct ps_router *ps,
	    const char *peer, double *score);
/* Add n to the peer's behaviour penalty (P7); -1 if the peer is unknown. */
int	ps_peer_misbehaved(struct ps_router *ps, const char *peer, double n);
/* Mesh size of topic, and whether peer is in it. */
size_t	ps_mesh_count(const struct ps_router *ps,
	    const char *topic);
int	ps_in_mesh(const struct ps_router *ps,
	    const char *topic, const char *peer);

/* ---- rpc.c: pure message and RPC codec ---------------------- */

/* A Message's fields, borrowed from a buffer or decoded RPC. */
struct ps_msg {
	const uint8_t	*from;
	size_t		 from_len;
	const uint8_t	*data;
	size_t		 data_len;
	const uint8_t	*seqno;
	size_t		 seqno_len;
	const uint8_t	*topic;
	size_t		 topic_len;
	const uint8_t	*sig;
	size_t		 sig_len;
	const uint8_t	*key;
	size_t		 key_len;
	int		 has_from, has_data, has_seqno, has_topic, has_sig,
			 has_key;
};

enum ps_rc {
	PS_OK = 0,
	PS_EMALFORMED = -1,	/* missing field, bad seqno or topic */
	PS_EAUTHOR = -2,	/* from is not an Ed25519 peer ID */
	PS_ENOSIG = -3,	/* unsigned */
	PS_EKEY = -4,	/* key field does not match from */
	PS_ESIG = -5,	/* signature does not verify */
	PS_ESPACE = -6,	/* scratch buffer too small */
};

const char *ps_strerror(int rc);

/* Bytes of the Message protobuf (fields in tag order; sig/key optional). */
size_t	ps_msg_size(const struct ps_msg *m,
	    int with_sig);
/* Write it to out (ps_msg_size() bytes); returns the length. */
size_t	ps_msg_encode(const struct ps_msg *m,
	    int with_sig, uint8_t *out);
/* Topic check: 1..PS_TOPIC_MAX bytes without NUL. */
int	ps_topic_ok(const uint8_t *topic, size_t len);
/*
 * StrictSign: build and sign our message (from = id's peer ID, no key) into
 * a malloc'd Message protobuf; the caller owns *out.
 */
int	ps_msg_sign(const struct p2p_identity *id,
	    const uint8_t *topic, size_t topic_len, const uint8_t *data,
	    size_t len, uint64_t seqno, uint8_t **out, size_t *outlen);
/*
 * StrictSign check of a received message: shape, author key, signature
 * over PS_SIG_PREFIX + the unsigned re-encoding (built in
 * scratch).  Does not touch the signature when the shape is wrong.
 */
int	ps_msg_verify(const struct ps_msg *m,
	    uint8_t *scratch, size_t scratchcap);
/* Message ID = from || seqno; -1 if too long. */
int	ps_msg_id(const struct ps_msg *m,
	    uint8_t id[PS_MSGID_MAX], size_t *idlen);

/* ---- meshsub.c: the router on libp2p streams ------------------------------ */

/* What the application made of a delivered message. */
enum ps_verdict {
	PS_ACCEPT = 0,		/* valid, and handled */
	PS_IGNORE = 1,		/* dropped without blame */
	PS_REJECT = 2,		/* invalid: the application blamed the sender */
};

/* A new, verified message on a joined topic, once per message ID. */
typedef enum ps_verdict (*ps_deliver_fn)(void *arg, const char *topic,
	    const char *author, const char *from, const uint8_t *data,
	    size_t len);

/* The pubsub layer's state: the router and its streams on the host. */
struct ps_meshsub {
	struct p2p_host		*h;		/* borrowed */
	struct ps_router	*ps;		/* owned: the router */
	struct event		*hb;		/* owned: its heartbeat */
	size_t			 max_rpc;	/* p2p_max_message_size */
	int			 slot;		/* ours in p2p_conn.slot */
	ps_deliver_fn		 deliver;
	void			*deliver_arg;
	uint64_t		 delivered;
	uint64_t		 verdicts[PS_REJECT + 1];
	uint64_t		 dropped_slow;	/* RPCs not queued: slow peer */
	size_t			 nbusy;		/* peers over the high mark */
	/* nbusy went back to 0: local publishers may go on */
	void			(*unbusy)(void *arg);
	void			*unbusy_arg;
	/* optional: a peer offered in PX by `from` (see ps_ops.px); the
	 * record is unverified and borrowed for the call */
	void			(*px)(void *arg, const char *from,
				    const struct p2p_peer_id *id,
				    const uint8_t *rec, size_t reclen);
	void			*px_arg;
};

/*
 * Serve /meshsub/1.1.0, /meshsub/1.0.0 and /floodsub/1.0.0 on h and start
 * the router and its heartbeat; deliver(arg, ...) hears every message.
 */
int	ps_meshsub_start(struct ps_meshsub *, struct p2p_host *h,
	    ps_deliver_fn deliver, void *arg);
void	ps_meshsub_stop(struct ps_meshsub *);
/* Identify is done: open our pubsub stream if the peer does pubsub. */
void	ps_meshsub_attach(struct ps_meshsub *, struct p2p_conn *);
/* The connection is going: forget the peer. */
void	ps_meshsub_detach(struct ps_meshsub *, struct p2p_conn *);
/*
 * 1 while some peer's queue is over half its cap: local publishers are
 * held back until ms->unbusy runs (messages to a peer whose queue is full
 * are dropped, counted and scored, as go-libp2p-pubsub does).
 */
int	ps_meshsub_busy(const struct ps_meshsub *);
/* Our outbound pubsub stream to c, or NULL. */
struct p2p_stream *ps_meshsub_stream(struct ps_meshsub *,
	    struct p2p_conn *);


#endif
