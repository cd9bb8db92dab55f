/*
 * The door of the gossip worker's libp2p layer (workers/gossip/libp2p/):
 * the only header of this folder that files outside it include.  It knows
 * nothing of pubsub or Teranode.
 *
 * First the pure codecs: varints, base58, Ed25519 identity and peer IDs,
 * multiaddrs, multistream-select lines, the Noise XX handshake and
 * transport, and yamux framing.  Each is a pure function over caller
 * buffers (no sockets, no logging) except the p2p.key file helpers, so unit
 * tests and libFuzzer targets call them directly.  Peer input never makes
 * these functions crash or allocate without bound.
 *
 * Then the host (struct p2p_host): listeners, dials, connections, yamux
 * streams and the protocols on them.  Higher layers plug in through the
 * protocol table (p2p_host_add_proto) and the connection callbacks
 * (struct p2p_host_cbs); the host never calls them by name.
 */
#ifndef LIBP2P_LIBP2P_H
#define LIBP2P_LIBP2P_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* ---- varint.c: multiformats unsigned varint ---------------------- */

#define P2P_VARINT_MAX	9	/* bytes; 63 bits, as go-varint */

enum p2p_varint_rc {
	P2P_VARINT_OK = 0,
	P2P_VARINT_SHORT = 1,	/* buffer ends inside the varint */
	P2P_VARINT_BAD = -1,		/* over 63 bits or not minimal */
};

/* Encode v into out (P2P_VARINT_MAX bytes); returns the length used. */
size_t	p2p_varint_encode(uint64_t v, uint8_t *out);
/* Length p2p_varint_encode() would use for v. */
size_t	p2p_varint_size(uint64_t v);
/* Decode one minimal varint at buf; *used is set on P2P_VARINT_OK. */
int	p2p_varint_decode(const uint8_t *buf, size_t len, uint64_t *v,
	    size_t *used);

/* ---- base58.c: base58btc (Bitcoin alphabet) ---------------------- */

#define P2P_BASE58_IN_MAX	128	/* bytes accepted by either direction */

/* Encode len bytes as NUL-terminated text in out; -1 if out is too small. */
int	p2p_base58_encode(const uint8_t *in, size_t len, char *out,
	    size_t outcap);
/* Decode base58 text; -1 on a bad character, overflow or too long input. */
int	p2p_base58_decode(const char *in, size_t inlen, uint8_t *out,
	    size_t outcap, size_t *outlen);

/* ---- identity.c: Ed25519 identity, keys and peer IDs -------------- */

#define P2P_PEER_ID_MAX	44	/* identity multihash of a 42-byte key */
#define P2P_PEER_ID_TEXT_MAX	64	/* base58 text incl. NUL */
#define P2P_PUBKEY_PB_LEN	36	/* 08 01 12 20 || pk */
#define P2P_PRIVKEY_PB_LEN	68	/* 08 01 12 40 || seed || pk */

/* A binary peer ID: a multihash (identity or sha2-256). */
struct p2p_peer_id {
	uint8_t	bytes[P2P_PEER_ID_MAX];
	size_t	len;
};

/* Our libp2p identity.  Secret material; wipe with p2p_identity_fini(). */
struct p2p_identity {
	uint8_t			sk[64];	/* libsodium form: seed || pk */
	uint8_t			pk[32];
	struct p2p_peer_id	peer_id;
	char			peer_id_text[P2P_PEER_ID_TEXT_MAX];
};

enum p2p_identity_rc {
	P2P_IDENTITY_OK = 0,
	P2P_IDENTITY_EHEX = -1,	/* not hex */
	P2P_IDENTITY_ELEN = -2,	/* not 64/96 raw bytes nor protobuf */
	P2P_IDENTITY_EMISMATCH = -3,	/* public half does not match */
	P2P_IDENTITY_ETYPE = -4,	/* protobuf key that is not Ed25519 */
	P2P_IDENTITY_EIO = -5,	/* file error; errno is set */
	P2P_IDENTITY_ECRYPTO = -6,	/* libsodium failed */
};

const char *p2p_identity_strerror(int rc);

/* Fresh random key. */
int	p2p_identity_generate(struct p2p_identity *id);
/* Key from a 32-byte Ed25519 seed. */
int	p2p_identity_from_seed(struct p2p_identity *id,
	    const uint8_t seed[32]);
/*
 * Key from hex text (surrounding whitespace ignored): 64 bytes seed||pk,
 * 96 bytes seed||pk||pk, or a protobuf PrivateKey (the bus's "08011240…").
 * A stored public half must match the seed.
 */
int	p2p_identity_from_hex(struct p2p_identity *id, const char *hex,
	    size_t len);
/* Read a p2p.key file (hex, as above). */
int	p2p_identity_load(struct p2p_identity *id, const char *path);
/* Write the 96-byte hex form Teranode writes, mode 0600, atomically. */
int	p2p_identity_save(const struct p2p_identity *id,
	    const char *path);
/* Load path, or generate and save a key when it does not exist. */
int	p2p_identity_load_or_create(struct p2p_identity *id,
	    const char *path, int *created);
