/*
 * Between the files of the gossip worker's pubsub router only (router.c,
 * cache.c, mesh.c, rpc.c, score.c): its tables, caches and RPC buffers.
 * Everything else includes the door, pubsub.h.
 */
#ifndef PUBSUB_INTERNAL_H
#define PUBSUB_INTERNAL_H

#include "pubsub/pubsub.h"

/* params.c: 0 if the parameters hang together, else -1. */
int	gossip_pubsub_params_check(const struct gossip_pubsub_params *p);
#include "libp2p_pubsub.pb-c.h"

#define GOSSIP_PUBSUB_NONE	UINT32_MAX

/* cache.c: a FIFO of message IDs with a hash index. */
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

/* router.c helpers for the aspect files */
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

/* mesh.c: control messages and the heartbeat */
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

/* score.c */
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

#endif
