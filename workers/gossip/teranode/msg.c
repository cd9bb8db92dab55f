/*
 * Gossip worker: Teranode's gossip messages (the message structs of
 * go-p2p and Teranode's services/p2p/Server.go, with the caps of
 * services/p2p/gossip_field_validation.go); the field checks are in
 * msg_check.c.  Each message is described by a table of fields (key, Go type,
 * check, omitempty, place in the C struct); one decoder and one encoder walk
 * those tables, so the key names and order live in one place.  Decoding uses
 * cJSON and follows Go's encoding/json: keys match case-insensitively, the
 * last duplicate wins, unknown keys are skipped, null leaves a value alone
 * (or clears a pointer), a wrong JSON type fails the message.  The
 * encoder (msg_encode.c) builds the object with cJSON from values
 * formatted as Go formats them.
 * Pure: no I/O, no logging; called by the gossip worker's handlers, the
 * unit tests and the fuzz target.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "util.h"
#define TN_MSG_INTERNAL
#include "teranode/msg.h"

#define OE	1
#define F_STR(st, k, f, chk, oe) \
	{ k, T_STR, chk, oe, offsetof(st, f), sizeof(((st *)0)->f), 0 }
#define F_NUM(st, k, f, t, oe) \
	{ k, t, K_TEXT, oe, offsetof(st, f), sizeof(((st *)0)->f), 0 }
#define F_PAIR(st, k, t, has, f) \
	{ k, t, K_TEXT, OE, offsetof(st, has), 0, offsetof(st, f) }

#define BLK struct tn_msg_block
static const struct tmsg_field	block_fields[] = {
	F_STR(BLK, "PeerID", peer_id, K_PEER, 0),
	F_STR(BLK, "ClientName", client_name, K_CUT, 0),
	F_STR(BLK, "DataHubURL", data_hub_url, K_URL, 0),
	F_STR(BLK, "Hash", hash, K_HASH_REQ, 0),
	F_NUM(BLK, "Height", height, T_U32, 0),
	F_STR(BLK, "Header", header, K_HEX, 0),
	{ "Coinbase", T_STRP, K_TEXT, 0, offsetof(BLK, coinbase), 0, 0 },
};

#define SUB struct tn_msg_subtree
static const struct tmsg_field	subtree_fields[] = {
	F_STR(SUB, "PeerID", peer_id, K_PEER, 0),
	F_STR(SUB, "ClientName", client_name, K_CUT, 0),
	F_STR(SUB, "DataHubURL", data_hub_url, K_URL, 0),
	F_STR(SUB, "Hash", hash, K_HASH_REQ, 0),
};

#define REJ struct tn_msg_rejected_tx
static const struct tmsg_field	rejected_tx_fields[] = {
	F_STR(REJ, "PeerID", peer_id, K_PEER, 0),
	F_STR(REJ, "ClientName", client_name, K_CUT, 0),
	F_STR(REJ, "TxID", tx_id, K_HASH_REQ, 0),
	F_STR(REJ, "Reason", reason, K_CUT, 0),
};

#define MON struct tn_msg_mining_on
static const struct tmsg_field	mining_on_fields[] = {
	F_STR(MON, "Hash", hash, K_HASH_REQ, 0),
	F_STR(MON, "PreviousHash", previous_hash, K_HASH, 0),
	F_STR(MON, "DataHubURL", data_hub_url, K_URL, 0),
	F_STR(MON, "PeerID", peer_id, K_PEER, 0),
	F_NUM(MON, "Height", height, T_U32, 0),
	F_STR(MON, "Miner", miner, K_TEXT, 0),
	F_NUM(MON, "SizeInBytes", size_in_bytes, T_U64, 0),
	F_NUM(MON, "TxCount", tx_count, T_U64, 0),
};

#define BBM struct tn_msg_bestblock
static const struct tmsg_field	bestblock_fields[] = {
	F_STR(BBM, "PeerID", peer_id, K_PEER, 0),
};

#define HSM struct tn_msg_handshake
static const struct tmsg_field	handshake_fields[] = {
	F_STR(HSM, "type", type, K_HSTYPE, 0),
	F_STR(HSM, "peerID", peer_id, K_PEER, 0),
	F_NUM(HSM, "bestHeight", best_height, T_U32, 0),
	F_STR(HSM, "bestHash", best_hash, K_HASH, 0),
	F_STR(HSM, "dataHubURL", data_hub_url, K_URL, 0),
	F_STR(HSM, "userAgent", user_agent, K_TEXT, 0),
	F_NUM(HSM, "services", services, T_U64, 0),
	F_STR(HSM, "topicPrefix", topic_prefix, K_TEXT, 0),
};

#define BAS struct tn_msg_block_assembly
const struct tmsg_field	tn_msg_block_assembly_fields[] = {
	F_STR(BAS, "blockAssemblyState", block_assembly_state, K_TEXT, OE),
	F_STR(BAS, "subtreeProcessorState", subtree_processor_state, K_TEXT,
	    OE),
	F_NUM(BAS, "subtreeCount", subtree_count, T_U32, OE),
	F_NUM(BAS, "txCount", tx_count, T_U64, OE),
	F_NUM(BAS, "queueCount", queue_count, T_I64, OE),
	F_NUM(BAS, "currentHeight", current_height, T_U32, OE),
	F_STR(BAS, "currentHash", current_hash, K_HASH, OE),
	F_NUM(BAS, "removeMapCount", remove_map_count, T_U32, OE),
	F_PAIR(BAS, "subtrees", T_HASHES, subtrees, nsubtrees),
};
const size_t	tn_msg_block_assembly_nfields =
    sizeof(tn_msg_block_assembly_fields) /
    sizeof(tn_msg_block_assembly_fields[0]);

#define NST struct tn_msg_node_status
static const struct tmsg_field	node_status_fields[] = {
	F_STR(NST, "peer_id", peer_id, K_PEER, 0),
	F_STR(NST, "client_name", client_name, K_CUT, 0),
	F_STR(NST, "type", type, K_TEXT, 0),
	F_STR(NST, "base_url", base_url, K_URL, 0),
	F_STR(NST, "version", version, K_TEXT, 0),
	F_STR(NST, "commit_hash", commit_hash, K_TEXT, 0),
	F_STR(NST, "best_block_hash", best_block_hash, K_HASH, 0),
	F_NUM(NST, "best_height", best_height, T_U32, 0),
	F_NUM(NST, "tx_count", tx_count, T_U64, OE),
	F_NUM(NST, "subtree_count", subtree_count, T_U32, OE),
	F_PAIR(NST, "block_assembly_details", T_BA, has_block_assembly,
	    block_assembly),
	F_STR(NST, "fsm_state", fsm_state, K_TEXT, 0),
	F_NUM(NST, "start_time", start_time, T_I64, 0),
	F_NUM(NST, "uptime", uptime, T_F64, 0),
	F_STR(NST, "miner_name", miner_name, K_TEXT, 0),
	F_STR(NST, "listen_mode", listen_mode, K_TEXT, 0),
	F_STR(NST, "chain_work", chain_work, K_TEXT, 0),
	F_STR(NST, "sync_peer_id", sync_peer_id, K_PEER, OE),
	F_NUM(NST, "sync_peer_height", sync_peer_height, T_U32, OE),
	F_STR(NST, "sync_peer_block_hash", sync_peer_block_hash, K_HASH, OE),
	F_NUM(NST, "sync_connected_at", sync_connected_at, T_I64, OE),
	F_PAIR(NST, "min_mining_tx_fee", T_F64P, has_min_mining_tx_fee,
	    min_mining_tx_fee),
	F_NUM(NST, "connected_peers_count", connected_peers_count, T_I64, OE),
	F_STR(NST, "storage", storage, K_TEXT, OE),
};

#define NF(a)	(sizeof(a) / sizeof((a)[0]))

const struct tmsg_kind_desc tn_msg_kinds[TN_MSG_KIND_MAX + 1] = {
	[TN_MSG_BLOCK] = { "block", TN_MSG_CAP_BLOCK,
	    block_fields, NF(block_fields) },
	[TN_MSG_SUBTREE] = { "subtree", TN_MSG_CAP_SUBTREE,
	    subtree_fields, NF(subtree_fields) },
	[TN_MSG_MINING_ON] = { "mining_on", TN_MSG_CAP_OTHER,
	    mining_on_fields, NF(mining_on_fields) },
	[TN_MSG_REJECTED_TX] = { "rejected_tx",
	    TN_MSG_CAP_REJECTED_TX, rejected_tx_fields,
	    NF(rejected_tx_fields) },
	[TN_MSG_NODE_STATUS] = { "node_status",
	    TN_MSG_CAP_NODE_STATUS, node_status_fields,
	    NF(node_status_fields) },
	[TN_MSG_BESTBLOCK] = { "bestblock", TN_MSG_CAP_OTHER,
	    bestblock_fields, NF(bestblock_fields) },
	[TN_MSG_HANDSHAKE] = { "handshake", TN_MSG_CAP_OTHER,
	    handshake_fields, NF(handshake_fields) },
};

static const char *const errs[TN_MSG_ERR_MAX + 1] = {
	[TN_MSG_OK] = "ok",
	[TN_MSG_ETOOBIG] = "too_big",
	[TN_MSG_EJSON] = "bad_json",
	[TN_MSG_EENVELOPE] = "bad_envelope",
	[TN_MSG_ETYPE] = "bad_type",
	[TN_MSG_ERANGE] = "bad_number",
	[TN_MSG_EHASH] = "bad_hash",
	[TN_MSG_EHEADER] = "bad_header",
	[TN_MSG_EURL] = "bad_url",
	[TN_MSG_EPRIVATE] = "private_url",
	[TN_MSG_EPEERID] = "bad_peer_id",
	[TN_MSG_ETOOLONG] = "field_too_long",
	[TN_MSG_EHANDSHAKE] = "bad_handshake_type",
	[TN_MSG_EKIND] = "bad_kind",
	[TN_MSG_ENOMEM] = "no_memory",
};

/* The slack an envelope may add to its data: the name and the syntax. */
#define TMSG_ENVELOPE_SLACK	4096

