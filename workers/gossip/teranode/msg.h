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
 * (gossip_tmsg_strerror(), usable as a counter label).
 *
 * Pure functions over caller buffers: no I/O, no logging.
 */
#ifndef GOSSIP_TMSG_H
#define GOSSIP_TMSG_H

#include <stddef.h>
#include <stdint.h>

/* Field bounds, in bytes of text (the arrays below hold one more). */
#define GOSSIP_TMSG_HASH_MAX	64	/* display-order hex, ≤64 as chainhash */
#define GOSSIP_TMSG_HEADER_MAX	160	/* hex of the 80-byte header */
#define GOSSIP_TMSG_URL_MAX	2048
#define GOSSIP_TMSG_PEER_ID_MAX	128	/* printable UTF-8 */
#define GOSSIP_TMSG_NAME_MAX	128	/* client names: cut, never refused */
#define GOSSIP_TMSG_REASON_MAX	1024	/* rejected-tx reason: cut, never refused */
#define GOSSIP_TMSG_TEXT_MAX	256	/* every other string; longer is refused */
#define GOSSIP_TMSG_SUBTREES_MAX 1024	/* block_assembly_details.subtrees */

/* Payload caps (bytes of message JSON, before parsing), per topic. */
#define GOSSIP_TMSG_CAP_BLOCK		(32 * 1024)
#define GOSSIP_TMSG_CAP_SUBTREE		(32 * 1024)
#define GOSSIP_TMSG_CAP_NODE_STATUS	(64 * 1024)
#define GOSSIP_TMSG_CAP_REJECTED_TX	(16 * 1024)
#define GOSSIP_TMSG_CAP_OTHER		(16 * 1024)

/* gossip_tmsg_decode() flags */
#define GOSSIP_TMSG_ALLOW_PRIVATE	0x1	/* p2p_allow_private_ips */

/* The topics, numbered as proto TopicKind. */
enum gossip_tmsg_kind {
	GOSSIP_TMSG_NONE = 0,
	GOSSIP_TMSG_BLOCK = 1,
	GOSSIP_TMSG_SUBTREE = 2,
	GOSSIP_TMSG_MINING_ON = 3,
	GOSSIP_TMSG_REJECTED_TX = 4,
	GOSSIP_TMSG_NODE_STATUS = 5,
	GOSSIP_TMSG_BESTBLOCK = 6,
	GOSSIP_TMSG_HANDSHAKE = 7,
};
#define GOSSIP_TMSG_KIND_MAX	7

enum gossip_tmsg_err {
	GOSSIP_TMSG_OK = 0,
	GOSSIP_TMSG_ETOOBIG,		/* payload over the topic's cap */
	GOSSIP_TMSG_EJSON,		/* not one JSON object */
	GOSSIP_TMSG_EENVELOPE,		/* envelope without base64 "data" */
	GOSSIP_TMSG_ETYPE,		/* a field of the wrong JSON type */
	GOSSIP_TMSG_ERANGE,		/* a number out of its field's range */
	GOSSIP_TMSG_EHASH,		/* a hash that is not ≤64 hex */
	GOSSIP_TMSG_EHEADER,		/* a header that is not ≤160 hex */
	GOSSIP_TMSG_EURL,		/* a URL too long, not http(s), malformed */
	GOSSIP_TMSG_EPRIVATE,		/* a URL to a loopback/private host */
	GOSSIP_TMSG_EPEERID,		/* a PeerID not ≤128 printable UTF-8 */
	GOSSIP_TMSG_ETOOLONG,		/* another string over its bound */
	GOSSIP_TMSG_EHANDSHAKE,		/* handshake type not version/verack */
	GOSSIP_TMSG_EKIND,		/* unknown message kind */
	GOSSIP_TMSG_ENOMEM,		/* out of memory while encoding */
};
#define GOSSIP_TMSG_ERR_MAX	GOSSIP_TMSG_ENOMEM

/* go-p2p BlockMessage: keys PeerID ClientName DataHubURL Hash Height Header Coinbase */
struct gossip_tmsg_block {
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
	char		client_name[GOSSIP_TMSG_NAME_MAX + 1];
	char		data_hub_url[GOSSIP_TMSG_URL_MAX + 1];
	char		hash[GOSSIP_TMSG_HASH_MAX + 1];
	uint32_t	height;
	char		header[GOSSIP_TMSG_HEADER_MAX + 1];
	char		*coinbase;	/* owned, NULL for "" (never validated) */
};

/* SubtreeMessage: PeerID ClientName DataHubURL Hash */
struct gossip_tmsg_subtree {
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
	char		client_name[GOSSIP_TMSG_NAME_MAX + 1];
	char		data_hub_url[GOSSIP_TMSG_URL_MAX + 1];
	char		hash[GOSSIP_TMSG_HASH_MAX + 1];
};

/* RejectedTxMessage: PeerID ClientName TxID Reason */
struct gossip_tmsg_rejected_tx {
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
	char		client_name[GOSSIP_TMSG_NAME_MAX + 1];
	char		tx_id[GOSSIP_TMSG_HASH_MAX + 1];
	char		reason[GOSSIP_TMSG_REASON_MAX + 1];
};

