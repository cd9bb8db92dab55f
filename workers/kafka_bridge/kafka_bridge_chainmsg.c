/*
 * Kafka bridge worker: the messages of Teranode's blockchain and
 * block-assembly gRPC services (proto/blockchain_api.proto,
 * proto/blockassembly_api.proto) that the chain client sends and reads.
 * Pure functions over buffers, no I/O: every response decoder refuses
 * garbage with a reason and copies only bounded fields, so the unit tests
 * and tests/fuzz/fuzz_chain_response.c call them directly.  The only file
 * that packs or unpacks those two protos (Notification: kafka_bridge_codec.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "blockassembly_api.pb-c.h"
#include "blockchain_api.pb-c.h"
#include "kafka_bridge.h"
#include "util.h"

static int
chainmsg_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
chainmsg_size_ok(size_t len, char *err, size_t errlen)
{
	if (len > KAFKA_CHAIN_MSG_MAX)
		return chainmsg_err(err, errlen, "response of %zu bytes, more "
		    "than %d", len, KAFKA_CHAIN_MSG_MAX);
	return 0;
}

/* Printable ASCII of s, cut to cap-1 bytes; anything else becomes '?'. */
static void
chainmsg_text(char *out, size_t cap, const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < cap; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

/* 32 internal-order bytes as display hex (byte-reversed). */
static void
chainmsg_display_hex(const uint8_t *b, char out[KAFKA_HASH_HEX + 1])
{
	uint8_t	rev[32];
	size_t	i;

	for (i = 0; i < 32; i++)
		rev[i] = b[31 - i];
	util_hex_encode(rev, 32, out);
}

static void
chainmsg_block_hash(const uint8_t hdr[80], char out[KAFKA_HASH_HEX + 1])
{
	uint8_t	h1[32], h2[32];

	crypto_hash_sha256(h1, hdr, 80);
	crypto_hash_sha256(h2, h1, sizeof(h1));
	chainmsg_display_hex(h2, out);
}

int
kafka_chainmsg_header_decode(const void *buf, size_t len,
    struct kafka_chain_header *out, char *err, size_t errlen)
{
	BlockchainApi__GetBlockHeaderResponse	*m;
	uint8_t					 cw[32];
	int					 rc = -1;

	memset(out, 0, sizeof(*out));
	if (chainmsg_size_ok(len, err, errlen) == -1)
		return -1;
	m = blockchain_api__get_block_header_response__unpack(NULL, len, buf);
	if (m == NULL)
		return chainmsg_err(err, errlen, "not a GetBlockHeaderResponse");
	if (m->blockheader.len != 80)
		chainmsg_err(err, errlen, "block header of %zu bytes, not 80",
		    m->blockheader.len);
	else if (m->chain_work.len > 32)
		chainmsg_err(err, errlen, "chain_work of %zu bytes, more than 32",
		    m->chain_work.len);
	else {
		memcpy(out->header, m->blockheader.data, 80);
		chainmsg_block_hash(out->header, out->hash);
		chainmsg_display_hex(out->header + 4, out->prev_hash);
		util_hex_encode(out->header, 80, out->header_hex);
		/* big-endian, left-padded to 32 bytes */
		memset(cw, 0, sizeof(cw));
		memcpy(cw + 32 - m->chain_work.len, m->chain_work.data,
		    m->chain_work.len);
		util_hex_encode(cw, 32, out->chain_work);
		out->height = m->height;
		out->tx_count = m->tx_count;
		out->size_in_bytes = m->size_in_bytes;
		chainmsg_text(out->miner, sizeof(out->miner), m->miner);
		out->invalid = m->invalid;
		rc = 0;
	}
	blockchain_api__get_block_header_response__free_unpacked(m, NULL);
	return rc;
}

int
kafka_chainmsg_fsm_decode(const void *buf, size_t len, int *state,
    char *err, size_t errlen)
{
	BlockchainApi__GetFSMStateResponse	*m;
	int					 rc = 0;

	*state = KAFKA_FSM_UNKNOWN;
	if (chainmsg_size_ok(len, err, errlen) == -1)
		return -1;
	m = blockchain_api__get_fsmstate_response__unpack(NULL, len, buf);
	if (m == NULL)
		return chainmsg_err(err, errlen, "not a GetFSMStateResponse");
	if ((int)m->state < 0 || (int)m->state > KAFKA_FSM_LEGACYSYNCING)
		rc = chainmsg_err(err, errlen, "unknown FSM state %d",
		    (int)m->state);
	else
		*state = (int)m->state;
	blockchain_api__get_fsmstate_response__free_unpacked(m, NULL);
	return rc;
}

int
kafka_chainmsg_persisted_decode(const void *buf, size_t len,
    uint32_t *height, char *err, size_t errlen)
{
	BlockchainApi__StateResponse	*m;
	int				 rc = 0;

	*height = 0;
	if (chainmsg_size_ok(len, err, errlen) == -1)
		return -1;
	if ((m = blockchain_api__state_response__unpack(NULL, len, buf)) == NULL)
		return chainmsg_err(err, errlen, "not a StateResponse");
	if (m->data.len != 4)	/* a little-endian uint32 */
		rc = chainmsg_err(err, errlen, "BlockPersisterHeight of %zu "
		    "bytes, not 4", m->data.len);
	else
		*height = (uint32_t)m->data.data[0] |
		    (uint32_t)m->data.data[1] << 8 |
		    (uint32_t)m->data.data[2] << 16 |
		    (uint32_t)m->data.data[3] << 24;
	blockchain_api__state_response__free_unpacked(m, NULL);
	return rc;
}

int
kafka_chainmsg_assembly_decode(const void *buf, size_t len,
    uint64_t *tx_count, uint32_t *subtree_count, char *err, size_t errlen)
{
	BlockassemblyApi__StateMessage	*m;

	*tx_count = 0;
	*subtree_count = 0;
	if (chainmsg_size_ok(len, err, errlen) == -1)
		return -1;
	m = blockassembly_api__state_message__unpack(NULL, len, buf);
	if (m == NULL)
		return chainmsg_err(err, errlen, "not a StateMessage");
	*tx_count = m->txcount;
	*subtree_count = m->subtreecount;
	blockassembly_api__state_message__free_unpacked(m, NULL);
	return 0;
}

int
kafka_chainmsg_health_decode(const void *buf, size_t len, int *ok,
    char *details, size_t cap, char *err, size_t errlen)
{
	BlockchainApi__HealthResponse	*m;

	*ok = 0;
	details[0] = '\0';
	if (chainmsg_size_ok(len, err, errlen) == -1)
		return -1;
	m = blockchain_api__health_response__unpack(NULL, len, buf);
	if (m == NULL)
		return chainmsg_err(err, errlen, "not a HealthResponse");
	*ok = m->ok;
	chainmsg_text(details, cap, m->details);
	blockchain_api__health_response__free_unpacked(m, NULL);
	return 0;
}

/* ---- requests ---- */

static void
chainmsg_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	*out = xmalloc(*len + 1);
	protobuf_c_message_pack(m, *out);
}

