/*
 * Kafka bridge worker: the values it reads from and writes to Kafka
 * (Teranode's kafkamessage protobufs, see proto/kafka_messages.proto), the
 * blockchain service's Notification (proto/blockchain_api.proto), the
 * gossip JSON it asks the gossip worker to publish, and the kafka_*Config
 * URLs.  Pure functions over buffers, no I/O: the unit tests and the
 * libFuzzer target call them directly.  The only file that packs or unpacks
 * kafka_messages.proto and Notification.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_bridge.h"
#include "blockchain_api.pb-c.h"
#include "kafka_messages.pb-c.h"
#include "util.h"

#define KAFKA_VALUE_MAX	(1024 * 1024)	/* larger values are not ours */

static int
kafka_codec_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
kafka_codec_hash(const char *in, char out[KAFKA_HASH_HEX + 1])
{
	size_t	n = strlen(in), i;

	if (n == 0 || n > KAFKA_HASH_HEX)
		return -1;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)in[i]))
			return -1;
	memset(out, '0', KAFKA_HASH_HEX - n);
	for (i = 0; i < n; i++)
		out[KAFKA_HASH_HEX - n + i] = (char)tolower((unsigned char)in[i]);
	out[KAFKA_HASH_HEX] = '\0';
	return 0;
}

