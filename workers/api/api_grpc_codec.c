/*
 * API worker: the pure half of p2p_api.PeerService.  The method table
 * (Teranode's services/p2p/p2p_api/p2p_api.proto, newest set plus
 * UpdateCatchupReputation), request decoding with field checks (peer IDs
 * decoded as base58 multihashes, block and subtree hashes as 64 hex digits),
 * the x-api-key check of the admin methods (Teranode's
 * util.CreateAuthInterceptor), and the peer health rules of IsPeerUnhealthy
 * and IsPeerMalicious (Teranode's services/p2p/peer_registry.go).  No I/O:
 * the fuzz target fuzz_grpc_peer and the unit tests call these directly.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"
#include "tp.h"

#define M(id, name, req, flags, hash) \
	[id] = { name, "/p2p_api.PeerService/" name, &(req), flags, hash }

const struct api_grpc_method api_grpc_methods[API_GRPC_NMETHODS] = {
	M(API_GRPC_GET_PEERS, "GetPeers", google__protobuf__empty__descriptor,
	    0, NULL),
	M(API_GRPC_BAN_PEER, "BanPeer", p2p_api__ban_peer_request__descriptor,
	    API_GRPC_F_AUTH, NULL),
	M(API_GRPC_UNBAN_PEER, "UnbanPeer",
	    p2p_api__unban_peer_request__descriptor, API_GRPC_F_AUTH, NULL),
	M(API_GRPC_IS_BANNED, "IsBanned", p2p_api__is_banned_request__descriptor,
	    0, NULL),
	M(API_GRPC_LIST_BANNED, "ListBanned",
	    google__protobuf__empty__descriptor, 0, NULL),
	M(API_GRPC_CLEAR_BANNED, "ClearBanned",
	    google__protobuf__empty__descriptor, API_GRPC_F_AUTH, NULL),
	M(API_GRPC_ADD_BAN_SCORE, "AddBanScore",
	    p2p_api__add_ban_score_request__descriptor,
	    API_GRPC_F_AUTH | API_GRPC_F_PID, NULL),
	M(API_GRPC_CONNECT_PEER, "ConnectPeer",
	    p2p_api__connect_peer_request__descriptor, API_GRPC_F_AUTH, NULL),
	M(API_GRPC_DISCONNECT_PEER, "DisconnectPeer",
	    p2p_api__disconnect_peer_request__descriptor, API_GRPC_F_AUTH, NULL),
	M(API_GRPC_CATCHUP_ATTEMPT, "RecordCatchupAttempt",
	    p2p_api__record_catchup_attempt_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_CATCHUP_SUCCESS, "RecordCatchupSuccess",
	    p2p_api__record_catchup_success_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_CATCHUP_FAILURE, "RecordCatchupFailure",
	    p2p_api__record_catchup_failure_request__descriptor,
	    API_GRPC_F_PID | API_GRPC_F_HASH_OPT, "block_hash"),
	M(API_GRPC_CATCHUP_MALICIOUS, "RecordCatchupMalicious",
	    p2p_api__record_catchup_malicious_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_UPDATE_REPUTATION, "UpdateCatchupReputation",
	    p2p_api__update_catchup_reputation_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_UPDATE_ERROR, "UpdateCatchupError",
	    p2p_api__update_catchup_error_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_RESET_REPUTATION, "ResetReputation",
	    p2p_api__reset_reputation_request__descriptor,
	    API_GRPC_F_AUTH | API_GRPC_F_PID_OPT, NULL),
	M(API_GRPC_PEERS_FOR_CATCHUP, "GetPeersForCatchup",
	    p2p_api__get_peers_for_catchup_request__descriptor, 0, NULL),
	M(API_GRPC_VALID_SUBTREE, "ReportValidSubtree",
	    p2p_api__report_valid_subtree_request__descriptor,
	    API_GRPC_F_PID | API_GRPC_F_HASH, "subtree_hash"),
	M(API_GRPC_VALID_BLOCK, "ReportValidBlock",
	    p2p_api__report_valid_block_request__descriptor,
	    API_GRPC_F_PID | API_GRPC_F_HASH, "block_hash"),
	M(API_GRPC_VALID_HEADERS, "ReportValidBlockHeaders",
	    p2p_api__report_valid_block_headers_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_CHAIN_PROGRESS, "ReportValidatedChainProgress",
	    p2p_api__report_validated_chain_progress_request__descriptor,
	    API_GRPC_F_PID | API_GRPC_F_HASH_OPT, "block_hash"),
	M(API_GRPC_IS_MALICIOUS, "IsPeerMalicious",
	    p2p_api__is_peer_malicious_request__descriptor,
	    API_GRPC_F_PID_OPT, NULL),
	M(API_GRPC_IS_UNHEALTHY, "IsPeerUnhealthy",
	    p2p_api__is_peer_unhealthy_request__descriptor,
	    API_GRPC_F_PID_OPT, NULL),
	M(API_GRPC_GET_REGISTRY, "GetPeerRegistry",
	    google__protobuf__empty__descriptor, 0, NULL),
	M(API_GRPC_BYTES_DOWNLOADED, "RecordBytesDownloaded",
	    p2p_api__record_bytes_downloaded_request__descriptor,
	    API_GRPC_F_PID, NULL),
	M(API_GRPC_GET_PEER, "GetPeer", p2p_api__get_peer_request__descriptor,
	    0, NULL),
};

int
api_grpc_codec_find(const char *path, size_t len)
{
	for (int i = 0; i < API_GRPC_NMETHODS; i++)
		if (strlen(api_grpc_methods[i].path) == len &&
		    memcmp(api_grpc_methods[i].path, path, len) == 0)
			return i;
	return -1;
}

/* ---- peer IDs: base58btc of a multihash ---- */

