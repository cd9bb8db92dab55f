/*
 * API worker: /metrics in the Prometheus text format, from the replies the
 * REST handler collected (SupStatus, every worker's Stats, KafkaStatus).
 * A pure function over those replies.  Each worker reports plain named
 * numbers; the catalogue below gives each one its family, type, unit and
 * help, following Prometheus's naming conventions
 * (https://prometheus.io/docs/practices/naming/): counters end in _total,
 * units are base units (seconds, bytes), a dimension is a label (role,
 * kind, reason), and each family is written once, HELP and TYPE first.  A
 * statistic missing from the catalogue is still exported, as a gauge
 * named after its worker, so a new counter is never lost.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "tp.h"
#include "util.h"

enum api_mt { API_MT_GAUGE, API_MT_COUNTER };
enum api_unit { API_U_NONE, API_U_MS, API_U_KIB };

struct api_metric_def {
	const char	*role;		/* NULL: every worker, role label */
	const char	*stat;		/* exact, or a prefix ending in '*' */
	const char	*family;
	enum api_mt	 type;
	const char	*label;		/* NULL, or the label name */
	const char	*value;		/* its value; NULL: the '*' part */
	enum api_unit	 unit;		/* scaled to seconds or bytes */
	const char	*help;
};

#define C	API_MT_COUNTER
#define G	API_MT_GAUGE
#define N	API_U_NONE

