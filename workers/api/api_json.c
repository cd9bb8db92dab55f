/*
 * API worker: JSON in and out, as pure functions over cJSON.  Request bodies
 * are checked strictly against a field list (unknown fields, wrong types and
 * missing fields are a 400 naming the field); replies of the other workers
 * (protobuf) become the REST API's snake_case JSON and the /p2p-ws
 * notifications of Teranode's dashboard (services/p2p's /p2p-ws handler);
 * the announce bodies become Teranode's gossip message JSON (the go-p2p
 * message structs, keys in Go's declaration order).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "tp.h"
#include "util.h"

static const char *
api_json_type_name(int type)
{
	switch (type) {
	case cJSON_String:	return "a string";
	case cJSON_Number:	return "a number";
	case cJSON_True | cJSON_False:	return "a boolean";
	case cJSON_Object:	return "an object";
	case cJSON_String | cJSON_Number:	return "a string or a number";
	case cJSON_Array:	return "an array";
	default:		return "of another type";
	}
}

static const struct api_field *
api_json_field(const struct api_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

static int
api_json_check(const cJSON *obj, const struct api_field *fields,
    size_t nfields, char *err, size_t errlen)
{
	const struct api_field	*f;
	const cJSON		*c, *d;

	for (c = obj->child; c != NULL; c = c->next) {
		if (c->string == NULL || (f = api_json_field(fields, nfields,
		    c->string)) == NULL) {
			snprintf(err, errlen, "unknown field \"%.64s\"",
			    c->string != NULL ? c->string : "");
			return -1;
		}
		for (d = obj->child; d != c; d = d->next)
			if (strcmp(d->string, c->string) == 0) {
				snprintf(err, errlen, "field \"%s\" is repeated",
				    f->name);
				return -1;
			}
		if ((c->type & 0xff & f->type) == 0) {
			snprintf(err, errlen, "field \"%s\" must be %s", f->name,
			    api_json_type_name(f->type));
			return -1;
		}
		if (cJSON_IsString(c) && strlen(c->valuestring) > 1024) {
			snprintf(err, errlen, "field \"%s\" is too long",
			    f->name);
			return -1;
		}
	}
	for (size_t i = 0; i < nfields; i++)
		if (fields[i].required &&
		    cJSON_GetObjectItemCaseSensitive(obj, fields[i].name) == NULL) {
			snprintf(err, errlen, "field \"%s\" is required",
			    fields[i].name);
			return -1;
		}
	return 0;
}

/*
 * Offset of the first \u0000 escape inside a JSON string of b[0..len), or
 * -1: cJSON would end the string there and hide the rest from our checks.
 */
static long
api_json_nul_escape(const char *b, size_t len)
{
	int	in_str = 0;

	for (size_t i = 0; i < len; i++) {
		if (b[i] == '"')
			in_str = !in_str;
		else if (in_str && b[i] == '\\' && i + 1 < len) {
			if (b[i + 1] == 'u' && i + 5 < len &&
			    memcmp(b + i + 2, "0000", 4) == 0)
				return (long)i;
			i++;		/* skip the escaped character */
		}
	}
	return -1;
}