const char *
tn_msg_strerror(int err)
{
	if (err < 0 || err > TN_MSG_ERR_MAX)
		return "unknown";
	return errs[err];
}

const char *
tn_msg_kind_name(enum tn_msg_kind kind)
{
	if (kind <= TN_MSG_NONE || kind > TN_MSG_KIND_MAX)
		return "none";
	return tn_msg_kinds[kind].name;
}

size_t
tn_msg_cap(enum tn_msg_kind kind)
{
	if (kind <= TN_MSG_NONE || kind > TN_MSG_KIND_MAX)
		return TN_MSG_CAP_OTHER;
	return tn_msg_kinds[kind].cap;
}

/* ---- decoding ------------------------------------------------------------ */

static const struct tmsg_field *
tmsg_find(const struct tmsg_field *tab, size_t n, const char *key)
{
	size_t	i;

	if (key == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strcasecmp(tab[i].key, key) == 0)
			return &tab[i];
	return NULL;
}

/* An integral JSON number in [lo, hi) (Go refuses fractions for ints). */
static int
tmsg_int(const cJSON *v, double lo, double hi, double *d)
{
	if (!cJSON_IsNumber(v))
		return TN_MSG_ETYPE;
	*d = v->valuedouble;
	if (!isfinite(*d) || *d < lo || *d >= hi)
		return TN_MSG_ERANGE;
	/* every double of magnitude 2^52 or more is integral */
	if (*d > -4503599627370496.0 && *d < 4503599627370496.0 &&
	    *d != (double)(int64_t)*d)
		return TN_MSG_ERANGE;
	return TN_MSG_OK;
}

