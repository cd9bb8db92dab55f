/*
 * The API worker (terap2pd -R api): the private header shared by its files.
 * Functions are prefixed api_<aspect>_ after the file they live in:
 *   api.c         api_main(), the loop, the IPC clients, fan-out calls
 *   api_http.c    api_http_*: HTTP/1.1 request head parser (pure)
 *   api_route.c   api_route_*: the routing table and auth (pure)
 *   api_json.c    api_json_*: protobuf replies <-> JSON, body checks (pure)
 *   api_conn.c    api_conn_*: listener, connections, TLS, responses
 *   api_rest.c    api_rest_*: the REST handlers
 *   api_rest_bans.c, api_rest_peers.c: handlers by backing worker
 *   api_ws.c      api_ws_*: RFC 6455 framing (pure)
 *   api_hub.c     api_hub_*: the /p2p-ws clients and fan-out
 *   api_metrics.c api_metrics_*: /metrics in the Prometheus format (pure)
 *   api_dashboard.c: the page at /
 *   api_grpc_codec.c api_grpc_codec_*: PeerService methods, request
 *                 checks, auth, peer health rules (pure)
 *   api_grpc.c    api_grpc_*: the gRPC server, its calls, TLS
 *   api_grpc_peer.c api_grpc_peer_*: the PeerService handlers
 *   api_grpc_cache.c api_grpc_cache_*: registry entries for per-peer reads
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include <sys/queue.h>

#include <grpc/grpc.h>
#include <grpc/status.h>

#include "ipc.h"
#include "p2p_api.pb-c.h"

struct proc;
struct proc_stats;
struct event;
struct evconnlistener;
struct bufferevent;
struct cJSON;
struct proc_stats;

int	api_main(struct proc *);
struct config;
/* terap2pd -n: what this worker would refuse at start; -1, err. */
int	api_check(const struct config *, char *err, size_t errlen);

/* ---- api_http.c: request heads (pure) ---- */

#define API_HTTP_HEAD_MAX	8192	/* request line + headers */
#define API_HTTP_TARGET_MAX	2048
#define API_HTTP_AUTH_MAX	512

enum api_method {
	API_M_OTHER = 0,
	API_M_GET,
	API_M_HEAD,
	API_M_POST,
	API_M_PUT,
	API_M_DELETE,
	API_M_OPTIONS
};

struct api_http_req {
	enum api_method	 method;
	int		 minor;			/* HTTP/1.<minor> */
	char		 path[API_HTTP_TARGET_MAX];	/* raw (encoded), no query */
	char		 query[API_HTTP_TARGET_MAX];	/* raw, after '?' */
	size_t		 head_len;		/* bytes of the head incl. CRLFCRLF */
	uint64_t	 content_length;
	int		 has_length;
	int		 keep_alive;
	int		 upgrade_ws;		/* Upgrade: websocket + Connection: upgrade */
	int		 expect_continue;
	char		 ws_key[64];		/* Sec-WebSocket-Key */
	char		 ws_version[8];
	char		 auth[API_HTTP_AUTH_MAX];	/* Authorization */
	char		 api_key[API_HTTP_AUTH_MAX];	/* x-api-key */
	char		 content_type[128];
	char		 if_none_match[128];	/* empty if absent or too long */
};

enum api_http_rc {
	API_HTTP_OK = 0,	/* head parsed into req */
	API_HTTP_AGAIN,		/* need more bytes */
	API_HTTP_ERROR		/* *status says which (400, 413, 414, 431, 501, 505) */
};

/*
 * Parse the request head at the start of buf[0..len).  Pure.  On
 * API_HTTP_ERROR, *status is the HTTP status to answer with and err a short
 * reason.  Bodies are not touched: req->content_length says how many bytes
 * follow the head.
 */
enum api_http_rc	api_http_parse(const char *buf, size_t len,
			    struct api_http_req *req, int *status, char *err,
			    size_t errlen);
/* Reason phrase of a status code ("Not Found"). */
const char	*api_http_reason(int status);
const char	*api_http_method_name(enum api_method);
/*
 * Find key in a query string ("a=1&b=x%20y") and percent-decode its value
 * into out.  0 found, -1 absent, -2 malformed or too long.
 */
