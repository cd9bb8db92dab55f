/*
 * The gossip worker's Kademlia DHT layer (/ipfs/kad/1.0.0, the public
 * libp2p kad-dht spec): the message codec, the routing table, the provider
 * store, the iterative lookup engine, the /dnsaddr resolver and Teranode's
 * peer cache file, and (net.c) their binding to the libp2p host.  It sits
 * on the host beside pubsub; everything but net.c, the resolver (a
 * libevent + c-ares client) and the cache file helpers is a pure state
 * machine over caller buffers and a caller clock (monotonic milliseconds),
 * so unit tests and the fuzz target drive it directly.  Only net.c logs;
 * elsewhere functions return 0 / -1 (or a small enum) and an
 * error text where the cause is known.  Peer input never makes these
 * functions crash or grow memory past the caps below.
 */
#ifndef KAD_H
#define KAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KAD_PROTOCOL	"/ipfs/kad/1.0.0"

#define KAD_K		20	/* bucket size, closest peers, replication */
#define KAD_ALPHA	10	/* queries in flight per lookup */
#define KAD_BETA	3	/* closest peers that must answer to finish */

/*
 * Wire caps.  Go allows 4 MiB per message; a real answer is k peers with a
 * handful of addresses (a few KiB), so 256 KiB leaves room for long
 * provider lists and is still cheap to refuse.
 */
#define KAD_MSG_MAX		(256 * 1024)
#define KAD_KEY_MAX		80	/* bytes; Go refuses longer keys */
#define KAD_ID_MAX		44	/* binary peer ID (identity multihash) */
#define KAD_ADDR_MAX		255	/* bytes of one binary multiaddr */
#define KAD_ADDRS_MAX		10	/* addresses kept per peer */
#define KAD_ADDRS_BYTES		512	/* their bytes, with a length each */
#define KAD_CLOSER_MAX		KAD_K	/* closer peers kept per answer */
#define KAD_PROVIDERS_MAX	100	/* provider peers kept per answer */
#define KAD_WIRE_PEERS_MAX	1000	/* peer entries a message may hold */

/* ---- codec.c: messages and their varint length prefix ------------------- */

enum kad_type {
	KAD_PUT_VALUE = 0,
	KAD_GET_VALUE = 1,
	KAD_ADD_PROVIDER = 2,
	KAD_GET_PROVIDERS = 3,
	KAD_FIND_NODE = 4,
	KAD_PING = 5,
};

enum kad_conn {
	KAD_NOT_CONNECTED = 0,
	KAD_CONNECTED = 1,
	KAD_CAN_CONNECT = 2,
	KAD_CANNOT_CONNECT = 3,
};

enum kad_codec_rc {
	KAD_CODEC_OK = 0,
	KAD_CODEC_AGAIN = 1,		/* frame incomplete */
	KAD_CODEC_ETOOBIG = -1,		/* over KAD_MSG_MAX */
	KAD_CODEC_EVARINT = -2,		/* bad length prefix */
	KAD_CODEC_EPROTO = -3,		/* not a Message protobuf */
	KAD_CODEC_ETYPE = -4,		/* unknown message type */
	KAD_CODEC_EKEY = -5,		/* key over KAD_KEY_MAX */
	KAD_CODEC_EFLOOD = -6,		/* over KAD_WIRE_PEERS_MAX entries */
	KAD_CODEC_ENOMEM = -7,
};

const char *kad_codec_strerror(int rc);

/*
 * One peer: binary ID and up to KAD_ADDRS_MAX binary multiaddrs, packed in
 * addrs[] as (u8 length, bytes) pairs, KAD_ADDRS_BYTES in all; addresses
 * past that are dropped.  Fixed size, no pointers.
 */
struct kad_peer {
	uint8_t		id[KAD_ID_MAX];
	uint8_t		id_len;
	uint8_t		naddrs;
	uint8_t		conn;		/* enum kad_conn */
	uint16_t	addrs_len;
	uint8_t		addrs[KAD_ADDRS_BYTES];
};

/*
 * A decoded (or to-be-encoded) message.  Heap-owned peer arrays; records
 * (PUT/GET_VALUE) are not kept.  dropped counts peer entries and addresses
 * skipped as malformed or over the caps, for the caller's scoring.
 */
