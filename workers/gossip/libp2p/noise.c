/*
 * Gossip worker: the Noise XX handshake libp2p runs after multistream picks
 * "/noise" (Noise_XX_25519_ChaChaPoly_SHA256, empty prologue), and the
 * encrypted transport after it.  A p2p_noise_hs holds one side's
 * symmetric and key state; the connection code feeds it the peer's frames
 * and sends what it writes.  Messages 2 and 3 carry the libp2p
 * NoiseHandshakePayload (proto/libp2p_noise.proto): our Ed25519 identity
 * key, its signature over "noise-libp2p-static-key:" || our X25519 static
 * key, and the inline muxer list ["/yamux/1.0.0"].  The peer's payload is
 * verified, its peer ID derived and compared with the one we dialed.
 * Every wire message is uint16 big-endian length || noise message.  The
 * primitives are libsodium's.  Pure functions over buffers, no I/O.
 */
#include <string.h>

#include <sodium.h>

#include "libp2p/libp2p.h"
#include "libp2p_noise.pb-c.h"

#define P2P_NOISE_NAME	"Noise_XX_25519_ChaChaPoly_SHA256"
#define P2P_NOISE_SIG_PREFIX	"noise-libp2p-static-key:"
#define P2P_NOISE_PAYLOAD_MAX 4096	/* handshake payloads we accept */
#define P2P_NOISE_DHLEN	32
#define P2P_NOISE_FAILED	(-1)	/* hs->step after any error */
#define P2P_NOISE_SPLIT	4	/* hs->step after split */

const char *
p2p_noise_strerror(int rc)
{
	switch (rc) {
	case P2P_NOISE_OK:
		return "ok";
	case P2P_NOISE_AGAIN:
		return "need more bytes";
	case P2P_NOISE_ESTATE:
		return "noise call out of order";
	case P2P_NOISE_ELEN:
		return "noise message length invalid";
	case P2P_NOISE_EDECRYPT:
		return "noise message failed authentication";
	case P2P_NOISE_EDH:
		return "noise key is a low-order point";
	case P2P_NOISE_EPAYLOAD:
		return "noise handshake payload malformed";
	case P2P_NOISE_EKEY:
		return "noise identity key missing or not Ed25519";
	case P2P_NOISE_ESIG:
		return "noise identity signature invalid";
	case P2P_NOISE_EPEERID:
		return "peer id mismatch";
	case P2P_NOISE_ESPACE:
		return "noise output buffer too small";
	case P2P_NOISE_ENONCE:
		return "noise nonce exhausted";
	}
	return "unknown noise error";
}

/* ---- symmetric state (Noise spec section 5) ---- */

static void
p2p_noise_mix_hash(struct p2p_noise_hs *hs, const uint8_t *data,
    size_t len)
{
	crypto_hash_sha256_state	st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, hs->h, sizeof(hs->h));
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, hs->h);
}

static void
p2p_noise_hmac(const uint8_t key[32], const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t out[32])
{
	crypto_auth_hmacsha256_state	st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, a, alen);
	crypto_auth_hmacsha256_update(&st, b, blen);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* HKDF with two outputs, as Noise defines it over HMAC-SHA256. */
static void
p2p_noise_hkdf(const uint8_t ck[32], const uint8_t *ikm, size_t ikmlen,
    uint8_t out1[32], uint8_t out2[32])
{
	static const uint8_t	one = 0x01, two = 0x02;
	uint8_t			temp[32], o1[32];

	p2p_noise_hmac(ck, ikm, ikmlen, NULL, 0, temp);
	p2p_noise_hmac(temp, &one, 1, NULL, 0, o1);
	p2p_noise_hmac(temp, o1, 32, &two, 1, out2);
	memcpy(out1, o1, 32);
	sodium_memzero(temp, sizeof(temp));
	sodium_memzero(o1, sizeof(o1));
}

