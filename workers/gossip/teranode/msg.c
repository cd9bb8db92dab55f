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
#define GOSSIP_TMSG_INTERNAL
#include "teranode/msg.h"

#define OE	1
#define F_STR(st, k, f, chk, oe) \
	{ k, T_STR, chk, oe, offsetof(st, f), sizeof(((st *)0)->f), 0 }
#define F_NUM(st, k, f, t, oe) \
	{ k, t, K_TEXT, oe, offsetof(st, f), sizeof(((st *)0)->f), 0 }
#define F_PAIR(st, k, t, has, f) \
	{ k, t, K_TEXT, OE, offsetof(st, has), 0, offsetof(st, f) }

#define BLK struct gossip_tmsg_block
static const struct tmsg_field	block_fields[] = {
	F_STR(BLK, "PeerID", peer_id, K_PEER, 0),
	F_STR(BLK, "ClientName", client_name, K_CUT, 0),
	F_STR(BLK, "DataHubURL", data_hub_url, K_URL, 0),
	F_STR(BLK, "Hash", hash, K_HASH_REQ, 0),
	F_NUM(BLK, "Height", height, T_U32, 0),
	F_STR(BLK, "Header", header, K_HEX, 0),
	{ "Coinbase", T_STRP, K_TEXT, 0, offsetof(BLK, coinbase), 0, 0 },
};

#define SUB struct gossip_tmsg_subtree
static const struct tmsg_field	subtree_fields[] = {
	F_STR(SUB, "PeerID", peer_id, K_PEER, 0),
	F_STR(SUB, "ClientName", client_name, K_CUT, 0),
	F_STR(SUB, "DataHubURL", data_hub_url, K_URL, 0),
	F_STR(SUB, "Hash", hash, K_HASH_REQ, 0),
};

#define REJ struct gossip_tmsg_rejected_tx
static const struct tmsg_field	rejected_tx_fields[] = {
	F_STR(REJ, "PeerID", peer_id, K_PEER, 0),
	F_STR(REJ, "ClientName", client_name, K_CUT, 0),
	F_STR(REJ, "TxID", tx_id, K_HASH_REQ, 0),
	F_STR(REJ, "Reason", reason, K_CUT, 0),
};

#define MON struct gossip_tmsg_mining_on
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

#define BBM struct gossip_tmsg_bestblock
static const struct tmsg_field	bestblock_fields[] = {
	F_STR(BBM, "PeerID", peer_id, K_PEER, 0),
};

#define HSM struct gossip_tmsg_handshake
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

