/*
 * API worker: the HTTP listener and its connections, on libevent
 * bufferevents (plain, or OpenSSL when securityLevelHTTP = 1).  Each
 * connection reads a request head (api_http.c), then its Content-Length
 * body, routes it (api_route.c over api_rest.c's table), checks the api key
 * for mutations and calls the handler; one request is in flight per
 * connection (reading pauses until it is answered), keep-alive follows
 * HTTP/1.1.  A connection upgraded to /p2p-ws is handed to api_ws.c.
 * Memory is bounded: at most api_max_connections connections (of them
 * api_max_connections_per_ip from one address), heads of API_HTTP_HEAD_MAX
 * bytes, bodies of API_BODY_MAX bytes.  Time is bounded too, by deadlines
 * data cannot reset: a request's head and body must arrive within
 * api_request_timeout of its first byte, and a closing connection goes when
 * that much time has passed again.  When every slot is taken, the
 * connection idle or receiving a request for the longest gives way to the
 * new one, so slow clients cannot keep everyone else out.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netdb.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "api.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define API_CONN_IDLE_S		30	/* keep-alive limit */
#define API_CONN_SWEEP_MS	250	/* how often deadlines are checked */
#define API_CONN_SUMMARY_MS	10000	/* refusals are logged this often */
#define API_RELISTEN_S		3
#define API_CONN_WRITE_MAX	(1024 * 1024)	/* bytes written per wakeup, at most */

static void	api_conn_process(struct api_conn *);

/* ---- replies ---- */

void
api_conn_reply(struct api_conn *c, int status, const char *ctype,
    const char *body, size_t len, const char *extra)
{
	api_conn_reply_ref(c, status, ctype, body, len, extra, NULL, NULL);
}

void
api_conn_reply_ref(struct api_conn *c, int status, const char *ctype,
    const char *body, size_t len, const char *extra,
    evbuffer_ref_cleanup_cb cleanup, void *arg)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	c->ctx->n.responses[status / 100 < 6 ? status / 100 : 5]++;
	if (!c->req.keep_alive || status >= 500 || status == 400 ||
	    status == 413 || status == 431)
		c->closing = 1;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Access-Control-Allow-Origin: *\r\nCache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s%s\r\n", status,
	    api_http_reason(status), ctype, len, extra != NULL ? extra : "",
	    c->closing ? "Connection: close\r\n" : "");
	if (c->req.method == API_M_HEAD || len == 0) {
		if (cleanup != NULL)
			cleanup(body, len, arg);
	} else if (cleanup != NULL)
		evbuffer_add_reference(out, body, len, cleanup, arg);
	else
		evbuffer_add(out, body, len);
	free(c->body);
	c->body = NULL;
	c->body_len = 0;
	c->route = NULL;
	c->idle_since = util_mono_ms();
	if (c->closing) {
		c->deadline = c->idle_since + c->ctx->request_ms;
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	/* The next (pipelined) request, from the loop rather than recursively. */
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_IGNORE_WATERMARKS |
		    BEV_TRIG_DEFER_CALLBACKS);
}

void
api_conn_json(struct api_conn *c, int status, cJSON *v)
{
	char	*s = cJSON_PrintUnformatted(v);

	api_conn_reply(c, status, "application/json", s, strlen(s), NULL);
	free(s);
	cJSON_Delete(v);
}

static void
api_conn_verror(struct api_conn *c, int status, const char *field,
    const char *extra, const char *fmt, va_list ap)
{
	cJSON	*o = cJSON_CreateObject();
	char	 msg[512], *s;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	cJSON_AddStringToObject(o, "error", msg);
	if (field != NULL)
		cJSON_AddStringToObject(o, "field", field);
	cJSON_AddNumberToObject(o, "status", status);
	s = cJSON_PrintUnformatted(o);
	api_conn_reply(c, status, "application/json", s, strlen(s), extra);
	free(s);
	cJSON_Delete(o);
}

void
api_conn_error(struct api_conn *c, int status, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	api_conn_verror(c, status, field, NULL, fmt, ap);
	va_end(ap);
}