static const struct api_metric_def api_metric_defs[] = {
	/* every worker (common/proc.c) */
	{ NULL, "uptime_ms", "terap2p_worker_uptime_seconds", G, NULL, NULL,
	    API_U_MS, "Time since the worker started." },
	{ NULL, "max_rss_kib", "terap2p_worker_max_resident_memory_bytes", G,
	    NULL, NULL, API_U_KIB, "Peak resident memory of the worker." },
	{ NULL, "ipc_requests", "terap2p_ipc_requests_total", C, NULL, NULL, N,
	    "IPC requests the worker served." },
	{ NULL, "ipc_calls", "terap2p_ipc_calls_total", C, NULL, NULL, N,
	    "IPC requests the worker sent." },
	{ NULL, "ipc_call_errors", "terap2p_ipc_call_errors_total", C, NULL,
	    NULL, N, "IPC requests the worker sent that failed or timed out." },
	{ NULL, "ipc_events_in", "terap2p_ipc_events_received_total", C, NULL,
	    NULL, N, "IPC events the worker received." },
	{ NULL, "ipc_events_out", "terap2p_ipc_events_published_total", C,
	    NULL, NULL, N, "IPC events the worker published." },
	{ NULL, "ipc_decode_errors", "terap2p_ipc_decode_errors_total", C,
	    NULL, NULL, N, "IPC messages the worker could not decode." },
	/* gossip */
	{ "gossip", "connections", "terap2p_gossip_connections", G, NULL, NULL,
	    N, "Open libp2p connections, handshaking or not." },
	{ "gossip", "peers", "terap2p_gossip_peers", G, NULL, NULL, N,
	    "Connected libp2p peers past the handshake." },
	{ "gossip", "connections_in", "terap2p_gossip_connections_opened_total",
	    C, "direction", "in", N, "libp2p connections opened." },
	{ "gossip", "connections_out",
	    "terap2p_gossip_connections_opened_total", C, "direction", "out", N,
	    "libp2p connections opened." },
	{ "gossip", "handshake_failures",
	    "terap2p_gossip_handshake_failures_total", C, NULL, NULL, N,
	    "libp2p handshakes that failed." },
	{ "gossip", "protocol_violations",
	    "terap2p_gossip_protocol_violations_total", C, NULL, NULL, N,
	    "Protocol violations seen from peers." },
	{ "gossip", "identifies", "terap2p_gossip_identifies_total", C, NULL,
	    NULL, N, "identify exchanges completed." },
	{ "gossip", "pings_ok", "terap2p_gossip_pings_total", C, NULL, NULL, N,
	    "libp2p pings answered." },
	{ "gossip", "refused_limit", "terap2p_gossip_connections_refused_total",
	    C, "reason", "limit", N, "libp2p connections refused." },
	{ "gossip", "refused_banned",
	    "terap2p_gossip_connections_refused_total", C, "reason", "banned", N,
	    "libp2p connections refused." },
	{ "gossip", "dropped_banned",
	    "terap2p_gossip_connections_dropped_banned_total", C, NULL, NULL, N,
	    "libp2p connections closed because their peer was banned." },
	{ "gossip", "connmgr_trimmed",
	    "terap2p_gossip_connections_trimmed_total", C, NULL, NULL, N,
	    "libp2p connections closed by the connection manager." },
	{ "gossip", "connmgr_trims", "terap2p_gossip_connmgr_trims_total", C,
	    NULL, NULL, N, "Connection manager rounds over the high water mark." },
	{ "gossip", "static_peers", "terap2p_gossip_static_peers", G, NULL,
	    NULL, N, "Configured static peers." },
	{ "gossip", "msgs_in_*", "terap2p_gossip_messages_received_total", C,
	    "kind", NULL, N, "Teranode messages received, by kind." },
	{ "gossip", "msgs_out_*", "terap2p_gossip_messages_sent_total", C,
	    "kind", NULL, N, "Teranode messages sent, by kind." },
	{ "gossip", "drops_*", "terap2p_gossip_messages_dropped_total", C,
	    "reason", NULL, N, "Teranode messages dropped, by reason." },
	{ "gossip", "handshake_refused",
	    "terap2p_gossip_handshakes_refused_total", C, NULL, NULL, N,
	    "Teranode handshakes refused (another network or version)." },
	{ "gossip", "registry_peers", "terap2p_gossip_registry_peers", G, NULL,
	    NULL, N, "Peers in the peer registry." },
	{ "gossip", "sync_triggers", "terap2p_gossip_sync_triggers_total", C,
	    NULL, NULL, N, "Sync triggers sent to Kafka." },
	{ "gossip", "best_height", "terap2p_gossip_best_height", G, NULL, NULL,
	    N, "Our best block height." },
	{ "gossip", "pubsub_rpc_in", "terap2p_pubsub_rpcs_total", C,
	    "direction", "in", N, "gossipsub RPCs." },
	{ "gossip", "pubsub_rpc_out", "terap2p_pubsub_rpcs_total", C,
	    "direction", "out", N, "gossipsub RPCs." },
	{ "gossip", "pubsub_msg_*", "terap2p_pubsub_messages_total", C, "event",
	    NULL, N, "gossipsub messages, by what happened to them." },
	{ "gossip", "pubsub_send_failed", "terap2p_pubsub_send_failures_total",
	    C, NULL, NULL, N, "gossipsub RPCs that could not be sent." },
	{ "gossip", "pubsub_peers", "terap2p_pubsub_peers", G, NULL, NULL, N,
	    "Peers speaking gossipsub." },
	/* kafka */
	{ "kafka", "kafka_queue_depth", "terap2p_kafka_queue_depth", G, NULL,
	    NULL, N, "Messages waiting to be produced to Kafka." },
	{ "kafka", "kafka_inflight", "terap2p_kafka_inflight", G, NULL, NULL, N,
	    "Consumed Kafka messages being handled." },
	{ "kafka", "kafka_enqueued", "terap2p_kafka_produce_enqueued_total", C,
	    NULL, NULL, N, "Messages queued for Kafka." },
	{ "kafka", "kafka_delivered", "terap2p_kafka_produce_delivered_total", C,
	    NULL, NULL, N, "Messages Kafka acknowledged." },
	{ "kafka", "kafka_delivery_failures",
	    "terap2p_kafka_produce_failures_total", C, NULL, NULL, N,
	    "Messages Kafka did not take." },
	{ "kafka", "kafka_dropped", "terap2p_kafka_produce_dropped_total", C,
	    NULL, NULL, N, "Messages dropped before Kafka (queue full)." },
	{ "kafka", "kafka_invalid_events",
	    "terap2p_kafka_produce_invalid_events_total", C, NULL, NULL, N,
	    "Gossip events that could not become Kafka messages." },
	{ "kafka", "kafka_*", "terap2p_kafka_consumer_messages_total", C,
	    "outcome", NULL, N, "Consumed Kafka messages, by outcome." },
	{ "kafka", "peer_map_blocks", "terap2p_kafka_peer_map_entries", G,
	    "map", "blocks", N, "Hash-to-peer attribution entries." },
	{ "kafka", "peer_map_subtrees", "terap2p_kafka_peer_map_entries", G,
	    "map", "subtrees", N, "Hash-to-peer attribution entries." },
	{ "kafka", "peer_map_evicted", "terap2p_kafka_peer_map_removed_total",
	    C, "reason", "evicted", N, "Attribution entries removed." },
	{ "kafka", "peer_map_expired", "terap2p_kafka_peer_map_removed_total",
	    C, "reason", "expired", N, "Attribution entries removed." },
	/* kafka: the client of Teranode's blockchain and block-assembly services */
	{ "kafka", "chain_up", "terap2p_chain_subscribed", G, NULL, NULL, N,
	    "1 while subscribed to the blockchain service's notifications." },
	{ "kafka", "chain_height", "terap2p_chain_best_height", G, NULL, NULL, N,
	    "The local node's best height (-1: not known yet)." },
	{ "kafka", "chain_*", "terap2p_chain_events_total", C, "event", NULL, N,
	    "Blockchain service notifications, announcements, drops, failures." },
	/* bans */
	{ "bans", "ban_entries", "terap2p_bans_entries", G, NULL, NULL, N,
	    "IP and subnet ban entries." },
	{ "bans", "peers_scored", "terap2p_bans_peers_scored", G, NULL, NULL, N,
	    "Peers with a ban score." },
	{ "bans", "bans", "terap2p_bans_added_total", C, NULL, NULL, N,
	    "Address bans added." },
	{ "bans", "unbans", "terap2p_bans_removed_total", C, NULL, NULL, N,
	    "Bans removed." },
	{ "bans", "expired", "terap2p_bans_expired_total", C, NULL, NULL, N,
	    "Bans that ran out." },
	{ "bans", "lookups", "terap2p_bans_lookups_total", C, NULL, NULL, N,
	    "Ban lookups." },
	{ "bans", "lookup_hits", "terap2p_bans_lookup_hits_total", C, NULL,
	    NULL, N, "Ban lookups that matched a ban." },
	{ "bans", "score_adds", "terap2p_bans_score_adds_total", C, NULL, NULL,
	    N, "Ban score increments." },
	{ "bans", "peer_bans", "terap2p_bans_peer_bans_total", C, NULL, NULL, N,
	    "Peers banned for their score or by request." },
	{ "bans", "refused_full", "terap2p_bans_refused_total", C, "reason",
	    "full", N, "Ban requests refused." },
	{ "bans", "refused_store_down", "terap2p_bans_refused_total", C,
	    "reason", "store_down", N, "Ban requests refused." },
	{ "bans", "invalid_requests", "terap2p_bans_refused_total", C, "reason",
	    "invalid", N, "Ban requests refused." },
	{ "bans", "reloads", "terap2p_bans_reloads_total", C, NULL, NULL, N,
	    "Reloads of the ban list from the store." },
	{ "bans", "notifications", "terap2p_bans_store_notifications_total", C,
	    NULL, NULL, N, "Change notifications from the store." },
	{ "bans", "events", "terap2p_bans_events_published_total", C, NULL,
	    NULL, N, "Ban and unban events published." },
	{ "bans", "store_up", "terap2p_bans_store_up", G, NULL, NULL, N,
	    "1 while the ban store is reachable." },
	{ "bans", "store_errors", "terap2p_bans_store_errors_total", C, NULL,
	    NULL, N, "Ban store errors." },
	{ "bans", "store_reconnects", "terap2p_bans_store_reconnects_total", C,
	    NULL, NULL, N, "Ban store reconnections." },
	/* api */
	{ "api", "http_requests", "terap2p_http_requests_total", C, NULL, NULL,
	    N, "HTTP requests read." },
	{ "api", "http_1xx", "terap2p_http_responses_total", C, "class", "1xx",
	    N, "HTTP responses, by status class." },
	{ "api", "http_2xx", "terap2p_http_responses_total", C, "class", "2xx",
	    N, "HTTP responses, by status class." },
	{ "api", "http_3xx", "terap2p_http_responses_total", C, "class", "3xx",
	    N, "HTTP responses, by status class." },
	{ "api", "http_4xx", "terap2p_http_responses_total", C, "class", "4xx",
	    N, "HTTP responses, by status class." },
	{ "api", "http_5xx", "terap2p_http_responses_total", C, "class", "5xx",
	    N, "HTTP responses, by status class." },
	{ "api", "http_auth_refused", "terap2p_http_auth_refused_total", C,
	    NULL, NULL, N, "Requests refused for a missing or wrong api key." },
	{ "api", "http_connections", "terap2p_http_connections", G, NULL, NULL,
	    N, "Open HTTP connections." },
	{ "api", "http_connections_total",
	    "terap2p_http_connections_accepted_total", C, NULL, NULL, N,
	    "HTTP connections accepted." },
	{ "api", "http_connections_refused",
	    "terap2p_http_connections_refused_total", C, "reason", "limit", N,
	    "HTTP connections closed at accept." },
	{ "api", "http_connections_refused_ip",
	    "terap2p_http_connections_refused_total", C, "reason", "per_ip", N,
	    "HTTP connections closed at accept." },
	{ "api", "http_connections_evicted",
	    "terap2p_http_connections_evicted_total", C, NULL, NULL, N,
	    "Idle or slow HTTP connections closed to make room." },
	{ "api", "http_requests_timed_out",
	    "terap2p_http_requests_timed_out_total", C, NULL, NULL, N,
	    "Requests not received whole within api_request_timeout." },
	{ "api", "ipc_errors_http", "terap2p_http_ipc_errors_total", C, NULL,
	    NULL, N, "IPC calls for HTTP requests that failed." },
	{ "api", "ws_clients", "terap2p_ws_clients", G, NULL, NULL, N,
	    "Connected /p2p-ws clients." },
	{ "api", "ws_clients_total", "terap2p_ws_clients_accepted_total", C,
	    NULL, NULL, N, "/p2p-ws clients accepted." },
	{ "api", "ws_dropped_*", "terap2p_ws_clients_dropped_total", C,
	    "reason", NULL, N, "/p2p-ws clients dropped, by reason." },
	{ "api", "ws_refused", "terap2p_ws_clients_refused_total", C, NULL,
	    NULL, N, "/p2p-ws upgrades refused (every slot taken)." },
	{ "api", "ws_messages_sent", "terap2p_ws_messages_sent_total", C, NULL,
	    NULL, N, "/p2p-ws frames sent." },
	{ "api", "ws_events", "terap2p_ws_events_total", C, NULL, NULL, N,
	    "Notifications fanned out to /p2p-ws clients." },
};

