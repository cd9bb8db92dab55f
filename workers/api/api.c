/*
 * The API worker (terap2pd -R api): REST for admins, the /p2p-ws stream,
 * the dashboard page and /metrics.  It owns the HTTP listener and its
 * connections (api_conn.c), serves api.rep (control only), subscribes to
 * gossip.pub and bans.pub for the WebSocket stream, and calls the other
 * workers' .rep sockets (supervisor, gossip, bans, kafka) to answer REST
 * requests.  This file is the loop: start-up, the IPC clients, the fan-out
 * calls that bind IPC replies to an HTTP request, and the process hooks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <sodium.h>

#include "api.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

static const char *const api_client_names[] = {
	"supervisor.rep", "gossip.rep", "bans.rep", "kafka.rep", "api.rep",
};

struct ipc_client *
api_client(struct api_ctx *ctx, const char *name)
{
	size_t	i;

	for (i = 0; i < TP_ARRAY_LEN(ctx->clients) &&
	    ctx->clients[i].name != NULL; i++)
		if (strcmp(ctx->clients[i].name, name) == 0)
			return ctx->clients[i].cl;
	if (i == TP_ARRAY_LEN(ctx->clients))
		fatal("api: too many IPC clients (%s)", name);
	ctx->clients[i].name = name;
	ctx->clients[i].cl = ipc_client_open(ctx->p->ipc, name);
	return ctx->clients[i].cl;
}

/* ---- fan-out calls ---- */

struct api_call *
api_call_new(struct api_conn *conn, api_call_done *done)
{
	struct api_call	*c = xcalloc(1, sizeof(*c));

	c->ctx = conn->ctx;
	c->conn = conn;
	c->done = done;
	conn->call = c;
	return c;
}

void
api_call_free(struct api_call *c)
{
	if (c == NULL)
		return;
	if (c->conn != NULL && c->conn->call == c)
		c->conn->call = NULL;
	for (size_t i = 0; i < c->n; i++)
		if (c->slot[i].rep != NULL)
			ipc_env_free(c->slot[i].rep);
	free(c->arg);
	free(c);
}

static void
api_call_finish(struct api_call *c)
{
	if (c->conn == NULL) {		/* the client left meanwhile */
		api_call_free(c);
		return;
	}
	c->done(c);	/* answers conn, or chains a new call */
	api_call_free(c);
}

/* Copy a borrowed envelope through the codec (the only packer). */
static ipc_env *
api_env_dup(const ipc_env *env)
{
	nng_msg	*msg;
	ipc_env	*out = NULL;
	char	 err[128];

	if (ipc_encode(env, 0, &msg, err, sizeof(err)) == -1)
		return NULL;
	if (ipc_decode(nng_msg_body(msg), nng_msg_len(msg), &out, err,
	    sizeof(err)) == -1)
		out = NULL;
	nng_msg_free(msg);
	return out;
}

static void
api_call_reply(void *arg, int err, const ipc_env *rep)
{
	struct api_call_slot	*s = arg;
	struct api_call		*c = s->call;

	if (err == 0 && (s->rep = api_env_dup(rep)) == NULL)
		err = -1;
	s->err = err;
	if (err)
		c->ctx->n.ipc_errors++;
	if (--c->pending == 0 && c->sealed)
		api_call_finish(c);
}

void
api_call_add(struct api_call *c, const char *name, const ipc_env *req,
    int timeout_ms)
{
	struct api_call_slot	*s;

	if (c->n == API_CALL_MAX)
		fatal("api: more than %d calls for one request", API_CALL_MAX);
	s = &c->slot[c->n++];
	s->call = c;
	snprintf(s->name, sizeof(s->name), "%s", name);
	c->pending++;
	if (ipc_call(api_client(c->ctx, name), req, timeout_ms, api_call_reply,
	    s) == -1) {
		s->err = -1;
		c->pending--;
		c->ctx->n.ipc_errors++;
	}
}

void
api_call_go(struct api_call *c)
{
	c->sealed = 1;
	if (c->pending == 0)
		api_call_finish(c);
}

/* ---- events ---- */