struct kad_msg {
	int		 type;		/* enum kad_type */
	uint8_t		 key[KAD_KEY_MAX];
	size_t		 key_len;
	int		 has_record;
	struct kad_peer	*closer;	/* owned, ncloser entries */
	size_t		 ncloser;
	struct kad_peer	*providers;	/* owned, nproviders entries */
	size_t		 nproviders;
	size_t		 dropped;
};

/* 0 if buf is a peer ID multihash (identity <= 42 bytes, or sha2-256). */
int	kad_peer_id_check(const uint8_t *buf, size_t len);
/* Fill p with id (checked) and no addresses; -1 on a bad ID. */
int	kad_peer_set(struct kad_peer *p, const uint8_t *id, size_t id_len);
/* Append one address; -1 when too long, empty or the peer is full. */
int	kad_peer_add_addr(struct kad_peer *p, const uint8_t *addr, size_t len);
/* Step through p's addresses: 1 and the next at *off, 0 at the end. */
int	kad_peer_addr_next(const struct kad_peer *p, size_t *off,
	    const uint8_t **addr, size_t *len);
int	kad_peer_id_equal(const struct kad_peer *a, const uint8_t *id,
	    size_t id_len);

/* Empty message of type with key (NULL/0 allowed); -1 if key too long. */
int	kad_msg_init(struct kad_msg *m, int type, const uint8_t *key,
	    size_t key_len);
/* Append a copy of p to the closer or provider list (capped). */
int	kad_msg_add_closer(struct kad_msg *m, const struct kad_peer *p);
int	kad_msg_add_provider(struct kad_msg *m, const struct kad_peer *p);
void	kad_msg_fini(struct kad_msg *m);

/*
 * Decode one Message body (no length prefix) into m, which the caller
 * then finishes with kad_msg_fini().  Malformed peers are skipped
 * (counted in m->dropped); a malformed message is an error.
 */
int	kad_msg_decode(const uint8_t *buf, size_t len, struct kad_msg *m);
/* Encode m with its varint length prefix into *out (malloc'd, owned). */
int	kad_msg_encode(const struct kad_msg *m, uint8_t **out, size_t *outlen);
/*
 * Find one length-prefixed message in a byte stream: KAD_CODEC_OK with
 * *body (borrowed from buf), *body_len and *consumed, KAD_CODEC_AGAIN, or
 * an error (the stream is then reset).
 */
int	kad_frame_next(const uint8_t *buf, size_t len, const uint8_t **body,
	    size_t *body_len, size_t *consumed);

/* The 34-byte rendezvous key of a topic: multihash sha2-256(utf8(topic)). */
#define KAD_TOPIC_KEY_LEN	34
void	kad_topic_key(const char *topic, uint8_t out[KAD_TOPIC_KEY_LEN]);
/*
 * 1 if a binary multiaddr starts with a loopback, private (RFC 1918, ULA),
 * CGNAT, link-local or unspecified IP, 0 for a public IP, -1 when it does
 * not start with /ip4 or /ip6 (names are judged once resolved).
 */
int	kad_addr_private(const uint8_t *ma, size_t len);
/* 1 if identify's protocol list names KAD_PROTOCOL (a DHT server). */
int	kad_protocols_server(const char *const *protos, size_t n);

/* ---- table.c: routing table ---------------------------------------------- */

/* 256-bit keyspace position: sha256 of a peer ID or any key. */
struct kad_kpos {
	uint8_t	b[32];
};

void	kad_kpos(const uint8_t *key, size_t len, struct kad_kpos *out);
/* Number of leading bits a and b share (0..256). */
int	kad_kpos_cpl(const struct kad_kpos *a, const struct kad_kpos *b);
/* <0, 0, >0 as a is closer to, as far as, farther from target than b. */
int	kad_kpos_cmp(const struct kad_kpos *target, const struct kad_kpos *a,
	    const struct kad_kpos *b);

struct kad_entry {
	struct kad_kpos	pos;
	uint8_t		id[KAD_ID_MAX];
	uint8_t		id_len;
	uint64_t	added_ms;
	uint64_t	useful_ms;	/* last answer useful to a lookup */
	uint64_t	seen_ms;	/* last successful query to it */
};

