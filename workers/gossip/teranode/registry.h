/*
 * The gossip worker's view of Teranode peers (as Teranode's
 * services/p2p/peer_registry.go, peer_selector.go and sync_coordinator.go
 * keep them):
 *   - the peer registry (registry.c): peer ID → what we know of it
 *     (connections, client name, user agent, height and best hash, DataHub
 *     URL, health, ban score, traffic, node_status fields), bounded by a
 *     maximum number of entries and a TTL on silence;
 *   - the sync peer selector (tn_registry_select()): a pure
 *     function over an array of entries;
 *   - the sync coordinator (sync.c): a state machine fed with
 *     events and clock ticks by the caller, answering with actions (a new
 *     sync peer, a sync trigger for the Kafka bridge, a dropped sync peer).
 * No I/O, no logging, no timers: every time is a caller-provided
 * millisecond clock (one clock for the registry and the coordinator; wall
 * milliseconds if the times are to be shown as dates).
 */
#ifndef TN_REGISTRY_H
#define TN_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "teranode/msg.h"

#define TN_REGISTRY_ADDRS_MAX	4	/* remote multiaddrs kept per peer */
#define TN_REGISTRY_ADDR_MAX	128	/* bytes of multiaddr text */
#define TN_REGISTRY_ID_MAX		TN_MSG_PEER_ID_MAX
#define TN_REGISTRY_STATE_MAX	32	/* fsm_state, storage, listen_mode */

/* What we know about one peer.  Copies are plain values (no pointers). */
struct tn_registry_peer {
	char		id[TN_REGISTRY_ID_MAX + 1];
	/* direct connections */
	char		addrs[TN_REGISTRY_ADDRS_MAX][TN_REGISTRY_ADDR_MAX + 1];
	size_t		naddrs;
	int		nconns;		/* open connections (0: gossip only) */
	int		inbound;	/* the latest connection was inbound */
	/* what it said: handshake and node_status */
	char		client_name[TN_MSG_NAME_MAX + 1];
	char		user_agent[TN_MSG_TEXT_MAX + 1];
	char		topic_prefix[TN_MSG_TEXT_MAX + 1];
	uint64_t	services;
	char		version[TN_MSG_TEXT_MAX + 1];
	char		fsm_state[TN_REGISTRY_STATE_MAX + 1];
	char		listen_mode[TN_REGISTRY_STATE_MAX + 1];
	char		storage[TN_REGISTRY_STATE_MAX + 1];
	uint64_t	last_status_ms;
	/* chain */
	uint32_t	height;
	char		best_hash[TN_MSG_HASH_MAX + 1];
	char		data_hub_url[TN_MSG_URL_MAX + 1];
	/* health (the health checker) and URL responsiveness */
	int		healthy;		/* 1 when added */
	uint64_t	health_duration_ms;	/* of the last good check */
	uint64_t	last_health_check_ms;
	int		url_responsive;		/* 0 when added */
	uint64_t	last_url_check_ms;
	/* bans (the ban manager's view) */
	int		ban_score;
	int		banned;
	/* traffic and times */
	uint64_t	connected_at_ms;	/* when added */
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	last_block_ms;
	uint64_t	last_message_ms;
};

struct tn_registry {
	struct tn_registry_peer	*peers;	/* owned, [0, n) in use */
	size_t				 n;
	size_t				 max;
	uint64_t			 ttl_ms;	/* 0: no expiry */
	uint64_t			 evicted;	/* pushed out when full */
	uint64_t			 expired;	/* swept after the TTL */
	uint64_t			 gen;		/* bumped on every change */
};

/* Room for max_peers entries; -1 if max_peers is 0. */
int	tn_registry_init(struct tn_registry *r, size_t max_peers,
	    uint64_t ttl_ms);
void	tn_registry_fini(struct tn_registry *r);

/*
 * Add a peer unless present (healthy, URL not yet responsive, connected_at
 * and last_message = now).  When full, the entry without connections heard
 * from longest ago is evicted; NULL if every entry has a connection or id is
 * empty or too long.  The pointer is borrowed until the next add, remove or
 * sweep.
 */
struct tn_registry_peer *tn_registry_add(struct tn_registry *r,
	    const char *id, uint64_t now_ms);
/* The entry of id or NULL; borrowed as above. */
struct tn_registry_peer *tn_registry_get(struct tn_registry *r,
	    const char *id);
