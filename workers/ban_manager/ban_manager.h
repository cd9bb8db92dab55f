/*
 * The ban-manager worker (terap2pd -R bans): the private header shared by
 * its files.  Functions are prefixed bans_<aspect>_ after the file they live
 * in (ban_manager_addr.c -> bans_addr_*, ban_manager_trie.c -> bans_trie_*,
 * ban_manager_scores.c -> bans_scores_*, ban_manager_store*.c ->
 * bans_store_*); ban_manager.c holds bans_main(), the loop, the IPC dispatch
 * and the operations that tie memory, store and events together.
 *
 * Times: address bans expire at whole unix seconds (the proto's
 * until_unix); score decay runs on wall-clock milliseconds.  Pure modules
 * take "now" as an argument so tests control the clock.
 */
#ifndef TP_BAN_MANAGER_H
#define TP_BAN_MANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.pb-c.h"

struct proc;
struct ipc_pub;
struct event;
struct bans_trie;
struct bans_scores;
struct bans_store;

/* Worker entry, called by the supervisor's process table for -R bans. */
int	bans_main(struct proc *p);
struct config;
/* terap2pd -n: what this worker would refuse at start; -1, err. */
int	bans_check(const struct config *, char *err, size_t errlen);

/* ---- ban_manager_addr.c: address / CIDR / peer-ID parsing (pure) ---- */

#define BANS_ADDR_MAX		128	/* longest accepted address text */
#define BANS_KEY_MAX		64	/* canonical key text incl. NUL */
#define BANS_PEER_MAX		128	/* longest accepted peer ID */
#define BANS_REASON_MAX		128	/* longest accepted reason */
#define BANS_MIN_PLEN4		8	/* shorter IPv4 prefixes need force */
#define BANS_MIN_PLEN6		32	/* shorter IPv6 prefixes need force */

/* An IPv4 (family 4, 32 bits) or IPv6 (family 6, 128 bits) prefix. */
struct bans_prefix {
	uint8_t	family;		/* 4 or 6 */
	uint8_t	plen;		/* 0..32 or 0..128 */
	uint8_t	addr[16];	/* network byte order; bits past plen zero */
};

enum bans_addr_err {
	BANS_ADDR_OK = 0,
	BANS_ADDR_EMPTY,	/* "" */
	BANS_ADDR_TOOLONG,	/* longer than BANS_ADDR_MAX */
	BANS_ADDR_BADIP,	/* not an IPv4/IPv6 address */
	BANS_ADDR_BADPREFIX,	/* /33, /129, /x */
	BANS_ADDR_BADPORT,	/* :99999, :x */
	BANS_ADDR_HOSTNAME,	/* /dns4/..., a name instead of an address */
	BANS_ADDR_ZONE		/* fe80::1%eth0 */
};

/*
 * Parse "1.2.3.4", "1.2.3.4:8333", "10.0.0.0/8", "::1", "[::1]:9905",
 * "2001:db8::/32" or a multiaddr "/ip4/1.2.3.4/tcp/9905" into a prefix
 * (single addresses get /32 or /128; host bits of a subnet are cleared;
 * IPv4-mapped IPv6 becomes IPv4).  Pure; never reads past len bytes.
 */
enum bans_addr_err	bans_addr_parse(const char *s, size_t len,
			    struct bans_prefix *out);
const char		*bans_addr_strerror(enum bans_addr_err);
/* Canonical key: "1.2.3.4" for a host, "10.0.0.0/8" for a subnet. */
void	bans_addr_key(const struct bans_prefix *, char out[BANS_KEY_MAX]);
/* CIDR text as Teranode stores it: always with /len. */
void	bans_addr_cidr(const struct bans_prefix *, char out[BANS_KEY_MAX]);
/* 1 when p (any length) lies inside net. */
int	bans_addr_contains(const struct bans_prefix *net,
	    const struct bans_prefix *p);
/* 1 when s is a plausible libp2p peer ID (base58btc, 1..BANS_PEER_MAX). */
int	bans_addr_is_peer_id(const char *s);
/* 1 when s is an acceptable reason (valid UTF-8 without control
 * characters, <= BANS_REASON_MAX bytes). */