#define BAS struct gossip_tmsg_block_assembly
const struct tmsg_field	gossip_tmsg_block_assembly_fields[] = {
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
const size_t	gossip_tmsg_block_assembly_nfields =
    sizeof(gossip_tmsg_block_assembly_fields) /
    sizeof(gossip_tmsg_block_assembly_fields[0]);

#define NST struct gossip_tmsg_node_status
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

const struct tmsg_kind_desc gossip_tmsg_kinds[GOSSIP_TMSG_KIND_MAX + 1] = {
	[GOSSIP_TMSG_BLOCK] = { "block", GOSSIP_TMSG_CAP_BLOCK,
	    block_fields, NF(block_fields) },
	[GOSSIP_TMSG_SUBTREE] = { "subtree", GOSSIP_TMSG_CAP_SUBTREE,
	    subtree_fields, NF(subtree_fields) },
	[GOSSIP_TMSG_MINING_ON] = { "mining_on", GOSSIP_TMSG_CAP_OTHER,
	    mining_on_fields, NF(mining_on_fields) },
	[GOSSIP_TMSG_REJECTED_TX] = { "rejected_tx",
	    GOSSIP_TMSG_CAP_REJECTED_TX, rejected_tx_fields,
	    NF(rejected_tx_fields) },
	[GOSSIP_TMSG_NODE_STATUS] = { "node_status",
	    GOSSIP_TMSG_CAP_NODE_STATUS, node_status_fields,
	    NF(node_status_fields) },
	[GOSSIP_TMSG_BESTBLOCK] = { "bestblock", GOSSIP_TMSG_CAP_OTHER,
	    bestblock_fields, NF(bestblock_fields) },
	[GOSSIP_TMSG_HANDSHAKE] = { "handshake", GOSSIP_TMSG_CAP_OTHER,
	    handshake_fields, NF(handshake_fields) },
};

static const char *const errs[GOSSIP_TMSG_ERR_MAX + 1] = {
	[GOSSIP_TMSG_OK] = "ok",
	[GOSSIP_TMSG_ETOOBIG] = "too_big",
	[GOSSIP_TMSG_EJSON] = "bad_json",
	[GOSSIP_TMSG_EENVELOPE] = "bad_envelope",
	[GOSSIP_TMSG_ETYPE] = "bad_type",
	[GOSSIP_TMSG_ERANGE] = "bad_number",
	[GOSSIP_TMSG_EHASH] = "bad_hash",
	[GOSSIP_TMSG_EHEADER] = "bad_header",
	[GOSSIP_TMSG_EURL] = "bad_url",
	[GOSSIP_TMSG_EPRIVATE] = "private_url",
	[GOSSIP_TMSG_EPEERID] = "bad_peer_id",
	[GOSSIP_TMSG_ETOOLONG] = "field_too_long",
	[GOSSIP_TMSG_EHANDSHAKE] = "bad_handshake_type",
	[GOSSIP_TMSG_EKIND] = "bad_kind",
	[GOSSIP_TMSG_ENOMEM] = "no_memory",
};

/* The slack an envelope may add to its data: the name and the syntax. */
#define TMSG_ENVELOPE_SLACK	4096

const char *
gossip_tmsg_strerror(int err)
{
	if (err < 0 || err > GOSSIP_TMSG_ERR_MAX)
		return "unknown";
	return errs[err];
}

const char *
gossip_tmsg_kind_name(enum gossip_tmsg_kind kind)
{
	if (kind <= GOSSIP_TMSG_NONE || kind > GOSSIP_TMSG_KIND_MAX)
		return "none";
	return gossip_tmsg_kinds[kind].name;
}

size_t
gossip_tmsg_cap(enum gossip_tmsg_kind kind)
{
	if (kind <= GOSSIP_TMSG_NONE || kind > GOSSIP_TMSG_KIND_MAX)
		return GOSSIP_TMSG_CAP_OTHER;
	return gossip_tmsg_kinds[kind].cap;
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
		return GOSSIP_TMSG_ETYPE;
	*d = v->valuedouble;
	if (!isfinite(*d) || *d < lo || *d >= hi)
		return GOSSIP_TMSG_ERANGE;
	/* every double of magnitude 2^52 or more is integral */
	if (*d > -4503599627370496.0 && *d < 4503599627370496.0 &&
	    *d != (double)(int64_t)*d)
		return GOSSIP_TMSG_ERANGE;
	return GOSSIP_TMSG_OK;
}

static int
tmsg_put_str(const struct tmsg_field *f, const char *s, char *dst,
    unsigned flags)
{
	size_t	len = strlen(s);
	int	rc = GOSSIP_TMSG_OK;

	switch (f->check) {
	case K_CUT:
		gossip_tmsg_check_cut(s, dst, f->size);
		return GOSSIP_TMSG_OK;
	case K_HASH:
	case K_HASH_REQ:
		rc = gossip_tmsg_check_hash(s);
		break;
	case K_HEX:
		if (len > GOSSIP_TMSG_HEADER_MAX ||
		    !gossip_tmsg_check_is_hex(s))
			rc = GOSSIP_TMSG_EHEADER;
		break;
	case K_URL:
		if (len > 0)
			rc = gossip_tmsg_check_url(s, flags);
		break;
	case K_PEER:
		rc = gossip_tmsg_check_peer(s);
		break;
	}
	if (rc == GOSSIP_TMSG_OK && len >= f->size)
		rc = GOSSIP_TMSG_ETOOLONG;
	if (rc == GOSSIP_TMSG_OK)
		memcpy(dst, s, len + 1);
	return rc;
}

static void	tmsg_free_ba(struct gossip_tmsg_block_assembly *ba);
static int	tmsg_decode_obj(const struct tmsg_field *tab, size_t n,
		    const cJSON *obj, void *base, unsigned flags);

static int
tmsg_get_hashes(const cJSON *v, char (**list)[GOSSIP_TMSG_HASH_MAX + 1],
    size_t *count)
{
	const cJSON	*e;
	int		 n = cJSON_GetArraySize(v), i = 0;

	free(*list);
	*list = NULL;
	*count = 0;
	if (n > GOSSIP_TMSG_SUBTREES_MAX)
		return GOSSIP_TMSG_ETOOLONG;
	if (n == 0)
		return GOSSIP_TMSG_OK;
	*list = xcalloc((size_t)n, sizeof(**list));
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return GOSSIP_TMSG_ETYPE;
		if (gossip_tmsg_check_hash(e->valuestring) != GOSSIP_TMSG_OK)
			return GOSSIP_TMSG_EHASH;
		strcpy((*list)[i++], e->valuestring);
		*count = (size_t)i;
	}
	return GOSSIP_TMSG_OK;
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
		return GOSSIP_TMSG_OK;
	}
	switch (f->type) {
	case T_STR:
		if (!cJSON_IsString(v))
			return GOSSIP_TMSG_ETYPE;
		/* hex, URLs and peer IDs refuse what free text repairs */
		fixed = f->check == K_TEXT || f->check == K_HSTYPE ?
		    gossip_tmsg_check_fix_utf8(v->valuestring) : NULL;
		rc = tmsg_put_str(f, fixed != NULL ? fixed : v->valuestring,
		    p, flags);
		free(fixed);
		return rc;
	case T_STRP:
		if (!cJSON_IsString(v))
			return GOSSIP_TMSG_ETYPE;
		sp = (char **)(void *)p;
		free(*sp);
		fixed = gossip_tmsg_check_fix_utf8(v->valuestring);
		if (fixed == NULL && v->valuestring[0] != '\0')
			fixed = xstrdup(v->valuestring);
		*sp = fixed;
		return GOSSIP_TMSG_OK;
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
			return GOSSIP_TMSG_ETYPE;
		if (f->type == T_F64P) {
			*(int *)p = 1;
			p = (char *)base + f->off2;
		}
		*(double *)(void *)p = v->valuedouble;
		return GOSSIP_TMSG_OK;
	case T_BA:
		if (!cJSON_IsObject(v))
			return GOSSIP_TMSG_ETYPE;
		*(int *)p = 1;
		return tmsg_decode_obj(gossip_tmsg_block_assembly_fields,
		    gossip_tmsg_block_assembly_nfields, v, (char *)base + f->off2,
		    flags);
	case T_HASHES:
		if (!cJSON_IsArray(v))
			return GOSSIP_TMSG_ETYPE;
		return tmsg_get_hashes(v, (void *)p,
		    (size_t *)(void *)((char *)base + f->off2));
	}
	return GOSSIP_TMSG_ETYPE;
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
			return GOSSIP_TMSG_EHASH;
		if (tab[i].check == K_HSTYPE && strcmp(s, "version") != 0 &&
		    strcmp(s, "verack") != 0)
			return GOSSIP_TMSG_EHANDSHAKE;
	}
	return GOSSIP_TMSG_OK;
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
		if ((rc = tmsg_get(f, v, base, flags)) != GOSSIP_TMSG_OK)
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
gossip_tmsg_decode(enum gossip_tmsg_kind kind, const uint8_t *json,
    size_t len, unsigned flags, struct gossip_tmsg *m)
{
	cJSON	*root;
	int	 rc;

	memset(m, 0, sizeof(*m));
	if (kind <= GOSSIP_TMSG_NONE || kind > GOSSIP_TMSG_KIND_MAX)
		return GOSSIP_TMSG_EKIND;
	if (len > gossip_tmsg_kinds[kind].cap)
		return GOSSIP_TMSG_ETOOBIG;
	if ((root = tmsg_parse(json, len)) == NULL)
		return GOSSIP_TMSG_EJSON;
	m->kind = kind;
	rc = tmsg_decode_obj(gossip_tmsg_kinds[kind].fields, gossip_tmsg_kinds[kind].nfields, root,
	    &m->u, flags);
	cJSON_Delete(root);
	if (rc != GOSSIP_TMSG_OK)
		gossip_tmsg_fini(m);
	return rc;
}