void	p2p_identity_fini(struct p2p_identity *id);

/* Sign msg with the identity key (RFC 8032, no pre-hash). */
void	p2p_identity_sign(const struct p2p_identity *id,
	    const uint8_t *msg, size_t len, uint8_t sig[64]);
/* 0 if sig is pk's valid signature over msg, else -1. */
int	p2p_identity_verify(const uint8_t pk[32], const uint8_t *msg,
	    size_t len, const uint8_t sig[64]);

/* Protobuf PublicKey / PrivateKey of an Ed25519 key (deterministic). */
void	p2p_identity_pubkey_encode(const uint8_t pk[32],
	    uint8_t out[P2P_PUBKEY_PB_LEN]);
void	p2p_identity_privkey_encode(const struct p2p_identity *id,
	    uint8_t out[P2P_PRIVKEY_PB_LEN]);
/* Decode a protobuf PublicKey; only Ed25519 with 32 bytes is accepted. */
int	p2p_identity_pubkey_decode(const uint8_t *buf, size_t len,
	    uint8_t pk[32]);

/* Peer ID (identity multihash of the protobuf public key) of pk. */
void	p2p_identity_peer_id(const uint8_t pk[32],
	    struct p2p_peer_id *out);
/* Check that buf is a peer ID multihash (identity <= 42 or sha2-256). */
int	p2p_identity_peer_id_check(const uint8_t *buf, size_t len);
/* Parse base58btc ("12D3KooW…", "Qm…") or CIDv1 base32 ("b…") text. */
int	p2p_identity_peer_id_parse(const char *text, size_t len,
	    struct p2p_peer_id *out);
/* base58btc text of a peer ID into out (P2P_PEER_ID_TEXT_MAX). */
int	p2p_identity_peer_id_format(const struct p2p_peer_id *id,
	    char *out, size_t outcap);
/* The Ed25519 key inside an identity peer ID; -1 for any other kind. */
int	p2p_identity_peer_id_pubkey(const struct p2p_peer_id *id,
	    uint8_t pk[32]);
int	p2p_identity_peer_id_equal(const struct p2p_peer_id *a,
	    const struct p2p_peer_id *b);

/* ---- multiaddr.c: multiaddr text <-> binary ----------------------- */

#define P2P_MULTIADDR_MAX		512	/* binary bytes */
#define P2P_MULTIADDR_TEXT_MAX	1024	/* text bytes incl. NUL */

#define P2P_MA_IP4		4
#define P2P_MA_TCP		6
#define P2P_MA_IP6		41
#define P2P_MA_DNS		53
#define P2P_MA_DNS4		54
#define P2P_MA_DNS6		55
#define P2P_MA_DNSADDR	56
#define P2P_MA_UDP		273
#define P2P_MA_P2P_CIRCUIT	290
#define P2P_MA_P2P		421

struct p2p_multiaddr {
	uint8_t	bytes[P2P_MULTIADDR_MAX];
	size_t	len;
};

/* One component of a binary multiaddr; value borrows from the input. */
struct p2p_multiaddr_part {
	uint64_t	 code;
	const uint8_t	*value;
	size_t		 value_len;
};

/*
 * terap2pd -n: every setting p2p_host_start() would refuse (p2p_private_key,
 * p2p_listen_addresses, p2p_static_peers, p2p_bootstrapAddresses,
 * p2p_shared_key), without binding or creating anything.  -1 with err
 * naming the key.
 */
struct config;
int	p2p_host_check(const struct config *, char *err, size_t errlen);

/* Text ("/ip4/1.2.3.4/tcp/9905/p2p/12D3…") to binary; -1 on garbage. */
int	p2p_multiaddr_parse(const char *text, size_t len,
	    struct p2p_multiaddr *out);
/* Binary to NUL-terminated text; -1 on garbage or a small out. */
int	p2p_multiaddr_format(const uint8_t *buf, size_t len, char *out,
	    size_t outcap);
/*
 * Step through buf: 1 and the part at *off (advanced), 0 at the end, -1 on
 * a malformed or unknown component.
 */
int	p2p_multiaddr_next(const uint8_t *buf, size_t len, size_t *off,
	    struct p2p_multiaddr_part *part);
/* 0 if buf is a well-formed binary multiaddr of known protocols. */
int	p2p_multiaddr_check(const uint8_t *buf, size_t len);

/* ---- peerrecord.c: signed envelope + peer record (RFC 0002/0003) -- */

#define P2P_RECORD_DOMAIN	"libp2p-peer-record"
#define P2P_RECORD_MAX		4096	/* envelope bytes accepted */
#define P2P_RECORD_ADDRS	16	/* addresses kept from one record */

enum p2p_record_rc {
	P2P_RECORD_OK = 0,
	P2P_RECORD_EMALFORMED = -1,	/* not an envelope or a record */
	P2P_RECORD_ETOOBIG = -2,	/* over P2P_RECORD_MAX */
	P2P_RECORD_ETYPE = -3,		/* payload type is not 0x0301 */
	P2P_RECORD_EKEY = -4,		/* signer key is not Ed25519 */
	P2P_RECORD_ESIG = -5,		/* signature does not verify */
	P2P_RECORD_EPEER = -6,		/* record's peer ID is not the key's */
};