static int
api_grpc_b58_value(char c)
{
	static const char alphabet[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	const char	*p;

	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

/* Decode base58 text into out (big-endian bytes); -1 if bad or too long. */
static int
api_grpc_b58_decode(const char *in, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t	n = 0, zeros = 0, i, j;
	int	v;

	while (in[zeros] == '1')
		zeros++;
	for (i = zeros; in[i] != '\0'; i++) {
		unsigned carry;

		if ((v = api_grpc_b58_value(in[i])) < 0)
			return -1;
		carry = (unsigned)v;
		for (j = 0; j < n; j++) {	/* out[cap-n..cap) *= 58, += v */
			carry += (unsigned)out[cap - 1 - j] * 58;
			out[cap - 1 - j] = (uint8_t)carry;
			carry >>= 8;
		}
		for (; carry != 0; carry >>= 8) {
			if (n == cap)
				return -1;
			out[cap - 1 - n++] = (uint8_t)carry;
		}
	}
	if (n + zeros > cap)
		return -1;
	memmove(out + zeros, out + cap - n, n);
	memset(out, 0, zeros);
	*outlen = n + zeros;
	return 0;
}

int
api_grpc_codec_peer_id(const char *id)
{
	uint8_t	b[64];
	size_t	n, len;

	if ((len = strlen(id)) == 0 || len > API_GRPC_ID_MAX ||
	    api_grpc_b58_decode(id, b, sizeof(b), &n) == -1 || n < 2)
		return -1;
	/* sha2-256 (0x12, 32 bytes) or identity (0x00) of a key <= 42 bytes */
	if (b[0] == 0x12)
		return b[1] == 32 && n == 34 ? 0 : -1;
	if (b[0] == 0x00)
		return b[1] > 0 && b[1] <= 42 && n == (size_t)b[1] + 2 ? 0 : -1;
	return -1;
}

/* ---- requests ---- */

/* The string field name of msg, or NULL when the message has none. */
static const char *
api_grpc_str_field(const ProtobufCMessage *msg, const char *name)
{
	const ProtobufCFieldDescriptor	*f;

	f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor,
	    name);
	if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING)
		return NULL;
	return *(const char *const *)(const void *)((const char *)msg +
	    f->offset);
}