/* The seed's MiningOnMessage: Hash PreviousHash DataHubURL PeerID Height
 * Miner SizeInBytes TxCount */
struct gossip_tmsg_mining_on {
	char		hash[GOSSIP_TMSG_HASH_MAX + 1];
	char		previous_hash[GOSSIP_TMSG_HASH_MAX + 1];
	char		data_hub_url[GOSSIP_TMSG_URL_MAX + 1];
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
	uint32_t	height;
	char		miner[GOSSIP_TMSG_TEXT_MAX + 1];
	uint64_t	size_in_bytes;
	uint64_t	tx_count;
};

/* The seed's BestBlockMessage: PeerID */
struct gossip_tmsg_bestblock {
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
};

/* The seed's HandshakeMessage (camelCase tags): type peerID bestHeight
 * bestHash dataHubURL userAgent services topicPrefix */
struct gossip_tmsg_handshake {
	char		type[GOSSIP_TMSG_TEXT_MAX + 1];	/* version | verack */
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
	uint32_t	best_height;
	char		best_hash[GOSSIP_TMSG_HASH_MAX + 1];
	char		data_hub_url[GOSSIP_TMSG_URL_MAX + 1];
	char		user_agent[GOSSIP_TMSG_TEXT_MAX + 1];
	uint64_t	services;
	char		topic_prefix[GOSSIP_TMSG_TEXT_MAX + 1];
};

/* node_status "block_assembly_details" (protobuf JSON, all omitempty). */
struct gossip_tmsg_block_assembly {
	char		block_assembly_state[GOSSIP_TMSG_TEXT_MAX + 1];
	char		subtree_processor_state[GOSSIP_TMSG_TEXT_MAX + 1];
	uint32_t	subtree_count;
	uint64_t	tx_count;
	int64_t		queue_count;
	uint32_t	current_height;
	char		current_hash[GOSSIP_TMSG_HASH_MAX + 1];
	uint32_t	remove_map_count;
	char		(*subtrees)[GOSSIP_TMSG_HASH_MAX + 1];	/* owned */
	size_t		nsubtrees;
};

/*
 * NodeStatusMessage, snake_case keys in go-p2p's order; "oe" fields are
 * omitempty (left out when zero / unset).  block_assembly_details is the
 * Teranode snapshot's (left out when has_block_assembly is 0).
 */
struct gossip_tmsg_node_status {
	char		peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];
	char		client_name[GOSSIP_TMSG_NAME_MAX + 1];
	char		type[GOSSIP_TMSG_TEXT_MAX + 1];	/* "node_status" */
	char		base_url[GOSSIP_TMSG_URL_MAX + 1];
	char		version[GOSSIP_TMSG_TEXT_MAX + 1];
	char		commit_hash[GOSSIP_TMSG_TEXT_MAX + 1];
	char		best_block_hash[GOSSIP_TMSG_HASH_MAX + 1];
	uint32_t	best_height;
	uint64_t	tx_count;			/* oe */
	uint32_t	subtree_count;			/* oe */
	int		has_block_assembly;
	struct gossip_tmsg_block_assembly block_assembly;	/* oe */
	char		fsm_state[GOSSIP_TMSG_TEXT_MAX + 1];
	int64_t		start_time;			/* unix seconds */
	double		uptime;				/* seconds */
	char		miner_name[GOSSIP_TMSG_TEXT_MAX + 1];
	char		listen_mode[GOSSIP_TMSG_TEXT_MAX + 1];
	char		chain_work[GOSSIP_TMSG_TEXT_MAX + 1];
	char		sync_peer_id[GOSSIP_TMSG_PEER_ID_MAX + 1];	/* oe */
	uint32_t	sync_peer_height;		/* oe */
	char		sync_peer_block_hash[GOSSIP_TMSG_HASH_MAX + 1];	/* oe */
	int64_t		sync_connected_at;		/* oe */
	int		has_min_mining_tx_fee;		/* Go *float64 */
	double		min_mining_tx_fee;		/* oe (nil pointer) */
	int64_t		connected_peers_count;		/* oe */
	char		storage[GOSSIP_TMSG_TEXT_MAX + 1];	/* oe: full | pruned */
};

/* One decoded message.  Zero it (or decode into it) before use. */
struct gossip_tmsg {
	enum gossip_tmsg_kind	kind;
	union {
		struct gossip_tmsg_block	block;
		struct gossip_tmsg_subtree	subtree;
		struct gossip_tmsg_rejected_tx	rejected_tx;
		struct gossip_tmsg_mining_on	mining_on;
		struct gossip_tmsg_bestblock	bestblock;
		struct gossip_tmsg_handshake	handshake;
		struct gossip_tmsg_node_status	node_status;
	} u;
};

/* The gossip envelope. */
struct gossip_tmsg_envelope {
	char		name[GOSSIP_TMSG_NAME_MAX + 1];	/* sender's client name, cut */
	uint8_t		*data;		/* owned: the message JSON */
	size_t		len;
};