/* A peer record's content (addresses binary, well-formed ones only). */
struct p2p_peer_record {
	struct p2p_peer_id	peer;
	uint64_t		seq;
	struct p2p_multiaddr	addrs[P2P_RECORD_ADDRS];
	size_t			naddrs;
	size_t			dropped;	/* malformed or over the cap */
};

const char *p2p_record_strerror(int rc);
/*
 * Seal our peer record (seq, up to P2P_RECORD_ADDRS addresses) in a signed
 * envelope; *out is malloc'd, the caller's.  -1 on out-of-memory.
 */
int	p2p_record_seal(const struct p2p_identity *id, uint64_t seq,
	    const struct p2p_multiaddr *addrs, size_t naddrs, uint8_t **out,
	    size_t *outlen);
/*
 * Check a received envelope: its size, payload type, Ed25519 signature,
 * and that the record's peer ID is the signer's; fill r.  Pure.
 */
int	p2p_record_open(const uint8_t *buf, size_t len,
	    struct p2p_peer_record *r);
/* Decode a PeerRecord payload alone (no signature check). */
int	p2p_record_decode(const uint8_t *buf, size_t len,
	    struct p2p_peer_record *r);

/* ---- mss.c: multistream-select 1.0 -------------------------------- */

#define P2P_MSS_PROTOCOL	"/multistream/1.0.0"
#define P2P_MSS_NA		"na"
#define P2P_MSS_LS		"ls"
#define P2P_MSS_MSG_MAX	1024	/* bytes incl. the newline, as Go */

enum p2p_mss_rc {
	P2P_MSS_LINE = 1,		/* a line is ready in parser->line */
	P2P_MSS_AGAIN = 0,		/* all input consumed, need more */
	P2P_MSS_ETOOBIG = -1,	/* message over P2P_MSS_MSG_MAX */
	P2P_MSS_EBADLEN = -2,	/* bad length varint */
	P2P_MSS_ENONL = -3,		/* no trailing newline */
	P2P_MSS_ENUL = -4,		/* NUL byte in the line */
	P2P_MSS_ESPACE = -5,		/* output buffer too small */
};

const char *p2p_mss_strerror(int rc);

/* Incremental reader of length-prefixed lines. */
struct p2p_mss_parser {
	uint8_t	hdr[2];		/* length varint bytes seen so far */
	size_t	hdr_len;
	size_t	body_len;	/* 0 until the varint is complete */
	size_t	have;		/* body bytes in line[] so far */
	char	line[P2P_MSS_MSG_MAX + 1];	/* NUL-terminated, no '\n' */
	size_t	line_len;
};

void	p2p_mss_parser_init(struct p2p_mss_parser *p);
/*
 * Consume bytes from in until one line is complete.  *consumed says how
 * many bytes were taken; bytes after a line (lazy protocol data) are left
 * for the caller.  Returns P2P_MSS_LINE, P2P_MSS_AGAIN or an error.
 */
int	p2p_mss_parser_feed(struct p2p_mss_parser *p, const uint8_t *in,
	    size_t len, size_t *consumed);
/* Append "uvarint(len) text \n" for text to out at *off. */
int	p2p_mss_encode(const char *text, uint8_t *out, size_t outcap,
	    size_t *off);
/* Append the `ls` answer listing protos[0..n) to out at *off. */
int	p2p_mss_encode_ls(const char *const *protos, size_t n, uint8_t *out,
	    size_t outcap, size_t *off);
/*
 * Responder step: given a received proposal, append the echo (and set
 * *selected to its index in protos), the `ls` list, or `na` (*selected
 * -1) to out at *off.
 */
int	p2p_mss_respond(const char *line, const char *const *protos,
	    size_t n, uint8_t *out, size_t outcap, size_t *off, int *selected);

/* ---- noise.c: Noise XX 25519/ChaChaPoly/SHA256 for libp2p ---------- */

#define P2P_NOISE_MSG_MAX	65535	/* noise message, excluding the prefix */
#define P2P_NOISE_TAG_LEN	16
#define P2P_NOISE_PLAIN_MAX	(P2P_NOISE_MSG_MAX - P2P_NOISE_TAG_LEN)
#define P2P_NOISE_FRAME_MAX	(P2P_NOISE_MSG_MAX + 2)
#define P2P_NOISE_MUXER	"/yamux/1.0.0"
#define P2P_NOISE_MUXERS_MAX	100	/* longer lists are ignored, as Go */

