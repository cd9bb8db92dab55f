/*
 * The gossip worker's Teranode messages: the gossip envelope
 * {"name": clientName, "data": base64(message JSON)} and the message JSON of
 * each topic (block, subtree, mining_on, rejected_tx, node_status, bestblock,
 * handshake), decoded and encoded with the key names, key order and JSON
 * types that Go's encoding/json gives Teranode's structs.  Decoding is
 * case-insensitive on keys, ignores unknown keys, the last of duplicate keys
 * wins, a value of the wrong JSON type fails the message, invalid UTF-8 in
 * a string becomes U+FFFD (as in Go).  Every
 * payload is held to its topic's size cap and every field to its bounds,
 * as Teranode's services/p2p/gossip_field_validation.go holds them (block
 * and subtree 32 KiB, node_status 64 KiB, rejected_tx 16 KiB; PeerID at
 * most 128 printable characters, DataHubURL 2048, hashes 64 hex digits,
 * Header 160); a rejection names its reason
 * (tn_msg_strerror(), usable as a counter label).
 *
 * Pure functions over caller buffers: no I/O, no logging.
 */
#ifndef TN_MSG_H
#define TN_MSG_H

#include <stddef.h>
#include <stdint.h>

/* Field bounds, in bytes of text (the arrays below hold one more). */
#define TN_MSG_HASH_MAX	64	/* display-order hex, ≤64 as chainhash */
#define TN_MSG_HEADER_MAX	160	/* hex of the 80-byte header */
#define TN_MSG_URL_MAX	2048
#define TN_MSG_PEER_ID_MAX	128	/* printable UTF-8 */
#define TN_MSG_NAME_MAX	128	/* client names: cut, never refused */
#define TN_MSG_REASON_MAX	1024	/* rejected-tx reason: cut, never refused */
#define TN_MSG_TEXT_MAX	256	/* every other string; longer is refused */
#define TN_MSG_SUBTREES_MAX 1024	/* block_assembly_details.subtrees */

/* Payload caps (bytes of message JSON, before parsing), per topic. */
#define TN_MSG_CAP_BLOCK		(32 * 1024)
#define TN_MSG_CAP_SUBTREE		(32 * 1024)
#define TN_MSG_CAP_NODE_STATUS	(64 * 1024)
#define TN_MSG_CAP_REJECTED_TX	(16 * 1024)
#define TN_MSG_CAP_OTHER		(16 * 1024)

/* tn_msg_decode() flags */
#define TN_MSG_ALLOW_PRIVATE	0x1	/* p2p_allow_private_ips */

/* The topics, numbered as proto TopicKind. */
enum tn_msg_kind {
	TN_MSG_NONE = 0,
	TN_MSG_BLOCK = 1,
	TN_MSG_SUBTREE = 2,
	TN_MSG_MINING_ON = 3,
	TN_MSG_REJECTED_TX = 4,
	TN_MSG_NODE_STATUS = 5,
	TN_MSG_BESTBLOCK = 6,
	TN_MSG_HANDSHAKE = 7,
};
#define TN_MSG_KIND_MAX	7

enum tn_msg_err {
	TN_MSG_OK = 0,
	TN_MSG_ETOOBIG,		/* payload over the topic's cap */
	TN_MSG_EJSON,		/* not one JSON object */
	TN_MSG_EENVELOPE,		/* envelope without base64 "data" */
	TN_MSG_ETYPE,		/* a field of the wrong JSON type */
	TN_MSG_ERANGE,		/* a number out of its field's range */
	TN_MSG_EHASH,		/* a hash that is not ≤64 hex */
	TN_MSG_EHEADER,		/* a header that is not ≤160 hex */
	TN_MSG_EURL,		/* a URL too long, not http(s), malformed */
	TN_MSG_EPRIVATE,		/* a URL to a loopback/private host */
	TN_MSG_EPEERID,		/* a PeerID not ≤128 printable UTF-8 */
	TN_MSG_ETOOLONG,		/* another string over its bound */
	TN_MSG_EHANDSHAKE,		/* handshake type not version/verack */
	TN_MSG_EKIND,		/* unknown message kind */
	TN_MSG_ENOMEM,		/* out of memory while encoding */
};
#define TN_MSG_ERR_MAX	TN_MSG_ENOMEM

