/*
 * Between the files of the gossip worker's Teranode layer only:
 * handlers.c (topics, received messages, registry, sync) and local.c (the
 * local node's announcements, node_status, handshake, FSM state).  Others
 * include the door, teranode.h.
 */
#ifndef TERANODE_INTERNAL_H
#define TERANODE_INTERNAL_H

#include <event2/util.h>

#include "ipc.h"
#include "teranode/teranode.h"
#include "teranode/health.h"
#include "teranode/msg.h"

#define TN_REFUSED_MAX	256

struct tn_refused {
	char		id[P2P_PEER_ID_TEXT_MAX];
	uint64_t	until_ms;
};

/* The Teranode layer's state: one per worker. */
struct tn_ctx {
	struct proc		*p;			/* borrowed */
	struct ipc_pub		*pub;			/* borrowed: gossip.pub */
	struct p2p_host		*h;			/* borrowed */
	struct ps_router	*ps;			/* borrowed: the router */
	struct tn_hooks		 hooks;
	char			 topic[TN_MSG_KIND_MAX + 1][PS_TOPIC_MAX + 1];
	char			 prefix[TN_MSG_TEXT_MAX + 1];
	char			 client_name[TN_MSG_NAME_MAX + 1];
	char			 datahub[TN_MSG_URL_MAX + 1];
	int			 listen_only;
	unsigned		 flags;			/* decode flags */
	struct tn_registry	 reg;
	struct tn_sync	 sync;
	struct tn_health	*health;		/* owned */
	struct event		*tick, *status_ev, *health_ev;	/* owned */
	struct event		*first_status;		/* owned */
	struct event		*hs_ev;			/* owned: version soon */
	struct ipc_client	*kafka;			/* kafka.rep */
	struct ipc_sub		*kafka_sub;		/* kafka.pub */
	const struct cfg_list	*blacklist;		/* borrowed from cfg */
	struct tn_refused	 refused[TN_REFUSED_MAX];
	/* the local node */
	uint32_t		 height;
	char			 best_hash[TN_MSG_HASH_MAX + 1];
	char			 fsm[TN_MSG_TEXT_MAX + 1];	/* "": unknown */
	char			 chain_work[TN_MSG_TEXT_MAX + 1];
	char			 miner[TN_MSG_TEXT_MAX + 1];
	char			 storage[TN_MSG_TEXT_MAX + 1];	/* "": full */
	uint64_t		 tx_count;
	uint32_t		 subtree_count;
	uint64_t		 started_wall_ms;
	/* counters */
	uint64_t		 in[TN_MSG_KIND_MAX + 1];
	uint64_t		 out[TN_MSG_KIND_MAX + 1];
	uint64_t		 drops[TN_MSG_ERR_MAX + 1];
	uint64_t		 drop_spoofed, drop_banned, drop_blacklisted;
	uint64_t		 drop_not_sync_peer, drop_refused, sync_triggers;
};

/* handlers.c */
void	tn_sync_apply(struct tn_ctx *,
	    const struct tn_sync_actions *);

/* local.c */
/* Publish m on its topic in our envelope; 0 or -1. */
int	tn_local_send(struct tn_ctx *, const struct tn_msg *m);
/* Our node_status, now. */
void	tn_local_status(struct tn_ctx *);
/* The seed's handshake: "version" or "verack". */
void	tn_local_handshake(struct tn_ctx *, const char *type);
/* Timers and kafka.pub (arg: the struct tn_ctx). */
void	tn_local_status_cb(evutil_socket_t, short, void *);
void	tn_local_hs_cb(evutil_socket_t, short, void *);
void	tn_local_notification(void *arg, const ipc_env *ev);

#endif