int	bans_addr_reason_ok(const char *s);
/* 1 when p is shorter than /BANS_MIN_PLEN4 (IPv4) or /BANS_MIN_PLEN6
 * (IPv6): banning it cuts off much of the Internet, so it needs force. */
int	bans_addr_too_broad(const struct bans_prefix *p);

/* ---- ban_manager_trie.c: prefix trie of address bans ---- */

struct bans_entry {
	struct bans_prefix	pfx;
	char			key[BANS_KEY_MAX];	/* canonical */
	int64_t			until;	/* unix seconds */
	char			reason[BANS_REASON_MAX + 1];
};

struct bans_trie;

struct bans_trie	*bans_trie_new(void);
void			 bans_trie_free(struct bans_trie *);
/*
 * Insert e, replacing (and freeing) an entry with the same prefix.  Takes
 * ownership of e.  Returns 1 when added, 0 when replaced.
 */
int	bans_trie_put(struct bans_trie *, struct bans_entry *e);
/* The entry with exactly this prefix, or NULL.  Borrowed. */
struct bans_entry	*bans_trie_get(const struct bans_trie *,
			    const struct bans_prefix *);
/* Remove and free the entry with exactly this prefix; -1 if absent. */
int	bans_trie_del(struct bans_trie *, const struct bans_prefix *);
/*
 * The most specific entry covering addr with until > now, or NULL.
 * Visits at most addr->plen + 1 nodes, whatever the number of entries.
 */
const struct bans_entry	*bans_trie_match(const struct bans_trie *,
			    const struct bans_prefix *addr, int64_t now);
size_t	bans_trie_count(const struct bans_trie *);
/* Call cb for every entry (v4 then v6, in prefix order); cb must not
 * modify the trie. */
void	bans_trie_walk(const struct bans_trie *,
	    void (*cb)(void *arg, const struct bans_entry *), void *arg);
void	bans_trie_clear(struct bans_trie *);
/* Deep copy of an entry (for handing to the store or a reply). */
struct bans_entry	*bans_entry_dup(const struct bans_entry *);
void			 bans_entry_free(struct bans_entry *);

/* ---- ban_manager_scores.c: peer-ID ban scores ---- */

#define BANS_REASONS_KEPT	32	/* history length per peer */

struct bans_score_cfg {
	int32_t		threshold;	/* p2p_ban_threshold */
	uint64_t	ban_ms;		/* p2p_ban_duration */
	uint64_t	decay_ms;	/* p2p_ban_decay_interval (0: none) */
	int32_t		decay_points;	/* p2p_ban_decay_points */
	size_t		max_entries;	/* p2p_ban_max_entries */
};

struct bans_score {
	char	 peer_id[BANS_PEER_MAX + 1];
	int32_t	 score;		/* as of last_ms */
	uint64_t last_ms;	/* wall ms the score was last decayed to */
	int64_t	 until;		/* ban end, unix seconds; 0 = not banned */
	char	 ban_reason[BANS_REASON_MAX + 1];
	size_t	 nreasons;
	char	*reasons[BANS_REASONS_KEPT];	/* owned, oldest first */
};

struct bans_scores;

/* Points for a reason: invalid_subtree 10, protocol_violation 20, spam 50,
 * invalid_block 10, catchup_failure 30, anything else 1. */
int32_t	bans_scores_points(const char *reason);
/* 1 for the reasons of bans_scores_points' table, "unknown" and "" (1
 * point, Teranode's unknown); AddBanScore refuses the others. */
int	bans_scores_known(const char *reason);
#define BANS_SCORE_REASONS	"invalid_subtree, protocol_violation, spam, " \
				"invalid_block, catchup_failure, unknown"
struct bans_scores	*bans_scores_new(const struct bans_score_cfg *);
void			 bans_scores_free(struct bans_scores *);
void	bans_scores_set_cfg(struct bans_scores *, const struct bans_score_cfg *);
/* Borrowed record, or NULL. */
const struct bans_score	*bans_scores_get(const struct bans_scores *,
			    const char *peer_id);