/* go-p2p BlockMessage: keys PeerID ClientName DataHubURL Hash Height Header Coinbase */
struct tn_msg_block {
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
	char		client_name[TN_MSG_NAME_MAX + 1];
	char		data_hub_url[TN_MSG_URL_MAX + 1];
	char		hash[TN_MSG_HASH_MAX + 1];
	uint32_t	height;
	char		header[TN_MSG_HEADER_MAX + 1];
	char		*coinbase;	/* owned, NULL for "" (never validated) */
};

/* SubtreeMessage: PeerID ClientName DataHubURL Hash */
struct tn_msg_subtree {
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
	char		client_name[TN_MSG_NAME_MAX + 1];
	char		data_hub_url[TN_MSG_URL_MAX + 1];
	char		hash[TN_MSG_HASH_MAX + 1];
};

/* RejectedTxMessage: PeerID ClientName TxID Reason */
struct tn_msg_rejected_tx {
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
	char		client_name[TN_MSG_NAME_MAX + 1];
	char		tx_id[TN_MSG_HASH_MAX + 1];
	char		reason[TN_MSG_REASON_MAX + 1];
};

/* The seed's MiningOnMessage: Hash PreviousHash DataHubURL PeerID Height
 * Miner SizeInBytes TxCount */
struct tn_msg_mining_on {
	char		hash[TN_MSG_HASH_MAX + 1];
	char		previous_hash[TN_MSG_HASH_MAX + 1];
	char		data_hub_url[TN_MSG_URL_MAX + 1];
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
	uint32_t	height;
	char		miner[TN_MSG_TEXT_MAX + 1];
	uint64_t	size_in_bytes;
	uint64_t	tx_count;
};

/* The seed's BestBlockMessage: PeerID */
struct tn_msg_bestblock {
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
};

/* The seed's HandshakeMessage (camelCase tags): type peerID bestHeight
 * bestHash dataHubURL userAgent services topicPrefix */
struct tn_msg_handshake {
	char		type[TN_MSG_TEXT_MAX + 1];	/* version | verack */
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
	uint32_t	best_height;
	char		best_hash[TN_MSG_HASH_MAX + 1];
	char		data_hub_url[TN_MSG_URL_MAX + 1];
	char		user_agent[TN_MSG_TEXT_MAX + 1];
	uint64_t	services;
	char		topic_prefix[TN_MSG_TEXT_MAX + 1];
};

/* node_status "block_assembly_details" (protobuf JSON, all omitempty). */
struct tn_msg_block_assembly {
	char		block_assembly_state[TN_MSG_TEXT_MAX + 1];
	char		subtree_processor_state[TN_MSG_TEXT_MAX + 1];
	uint32_t	subtree_count;
	uint64_t	tx_count;
	int64_t		queue_count;
	uint32_t	current_height;
	char		current_hash[TN_MSG_HASH_MAX + 1];
	uint32_t	remove_map_count;
	char		(*subtrees)[TN_MSG_HASH_MAX + 1];	/* owned */
	size_t		nsubtrees;
};

/*
 * NodeStatusMessage, snake_case keys in go-p2p's order; "oe" fields are
 * omitempty (left out when zero / unset).  block_assembly_details is the
 * Teranode snapshot's (left out when has_block_assembly is 0).
 */