/* Copy s into out (cap bytes incl. NUL); -1 when it does not fit. */
static int
kafka_codec_copy(char *out, size_t cap, const char *s)
{
	size_t	n = strlen(s);

	if (n >= cap)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

/* Copy s cut to cap-1 bytes, without splitting a UTF-8 sequence. */
static void
kafka_codec_cut(char *out, size_t cap, const char *s)
{
	size_t	n = strlen(s);

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

static int
kafka_codec_size_ok(size_t len, char *err, size_t errlen)
{
	if (len > KAFKA_VALUE_MAX)
		return kafka_codec_err(err, errlen, "value of %zu bytes is "
		    "larger than %d", len, KAFKA_VALUE_MAX);
	return 0;
}

int
kafka_codec_rejected_tx_decode(const void *buf, size_t len,
    struct kafka_rejected_tx *out, char *err, size_t errlen)
{
	Kafkamessage__KafkaRejectedTxTopicMessage	*m;
	int						 rc = -1;

	if (kafka_codec_size_ok(len, err, errlen) == -1)
		return -1;
	m = kafkamessage__kafka_rejected_tx_topic_message__unpack(NULL, len,
	    buf);
	if (m == NULL)
		return kafka_codec_err(err, errlen,
		    "not a KafkaRejectedTxTopicMessage");
	if (kafka_codec_hash(m->txhash, out->txid) == -1)
		kafka_codec_err(err, errlen, "bad txHash \"%.80s\"", m->txhash);
	else if (kafka_codec_copy(out->peer_id, sizeof(out->peer_id),
	    m->peer_id) == -1)
		kafka_codec_err(err, errlen, "peer_id longer than %d",
		    KAFKA_PEER_MAX);
	else {
		kafka_codec_cut(out->reason, sizeof(out->reason), m->reason);
		rc = 0;
	}
	kafkamessage__kafka_rejected_tx_topic_message__free_unpacked(m, NULL);
	return rc;
}

int
kafka_codec_invalid_block_decode(const void *buf, size_t len,
    struct kafka_invalid_block *out, char *err, size_t errlen)
{
	Kafkamessage__KafkaInvalidBlockTopicMessage	*m;
	int						 rc = -1;

	if (kafka_codec_size_ok(len, err, errlen) == -1)
		return -1;
	m = kafkamessage__kafka_invalid_block_topic_message__unpack(NULL, len,
	    buf);
	if (m == NULL)
		return kafka_codec_err(err, errlen,
		    "not a KafkaInvalidBlockTopicMessage");
	if (kafka_codec_hash(m->blockhash, out->hash) == -1)
		kafka_codec_err(err, errlen, "bad blockHash \"%.80s\"",
		    m->blockhash);
	else {
		kafka_codec_cut(out->reason, sizeof(out->reason), m->reason);
		rc = 0;
	}
	kafkamessage__kafka_invalid_block_topic_message__free_unpacked(m,
	    NULL);
	return rc;
}

int
kafka_codec_invalid_subtree_decode(const void *buf, size_t len,
    struct kafka_invalid_subtree *out, char *err, size_t errlen)
{
	Kafkamessage__KafkaInvalidSubtreeTopicMessage	*m;
	int						 rc = -1;

	if (kafka_codec_size_ok(len, err, errlen) == -1)
		return -1;
	m = kafkamessage__kafka_invalid_subtree_topic_message__unpack(NULL,
	    len, buf);
	if (m == NULL)
		return kafka_codec_err(err, errlen,
		    "not a KafkaInvalidSubtreeTopicMessage");
	if (kafka_codec_hash(m->subtreehash, out->hash) == -1)
		kafka_codec_err(err, errlen, "bad subtreeHash \"%.80s\"",
		    m->subtreehash);
	else if (kafka_codec_copy(out->peer_url, sizeof(out->peer_url),
	    m->peerurl) == -1)
		kafka_codec_err(err, errlen, "peerUrl longer than %d",
		    KAFKA_URL_MAX);
	else {
		kafka_codec_cut(out->reason, sizeof(out->reason), m->reason);
		rc = 0;
	}
	kafkamessage__kafka_invalid_subtree_topic_message__free_unpacked(m,
	    NULL);
	return rc;
}

/* The 32 internal-order bytes as display-order hex (chainhash String()). */
static void
kafka_codec_hash_from_bytes(const uint8_t *b, char out[KAFKA_HASH_HEX + 1])
{
	uint8_t	rev[32];
	size_t	i;

	for (i = 0; i < 32; i++)
		rev[i] = b[31 - i];
	util_hex_encode(rev, 32, out);
}

static int
kafka_codec_meta_copy(struct kafka_notification *out,
    const BlockchainApi__NotificationMetadata *md, char *err, size_t errlen)
{
	size_t	i;

	if (md == NULL)
		return 0;
	if (md->n_metadata > KAFKA_META_MAX)
		return kafka_codec_err(err, errlen, "%zu metadata entries, "
		    "more than %d", md->n_metadata, KAFKA_META_MAX);
	for (i = 0; i < md->n_metadata; i++) {
		if (strlen(md->metadata[i]->key) > 256 ||
		    strlen(md->metadata[i]->value) > 4096)
			return kafka_codec_err(err, errlen,
			    "metadata entry too long");
		out->meta[out->nmeta].key = xstrdup(md->metadata[i]->key);
		out->meta[out->nmeta].value = xstrdup(md->metadata[i]->value);
		out->nmeta++;
	}
	return 0;
}

int
kafka_codec_notification_decode(const void *buf, size_t len,
    struct kafka_notification *out, char *err, size_t errlen)
{
	BlockchainApi__Notification	*m;
	int				 rc = -1;

	memset(out, 0, sizeof(*out));
	if (kafka_codec_size_ok(len, err, errlen) == -1)
		return -1;
	if ((m = blockchain_api__notification__unpack(NULL, len, buf)) == NULL)
		return kafka_codec_err(err, errlen, "not a Notification");
	out->type = (int)m->type;
	if (m->hash.len != 0 && m->hash.len != 32)
		kafka_codec_err(err, errlen, "hash of %zu bytes, not 32",
		    m->hash.len);
	else if (kafka_codec_copy(out->base_url, sizeof(out->base_url),
	    m->base_url) == -1)
		kafka_codec_err(err, errlen, "base_URL longer than %d",
		    KAFKA_URL_MAX);
	else if (kafka_codec_meta_copy(out, m->metadata, err, errlen) == 0) {
		if (m->hash.len == 32)
			kafka_codec_hash_from_bytes(m->hash.data, out->hash);
		rc = 0;
	}
	blockchain_api__notification__free_unpacked(m, NULL);
	if (rc == -1)
		kafka_codec_notification_fini(out);
	return rc;
}

void
kafka_codec_notification_fini(struct kafka_notification *n)
{
	size_t	i;

	for (i = 0; i < n->nmeta; i++) {
		free(n->meta[i].key);
		free(n->meta[i].value);
	}
	n->nmeta = 0;
}

const char *
kafka_codec_meta(const struct kafka_notification *n, const char *key)
{
	size_t	i;

	for (i = 0; i < n->nmeta; i++)
		if (strcmp(n->meta[i].key, key) == 0)
			return n->meta[i].value;
	return NULL;
}

const char *
kafka_codec_notify_name(int type)
{
	static const char *names[] = { "PING", "Subtree", "Block", "MiningOn",
	    "FSMState", "BlockSubtreesSet", "PeerFailure", "BlockPersisted" };

	if (type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[type];
}

/* ---- encoders ---- */

static int
kafka_codec_packed(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	*out = xmalloc(*len > 0 ? *len : 1);
	protobuf_c_message_pack(m, *out);
	return 0;
}

int
kafka_codec_block_encode(const char *hash, const char *url,
    const char *peer_id, uint8_t **out, size_t *len)
{
	Kafkamessage__KafkaBlockTopicMessage	m =
	    KAFKAMESSAGE__KAFKA_BLOCK_TOPIC_MESSAGE__INIT;

	m.hash = (char *)hash;
	m.url = (char *)url;
	m.peer_id = (char *)peer_id;
	return kafka_codec_packed(&m.base, out, len);
}

int
kafka_codec_subtree_encode(const char *hash, const char *url,
    const char *peer_id, uint8_t **out, size_t *len)
{
	Kafkamessage__KafkaSubtreeTopicMessage	m =
	    KAFKAMESSAGE__KAFKA_SUBTREE_TOPIC_MESSAGE__INIT;

	m.hash = (char *)hash;
	m.url = (char *)url;
	m.peer_id = (char *)peer_id;
	return kafka_codec_packed(&m.base, out, len);
}

int
kafka_codec_rejected_tx_encode(const char *txid, const char *reason,
    const char *peer_id, uint8_t **out, size_t *len)
{
	Kafkamessage__KafkaRejectedTxTopicMessage	m =
	    KAFKAMESSAGE__KAFKA_REJECTED_TX_TOPIC_MESSAGE__INIT;

	m.txhash = (char *)txid;
	m.reason = (char *)reason;
	m.peer_id = (char *)peer_id;
	return kafka_codec_packed(&m.base, out, len);
}

int
kafka_codec_invalid_block_encode(const char *hash, const char *reason,
    uint8_t **out, size_t *len)
{
	Kafkamessage__KafkaInvalidBlockTopicMessage	m =
	    KAFKAMESSAGE__KAFKA_INVALID_BLOCK_TOPIC_MESSAGE__INIT;

	m.blockhash = (char *)hash;
	m.reason = (char *)reason;
	return kafka_codec_packed(&m.base, out, len);
}

int
kafka_codec_invalid_subtree_encode(const char *hash, const char *peer_url,
    const char *reason, uint8_t **out, size_t *len)
{
	Kafkamessage__KafkaInvalidSubtreeTopicMessage	m =
	    KAFKAMESSAGE__KAFKA_INVALID_SUBTREE_TOPIC_MESSAGE__INIT;

	m.subtreehash = (char *)hash;
	m.peerurl = (char *)peer_url;
	m.reason = (char *)reason;
	return kafka_codec_packed(&m.base, out, len);
}

int
kafka_codec_notification_encode(int type, const char *hash,
    const char *base_url, const char *const *kv, size_t nkv, uint8_t **out,
    size_t *len)
{
	BlockchainApi__Notification		 m =
	    BLOCKCHAIN_API__NOTIFICATION__INIT;
	BlockchainApi__NotificationMetadata	 md =
	    BLOCKCHAIN_API__NOTIFICATION_METADATA__INIT;
	BlockchainApi__NotificationMetadata__MetadataEntry *e, **pe;
	uint8_t					 raw[32], rev[32];
	char					 canon[KAFKA_HASH_HEX + 1];
	size_t					 i, n;

	m.type = (Model__NotificationType)type;
	if (hash != NULL && hash[0] != '\0') {
		if (kafka_codec_hash(hash, canon) == -1 ||
		    util_hex_decode(canon, KAFKA_HASH_HEX, rev, sizeof(rev),
		    &n) == -1)
			return -1;
		for (i = 0; i < 32; i++)
			raw[i] = rev[31 - i];
		m.hash.data = raw;
		m.hash.len = 32;
	}
	m.base_url = (char *)(base_url != NULL ? base_url : "");
	e = xcalloc(nkv / 2 + 1, sizeof(*e));
	pe = xcalloc(nkv / 2 + 1, sizeof(*pe));
	for (i = 0; i + 1 < nkv; i += 2) {
		blockchain_api__notification_metadata__metadata_entry__init(
		    &e[i / 2]);
		e[i / 2].key = (char *)kv[i];
		e[i / 2].value = (char *)kv[i + 1];
		pe[i / 2] = &e[i / 2];
	}
	md.n_metadata = nkv / 2;
	md.metadata = pe;
	if (nkv > 0)
		m.metadata = &md;
	kafka_codec_packed(&m.base, out, len);
	free(pe);
	free(e);
	return 0;
}

/* ---- gossip JSON (Go encoding/json rules) ---- */

struct kafka_buf {
	char	*p;		/* owned */
	size_t	 len, cap;
};

static void
kafka_buf_add(struct kafka_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
kafka_buf_str(struct kafka_buf *b, const char *s)
{
	kafka_buf_add(b, s, strlen(s));
}

/* A JSON string as Go writes it: HTML-safe, control characters \u00XX. */
static void
kafka_buf_json_str(struct kafka_buf *b, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	char			esc[8];
	unsigned char		c;

	kafka_buf_add(b, "\"", 1);
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			kafka_buf_add(b, esc, 2);
		} else if (c == '\n')
			kafka_buf_add(b, "\\n", 2);
		else if (c == '\r')
			kafka_buf_add(b, "\\r", 2);
		else if (c == '\t')
			kafka_buf_add(b, "\\t", 2);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			kafka_buf_add(b, esc, 6);
		} else
			kafka_buf_add(b, (const char *)s, 1);
	}
	kafka_buf_add(b, "\"", 1);
}

static void
kafka_buf_kv_str(struct kafka_buf *b, const char *key, const char *v,
    int first)
{
	kafka_buf_str(b, first ? "{\"" : ",\"");
	kafka_buf_str(b, key);
	kafka_buf_str(b, "\":");
	kafka_buf_json_str(b, v != NULL ? v : "");
}

static void
kafka_buf_kv_num(struct kafka_buf *b, const char *key, uint64_t v)
{
	char	num[32];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	kafka_buf_str(b, ",\"");
	kafka_buf_str(b, key);
	kafka_buf_str(b, "\":");
	kafka_buf_str(b, num);
}

int
kafka_codec_rejected_tx_json(const struct kafka_rejected_tx *r,
    const char *own_peer, char **json)
{
	struct kafka_buf	b = { NULL, 0, 0 };

	kafka_buf_kv_str(&b, "TxID", r->txid, 1);
	kafka_buf_kv_str(&b, "Reason", r->reason, 0);
	kafka_buf_kv_str(&b, "PeerID", own_peer, 0);
	kafka_buf_str(&b, "}");
	*json = b.p;
	return 0;
}

/* Metadata number: absent is 0; anything but decimal digits is an error. */
static int
kafka_codec_meta_num(const struct kafka_notification *n, const char *key,
    uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	const char		*v = kafka_codec_meta(n, key);
	char			*end;
	unsigned long long	 x;

	*out = 0;
	if (v == NULL || v[0] == '\0')
		return 0;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 ||
	    x > max)
		return kafka_codec_err(err, errlen, "metadata %s \"%.40s\" is "
		    "not a number up to %" PRIu64, key, v, max);
	*out = x;
	return 0;
}