static void
api_on_event(void *arg, const ipc_env *ev)
{
	struct api_ctx	*ctx = arg;
	cJSON		*o, *u;
	char		*s;

	if (ev->body_case == TP__ENVELOPE__BODY_NODE_STATUS_SEEN &&
	    ev->node_status_seen->own) {
		/* the gossip worker's own status: our node_status and PINGs */
		free(ctx->own_status);
		ctx->own_status = xstrdup(ev->node_status_seen->json);
		snprintf(ctx->own_peer_id, sizeof(ctx->own_peer_id), "%s",
		    ev->node_status_seen->peer_id);
		if ((o = cJSON_Parse(ctx->own_status)) != NULL) {
			u = cJSON_GetObjectItemCaseSensitive(o, "base_url");
			snprintf(ctx->own_base_url, sizeof(ctx->own_base_url),
			    "%s", cJSON_IsString(u) ? u->valuestring : "");
			cJSON_Delete(o);
		}
	}
	if ((o = api_json_notification(ev, util_wall_ms())) == NULL)
		return;
	ctx->n.ws_events++;
	s = cJSON_PrintUnformatted(o);
	api_hub_broadcast(ctx, s, strlen(s));
	free(s);
	cJSON_Delete(o);
}

static void
api_subscribe(struct api_ctx *ctx)
{
	static const Tp__Envelope__BodyCase gossip_kinds[] = {
		TP__ENVELOPE__BODY_BLOCK_SEEN, TP__ENVELOPE__BODY_SUBTREE_SEEN,
		TP__ENVELOPE__BODY_NODE_STATUS_SEEN,
		TP__ENVELOPE__BODY_REJECTED_TX_SEEN,
		TP__ENVELOPE__BODY_OWN_BLOCK, TP__ENVELOPE__BODY_OWN_SUBTREE,
	};

	ctx->gossip_sub = ipc_sub_open(ctx->p->ipc, "gossip.pub", api_on_event,
	    ctx);
	ctx->bans_sub = ipc_sub_open(ctx->p->ipc, "bans.pub", api_on_event,
	    ctx);
	if (ctx->gossip_sub == NULL || ctx->bans_sub == NULL)
		fatal("api: cannot subscribe to gossip.pub and bans.pub");
	for (size_t i = 0; i < TP_ARRAY_LEN(gossip_kinds); i++)
		ipc_subscribe(ctx->gossip_sub, gossip_kinds[i]);
	ipc_subscribe(ctx->bans_sub, TP__ENVELOPE__BODY_BANNED);
	ipc_subscribe(ctx->bans_sub, TP__ENVELOPE__BODY_UNBANNED);
}

/* ---- process hooks ---- */

static int
api_health(void *arg, Tp__HealthRep *rep)
{
	struct api_ctx	*ctx = arg;

	const char	*grpc;
	int		 grpc_ok = api_grpc_listening(ctx, &grpc);

	proc_health_dep(rep, "http_listener", ctx->listener != NULL,
	    ctx->listener != NULL ? ctx->listen_addr : ctx->listen_err);
	proc_health_dep(rep, "grpc_listener", grpc_ok, grpc);
	return ctx->listener != NULL && grpc_ok;
}

static void
api_stats(void *arg, struct proc_stats *st)
{
	struct api_ctx		*ctx = arg;
	const struct api_counters *n = &ctx->n;
	static const char *const cls[] = { "", "http_1xx", "http_2xx",
		"http_3xx", "http_4xx", "http_5xx" };

	proc_stat_add(st, "http_requests", (int64_t)n->requests);
	for (size_t i = 1; i < TP_ARRAY_LEN(cls); i++)
		proc_stat_add(st, cls[i], (int64_t)n->responses[i]);
	proc_stat_add(st, "http_auth_refused", (int64_t)n->auth_refused);
	proc_stat_add(st, "http_connections", (int64_t)ctx->nconns);
	proc_stat_add(st, "http_connections_total", (int64_t)n->conns);
	proc_stat_add(st, "http_connections_refused",
	    (int64_t)n->conns_refused);
	proc_stat_add(st, "http_connections_refused_ip",
	    (int64_t)n->conns_refused_ip);
	proc_stat_add(st, "http_connections_evicted", (int64_t)n->conns_evicted);
	proc_stat_add(st, "http_requests_timed_out",
	    (int64_t)n->requests_timed_out);
	proc_stat_add(st, "ipc_errors_http", (int64_t)n->ipc_errors);
	proc_stat_add(st, "ws_clients", (int64_t)ctx->nws);
	proc_stat_add(st, "ws_clients_total", (int64_t)n->ws_clients_total);
	proc_stat_add(st, "ws_dropped_slow", (int64_t)n->ws_dropped_slow);
	proc_stat_add(st, "ws_dropped_closing", (int64_t)n->ws_dropped_closing);
	proc_stat_add(st, "ws_dropped_no_pong", (int64_t)n->ws_dropped_no_pong);
	proc_stat_add(st, "ws_refused", (int64_t)n->ws_refused);
	proc_stat_add(st, "ws_messages_sent", (int64_t)n->ws_sent);
	proc_stat_add(st, "ws_events", (int64_t)n->ws_events);
	api_grpc_stats(ctx, st);
	api_peers_cache_stats(ctx, st);
}