int	api_http_query(const char *query, const char *key, char *out,
	    size_t outlen);
/* Percent-decode n bytes of in into out (NUL-terminated); -1 if malformed. */
int	api_http_pct_decode(const char *in, size_t n, char *out, size_t outlen);

/* ---- api_route.c: routing and auth (pure) ---- */

#define API_ROUTE_PARAMS	2
#define API_PARAM_MAX		256

struct api_conn;
struct api_ctx;

typedef void api_handler(struct api_conn *);

#define API_R_AUTH	0x01	/* mutation: needs the api key */
#define API_R_BODY	0x02	/* takes a JSON body */

struct api_route {
	enum api_method	 method;
	const char	*pattern;	/* "/api/v1/bans/{}": {} is one segment */
	unsigned	 flags;
	api_handler	*fn;
	const char	*name;		/* metrics label */
};

/*
 * Match method + path against n routes.  Returns the route, with the {}
 * segments copied into params; NULL with *status 404 (no such path) or
 * 405 (path known, method not; allow lists the methods).
 */
const struct api_route	*api_route_match(const struct api_route *routes,
			    size_t n, enum api_method method, const char *path,
			    char params[API_ROUTE_PARAMS][API_PARAM_MAX],
			    int *status, char *allow, size_t allowlen);

enum api_auth_rc {
	API_AUTH_OK = 0,
	API_AUTH_DISABLED,	/* no api_key configured: 403 */
	API_AUTH_MISSING,	/* no credentials: 401 */
	API_AUTH_WRONG		/* wrong key: 401 */
};

/*
 * Check the Authorization ("Bearer <key>") or x-api-key header against the
 * configured key (NULL or "": mutations disabled), in constant time.
 */
enum api_auth_rc	api_route_auth(const char *key, const char *authz,
			    const char *x_api_key);

/* ---- api_json.c: JSON mapping (pure) ---- */

#define API_BODY_MAX	65536	/* largest accepted request body */

/*
 * One body field the handler accepts: name, cJSON type mask, required.
 * Checking rejects unknown fields, wrong types, missing required fields.
 */
struct api_field {
	const char	*name;
	int		 type;		/* cJSON_String, cJSON_Number, ... */
	int		 required;
};

/*
 * Parse body as a JSON object and check it against fields.  Returns the
 * object (caller frees with cJSON_Delete) or NULL with err naming the field
 * at fault.
 */
struct cJSON	*api_json_body(const char *body, size_t len,
		    const struct api_field *fields, size_t nfields, char *err,
		    size_t errlen);
/* A string field of a checked body, "" when absent. */
const char	*api_json_str(const struct cJSON *obj, const char *name);
/*
 * Parse a ban's end: "until" (unix seconds, >= now) or "duration"
 * ("24h" Go style or seconds).  *until_unix 0 = the server default.
 */
int	api_json_ban_until(const struct cJSON *obj, int64_t now_unix,
	    int64_t *until_unix, char *err, size_t errlen);
/* Map replies to JSON; each returns a new object the caller owns. */
struct cJSON	*api_json_ban_entry(const Tp__BanEntry *);
struct cJSON	*api_json_score(const Tp__BanScoreRep *);
struct cJSON	*api_json_peer(const Tp__PeerInfo *);
/* A notification for /p2p-ws from a gossip event (NULL: not streamed). */
struct cJSON	*api_json_notification(const ipc_env *ev, uint64_t now_ms);
/* The PING notification of /p2p-ws. */
struct cJSON	*api_json_ping(uint64_t now_ms, const char *peer_id,
		    const char *base_url);
/* UTC "YYYY-MM-DDTHH:MM:SSZ" of a wall-clock ms time into out[21]. */
void	api_json_time(uint64_t ms, char out[32]);
/*
 * Build the Teranode message JSON for POST /api/v1/announce/<kind> from a
 * checked body; kind is "block", "subtree", "mining_on" or "rejected_tx".
 * Returns a new string (caller frees) or NULL with err.
 */
char	*api_json_announce(const char *kind, const char *body, size_t len,
	    Tp__TopicKind *topic, char *err, size_t errlen);