static const char *
kafka_codec_meta_or(const struct kafka_notification *n, const char *key)
{
	const char	*v = kafka_codec_meta(n, key);

	return v != NULL ? v : "";
}

static int
kafka_codec_block_json(const struct kafka_notification *n,
    const char *own_peer, struct kafka_buf *b, char *err, size_t errlen)
{
	uint64_t	height;

	if (kafka_codec_meta_num(n, "height", UINT32_MAX, &height, err,
	    errlen) == -1)
		return -1;
	kafka_buf_kv_str(b, "Hash", n->hash, 1);
	kafka_buf_kv_num(b, "Height", height);
	kafka_buf_kv_str(b, "DataHubURL", n->base_url, 0);
	kafka_buf_kv_str(b, "PeerID", own_peer, 0);
	kafka_buf_kv_str(b, "Header", kafka_codec_meta_or(n, "header"), 0);
	kafka_buf_kv_str(b, "Coinbase", "", 0);
	return 0;
}

static int
kafka_codec_mining_on_json(const struct kafka_notification *n,
    const char *own_peer, struct kafka_buf *b, char *err, size_t errlen)
{
	uint64_t	height, size, txs;

	if (kafka_codec_meta_num(n, "height", UINT32_MAX, &height, err,
	    errlen) == -1 ||
	    kafka_codec_meta_num(n, "size_in_bytes", UINT64_MAX, &size, err,
	    errlen) == -1 ||
	    kafka_codec_meta_num(n, "tx_count", UINT64_MAX, &txs, err,
	    errlen) == -1)
		return -1;
	kafka_buf_kv_str(b, "Hash", n->hash, 1);
	kafka_buf_kv_str(b, "PreviousHash",
	    kafka_codec_meta_or(n, "previous_hash"), 0);
	kafka_buf_kv_str(b, "DataHubURL", n->base_url, 0);
	kafka_buf_kv_str(b, "PeerID", own_peer, 0);
	kafka_buf_kv_num(b, "Height", height);
	kafka_buf_kv_str(b, "Miner", kafka_codec_meta_or(n, "miner"), 0);
	kafka_buf_kv_num(b, "SizeInBytes", size);
	kafka_buf_kv_num(b, "TxCount", txs);
	return 0;
}