static void
p2p_noise_mix_key(struct p2p_noise_hs *hs, const uint8_t ikm[32])
{
	uint8_t	ck[32];

	p2p_noise_hkdf(hs->ck, ikm, P2P_NOISE_DHLEN, ck, hs->cs.k);
	memcpy(hs->ck, ck, 32);
	hs->cs.n = 0;
	hs->cs.has_key = 1;
	sodium_memzero(ck, sizeof(ck));
}

static void
p2p_noise_nonce(uint64_t n, uint8_t nonce[12])
{
	int	i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

/* out gets len + 16 bytes (len without a key). */
static int
p2p_noise_cipher_encrypt(struct p2p_noise_cipher *c, const uint8_t *ad,
    size_t adlen, const uint8_t *plain, size_t len, uint8_t *out,
    size_t *outlen)
{
	uint8_t			nonce[12];
	unsigned long long	clen;

	if (!c->has_key) {
		memmove(out, plain, len);
		*outlen = len;
		return P2P_NOISE_OK;
	}
	if (c->n == UINT64_MAX)
		return P2P_NOISE_ENONCE;
	p2p_noise_nonce(c->n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, plain, len, ad,
	    adlen, NULL, nonce, c->k);
	c->n++;
	*outlen = (size_t)clen;
	return P2P_NOISE_OK;
}

static int
p2p_noise_cipher_decrypt(struct p2p_noise_cipher *c, const uint8_t *ad,
    size_t adlen, const uint8_t *in, size_t len, uint8_t *out,
    size_t *outlen)
{
	uint8_t			nonce[12];
	unsigned long long	plen;

	if (!c->has_key) {
		memmove(out, in, len);
		*outlen = len;
		return P2P_NOISE_OK;
	}
	if (len < P2P_NOISE_TAG_LEN)
		return P2P_NOISE_ELEN;
	if (c->n == UINT64_MAX)
		return P2P_NOISE_ENONCE;
	p2p_noise_nonce(c->n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &plen, NULL, in, len,
	    ad, adlen, nonce, c->k) != 0)
		return P2P_NOISE_EDECRYPT;
	c->n++;
	*outlen = (size_t)plen;
	return P2P_NOISE_OK;
}

static int
p2p_noise_encrypt_and_hash(struct p2p_noise_hs *hs,
    const uint8_t *plain, size_t len, uint8_t *out, size_t *outlen)
{
	int	rc;

	rc = p2p_noise_cipher_encrypt(&hs->cs, hs->h, sizeof(hs->h), plain,
	    len, out, outlen);
	if (rc == P2P_NOISE_OK)
		p2p_noise_mix_hash(hs, out, *outlen);
	return rc;
}

static int
p2p_noise_decrypt_and_hash(struct p2p_noise_hs *hs, const uint8_t *in,
    size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t	h[32];
	int	rc;

	memcpy(h, hs->h, sizeof(h));	/* AD is h before mixing in */
	p2p_noise_mix_hash(hs, in, len);
	rc = p2p_noise_cipher_decrypt(&hs->cs, h, sizeof(h), in, len, out,
	    outlen);
	return rc;
}

static size_t
p2p_noise_overhead(const struct p2p_noise_hs *hs)
{
	return hs->cs.has_key ? P2P_NOISE_TAG_LEN : 0;
}

/* MixKey(DH(priv, pub)); a low-order peer key fails. */
static int
p2p_noise_mix_dh(struct p2p_noise_hs *hs, const uint8_t priv[32],
    const uint8_t pub[32])
{
	uint8_t	shared[P2P_NOISE_DHLEN];

	if (crypto_scalarmult(shared, priv, pub) != 0)
		return P2P_NOISE_EDH;
	p2p_noise_mix_key(hs, shared);
	sodium_memzero(shared, sizeof(shared));
	return P2P_NOISE_OK;
}

/* ---- handshake state ---- */

