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
	/* What the ban manager last said of peer: 0 (score and banned
	 * filled) or -1 if nothing. */
	int	(*ban_state)(void *arg, const char *peer, int *score,
		    int *banned);
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
/* The ban manager's view of peer changed: the registry and the sync peer
 * selector follow (a banned sync peer is replaced); score -1 keeps the
 * registry's score. */
void	tn_ban_update(struct tn_ctx *, const char *peer, int score,
	    int banned);
/* The peer chosen to sync from now, or NULL. */
const char *tn_sync_peer_current(struct tn_ctx *);
/* The first registry peer whose DataHub URL is exactly url, or NULL
 * (Teranode's ReportInvalidSubtree fallback). */
const char *tn_peer_by_datahub(struct tn_ctx *, const char *url);

/*
 * catchup_ipc.c: the catch-up reputation behind PeerService, kept in
 * <p2p_peer_cache_dir>/teranode_peer_registry.json (loaded now, saved every
 * 5 minutes when changed and at stop).
 */
struct tn_catchup_ipc;
struct ipc_req;
struct Tp__CatchupReportReq;
struct Tp__PeerRegistryReq;
struct tn_catchup_ipc *tn_catchup_ipc_start(struct proc *);
void	tn_catchup_ipc_stop(struct tn_catchup_ipc *);
/* Answer gossip.rep's CatchupReportReq / PeerRegistryReq (t may be NULL). */
void	tn_catchup_ipc_report(struct tn_catchup_ipc *, struct tn_ctx *t,
	    struct ipc_req *, const struct Tp__CatchupReportReq *);
void	tn_catchup_ipc_registry(struct tn_catchup_ipc *, struct tn_ctx *t,
	    struct ipc_req *, const struct Tp__PeerRegistryReq *);

#endif