#undef C
#undef G
#undef N

/* One sample, before samples are grouped by family. */
struct api_sample {
	char		 family[160];
	char		 labels[200];
	enum api_mt	 type;
	const char	*help;
	double		 value;
	size_t		 order;		/* first seen, to keep families stable */
};

struct api_samples {
	struct api_sample	*v;
	size_t			 n, cap;
};

static void
api_metrics_text(struct api_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
api_metrics_text(struct api_text *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n + 256;
		t->s = xrealloc(t->s, t->cap);
	}
	t->len += (size_t)n;
}

/* A label value as the text format wants it: \, " and newline escaped. */
static void
api_metrics_label(char *out, size_t outlen, const char *k, const char *v)
{
	size_t	o;

	o = (size_t)snprintf(out, outlen, "%s=\"", k);
	for (; *v != '\0' && o + 3 < outlen; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			out[o++] = '\\';
		out[o++] = *v == '\n' ? 'n' : *v;
	}
	snprintf(out + (o < outlen ? o : outlen - 1), outlen - (o < outlen ?
	    o : outlen - 1), "\"");
}

static struct api_sample *
api_metrics_add(struct api_samples *s, const char *family, enum api_mt type,
    const char *help, double value)
{
	struct api_sample	*x;

	if (s->n == s->cap) {
		s->cap = s->cap * 2 + 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	x = &s->v[s->n];
	memset(x, 0, sizeof(*x));
	snprintf(x->family, sizeof(x->family), "%s", family);
	x->type = type;
	x->help = help;
	x->value = value;
	x->order = s->n++;
	return x;
}

static const struct api_metric_def *
api_metrics_def(const char *role, const char *stat, const char **rest)
{
	const struct api_metric_def	*d;
	size_t				 n;

	for (size_t i = 0; i < TP_ARRAY_LEN(api_metric_defs); i++) {
		d = &api_metric_defs[i];
		if (d->role != NULL && strcmp(d->role, role) != 0)
			continue;
		n = strlen(d->stat);
		if (d->stat[n - 1] == '*' ? strncmp(d->stat, stat, n - 1) == 0 &&
		    stat[n - 1] != '\0' : strcmp(d->stat, stat) == 0) {
			*rest = d->stat[n - 1] == '*' ? stat + n - 1 : NULL;
			return d;
		}
	}
	return NULL;
}

/*
 * A statistic not in the catalogue yet: a gauge (a counter if its name
 * ends in _total), in base units if its name ends in _ms or _kib.
 */
static void
api_metrics_unknown(struct api_samples *s, const char *role, const char *stat,
    int64_t value)
{
	char	name[160], base[128];
	size_t	n = strlen(stat);
	double	v = (double)value;

	snprintf(base, sizeof(base), "%s", stat);
	if (n > 3 && n < sizeof(base) && strcmp(stat + n - 3, "_ms") == 0) {
		snprintf(base + n - 3, sizeof(base) - (n - 3), "_seconds");
		v /= 1000.0;
	} else if (n > 4 && n < sizeof(base) &&
	    strcmp(stat + n - 4, "_kib") == 0) {
		snprintf(base + n - 4, sizeof(base) - (n - 4), "_bytes");
		v *= 1024.0;
	}
	api_json_metric_name(role, base, name, sizeof(name));
	api_metrics_add(s, name, n > 6 && strcmp(stat + n - 6, "_total") == 0 ?
	    API_MT_COUNTER : API_MT_GAUGE, "A worker statistic not described "
	    "yet.", v);
}

/* One worker statistic as a sample of its family. */
static void
api_metrics_stat(struct api_samples *s, const char *role, const char *stat,
    int64_t value)
{
	const struct api_metric_def	*d;
	struct api_sample		*x;
	const char			*rest = NULL;
	char				 l1[100], l2[100];

	if ((d = api_metrics_def(role, stat, &rest)) == NULL) {
		api_metrics_unknown(s, role, stat, value);
		return;
	}
	x = api_metrics_add(s, d->family, d->type, d->help, d->unit ==
	    API_U_MS ? (double)value / 1000.0 : d->unit == API_U_KIB ?
	    (double)value * 1024.0 : (double)value);
	l1[0] = l2[0] = '\0';
	if (d->role == NULL)
		api_metrics_label(l1, sizeof(l1), "role", role);
	if (d->label != NULL)
		api_metrics_label(l2, sizeof(l2), d->label, d->value != NULL ?
		    d->value : rest);
	snprintf(x->labels, sizeof(x->labels), "%s%s%s", l1, l1[0] != '\0' &&
	    l2[0] != '\0' ? "," : "", l2);
}

static void
api_metrics_sup(struct api_samples *s, const Tp__SupStatusRep *sup)
{
	struct api_sample	*x;

	api_metrics_add(s, "terap2p_up", API_MT_GAUGE,
	    "1 while the supervisor answers.", sup != NULL);
	x = api_metrics_add(s, "terap2p_build_info", API_MT_GAUGE,
	    "Always 1; the version is a label.", 1);
	api_metrics_label(x->labels, sizeof(x->labels), "version", sup !=
	    NULL ? sup->version : TP_VERSION);
	for (size_t i = 0; sup != NULL && i < sup->n_workers; i++) {
		x = api_metrics_add(s, "terap2p_worker_ready", API_MT_GAUGE,
		    "1 while a worker is ready.", sup->workers[i]->ready);
		api_metrics_label(x->labels, sizeof(x->labels), "role",
		    sup->workers[i]->role);
		x = api_metrics_add(s, "terap2p_worker_restarts_total",
		    API_MT_COUNTER, "Restarts of a worker.",
		    sup->workers[i]->restarts);
		api_metrics_label(x->labels, sizeof(x->labels), "role",
		    sup->workers[i]->role);
	}
}

/* Families in the order first seen; samples of one family together. */
static int
api_metrics_cmp(const void *a, const void *b)
{
	const struct api_sample	*x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

static void
api_metrics_write(struct api_text *t, struct api_samples *s)
{
	size_t	i, j, k;

	/* give every sample its family's first position, then sort */
	for (i = 0; i < s->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(s->v[j].family, s->v[i].family) == 0) {
				s->v[i].order = s->v[j].order * 1000000 + i;
				break;
			}
	for (i = 0; i < s->n; i++)
		if (s->v[i].order < 1000000)
			s->v[i].order *= 1000000;
	qsort(s->v, s->n, sizeof(*s->v), api_metrics_cmp);
	for (i = 0; i < s->n; i = k) {
		api_metrics_text(t, "# HELP %s %s\n# TYPE %s %s\n",
		    s->v[i].family, s->v[i].help, s->v[i].family,
		    s->v[i].type == API_MT_COUNTER ? "counter" : "gauge");
		for (k = i; k < s->n && strcmp(s->v[k].family,
		    s->v[i].family) == 0; k++)
			api_metrics_text(t, "%s%s%s%s %.15g\n", s->v[k].family,
			    s->v[k].labels[0] != '\0' ? "{" : "",
			    s->v[k].labels, s->v[k].labels[0] != '\0' ? "}" :
			    "", s->v[k].value);
	}
}

void
api_metrics_render(struct api_text *t, const Tp__SupStatusRep *sup,
    const Tp__StatsRep *const *stats, const char *const *roles, size_t n,
    const Tp__KafkaStatusRep *kafka)
{
	struct api_samples	s = { NULL, 0, 0 };

	api_metrics_sup(&s, sup);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; stats[i] != NULL && j < stats[i]->n_stats; j++)
			api_metrics_stat(&s, roles[i], stats[i]->stats[j]->name,
			    stats[i]->stats[j]->value);
	if (kafka != NULL)
		api_metrics_add(&s, "terap2p_kafka_connected", API_MT_GAUGE,
		    "1 while a Kafka broker answers.", kafka->connected);
	api_metrics_write(t, &s);
	free(s.v);
}
