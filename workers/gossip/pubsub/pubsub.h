/*
 * The gossip worker's pubsub router: gossipsub v1.1 (/meshsub/1.1.0), v1.0
 * and floodsub peers, StrictSign, message and seen caches, v1.1 peer
 * scoring (P4, P6, P7).  Transport-independent: the host hands it whole RPCs
 * (the bytes after the varint length prefix) and gets RPCs back through
 * ops->send; the time comes from ops->now_ms, so tests simulate the clock.
 * It knows nothing of Teranode.  No I/O, no logging: counters instead.
 *
 * Callbacks must not call back into the router.  Everything they are given
 * is borrowed for the call only.
 */
#ifndef GOSSIP_PUBSUB_H
#define GOSSIP_PUBSUB_H

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

/* ---- gossip_pubsub_rpc.c: pure message and RPC codec ---------------------- */

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

#ifdef GOSSIP_PUBSUB_INTERNAL
/* ---- between gossip_pubsub*.c only ----------------------------------------- */
#include "libp2p_pubsub.pb-c.h"

#define GOSSIP_PUBSUB_NONE	UINT32_MAX

/* gossip_pubsub_cache.c: a FIFO of message IDs with a hash index. */
struct gossip_pubsub_ent {
	uint8_t		 id[GOSSIP_PUBSUB_MSGID_MAX];
	uint8_t		 idlen;
	uint32_t	 next;		/* hash chain */
	uint32_t	 topic;		/* mcache: topic slot */
	uint64_t	 stamp;		/* seen: ms; mcache: generation */
	uint8_t		*rpc;		/* mcache: owned publish RPC */
	size_t		 rpclen;
};

struct gossip_pubsub_ring {
	struct gossip_pubsub_ent	*ents;		/* owned, cap */
	uint32_t			*buckets;	/* owned, nbuckets */
	size_t				 cap, nbuckets, head, count;
	uint64_t			 evicted;	/* dropped before expiry */
};

int	gossip_pubsub_ring_init(struct gossip_pubsub_ring *r, size_t cap);
void	gossip_pubsub_ring_fini(struct gossip_pubsub_ring *r);
struct gossip_pubsub_ent *gossip_pubsub_ring_find(
	    const struct gossip_pubsub_ring *r, const uint8_t *id, size_t len);
/* Append id (evicting the oldest when full); NULL if id is too long. */
struct gossip_pubsub_ent *gossip_pubsub_ring_add(struct gossip_pubsub_ring *r,
	    const uint8_t *id, size_t len, uint64_t stamp);
/* Drop entries from the oldest while stamp < limit. */
void	gossip_pubsub_ring_expire(struct gossip_pubsub_ring *r,
	    uint64_t limit);
/* The k-th newest entry (0 = newest), NULL past the end. */
struct gossip_pubsub_ent *gossip_pubsub_ring_newest(
	    const struct gossip_pubsub_ring *r, size_t k);

/* Per (peer, topic) state. */
#define GOSSIP_PUBSUB_PT_SUB		0x01	/* peer subscribed */
#define GOSSIP_PUBSUB_PT_MESH		0x02
#define GOSSIP_PUBSUB_PT_FANOUT		0x04
#define GOSSIP_PUBSUB_PT_GRAFT		0x08	/* pending GRAFT to send */
#define GOSSIP_PUBSUB_PT_PRUNE		0x10	/* pending PRUNE to send */
#define GOSSIP_PUBSUB_PT_IHAVE		0x20	/* pending gossip to send */

struct gossip_pubsub_pt {
	uint8_t		flags;
	uint64_t	backoff_until;	/* ms; 0 none */
	double		p4;		/* invalid messages */
};

struct gossip_pubsub_peer {
	int			 used;
	char			 id[GOSSIP_PEER_ID_TEXT_MAX];
	struct gossip_peer_id	 bid;
	enum gossip_pubsub_proto proto;
	int			 outbound;
	char			 ip[64];
	struct gossip_pubsub_pt	*pt;		/* owned, max_topics */
	double			 p7;		/* behaviour penalty */
	double			 p4_residue;	/* retained sum of p4^2 */
	double			 colo_surplus;
	double			 score;
	size_t			 ihave_count;	/* this heartbeat */
	size_t			 iasked;
	size_t			 iwant_served;
	int			 pending;	/* some pt has GRAFT/PRUNE/IHAVE */
};

struct gossip_pubsub_topic {
	int		 used;
	int		 joined;
	char		 name[GOSSIP_PUBSUB_TOPIC_MAX + 1];
	size_t		 len;
	size_t		 nsubs;		/* peers subscribed */
	uint64_t	 lastpub;	/* fanout: last publish ms, 0 none */
	struct gossip_pubsub_ent **gossip;	/* borrowed from mcache, hb */
	size_t		 ngossip;
};

struct gossip_pubsub_promise {
	uint32_t	peer;
	uint8_t		id[GOSSIP_PUBSUB_MSGID_MAX];
	uint8_t		idlen;
	uint64_t	deadline;
};