/* A Prometheus metric name from a role and a stat ("bans", "lookups"). */
void	api_json_metric_name(const char *role, const char *stat, char *out,
	    size_t outlen);

/* ---- api_ws.c: RFC 6455 framing (pure) ---- */

#define API_WS_FRAME_MAX	65536	/* largest client frame accepted */

enum api_ws_op {
	API_WS_CONT = 0x0, API_WS_TEXT = 0x1, API_WS_BINARY = 0x2,
	API_WS_CLOSE = 0x8, API_WS_PING = 0x9, API_WS_PONG = 0xA
};

struct api_ws_frame {
	int		 fin;
	int		 opcode;
	int		 masked;
	uint64_t	 len;		/* payload length */
	size_t		 hdr_len;	/* bytes before the payload */
	uint8_t		 mask[4];
};

enum api_ws_rc {
	API_WS_OK = 0,		/* header parsed; payload may need more bytes */
	API_WS_AGAIN,		/* header incomplete */
	API_WS_ERROR		/* protocol error: close 1002 (or 1009 too big) */
};

/* Parse a client frame header from buf[0..len).  Pure. */
enum api_ws_rc	api_ws_parse(const uint8_t *buf, size_t len,
		    struct api_ws_frame *f, int *close_code);
/* Unmask n payload bytes in place (offset: bytes already unmasked). */
void	api_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4],
	    size_t offset);
/* Write a server frame header for len bytes into out[10]; returns its size. */
size_t	api_ws_header(int opcode, uint64_t len, uint8_t out[10]);
/* Sec-WebSocket-Accept for a client key into out[29]; -1 on a bad key. */
int	api_ws_accept_key(const char *key, char out[32]);

/* ---- api_grpc_codec.c: PeerService requests (pure) ---- */


enum api_grpc_m {
	API_GRPC_GET_PEERS = 0, API_GRPC_BAN_PEER, API_GRPC_UNBAN_PEER,
	API_GRPC_IS_BANNED, API_GRPC_LIST_BANNED, API_GRPC_CLEAR_BANNED,
	API_GRPC_ADD_BAN_SCORE, API_GRPC_CONNECT_PEER, API_GRPC_DISCONNECT_PEER,
	API_GRPC_CATCHUP_ATTEMPT, API_GRPC_CATCHUP_SUCCESS,
	API_GRPC_CATCHUP_FAILURE, API_GRPC_CATCHUP_MALICIOUS,
	API_GRPC_UPDATE_REPUTATION, API_GRPC_UPDATE_ERROR,
	API_GRPC_RESET_REPUTATION, API_GRPC_PEERS_FOR_CATCHUP,
	API_GRPC_VALID_SUBTREE, API_GRPC_VALID_BLOCK, API_GRPC_VALID_HEADERS,
	API_GRPC_CHAIN_PROGRESS, API_GRPC_IS_MALICIOUS, API_GRPC_IS_UNHEALTHY,
	API_GRPC_GET_REGISTRY, API_GRPC_BYTES_DOWNLOADED, API_GRPC_GET_PEER,
	API_GRPC_NMETHODS
};

#define API_GRPC_F_AUTH		0x01	/* needs x-api-key */
#define API_GRPC_F_PID		0x02	/* peer_id required, a valid peer ID */
#define API_GRPC_F_PID_OPT	0x04	/* peer_id "" or a valid peer ID */
#define API_GRPC_F_HASH		0x08	/* the hash field: 64 hex digits */
#define API_GRPC_F_HASH_OPT	0x10	/* the hash field: "" or 64 hex */

#define API_GRPC_STR_MAX	4096	/* longest string field accepted */
#define API_GRPC_ID_MAX		128	/* longest peer ID text */

struct api_grpc_method {
	const char	*name;		/* "GetPeers" */
	const char	*path;		/* "/p2p_api.PeerService/GetPeers" */
	const ProtobufCMessageDescriptor *req;
	unsigned	 flags;
	const char	*hash_field;	/* for F_HASH*: "block_hash" */
};

extern const struct api_grpc_method	api_grpc_methods[API_GRPC_NMETHODS];