void
kafka_chainmsg_subscribe_encode(const char *source, uint8_t **out,
    size_t *len)
{
	BlockchainApi__SubscribeRequest	m =
	    BLOCKCHAIN_API__SUBSCRIBE_REQUEST__INIT;

	m.source = (char *)source;
	chainmsg_pack(&m.base, out, len);
}

int
kafka_chainmsg_header_req_encode(const char *hash, uint8_t **out,
    size_t *len)
{
	BlockchainApi__GetBlockHeaderRequest	m =
	    BLOCKCHAIN_API__GET_BLOCK_HEADER_REQUEST__INIT;
	uint8_t					rev[32], raw[32];
	char					canon[KAFKA_HASH_HEX + 1];
	size_t					i, n;

	if (kafka_codec_hash(hash, canon) == -1 ||
	    util_hex_decode(canon, KAFKA_HASH_HEX, rev, sizeof(rev), &n) == -1)
		return -1;
	for (i = 0; i < 32; i++)
		raw[i] = rev[31 - i];
	m.blockhash.data = raw;
	m.blockhash.len = 32;
	chainmsg_pack(&m.base, out, len);
	return 0;
}

void
kafka_chainmsg_state_req_encode(const char *key, uint8_t **out, size_t *len)
{
	BlockchainApi__GetStateRequest	m = BLOCKCHAIN_API__GET_STATE_REQUEST__INIT;

	m.key = (char *)key;
	chainmsg_pack(&m.base, out, len);
}

const char *
kafka_chainmsg_fsm_name(int state)
{
	static const char *names[] = { "IDLE", "RUNNING", "CATCHINGBLOCKS",
	    "LEGACYSYNCING" };

	if (state < 0 || state > KAFKA_FSM_LEGACYSYNCING)
		return "";
	return names[state];
}

int
kafka_chainmsg_fsm_parse(const char *name)
{
	int	i;

	for (i = 0; i <= KAFKA_FSM_LEGACYSYNCING; i++)
		if (strcmp(name, kafka_chainmsg_fsm_name(i)) == 0)
			return i;
	return KAFKA_FSM_UNKNOWN;
}