enum p2p_noise_rc {
	P2P_NOISE_OK = 0,
	P2P_NOISE_AGAIN = 1,		/* frame incomplete */
	P2P_NOISE_ESTATE = -1,	/* call out of order */
	P2P_NOISE_ELEN = -2,		/* message too short or too long */
	P2P_NOISE_EDECRYPT = -3,	/* authentication failed */
	P2P_NOISE_EDH = -4,		/* low-order point */
	P2P_NOISE_EPAYLOAD = -5,	/* payload protobuf malformed */
	P2P_NOISE_EKEY = -6,		/* identity key missing/unsupported */
	P2P_NOISE_ESIG = -7,		/* identity signature invalid */
	P2P_NOISE_EPEERID = -8,	/* not the peer ID we dialed */
	P2P_NOISE_ESPACE = -9,	/* output buffer too small */
	P2P_NOISE_ENONCE = -10,	/* nonce exhausted */
};

const char *p2p_noise_strerror(int rc);

struct p2p_noise_cipher {
	uint8_t		k[32];
	uint64_t	n;
	int		has_key;
};

/* What a verified handshake payload told us about the peer. */
struct p2p_noise_remote {
	uint8_t			pk[32];		/* Ed25519 identity key */
	struct p2p_peer_id	peer_id;
	int			sent_muxers;	/* sent a usable muxer list */
	int			has_yamux;	/* ... that lists /yamux/1.0.0 */
};

/* One side of one handshake.  Secret material; _fini wipes it. */
struct p2p_noise_hs {
	int				initiator;
	int				step;	/* messages done, 0..3 */
	int				send_muxers;
	uint8_t				h[32];
	uint8_t				ck[32];
	struct p2p_noise_cipher	cs;
	uint8_t				s_priv[32], s_pub[32];
	uint8_t				e_priv[32], e_pub[32];
	uint8_t				rs[32], re[32];
	const struct p2p_identity	*id;		/* borrowed */
	int				has_expected;
	struct p2p_peer_id		expected;
	struct p2p_noise_remote	remote;
};

/* The two transport directions after the handshake. */
struct p2p_noise_transport {
	struct p2p_noise_cipher	send;
	struct p2p_noise_cipher	recv;
};

/*
 * Start a handshake with fresh X25519 static and ephemeral keys.  id is
 * borrowed for the handshake's life; expected (may be NULL) is the peer ID
 * a dialer insists on.  send_muxers puts ["/yamux/1.0.0"] in our payload.
 */
int	p2p_noise_hs_init(struct p2p_noise_hs *hs, int initiator,
	    const struct p2p_identity *id,
	    const struct p2p_peer_id *expected, int send_muxers);
/* Test hook: replace the generated X25519 keys (NULL keeps one). */
void	p2p_noise_hs_set_keys(struct p2p_noise_hs *hs,
	    const uint8_t s_priv[32], const uint8_t e_priv[32]);
void	p2p_noise_hs_fini(struct p2p_noise_hs *hs);
/* 1 when it is our turn to write, 0 when we wait for the peer. */
int	p2p_noise_hs_our_turn(const struct p2p_noise_hs *hs);
/* 1 once all three messages are done. */
int	p2p_noise_hs_done(const struct p2p_noise_hs *hs);

/*
 * libp2p level: write our next handshake message as a frame (2-byte
 * length included) into out, with the signed payload in messages 2 and 3.
 */
int	p2p_noise_hs_write(struct p2p_noise_hs *hs, uint8_t *out,
	    size_t outcap, size_t *outlen);
/*
 * Read the peer's next handshake message msg (frame body, no prefix);
 * messages 2 and 3 must carry a payload that verifies, and the peer ID
 * must equal the expected one.  The result lands in hs->remote.
 */
int	p2p_noise_hs_read(struct p2p_noise_hs *hs, const uint8_t *msg,
	    size_t len);
/* Whether yamux was agreed inside the handshake (the B6 rule). */
int	p2p_noise_hs_inline_yamux(const struct p2p_noise_hs *hs);
/* After the third message: derive the transport keys and wipe hs. */
int	p2p_noise_hs_split(struct p2p_noise_hs *hs,
	    struct p2p_noise_transport *t);

/* Raw Noise level (no framing, caller's payload): for vectors and tests. */
int	p2p_noise_hs_write_raw(struct p2p_noise_hs *hs,
	    const uint8_t *payload, size_t plen, uint8_t *out, size_t outcap,
	    size_t *outlen);
int	p2p_noise_hs_read_raw(struct p2p_noise_hs *hs, const uint8_t *msg,
	    size_t len, uint8_t *payload, size_t paycap, size_t *plen);

/* Our handshake payload: identity key, signature over static_pub, muxers. */
int	p2p_noise_payload_encode(const struct p2p_identity *id,
	    const uint8_t static_pub[32], int send_muxers, uint8_t *out,
	    size_t outcap, size_t *outlen);
/* Decode and verify a peer's payload against its Noise static key rs. */
int	p2p_noise_payload_verify(const uint8_t *buf, size_t len,
	    const uint8_t rs[32], struct p2p_noise_remote *out);

/*
 * Find one frame in a byte stream: P2P_NOISE_OK with *msg, *msglen
 * (borrowed from buf) and *consumed, or P2P_NOISE_AGAIN.
 */
int	p2p_noise_frame_next(const uint8_t *buf, size_t len,
	    const uint8_t **msg, size_t *msglen, size_t *consumed);
