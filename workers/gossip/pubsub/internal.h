/*
 * Between the files of the gossip worker's pubsub router only (router.c,
 * cache.c, mesh.c, rpc.c, score.c): its tables, caches and RPC buffers.
 * Everything else includes the door, pubsub.h.
 */
#ifndef PUBSUB_INTERNAL_H
#define PUBSUB_INTERNAL_H

#include "pubsub/pubsub.h"

/* params.c: 0 if the parameters hang together, else -1. */
int	ps_params_check(const struct ps_params *p);
#include "libp2p_pubsub.pb-c.h"

#define PS_NONE	UINT32_MAX

/* cache.c: a FIFO of message IDs with a hash index. */
struct ps_ent {
	uint8_t		 id[PS_MSGID_MAX];
	uint8_t		 idlen;
	uint32_t	 next;		/* hash chain */
	uint32_t	 topic;		/* mcache: topic slot */
	uint64_t	 stamp;		/* seen: ms; mcache: generation */
	uint8_t		*rpc;		/* mcache: owned publish RPC */
	size_t		 rpclen;
};

struct ps_ring {
	struct ps_ent	*ents;		/* owned, cap */
	uint32_t			*buckets;	/* owned, nbuckets */
	size_t				 cap, nbuckets, head, count;
	uint64_t			 evicted;	/* dropped before expiry */
};

int	ps_ring_init(struct ps_ring *r, size_t cap);
void	ps_ring_fini(struct ps_ring *r);
struct ps_ent *ps_ring_find(
	    const struct ps_ring *r, const uint8_t *id, size_t len);
/* Append id (evicting the oldest when full); NULL if id is too long. */
struct ps_ent *ps_ring_add(struct ps_ring *r,
	    const uint8_t *id, size_t len, uint64_t stamp);
/* Drop entries from the oldest while stamp < limit. */
void	ps_ring_expire(struct ps_ring *r,
	    uint64_t limit);
/* The k-th newest entry (0 = newest), NULL past the end. */
struct ps_ent *ps_ring_newest(
	    const struct ps_ring *r, size_t k);

/* Per (peer, topic) state. */
#define PS_PT_SUB		0x01	/* peer subscribed */
#define PS_PT_MESH		0x02
#define PS_PT_FANOUT		0x04
#define PS_PT_GRAFT		0x08	/* pending GRAFT to send */
#define PS_PT_PRUNE		0x10	/* pending PRUNE to send */
#define PS_PT_IHAVE		0x20	/* pending gossip to send */
#define PS_PT_PX		0x40	/* the pending PRUNE carries PX */

struct ps_pt {
	uint8_t		flags;
	uint64_t	backoff_until;	/* ms; 0 none */
	double		p4;		/* invalid messages */
};

struct ps_peer {
	int			 used;
	char			 id[P2P_PEER_ID_TEXT_MAX];
	struct p2p_peer_id	 bid;
	enum ps_proto proto;
	int			 outbound;
	char			 ip[64];
	struct ps_pt	*pt;		/* owned, max_topics */
	double			 p7;		/* behaviour penalty */
	double			 p4_residue;	/* retained sum of p4^2 */
	double			 colo_surplus;
	double			 score;
	size_t			 ihave_count;	/* this heartbeat */
	size_t			 iasked;
	size_t			 iwant_served;
	int			 pending;	/* some pt has GRAFT/PRUNE/IHAVE */
};

struct ps_topic {
	int		 used;
	int		 joined;
	char		 name[PS_TOPIC_MAX + 1];
	size_t		 len;
	size_t		 nsubs;		/* peers subscribed */
	uint64_t	 lastpub;	/* fanout: last publish ms, 0 none */
	struct ps_ent **gossip;	/* borrowed from mcache, hb */
	size_t		 ngossip;
};

struct ps_promise {
	uint32_t	peer;
	uint8_t		id[PS_MSGID_MAX];
	uint8_t		idlen;
	uint64_t	deadline;
};

struct ps_retained {
	struct p2p_peer_id	bid;
	double			p7, p4_residue;
	uint64_t		expires;
};

