/*
 * The door of the gossip worker's Teranode layer (workers/gossip/teranode/):
 * the only header of this folder that files outside it include, beside the
 * peer records it hands out (registry.h).  It sits on the pubsub router and
 * the libp2p host and reaches them only through their doors; the worker
 * gives it the rest (ban checks) as hooks.
 */
#ifndef TERANODE_TERANODE_H
#define TERANODE_TERANODE_H

#include <stddef.h>
#include <stdint.h>

#include "libp2p/libp2p.h"
#include "pubsub/pubsub.h"
#include "teranode/registry.h"

struct tn_ctx;
struct ipc_pub;
struct proc;
struct proc_stats;

/* What the worker does for the Teranode layer; arg is the worker's. */
struct tn_hooks {
	void	*arg;
	/* Blame peer, which has no connection now, on the ban manager. */
	void	(*score)(void *arg, const char *peer);
	/* 1 if the ban manager announced peer as banned. */
	int	(*banned)(void *arg, const char *peer);
};

/*
 * Join the Teranode topics on ps and start the registry, the sync
 * coordinator, the health checker and the local announcements.  Everything
 * given is borrowed and outlives the layer.
 */
struct tn_ctx *tn_start(struct proc *, struct ipc_pub *,
	    struct p2p_host *, struct ps_router *ps,
	    const struct tn_hooks *);
void	tn_stop(struct tn_ctx *);
/*
 * A delivered pubsub message: 1 if it was on a Teranode topic (handled,
 * *verdict says how), 0 if it is not Teranode's.
 */
int	tn_message(struct tn_ctx *, const char *topic,
	    const char *author, const char *from, const uint8_t *, size_t,
	    enum ps_verdict *verdict);
/* local.c: a local announcement (TopicKind, message JSON); -1 with err. */
int	tn_local_publish(struct tn_ctx *, int kind, const char *json,
	    char *err, size_t errlen);
/* A connection opened: -1 refused (another network) and closed. */
int	tn_connected(struct tn_ctx *, struct p2p_conn *);
void	tn_disconnected(struct tn_ctx *, struct p2p_conn *);
/* The registry entries, borrowed until the loop runs again. */
size_t	tn_peers(struct tn_ctx *,
	    const struct tn_registry_peer **out);
/* Changes whenever a registry entry may have changed. */
uint64_t	tn_peers_version(const struct tn_ctx *);
void	tn_stats(struct tn_ctx *, struct proc_stats *);

#endif