/* Encrypt len <= P2P_NOISE_PLAIN_MAX bytes into one frame in out; plain
 * may be out + 2 (encryption in place). */
int	p2p_noise_encrypt(struct p2p_noise_transport *t,
	    const uint8_t *plain, size_t len, uint8_t *out, size_t outcap,
	    size_t *outlen);
/* Decrypt one frame body into out (len - 16 bytes). */
int	p2p_noise_decrypt(struct p2p_noise_transport *t,
	    const uint8_t *msg, size_t len, uint8_t *out, size_t outcap,
	    size_t *outlen);
void	p2p_noise_transport_fini(struct p2p_noise_transport *t);

/* ---- yamux.c: yamux framing and stream bookkeeping ---------------- */

#define P2P_YAMUX_HDR_LEN		12
#define P2P_YAMUX_WINDOW		(256 * 1024)	/* initial, per stream */
#define P2P_YAMUX_FRAME_DATA_MAX	(64 * 1024)	/* our largest Data */
#define P2P_YAMUX_STREAMS_MAX	128		/* hard cap per session */

enum p2p_yamux_type {
	P2P_YAMUX_DATA = 0,
	P2P_YAMUX_WINDOW_UPDATE = 1,
	P2P_YAMUX_PING = 2,
	P2P_YAMUX_GO_AWAY = 3,
};

#define P2P_YAMUX_SYN	0x1
#define P2P_YAMUX_ACK	0x2
#define P2P_YAMUX_FIN	0x4
#define P2P_YAMUX_RST	0x8

enum p2p_yamux_goaway {
	P2P_YAMUX_GOAWAY_NORMAL = 0,
	P2P_YAMUX_GOAWAY_PROTO = 1,
	P2P_YAMUX_GOAWAY_INTERNAL = 2,
};

struct p2p_yamux_hdr {
	uint8_t		version;
	uint8_t		type;
	uint16_t	flags;
	uint32_t	stream_id;
	uint32_t	length;
};

/* Encode hdr into 12 bytes. */
void	p2p_yamux_hdr_encode(const struct p2p_yamux_hdr *hdr,
	    uint8_t out[P2P_YAMUX_HDR_LEN]);
/* Decode 12 bytes; -1 on a bad version or type. */
int	p2p_yamux_hdr_decode(const uint8_t *buf, size_t len,
	    struct p2p_yamux_hdr *hdr);

/* Per-stream bookkeeping; id 0 marks a free slot. */
struct p2p_yamux_stream {
	uint32_t	id;
	uint32_t	flags;		/* P2P_YAMUX_ST_* */
	uint32_t	send_window;	/* credit the peer gave us */
	uint32_t	recv_window;	/* credit we gave, not yet used */
	uint32_t	recv_pending;	/* consumed, not yet given back */
};

#define P2P_YAMUX_ST_SYN_SENT	0x1	/* we opened; no ACK yet */
#define P2P_YAMUX_ST_LOCAL_FIN	0x2
#define P2P_YAMUX_ST_REMOTE_FIN	0x4

/*
 * One yamux session's logic without I/O: stream IDs and parity, windows,
 * the stream cap, pings and go-away.  The caller moves the bytes.
 */
struct p2p_yamux_session {
	int				client;		/* dialer: odd IDs */
	uint32_t			next_id;
	size_t				max_streams;
	size_t				nstreams;
	int				goaway_sent;
	int				goaway_recv;
	uint32_t			goaway_code;	/* the peer's */
	struct p2p_yamux_stream	streams[P2P_YAMUX_STREAMS_MAX];
};

/* What one received header means; several bits may be set together. */
#define P2P_YAMUX_EV_OPEN	0x001	/* the peer opened stream_id */
#define P2P_YAMUX_EV_DATA	0x002	/* length payload bytes follow */
#define P2P_YAMUX_EV_DISCARD	0x004	/* length bytes follow: drop them */
#define P2P_YAMUX_EV_ACKED	0x008	/* our open was accepted */
#define P2P_YAMUX_EV_WINDOW	0x010	/* more send credit */
#define P2P_YAMUX_EV_FIN	0x020	/* the peer half-closed */
#define P2P_YAMUX_EV_RST	0x040	/* stream reset and freed */
#define P2P_YAMUX_EV_CLOSED	0x080	/* both FINs: stream freed */
#define P2P_YAMUX_EV_PONG	0x100	/* answer to our ping (length) */
#define P2P_YAMUX_EV_GOAWAY	0x200	/* no new streams; code in length */

struct p2p_yamux_event {
	uint32_t		events;		/* P2P_YAMUX_EV_* */
	uint32_t		stream_id;
	uint32_t		length;
	int			has_reply;	/* send reply now */
	struct p2p_yamux_hdr	reply;
};

/* max_streams is capped at P2P_YAMUX_STREAMS_MAX. */
void	p2p_yamux_session_init(struct p2p_yamux_session *s, int client,
	    size_t max_streams);