static void
api_conn_error_hdr(struct api_conn *c, int status, const char *extra,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
api_conn_error_hdr(struct api_conn *c, int status, const char *extra,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	api_conn_verror(c, status, NULL, extra, fmt, ap);
	va_end(ap);
}

/* ---- lifecycle ---- */

void
api_conn_free(struct api_conn *c)
{
	struct api_ctx	*ctx = c->ctx;

	if (c->call != NULL)
		c->call->conn = NULL;	/* its reply finds nobody */
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctx->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctx->nconns--;
	if (c->ws)
		ctx->nws--;
	bufferevent_free(c->bev);
	free(c->body);
	free(c);
}

static void
api_conn_on_read(struct bufferevent *bev, void *arg)
{
	struct api_conn	*c = arg;

	(void)bev;
	if (c->ws)
		c->ctx->ws_on_read(c);
	else
		api_conn_process(c);
}

static void
api_conn_on_write(struct bufferevent *bev, void *arg)
{
	struct api_conn	*c = arg;

	if (c->ws)
		c->ctx->ws_on_drained(c);
	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		api_conn_free(c);
}

static void
api_conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct api_conn	*c = arg;
	unsigned long	 e;

	(void)bev;
	if (what & BEV_EVENT_ERROR && c->ctx->tls &&
	    (e = bufferevent_get_openssl_error(c->bev)) != 0)
		log_debug("api: %s: TLS: %s", c->peer,
		    ERR_reason_error_string(e));
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		api_conn_free(c);
}

/* ---- requests ---- */

static int
api_conn_auth(struct api_conn *c)
{
	switch (api_route_auth(c->ctx->key, c->req.auth, c->req.api_key)) {
	case API_AUTH_OK:
		return 0;
	case API_AUTH_DISABLED:
		api_conn_error(c, 403, NULL, "mutations are disabled on this "
		    "node: no api_key is set. Set api_key = <secret> in "
		    "terap2p.conf (or the api_key environment variable), "
		    "restart, and send it as \"Authorization: Bearer <secret>\" "
		    "or \"x-api-key: <secret>\"");
		break;
	case API_AUTH_MISSING:
		api_conn_error_hdr(c, 401, "WWW-Authenticate: Bearer\r\n",
		    "this endpoint needs the api key: send \"Authorization: "
		    "Bearer <api_key>\" or \"x-api-key: <api_key>\"");
		break;
	case API_AUTH_WRONG:
		api_conn_error_hdr(c, 401, "WWW-Authenticate: Bearer "
		    "error=\"invalid_token\"\r\n", "invalid API key");
		break;
	}
	c->ctx->n.auth_refused++;
	return -1;
}

/* 1 when the media type (parameters after ';' ignored) is type. */
static int
api_conn_media_is(const char *ct, const char *type)
{
	size_t	n = strcspn(ct, "; \t");

	return n == strlen(type) && strncasecmp(ct, type, n) == 0;
}

/*
 * Bodies are JSON whatever curl -d calls them: no Content-Type,
 * application/json or a +json type, and application/x-www-form-urlencoded
 * (curl's default for -d).  Mutations need a key header, which browsers
 * send only after a CORS preflight, so this opens no cross-site form posts.
 */
static int
api_conn_json_body(struct api_conn *c)
{
	const char	*ct = c->req.content_type;
	size_t		 n = strcspn(ct, "; \t");

	if (ct[0] == '\0' || api_conn_media_is(ct, "application/json") ||
	    api_conn_media_is(ct, "application/x-www-form-urlencoded") ||
	    (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0))
		return 0;
	api_conn_error(c, 415, NULL, "the body must be JSON: send it with "
	    "\"Content-Type: application/json\" (curl: -H 'Content-Type: "
	    "application/json'), not %.64s", ct);
	return -1;
}

static void
api_conn_dispatch(struct api_conn *c)
{
	char	allow[64], hdr[96];
	int	status;

	c->ctx->n.requests++;
	if (c->req.method == API_M_OPTIONS) {
		api_conn_reply(c, 204, "text/plain", "", 0,
		    "Access-Control-Allow-Methods: GET, POST, DELETE\r\n"
		    "Access-Control-Allow-Headers: Authorization, x-api-key, "
		    "Content-Type\r\n");
		return;
	}
	if (strcmp(c->req.path, "/p2p-ws") == 0 && c->req.method == API_M_GET &&
	    c->ctx->ws_upgrade != NULL) {
		c->ctx->ws_upgrade(c);
		return;
	}
	c->route = api_route_match(api_rest_routes, api_rest_nroutes,
	    c->req.method, c->req.path, c->params, &status, allow,
	    sizeof(allow));
	if (c->route == NULL) {
		if (status == 405) {
			snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
			api_conn_error_hdr(c, 405, hdr, "%s is not allowed on "
			    "%.200s; allowed: %s", api_http_method_name(
			    c->req.method), c->req.path, allow);
		} else if (status == 400)
			api_conn_error(c, 400, NULL, "bad percent-encoding in "
			    "the path");
		else
			api_conn_error(c, 404, NULL, "no such endpoint: %.200s",
			    c->req.path);
		return;
	}
	if ((c->route->flags & API_R_AUTH) && api_conn_auth(c) == -1)
		return;
	if ((c->route->flags & API_R_BODY) && api_conn_json_body(c) == -1)
		return;
	c->route->fn(c);
}

