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

#define GOSSIP_PUBSUB_SEQNO_LEN		8
#define GOSSIP_PUBSUB_MSGID_MAX		(GOSSIP_PEER_ID_MAX + GOSSIP_PUBSUB_SEQNO_LEN)
#define GOSSIP_PUBSUB_TOPIC_MAX		256	/* bytes of a topic name */
#define GOSSIP_PUBSUB_SIG_PREFIX	"libp2p-pubsub:"
#define GOSSIP_PUBSUB_PENALTY		"ProtocolViolation"

enum gossip_pubsub_proto {
	GOSSIP_PUBSUB_MESHSUB11 = 0,	/* /meshsub/1.1.0 */
	GOSSIP_PUBSUB_MESHSUB10 = 1,	/* /meshsub/1.0.0 */
	GOSSIP_PUBSUB_FLOODSUB = 2,	/* /floodsub/1.0.0 */
};

struct gossip_pubsub_ops {
	/* One encoded RPC without its length prefix; -1 if the queue is full. */
	int		(*send)(void *arg, const char *peer, const uint8_t *rpc,
			    size_t len);
	/* A new, verified message on a joined topic, once per message ID. */
	void		(*deliver)(void *arg, const char *topic,
			    const char *author, const char *from,
			    const uint8_t *data, size_t len);
	/* The peer broke the protocol (reason GOSSIP_PUBSUB_PENALTY). */
	void		(*penalize)(void *arg, const char *peer,
			    const char *reason);
	/* Monotonic milliseconds. */
	uint64_t	(*now_ms)(void *arg);
};

/*
 * Router parameters.  gossip_pubsub_params_default() gives go-libp2p-pubsub's
 * defaults (D=6, Dlo=5, Dhi=12, Dscore=4, Dout=2, Dlazy=6, history 5/3,
 * seen TTL 120 s, 1 MiB RPCs, backoff 60 s) and go-p2p-message-bus's
 * penalty-only scoring (P6 -35 over 10 peers per IP, P7 -16 over 6 with
 * decay 0.928, thresholds -2000/-4000/-8000), plus P4 at -100 per topic
 * (count squared, decay 0.9 per interval) so that bad signatures graylist
 * a peer after 9 messages.
 */