int
kafka_codec_notification_json(const struct kafka_notification *n,
    const char *own_peer, char **json, char *err, size_t errlen)
{
	struct kafka_buf	b = { NULL, 0, 0 };
	int			rc = 0;

	*json = NULL;
	if (n->hash[0] == '\0')
		return kafka_codec_err(err, errlen, "%s notification without "
		    "a hash", kafka_codec_notify_name(n->type));
	switch (n->type) {
	case KAFKA_NOTIFY_BLOCK:
		rc = kafka_codec_block_json(n, own_peer, &b, err, errlen);
		break;
	case KAFKA_NOTIFY_SUBTREE:
		kafka_buf_kv_str(&b, "Hash", n->hash, 1);
		kafka_buf_kv_str(&b, "DataHubURL", n->base_url, 0);
		kafka_buf_kv_str(&b, "PeerID", own_peer, 0);
		break;
	case KAFKA_NOTIFY_MINING_ON:
		rc = kafka_codec_mining_on_json(n, own_peer, &b, err, errlen);
		break;
	default:
		rc = kafka_codec_err(err, errlen, "%s notifications are not "
		    "gossiped", kafka_codec_notify_name(n->type));
	}
	if (rc == -1) {
		free(b.p);
		return -1;
	}
	kafka_buf_str(&b, "}");
	*json = b.p;
	return 0;
}