static int
tmsg_put_str(const struct tmsg_field *f, const char *s, char *dst,
    unsigned flags)
{
	size_t	len = strlen(s);
	int	rc = TN_MSG_OK;

	switch (f->check) {
	case K_CUT:
		tn_msg_check_cut(s, dst, f->size);
		return TN_MSG_OK;
	case K_HASH:
	case K_HASH_REQ:
		rc = tn_msg_check_hash(s);
		break;
	case K_HEX:
		if (len > TN_MSG_HEADER_MAX ||
		    !tn_msg_check_is_hex(s))
			rc = TN_MSG_EHEADER;
		break;
	case K_URL:
		if (len > 0)
			rc = tn_msg_check_url(s, flags);
		break;
	case K_PEER:
		rc = tn_msg_check_peer(s);
		break;
	}
	if (rc == TN_MSG_OK && len >= f->size)
		rc = TN_MSG_ETOOLONG;
	if (rc == TN_MSG_OK)
		memcpy(dst, s, len + 1);
	return rc;
}

static void	tmsg_free_ba(struct tn_msg_block_assembly *ba);
static int	tmsg_decode_obj(const struct tmsg_field *tab, size_t n,
		    const cJSON *obj, void *base, unsigned flags);

static int
tmsg_get_hashes(const cJSON *v, char (**list)[TN_MSG_HASH_MAX + 1],
    size_t *count)
{
	const cJSON	*e;
	int		 n = cJSON_GetArraySize(v), i = 0;

	free(*list);
	*list = NULL;
	*count = 0;
	if (n > TN_MSG_SUBTREES_MAX)
		return TN_MSG_ETOOLONG;
	if (n == 0)
		return TN_MSG_OK;
	*list = xcalloc((size_t)n, sizeof(**list));
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return TN_MSG_ETYPE;
		if (tn_msg_check_hash(e->valuestring) != TN_MSG_OK)
			return TN_MSG_EHASH;
		strcpy((*list)[i++], e->valuestring);
		*count = (size_t)i;
	}
	return TN_MSG_OK;
}