/* Method index of a path, or -1. */
int	api_grpc_codec_find(const char *path, size_t len);
/*
 * Decode a request of method m and check its fields as the method's flags
 * say.  -1 with err (for INVALID_ARGUMENT) on malformed protobuf or a bad
 * field; *out freed with protobuf_c_message_free_unpacked.
 */
int	api_grpc_codec_decode(int m, const uint8_t *buf, size_t len,
	    ProtobufCMessage **out, char *err, size_t errlen);
/* 0 when id is base58 of an identity or sha2-256 multihash (a peer ID). */
int	api_grpc_codec_peer_id(const char *id);
/*
 * Teranode's admin check: NULL when allowed; otherwise the UNAUTHENTICATED
 * message ("missing metadata", "missing API key", "invalid API key").
 * nmd: metadata entries received; got: the first x-api-key value (NULL:
 * none).  Constant time in the key.
 */
const char	*api_grpc_codec_auth(const char *key, size_t nmd,
		    const char *got, size_t gotlen);
/* IsPeerUnhealthy of a registry entry (NULL: unknown peer); reason static. */
int	api_grpc_codec_unhealthy(const Tp__RegistryPeer *, const char **reason);
/* IsPeerMalicious of a registry entry (NULL: unknown), its ban state. */
int	api_grpc_codec_malicious(const Tp__RegistryPeer *, int banned,
	    const char **reason);
/* PeerRegistryInfo from a registry entry (strings borrowed). */
void	api_grpc_codec_info(const Tp__RegistryPeer *, P2pApi__PeerRegistryInfo *);

/* ---- the worker context ---- */

struct api_client_slot {
	const char		*name;		/* "bans.rep" */
	struct ipc_client	*cl;		/* owned by the IPC hub */
};

struct api_counters {
	uint64_t	requests, responses[6];	/* by status class 1xx..5xx */
	uint64_t	auth_refused, bad_requests, ipc_errors;
	uint64_t	conns, conns_refused, conns_refused_ip, conns_evicted;
	uint64_t	requests_timed_out;
	uint64_t	ws_clients_total, ws_dropped_slow, ws_refused;
	uint64_t	ws_dropped_closing, ws_dropped_no_pong;
	uint64_t	ws_sent, ws_events;
};

struct api_ctx {
	struct proc		*p;		/* borrowed: the worker run-time */
	const char		*key;		/* borrowed from cfg: api_key, or
						   key_reloaded */
	char			*key_reloaded;	/* owned: api_key after SIGHUP */
	const char		*listen_addr;	/* borrowed from cfg */
	int			 tls;		/* securityLevelHTTP = 1 */
	void			*ssl_ctx;	/* owned SSL_CTX */
	struct evconnlistener	*listener;	/* owned */
	struct event		*relisten_ev;	/* owned */
	char			 listen_err[160];
	int			 want_ready;	/* start-up done: READY once listening */
	int			 ready_sent;
	struct api_client_slot	 clients[6];
	struct ipc_sub		*gossip_sub;	/* owned by the IPC hub */
	struct ipc_sub		*bans_sub;
	struct api_conn		*conns;		/* list of owned connections */
	size_t			 nconns, nws;
	size_t			 max_conns, max_ws, max_per_ip;
	uint64_t		 request_ms;	/* api_request_timeout */
	struct event		*sweep_ev;	/* owned: request deadlines */
	uint64_t		 summary_ms;	/* last refusal summary */
	struct api_counters	 summary_n;	/* counters at that time */
	unsigned		 drop_lines;	/* drops logged since then */
	size_t			 max_body;
	uint64_t		 ws_ping_ms;
	struct event		*ws_timer;	/* owned: pings, slow clients */
	uint64_t		 ws_last_ping;
	char			*own_status;	/* owned: our latest node_status JSON */
	char			 own_peer_id[64];
	char			 own_base_url[2049];
	struct api_counters	 n;
	/* set by api_hub_start: api_conn.c hands /p2p-ws connections over
	 * through these and never calls api_hub.c by name */
	void			(*ws_upgrade)(struct api_conn *);
	void			(*ws_on_read)(struct api_conn *);
	void			(*ws_on_drained)(struct api_conn *);
	struct api_grpc		*grpc;		/* owned: PeerService, or NULL */
	struct api_peers_cache	*peers;		/* owned: api_peers_cache.c */
};