/* The score of r decayed to now_ms (r is not changed). */
int32_t	bans_scores_current(const struct bans_scores *,
	    const struct bans_score *r, uint64_t now_ms);
/* 1 when r is banned at now_s. */
int	bans_scores_banned(const struct bans_score *r, int64_t now_s);
/*
 * Compute, without changing the table, the record after adding reason to
 * peer_id at now_ms into *out (caller frees with bans_score_fini).  Sets
 * *crossed when this addition bans the peer.  -1 when the table is full of
 * banned peers and peer_id is new.
 */
int	bans_scores_preview(const struct bans_scores *, const char *peer_id,
	    const char *reason, uint64_t now_ms, struct bans_score *out,
	    int *crossed);
/* Store a copy of r, replacing the peer's record. */
void	bans_scores_put(struct bans_scores *, const struct bans_score *r);
/* Delete the peer's record; -1 if absent. */
int	bans_scores_del(struct bans_scores *, const char *peer_id);
size_t	bans_scores_count(const struct bans_scores *);
/* When full: the peer to evict for a new one (lowest score, not banned). */
const struct bans_score	*bans_scores_victim(const struct bans_scores *,
			    uint64_t now_ms);
void	bans_scores_walk(const struct bans_scores *,
	    void (*cb)(void *arg, const struct bans_score *), void *arg);
void	bans_scores_clear(struct bans_scores *);
void	bans_score_copy(struct bans_score *dst, const struct bans_score *src);
void	bans_score_fini(struct bans_score *);
/* Append a reason to the history (dropping the oldest past the cap). */
void	bans_score_add_reason(struct bans_score *, const char *reason);
/* History as "a,b,c" / back; join returns a malloc'd string. */
char	*bans_score_join_reasons(const struct bans_score *);
void	bans_score_split_reasons(struct bans_score *, const char *joined);

/* ---- ban_manager_store.c: durable storage, one interface ---- */

struct bans_store;

/* A row as loaded from the store. */
struct bans_row_addr {
	const char	*key;
	const char	*subnet;
	int64_t		 until;
	const char	*reason;
};

typedef void bans_addr_row_cb(void *arg, const struct bans_row_addr *);
typedef void bans_peer_row_cb(void *arg, const struct bans_score *);
/* A change another instance made: kind 'a' (address key), 'p' (peer ID)
 * or 'c' (everything cleared). */
typedef void bans_notify_cb(void *arg, char kind, const char *what);

/*
 * Open the store named by url ("sqlite:///path", "sqlite://relative",
 * "postgres://..." / "postgresql://..."; "" = sqlite <data_dir>/bans.db),
 * apply the migrations and, for PostgreSQL, LISTEN.  A PostgreSQL server
 * that is down is not an error: the store starts unavailable and
 * bans_store_reconnect() retries.  -1 (err filled) on a bad URL or an
 * SQLite file that cannot be opened.
 */
int	bans_store_open(const char *url, const char *data_dir,
	    struct bans_store **out, char *err, size_t errlen);
/* The scheme check of bans_store_open() alone (terap2pd -n); -1, err. */
int	bans_store_check_url(const char *url, char *err, size_t errlen);
void	bans_store_close(struct bans_store *);
/* 1 while the store accepts writes. */
int	bans_store_up(const struct bans_store *);
/* "sqlite" or "postgres", and the URL without a password. */
const char	*bans_store_kind(const struct bans_store *);
const char	*bans_store_url(const struct bans_store *);
/* The reason the store is down, or "". */
const char	*bans_store_detail(const struct bans_store *);
/* Try to reconnect (and re-LISTEN, re-migrate); 0 when up. */
int	bans_store_reconnect(struct bans_store *);
/* Socket to watch for notifications (PostgreSQL), or -1. */
int	bans_store_fd(const struct bans_store *);
/* Read pending notifications from other instances. */
void	bans_store_poll(struct bans_store *, bans_notify_cb *cb, void *arg);
uint64_t	bans_store_errors(const struct bans_store *);