/* Parse exactly one JSON value filling b[0..len) (whitespace around it). */
static cJSON *
api_json_parse_whole(const char *b, size_t len, char *err, size_t errlen)
{
	const char	*end = NULL;
	cJSON		*v;
	size_t		 bad;
	long		 nul;

	if (memchr(b, '\0', len) != NULL) {
		snprintf(err, errlen, "the body holds a NUL byte");
		return NULL;
	}
	if (util_utf8_check(b, len, &bad) == -1) {
		snprintf(err, errlen, "the body is not valid UTF-8 (byte %zu)",
		    bad);
		return NULL;
	}
	if ((nul = api_json_nul_escape(b, len)) >= 0) {
		snprintf(err, errlen, "\\u0000 is not accepted in a string "
		    "(byte %ld)", nul);
		return NULL;
	}
	if ((v = cJSON_ParseWithLengthOpts(b, len, &end, 0)) == NULL) {
		snprintf(err, errlen, "the body is not valid JSON");
		return NULL;
	}
	while (end < b + len && strchr(" \t\r\n", *end) != NULL)
		end++;
	if (end < b + len) {
		snprintf(err, errlen, "trailing bytes after the JSON value "
		    "(byte %zu): send exactly one JSON object",
		    (size_t)(end - b));
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

cJSON *
api_json_body(const char *body, size_t len, const struct api_field *fields,
    size_t nfields, char *err, size_t errlen)
{
	cJSON	*obj;

	if (len == 0) {
		snprintf(err, errlen, "a JSON object body is required");
		return NULL;
	}
	if ((obj = api_json_parse_whole(body, len, err, errlen)) == NULL)
		return NULL;
	if (!cJSON_IsObject(obj)) {
		snprintf(err, errlen, "the body must be a JSON object");
		cJSON_Delete(obj);
		return NULL;
	}
	if (api_json_check(obj, fields, nfields, err, errlen) == -1) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

const char *
api_json_str(const cJSON *obj, const char *name)
{
	const cJSON	*c = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(c) ? c->valuestring : "";
}

/* A JSON number that is a whole number in [lo, hi]. */
static int
api_json_whole(const cJSON *c, double lo, double hi, int64_t *out)
{
	double	v;

	if (!cJSON_IsNumber(c))
		return -1;
	v = c->valuedouble;
	if (!isfinite(v) || v != floor(v) || v < lo || v > hi)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int
api_json_ban_until(const cJSON *obj, int64_t now, int64_t *until, char *err,
    size_t errlen)
{
	const cJSON	*u = cJSON_GetObjectItemCaseSensitive(obj, "until");
	const cJSON	*d = cJSON_GetObjectItemCaseSensitive(obj, "duration");
	uint64_t	 ms;
	int64_t		 secs;

	*until = 0;
	if (u != NULL && d != NULL) {
		snprintf(err, errlen, "field \"until\": give until or duration, "
		    "not both");
		return -1;
	}
	if (u != NULL) {
		if (api_json_whole(u, (double)now + 1, 253402300799.0,
		    until) == -1) {
			snprintf(err, errlen, "field \"until\" must be a whole "
			    "unix time in seconds, in the future");
			return -1;
		}
		return 0;
	}
	if (d == NULL)
		return 0;
	if (cJSON_IsString(d)) {
		if (util_duration_parse(d->valuestring, &ms) == -1 ||
		    ms < 1000 || ms > 100ull * 366 * 86400 * 1000) {
			snprintf(err, errlen, "field \"duration\" must be a "
			    "duration such as \"24h\" or \"90m\", 1 s to 100 years");
			return -1;
		}
		*until = now + (int64_t)(ms / 1000);
		return 0;
	}
	if (api_json_whole(d, 1, 100.0 * 366 * 86400, &secs) == -1) {
		snprintf(err, errlen, "field \"duration\" must be whole seconds "
		    "(1 s to 100 years) or a string such as \"24h\"");
		return -1;
	}
	*until = now + secs;
	return 0;
}

void
api_json_time(uint64_t ms, char out[32])
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
api_json_add_until(cJSON *o, int64_t until)
{
	char	ts[32];

	cJSON_AddNumberToObject(o, "until_unix", (double)until);
	if (until > 0) {
		api_json_time((uint64_t)until * 1000, ts);
		cJSON_AddStringToObject(o, "until", ts);
	}
}

/*
 * A string from another worker as valid UTF-8: each invalid byte becomes
 * U+FFFD, so a reply is valid JSON whatever a store holds.
 */
static cJSON *
api_json_text(const char *s)
{
	size_t	 n = strlen(s), bad, o = 0;
	char	*fixed;
	cJSON	*v;

	if (util_utf8_check(s, n, &bad) == 0)
		return cJSON_CreateString(s);
	fixed = xmalloc(3 * n + 1);
	while (n > 0) {
		if (util_utf8_check(s, n, &bad) == 0)
			bad = n;
		memcpy(fixed + o, s, bad);
		o += bad;
		if (bad == n)
			break;
		memcpy(fixed + o, "\xef\xbf\xbd", 3);
		o += 3;
		s += bad + 1;
		n -= bad + 1;
	}
	fixed[o] = '\0';
	v = cJSON_CreateString(fixed);
	free(fixed);
	return v;
}

cJSON *
api_json_ban_entry(const Tp__BanEntry *e)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "key", e->key);
	cJSON_AddStringToObject(o, "kind", e->peer_id[0] != '\0' ? "peer" :
	    "address");
	if (e->subnet[0] != '\0')
		cJSON_AddStringToObject(o, "subnet", e->subnet);
	if (e->peer_id[0] != '\0')
		cJSON_AddStringToObject(o, "peer_id", e->peer_id);
	api_json_add_until(o, e->until_unix);
	cJSON_AddItemToObject(o, "reason", api_json_text(e->reason));
	return o;
}

cJSON *
api_json_score(const Tp__BanScoreRep *s)
{
	cJSON	*o = cJSON_CreateObject(), *r;

	cJSON_AddStringToObject(o, "peer_id", s->peer_id);
	cJSON_AddNumberToObject(o, "score", s->score);
	cJSON_AddBoolToObject(o, "banned", s->banned);
	api_json_add_until(o, s->banned ? s->until_unix : 0);
	r = cJSON_AddArrayToObject(o, "reasons");
	for (size_t i = 0; i < s->n_reasons; i++)
		cJSON_AddItemToArray(r, api_json_text(s->reasons[i]));
	return o;
}

cJSON *
api_json_peer(const Tp__PeerInfo *p)
{
	cJSON	*o = cJSON_CreateObject();
	cJSON	*a = cJSON_AddArrayToObject(o, "addresses");

	cJSON_AddStringToObject(o, "id", p->peer_id);
	for (size_t i = 0; i < p->n_addrs; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(p->addrs[i]));
	cJSON_AddStringToObject(o, "user_agent", p->user_agent);
	cJSON_AddStringToObject(o, "client_name", p->client_name);
	cJSON_AddNumberToObject(o, "height", p->height);
	cJSON_AddStringToObject(o, "best_hash", p->best_hash);
	cJSON_AddStringToObject(o, "data_hub_url", p->data_hub_url);
	cJSON_AddBoolToObject(o, "healthy", p->healthy);
	cJSON_AddNumberToObject(o, "ban_score", p->ban_score);
	cJSON_AddNumberToObject(o, "connected_since_unix_ms",
	    (double)p->connected_since_unix_ms);
	cJSON_AddBoolToObject(o, "inbound", p->inbound);
	cJSON_AddNumberToObject(o, "bytes_in", (double)p->bytes_in);
	cJSON_AddNumberToObject(o, "bytes_out", (double)p->bytes_out);
	return o;
}

/* The fields every notification has: timestamp, type, best_height, ... */
static cJSON *
api_json_notif(const char *type, uint64_t now_ms)
{
	cJSON	*o = cJSON_CreateObject();
	char	 ts[32];

	api_json_time(now_ms, ts);
	cJSON_AddStringToObject(o, "timestamp", ts);
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* Teranode always sends best_height and block_assembly_details. */
static cJSON *
api_json_notif_end(cJSON *o)
{
	if (!cJSON_HasObjectItem(o, "best_height"))
		cJSON_AddNumberToObject(o, "best_height", 0);
	if (!cJSON_HasObjectItem(o, "block_assembly_details"))
		cJSON_AddNullToObject(o, "block_assembly_details");
	return o;
}

static void
api_json_opt_str(cJSON *o, const char *name, const char *v)
{
	if (v != NULL && *v != '\0')
		cJSON_AddStringToObject(o, name, v);
}

/* node_status keys copied from a remote message (the JSON tags of
 * NodeStatusMessage in Teranode's services/p2p/Server.go). */
static const char *const api_json_status_keys[] = {
	"base_url", "peer_id", "version", "commit_hash", "best_block_hash",
	"best_height", "block_assembly_details", "fsm_state", "start_time",
	"uptime", "client_name", "miner_name", "listen_mode", "chain_work",
	"sync_peer_id", "sync_peer_height", "sync_peer_block_hash",
	"sync_connected_at",
};

static cJSON *
api_json_node_status(const Tp__NodeStatusSeen *s, uint64_t now_ms)
{
	cJSON	*in, *o, *c;

	if ((in = cJSON_Parse(s->json)) == NULL || !cJSON_IsObject(in)) {
		cJSON_Delete(in);
		return NULL;
	}
	o = api_json_notif("node_status", now_ms);
	for (size_t i = 0; i < TP_ARRAY_LEN(api_json_status_keys); i++)
		if ((c = cJSON_GetObjectItem(in, api_json_status_keys[i])) !=
		    NULL)
			cJSON_AddItemToObject(o, api_json_status_keys[i],
			    cJSON_Duplicate(c, 1));
	if (!cJSON_HasObjectItem(o, "peer_id"))
		api_json_opt_str(o, "peer_id", s->peer_id);
	cJSON_Delete(in);
	return api_json_notif_end(o);
}

static cJSON *
api_json_ban_event(const char *type, const Tp__BanEvent *b, uint64_t now_ms)
{
	cJSON	*o = api_json_notif(type, now_ms);

	api_json_opt_str(o, "addr", b->addr);
	api_json_opt_str(o, "subnet", b->subnet);
	api_json_opt_str(o, "peer_id", b->peer_id);
	api_json_opt_str(o, "reason", b->reason);
	if (b->until_unix > 0)
		cJSON_AddNumberToObject(o, "until_unix", (double)b->until_unix);
	return api_json_notif_end(o);
}

cJSON *
api_json_notification(const ipc_env *ev, uint64_t now_ms)
{
	cJSON	*o;

	switch (ev->body_case) {
	case TP__ENVELOPE__BODY_BLOCK_SEEN:
		o = api_json_notif("block", now_ms);
		api_json_opt_str(o, "hash", ev->block_seen->hash);
		api_json_opt_str(o, "base_url", ev->block_seen->data_hub_url);
		api_json_opt_str(o, "peer_id", ev->block_seen->peer_id);
		if (ev->block_seen->height > 0)
			cJSON_AddNumberToObject(o, "height",
			    ev->block_seen->height);
		return api_json_notif_end(o);
	case TP__ENVELOPE__BODY_SUBTREE_SEEN:
		o = api_json_notif("subtree", now_ms);
		api_json_opt_str(o, "hash", ev->subtree_seen->hash);
		api_json_opt_str(o, "base_url", ev->subtree_seen->data_hub_url);
		api_json_opt_str(o, "peer_id", ev->subtree_seen->peer_id);
		return api_json_notif_end(o);
	case TP__ENVELOPE__BODY_NODE_STATUS_SEEN:
		return api_json_node_status(ev->node_status_seen, now_ms);
	case TP__ENVELOPE__BODY_BANNED:
		return api_json_ban_event("ban", ev->banned, now_ms);
	case TP__ENVELOPE__BODY_UNBANNED:
		return api_json_ban_event("unban", ev->unbanned, now_ms);
	default:
		return NULL;
	}
}

cJSON *
api_json_ping(uint64_t now_ms, const char *peer_id, const char *base_url)
{
	cJSON	*o = api_json_notif("PING", now_ms);

	cJSON_AddStringToObject(o, "base_url", base_url);
	cJSON_AddStringToObject(o, "peer_id", peer_id);
	return api_json_notif_end(o);
}

/* ---- announce bodies -> Teranode message JSON ---- */

enum api_ann_type { ANN_HASH, ANN_HEX, ANN_STR, ANN_U32, ANN_U64 };

struct api_ann_field {
	const char		*in;	/* body key */
	const char		*out;	/* Teranode key */
	enum api_ann_type	 type;
	int			 required;
};

#define ANN_END	{ NULL, NULL, ANN_STR, 0 }

static const struct api_ann_kind {
	const char		*kind;
	Tp__TopicKind		 topic;
	struct api_ann_field	 f[9];
} api_ann_kinds[] = {
	{ "block", TP__TOPIC_KIND__TOPIC_BLOCK, {
		{ "hash", "Hash", ANN_HASH, 1 },
		{ "height", "Height", ANN_U32, 1 },
		{ "data_hub_url", "DataHubURL", ANN_STR, 0 },
		{ "peer_id", "PeerID", ANN_STR, 0 },
		{ "header", "Header", ANN_HEX, 0 },
		{ "coinbase", "Coinbase", ANN_HEX, 0 }, ANN_END } },
	{ "subtree", TP__TOPIC_KIND__TOPIC_SUBTREE, {
		{ "hash", "Hash", ANN_HASH, 1 },
		{ "data_hub_url", "DataHubURL", ANN_STR, 0 },
		{ "peer_id", "PeerID", ANN_STR, 0 }, ANN_END } },
	{ "mining_on", TP__TOPIC_KIND__TOPIC_MINING_ON, {
		{ "hash", "Hash", ANN_HASH, 1 },
		{ "previous_hash", "PreviousHash", ANN_HASH, 0 },
		{ "data_hub_url", "DataHubURL", ANN_STR, 0 },
		{ "peer_id", "PeerID", ANN_STR, 0 },
		{ "height", "Height", ANN_U32, 1 },
		{ "miner", "Miner", ANN_STR, 0 },
		{ "size_in_bytes", "SizeInBytes", ANN_U64, 0 },
		{ "tx_count", "TxCount", ANN_U64, 0 }, ANN_END } },
	{ "rejected_tx", TP__TOPIC_KIND__TOPIC_REJECTED_TX, {
		{ "tx_id", "TxID", ANN_HASH, 1 },
		{ "reason", "Reason", ANN_STR, 1 },
		{ "peer_id", "PeerID", ANN_STR, 0 }, ANN_END } },
};

static int
api_json_hexok(const char *s, size_t want)
{
	size_t	n = strlen(s);

	return (want == 0 ? n % 2 == 0 : n == want) &&
	    strspn(s, "0123456789abcdefABCDEF") == n;
}

static int
api_json_ann_value(cJSON *out, const struct api_ann_field *f,
    const cJSON *c, char *err, size_t errlen)
{
	int64_t	v;

	switch (f->type) {
	case ANN_HASH:
	case ANN_HEX:
		if (!api_json_hexok(c->valuestring, f->type == ANN_HASH ? 64 :
		    0)) {
			snprintf(err, errlen, "field \"%s\" must be %s", f->in,
			    f->type == ANN_HASH ? "a 64-digit hex hash" :
			    "hex with an even number of digits");
			return -1;
		}
		/* FALLTHROUGH */
	case ANN_STR:
		cJSON_AddStringToObject(out, f->out, c->valuestring);
		return 0;
	case ANN_U32:
	case ANN_U64:
		if (api_json_whole(c, 0, f->type == ANN_U32 ? 4294967295.0 :
		    9007199254740991.0, &v) == -1) {
			snprintf(err, errlen, "field \"%s\" must be a whole "
			    "number >= 0%s", f->in, f->type == ANN_U32 ?
			    " below 2^32" : "");
			return -1;
		}
		cJSON_AddNumberToObject(out, f->out, (double)v);
		return 0;
	}
	return -1;
}

char *
api_json_announce(const char *kind, const char *body, size_t len,
    Tp__TopicKind *topic, char *err, size_t errlen)
{
	const struct api_ann_kind	*k = NULL;
	struct api_field		 fields[9] = { { NULL, 0, 0 } };
	cJSON				*in, *out, *c;
	size_t				 n;
	char				*s;

	for (size_t i = 0; i < TP_ARRAY_LEN(api_ann_kinds); i++)
		if (strcmp(api_ann_kinds[i].kind, kind) == 0)
			k = &api_ann_kinds[i];
	if (k == NULL) {
		snprintf(err, errlen, "unknown announcement kind \"%.32s\"",
		    kind);
		return NULL;
	}
	for (n = 0; k->f[n].in != NULL; n++) {
		fields[n].name = k->f[n].in;
		fields[n].type = k->f[n].type >= ANN_U32 ? cJSON_Number :
		    cJSON_String;
		fields[n].required = k->f[n].required;
	}
	if ((in = api_json_body(body, len, fields, n, err, errlen)) == NULL)
		return NULL;
	out = cJSON_CreateObject();
	for (size_t i = 0; i < n; i++) {
		if ((c = cJSON_GetObjectItemCaseSensitive(in, k->f[i].in)) ==
		    NULL)
			continue;
		if (api_json_ann_value(out, &k->f[i], c, err, errlen) == -1) {
			cJSON_Delete(in);
			cJSON_Delete(out);
			return NULL;
		}
	}
	*topic = k->topic;
	s = cJSON_PrintUnformatted(out);
	cJSON_Delete(in);
	cJSON_Delete(out);
	return s;
}

void
api_json_metric_name(const char *role, const char *stat, char *out,
    size_t outlen)
{
	size_t	o = 0;
	char	tmp[160];

	snprintf(tmp, sizeof(tmp), "terap2p_%s_%s", role, stat);
	for (size_t i = 0; tmp[i] != '\0' && o + 1 < outlen; i++) {
		char	c = tmp[i];

		out[o++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' ? c : '_';
	}
	out[o] = '\0';
}