/*
 * Apply one received header.  0 with *ev filled in, or -1 on a protocol
 * violation (bad parity, duplicate SYN, window overrun, data after FIN):
 * the caller sends the go-away in ev->reply and closes the connection.
 */
int	p2p_yamux_session_recv(struct p2p_yamux_session *s,
	    const struct p2p_yamux_hdr *hdr, struct p2p_yamux_event *ev);
/* Open a stream: *id and the WindowUpdate+SYN header to send. */
int	p2p_yamux_stream_open(struct p2p_yamux_session *s, uint32_t *id,
	    struct p2p_yamux_hdr *out);
/* Bytes we may send on id now (window and frame cap); 0 if none. */
uint32_t p2p_yamux_stream_send_max(const struct p2p_yamux_session *s,
	    uint32_t id);
/* Account len bytes of Data on id and give its header; -1 past window. */
int	p2p_yamux_stream_send(struct p2p_yamux_session *s, uint32_t id,
	    uint32_t len, struct p2p_yamux_hdr *out);
/*
 * The application consumed n received bytes of id.  Sets *has_update and
 * the WindowUpdate to send once half the window is used up.
 */
int	p2p_yamux_stream_consumed(struct p2p_yamux_session *s,
	    uint32_t id, uint32_t n, struct p2p_yamux_hdr *out,
	    int *has_update);
/* Half-close (FIN) or reset (RST) id and give the header to send. */
int	p2p_yamux_stream_close(struct p2p_yamux_session *s, uint32_t id,
	    struct p2p_yamux_hdr *out);
int	p2p_yamux_stream_reset(struct p2p_yamux_session *s, uint32_t id,
	    struct p2p_yamux_hdr *out);
/* Ping request with opaque value, and the session go-away. */
void	p2p_yamux_ping(uint32_t value, struct p2p_yamux_hdr *out);
void	p2p_yamux_go_away(struct p2p_yamux_session *s, uint32_t code,
	    struct p2p_yamux_hdr *out);

/* ---- the host: connections, streams, protocols -------------------------- */

struct bufferevent;
struct evbuffer;
struct evconnlistener;
struct event;
struct evdns_base;
struct proc;

#define P2P_PING_INTERVAL_MS		30000
#define P2P_CONN_OUTBUF_MAX		(4u * 1024 * 1024)	/* per connection */
#define P2P_CONN_IO_CHUNK		(256 * 1024)
#define P2P_HEAP_KEEP			(16 * 1024 * 1024)	/* freed, kept */
#define P2P_HEAP_MMAP_MIN		(1024 * 1024)	/* smaller: heap */
#define P2P_CONN_LIBEVENT_READ		4096	/* libevent 2.1's read size */
#define P2P_CONN_READ_PIECE		(64 * 1024)	/* one readv */
#define P2P_STREAM_INBUF_MAX		(1u * 1024 * 1024)
#define P2P_LISTENERS_MAX		16
#define P2P_ADDR_TEXT_MAX		96
#define P2P_PROTOS_MAX			15	/* protocols a host serves */
#define P2P_CONN_SLOTS			4	/* per-connection slots above */

/* multistream-select over an evbuffer (negotiate.c) */
struct p2p_nego {
	struct p2p_mss_parser	p;
	int				initiator;
	int				got_header;
};

struct p2p_host;
struct p2p_conn;
struct p2p_static;
struct p2p_stream;

/* A protocol served on yamux streams (identify, ping, meshsub ...). */
struct p2p_proto {
	const char	*id;		/* "/ipfs/ping/1.0.0" */
	/* The stream is negotiated (either side opened it). */
	void		(*open)(struct p2p_stream *);
	/* New bytes are in s->in. */
	void		(*data)(struct p2p_stream *);
	/* The peer half-closed its side. */
	void		(*fin)(struct p2p_stream *);
	/* The stream is going away: free s->state. */
	void		(*close)(struct p2p_stream *);
	/* Everything queued has left (optional): write more. */
	void		(*drained)(struct p2p_stream *);
};

enum p2p_stream_state {
	P2P_STREAM_NEGOTIATING,
	P2P_STREAM_OPEN,
};

struct p2p_stream {
	LIST_ENTRY(p2p_stream)	 entry;
	struct p2p_conn		*c;		/* borrowed: owner */
	uint32_t			 id;
	int				 outbound;
	enum p2p_stream_state	 state;
	struct p2p_nego		 nego;
	const struct p2p_proto	*proto;		/* chosen protocol */
	void				*arg;		/* borrowed: proto's */
	struct evbuffer			*in;		/* owned: received */
	struct evbuffer			*out;		/* owned: waiting for window */
	int				 remote_fin;
	int				 local_fin;	/* FIN queued or sent */
	void				*state_ptr;	/* owned by proto */
};

enum p2p_conn_state {
	P2P_CONN_CONNECTING,		/* outbound TCP connect in progress */
	P2P_CONN_SECURITY,		/* multistream-select for /noise */
	P2P_CONN_NOISE,		/* Noise XX handshake */
	P2P_CONN_MUXER,		/* multistream-select for /yamux */
	P2P_CONN_OPEN,		/* yamux session running */
	P2P_CONN_CLOSED,
};