int
p2p_noise_hs_init(struct p2p_noise_hs *hs, int initiator,
    const struct p2p_identity *id, const struct p2p_peer_id *expected,
    int send_muxers)
{
	uint8_t	s[32], e[32];

	if (sodium_init() < 0)
		return P2P_NOISE_ESTATE;
	memset(hs, 0, sizeof(*hs));
	hs->initiator = initiator;
	hs->send_muxers = send_muxers;
	hs->id = id;
	if (expected != NULL) {
		hs->has_expected = 1;
		hs->expected = *expected;
	}
	/* The name is exactly HASHLEN bytes, so h is the name itself. */
	memcpy(hs->h, P2P_NOISE_NAME, 32);
	memcpy(hs->ck, hs->h, 32);
	p2p_noise_mix_hash(hs, NULL, 0);	/* empty prologue */
	randombytes_buf(s, sizeof(s));
	randombytes_buf(e, sizeof(e));
	p2p_noise_hs_set_keys(hs, s, e);
	sodium_memzero(s, sizeof(s));
	sodium_memzero(e, sizeof(e));
	return P2P_NOISE_OK;
}

void
p2p_noise_hs_set_keys(struct p2p_noise_hs *hs, const uint8_t s_priv[32],
    const uint8_t e_priv[32])
{
	if (s_priv != NULL) {
		memcpy(hs->s_priv, s_priv, 32);
		crypto_scalarmult_base(hs->s_pub, hs->s_priv);
	}
	if (e_priv != NULL) {
		memcpy(hs->e_priv, e_priv, 32);
		crypto_scalarmult_base(hs->e_pub, hs->e_priv);
	}
}