struct tn_msg_node_status {
	char		peer_id[TN_MSG_PEER_ID_MAX + 1];
	char		client_name[TN_MSG_NAME_MAX + 1];
	char		type[TN_MSG_TEXT_MAX + 1];	/* "node_status" */
	char		base_url[TN_MSG_URL_MAX + 1];
	char		version[TN_MSG_TEXT_MAX + 1];
	char		commit_hash[TN_MSG_TEXT_MAX + 1];
	char		best_block_hash[TN_MSG_HASH_MAX + 1];
	uint32_t	best_height;
	uint64_t	tx_count;			/* oe */
	uint32_t	subtree_count;			/* oe */
	int		has_block_assembly;
	struct tn_msg_block_assembly block_assembly;	/* oe */
	char		fsm_state[TN_MSG_TEXT_MAX + 1];
	int64_t		start_time;			/* unix seconds */
	double		uptime;				/* seconds */
	char		miner_name[TN_MSG_TEXT_MAX + 1];
	char		listen_mode[TN_MSG_TEXT_MAX + 1];
	char		chain_work[TN_MSG_TEXT_MAX + 1];
	char		sync_peer_id[TN_MSG_PEER_ID_MAX + 1];	/* oe */
	uint32_t	sync_peer_height;		/* oe */
	char		sync_peer_block_hash[TN_MSG_HASH_MAX + 1];	/* oe */
	int64_t		sync_connected_at;		/* oe */
	int		has_min_mining_tx_fee;		/* Go *float64 */
	double		min_mining_tx_fee;		/* oe (nil pointer) */
	int64_t		connected_peers_count;		/* oe */
	char		storage[TN_MSG_TEXT_MAX + 1];	/* oe: full | pruned */
};

/* One decoded message.  Zero it (or decode into it) before use. */
struct tn_msg {
	enum tn_msg_kind	kind;
	union {
		struct tn_msg_block	block;
		struct tn_msg_subtree	subtree;
		struct tn_msg_rejected_tx	rejected_tx;
		struct tn_msg_mining_on	mining_on;
		struct tn_msg_bestblock	bestblock;
		struct tn_msg_handshake	handshake;
		struct tn_msg_node_status	node_status;
	} u;
};

/* The gossip envelope. */
struct tn_msg_envelope {
	char		name[TN_MSG_NAME_MAX + 1];	/* sender's client name, cut */
	uint8_t		*data;		/* owned: the message JSON */
	size_t		len;
};

/* Reason text for an enum tn_msg_err ("too_big", "bad_hash", …). */
const char	*tn_msg_strerror(int err);
/* "block", "subtree", "mining_on", "rejected_tx", "node_status",
 * "bestblock", "handshake"; "none" otherwise. */
const char	*tn_msg_kind_name(enum tn_msg_kind kind);
/* The payload cap of a topic, in bytes of message JSON. */
size_t		 tn_msg_cap(enum tn_msg_kind kind);

/*
 * Parse an envelope of at most about 4/3 * data_max bytes; the decoded
 * "data" must be at most data_max bytes.  On success env owns a copy of the
 * data (release with tn_msg_envelope_fini()); on failure env is empty.
 */
int	tn_msg_envelope_decode(const uint8_t *buf, size_t len,
	    size_t data_max, struct tn_msg_envelope *env);
void	tn_msg_envelope_fini(struct tn_msg_envelope *env);
/* Build {"name":…,"data":"<base64>"}; *out is malloc'ed, the caller frees. */
int	tn_msg_envelope_encode(const char *name, const uint8_t *data,
	    size_t len, char **out, size_t *outlen);

/*
 * Decode and check one message JSON of the given kind (its cap applies).
 * On success m owns its heap fields (release with tn_msg_fini());
 * on failure m is zeroed and holds nothing.
 */
int	tn_msg_decode(enum tn_msg_kind kind, const uint8_t *json,
	    size_t len, unsigned flags, struct tn_msg *m);
/* Envelope and message in one; env_name (may be NULL) gets the name. */
int	tn_msg_open(enum tn_msg_kind kind, const uint8_t *buf,
	    size_t len, unsigned flags, char env_name[TN_MSG_NAME_MAX + 1],
	    struct tn_msg *m);
void	tn_msg_fini(struct tn_msg *m);

