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
 *   api_dashboard.c: the page at /
 */
#ifndef API_H
#define API_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

struct proc;
struct event;
struct evconnlistener;
struct bufferevent;
struct cJSON;
struct proc_stats;

int	api_main(struct proc *);

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

/* ---- the worker context ---- */

struct api_client_slot {
	const char		*name;		/* "bans.rep" */
	struct ipc_client	*cl;		/* owned by the IPC hub */
};

struct api_counters {
	uint64_t	requests, responses[6];	/* by status class 1xx..5xx */
	uint64_t	auth_refused, bad_requests, ipc_errors;
	uint64_t	conns, conns_refused;
	uint64_t	ws_clients_total, ws_dropped_slow, ws_refused;
	uint64_t	ws_sent, ws_events;
};

struct api_ctx {
	struct proc		*p;		/* borrowed: the worker run-time */
	const char		*key;		/* borrowed from cfg: api_key */
	const char		*listen_addr;	/* borrowed from cfg */
	int			 tls;		/* securityLevelHTTP = 1 */
	void			*ssl_ctx;	/* owned SSL_CTX */
	struct evconnlistener	*listener;	/* owned */
	struct event		*relisten_ev;	/* owned */
	char			 listen_err[160];
	struct api_client_slot	 clients[6];
	struct ipc_sub		*gossip_sub;	/* owned by the IPC hub */
	struct ipc_sub		*bans_sub;
	struct api_conn		*conns;		/* list of owned connections */
	size_t			 nconns, nws;
	size_t			 max_conns, max_ws;
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
	uint64_t		 behind_since;	/* ws: output waiting since (ms) */
	char			 peer[64];
};

/*
 * Listen on p2p_httpListenAddress (with TLS when securityLevelHTTP = 1).  A
 * bad address or unreadable certificate is fatal_config; a busy port is
 * retried every few seconds, with Health saying why.
 */
void	api_conn_listen(struct api_ctx *);
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

/* ---- api_hub.c: the /p2p-ws clients (it calls api_conn.c, not back) ---- */

/* Send a notification (a JSON text) to every client. */
void	api_hub_broadcast(struct api_ctx *, const char *json, size_t len);
/* Start the ping timer and set ctx->ws_upgrade, ws_on_read, ws_on_drained. */
void	api_hub_start(struct api_ctx *);
void	api_hub_stop(struct api_ctx *);
/* The worker's own node_status, sent first to each new client. */
struct cJSON	*api_hub_node_status(struct api_ctx *);

#endif