/*
 * Mutations run inside begin .. commit; a failed step needs rollback.
 * Every function returns 0 or -1 (logged once, the store marked down when
 * the connection is gone).  notify queues a change for other instances,
 * delivered on commit.
 */
int	bans_store_begin(struct bans_store *);
int	bans_store_commit(struct bans_store *);
void	bans_store_rollback(struct bans_store *);
int	bans_store_put_addr(struct bans_store *, const struct bans_entry *);
/* Rows are matched by key or subnet, so a row Teranode wrote with a
 * verbatim "ip:port" key is found through its subnet. */
int	bans_store_del_addr(struct bans_store *, const char *key,
	    const char *subnet);
int	bans_store_clear_addrs(struct bans_store *);
int	bans_store_put_peer(struct bans_store *, const struct bans_score *);
int	bans_store_del_peer(struct bans_store *, const char *peer_id);
int	bans_store_clear_peer_bans(struct bans_store *);
/* Delete address rows expired at now_s; *n gets the count. */
int	bans_store_expire(struct bans_store *, int64_t now_s, long *n);
int	bans_store_notify(struct bans_store *, char kind, const char *what);

/* Loads (outside a transaction). */
int	bans_store_load_addrs(struct bans_store *, bans_addr_row_cb *, void *);
int	bans_store_load_peers(struct bans_store *, bans_peer_row_cb *, void *);
/* One row; the callback is not called when the row is absent. */
int	bans_store_get_addr(struct bans_store *, const char *key,
	    const char *subnet, bans_addr_row_cb *, void *);
int	bans_store_get_peer(struct bans_store *, const char *peer_id,
	    bans_peer_row_cb *, void *);

/* ---- store internals: ban_manager_store_{sqlite,pg}.c ---- */

struct bans_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};
extern const struct bans_migration	bans_migrations[];	/* bans_sql.c */
#define BANS_MIGRATIONS_TABLE	"CREATE TABLE IF NOT EXISTS " \
	"ban_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
extern const size_t			bans_nmigrations;

/* One backend; every op may assume the connection is up. */
struct bans_store_ops {
	const char	*kind;
	int	(*connect)(struct bans_store *);
	void	(*disconnect)(struct bans_store *);
	/* Run SQL text without parameters (fixed statements, migrations). */
	int	(*exec)(struct bans_store *, const char *sql);
	/* Create the migrations table if needed (holding a lock against
	 * other instances until migrated) and read the schema version. */
	int	(*version)(struct bans_store *, int *v);
	int	(*mark)(struct bans_store *, int v, const char *name);
	/* After migrating (releases the PostgreSQL migration lock). */
	void	(*migrated)(struct bans_store *);
	int	(*put_addr)(struct bans_store *, const struct bans_entry *,
		    const char *subnet);
	int	(*del_addr)(struct bans_store *, const char *key,
		    const char *subnet);
	int	(*put_peer)(struct bans_store *, const struct bans_score *,
		    const char *reasons);
	int	(*del_peer)(struct bans_store *, const char *peer_id);
	int	(*expire)(struct bans_store *, int64_t now_s, long *n);
	int	(*notify)(struct bans_store *, const char *payload);
	int	(*load_addrs)(struct bans_store *, const char *key,
		    const char *subnet, bans_addr_row_cb *, void *);
	int	(*load_peers)(struct bans_store *, const char *peer_id,
		    bans_peer_row_cb *, void *);
	int	(*fd)(const struct bans_store *);
	void	(*poll)(struct bans_store *, bans_notify_cb *, void *);
};

struct bans_store {
	const struct bans_store_ops	*ops;
	void		*db;		/* owned backend handle, NULL when down */
	char		*target;	/* owned: file path or libpq URL */
	char		 url[256];	/* for logs: no password */
	char		 detail[256];	/* why down */
	char		 instance[32];	/* tags our own notifications */
	int		 up;
	int		 in_txn;
	uint64_t	 errors;
};

extern const struct bans_store_ops	bans_store_sqlite_ops;
extern const struct bans_store_ops	bans_store_pg_ops;
/* A backend failed: count it, log it once, note why. */
void	bans_store_fail(struct bans_store *, const char *what,
	    const char *why);