struct gossip_pubsub_retained {
	struct gossip_peer_id	bid;
	double			p7, p4_residue;
	uint64_t		expires;
};

struct gossip_pubsub {
	struct gossip_pubsub_ops		 ops;
	void					*arg;	/* borrowed */
	const struct gossip_identity		*id;	/* borrowed */
	struct gossip_pubsub_params		 p;
	struct gossip_pubsub_peer		*peers;	/* owned, max_peers */
	struct gossip_pubsub_topic		*topics; /* owned, max_topics */
	struct gossip_pubsub_ring		 seen;
	struct gossip_pubsub_ring		 mcache;
	uint64_t				 gen;	/* mcache windows */
	struct gossip_pubsub_promise		*promises; /* owned */
	size_t					 npromises;
	struct gossip_pubsub_retained		*retained; /* owned */
	size_t					 nretained;
	uint64_t				 last_decay;
	uint64_t				 seqno;
	uint64_t				 rng;
	uint8_t					*scratch; /* owned */
	size_t					 scratchcap;
	uint32_t				*tmp;	/* owned, max_peers */
	struct gossip_pubsub_stats		 st;
};

/* A growable output buffer for hand-built RPCs. */
struct gossip_pubsub_buf {
	uint8_t	*b;	/* owned */
	size_t	 len, cap;
};

void	gossip_pubsub_buf_put(struct gossip_pubsub_buf *w, const void *p,
	    size_t n);
void	gossip_pubsub_buf_varint(struct gossip_pubsub_buf *w, uint64_t v);
/* Field `tag` (length-delimited) with the n bytes at p. */
void	gossip_pubsub_buf_field(struct gossip_pubsub_buf *w, uint8_t tag,
	    const void *p, size_t n);
void	gossip_pubsub_buf_free(struct gossip_pubsub_buf *w);
/* RPC{publish: [msg]} wrapped around a Message protobuf (malloc'd). */
int	gossip_pubsub_rpc_wrap(const uint8_t *msg, size_t len, uint8_t **out,
	    size_t *outlen);
/* RPC{subscriptions: [{subscribe, topic}]} appended to w. */
void	gossip_pubsub_rpc_sub(struct gossip_pubsub_buf *w, int subscribe,
	    const char *topic, size_t len);
/* Decode (NULL on garbage); free with libp2p_pubsub__rpc__free_unpacked. */
Libp2pPubsub__RPC *gossip_pubsub_rpc_decode(const uint8_t *buf, size_t len);
/* A view of a decoded Message. */
void	gossip_pubsub_msg_view(const Libp2pPubsub__Message *pm,
	    struct gossip_pubsub_msg *m);

/* gossip_pubsub.c helpers for the aspect files */
uint64_t gossip_pubsub_now(struct gossip_pubsub *ps);
uint64_t gossip_pubsub_rand(struct gossip_pubsub *ps);
void	gossip_pubsub_shuffle(struct gossip_pubsub *ps, uint32_t *v, size_t n);
int	gossip_pubsub_send(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p, const uint8_t *rpc, size_t len);
uint32_t gossip_pubsub_topic_find(const struct gossip_pubsub *ps,
	    const uint8_t *name, size_t len);
void	gossip_pubsub_topic_gc(struct gossip_pubsub *ps, uint32_t t);
void	gossip_pubsub_peer_penalize(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p);

/* gossip_pubsub_mesh.c: control messages and the heartbeat */
void	gossip_pubsub_mesh_control(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p, const Libp2pPubsub__ControlMessage *c);
void	gossip_pubsub_mesh_join(struct gossip_pubsub *ps, uint32_t t);
void	gossip_pubsub_mesh_leave(struct gossip_pubsub *ps, uint32_t t);
/* Recipients of our own message on topic t into ps->tmp; returns count. */
size_t	gossip_pubsub_mesh_publish_peers(struct gossip_pubsub *ps, uint32_t t);
void	gossip_pubsub_mesh_heartbeat(struct gossip_pubsub *ps);
/* A message with this ID arrived: IHAVE promises for it are kept. */
void	gossip_pubsub_mesh_promise_kept(struct gossip_pubsub *ps,
	    const uint8_t *id, size_t len);
/* Send p's pending GRAFT/PRUNE/IHAVE (and subscriptions in sub). */
void	gossip_pubsub_mesh_flush(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p, struct gossip_pubsub_buf *sub);

/* gossip_pubsub_score.c */
void	gossip_pubsub_score_update(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p);
void	gossip_pubsub_score_refresh(struct gossip_pubsub *ps);
void	gossip_pubsub_score_invalid(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p, uint32_t t);
void	gossip_pubsub_score_behaviour(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p, double n);
void	gossip_pubsub_score_decay(struct gossip_pubsub *ps);
void	gossip_pubsub_score_retain(struct gossip_pubsub *ps,
	    const struct gossip_pubsub_peer *p);
void	gossip_pubsub_score_restore(struct gossip_pubsub *ps,
	    struct gossip_pubsub_peer *p);
#endif /* GOSSIP_PUBSUB_INTERNAL */

#endif