/* ---- kafka_*Config URLs ---- */

static int
kafka_codec_url_int(const char *v, size_t n, int lo, int hi, int *out)
{
	char	num[16];
	char	*end;
	long	x;

	if (n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	x = strtol(num, &end, 10);
	if (*end != '\0' || !isdigit((unsigned char)num[0]) || x < lo ||
	    x > hi)
		return -1;
	*out = (int)x;
	return 0;
}

static int
kafka_codec_url_param(struct kafka_url *u, const char *p, size_t n,
    char *err, size_t errlen)
{
	const char	*eq = memchr(p, '=', n);
	size_t		 kl, vl;
	int		 bad = 0;

	if (eq == NULL)
		return 0;
	kl = (size_t)(eq - p);
	vl = n - kl - 1;
	if (kl == 10 && memcmp(p, "partitions", 10) == 0)
		bad = kafka_codec_url_int(eq + 1, vl, 1, 100000,
		    &u->partitions);
	else if (kl == 11 && memcmp(p, "replication", 11) == 0)
		bad = kafka_codec_url_int(eq + 1, vl, 1, 1000, &u->replication);
	else if (kl == 6 && memcmp(p, "replay", 6) == 0)
		bad = kafka_codec_url_int(eq + 1, vl, 0, 1, &u->replay);
	if (bad)
		return kafka_codec_err(err, errlen, "bad %.*s in \"%.*s\"",
		    (int)kl, p, (int)n, p);
	return 0;
}

int
kafka_codec_url_parse(const char *url, struct kafka_url *u, char *err,
    size_t errlen)
{
	const char	*s, *h, *slash, *q, *amp;
	size_t		 n;

	memset(u, 0, sizeof(*u));
	u->partitions = 1;
	u->replication = 1;
	u->replay = -1;
	if ((s = strstr(url, "://")) == NULL || s == url ||
	    (size_t)(s - url) >= sizeof(u->scheme))
		return kafka_codec_err(err, errlen, "\"%.80s\" is not "
		    "scheme://hosts/topic", url);
	memcpy(u->scheme, url, (size_t)(s - url));
	if (strcmp(u->scheme, "kafka") != 0 && strcmp(u->scheme, "memory") != 0)
		return kafka_codec_err(err, errlen, "scheme \"%s\" is not "
		    "kafka or memory", u->scheme);
	h = s + 3;
	if ((slash = strchr(h, '/')) == NULL ||
	    (size_t)(slash - h) >= sizeof(u->hosts))
		return kafka_codec_err(err, errlen, "\"%.80s\" has no /topic",
		    url);
	memcpy(u->hosts, h, (size_t)(slash - h));
	q = strchr(slash + 1, '?');
	n = q != NULL ? (size_t)(q - slash - 1) : strlen(slash + 1);
	if (n == 0 || n > KAFKA_TOPIC_MAX)
		return kafka_codec_err(err, errlen, "\"%.80s\": topic empty "
		    "or longer than %d", url, KAFKA_TOPIC_MAX);
	memcpy(u->topic, slash + 1, n);
	for (s = q; s != NULL; s = amp) {
		s++;
		amp = strchr(s, '&');
		n = amp != NULL ? (size_t)(amp - s) : strlen(s);
		if (kafka_codec_url_param(u, s, n, err, errlen) == -1)
			return -1;
	}
	return 0;
}