/* Take the head and body off the input once both are there. */
static void
api_conn_process(struct api_conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	size_t		 len = evbuffer_get_length(in), want;
	char		 err[128];
	int		 status;

	if (c->call != NULL || c->closing || c->ws || len == 0)
		return;
	if (c->deadline == 0)	/* a request's first byte starts its clock */
		c->deadline = util_mono_ms() + c->ctx->request_ms;
	want = len < API_HTTP_HEAD_MAX ? len : API_HTTP_HEAD_MAX;
	switch (api_http_parse((const char *)evbuffer_pullup(in, (ssize_t)want),
	    want, &c->req, &status, err, sizeof(err))) {
	case API_HTTP_AGAIN:
		return;
	case API_HTTP_ERROR:
		c->ctx->n.bad_requests++;
		c->req.keep_alive = 0;
		api_conn_error(c, status, NULL, "%s", err);
		return;
	case API_HTTP_OK:
		break;
	}
	if (c->req.content_length > c->ctx->max_body) {
		c->req.keep_alive = 0;
		api_conn_error(c, 413, NULL, "the body is %llu bytes; the "
		    "limit is %zu", (unsigned long long)c->req.content_length,
		    c->ctx->max_body);
		return;
	}
	want = c->req.head_len + (size_t)c->req.content_length;
	if (len < want) {
		if (c->req.expect_continue && len == c->req.head_len)
			evbuffer_add_printf(bufferevent_get_output(c->bev),
			    "HTTP/1.1 100 Continue\r\n\r\n");
		c->req.expect_continue = 0;
		return;
	}
	evbuffer_drain(in, c->req.head_len);
	c->body_len = (size_t)c->req.content_length;
	c->body = xmalloc(c->body_len + 1);
	evbuffer_remove(in, c->body, c->body_len);
	c->body[c->body_len] = '\0';
	c->deadline = 0;	/* the IPC calls have their own */
	bufferevent_disable(c->bev, EV_READ);
	api_conn_dispatch(c);
}

/* ---- the listener ---- */