/* Copy of the entry of id into out; -1 if unknown. */
int	tn_registry_copy(const struct tn_registry *r, const char *id,
	    struct tn_registry_peer *out);
/* Copies of up to cap entries (GetPeers); returns how many. */
size_t	tn_registry_list(const struct tn_registry *r,
	    struct tn_registry_peer *out, size_t cap);
int	tn_registry_remove(struct tn_registry *r, const char *id);
size_t	tn_registry_count(const struct tn_registry *r);
/* Remove entries without connections silent for the TTL; returns how many. */
size_t	tn_registry_sweep(struct tn_registry *r, uint64_t now_ms);

/*
 * Updaters: -1 (and nothing changes) for an unknown peer, as Teranode's.
 * A NULL or empty string argument leaves that field as it is.
 */
int	tn_registry_set_height(struct tn_registry *r, const char *id,
	    uint32_t height, const char *hash);
int	tn_registry_set_block_hash(struct tn_registry *r,
	    const char *id, const char *hash);
int	tn_registry_set_data_hub_url(struct tn_registry *r,
	    const char *id, const char *url);
int	tn_registry_set_health(struct tn_registry *r, const char *id,
	    int healthy, uint64_t duration_ms, uint64_t now_ms);
int	tn_registry_set_url_responsive(struct tn_registry *r,
	    const char *id, int responsive, uint64_t now_ms);
int	tn_registry_set_ban(struct tn_registry *r, const char *id,
	    int score, int banned);
int	tn_registry_add_bytes(struct tn_registry *r, const char *id,
	    uint64_t in, uint64_t out);
/* A message from (or originated by) the peer: last_message = now. */
int	tn_registry_touch(struct tn_registry *r, const char *id,
	    uint64_t now_ms);
/* A block announced by the peer: last_block = last_message = now. */
int	tn_registry_block_seen(struct tn_registry *r, const char *id,
	    uint64_t now_ms);
/* A connection opened from / to addr (kept if there is room) or closed;
 * the addresses are dropped with the last connection. */
int	tn_registry_connected(struct tn_registry *r, const char *id,
	    const char *addr, int inbound, uint64_t now_ms);
int	tn_registry_disconnected(struct tn_registry *r,
	    const char *id);
/* What the peer's node_status said: client name, version, FSM state,
 * listen mode, storage; height (with best_block_hash) when best_height > 0;
 * DataHub URL when base_url is set. */
int	tn_registry_apply_status(struct tn_registry *r, const char *id,
	    const struct tn_msg_node_status *st, uint64_t now_ms);
/* What the peer's handshake said: user agent, services, topic prefix,
 * height and best hash, DataHub URL when set. */
int	tn_registry_apply_handshake(struct tn_registry *r,
	    const char *id, const struct tn_msg_handshake *hs,
	    uint64_t now_ms);

/*
 * SelectSyncPeer (Teranode's services/p2p/peer_selector.go).  A forced
 * peer is returned if present and connected, eligible or not (and nobody
 * else while it is not).  Otherwise the candidates are peers not banned, healthy, with a
 * DataHub URL that responded, and height > local_height (and > 0), ordered
 * by ban score ascending, height descending, health check duration
 * ascending, peer ID ascending (byte-wise); the first wins unless it is
 * `previous` and there is a second.  Returns an index into peers or -1.
 */
struct tn_registry_select_opts {
	uint32_t	 local_height;
	const char	*forced;	/* NULL or "": none */
	const char	*previous;	/* NULL or "": none */
};
int	tn_registry_select(const struct tn_registry_peer *peers,
	    size_t n, const struct tn_registry_select_opts *opts);

/* ---- sync.c: the sync coordinator ----------------------------- */

enum tn_sync_fsm {
	TN_SYNC_FSM_UNKNOWN = 0,
	TN_SYNC_FSM_IDLE,
	TN_SYNC_FSM_RUNNING,
	TN_SYNC_FSM_CATCHINGBLOCKS,
	TN_SYNC_FSM_LEGACYSYNCING,
};

struct tn_sync_params {
	uint64_t	fsm_check_ms;	/* FSM look while behind: 2 s */
	uint64_t	fsm_idle_ms;	/* FSM look when caught up: 15 s */
	uint64_t	eval_ms;	/* sync peer evaluation: 30 s */
	uint64_t	stuck_ms;	/* syncing this long … 5 min */
	uint64_t	silent_ms;	/* … and silent this long: stuck, 1 min */
	uint64_t	retrigger_ms;	/* after the sync peer left: 1 s */
	char		forced[TN_REGISTRY_ID_MAX + 1];	/* p2p_force_sync_peer */
};