static void
api_stop(void *arg)
{
	struct api_ctx	*ctx = arg;

	api_hub_stop(ctx);
	api_conn_stop(ctx);
	api_grpc_stop(ctx);
	api_peers_cache_free(ctx);
}

static void
api_config(struct api_ctx *ctx, const struct config *cfg)
{
	ctx->key = config_str(cfg, "api_key");
	ctx->listen_addr = config_str(cfg, "p2p_httpListenAddress");
	ctx->tls = config_int(cfg, "securityLevelHTTP") == 1;
	ctx->max_conns = (size_t)config_int(cfg, "api_max_connections");
	ctx->max_ws = (size_t)config_int(cfg, "api_ws_max_clients");
	ctx->max_per_ip = (size_t)config_int(cfg, "api_max_connections_per_ip");
	ctx->request_ms = config_duration_ms(cfg, "api_request_timeout");
	if (ctx->request_ms < 100)
		ctx->request_ms = 100;
	ctx->max_body = API_BODY_MAX;
	ctx->ws_ping_ms = config_duration_ms(cfg, "api_ws_ping_interval");
	if (ctx->ws_ping_ms < 100)
		ctx->ws_ping_ms = 100;
}

/*
 * SIGHUP: a new api_key takes effect at once (each request reads it); the
 * other settings of this worker need a restart.
 */
static void
api_reload(void *arg, const struct config *cfg)
{
	struct api_ctx	*ctx = arg;
	const char	*key = config_str(cfg, "api_key");

	if (strcmp(key, ctx->key) == 0)
		return;
	free(ctx->key_reloaded);
	ctx->key = ctx->key_reloaded = xstrdup(key);
	log_info("SIGHUP: api_key %s", key[0] != '\0' ? "changed" :
	    "removed: REST mutations are refused");
}

int
api_main(struct proc *p)
{
	struct api_ctx	*ctx = xcalloc(1, sizeof(*ctx));
	int		 code;

	if (sodium_init() == -1)
		fatal("api: sodium_init failed");
	ctx->p = p;
	api_config(ctx, p->cfg);
	p->hook_arg = ctx;
	p->health = api_health;
	p->stats = api_stats;
	p->stop = api_stop;
	p->reload = api_reload;
	for (size_t i = 0; i < TP_ARRAY_LEN(api_client_names); i++)
		api_client(ctx, api_client_names[i]);
	if (proc_serve(p) == -1)
		fatal_config("cannot serve api.rep under %s", p->run_dir);
	api_subscribe(ctx);
	api_conn_listen(ctx);	/* a bad setting stops here */
	api_hub_start(ctx);
	api_grpc_start(ctx);	/* a bad setting stops here too */
	if (ctx->key[0] == '\0')
		log_warn("api_key is not set: REST mutations are refused");
	/* READY only once the API listens: a port clash must not look ready */
	ctx->want_ready = 1;
	if (ctx->listener != NULL) {
		ctx->ready_sent = 1;
		proc_ready(p);
	} else
		log_warn("api: not ready until %s can be listened on",
		    ctx->listen_addr);
	code = proc_run(p);
	api_stop(ctx);
	api_grpc_free(ctx);
	free(ctx->own_status);
	free(ctx->key_reloaded);
	free(ctx);
	return code;
}