/* How long an entry that has not been useful stays protected. */
#define KAD_USEFUL_GRACE_MS	(60ull * 60 * 1000)

enum kad_table_rc {
	KAD_TABLE_ADDED = 0,
	KAD_TABLE_UPDATED = 1,		/* known already: seen time updated */
	KAD_TABLE_REPLACED = 2,		/* took the slot of a stale entry */
	KAD_TABLE_ECLIENT = -1,		/* not a DHT server */
	KAD_TABLE_EFULL = -2,		/* bucket full of useful peers */
	KAD_TABLE_ESELF = -3,
	KAD_TABLE_EID = -4,		/* not a peer ID */
	KAD_TABLE_ENOMEM = -5,
};

struct kad_table {
	struct kad_kpos		 self;
	uint8_t			 self_id[KAD_ID_MAX];
	size_t			 self_len;
	struct kad_entry	*buckets[257];	/* owned, KAD_K each, lazily */
	uint8_t			 count[257];
	size_t			 size;
	size_t			 bytes;		/* heap held */
};

int	kad_table_init(struct kad_table *t, const uint8_t *self_id,
	    size_t self_len);
void	kad_table_fini(struct kad_table *t);
/*
 * Offer a peer: only DHT servers (server != 0) get in.  A full bucket
 * takes it in place of its entry least recently useful, if that entry has
 * not been useful for KAD_USEFUL_GRACE_MS (a useful peer is never pushed
 * out by a new one, as in go-libp2p-kbucket).  Returns enum kad_table_rc.
 */
int	kad_table_add(struct kad_table *t, const uint8_t *id, size_t id_len,
	    int server, uint64_t now_ms);
int	kad_table_remove(struct kad_table *t, const uint8_t *id, size_t len);
/* The entry of id, or NULL. */
struct kad_entry *kad_table_find(struct kad_table *t, const uint8_t *id,
	    size_t len);
/* id answered a lookup with something new (useful) or just answered. */
void	kad_table_mark_useful(struct kad_table *t, const uint8_t *id,
	    size_t len, uint64_t now_ms);
void	kad_table_mark_seen(struct kad_table *t, const uint8_t *id,
	    size_t len, uint64_t now_ms);
/*
 * Up to n entries closest to key (any bytes, hashed with sha256), closest
 * first, into out (borrowed pointers, valid until the table changes).
 * exclude (may be NULL) is left out.  Returns the number written.
 */
size_t	kad_table_closest(const struct kad_table *t, const uint8_t *key,
	    size_t key_len, const uint8_t *exclude, size_t exclude_len,
	    const struct kad_entry **out, size_t n);
/* Buckets holding peers, for the periodic refresh (a cpl per bucket). */
size_t	kad_table_nonempty(const struct kad_table *t, int *cpls, size_t n);

/* go-libp2p-kad-dht refreshes buckets up to this common prefix length. */
#define KAD_REFRESH_CPL_MAX	15
#define KAD_REFRESH_KEY_LEN	34
/*
 * A random key (a sha2-256 multihash) whose keyspace position shares
 * exactly cpl leading bits with ours: a lookup for it walks bucket cpl.
 * -1 if cpl is over KAD_REFRESH_CPL_MAX (or, never in practice, no luck).
 */
int	kad_table_random_key(const struct kad_table *t, int cpl,
	    uint8_t out[KAD_REFRESH_KEY_LEN]);

/* ---- providers.c: provider records --------------------------------------- */

#define KAD_PROVIDE_VALIDITY_MS	(48ull * 3600 * 1000)	/* amino default */
#define KAD_REPROVIDE_MS	(22ull * 3600 * 1000)
#define KAD_PROVIDERS_TOTAL	100000	/* default record cap */
#define KAD_PROVIDERS_PER_PEER	1000	/* default records per provider */

enum kad_prov_rc {
	KAD_PROV_ADDED = 0,
	KAD_PROV_REFRESHED = 1,
	KAD_PROV_EFULL = -1,		/* store at its record cap */
	KAD_PROV_EPEER = -2,		/* provider at its per-peer cap */
	KAD_PROV_EKEY = -3,		/* empty or too long key */
	KAD_PROV_ENOMEM = -4,
};

struct kad_providers;