/* "ip:port" for logs and the bare ip for the per-IP cap. */
static void
api_conn_peer_name(const struct sockaddr *sa, int salen, char *out,
    size_t outlen, char ip[48])
{
	char	serv[8];

	if (getnameinfo(sa, (socklen_t)salen, ip, 48, serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(ip, 48, "?");
		snprintf(out, outlen, "?");
	} else
		snprintf(out, outlen, "%s:%s", ip, serv);
}

static size_t
api_conn_count_ip(const struct api_ctx *ctx, const char *ip)
{
	size_t	n = 0;

	for (const struct api_conn *c = ctx->conns; c != NULL; c = c->next)
		n += strcmp(c->ip, ip) == 0;
	return n;
}

/*
 * Every slot is taken: free the connection that has waited longest for
 * (or on) its request, so a new client gets in.  Connections with a request
 * being answered or written and /p2p-ws clients stay.  -1 when there is
 * none.
 */
static int
api_conn_evict(struct api_ctx *ctx)
{
	struct api_conn	*c, *old = NULL;

	for (c = ctx->conns; c != NULL; c = c->next)
		if (!c->ws && c->call == NULL && !c->closing &&
		    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
		    (old == NULL || c->idle_since < old->idle_since))
			old = c;
	if (old == NULL)
		return -1;
	ctx->n.conns_evicted++;
	api_conn_free(old);
	return 0;
}

/*
 * One line per interval for everything refused or dropped meanwhile, from
 * the counters, instead of a line per connection: a client that reconnects
 * in a loop cannot flood the log.
 */
static void
api_conn_summary(struct api_ctx *ctx, uint64_t now)
{
	const struct api_counters	*n = &ctx->n, *o = &ctx->summary_n;
	uint64_t			 ws;

	if (now - ctx->summary_ms < API_CONN_SUMMARY_MS)
		return;
	ws = (n->ws_dropped_slow - o->ws_dropped_slow) +
	    (n->ws_dropped_closing - o->ws_dropped_closing) +
	    (n->ws_dropped_no_pong - o->ws_dropped_no_pong);
	if (n->conns_refused != o->conns_refused ||
	    n->conns_refused_ip != o->conns_refused_ip ||
	    n->conns_evicted != o->conns_evicted ||
	    n->requests_timed_out != o->requests_timed_out || ws != 0 ||
	    n->ws_refused != o->ws_refused)
		log_info("api: in the last %llu s: %llu connections refused "
		    "(%llu over api_max_connections_per_ip, %llu with every "
		    "slot busy), %llu idle or slow connections evicted, %llu "
		    "requests timed out, %llu /p2p-ws clients dropped (%llu "
		    "slow, %llu not closing, %llu silent), %llu upgrades "
		    "refused", (unsigned long long)((now - ctx->summary_ms) /
		    1000), (unsigned long long)(n->conns_refused_ip -
		    o->conns_refused_ip + n->conns_refused - o->conns_refused),
		    (unsigned long long)(n->conns_refused_ip -
		    o->conns_refused_ip), (unsigned long long)(n->conns_refused -
		    o->conns_refused), (unsigned long long)(n->conns_evicted -
		    o->conns_evicted), (unsigned long long)(n->requests_timed_out -
		    o->requests_timed_out), (unsigned long long)ws,
		    (unsigned long long)(n->ws_dropped_slow - o->ws_dropped_slow),
		    (unsigned long long)(n->ws_dropped_closing -
		    o->ws_dropped_closing), (unsigned long long)(
		    n->ws_dropped_no_pong - o->ws_dropped_no_pong),
		    (unsigned long long)(n->ws_refused - o->ws_refused));
	ctx->summary_ms = now;
	ctx->summary_n = *n;
	ctx->drop_lines = 0;
}

/* Free connections past their deadline (a request too slow, a close). */
static void
api_conn_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct api_ctx	*ctx = arg;
	struct api_conn	*c, *next;
	uint64_t	 now = util_mono_ms();

	(void)fd;
	(void)what;
	for (c = ctx->conns; c != NULL; c = next) {
		next = c->next;
		if (c->ws || c->deadline == 0 || now < c->deadline)
			continue;
		if (!c->closing)
			ctx->n.requests_timed_out++;
		api_conn_free(c);
	}
	api_conn_summary(ctx, now);
}