struct gossip_pubsub_params {
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
	size_t		prune_peers_max;	/* PX records read per PRUNE */
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

struct gossip_pubsub_stats {
	uint64_t	rpc_in, rpc_out, rpc_garbage, rpc_too_big;
	uint64_t	rpc_graylisted, rpc_unknown_peer, send_failed;
	uint64_t	msg_in, msg_delivered, msg_duplicate, msg_self;
	uint64_t	msg_invalid, msg_bad_sig, msg_not_joined;
	uint64_t	msg_published, msg_forwarded;
	uint64_t	ihave_in, ihave_ignored, iwant_in, iwant_served;
	uint64_t	graft_in, graft_rejected, prune_in, px_in;
	uint64_t	promise_broken, topics_full, peers_full;
	uint64_t	seen_evicted, mcache_evicted;
	uint64_t	peers, topics_joined;
};

struct gossip_pubsub;

/* Protocol ID text of proto ("/meshsub/1.1.0", …). */
const char *gossip_pubsub_proto_id(enum gossip_pubsub_proto proto);
void	gossip_pubsub_params_default(struct gossip_pubsub_params *p);
/* A router; NULL on inconsistent params.  ops, arg and id are borrowed. */
struct gossip_pubsub *gossip_pubsub_new(const struct gossip_pubsub_ops *ops,
	    void *arg, const struct gossip_identity *id,
	    const struct gossip_pubsub_params *params);
void	gossip_pubsub_free(struct gossip_pubsub *ps);

/*
 * A peer whose stream speaks proto; outbound if we dialed it; ip (may be
 * NULL) for colocation scoring.  Sends it our subscriptions.  -1 if the
 * peer is known already, its ID is not a peer ID, or the table is full.
 */
int	gossip_pubsub_add_peer(struct gossip_pubsub *ps, const char *peer,
	    enum gossip_pubsub_proto proto, int outbound, const char *ip);
/* Forget a peer (its score is kept retain_score_ms). */
void	gossip_pubsub_remove_peer(struct gossip_pubsub *ps, const char *peer);
/*
 * One RPC received from peer.  -1 (counted, the peer penalized) if it does
 * not decode or is over max_rpc_size; bad messages inside are dropped one
 * by one and 0 is returned.
 */
int	gossip_pubsub_recv(struct gossip_pubsub *ps, const char *peer,
	    const uint8_t *rpc, size_t len);

/* Subscribe: announce, then graft up to D peers.  -1 if no topic room. */
int	gossip_pubsub_join(struct gossip_pubsub *ps, const char *topic);
/* Unsubscribe: announce and PRUNE the mesh (unsubscribe backoff). */
int	gossip_pubsub_leave(struct gossip_pubsub *ps, const char *topic);
/*
 * Sign and send data on topic (mesh, else fanout).  -1 if the message
 * would not fit max_rpc_size or the topic is invalid.
 */
int	gossip_pubsub_publish(struct gossip_pubsub *ps, const char *topic,
	    const uint8_t *data, size_t len);
/* Mesh and fanout upkeep, gossip, cache ageing; call every heartbeat_ms. */
void	gossip_pubsub_heartbeat(struct gossip_pubsub *ps);

void	gossip_pubsub_stats(const struct gossip_pubsub *ps,
	    struct gossip_pubsub_stats *out);
/* The peer's current score; -1 if the peer is unknown. */
int	gossip_pubsub_peer_score(const struct gossip_pubsub *ps,
	    const char *peer, double *score);
/* Mesh size of topic, and whether peer is in it. */
size_t	gossip_pubsub_mesh_count(const struct gossip_pubsub *ps,
	    const char *topic);
int	gossip_pubsub_in_mesh(const struct gossip_pubsub *ps,
	    const char *topic, const char *peer);

/* ---- rpc.c: pure message and RPC codec ---------------------- */

/* A Message's fields, borrowed from a buffer or decoded RPC. */
struct gossip_pubsub_msg {
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

enum gossip_pubsub_rc {
	GOSSIP_PUBSUB_OK = 0,
	GOSSIP_PUBSUB_EMALFORMED = -1,	/* missing field, bad seqno or topic */
	GOSSIP_PUBSUB_EAUTHOR = -2,	/* from is not an Ed25519 peer ID */
	GOSSIP_PUBSUB_ENOSIG = -3,	/* unsigned */
	GOSSIP_PUBSUB_EKEY = -4,	/* key field does not match from */
	GOSSIP_PUBSUB_ESIG = -5,	/* signature does not verify */
	GOSSIP_PUBSUB_ESPACE = -6,	/* scratch buffer too small */
};

const char *gossip_pubsub_strerror(int rc);

/* Bytes of the Message protobuf (fields in tag order; sig/key optional). */
size_t	gossip_pubsub_msg_size(const struct gossip_pubsub_msg *m,
	    int with_sig);
/* Write it to out (gossip_pubsub_msg_size() bytes); returns the length. */
size_t	gossip_pubsub_msg_encode(const struct gossip_pubsub_msg *m,
	    int with_sig, uint8_t *out);
/* Topic check: 1..GOSSIP_PUBSUB_TOPIC_MAX bytes without NUL. */
int	gossip_pubsub_topic_ok(const uint8_t *topic, size_t len);
/*
 * StrictSign: build and sign our message (from = id's peer ID, no key) into
 * a malloc'd Message protobuf; the caller owns *out.
 */
int	gossip_pubsub_msg_sign(const struct gossip_identity *id,
	    const uint8_t *topic, size_t topic_len, const uint8_t *data,
	    size_t len, uint64_t seqno, uint8_t **out, size_t *outlen);
/*
 * StrictSign check of a received message: shape, author key, signature
 * over GOSSIP_PUBSUB_SIG_PREFIX + the unsigned re-encoding (built in
 * scratch).  Does not touch the signature when the shape is wrong.
 */
int	gossip_pubsub_msg_verify(const struct gossip_pubsub_msg *m,
	    uint8_t *scratch, size_t scratchcap);
/* Message ID = from || seqno; -1 if too long. */
int	gossip_pubsub_msg_id(const struct gossip_pubsub_msg *m,
	    uint8_t id[GOSSIP_PUBSUB_MSGID_MAX], size_t *idlen);

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
struct gossip_meshsub {
	struct p2p_host		*h;		/* borrowed */
	struct gossip_pubsub	*ps;		/* owned: the router */
	struct event		*hb;		/* owned: its heartbeat */
	size_t			 max_rpc;	/* p2p_max_message_size */
	int			 slot;		/* ours in gossip_conn.slot */
	ps_deliver_fn		 deliver;
	void			*deliver_arg;
	uint64_t		 delivered;
	uint64_t		 verdicts[PS_REJECT + 1];
};

/*
 * Serve /meshsub/1.1.0, /meshsub/1.0.0 and /floodsub/1.0.0 on h and start
 * the router and its heartbeat; deliver(arg, ...) hears every message.
 */
int	gossip_meshsub_start(struct gossip_meshsub *, struct p2p_host *h,
	    ps_deliver_fn deliver, void *arg);
void	gossip_meshsub_stop(struct gossip_meshsub *);
/* Identify is done: open our pubsub stream if the peer does pubsub. */
void	gossip_meshsub_attach(struct gossip_meshsub *, struct gossip_conn *);
/* The connection is going: forget the peer. */
void	gossip_meshsub_detach(struct gossip_meshsub *, struct gossip_conn *);
/* Our outbound pubsub stream to c, or NULL. */
struct gossip_stream *gossip_meshsub_stream(struct gossip_meshsub *,
	    struct gossip_conn *);


#endif