/* One JSON value into its field; ownership of heap values stays in base. */
static int
tmsg_get(const struct tmsg_field *f, const cJSON *v, void *base,
    unsigned flags)
{
	char	*p = (char *)base + f->off, **sp, *fixed;
	double	 d;
	int	 rc;

	if (cJSON_IsNull(v)) {		/* Go: pointers and slices go nil */
		if (f->type == T_F64P)
			*(int *)p = 0;
		if (f->type == T_BA && *(int *)p) {
			tmsg_free_ba((void *)((char *)base + f->off2));
			*(int *)p = 0;
		}
		if (f->type == T_HASHES) {
			free(*(void **)p);
			*(void **)p = NULL;
			*(size_t *)((char *)base + f->off2) = 0;
		}
		return TN_MSG_OK;
	}
	switch (f->type) {
	case T_STR:
		if (!cJSON_IsString(v))
			return TN_MSG_ETYPE;
		/* hex, URLs and peer IDs refuse what free text repairs */
		fixed = f->check == K_TEXT || f->check == K_HSTYPE ?
		    tn_msg_check_fix_utf8(v->valuestring) : NULL;
		rc = tmsg_put_str(f, fixed != NULL ? fixed : v->valuestring,
		    p, flags);
		free(fixed);
		return rc;
	case T_STRP:
		if (!cJSON_IsString(v))
			return TN_MSG_ETYPE;
		sp = (char **)(void *)p;
		free(*sp);
		fixed = tn_msg_check_fix_utf8(v->valuestring);
		if (fixed == NULL && v->valuestring[0] != '\0')
			fixed = xstrdup(v->valuestring);
		*sp = fixed;
		return TN_MSG_OK;
	case T_U32:
		if ((rc = tmsg_int(v, 0, 4294967296.0, &d)) == 0)
			*(uint32_t *)(void *)p = (uint32_t)d;
		return rc;
	case T_U64:
		if ((rc = tmsg_int(v, 0, 18446744073709551616.0, &d)) == 0)
			*(uint64_t *)(void *)p = (uint64_t)d;
		return rc;
	case T_I64:
		if ((rc = tmsg_int(v, -9223372036854775808.0,
		    9223372036854775808.0, &d)) == 0)
			*(int64_t *)(void *)p = (int64_t)d;
		return rc;
	case T_F64:
	case T_F64P:
		if (!cJSON_IsNumber(v))
			return TN_MSG_ETYPE;
		if (f->type == T_F64P) {
			*(int *)p = 1;
			p = (char *)base + f->off2;
		}
		*(double *)(void *)p = v->valuedouble;
		return TN_MSG_OK;
	case T_BA:
		if (!cJSON_IsObject(v))
			return TN_MSG_ETYPE;
		*(int *)p = 1;
		return tmsg_decode_obj(tn_msg_block_assembly_fields,
		    tn_msg_block_assembly_nfields, v, (char *)base + f->off2,
		    flags);
	case T_HASHES:
		if (!cJSON_IsArray(v))
			return TN_MSG_ETYPE;
		return tmsg_get_hashes(v, (void *)p,
		    (size_t *)(void *)((char *)base + f->off2));
	}
	return TN_MSG_ETYPE;
}

/* Checks that need the whole message: required hashes, handshake type. */
static int
tmsg_required(const struct tmsg_field *tab, size_t n, const void *base)
{
	const char	*s;
	size_t		 i;

	for (i = 0; i < n; i++) {
		s = (const char *)base + tab[i].off;
		if (tab[i].check == K_HASH_REQ && *s == '\0')
			return TN_MSG_EHASH;
		if (tab[i].check == K_HSTYPE && strcmp(s, "version") != 0 &&
		    strcmp(s, "verack") != 0)
			return TN_MSG_EHANDSHAKE;
	}
	return TN_MSG_OK;
}

static int
tmsg_decode_obj(const struct tmsg_field *tab, size_t n, const cJSON *obj,
    void *base, unsigned flags)
{
	const struct tmsg_field	*f;
	const cJSON		*v;
	int			 rc;

	cJSON_ArrayForEach(v, obj) {
		if ((f = tmsg_find(tab, n, v->string)) == NULL)
			continue;
		if ((rc = tmsg_get(f, v, base, flags)) != TN_MSG_OK)
			return rc;
	}
	return tmsg_required(tab, n, base);
}