/* max_total, per_peer: 0 gives the defaults above. */
struct kad_providers *kad_providers_new(size_t max_total, size_t per_peer);
void	kad_providers_free(struct kad_providers *ps);
/*
 * Record p (its addresses replace the ones kept for that peer) as a
 * provider of key until now + KAD_PROVIDE_VALIDITY_MS.  A refresh never
 * extends a record past that.  Returns enum kad_prov_rc.
 */
int	kad_providers_add(struct kad_providers *ps, const uint8_t *key,
	    size_t key_len, const struct kad_peer *p, uint64_t now_ms);
/* Up to n live providers of key into out; returns the number written. */
size_t	kad_providers_get(struct kad_providers *ps, const uint8_t *key,
	    size_t key_len, uint64_t now_ms, struct kad_peer *out, size_t n);
/* Drop expired records (and peers left without records). */
size_t	kad_providers_sweep(struct kad_providers *ps, uint64_t now_ms);
size_t	kad_providers_count(const struct kad_providers *ps);
/* Heap bytes held (allocation sizes, not counting malloc's own headers). */
size_t	kad_providers_bytes(const struct kad_providers *ps);

/* ---- lookup.c: iterative lookups ----------------------------------------- */

#define KAD_QUERY_TIMEOUT_MS	10000	/* per query */
#define KAD_LOOKUP_TIMEOUT_MS	60000	/* per lookup */
#define KAD_LOOKUP_PEERS_MAX	256	/* peers a lookup remembers */

enum kad_lookup_state {
	KAD_LOOKUP_RUNNING = 0,
	KAD_LOOKUP_DONE = 1,		/* the beta closest have answered */
	KAD_LOOKUP_STARVED = 2,		/* nobody left to ask */
	KAD_LOOKUP_TIMEOUT = 3,		/* lookup deadline passed */
	KAD_LOOKUP_ENOUGH = 4,		/* provider limit reached */
};

struct kad_lookup;

struct kad_lookup_ops {
	/*
	 * Send the lookup's request to p (borrowed for the call).  0 when
	 * sent (answer later with kad_lookup_reply/_fail), -1 when p cannot
	 * be reached now.  Must not call back into the lookup.
	 */
	int	(*query)(void *arg, struct kad_lookup *lk,
		    const struct kad_peer *p);
	/* A provider of the key, once per provider (GET_PROVIDERS). */
	void	(*provider)(void *arg, struct kad_lookup *lk,
		    const struct kad_peer *p);
};

struct kad_lookup_params {
	int		alpha, beta, k;
	uint64_t	query_timeout_ms, lookup_timeout_ms;
	size_t		provider_limit;	/* stop after this many; 0 = none */
};

void	kad_lookup_params_default(struct kad_lookup_params *lp);
/*
 * New FIND_NODE or GET_PROVIDERS lookup of key, started at now_ms.  ops
 * and arg are borrowed for the lookup's life.
 */
struct kad_lookup *kad_lookup_new(int type, const uint8_t *key,
	    size_t key_len, const struct kad_lookup_params *lp,
	    const struct kad_lookup_ops *ops, void *arg, uint64_t now_ms);
void	kad_lookup_free(struct kad_lookup *lk);
int	kad_lookup_type(const struct kad_lookup *lk);
const uint8_t *kad_lookup_key(const struct kad_lookup *lk, size_t *len);
/* Add a starting peer (from the routing table); -1 if not taken. */
int	kad_lookup_seed(struct kad_lookup *lk, const struct kad_peer *p);
/*
 * The answer of id: its closer peers join the candidates (de-duplicated,
 * capped, self and the key left out), providers go to ops->provider.
 * Returns the number of new peers, or -1 if id was not being asked.
 */
int	kad_lookup_reply(struct kad_lookup *lk, const uint8_t *id,
	    size_t id_len, const struct kad_msg *m, uint64_t now_ms);
/* id failed (reset, closed, refused); -1 if it was not being asked. */
int	kad_lookup_fail(struct kad_lookup *lk, const uint8_t *id,
	    size_t id_len);
/*
 * Expire queries past their deadline, send new ones while fewer than
 * alpha are in flight, and return the state (enum kad_lookup_state).
 * Call after each answer or failure and from a timer.
 */