enum tn_sync_act_kind {
	TN_SYNC_ACT_SELECT = 1,	/* peer is the new sync peer */
	TN_SYNC_ACT_TRIGGER,	/* send {hash, url, peer} to Kafka blocks */
	TN_SYNC_ACT_CLEAR,		/* peer is no longer the sync peer */
	TN_SYNC_ACT_NONE_FOUND,	/* no peer to sync from */
};

struct tn_sync_action {
	enum tn_sync_act_kind kind;
	const char	*reason;	/* static text: why (CLEAR, NONE_FOUND) */
	char		 peer[TN_REGISTRY_ID_MAX + 1];
	char		 hash[TN_MSG_HASH_MAX + 1];	/* TRIGGER */
	char		 url[TN_MSG_URL_MAX + 1];		/* TRIGGER */
};

#define TN_SYNC_ACTIONS_MAX	8	/* more than one call can produce */
struct tn_sync_actions {
	struct tn_sync_action	a[TN_SYNC_ACTIONS_MAX];
	size_t				n;
};

struct tn_sync {
	struct tn_registry		*reg;	/* borrowed */
	struct tn_sync_params	 p;
	char		 current[TN_REGISTRY_ID_MAX + 1];	/* "" none */
	uint64_t	 sync_start_ms;
	uint64_t	 last_trigger_ms;
	uint32_t	 local_height;
	int		 height_known;	/* no trigger before the first height */
	enum tn_sync_fsm fsm;
	int		 started;
	uint64_t	 next_fsm_ms;
	uint64_t	 next_eval_ms;
	uint64_t	 retrigger_at_ms;	/* 0: none pending */
	uint64_t	 triggers;		/* TRIGGER actions emitted */
};

/* Teranode's intervals, no forced peer. */
void	tn_sync_params_default(struct tn_sync_params *p);
/* reg is borrowed for the coordinator's life. */
void	tn_sync_init(struct tn_sync *s, struct tn_registry *reg,
	    const struct tn_sync_params *p);
/* First FSM look after fsm_check_ms, first evaluation after eval_ms. */
void	tn_sync_start(struct tn_sync *s, uint64_t now_ms);
/* The local height; until the first call it is unknown and no sync
 * trigger is sent. */
void	tn_sync_set_local_height(struct tn_sync *s, uint32_t height);
void	tn_sync_set_fsm(struct tn_sync *s, enum tn_sync_fsm fsm);
/* "RUNNING", "CATCHINGBLOCKS", … ; UNKNOWN for anything else. */
enum tn_sync_fsm tn_sync_fsm_parse(const char *name);

/*
 * Events.  Each appends its actions to acts (the caller empties it); the
 * caller carries them out in order.  Call tick often (every second or so).
 */
void	tn_sync_tick(struct tn_sync *s, uint64_t now_ms,
	    struct tn_sync_actions *acts);
/* TriggerSync: select (previous = the current peer) and switch if changed. */
void	tn_sync_trigger(struct tn_sync *s, uint64_t now_ms,
	    struct tn_sync_actions *acts);
/* The peer is gone: removed from the registry; if it was the sync peer,
 * cleared, and a new selection follows retrigger_ms later. */
void	tn_sync_peer_removed(struct tn_sync *s, const char *id,
	    uint64_t now_ms, struct tn_sync_actions *acts);
/* The ban manager's view of a peer; a banned sync peer is replaced. */
void	tn_sync_peer_banned(struct tn_sync *s, const char *id,
	    int score, int banned, uint64_t now_ms,
	    struct tn_sync_actions *acts);
/* Block validation gave up catching up: the sync peer is marked unhealthy
 * and replaced. */
void	tn_sync_catchup_failure(struct tn_sync *s, uint64_t now_ms,
	    struct tn_sync_actions *acts);

/* Queries. */
/* The sync peer, or NULL. */
const char *tn_sync_peer(const struct tn_sync *s);
/* No registry peer claims a height above ours. */
int	tn_sync_caught_up(const struct tn_sync *s);
/* 1 if a block from originator at height is to be dropped: while the FSM
 * catches up (CATCHINGBLOCKS, LEGACYSYNCING) with a sync peer, only that
 * peer's blocks at or above its height pass. */
int	tn_sync_skip_block(const struct tn_sync *s,
	    const char *originator, uint32_t height);

#endif