/* Parse exactly one JSON object from buf (whitespace may follow). */
static cJSON *
tmsg_parse(const uint8_t *buf, size_t len)
{
	const char	*end = NULL;
	const char	*last = (const char *)buf + len;
	cJSON		*root;

	if (len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts((const char *)buf, len, &end, 0);
	if (root == NULL)
		return NULL;
	for (; end != NULL && end < last; end++)
		if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')
			break;
	if (end == NULL || end != last || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int
tn_msg_decode(enum tn_msg_kind kind, const uint8_t *json,
    size_t len, unsigned flags, struct tn_msg *m)
{
	cJSON	*root;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if (kind <= TN_MSG_NONE || kind > TN_MSG_KIND_MAX)
		return TN_MSG_EKIND;
	if (len > tn_msg_kinds[kind].cap)
		return TN_MSG_ETOOBIG;
	if ((root = tmsg_parse(json, len)) == NULL)
		return TN_MSG_EJSON;
	m->kind = kind;
	rc = tmsg_decode_obj(tn_msg_kinds[kind].fields, tn_msg_kinds[kind].nfields, root,
	    &m->u, flags);
	cJSON_Delete(root);
	if (rc != TN_MSG_OK)
		tn_msg_fini(m);
	return rc;
}

static void
tmsg_free_ba(struct tn_msg_block_assembly *ba)
{
	free(ba->subtrees);
	memset(ba, 0, sizeof(*ba));
}

void
tn_msg_fini(struct tn_msg *m)
{
	if (m->kind == TN_MSG_BLOCK)
		free(m->u.block.coinbase);
	if (m->kind == TN_MSG_NODE_STATUS)
		tmsg_free_ba(&m->u.node_status.block_assembly);
	memset(m, 0, sizeof(*m));
}

/* ---- envelope ------------------------------------------------------------ */

int
tn_msg_envelope_decode(const uint8_t *buf, size_t len, size_t data_max,
    struct tn_msg_envelope *env)
{
	const cJSON	*v, *data = NULL;
	cJSON		*root;
	size_t		 n;
	int		 rc = TN_MSG_OK;

	memset(env, 0, sizeof(*env));
	if (len > util_b64_encoded_len(data_max) + TMSG_ENVELOPE_SLACK)
		return TN_MSG_ETOOBIG;
	if ((root = tmsg_parse(buf, len)) == NULL)
		return TN_MSG_EJSON;
	cJSON_ArrayForEach(v, root) {
		if (v->string == NULL || cJSON_IsNull(v))
			continue;
		if (strcasecmp(v->string, "name") == 0) {
			if (!cJSON_IsString(v)) {
				rc = TN_MSG_ETYPE;
				break;
			}
			tn_msg_check_cut(v->valuestring, env->name,
			    sizeof(env->name));
		} else if (strcasecmp(v->string, "data") == 0)
			data = v;
	}
	if (rc == TN_MSG_OK && (data == NULL || !cJSON_IsString(data)))
		rc = TN_MSG_EENVELOPE;
	if (rc == TN_MSG_OK) {
		n = strlen(data->valuestring);
		env->data = xmalloc(n / 4 * 3 + 3);
		if (util_b64_decode(data->valuestring, n, env->data,
		    n / 4 * 3 + 3, &env->len) != 0)
			rc = TN_MSG_EENVELOPE;
		else if (env->len > data_max)
			rc = TN_MSG_ETOOBIG;
	}
	cJSON_Delete(root);
	if (rc != TN_MSG_OK)
		tn_msg_envelope_fini(env);
	return rc;
}

void
tn_msg_envelope_fini(struct tn_msg_envelope *env)
{
	free(env->data);
	memset(env, 0, sizeof(*env));
}

int
tn_msg_open(enum tn_msg_kind kind, const uint8_t *buf, size_t len,
    unsigned flags, char env_name[TN_MSG_NAME_MAX + 1],
    struct tn_msg *m)
{
	struct tn_msg_envelope	env;
	int				rc;

	memset(m, 0, sizeof(*m));
	if (kind <= TN_MSG_NONE || kind > TN_MSG_KIND_MAX)
		return TN_MSG_EKIND;
	rc = tn_msg_envelope_decode(buf, len, tn_msg_kinds[kind].cap, &env);
	if (rc != TN_MSG_OK)
		return rc;
	rc = tn_msg_decode(kind, env.data, env.len, flags, m);
	if (rc == TN_MSG_OK && env_name != NULL)
		memcpy(env_name, env.name, sizeof(env.name));
	tn_msg_envelope_fini(&env);
	return rc;
}
