/*
 * API worker: the REST handlers and their routing table.  Each handler
 * checks its input (query, path parameters, JSON body via api_json.c),
 * sends one or more IPC requests (bans.rep, gossip.rep, kafka.rep,
 * supervisor.rep, and every worker's <role>.rep for Health and Stats) as an
 * api_call bound to the connection, and answers from the replies.  IPC
 * failures become HTTP errors here, in one place (api_rest_ipc_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "config.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define API_HEALTH_TIMEOUT_MS	1000

/* ---- IPC outcome -> HTTP ---- */

static const struct {
	int		 ipc;
	int		 http;
} api_rest_status_map[] = {
	{ TP__IPC_STATUS__IPC_ERR_INVALID, 400 },
	{ TP__IPC_STATUS__IPC_ERR_NOT_FOUND, 404 },
	{ TP__IPC_STATUS__IPC_ERR_UNAVAILABLE, 503 },
	{ TP__IPC_STATUS__IPC_ERR_FULL, 503 },
	{ TP__IPC_STATUS__IPC_ERR_UNSUPPORTED, 502 },
	{ TP__IPC_STATUS__IPC_ERR_INTERNAL, 502 },
};

/* "bans.rep" -> "bans" */
static void
api_rest_role(const char *name, char *out, size_t outlen)
{
	const char	*dot = strchr(name, '.');
	size_t		 n = dot != NULL ? (size_t)(dot - name) : strlen(name);

	snprintf(out, outlen, "%.*s", (int)n, name);
}

int
api_rest_ipc_error(struct api_conn *c, const struct api_call_slot *s,
    const char *what)
{
	char	role[IPC_NAME_MAX];
	int	http = 502;

	api_rest_role(s->name, role, sizeof(role));
	if (s->err != 0 || s->rep == NULL) {
		api_conn_error(c, 503, NULL, "the %s worker did not answer %s "
		    "(not running or too slow)", role, what);
		return 1;
	}
	if (s->rep->status == 0)
		return 0;
	for (size_t i = 0; i < TP_ARRAY_LEN(api_rest_status_map); i++)
		if (api_rest_status_map[i].ipc == s->rep->status)
			http = api_rest_status_map[i].http;
	if (s->rep->status == TP__IPC_STATUS__IPC_ERR_UNSUPPORTED)
		api_conn_error(c, http, NULL, "the %s worker does not support "
		    "%s yet: %s", role, what, s->rep->error);
	else if (http >= 500)
		api_conn_error(c, http, NULL, "%s: %s worker: %s", what, role,
		    s->rep->error);
	else
		api_conn_error(c, http, NULL, "%s", s->rep->error);
	return 1;
}

const ipc_env *
api_rest_rep(struct api_conn *c, const struct api_call_slot *s,
    Tp__Envelope__BodyCase want, const char *what)
{
	if (api_rest_ipc_error(c, s, what))
		return NULL;
	if (want != TP__ENVELOPE__BODY__NOT_SET && s->rep->body_case != want) {
		api_conn_error(c, 502, NULL, "%s: unexpected reply %s", what,
		    ipc_body_name(s->rep->body_case));
		return NULL;
	}
	return s->rep;
}

void
api_rest_call1(struct api_conn *c, const char *name, const ipc_env *req,
    api_call_done *done)
{
	struct api_call	*call = api_call_new(c, done);

	api_call_add(call, name, req, API_CALL_TIMEOUT_MS);
	api_call_go(call);
}