/*
 * Encode m as Go's encoding/json writes it (key order, omitempty, HTML-safe
 * escaping, shortest floats).  Fields are not checked.  *out is malloc'ed
 * and NUL-terminated; the caller frees it.
 */
int	tn_msg_encode(const struct tn_msg *m, char **out,
	    size_t *outlen);
/* tn_msg_encode() wrapped in the envelope of client_name. */
int	tn_msg_seal(const struct tn_msg *m, const char *client_name,
	    char **out, size_t *outlen);

/*
 * Field checks, exported for the handlers and the API.
 * check_url: ≤2048 bytes of printable ASCII, http:// or https://, a host,
 * an optional numeric port; without
 * TN_MSG_ALLOW_PRIVATE, IP literals (any inet_aton form, IPv6,
 * IPv4-mapped) in loopback, RFC 1918/ULA, link-local, unspecified or
 * broadcast ranges, and localhost / *.localhost, are TN_MSG_EPRIVATE.
 * Other host names pass.  The empty string is TN_MSG_EURL.
 */
int	tn_msg_check_url(const char *url, unsigned flags);
/* 0 if s is ≤64 hex characters (may be empty), else TN_MSG_EHASH. */
int	tn_msg_check_hash(const char *s);
/* chainhash form: 64 lower-case hex, left-zero-padded; -1 on a bad hash. */
int	tn_msg_hash_canon(const char *s,
	    char out[TN_MSG_HASH_MAX + 1]);

#ifdef TN_MSG_INTERNAL
/* msg.c's field tables, for msg_encode.c */
enum tmsg_type {
	T_STR,		/* char array of size */
	T_STRP,		/* owned char *, NULL for "" */
	T_U32,
	T_U64,
	T_I64,
	T_F64,
	T_F64P,		/* int has at off, double at off2 (Go *float64) */
	T_BA,		/* int has at off, block_assembly at off2 */
	T_HASHES,	/* char (*)[65] at off, size_t count at off2 */
};

enum tmsg_check {
	K_TEXT,		/* longer than the array: ETOOLONG */
	K_CUT,		/* cut to the array, control bytes dropped */
	K_HASH,		/* ≤64 hex, may be empty */
	K_HASH_REQ,	/* ≤64 hex, not empty */
	K_HEX,		/* ≤160 hex (block header) */
	K_URL,		/* empty or tn_msg_check_url() */
	K_PEER,		/* ≤128 printable UTF-8 */
	K_HSTYPE,	/* "version" or "verack" */
};

struct tmsg_field {
	const char	*key;
	uint8_t		 type;
	uint8_t		 check;
	uint8_t		 omitempty;
	size_t		 off;
	size_t		 size;
	size_t		 off2;
};

struct tmsg_kind_desc {
	const char			*name;
	size_t				 cap;
	const struct tmsg_field		*fields;
	size_t				 nfields;
};
extern const struct tmsg_kind_desc tn_msg_kinds[TN_MSG_KIND_MAX + 1];
/* node_status's block_assembly object */
extern const struct tmsg_field	tn_msg_block_assembly_fields[];
extern const size_t		tn_msg_block_assembly_nfields;

/* msg_check.c, for msg.c */
/* One strict UTF-8 sequence (as Go's utf8.DecodeRune): its length, or -1. */
int	tn_msg_check_utf8(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 if every character of s is a hex digit. */
int	tn_msg_check_is_hex(const char *s);
/* s into dst[size] without control characters or invalid UTF-8, cut
 * before the first character that does not fit. */
void	tn_msg_check_cut(const char *s, char *dst, size_t size);
/* NULL if s is valid UTF-8, else a copy with each bad byte as U+FFFD
 * (malloc'ed, the caller frees), as Go decodes JSON strings. */
char	*tn_msg_check_fix_utf8(const char *s);
/* 0 if s is ≤128 bytes of printable UTF-8, else TN_MSG_EPEERID. */
int	tn_msg_check_peer(const char *s);
#endif

#endif
