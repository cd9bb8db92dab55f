/*
 * The gossip worker's private header: its context, which holds one state
 * struct per layer (libp2p host, pubsub router, Teranode protocol), the
 * IPC sockets, the ban gate and the connection manager.  Shared by the
 * worker's glue (gossip.c, gate.c, peers.c, connmgr.c, gossip_check.c); the
 * layers under workers/gossip/{libp2p,pubsub,teranode}/ never include it.
 */
#ifndef GOSSIP_H
#define GOSSIP_H

#include <sys/socket.h>

#include <event2/util.h>

#include "ipc.h"
#include "kad/kad.h"
#include "libp2p/libp2p.h"
#include "pubsub/pubsub.h"
#include "teranode/teranode.h"

struct gossip_ban_cache;
struct gossip_batch_rep;
struct gossip_connmgr;
struct gossip_dial;
struct gossip_exchange;
struct proc;

#define GOSSIP_HOLD_MAX		64	/* publish replies held back */
#define GOSSIP_HOLD_MS		1000	/* for at most this long */
#define GOSSIP_BATCH_MAX	1024	/* messages in one PublishBatchReq */

/* A publish request whose reply is held back. */
struct gossip_held {
	struct ipc_req			*req;
	struct gossip_batch_rep		*rep;	/* owned; NULL: an Ack */
};

struct gossip_ctx {
	struct proc			*p;		/* borrowed: the worker run-time */
	struct ipc_pub			*pub;		/* gossip.pub, owned by the hub */
	struct p2p_host			 host;		/* the libp2p layer */
	struct ps_meshsub		 ms;		/* the pubsub layer */
	struct tn_ctx		*tn;		/* owned: the Teranode layer */
	struct kad_net			*kad;		/* owned: the DHT; NULL: off */
	struct tn_catchup_ipc		*catchup;	/* owned: PeerService reputation */
	struct gossip_ban_cache		*banned;	/* owned: banned peer IDs */
	struct ipc_client		*bans;		/* bans.rep */
	struct ipc_sub			*bans_sub;	/* bans.pub */
	struct gossip_dial		*dials;		/* ConnectPeer waiting */
	struct gossip_exchange		*ex;		/* owned: peer exchange */
	struct gossip_connmgr		*cm;		/* owned; NULL: off */
	/* publish replies held while a peer's queue is over half full */
	struct gossip_held		 held[GOSSIP_HOLD_MAX];
	size_t				 nheld;
	struct event			*hold_timer;	/* owned */
	uint64_t			 cnt_held;	/* replies ever held */
	uint64_t			 cnt_batches;	/* PublishBatchReq served */
	uint64_t			 cnt_batched;	/* messages in them */
	uint64_t			 peers_epoch;	/* start time, ms */
};

/* ---- publish.c: replies to local publishers ---- */

/* Answer req (with b, NULL: an Ack) now, or hold it while a peer's queue
 * is over half full; takes ownership of b. */
void	gossip_published(struct gossip_ctx *, struct ipc_req *,
	    struct gossip_batch_rep *b);
/* Answer every held publish request. */
void	gossip_release(void *g);
void	gossip_hold_expired(evutil_socket_t, short, void *g);
/* PublishBatchReq: publish every item, one outcome each. */
void	gossip_on_publish_batch(struct gossip_ctx *, struct ipc_req *,
	    const Tp__PublishBatchReq *);

/* ---- gate.c: the ban gate ---- */

/* Subscribe to bans.pub and open bans.rep. */
void	gossip_gate_start(struct gossip_ctx *);
/* Ask the ban manager about c's IP (at accept/dial) or peer (when open). */
void	gossip_gate_check_addr(struct gossip_ctx *, struct p2p_conn *);
void	gossip_gate_check_peer(struct gossip_ctx *, struct p2p_conn *);
/* 1 if the sockaddr is inside the CIDR subnet text ("10.0.0.0/8"). */
int	gossip_gate_in_subnet(const struct sockaddr *, const char *cidr);
/* 1 if the ban manager announced peer_id as banned (bans.pub). */
int	gossip_gate_peer_banned(struct gossip_ctx *, const char *peer_id);
/* The ban manager's last word on peer_id: 0 (filled) or -1 if none. */
int	gossip_gate_ban_state(struct gossip_ctx *, const char *peer_id,
	    int *score, int *banned);
void	gossip_gate_stop(struct gossip_ctx *);

/* ---- exchange.c: gossipsub PX and the bus's peer-addr-request ---- */

struct gossip_exchange_stats {
	uint64_t	px_offered;	/* PX entries heeded by the router */
	uint64_t	bad_record;	/* signed record did not verify */
	uint64_t	no_address;	/* nothing we may dial */
	uint64_t	refused;	/* banned, dialed lately, over budget */
	uint64_t	dialed;
	uint64_t	addr_served, addr_bad_request, addr_timeouts;
	uint64_t	addr_asked, addr_answers, addr_bad_reply;
};

/* Serve the address request, hear PX (p2p_enable_peer_exchange). */
struct gossip_exchange *gossip_exchange_start(struct gossip_ctx *);
/* After p2p_host_stop(): its streams are gone. */
void	gossip_exchange_stop(struct gossip_exchange *);
/* A message by author came from `from`: find the author if unknown. */
void	gossip_exchange_author(struct gossip_exchange *, const char *author,
	    const char *from);
/* The router's PX entry (ps_meshsub.px): verify, then dial. */
void	gossip_exchange_px(void *arg, const char *from,
	    const struct p2p_peer_id *id, const uint8_t *rec, size_t reclen);
void	gossip_exchange_stats(const struct gossip_exchange *,
	    struct gossip_exchange_stats *);
struct proc_stats;
/* Its counters into a StatsRep. */
void	gossip_exchange_stats_add(const struct gossip_exchange *,
	    struct proc_stats *);
/* ---- connmgr.c: the connection manager (water marks, grace) ---- */

struct config;
struct proc_stats;
/* Read the p2p_conn_* settings and trim on a timer from now on. */
void	gossip_connmgr_start(struct gossip_ctx *);
/* A connection opened: trim soon if over the high water mark. */
void	gossip_connmgr_added(struct gossip_ctx *);
void	gossip_connmgr_stats(struct gossip_ctx *, struct proc_stats *);
void	gossip_connmgr_stop(struct gossip_ctx *);
/* terap2pd -n: the water marks make sense; -1 with err. */
int	gossip_connmgr_check(const struct config *, char *err, size_t errlen);

/* ---- peers.c: for GetPeers ---- */

/* Open connections by peer ID (first open one of a peer). */
struct gossip_conn_index {
	struct p2p_conn	**slot;		/* owned array, borrowed entries */
	size_t			  mask;
};

void	gossip_conn_index_build(struct gossip_conn_index *,
	    struct p2p_host *);
struct p2p_conn *gossip_conn_index_find(const struct gossip_conn_index *,
	    const char *peer_id);
void	gossip_conn_index_free(struct gossip_conn_index *);
/* Changes whenever GetPeers' answer may have changed; never 0. */
uint64_t	gossip_peers_version(struct gossip_ctx *);

/* ---- gossip.c ---- */

int	gossip_main(struct proc *);
/* terap2pd -n: what this worker would refuse at start; -1, err. */
int	gossip_check(const struct config *, char *err, size_t errlen);

#endif