int	kad_lookup_step(struct kad_lookup *lk, uint64_t now_ms);
/* Up to n closest peers that answered, closest first (for ADD_PROVIDER). */
size_t	kad_lookup_closest(const struct kad_lookup *lk,
	    const struct kad_peer **out, size_t n);
/* Queries sent and answered so far. */
void	kad_lookup_stats(const struct kad_lookup *lk, size_t *sent,
	    size_t *answered, size_t *failed);
void	kad_lookup_set_self(struct kad_lookup *lk, const uint8_t *id,
	    size_t len);

/* ---- server.c: answering requests (DHT server mode) ---------------------- */

enum kad_serve_rc {
	KAD_SERVE_REPLY = 0,		/* send resp */
	KAD_SERVE_NONE = 1,		/* nothing to send (ADD_PROVIDER) */
	KAD_SERVE_ABUSE = 2,		/* nothing to send, but score the peer:
					   it provided for another peer, or
					   past its per-peer cap (a flood) */
	KAD_SERVE_ERROR = -1,		/* bad request: reset the stream */
};

struct kad_server_ops {
	/* Fill p (ID and addresses) for id; 0 if at least one address. */
	int	(*addrs)(void *arg, const uint8_t *id, size_t len,
		    struct kad_peer *p);
};

/*
 * Answer req from peer `from` with go-libp2p-kad-dht's rules: FIND_NODE
 * and GET_VALUE get the k closest table peers that have addresses (never
 * the requester; the key's own peer first when known), GET_PROVIDERS also
 * the live providers, ADD_PROVIDER stores the entries that are the sender
 * itself with addresses (no reply), PING is echoed, PUT_VALUE and bad keys
 * are errors.  resp is initialised here; the caller finishes it with
 * kad_msg_fini() whatever the result.  *rejected counts provider entries
 * refused (not the sender, no address, store caps).  An ADD_PROVIDER with
 * an entry for another peer or one past the sender's per-peer cap gives
 * KAD_SERVE_ABUSE: a Teranode node provides a handful of topic keys, so
 * a peer that fills its share of the store is flooding it.  A full store
 * is nobody's fault and is not abuse.
 */
int	kad_server_handle(struct kad_table *t, struct kad_providers *ps,
	    const struct kad_server_ops *ops, void *arg, const uint8_t *from,
	    size_t from_len, const struct kad_msg *req, struct kad_msg *resp,
	    size_t *rejected, uint64_t now_ms);

/* ---- dht.c: one DHT node (table, store, lookups, schedules) -------------- */

enum kad_mode {
	KAD_MODE_OFF = 0,
	KAD_MODE_CLIENT = 1,	/* asks, does not answer or store */
	KAD_MODE_SERVER = 2,	/* also answers and stores providers */
};

#define KAD_FIND_FIRST_MS	1000ull		/* first provider lookup */
#define KAD_FIND_EVERY_MS	30000ull	/* then every 30 s per topic */
#define KAD_PROVIDE_RETRY_MS	30000ull	/* provide found nobody */
#define KAD_REFRESH_MS		(10ull * 60 * 1000)
#define KAD_FIXLOW_MS		(2ull * 60 * 1000)
#define KAD_FIXLOW_PEERS	10		/* "low" routing table */
#define KAD_SWEEP_MS		(60ull * 60 * 1000)
#define KAD_TOPICS_MAX		16
#define KAD_TOPIC_MAX		256		/* bytes incl. NUL */
#define KAD_RUNS_MAX		16		/* lookups at once */

/* Parse "server" | "client" | "off"; -1 on anything else. */
int	kad_mode_parse(const char *text);

struct kad_dht;

struct kad_dht_ops {
	/*
	 * Send req to p on a new /ipfs/kad/1.0.0 stream.  token 0: no answer
	 * is expected (ADD_PROVIDER); otherwise report the answer with
	 * kad_dht_answer() or the failure with kad_dht_failed(), later, never
	 * from inside this call.  -1 if p cannot be reached now.
	 */
	int	(*request)(void *arg, const struct kad_peer *p,
		    const struct kad_msg *req, uint64_t token);
	/* A provider of a joined topic (never ourselves): dial it. */
	void	(*found)(void *arg, const char *topic,
		    const struct kad_peer *p);
	/* Addresses of id (ourselves included); 0 if at least one. */
	int	(*addrs)(void *arg, const uint8_t *id, size_t len,
		    struct kad_peer *p);
	/* The routing table is low: offer connected peers, dial bootstraps. */
	void	(*want_peers)(void *arg);
};

