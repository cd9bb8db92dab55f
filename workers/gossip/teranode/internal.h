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
	char		id[GOSSIP_PEER_ID_TEXT_MAX];
	uint64_t	until_ms;
};

/* The Teranode layer's state: one per worker. */
struct gossip_tn {
	struct proc		*p;			/* borrowed */
	struct ipc_pub		*pub;			/* borrowed: gossip.pub */
	struct p2p_host		*h;			/* borrowed */
	struct gossip_pubsub	*ps;			/* borrowed: the router */
	struct tn_hooks		 hooks;
	char			 topic[GOSSIP_TMSG_KIND_MAX + 1][GOSSIP_PUBSUB_TOPIC_MAX + 1];
	char			 prefix[GOSSIP_TMSG_TEXT_MAX + 1];
	char			 client_name[GOSSIP_TMSG_NAME_MAX + 1];
	char			 datahub[GOSSIP_TMSG_URL_MAX + 1];
	int			 listen_only;
	unsigned		 flags;			/* decode flags */
	struct gossip_registry	 reg;
	struct gossip_sync	 sync;
	struct gossip_health	*health;		/* owned */
	struct event		*tick, *status_ev, *health_ev;	/* owned */
	struct event		*first_status;		/* owned */
	struct event		*hs_ev;			/* owned: version soon */
	struct ipc_client	*kafka;			/* kafka.rep */
	struct ipc_sub		*kafka_sub;		/* kafka.pub */
	const struct cfg_list	*blacklist;		/* borrowed from cfg */
	struct tn_refused	 refused[TN_REFUSED_MAX];
	/* the local node */
	uint32_t		 height;
	char			 best_hash[GOSSIP_TMSG_HASH_MAX + 1];
	char			 fsm[GOSSIP_TMSG_TEXT_MAX + 1];
	uint64_t		 started_wall_ms;
	/* counters */
	uint64_t		 in[GOSSIP_TMSG_KIND_MAX + 1];
	uint64_t		 out[GOSSIP_TMSG_KIND_MAX + 1];
	uint64_t		 drops[GOSSIP_TMSG_ERR_MAX + 1];
	uint64_t		 drop_spoofed, drop_banned, drop_blacklisted;
	uint64_t		 drop_not_sync_peer, drop_refused, sync_triggers;
};

/* handlers.c */
void	gossip_teranode_sync_actions(struct gossip_tn *,
	    const struct gossip_sync_actions *);

/* local.c */
/* Publish m on its topic in our envelope; 0 or -1. */
int	gossip_local_send(struct gossip_tn *, const struct gossip_tmsg *m);
/* Our node_status, now. */
void	gossip_local_status(struct gossip_tn *);
/* The seed's handshake: "version" or "verack". */
void	gossip_local_handshake(struct gossip_tn *, const char *type);
/* Timers and kafka.pub (arg: the struct gossip_tn). */
void	gossip_local_status_cb(evutil_socket_t, short, void *);
void	gossip_local_hs_cb(evutil_socket_t, short, void *);
void	gossip_local_notification(void *arg, const ipc_env *ev);

#endif