/* api.c: the IPC client for "<role>.rep", opened on first use. */
struct ipc_client	*api_client(struct api_ctx *, const char *name);

/* ---- fan-out IPC calls bound to an HTTP request ---- */

#define API_CALL_MAX	12
#define API_CALL_TIMEOUT_MS	2000

struct api_call;
typedef void api_call_done(struct api_call *);

struct api_call_slot {
	struct api_call	*call;		/* back-pointer */
	char		 name[IPC_NAME_MAX];	/* "bans.rep" */
	ipc_env		*rep;		/* owned copy, NULL on error */
	int		 err;		/* -1: no answer */
};

struct api_call {
	struct api_ctx		*ctx;
	struct api_conn		*conn;	/* borrowed; NULL once the client left */
	api_call_done		*done;
	size_t			 n, pending;
	int			 sealed;
	struct api_call_slot	 slot[API_CALL_MAX];
	void			*arg;	/* handler data, freed with free() */
};

/* A call for conn; done runs once every added request has its answer. */
struct api_call	*api_call_new(struct api_conn *, api_call_done *);
/* Add one request (req borrowed, encoded now). */
void		 api_call_add(struct api_call *, const char *name,
		    const ipc_env *req, int timeout_ms);
/* No more requests: done runs when they are all answered. */
void		 api_call_go(struct api_call *);
void		 api_call_free(struct api_call *);
/* A request envelope with just its body set. */
#define API_ENV(env, field, kind, val) do {			\
	(env).body_case = (kind);				\
	(env).field = (val);					\
} while (0)

/* ---- api_conn.c: connections ---- */

struct api_conn {
	struct api_conn		*next, *prev;
	struct api_ctx		*ctx;		/* borrowed */
	struct bufferevent	*bev;		/* owned */
	struct api_http_req	 req;
	char			 params[API_ROUTE_PARAMS][API_PARAM_MAX];
	const struct api_route	*route;		/* borrowed: the matched route */
	char			*body;		/* owned, NUL-terminated */
	size_t			 body_len;
	struct api_call		*call;		/* in flight; owned via the call */
	int			 closing;	/* close once written */
	int			 ws;		/* upgraded to /p2p-ws */
	uint64_t		 idle_since;	/* ms: accepted or last answered */
	uint64_t		 deadline;	/* ms: request or close due (0: none) */
	char			 ip[48];	/* numeric, for the per-IP cap */
	uint64_t		 behind_since;	/* ws: output waiting since (ms) */
	uint64_t		 close_by;	/* ws: closing, freed at this ms */
	uint64_t		 pong_by;	/* ws: keepalive Pong due (ms) */
	uint8_t			 ping_nonce[8];	/* ws: the Pong must echo it */
	char			 peer[64];
};

/*
 * Listen on p2p_httpListenAddress (with TLS when securityLevelHTTP = 1).  A
 * bad address or unreadable certificate is fatal_config; a busy port is
 * retried every few seconds, with Health saying why, and the worker says
 * READY only once it listens.
 */
void	api_conn_listen(struct api_ctx *);
struct sockaddr_storage;
/* "host:port" or ":port" (all IPv4) to a socket address; -1 on garbage. */
int	api_conn_addr(const char *text, struct sockaddr_storage *ss,
	    int *sslen);
void	api_conn_stop(struct api_ctx *);
/* Answer the current request; body copied.  Frees nothing else. */
void	api_conn_reply(struct api_conn *, int status, const char *ctype,
	    const char *body, size_t len, const char *extra_headers);
/* The same with the body by reference: cleanup(body, len, arg) runs once
 * it is sent, or at once if there is nothing to send. */
void	api_conn_reply_ref(struct api_conn *, int status, const char *ctype,
	    const char *body, size_t len, const char *extra_headers,
	    void (*cleanup)(const void *, size_t, void *), void *arg);