struct kad_dht_stats {
	size_t	lookups, queries, answers, failures;
	size_t	provides, add_provider_sent, providers_found;
	size_t	served, serve_errors, provider_rejected;
	size_t	refreshes;		/* bucket refresh lookups */
};

/* mode is KAD_MODE_CLIENT or KAD_MODE_SERVER; ops/arg borrowed. */
struct kad_dht *kad_dht_new(int mode, const uint8_t *self, size_t self_len,
	    const struct kad_dht_ops *ops, void *arg, uint64_t now_ms);
void	kad_dht_free(struct kad_dht *d);
int	kad_dht_mode(const struct kad_dht *d);
/* The routing table (read-only use by the caller). */
const struct kad_table *kad_dht_table(const struct kad_dht *d);
void	kad_dht_stats(const struct kad_dht *d, struct kad_dht_stats *st);

/*
 * Identify (or an identify push) told us id's protocols: servers join the
 * routing table, a peer that no longer lists KAD_PROTOCOL leaves it.
 */
int	kad_dht_peer_identified(struct kad_dht *d, const uint8_t *id,
	    size_t len, int server, uint64_t now_ms);
/* Rendezvous on topic: provide it soon and look up its providers. */
int	kad_dht_topic_add(struct kad_dht *d, const char *topic,
	    uint64_t now_ms);
void	kad_dht_topic_remove(struct kad_dht *d, const char *topic);
/* Answer a request (server mode; client mode refuses everything). */
int	kad_dht_serve(struct kad_dht *d, const uint8_t *from, size_t from_len,
	    const struct kad_msg *req, struct kad_msg *resp, uint64_t now_ms);
/* The answer of from to the request sent with token. */
void	kad_dht_answer(struct kad_dht *d, uint64_t token, const uint8_t *from,
	    size_t from_len, const struct kad_msg *m, uint64_t now_ms);
void	kad_dht_failed(struct kad_dht *d, uint64_t token, const uint8_t *from,
	    size_t from_len, uint64_t now_ms);
/* How often expired provider records go (default KAD_SWEEP_MS). */
void	kad_dht_set_sweep(struct kad_dht *d, uint64_t every_ms);
/* Run the schedules and lookup deadlines; call about once a second. */
void	kad_dht_tick(struct kad_dht *d, uint64_t now_ms);

/* ---- dnsaddr.c: /dnsaddr resolution over c-ares on libevent -------------- */

#define KAD_DNSADDR_DEPTH	4	/* nested /dnsaddr levels */
#define KAD_DNSADDR_RESULTS	32	/* addresses one resolution returns */
#define KAD_DNSADDR_TIMEOUT_MS	5000

struct event_base;
struct kad_dnsaddr;

/*
 * The answer of one resolution: status 0 with n text multiaddrs (borrowed
 * for the call), or -1 and a reason in err.
 */
typedef void (*kad_dnsaddr_cb)(void *arg, int status, char *const *addrs,
	    size_t n, const char *err);

/*
 * A resolver on base.  servers: "ip[:port],..." to ask (tests give a local
 * server); NULL or "" uses the system's resolv.conf.
 */
struct kad_dnsaddr *kad_dnsaddr_new(struct event_base *base,
	    const char *servers, char *err, size_t errlen);
void	kad_dnsaddr_free(struct kad_dnsaddr *r);
/*
 * Resolve "/dnsaddr/<host>[/p2p/<id>]" through TXT _dnsaddr.<host> records
 * "dnsaddr=<multiaddr>", nested /dnsaddr entries up to KAD_DNSADDR_DEPTH,
 * keeping only results with the same /p2p/<id> when one is given.  cb runs
 * once, from the loop (never from inside this call).  -1 if addr is not a
 * /dnsaddr multiaddr.
 */
int	kad_dnsaddr_resolve(struct kad_dnsaddr *r, const char *addr,
	    kad_dnsaddr_cb cb, void *arg);