static void
api_conn_on_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct api_ctx		*ctx = arg;
	struct api_conn		*c;
	struct timeval		 tv = { API_CONN_IDLE_S, 0 };
	char			 ip[48], name[64];
	int			 one = 1;

	(void)l;
	api_conn_peer_name(sa, salen, name, sizeof(name), ip);
	if (api_conn_count_ip(ctx, ip) >= ctx->max_per_ip) {
		ctx->n.conns_refused_ip++;
		evutil_closesocket(fd);
		return;
	}
	if (ctx->nconns >= ctx->max_conns && api_conn_evict(ctx) == -1) {
		ctx->n.conns_refused++;
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	if (ctx->tls)
		c->bev = bufferevent_openssl_socket_new(ctx->p->base, fd,
		    SSL_new(ctx->ssl_ctx), BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	else
		c->bev = bufferevent_socket_new(ctx->p->base, fd,
		    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* libevent writes at most 16 KiB a wakeup by default: a ~277 KB
	 * peer list took 17 wakeups and writes */
	bufferevent_set_max_single_write(c->bev, API_CONN_WRITE_MAX);
	snprintf(c->peer, sizeof(c->peer), "%s", name);
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	c->idle_since = util_mono_ms();
	c->next = ctx->conns;
	if (ctx->conns != NULL)
		ctx->conns->prev = c;
	ctx->conns = c;
	ctx->nconns++;
	ctx->n.conns++;
	bufferevent_setcb(c->bev, api_conn_on_read, api_conn_on_write,
	    api_conn_on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_setwatermark(c->bev, EV_READ, 0, API_HTTP_HEAD_MAX +
	    ctx->max_body + 4096);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
api_conn_tls_init(struct api_ctx *ctx)
{
	const char	*cert = config_str(ctx->p->cfg, "server_certFile");
	const char	*key = config_str(ctx->p->cfg, "server_keyFile");
	SSL_CTX		*s;
	char		 e[256];

	if (cert[0] == '\0' || key[0] == '\0')
		fatal_config("securityLevelHTTP = 1 needs server_certFile and "
		    "server_keyFile");
	if (access(cert, R_OK) == -1)
		fatal_config("server_certFile %s: %s", cert, strerror(errno));
	if (access(key, R_OK) == -1)
		fatal_config("server_keyFile %s: %s", key, strerror(errno));
	if ((s = SSL_CTX_new(TLS_server_method())) == NULL)
		fatal("api: SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(s, cert) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		fatal_config("server_certFile %s: not a PEM certificate (%s)",
		    cert, e);
	}
	if (SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		fatal_config("server_keyFile %s: not the PEM key of "
		    "server_certFile (%s)", key, e);
	}
	ctx->ssl_ctx = s;
}

/* ":9906" -> 0.0.0.0:9906; "host:port" and "[v6]:port" as they are. */
int
api_conn_addr(const char *text, struct sockaddr_storage *ss, int *sslen)
{
	char	buf[128];

	if (text[0] == ':')
		snprintf(buf, sizeof(buf), "0.0.0.0%s", text);
	else
		snprintf(buf, sizeof(buf), "%s", text);
	*sslen = (int)sizeof(*ss);
	memset(ss, 0, sizeof(*ss));
	if (evutil_parse_sockaddr_port(buf, (struct sockaddr *)ss, sslen) ==
	    -1)
		return -1;
	return ((struct sockaddr_in *)ss)->sin_port != 0 ? 0 : -1;
}

static void
api_conn_try_listen(evutil_socket_t fd, short what, void *arg)
{
	struct api_ctx		*ctx = arg;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { API_RELISTEN_S, 0 };
	int			 sslen;

	(void)fd;
	(void)what;
	api_conn_addr(ctx->listen_addr, &ss, &sslen);
	ctx->listener = evconnlistener_new_bind(ctx->p->base,
	    api_conn_on_accept, ctx, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
	    128, (struct sockaddr *)&ss, sslen);
	if (ctx->listener != NULL) {
		log_info("api: serving %s on %s", ctx->tls ? "HTTPS" : "HTTP",
		    ctx->listen_addr);
		ctx->listen_err[0] = '\0';
		if (ctx->want_ready && !ctx->ready_sent) {
			ctx->ready_sent = 1;
			proc_ready(ctx->p);
		}
		return;
	}
	if (ctx->listen_err[0] == '\0')
		log_error("api: cannot listen on %s: %s (retrying every %d s)",
		    ctx->listen_addr, strerror(errno), API_RELISTEN_S);
	snprintf(ctx->listen_err, sizeof(ctx->listen_err),
	    "cannot listen on %s: %s", ctx->listen_addr, strerror(errno));
	if (!ctx->p->stopping)
		evtimer_add(ctx->relisten_ev, &tv);
}

void
api_conn_listen(struct api_ctx *ctx)
{
	struct sockaddr_storage	ss;
	struct timeval		tv = { 0, API_CONN_SWEEP_MS * 1000 };
	int			sslen;

	if (api_conn_addr(ctx->listen_addr, &ss, &sslen) == -1)
		fatal_config("p2p_httpListenAddress \"%s\": not host:port",
		    ctx->listen_addr);
	if (ctx->tls)
		api_conn_tls_init(ctx);
	ctx->summary_ms = util_mono_ms();
	ctx->relisten_ev = evtimer_new(ctx->p->base, api_conn_try_listen, ctx);
	ctx->sweep_ev = event_new(ctx->p->base, -1, EV_PERSIST, api_conn_sweep,
	    ctx);
	if (ctx->relisten_ev == NULL || ctx->sweep_ev == NULL ||
	    event_add(ctx->sweep_ev, &tv) == -1)
		fatal("api: cannot start the connection timers");
	api_conn_try_listen(-1, 0, ctx);
}

void
api_conn_stop(struct api_ctx *ctx)
{
	if (ctx->sweep_ev != NULL) {
		event_free(ctx->sweep_ev);
		ctx->sweep_ev = NULL;
	}
	if (ctx->relisten_ev != NULL) {
		event_free(ctx->relisten_ev);
		ctx->relisten_ev = NULL;
	}
	if (ctx->listener != NULL) {
		evconnlistener_free(ctx->listener);
		ctx->listener = NULL;
	}
	while (ctx->conns != NULL)
		api_conn_free(ctx->conns);
	if (ctx->ssl_ctx != NULL) {
		SSL_CTX_free(ctx->ssl_ctx);
		ctx->ssl_ctx = NULL;
	}
}