/* Answer with a JSON value (taken and freed). */
void	api_conn_json(struct api_conn *, int status, struct cJSON *);
/* Answer {"error": msg[, "field": field]}. */
void	api_conn_error(struct api_conn *, int status, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Close now (no reply). */
void	api_conn_free(struct api_conn *);

/* ---- api_rest.c ---- */

extern const struct api_route	api_rest_routes[];
extern const size_t		api_rest_nroutes;
/*
 * Map a failed slot (no answer or status != 0) to an HTTP error reply;
 * returns 1 when it answered, 0 when the slot is fine.
 */
int	api_rest_ipc_error(struct api_conn *, const struct api_call_slot *,
	    const char *what);
/* The slot's reply of kind want (or any kind: 0), or NULL after an error reply. */
const ipc_env	*api_rest_rep(struct api_conn *, const struct api_call_slot *,
		    Tp__Envelope__BodyCase want, const char *what);
/* One request to one worker, answered by done. */
void	api_rest_call1(struct api_conn *, const char *name, const ipc_env *req,
	    api_call_done *done);
/* ?offset=&limit= into the out-parameters (0 when absent); -1 after a 400. */
int	api_rest_paging(struct api_conn *, uint32_t *offset, uint32_t *limit);

/* api_rest_bans.c: bans and scores (bans.rep) */
api_handler	api_rest_bans_list, api_rest_bans_add, api_rest_bans_clear,
		api_rest_bans_check, api_rest_bans_remove, api_rest_scores_list,
		api_rest_scores_add, api_rest_scores_get, api_rest_scores_reset;
/* api_rest_peers.c: peers and announcements (gossip.rep) */
api_handler	api_rest_peers_get, api_rest_peers_connect,
		api_rest_peers_disconnect, api_rest_announce;
/* api_peers_cache.c: GET /api/v1/peers from a body kept until the registry
 * changes (ETag, If-None-Match, ?offset=&limit=) */
api_handler	api_peers_cache_list;
void	api_peers_cache_stats(struct api_ctx *, struct proc_stats *);
void	api_peers_cache_free(struct api_ctx *);
/* api_dashboard.c: the page at / */
api_handler	api_rest_dashboard;

/* ---- api_metrics.c: /metrics (pure) ---- */

struct api_text {
	char	*s;		/* owned */
	size_t	 len, cap;
};

/*
 * Append the Prometheus text of the replies to t: sup (NULL when the
 * supervisor did not answer), n workers' Stats (stats[i] NULL when
 * roles[i] did not answer) and KafkaStatus (NULL: none).
 */
void	api_metrics_render(struct api_text *t, const Tp__SupStatusRep *sup,
	    const Tp__StatsRep *const *stats, const char *const *roles, size_t n,
	    const Tp__KafkaStatusRep *kafka);

/* ---- api_hub.c: the /p2p-ws clients (it calls api_conn.c, not back) ---- */

/* Send a notification (a JSON text) to every client. */
void	api_hub_broadcast(struct api_ctx *, const char *json, size_t len);
/* Start the ping timer and set ctx->ws_upgrade, ws_on_read, ws_on_drained. */
void	api_hub_start(struct api_ctx *);
void	api_hub_stop(struct api_ctx *);
/* The worker's own node_status, sent first to each new client. */
struct cJSON	*api_hub_node_status(struct api_ctx *);

/* ---- api_grpc.c: the PeerService server ---- */

struct api_grpc_call;
struct grpc_loop;

/*
 * Start serving on p2p_grpcListenAddress (nothing when it is empty).  A bad
 * address or unreadable certificate is fatal_config.
 */
void	api_grpc_start(struct api_ctx *);
/* Stop accepting and cancel the calls in flight (the stop hook). */
void	api_grpc_stop(struct api_ctx *);
/* Wait for the shutdown, free everything (the loop is no longer running). */
void	api_grpc_free(struct api_ctx *);
/* The state for Health and Stats. */
int	api_grpc_listening(const struct api_ctx *, const char **detail);
/* Add the grpc_* counters to a stats reply. */
void	api_grpc_stats(const struct api_ctx *, struct proc_stats *);

/* The decoded request of a call (borrowed), its method. */
const ProtobufCMessage	*api_grpc_req(const struct api_grpc_call *);
/* Answer OK with msg (packed now), or a status; either ends the call. */
void	api_grpc_reply(struct api_grpc_call *, const ProtobufCMessage *msg);
void	api_grpc_fail(struct api_grpc_call *, grpc_status_code code,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Send req (borrowed) to "<role>.rep"; cb runs on the loop with the reply
 * (borrowed, NULL and err -1 on timeout).  -1 when it could not be sent (the
 * call got UNAVAILABLE).
 */
typedef void api_grpc_ipc_cb(struct api_grpc_call *, int err,
    const ipc_env *rep);
int	api_grpc_ipc(struct api_grpc_call *, const char *name,
	    const ipc_env *req, api_grpc_ipc_cb *cb);
/*
 * The reply of an IPC request if it is fine (status 0 and, unless want is
 * 0, of kind want); otherwise the call gets the matching status (timeout:
 * UNAVAILABLE, IPC_ERR_INVALID: INVALID_ARGUMENT, ...) and NULL comes back.
 */
const ipc_env	*api_grpc_ipc_rep(struct api_grpc_call *, int err,
		    const ipc_env *rep, Tp__Envelope__BodyCase want,
		    const char *what);
/* Scratch slots kept with the call across chained IPC requests. */
int	*api_grpc_scratch(struct api_grpc_call *);
uint64_t	*api_grpc_scratch64(struct api_grpc_call *);

/* ---- api_grpc_cache.c: registry entries for per-peer reads ---- */

#define API_GRPC_CACHE_SLOTS	4096
#define API_GRPC_CACHE_MS	1000	/* longest an entry is used */

struct api_grpc_cache;
struct api_grpc_cache	*api_grpc_cache_new(void);
void	api_grpc_cache_free(struct api_grpc_cache *);
/* 0 with *out (NULL: the peer is unknown) on a fresh hit; -1 on a miss. */
int	api_grpc_cache_get(struct api_grpc_cache *, const char *id,
	    uint64_t now_ms, const Tp__RegistryPeer **out);
/* The generation to pass to put: read it when the request is sent. */
uint64_t	api_grpc_cache_gen(const struct api_grpc_cache *);
/* Keep a copy of p (NULL: unknown) unless a drop came after gen. */
void	api_grpc_cache_put(struct api_grpc_cache *, uint64_t gen,
	    const char *id, const Tp__RegistryPeer *p, uint64_t now_ms);
/* Forget one peer ("" or NULL: all) / all. */
void	api_grpc_cache_drop(struct api_grpc_cache *, const char *id);
void	api_grpc_cache_clear(struct api_grpc_cache *);
void	api_grpc_cache_counts(const struct api_grpc_cache *, uint64_t *hits,
	    uint64_t *misses);
/* The server's cache (borrowed). */
struct api_grpc_cache	*api_grpc_cache_of(struct api_grpc_call *);

/* ---- api_grpc_reflect.c: server reflection ---- */

#define API_GRPC_REFLECT_V1	API_GRPC_NMETHODS	/* method slots after */
#define API_GRPC_REFLECT_V1A	(API_GRPC_NMETHODS + 1)	/* PeerService's */
#define API_GRPC_NREGISTERED	(API_GRPC_NMETHODS + 2)

struct api_grpc_reflect;
LIST_HEAD(api_grpc_reflect_head, api_grpc_reflect);
/*
 * The ServerReflectionResponse to a ServerReflectionRequest (pure): *out
 * (caller frees) and its length; -1 if the request does not decode.
 */
int	api_grpc_reflect_answer(const uint8_t *req, size_t len, uint8_t **out,
	    size_t *outlen);
/* Serve one ServerReflectionInfo stream; takes the call's reference. */
void	api_grpc_reflect_start(struct api_grpc_reflect_head *, grpc_call *);
/* Drop every stream (their calls are unreferenced). */
void	api_grpc_reflect_free_all(struct api_grpc_reflect_head *);

/* ---- api_grpc_peer.c ---- */

typedef void api_grpc_handler(struct api_grpc_call *);
extern api_grpc_handler *const api_grpc_peer_handlers[API_GRPC_NMETHODS];

#endif