static int
api_grpc_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* Every string field: bounded, no NUL inside (protobuf-c keeps the text). */
static int
api_grpc_check_strings(const ProtobufCMessage *msg, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor	*d = msg->descriptor;
	const char				*s;

	for (unsigned i = 0; i < d->n_fields; i++) {
		if (d->fields[i].type != PROTOBUF_C_TYPE_STRING ||
		    d->fields[i].label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		s = api_grpc_str_field(msg, d->fields[i].name);
		if (s != NULL && strlen(s) > API_GRPC_STR_MAX) {
			snprintf(err, errlen, "%s is longer than %d bytes",
			    d->fields[i].name, API_GRPC_STR_MAX);
			return -1;
		}
	}
	return 0;
}

static int
api_grpc_check_fields(const struct api_grpc_method *m,
    const ProtobufCMessage *msg, char *err, size_t errlen)
{
	const char	*pid = api_grpc_str_field(msg, "peer_id");
	const char	*hash;

	if (api_grpc_check_strings(msg, err, errlen) == -1)
		return -1;
	if ((m->flags & API_GRPC_F_PID) && (pid == NULL || pid[0] == '\0')) {
		snprintf(err, errlen, "peer_id is required");
		return -1;
	}
	if ((m->flags & (API_GRPC_F_PID | API_GRPC_F_PID_OPT)) && pid != NULL &&
	    pid[0] != '\0' && api_grpc_codec_peer_id(pid) == -1) {
		snprintf(err, errlen, "invalid peer ID \"%.64s\"", pid);
		return -1;
	}
	if (!(m->flags & (API_GRPC_F_HASH | API_GRPC_F_HASH_OPT)))
		return 0;
	hash = api_grpc_str_field(msg, m->hash_field);
	if (hash == NULL || (hash[0] == '\0' && (m->flags & API_GRPC_F_HASH))) {
		snprintf(err, errlen, "%s is required", m->hash_field);
		return -1;
	}
	if (hash[0] != '\0' && !api_grpc_hex64(hash)) {
		snprintf(err, errlen, "%s must be 64 hex digits", m->hash_field);
		return -1;
	}
	return 0;
}

int
api_grpc_codec_decode(int m, const uint8_t *buf, size_t len,
    ProtobufCMessage **out, char *err, size_t errlen)
{
	const struct api_grpc_method	*meth;
	ProtobufCMessage		*msg;

	*out = NULL;
	if (m < 0 || m >= API_GRPC_NMETHODS) {
		snprintf(err, errlen, "no such method");
		return -1;
	}
	meth = &api_grpc_methods[m];
	if ((msg = protobuf_c_message_unpack(meth->req, NULL, len,
	    buf)) == NULL) {
		snprintf(err, errlen, "malformed %s", meth->req->name);
		return -1;
	}
	if (api_grpc_check_fields(meth, msg, err, errlen) == -1) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return -1;
	}
	*out = msg;
	return 0;
}

/* ---- auth ---- */

const char *
api_grpc_codec_auth(const char *key, size_t nmd, const char *got,
    size_t gotlen)
{
	size_t	klen = strlen(key);

	if (nmd == 0)
		return "missing metadata";
	if (got == NULL)
		return "missing API key";
	/* sodium_memcmp is constant time for equal lengths */
	if (gotlen != klen || klen == 0 || sodium_memcmp(got, key, klen) != 0)
		return "invalid API key";
	return NULL;
}

/* ---- health rules ---- */

int
api_grpc_codec_unhealthy(const Tp__RegistryPeer *p, const char **reason)
{
	int64_t	total;

	/* An unknown peer is not held against anyone: Teranode PR #1758. */
	if (p == NULL) {
		*reason = "peer not found in registry";
		return 0;
	}
	if (p->reputation_score < 40) {
		*reason = "low reputation score";
		return 1;
	}
	total = p->interaction_successes + p->interaction_failures;
	if (total > 10 && p->interaction_successes * 2 < total) {
		*reason = "low success rate";
		return 1;
	}
	*reason = "";
	return 0;
}

int
api_grpc_codec_malicious(const Tp__RegistryPeer *p, int banned,
    const char **reason)
{
	if (banned) {
		*reason = "peer is banned";
		return 1;
	}
	if (p == NULL) {
		*reason = "peer not found in registry";
		return 0;
	}
	if (p->malicious_count > 0 || p->reputation_score < 20) {
		*reason = p->malicious_count > 0 ? "malicious behaviour recorded" :
		    "very low reputation score";
		return 1;
	}
	*reason = "";
	return 0;
}

void
api_grpc_codec_info(const Tp__RegistryPeer *p, P2pApi__PeerRegistryInfo *o)
{
	p2p_api__peer_registry_info__init(o);
	o->id = p->id;
	o->height = p->height;
	o->block_hash = p->block_hash;
	o->data_hub_url = p->data_hub_url;
	o->ban_score = p->ban_score;
	o->is_banned = p->banned;
	o->is_connected = p->connected;
	o->connected_at = p->connected_at;
	o->bytes_received = p->bytes_received;
	o->last_block_time = p->last_block_time;
	o->last_message_time = p->last_message_time;
	o->interaction_attempts = p->interaction_attempts;
	o->interaction_successes = p->interaction_successes;
	o->interaction_failures = p->interaction_failures;
	o->last_interaction_attempt = p->last_interaction_attempt;
	o->last_interaction_success = p->last_interaction_success;
	o->last_interaction_failure = p->last_interaction_failure;
	o->reputation_score = p->reputation_score;
	o->malicious_count = p->malicious_count;
	o->avg_response_time_ms = p->avg_response_time_ms;
	o->storage = p->storage;
	o->client_name = p->client_name;
	o->last_catchup_error = p->last_catchup_error;
	o->last_catchup_error_time = p->last_catchup_error_time;
	o->catchup_attempts = p->catchup_attempts;
	o->catchup_successes = p->catchup_successes;
	o->catchup_failures = p->catchup_failures;
}