/* Reason text for an enum gossip_tmsg_err ("too_big", "bad_hash", …). */
const char	*gossip_tmsg_strerror(int err);
/* "block", "subtree", "mining_on", "rejected_tx", "node_status",
 * "bestblock", "handshake"; "none" otherwise. */
const char	*gossip_tmsg_kind_name(enum gossip_tmsg_kind kind);
/* The payload cap of a topic, in bytes of message JSON. */
size_t		 gossip_tmsg_cap(enum gossip_tmsg_kind kind);

/*
 * Parse an envelope of at most about 4/3 * data_max bytes; the decoded
 * "data" must be at most data_max bytes.  On success env owns a copy of the
 * data (release with gossip_tmsg_envelope_fini()); on failure env is empty.
 */
int	gossip_tmsg_envelope_decode(const uint8_t *buf, size_t len,
	    size_t data_max, struct gossip_tmsg_envelope *env);
void	gossip_tmsg_envelope_fini(struct gossip_tmsg_envelope *env);
/* Build {"name":…,"data":"<base64>"}; *out is malloc'ed, the caller frees. */
int	gossip_tmsg_envelope_encode(const char *name, const uint8_t *data,
	    size_t len, char **out, size_t *outlen);

/*
 * Decode and check one message JSON of the given kind (its cap applies).
 * On success m owns its heap fields (release with gossip_tmsg_fini());
 * on failure m is zeroed and holds nothing.
 */
int	gossip_tmsg_decode(enum gossip_tmsg_kind kind, const uint8_t *json,
	    size_t len, unsigned flags, struct gossip_tmsg *m);
/* Envelope and message in one; env_name (may be NULL) gets the name. */
int	gossip_tmsg_open(enum gossip_tmsg_kind kind, const uint8_t *buf,
	    size_t len, unsigned flags, char env_name[GOSSIP_TMSG_NAME_MAX + 1],
	    struct gossip_tmsg *m);
void	gossip_tmsg_fini(struct gossip_tmsg *m);

/*
 * Encode m as Go's encoding/json writes it (key order, omitempty, HTML-safe
 * escaping, shortest floats).  Fields are not checked.  *out is malloc'ed
 * and NUL-terminated; the caller frees it.
 */
int	gossip_tmsg_encode(const struct gossip_tmsg *m, char **out,
	    size_t *outlen);
/* gossip_tmsg_encode() wrapped in the envelope of client_name. */
int	gossip_tmsg_seal(const struct gossip_tmsg *m, const char *client_name,
	    char **out, size_t *outlen);

/*
 * Field checks, exported for the handlers and the API.
 * check_url: ≤2048 bytes of printable ASCII, http:// or https://, a host,
 * an optional numeric port; without
 * GOSSIP_TMSG_ALLOW_PRIVATE, IP literals (any inet_aton form, IPv6,
 * IPv4-mapped) in loopback, RFC 1918/ULA, link-local, unspecified or
 * broadcast ranges, and localhost / *.localhost, are GOSSIP_TMSG_EPRIVATE.
 * Other host names pass.  The empty string is GOSSIP_TMSG_EURL.
 */
int	gossip_tmsg_check_url(const char *url, unsigned flags);
/* 0 if s is ≤64 hex characters (may be empty), else GOSSIP_TMSG_EHASH. */
int	gossip_tmsg_check_hash(const char *s);
/* chainhash form: 64 lower-case hex, left-zero-padded; -1 on a bad hash. */
int	gossip_tmsg_hash_canon(const char *s,
	    char out[GOSSIP_TMSG_HASH_MAX + 1]);

#ifdef GOSSIP_TMSG_INTERNAL
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
	K_URL,		/* empty or gossip_tmsg_check_url() */
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
extern const struct tmsg_kind_desc gossip_tmsg_kinds[GOSSIP_TMSG_KIND_MAX + 1];
/* node_status's block_assembly object */
extern const struct tmsg_field	gossip_tmsg_block_assembly_fields[];
extern const size_t		gossip_tmsg_block_assembly_nfields;

/* msg_check.c, for msg.c */
/* One strict UTF-8 sequence (as Go's utf8.DecodeRune): its length, or -1. */
int	gossip_tmsg_check_utf8(const unsigned char *s, size_t n, uint32_t *cp);
/* 1 if every character of s is a hex digit. */
int	gossip_tmsg_check_is_hex(const char *s);
/* s into dst[size] without control characters or invalid UTF-8, cut
 * before the first character that does not fit. */
void	gossip_tmsg_check_cut(const char *s, char *dst, size_t size);
/* NULL if s is valid UTF-8, else a copy with each bad byte as U+FFFD
 * (malloc'ed, the caller frees), as Go decodes JSON strings. */
char	*gossip_tmsg_check_fix_utf8(const char *s);
/* 0 if s is ≤128 bytes of printable UTF-8, else GOSSIP_TMSG_EPEERID. */
int	gossip_tmsg_check_peer(const char *s);
#endif

#endif