int
api_rest_paging(struct api_conn *c, uint32_t *offset, uint32_t *limit)
{
	static const char *const keys[] = { "offset", "limit" };
	uint32_t	*out[] = { offset, limit };
	char		 v[32], *end;
	unsigned long	 n;

	for (size_t i = 0; i < 2; i++) {
		*out[i] = 0;
		switch (api_http_query(c->req.query, keys[i], v, sizeof(v))) {
		case -1:
			continue;
		case 0:
			n = strtoul(v, &end, 10);
			if (v[0] != '\0' && *end == '\0' && v[0] != '-' &&
			    n <= 1000000) {
				*out[i] = (uint32_t)n;
				continue;
			}
			/* FALLTHROUGH */
		default:
			api_conn_error(c, 400, keys[i], "query parameter %s must "
			    "be a whole number 0..1000000", keys[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- /health, /health/liveness ---- */

static void
api_rest_health(struct api_conn *c)
{
	api_conn_reply(c, 200, "text/plain; charset=utf-8", "OK", 2, NULL);
}

static void
api_rest_liveness(struct api_conn *c)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", "200");
	cJSON_AddArrayToObject(o, "dependencies");
	api_conn_json(c, 200, o);
}

/* ---- the supervisor first, then every worker it lists ---- */

static void
api_rest_sup_call(struct api_conn *c, api_call_done *done)
{
	Tp__SupStatusReq	s = TP__SUP_STATUS_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	API_ENV(req, sup_status_req, TP__ENVELOPE__BODY_SUP_STATUS_REQ, &s);
	api_rest_call1(c, "supervisor.rep", &req, done);
}

/*
 * Phase two: kind (Health or Stats) to every worker the supervisor lists
 * (just ourselves when it did not answer), then KafkaStatus.  The phase-one
 * reply moves into the new call's slot 0 so done sees everything.
 */
static void
api_rest_fanout(struct api_call *prev, Tp__Envelope__BodyCase kind,
    api_call_done *done)
{
	Tp__HealthReq		 h = TP__HEALTH_REQ__INIT;
	Tp__StatsReq		 s = TP__STATS_REQ__INIT;
	Tp__KafkaStatusReq	 k = TP__KAFKA_STATUS_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *sup = NULL;
	struct api_call		*call = api_call_new(prev->conn, done);
	char			 name[IPC_NAME_MAX];

	call->slot[0] = prev->slot[0];
	call->slot[0].call = call;
	prev->slot[0].rep = NULL;
	call->n = 1;
	if (call->slot[0].err == 0 && call->slot[0].rep->status == 0 &&
	    call->slot[0].rep->body_case == TP__ENVELOPE__BODY_SUP_STATUS_REP)
		sup = call->slot[0].rep;
	if (kind == TP__ENVELOPE__BODY_HEALTH_REQ)
		API_ENV(req, health_req, kind, &h);
	else
		API_ENV(req, stats_req, kind, &s);
	for (size_t i = 0; sup == NULL || i < sup->sup_status_rep->n_workers;
	    i++) {
		snprintf(name, sizeof(name), "%s.rep", sup != NULL ?
		    sup->sup_status_rep->workers[i]->role : "api");
		if (call->n < API_CALL_MAX - 1)
			api_call_add(call, name, &req, API_HEALTH_TIMEOUT_MS);
		if (sup == NULL)
			break;
	}
	API_ENV(req, kafka_status_req, TP__ENVELOPE__BODY_KAFKA_STATUS_REQ, &k);
	api_call_add(call, "kafka.rep", &req, API_HEALTH_TIMEOUT_MS);
	api_call_go(call);
}

static const Tp__SupStatusRep *
api_rest_sup(const struct api_call *call)
{
	const struct api_call_slot	*s = &call->slot[0];

	if (s->err != 0 || s->rep == NULL || s->rep->status != 0 ||
	    s->rep->body_case != TP__ENVELOPE__BODY_SUP_STATUS_REP)
		return NULL;
	return s->rep->sup_status_rep;
}

static const Tp__WorkerStatus *
api_rest_worker(const Tp__SupStatusRep *sup, const char *role)
{
	for (size_t i = 0; sup != NULL && i < sup->n_workers; i++)
		if (strcmp(sup->workers[i]->role, role) == 0)
			return sup->workers[i];
	return NULL;
}

/* ---- /health/readiness: Teranode's JSON ---- */

static int
api_rest_dep(cJSON *deps, const char *resource, int ok, const char *err,
    const char *msg)
{
	cJSON	*d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "resource", resource);
	cJSON_AddStringToObject(d, "status", ok ? "200" : "503");
	cJSON_AddStringToObject(d, "error", ok ? "<nil>" : err);
	cJSON_AddStringToObject(d, "message", msg);
	cJSON_AddItemToArray(deps, d);
	return ok;
}

static int
api_rest_ready_worker(cJSON *deps, const struct api_call_slot *s,
    const Tp__WorkerStatus *w)
{
	const Tp__HealthRep	*h;
	char			 role[IPC_NAME_MAX], msg[512];
	int			 ok;

	api_rest_role(s->name, role, sizeof(role));
	if (s->err != 0 || s->rep == NULL || s->rep->status != 0 ||
	    s->rep->body_case != TP__ENVELOPE__BODY_HEALTH_REP)
		return api_rest_dep(deps, role, 0, "no answer to Health",
		    w != NULL && w->pid == 0 ? "not running" :
		    "not answering");
	h = s->rep->health_rep;
	snprintf(msg, sizeof(msg), "%s (pid %d, restarts %u)", h->detail,
	    (int)h->pid, w != NULL ? w->restarts : 0);
	ok = api_rest_dep(deps, role, h->ok && (w == NULL || w->ready),
	    h->ok ? "not ready" : h->detail, msg);
	for (size_t i = 0; i < h->n_deps; i++)
		ok &= api_rest_dep(deps, h->deps[i]->name, h->deps[i]->ok,
		    h->deps[i]->detail, h->deps[i]->detail);
	return ok;
}

static int
api_rest_ready_kafka(cJSON *deps, const struct api_call_slot *s)
{
	const Tp__KafkaStatusRep	*k;
	char				 msg[256];

	if (s == NULL || s->err != 0 || s->rep == NULL)
		return api_rest_dep(deps, "Kafka", 0, "no answer to KafkaStatus",
		    "the kafka worker is not answering");
	if (s->rep->status == TP__IPC_STATUS__IPC_ERR_UNSUPPORTED)
		return api_rest_dep(deps, "Kafka", 1, "",
		    "the kafka worker does not report broker status yet");
	if (s->rep->status != 0 ||
	    s->rep->body_case != TP__ENVELOPE__BODY_KAFKA_STATUS_REP)
		return api_rest_dep(deps, "Kafka", 0, s->rep->error,
		    "KafkaStatus failed");
	k = s->rep->kafka_status_rep;
	snprintf(msg, sizeof(msg), "%s %s", k->bootstrap, k->connected ?
	    "connected" : "not connected");
	return api_rest_dep(deps, "Kafka", k->connected, "not connected", msg);
}

static void
api_rest_ready_done(struct api_call *call)
{
	const Tp__SupStatusRep	*sup = api_rest_sup(call);
	cJSON			*o = cJSON_CreateObject();
	cJSON			*deps;
	char			 msg[160];
	int			 ok;

	cJSON_AddStringToObject(o, "status", "503");
	deps = cJSON_AddArrayToObject(o, "dependencies");
	if (sup != NULL)
		snprintf(msg, sizeof(msg), "terap2pd %s, pid %d, %s", sup->version,
		    (int)sup->pid, sup->ready ? "every worker ready" :
		    "waiting for workers");
	ok = api_rest_dep(deps, "supervisor", sup != NULL && sup->ready,
	    sup != NULL ? "not every worker is ready" : "no answer",
	    sup != NULL ? msg : "the supervisor is not answering");
	for (size_t i = 1; i < call->n; i++) {
		char	role[IPC_NAME_MAX];

		if (strcmp(call->slot[i].name, "kafka.rep") == 0 &&
		    i == call->n - 1)
			continue;
		api_rest_role(call->slot[i].name, role, sizeof(role));
		ok &= api_rest_ready_worker(deps, &call->slot[i],
		    api_rest_worker(sup, role));
	}
	ok &= api_rest_ready_kafka(deps, &call->slot[call->n - 1]);
	cJSON_SetValuestring(cJSON_GetObjectItem(o, "status"), ok ? "200" :
	    "503");
	api_conn_json(call->conn, ok ? 200 : 503, o);
}

static void
api_rest_ready_phase2(struct api_call *call)
{
	api_rest_fanout(call, TP__ENVELOPE__BODY_HEALTH_REQ,
	    api_rest_ready_done);
}

static void
api_rest_readiness(struct api_conn *c)
{
	api_rest_sup_call(c, api_rest_ready_phase2);
}

/* ---- /api/v1/status ---- */

static cJSON *
api_rest_status_worker(const struct api_call_slot *s,
    const Tp__WorkerStatus *w)
{
	cJSON			*o = cJSON_CreateObject(), *deps;
	const Tp__HealthRep	*h = NULL;
	char			 role[IPC_NAME_MAX];

	api_rest_role(s->name, role, sizeof(role));
	if (s->err == 0 && s->rep != NULL && s->rep->status == 0 &&
	    s->rep->body_case == TP__ENVELOPE__BODY_HEALTH_REP)
		h = s->rep->health_rep;
	cJSON_AddStringToObject(o, "role", role);
	cJSON_AddNumberToObject(o, "pid", w != NULL ? w->pid :
	    h != NULL ? h->pid : 0);
	cJSON_AddBoolToObject(o, "ready", w != NULL ? w->ready : h != NULL);
	cJSON_AddNumberToObject(o, "restarts", w != NULL ? w->restarts : 0);
	cJSON_AddNumberToObject(o, "last_exit", w != NULL ? w->last_exit : 0);
	cJSON_AddNumberToObject(o, "started_unix_ms", w != NULL ?
	    (double)w->started_unix_ms : 0);
	cJSON_AddBoolToObject(o, "healthy", h != NULL && h->ok);
	cJSON_AddStringToObject(o, "detail", h != NULL ? h->detail :
	    "not answering");
	cJSON_AddNumberToObject(o, "uptime_ms", h != NULL ?
	    (double)h->uptime_ms : 0);
	deps = cJSON_AddArrayToObject(o, "dependencies");
	for (size_t i = 0; h != NULL && i < h->n_deps; i++) {
		cJSON	*d = cJSON_CreateObject();

		cJSON_AddStringToObject(d, "name", h->deps[i]->name);
		cJSON_AddBoolToObject(d, "ok", h->deps[i]->ok);
		cJSON_AddStringToObject(d, "detail", h->deps[i]->detail);
		cJSON_AddItemToArray(deps, d);
	}
	return o;
}

/* The Health reply of role's worker among call's slots, or NULL. */
static const Tp__HealthRep *
api_rest_health_of(const struct api_call *call, const char *role)
{
	const struct api_call_slot	*s;
	char				 r[IPC_NAME_MAX];

	for (size_t i = 1; i + 1 < call->n; i++) {
		s = &call->slot[i];
		api_rest_role(s->name, r, sizeof(r));
		if (strcmp(r, role) == 0 && s->err == 0 && s->rep != NULL &&
		    s->rep->status == 0 &&
		    s->rep->body_case == TP__ENVELOPE__BODY_HEALTH_REP)
			return s->rep->health_rep;
	}
	return NULL;
}

/* "kafka": the bridge's KafkaStatus (the last slot), or why there is none. */
static void
api_rest_status_kafka(cJSON *o, const struct api_call_slot *s)
{
	const Tp__KafkaStatusRep	*k = NULL;
	cJSON				*j = cJSON_AddObjectToObject(o, "kafka");

	if (s->err == 0 && s->rep != NULL && s->rep->status == 0 &&
	    s->rep->body_case == TP__ENVELOPE__BODY_KAFKA_STATUS_REP)
		k = s->rep->kafka_status_rep;
	cJSON_AddBoolToObject(j, "connected", k != NULL && k->connected);
	cJSON_AddStringToObject(j, "state", k == NULL ? "no answer" :
	    k->connected ? "connected" : "not connected");
	cJSON_AddStringToObject(j, "bootstrap", k != NULL ? k->bootstrap : "");
	cJSON_AddNumberToObject(j, "produced", k != NULL ?
	    (double)k->produced : 0);
	cJSON_AddNumberToObject(j, "consumed", k != NULL ?
	    (double)k->consumed : 0);
	cJSON_AddNumberToObject(j, "queue_depth", k != NULL ?
	    (double)k->queue_depth : 0);
	cJSON_AddNumberToObject(j, "delivery_failures", k != NULL ?
	    (double)k->delivery_failures : 0);
}

/*
 * Who this node is and what it stands on, for the dashboard's header:
 * our peer ID (from our own node_status), the gossip worker's listen
 * addresses, Kafka, and the ban manager's store.
 */
static void
api_rest_status_node(cJSON *o, const struct api_call *call)
{
	const Tp__HealthRep	*g = api_rest_health_of(call, "gossip");
	const Tp__HealthRep	*b = api_rest_health_of(call, "bans");
	const Tp__Dependency	*store = NULL;
	cJSON			*a, *j;

	cJSON_AddStringToObject(o, "peer_id", call->ctx->own_peer_id);
	a = cJSON_AddArrayToObject(o, "listen_addresses");
	for (size_t i = 0; g != NULL && i < g->n_listen_addrs; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(g->listen_addrs[i]));
	api_rest_status_kafka(o, &call->slot[call->n - 1]);
	for (size_t i = 0; b != NULL && i < b->n_deps; i++)
		if (strcmp(b->deps[i]->name, "ban_store") == 0)
			store = b->deps[i];
	j = cJSON_AddObjectToObject(o, "ban_store");
	cJSON_AddBoolToObject(j, "ok", store != NULL && store->ok);
	cJSON_AddStringToObject(j, "detail", store != NULL ? store->detail :
	    "the ban manager did not answer");
}

static void
api_rest_status_done(struct api_call *call)
{
	const Tp__SupStatusRep	*sup = api_rest_sup(call);
	const struct config	*cfg = call->ctx->p->cfg;
	cJSON			*o = cJSON_CreateObject(), *ws;
	uint64_t		 now = util_wall_ms();

	cJSON_AddStringToObject(o, "version", sup != NULL ? sup->version :
	    TP_VERSION);
	cJSON_AddNumberToObject(o, "pid", sup != NULL ? sup->pid : 0);
	cJSON_AddBoolToObject(o, "ready", sup != NULL && sup->ready);
	cJSON_AddNumberToObject(o, "started_unix_ms", sup != NULL ?
	    (double)sup->started_unix_ms : 0);
	cJSON_AddNumberToObject(o, "uptime_s", sup != NULL &&
	    sup->started_unix_ms > 0 && now > sup->started_unix_ms ?
	    (double)((now - sup->started_unix_ms) / 1000) : 0);
	cJSON_AddStringToObject(o, "client_name", config_str(cfg,
	    "clientName"));
	cJSON_AddStringToObject(o, "network", config_str(cfg, "network"));
	cJSON_AddStringToObject(o, "listen_mode", config_str(cfg,
	    "listen_mode"));
	api_rest_status_node(o, call);
	ws = cJSON_AddArrayToObject(o, "workers");
	for (size_t i = 1; i + 1 < call->n; i++) {
		char	role[IPC_NAME_MAX];

		api_rest_role(call->slot[i].name, role, sizeof(role));
		cJSON_AddItemToArray(ws, api_rest_status_worker(&call->slot[i],
		    api_rest_worker(sup, role)));
	}
	cJSON_AddItemToObject(o, "node_status", api_hub_node_status(call->ctx));
	api_conn_json(call->conn, 200, o);
}

static void
api_rest_status_phase2(struct api_call *call)
{
	api_rest_fanout(call, TP__ENVELOPE__BODY_HEALTH_REQ,
	    api_rest_status_done);
}

static void
api_rest_status(struct api_conn *c)
{
	api_rest_sup_call(c, api_rest_status_phase2);
}

/* ---- /metrics: Prometheus text (api_metrics.c) ---- */

static void
api_rest_metrics_done(struct api_call *call)
{
	const Tp__StatsRep		*stats[API_CALL_MAX];
	const Tp__KafkaStatusRep	*kafka = NULL;
	const struct api_call_slot	*s;
	char				 roles[API_CALL_MAX][IPC_NAME_MAX];
	const char			*rolep[API_CALL_MAX];
	struct api_text			 t = { NULL, 0, 0 };
	size_t				 n = 0;

	for (size_t i = 1; i + 1 < call->n; i++, n++) {
		s = &call->slot[i];
		api_rest_role(s->name, roles[n], sizeof(roles[n]));
		rolep[n] = roles[n];
		stats[n] = s->err == 0 && s->rep != NULL && s->rep->status == 0 &&
		    s->rep->body_case == TP__ENVELOPE__BODY_STATS_REP ?
		    s->rep->stats_rep : NULL;
	}
	s = &call->slot[call->n - 1];
	if (s->err == 0 && s->rep != NULL && s->rep->status == 0 &&
	    s->rep->body_case == TP__ENVELOPE__BODY_KAFKA_STATUS_REP)
		kafka = s->rep->kafka_status_rep;
	api_metrics_render(&t, api_rest_sup(call), stats, rolep, n, kafka);
	api_conn_reply(call->conn, 200, "text/plain; version=0.0.4; "
	    "charset=utf-8", t.s, t.len, NULL);
	free(t.s);
}

static void
api_rest_metrics_phase2(struct api_call *call)
{
	api_rest_fanout(call, TP__ENVELOPE__BODY_STATS_REQ,
	    api_rest_metrics_done);
}

static void
api_rest_metrics(struct api_conn *c)
{
	api_rest_sup_call(c, api_rest_metrics_phase2);
}

/* ---- the routing table ---- */

const struct api_route api_rest_routes[] = {
	{ API_M_GET, "/health", 0, api_rest_health, "health" },
	{ API_M_GET, "/health/liveness", 0, api_rest_liveness, "liveness" },
	{ API_M_GET, "/health/readiness", 0, api_rest_readiness, "readiness" },
	{ API_M_GET, "/metrics", 0, api_rest_metrics, "metrics" },
	{ API_M_GET, "/api/v1/status", 0, api_rest_status, "status" },
	{ API_M_GET, "/api/v1/bans", 0, api_rest_bans_list, "bans" },
	{ API_M_POST, "/api/v1/bans", API_R_AUTH | API_R_BODY,
	    api_rest_bans_add, "ban" },
	{ API_M_DELETE, "/api/v1/bans", API_R_AUTH, api_rest_bans_clear,
	    "clear" },
	{ API_M_GET, "/api/v1/bans/check", 0, api_rest_bans_check, "check" },
	{ API_M_DELETE, "/api/v1/bans/{*}", API_R_AUTH, api_rest_bans_remove,
	    "unban" },
	{ API_M_GET, "/api/v1/scores", 0, api_rest_scores_list, "scores" },
	{ API_M_POST, "/api/v1/scores", API_R_AUTH | API_R_BODY,
	    api_rest_scores_add, "score" },
	{ API_M_GET, "/api/v1/scores/{}", 0, api_rest_scores_get,
	    "score_get" },
	{ API_M_DELETE, "/api/v1/scores/{}", API_R_AUTH,
	    api_rest_scores_reset, "score_reset" },
	{ API_M_GET, "/api/v1/peers", 0, api_peers_cache_list, "peers" },
	{ API_M_POST, "/api/v1/peers/connect", API_R_AUTH | API_R_BODY,
	    api_rest_peers_connect, "connect" },
	{ API_M_GET, "/api/v1/peers/{}", 0, api_rest_peers_get, "peer" },
	{ API_M_POST, "/api/v1/peers/{}/disconnect", API_R_AUTH,
	    api_rest_peers_disconnect, "disconnect" },
	{ API_M_POST, "/api/v1/announce/{}", API_R_AUTH | API_R_BODY,
	    api_rest_announce, "announce" },
	{ API_M_GET, "/", 0, api_rest_dashboard, "dashboard" },
};

const size_t api_rest_nroutes = TP_ARRAY_LEN(api_rest_routes);