/* What identify told us about the peer. */
struct p2p_peer_info {
	char	agent[128];
	char	protocol_version[128];
	char	**protocols;		/* owned */
	size_t	nprotocols;
	char	**listen_addrs;		/* owned, text multiaddrs */
	size_t	nlisten_addrs;
	uint8_t	*record;		/* owned: its signed peer record, checked */
	size_t	record_len;
	int	identified;
};

struct p2p_conn {
	TAILQ_ENTRY(p2p_conn)	 entry;
	uint64_t			 id;		/* unique in this process */
	struct p2p_host			*h;		/* borrowed */
	struct bufferevent		*bev;		/* owned */
	struct event			*timer;		/* owned: deadlines, ping */
	enum p2p_conn_state		 state;
	int				 inbound;
	int				 got_byte;	/* anything received yet */
	int				 opened;	/* reached P2P_CONN_OPEN */
	struct p2p_nego		 nego;
	struct p2p_noise_hs		 hs;
	struct p2p_noise_transport	 tr;
	int				 has_expected;
	struct p2p_peer_id		 expected;	/* dialed /p2p/ ID */
	struct evbuffer			*plain;		/* owned: decrypted input */
	struct p2p_yamux_session	*ys;		/* owned */
	struct p2p_yamux_hdr		 hdr;		/* header being served */
	int				 have_hdr;
	uint32_t			 data_left;	/* payload bytes to come */
	uint32_t			 pending_events; /* FIN/RST after payload */
	size_t				 in_seen;	/* raw input already counted */
	LIST_HEAD(, p2p_stream)	 streams;
	struct p2p_peer_id		 peer;
	char				 peer_text[P2P_PEER_ID_TEXT_MAX];
	struct sockaddr_storage		 sa;		/* remote address */
	socklen_t			 salen;
	char				 remote[P2P_ADDR_TEXT_MAX];	/* multiaddr */
	struct p2p_peer_info		 info;
	uint64_t			 started_ms;	/* monotonic */
	uint64_t			 opened_wall_ms;
	uint64_t			 opened_ms;	/* monotonic, when OPEN */
	uint64_t			 last_rx_ms;
	uint64_t			 bytes_in, bytes_out;
	uint32_t			 ping_value;
	uint64_t			 ping_sent_ms;
	uint64_t			 rtt_ms;
	char				 close_reason[128];
	struct p2p_static		*stat;		/* borrowed: dialed for it */
	/* owned by the layer that took the slot (p2p_host_slot) */
	void				*slot[P2P_CONN_SLOTS];
};

/* A connection named by id, for callbacks that may outlive it. */
struct p2p_conn_ref {
	struct p2p_host		*h;
	uint64_t		 id;
};

struct p2p_limits {
	size_t		max_in, max_out, max_per_ip;
	size_t		max_handshaking;	/* inbound, not yet open */
	size_t		max_per_subnet;	/* inbound, one /24 or /64 */
	uint64_t	dial_ms, handshake_ms, idle_ms;
	uint64_t	first_byte_ms;	/* inbound: silence before any byte */
};

struct p2p_counters {
	uint64_t	conns_in, conns_out, conns_open, handshake_failures;
	uint64_t	protocol_violations, pings_ok, identifies;
	uint64_t	identify_pushes;	/* received */
	uint64_t	refused_limit, refused_banned, dropped_banned;
	uint64_t	evicted_silent;	/* silent handshakes pushed out */
};

/*
 * What the layers above hear of connections.  Every callback is optional;
 * arg is theirs.  The connection is borrowed for the call.
 */
struct p2p_host_cbs {
	void	*arg;
	/* Accepted, or being dialed: the remote address is known. */
	void	(*dialing)(void *arg, struct p2p_conn *);
	/* Secured and multiplexed, the peer is known.  -1: refused (the
	 * callback closed it). */
	int	(*open)(void *arg, struct p2p_conn *);
	/* Identify told us the peer's protocols (c->info); runs again when
	 * the peer pushes a new identify. */
	void	(*identified)(void *arg, struct p2p_conn *);
	/* Going away (open or still in its handshake): c->state tells which,
	 * c->close_reason why.  Free what the slots hold. */
	void	(*closed)(void *arg, struct p2p_conn *);
	/* The peer broke a protocol (any layer's): why in a few words. */
	void	(*violation)(void *arg, struct p2p_conn *, const char *why);
};