/* ---- the worker context ---- */

struct bans_counters {
	uint64_t	bans;		/* address bans committed */
	uint64_t	unbans;
	uint64_t	expired;	/* address + peer bans swept */
	uint64_t	lookups;	/* IsBannedAddr / IsPeerBanned */
	uint64_t	hits;		/* lookups that found a ban */
	uint64_t	score_adds;
	uint64_t	peer_bans;	/* threshold crossings + BanPeer */
	uint64_t	refused_full;
	uint64_t	refused_down;	/* "ban store unavailable" */
	uint64_t	invalid;	/* rejected input */
	uint64_t	reloads;
	uint64_t	notifications;	/* changes heard from other instances */
	uint64_t	events;		/* Banned/Unbanned published */
	uint64_t	reconnects;
};

/* The worker's one context, passed first everywhere. */
struct bans_ctx {
	struct proc		*p;		/* borrowed; NULL in tests */
	struct ipc_pub		*pub;		/* borrowed (the hub's); or NULL */
	struct bans_store	*store;		/* owned */
	struct bans_trie	*trie;		/* owned: address bans */
	struct bans_scores	*scores;	/* owned: peer scores and bans */
	struct bans_score_cfg	 scfg;
	uint64_t		 default_ms;	/* p2p_ban_default_duration */
	size_t			 max_entries;	/* p2p_ban_max_entries */
	uint64_t		(*clock)(void);	/* wall ms; tests replace it */
	/* Optional: sees every event published (tests). */
	void			(*event_hook)(struct bans_ctx *, int banned,
				    const Tp__BanEvent *);
	struct bans_counters	 n;
	/* ban_manager.c's loop state, all owned */
	struct event		*sweep_ev, *decay_ev, *reload_ev;
	struct event		*reconnect_ev, *notify_ev;
	uint64_t		 backoff_ms;
};

/* ---- ban_manager_ops.c: bans and scores across memory, store, events ---- */

/*
 * Each op validates its input, commits to the store, then changes memory
 * and publishes events; it returns a Tp__IpcStatus (0 ok) with err filled
 * otherwise.  A mutation while the store is down is refused with
 * IPC_ERR_UNAVAILABLE "ban store unavailable" and changes nothing.
 */
int	bans_op_ban_addr(struct bans_ctx *, const char *addr, int64_t until,
	    const char *reason, struct bans_entry *out, char *err, size_t len);
/* addr is an address/subnet or a peer ID (whose record is deleted). */
int	bans_op_unban(struct bans_ctx *, const char *what, char *err,
	    size_t len);
/* Remove every address ban and every peer ban (scores below the
 * threshold are kept). */
int	bans_op_clear(struct bans_ctx *, char *err, size_t len);
/* *match is the covering entry or NULL; what may also be a peer ID, then
 * *peer is set instead.  Lookups never touch the store. */
int	bans_op_is_banned(struct bans_ctx *, const char *what,
	    const struct bans_entry **match, const struct bans_score **peer,
	    char *err, size_t len);
int	bans_op_add_score(struct bans_ctx *, const char *peer,
	    const char *reason, char *const *addrs, size_t naddrs,
	    struct bans_score *out, char *err, size_t len);
int	bans_op_ban_peer(struct bans_ctx *, const char *peer, int64_t until,
	    const char *reason, struct bans_score *out, char *err, size_t len);
int	bans_op_reset_score(struct bans_ctx *, const char *peer, char *err,
	    size_t len);
/* Drop expired bans from memory and store (Unbanned events). */
void	bans_op_sweep(struct bans_ctx *);
/* Forget peers whose score decayed to zero and who are not banned. */
void	bans_op_decay(struct bans_ctx *);
/* Replace memory with the store's contents; events for differences when
 * emit.  -1 when the store is down. */
int	bans_op_reload(struct bans_ctx *, int emit);
/* A change another instance committed (bans_notify_cb). */
void	bans_op_notified(void *ctx, char kind, const char *what);
/* wall-clock now */
uint64_t	bans_op_now_ms(const struct bans_ctx *);

#endif