void
p2p_noise_hs_fini(struct p2p_noise_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

int
p2p_noise_hs_our_turn(const struct p2p_noise_hs *hs)
{
	if (hs->step < 0 || hs->step > 2)
		return 0;
	return (hs->step == 1) != (hs->initiator != 0);
}

int
p2p_noise_hs_done(const struct p2p_noise_hs *hs)
{
	return hs->step == 3;
}

static int
p2p_noise_write_msg(struct p2p_noise_hs *hs, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t *n)
{
	size_t	k;
	int	rc;

	*n = 0;
	if (hs->step <= 1) {				/* -> e / <- e */
		memcpy(out, hs->e_pub, 32);
		p2p_noise_mix_hash(hs, hs->e_pub, 32);
		*n = 32;
	}
	if (hs->step == 1 && (rc = p2p_noise_mix_dh(hs, hs->e_priv,
	    hs->re)) != 0)				/* ee */
		return rc;
	if (hs->step >= 1) {				/* s */
		if ((rc = p2p_noise_encrypt_and_hash(hs, hs->s_pub, 32,
		    out + *n, &k)) != 0)
			return rc;
		*n += k;
		/* es for the responder, se for the initiator: both s x re. */
		if ((rc = p2p_noise_mix_dh(hs, hs->s_priv, hs->re)) != 0)
			return rc;
	}
	if ((rc = p2p_noise_encrypt_and_hash(hs, payload, plen, out + *n,
	    &k)) != 0)
		return rc;
	*n += k;
	return P2P_NOISE_OK;
}

int
p2p_noise_hs_write_raw(struct p2p_noise_hs *hs, const uint8_t *payload,
    size_t plen, uint8_t *out, size_t outcap, size_t *outlen)
{
	size_t	need;
	int	rc;

	if (!p2p_noise_hs_our_turn(hs))
		return P2P_NOISE_ESTATE;
	need = (hs->step <= 1 ? 32 : 0) + (hs->step >= 1 ? 48 : 0) + plen +
	    (hs->step >= 1 ? P2P_NOISE_TAG_LEN : 0);
	if (plen > P2P_NOISE_MSG_MAX || need > P2P_NOISE_MSG_MAX)
		return P2P_NOISE_ELEN;
	if (need > outcap)
		return P2P_NOISE_ESPACE;
	if ((rc = p2p_noise_write_msg(hs, payload, plen, out, outlen)) != 0) {
		hs->step = P2P_NOISE_FAILED;
		return rc;
	}
	hs->step++;
	return P2P_NOISE_OK;
}

static int
p2p_noise_read_msg(struct p2p_noise_hs *hs, const uint8_t *msg,
    size_t len, uint8_t *payload, size_t paycap, size_t *plen)
{
	uint8_t	rs[32 + P2P_NOISE_TAG_LEN];
	size_t	k;
	int	rc;

	if (hs->step <= 1) {				/* e */
		if (len < 32)
			return P2P_NOISE_ELEN;
		memcpy(hs->re, msg, 32);
		p2p_noise_mix_hash(hs, hs->re, 32);
		msg += 32;
		len -= 32;
	}
	if (hs->step == 1 && (rc = p2p_noise_mix_dh(hs, hs->e_priv,
	    hs->re)) != 0)				/* ee */
		return rc;
	if (hs->step >= 1) {				/* s */
		if (len < sizeof(rs) + P2P_NOISE_TAG_LEN)
			return P2P_NOISE_ELEN;
		if ((rc = p2p_noise_decrypt_and_hash(hs, msg, sizeof(rs), rs,
		    &k)) != 0)
			return rc;
		memcpy(hs->rs, rs, 32);
		msg += sizeof(rs);
		len -= sizeof(rs);
		/* es for the initiator, se for the responder: e x rs. */
		if ((rc = p2p_noise_mix_dh(hs, hs->e_priv, hs->rs)) != 0)
			return rc;
	}
	if (len < p2p_noise_overhead(hs) ||
	    len - p2p_noise_overhead(hs) > paycap)
		return P2P_NOISE_ELEN;
	return p2p_noise_decrypt_and_hash(hs, msg, len, payload, plen);
}

int
p2p_noise_hs_read_raw(struct p2p_noise_hs *hs, const uint8_t *msg,
    size_t len, uint8_t *payload, size_t paycap, size_t *plen)
{
	int	rc;

	if (hs->step < 0 || hs->step > 2 || p2p_noise_hs_our_turn(hs))
		return P2P_NOISE_ESTATE;
	if (len > P2P_NOISE_MSG_MAX) {
		hs->step = P2P_NOISE_FAILED;
		return P2P_NOISE_ELEN;
	}
	rc = p2p_noise_read_msg(hs, msg, len, payload, paycap, plen);
	if (rc != P2P_NOISE_OK) {
		hs->step = P2P_NOISE_FAILED;
		return rc;
	}
	hs->step++;
	return P2P_NOISE_OK;
}

/* ---- libp2p payload ---- */

int
p2p_noise_payload_encode(const struct p2p_identity *id,
    const uint8_t static_pub[32], int send_muxers, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	Libp2pNoise__NoiseHandshakePayload	pl =
	    LIBP2P_NOISE__NOISE_HANDSHAKE_PAYLOAD__INIT;
	Libp2pNoise__NoiseExtensions		ext =
	    LIBP2P_NOISE__NOISE_EXTENSIONS__INIT;
	char					muxer[] = P2P_NOISE_MUXER;
	char					*muxers[1] = { muxer };
	uint8_t					key[P2P_PUBKEY_PB_LEN];
	uint8_t					msg[sizeof(P2P_NOISE_SIG_PREFIX) - 1 + 32];
	uint8_t					sig[64];
	size_t					plen = sizeof(P2P_NOISE_SIG_PREFIX) - 1;

	memcpy(msg, P2P_NOISE_SIG_PREFIX, plen);
	memcpy(msg + plen, static_pub, 32);
	p2p_identity_sign(id, msg, sizeof(msg), sig);
	p2p_identity_pubkey_encode(id->pk, key);
	pl.has_identity_key = 1;
	pl.identity_key.data = key;
	pl.identity_key.len = sizeof(key);
	pl.has_identity_sig = 1;
	pl.identity_sig.data = sig;
	pl.identity_sig.len = sizeof(sig);
	if (send_muxers) {
		ext.n_stream_muxers = 1;
		ext.stream_muxers = muxers;
		pl.extensions = &ext;
	}
	if (libp2p_noise__noise_handshake_payload__get_packed_size(&pl) > outcap)
		return P2P_NOISE_ESPACE;
	*outlen = libp2p_noise__noise_handshake_payload__pack(&pl, out);
	return P2P_NOISE_OK;
}

static void
p2p_noise_payload_muxers(const Libp2pNoise__NoiseExtensions *ext,
    struct p2p_noise_remote *out)
{
	size_t	i;

	out->sent_muxers = 0;
	out->has_yamux = 0;
	/* Go ignores empty and over-long lists; so do we. */
	if (ext == NULL || ext->n_stream_muxers == 0 ||
	    ext->n_stream_muxers > P2P_NOISE_MUXERS_MAX)
		return;
	out->sent_muxers = 1;
	for (i = 0; i < ext->n_stream_muxers; i++)
		if (strcmp(ext->stream_muxers[i], P2P_NOISE_MUXER) == 0)
			out->has_yamux = 1;
}

int
p2p_noise_payload_verify(const uint8_t *buf, size_t len,
    const uint8_t rs[32], struct p2p_noise_remote *out)
{
	Libp2pNoise__NoiseHandshakePayload	*pl;
	uint8_t					 msg[sizeof(P2P_NOISE_SIG_PREFIX) - 1 + 32];
	size_t					 plen = sizeof(P2P_NOISE_SIG_PREFIX) - 1;
	int					 rc = P2P_NOISE_OK;

	if (len > P2P_NOISE_PAYLOAD_MAX)
		return P2P_NOISE_EPAYLOAD;
	pl = libp2p_noise__noise_handshake_payload__unpack(NULL, len, buf);
	if (pl == NULL)
		return P2P_NOISE_EPAYLOAD;
	memcpy(msg, P2P_NOISE_SIG_PREFIX, plen);
	memcpy(msg + plen, rs, 32);
	if (!pl->has_identity_key || p2p_identity_pubkey_decode(
	    pl->identity_key.data, pl->identity_key.len, out->pk) != 0)
		rc = P2P_NOISE_EKEY;
	else if (!pl->has_identity_sig || pl->identity_sig.len != 64 ||
	    p2p_identity_verify(out->pk, msg, sizeof(msg),
	    pl->identity_sig.data) != 0)
		rc = P2P_NOISE_ESIG;
	else {
		p2p_identity_peer_id(out->pk, &out->peer_id);
		p2p_noise_payload_muxers(pl->extensions, out);
	}
	libp2p_noise__noise_handshake_payload__free_unpacked(pl, NULL);
	return rc;
}

/* ---- libp2p handshake ---- */

int
p2p_noise_hs_write(struct p2p_noise_hs *hs, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	uint8_t	payload[512];
	size_t	plen = 0, n;
	int	rc;

	if (outcap < 2)
		return P2P_NOISE_ESPACE;
	/* Message 1 goes out with an empty payload, as go-libp2p sends it. */
	if (hs->step >= 1 && p2p_noise_hs_our_turn(hs) &&
	    (rc = p2p_noise_payload_encode(hs->id, hs->s_pub,
	    hs->send_muxers, payload, sizeof(payload), &plen)) != 0)
		return rc;
	rc = p2p_noise_hs_write_raw(hs, payload, plen, out + 2, outcap - 2,
	    &n);
	if (rc != P2P_NOISE_OK)
		return rc;
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	*outlen = n + 2;
	return P2P_NOISE_OK;
}

int
p2p_noise_hs_read(struct p2p_noise_hs *hs, const uint8_t *msg,
    size_t len)
{
	uint8_t	payload[P2P_NOISE_PAYLOAD_MAX];
	size_t	plen;
	int	step = hs->step, rc;

	rc = p2p_noise_hs_read_raw(hs, msg, len, payload, sizeof(payload),
	    &plen);
	if (rc != P2P_NOISE_OK || step == 0)	/* message 1's is ignored */
		return rc;
	rc = p2p_noise_payload_verify(payload, plen, hs->rs, &hs->remote);
	if (rc == P2P_NOISE_OK && hs->has_expected &&
	    !p2p_identity_peer_id_equal(&hs->expected, &hs->remote.peer_id))
		rc = P2P_NOISE_EPEERID;
	if (rc != P2P_NOISE_OK)
		hs->step = P2P_NOISE_FAILED;
	sodium_memzero(payload, plen);
	return rc;
}

int
p2p_noise_hs_inline_yamux(const struct p2p_noise_hs *hs)
{
	return hs->send_muxers && hs->remote.sent_muxers &&
	    hs->remote.has_yamux;
}

int
p2p_noise_hs_split(struct p2p_noise_hs *hs,
    struct p2p_noise_transport *t)
{
	uint8_t	k1[32], k2[32];

	if (hs->step != 3)
		return P2P_NOISE_ESTATE;
	p2p_noise_hkdf(hs->ck, NULL, 0, k1, k2);
	memset(t, 0, sizeof(*t));
	memcpy(hs->initiator ? t->send.k : t->recv.k, k1, 32);
	memcpy(hs->initiator ? t->recv.k : t->send.k, k2, 32);
	t->send.has_key = 1;
	t->recv.has_key = 1;
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	/* Keep hs->remote for the caller; the secrets go. */
	sodium_memzero(hs->h, sizeof(hs->h));
	sodium_memzero(hs->ck, sizeof(hs->ck));
	sodium_memzero(&hs->cs, sizeof(hs->cs));
	sodium_memzero(hs->s_priv, sizeof(hs->s_priv));
	sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
	hs->step = P2P_NOISE_SPLIT;
	return P2P_NOISE_OK;
}

/* ---- transport ---- */

int
p2p_noise_frame_next(const uint8_t *buf, size_t len, const uint8_t **msg,
    size_t *msglen, size_t *consumed)
{
	size_t	n;

	if (len < 2)
		return P2P_NOISE_AGAIN;
	n = (size_t)buf[0] << 8 | buf[1];
	if (n == 0)			/* no Noise message is empty */
		return P2P_NOISE_ELEN;
	if (len - 2 < n)
		return P2P_NOISE_AGAIN;
	*msg = buf + 2;
	*msglen = n;
	*consumed = n + 2;
	return P2P_NOISE_OK;
}

int
p2p_noise_encrypt(struct p2p_noise_transport *t, const uint8_t *plain,
    size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	size_t	n;
	int	rc;

	if (!t->send.has_key)
		return P2P_NOISE_ESTATE;
	if (len > P2P_NOISE_PLAIN_MAX)
		return P2P_NOISE_ELEN;
	if (outcap < 2 || outcap - 2 < len + P2P_NOISE_TAG_LEN)
		return P2P_NOISE_ESPACE;
	rc = p2p_noise_cipher_encrypt(&t->send, NULL, 0, plain, len, out + 2,
	    &n);
	if (rc != P2P_NOISE_OK)
		return rc;
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	*outlen = n + 2;
	return P2P_NOISE_OK;
}

int
p2p_noise_decrypt(struct p2p_noise_transport *t, const uint8_t *msg,
    size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	if (!t->recv.has_key)
		return P2P_NOISE_ESTATE;
	if (len < P2P_NOISE_TAG_LEN || len > P2P_NOISE_MSG_MAX)
		return P2P_NOISE_ELEN;
	if (outcap < len - P2P_NOISE_TAG_LEN)
		return P2P_NOISE_ESPACE;
	return p2p_noise_cipher_decrypt(&t->recv, NULL, 0, msg, len, out,
	    outlen);
}

void
p2p_noise_transport_fini(struct p2p_noise_transport *t)
{
	sodium_memzero(t, sizeof(*t));
}