/* The libp2p layer's state: one per worker. */
struct p2p_host {
	struct proc			*p;		/* borrowed: the worker run-time */
	struct p2p_host_cbs		 cbs;
	struct p2p_identity		 id;
	char				 agent[64];	/* terap2p/<version> */
	char				 protocol_version[96];	/* set before start */
	struct evconnlistener		*listeners[P2P_LISTENERS_MAX];
	size_t				 nlisteners;
	char				**advertise;	/* owned: text multiaddrs */
	int				 share_private;	/* advertise private addrs */
	size_t				 nadvertise;
	TAILQ_HEAD(, p2p_conn)	 conns;
	size_t				 nconns;
	struct p2p_limits		 lim;
	size_t				 nin, nout;	/* connections by direction */
	size_t				 nin_hs;	/* inbound still handshaking */
	/* refusals logged one by one in this interval, the rest counted */
	struct event			*quiet_timer;	/* owned */
	uint64_t			 quiet_start_ms;
	unsigned			 quiet_lines;
	uint64_t			 quiet_dropped;
	uint64_t			 next_conn_id;
	/* the protocols served, in the order identify lists them */
	const struct p2p_proto	*protos[P2P_PROTOS_MAX];
	void				*proto_args[P2P_PROTOS_MAX];
	size_t				 nprotos;
	size_t				 nslots;	/* slots given out */
	struct p2p_static		*statics;	/* owned, nstatics entries */
	size_t				 nstatics;
	struct evdns_base		*dns;		/* owned: name resolution */
	int				 has_psk;
	uint8_t				 psk[32];	/* pnet key */
	struct p2p_counters		 cnt;
	/* our signed peer record: [0] every advertised address, [1] the
	 * public ones only (for peers that do not share our private nets) */
	uint8_t				*record[2];	/* owned */
	size_t				 record_len[2];
	uint8_t				 frame[P2P_NOISE_FRAME_MAX];	/* scratch */
};

/* host.c */

/*
 * Load the identity, serve identify and ping, bind every listen address;
 * -1 (logged) on failure.  h->p and h->cbs are set by the caller first.
 */
int	p2p_host_start(struct p2p_host *);
void	p2p_host_stop(struct p2p_host *);
/* Serve proto on streams (either side may open them); arg goes to s->arg.
 * -1 if the table is full. */
int	p2p_host_add_proto(struct p2p_host *, const struct p2p_proto *,
	    void *arg);
/* A free index of p2p_conn.slot for a layer above; -1 if none left. */
int	p2p_host_slot(struct p2p_host *);
/*
 * Dial a text multiaddr (/ip4|ip6|dns|dns4|dns6/…/tcp/…[/p2p/…]); -1 with
 * err filled.  stat (may be NULL) is the static peer it is for: it hears
 * of a failure later (a name that does not resolve, a connection lost).
 */
int	p2p_host_dial(struct p2p_host *, const char *maddr,
	    struct p2p_static *stat, char *err, size_t errlen);
/* Close every connection to the peer; returns how many. */
int	p2p_host_disconnect(struct p2p_host *, const char *peer_id);
/* The connection whose peer is peer_id (text), or NULL. */
struct p2p_conn *p2p_host_find(struct p2p_host *, const char *peer_id);
/* The connection with this id (p2p_conn.id), or NULL. */
struct p2p_conn *p2p_host_find_id(struct p2p_host *, uint64_t id);
#define P2P_QUIET_INTERVAL_MS	10000
#define P2P_QUIET_LINES		3

/*
 * Log a refused or failed inbound connection: P2P_QUIET_LINES lines per
 * P2P_QUIET_INTERVAL_MS, then one summary line for the rest of it.
 */
void	p2p_host_log_refusal(struct p2p_host *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* c broke a protocol: counted, and handed to cbs.violation. */
void	p2p_host_violation(struct p2p_host *, struct p2p_conn *,
	    const char *why);

/* Change the protocols served after start: connected peers get an
 * identify push.  remove: -1 if proto was not served. */
int	p2p_host_remove_proto(struct p2p_host *, const struct p2p_proto *);

/* identify.c: push our identify to every identified peer that takes it
 * (/ipfs/id/push/1.0.0); returns how many streams were opened. */
#define P2P_IDENTIFY_ID		"/ipfs/id/1.0.0"
#define P2P_IDENTIFY_PUSH_ID	"/ipfs/id/push/1.0.0"
size_t	p2p_identify_push_all(struct p2p_host *);
/* identify.c: (re)seal our peer records from h->advertise; free them. */
void	p2p_identify_seal(struct p2p_host *);
void	p2p_identify_unseal(struct p2p_host *);

/* static.c: p2p_static_peers and p2p_bootstrapAddresses, kept dialed */
void	p2p_static_start(struct p2p_host *);
void	p2p_static_stop(struct p2p_host *);

/* conn.c */

/* The remote IP address as text ("10.0.0.1", "::1"). */
void	p2p_conn_ip(const struct p2p_conn *, char *out, size_t len);
/* Close now, logging why; frees everything. */
void	p2p_conn_close(struct p2p_conn *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* stream.c */

/* Open an outbound stream proposing proto; NULL if the session refuses. */
struct p2p_stream *p2p_stream_open(struct p2p_conn *,
	    const struct p2p_proto *);
/* Queue bytes; they leave as the peer's window allows. */
int	p2p_stream_write(struct p2p_stream *, const uint8_t *, size_t);
/* Half-close our side once queued bytes are out. */
void	p2p_stream_close(struct p2p_stream *);
void	p2p_stream_reset(struct p2p_stream *);

#endif