/* 1 if text is a /dnsaddr/ multiaddr. */
int	kad_dnsaddr_is(const char *text);
/*
 * One TXT string: the multiaddr after "dnsaddr=" into out when it is a
 * well-formed text multiaddr and matches peer (the /p2p/ ID text, may be
 * NULL).  Returns 1 (kept), 0 (not ours), -1 (malformed).  Pure.
 */
int	kad_dnsaddr_txt(const uint8_t *txt, size_t len, const char *peer,
	    char *out, size_t outcap);

/* ---- peercache.c: teranode_peers.json ------------------------------------ */

#define KAD_PEERCACHE_FILE	"teranode_peers.json"
#define KAD_PEERCACHE_TTL_S	(24 * 3600)
#define KAD_PEERCACHE_MAX	1000		/* entries kept */
#define KAD_PEERCACHE_BYTES	(1024 * 1024)	/* file size read */
#define KAD_PEERCACHE_ID_MAX	64		/* text ID incl. NUL */
#define KAD_PEERCACHE_NAME_MAX	128
#define KAD_PEERCACHE_ADDR_MAX	1024		/* text multiaddr incl. NUL */

/* One cached peer: text peer ID, optional name, text multiaddrs. */
struct kad_cache_peer {
	char		  id[KAD_PEERCACHE_ID_MAX];
	char		  name[KAD_PEERCACHE_NAME_MAX];
	char		**addrs;	/* owned, naddrs strings */
	size_t		  naddrs;
	int64_t		  last_seen;	/* unix seconds; 0 = not given */
};

/*
 * Parse the file's text: entries older than ttl_s before now are dropped,
 * entries without last_seen kept, malformed entries skipped (*skipped).
 * -1 with err when the whole text is not a JSON array of objects.
 */
int	kad_peercache_parse(const char *text, size_t len, int64_t now,
	    int64_t ttl_s, struct kad_cache_peer **out, size_t *n,
	    size_t *skipped, char *err, size_t errlen);
/* Read <dir>/teranode_peers.json; a missing file is 0 entries. */
int	kad_peercache_load(const char *dir, int64_t now,
	    struct kad_cache_peer **out, size_t *n, size_t *skipped,
	    char *err, size_t errlen);
/* Teranode's JSON (2-space indent, RFC 3339 last_seen) of peers. */
char	*kad_peercache_format(const struct kad_cache_peer *peers, size_t n);
/* Write <dir>/teranode_peers.json atomically (tmp + rename), mode 0600. */
int	kad_peercache_save(const char *dir, const struct kad_cache_peer *peers,
	    size_t n, char *err, size_t errlen);
void	kad_peercache_free(struct kad_cache_peer *peers, size_t n);

/* ---- net.c: the DHT on the libp2p host (the gossip worker) --------------- */

struct p2p_host;
struct p2p_conn;
struct kad_net;

struct kad_net_conf {
	int		  mode;		/* KAD_MODE_CLIENT or _SERVER */
	char *const	 *bootstrap;	/* borrowed: multiaddrs, /dnsaddr too */
	size_t		  nbootstrap;
	const char	 *cache_dir;	/* borrowed; NULL: no peer cache */
	int		  allow_private;	/* dial private addresses */
	const char	 *dns_servers;	/* borrowed; NULL: resolv.conf */
	uint64_t	  sweep_ms;	/* provider GC; 0: KAD_SWEEP_MS */
	size_t		  dial_below;	/* dial providers only while fewer
					   connections are open; 0: no cap */
};

/*
 * Start the DHT on h: the protocol (server mode), bootstrap and the peer
 * cache.  conf's strings must outlive it.  NULL with err on failure.
 */
struct kad_net *kad_net_start(struct p2p_host *h, struct event_base *base,
	    const struct kad_net_conf *conf, char *err, size_t errlen);
void	kad_net_stop(struct kad_net *kn);
/* The host's connection events, from the worker's callbacks. */
void	kad_net_identified(struct kad_net *kn, struct p2p_conn *c);
void	kad_net_closed(struct kad_net *kn, struct p2p_conn *c);
/* A topic joined (join 1) or left: its rendezvous starts or stops. */
int	kad_net_topic(struct kad_net *kn, const char *topic, int join);

#endif