static void
tmsg_free_ba(struct gossip_tmsg_block_assembly *ba)
{
	free(ba->subtrees);
	memset(ba, 0, sizeof(*ba));
}

void
gossip_tmsg_fini(struct gossip_tmsg *m)
{
	if (m->kind == GOSSIP_TMSG_BLOCK)
		free(m->u.block.coinbase);
	if (m->kind == GOSSIP_TMSG_NODE_STATUS)
		tmsg_free_ba(&m->u.node_status.block_assembly);
	memset(m, 0, sizeof(*m));
}

/* ---- envelope ------------------------------------------------------------ */

int
gossip_tmsg_envelope_decode(const uint8_t *buf, size_t len, size_t data_max,
    struct gossip_tmsg_envelope *env)
{
	const cJSON	*v, *data = NULL;
	cJSON		*root;
	size_t		 n;
	int		 rc = GOSSIP_TMSG_OK;

	memset(env, 0, sizeof(*env));
	if (len > util_b64_encoded_len(data_max) + TMSG_ENVELOPE_SLACK)
		return GOSSIP_TMSG_ETOOBIG;
	if ((root = tmsg_parse(buf, len)) == NULL)
		return GOSSIP_TMSG_EJSON;
	cJSON_ArrayForEach(v, root) {
		if (v->string == NULL || cJSON_IsNull(v))
			continue;
		if (strcasecmp(v->string, "name") == 0) {
			if (!cJSON_IsString(v)) {
				rc = GOSSIP_TMSG_ETYPE;
				break;
			}
			gossip_tmsg_check_cut(v->valuestring, env->name,
			    sizeof(env->name));
		} else if (strcasecmp(v->string, "data") == 0)
			data = v;
	}
	if (rc == GOSSIP_TMSG_OK && (data == NULL || !cJSON_IsString(data)))
		rc = GOSSIP_TMSG_EENVELOPE;
	if (rc == GOSSIP_TMSG_OK) {
		n = strlen(data->valuestring);
		env->data = xmalloc(n / 4 * 3 + 3);
		if (util_b64_decode(data->valuestring, n, env->data,
		    n / 4 * 3 + 3, &env->len) != 0)
			rc = GOSSIP_TMSG_EENVELOPE;
		else if (env->len > data_max)
			rc = GOSSIP_TMSG_ETOOBIG;
	}
	cJSON_Delete(root);
	if (rc != GOSSIP_TMSG_OK)
		gossip_tmsg_envelope_fini(env);
	return rc;
}

void
gossip_tmsg_envelope_fini(struct gossip_tmsg_envelope *env)
{
	free(env->data);
	memset(env, 0, sizeof(*env));
}

int
gossip_tmsg_open(enum gossip_tmsg_kind kind, const uint8_t *buf, size_t len,
    unsigned flags, char env_name[GOSSIP_TMSG_NAME_MAX + 1],
    struct gossip_tmsg *m)
{
	struct gossip_tmsg_envelope	env;
	int				rc;

	memset(m, 0, sizeof(*m));
	if (kind <= GOSSIP_TMSG_NONE || kind > GOSSIP_TMSG_KIND_MAX)
		return GOSSIP_TMSG_EKIND;
	rc = gossip_tmsg_envelope_decode(buf, len, gossip_tmsg_kinds[kind].cap, &env);
	if (rc != GOSSIP_TMSG_OK)
		return rc;
	rc = gossip_tmsg_decode(kind, env.data, env.len, flags, m);
	if (rc == GOSSIP_TMSG_OK && env_name != NULL)
		memcpy(env_name, env.name, sizeof(env.name));
	gossip_tmsg_envelope_fini(&env);
	return rc;
}