struct ps_router {
	struct ps_ops		 ops;
	void					*arg;	/* borrowed */
	const struct p2p_identity		*id;	/* borrowed */
	struct ps_params		 p;
	struct ps_peer		*peers;	/* owned, max_peers */
	struct ps_topic		*topics; /* owned, max_topics */
	struct ps_ring		 seen;
	struct ps_ring		 mcache;
	uint64_t				 gen;	/* mcache windows */
	struct ps_promise		*promises; /* owned */
	size_t					 npromises;
	struct ps_retained		*retained; /* owned */
	size_t					 nretained;
	uint64_t				 last_decay;
	uint64_t				 seqno;
	uint64_t				 rng;
	uint8_t					*scratch; /* owned */
	size_t					 scratchcap;
	uint32_t				*tmp;	/* owned, max_peers */
	struct ps_stats		 st;
};

/* A growable output buffer for hand-built RPCs. */
struct ps_buf {
	uint8_t	*b;	/* owned */
	size_t	 len, cap;
};

void	ps_buf_put(struct ps_buf *w, const void *p,
	    size_t n);
void	ps_buf_varint(struct ps_buf *w, uint64_t v);
/* Field `tag` (length-delimited) with the n bytes at p. */
void	ps_buf_field(struct ps_buf *w, uint8_t tag,
	    const void *p, size_t n);
void	ps_buf_free(struct ps_buf *w);
/* RPC{publish: [msg]} wrapped around a Message protobuf (malloc'd). */
int	ps_rpc_wrap(const uint8_t *msg, size_t len, uint8_t **out,
	    size_t *outlen);
/* RPC{subscriptions: [{subscribe, topic}]} appended to w. */
void	ps_rpc_sub(struct ps_buf *w, int subscribe,
	    const char *topic, size_t len);
/* Decode (NULL on garbage); free with libp2p_pubsub__rpc__free_unpacked. */
Libp2pPubsub__RPC *ps_rpc_decode(const uint8_t *buf, size_t len);
/* A view of a decoded Message. */
void	ps_msg_view(const Libp2pPubsub__Message *pm,
	    struct ps_msg *m);

/* router.c helpers for the aspect files */
uint64_t ps_now(struct ps_router *ps);
uint64_t ps_rand(struct ps_router *ps);
void	ps_shuffle(struct ps_router *ps, uint32_t *v, size_t n);
int	ps_send(struct ps_router *ps,
	    struct ps_peer *p, const uint8_t *rpc, size_t len);
uint32_t ps_topic_find(const struct ps_router *ps,
	    const uint8_t *name, size_t len);
void	ps_topic_gc(struct ps_router *ps, uint32_t t);
void	ps_peer_penalize(struct ps_router *ps,
	    struct ps_peer *p);

/* mesh.c: control messages and the heartbeat */
void	ps_mesh_control(struct ps_router *ps,
	    struct ps_peer *p, const Libp2pPubsub__ControlMessage *c);
void	ps_mesh_join(struct ps_router *ps, uint32_t t);
void	ps_mesh_leave(struct ps_router *ps, uint32_t t);
/* Recipients of our own message on topic t into ps->tmp; returns count. */
size_t	ps_mesh_publish_peers(struct ps_router *ps, uint32_t t);
void	ps_mesh_heartbeat(struct ps_router *ps);
/* A message with this ID arrived: IHAVE promises for it are kept. */
void	ps_mesh_promise_kept(struct ps_router *ps,
	    const uint8_t *id, size_t len);
/* Send p's pending GRAFT/PRUNE/IHAVE (and subscriptions in sub). */
void	ps_mesh_flush(struct ps_router *ps,
	    struct ps_peer *p, struct ps_buf *sub);

/* score.c */
void	ps_score_update(struct ps_router *ps,
	    struct ps_peer *p);
void	ps_score_refresh(struct ps_router *ps);
void	ps_score_invalid(struct ps_router *ps,
	    struct ps_peer *p, uint32_t t);
void	ps_score_behaviour(struct ps_router *ps,
	    struct ps_peer *p, double n);
void	ps_score_decay(struct ps_router *ps);
void	ps_score_retain(struct ps_router *ps,
	    const struct ps_peer *p);
void	ps_score_restore(struct ps_router *ps,
	    struct ps_peer *p);

#endif
