/*
 * Gossip worker: our libp2p identity.  Owns the Ed25519 key (libsodium),
 * its libp2p protobuf encodings (PublicKey, PrivateKey) and peer IDs: the
 * identity multihash of the encoded public key, shown in base58btc
 * ("12D3KooW…").  Keys come from hex in the config (64 or 96 raw bytes, or
 * the protobuf form the message bus writes) or from the p2p.key file, which
 * is created with mode 0600 in Teranode's 96-byte form when missing.  The
 * file helpers are the only I/O; everything else is pure over buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "libp2p/libp2p.h"
#include "libp2p_crypto.pb-c.h"

#define P2P_IDENTITY_FILE_MAX	1024	/* p2p.key bytes we read */
#define P2P_IDENTITY_RAW_MAX		128	/* decoded key bytes */

static const uint8_t	p2p_identity_pub_prefix[4] = { 0x08, 0x01, 0x12, 0x20 };
static const uint8_t	p2p_identity_priv_prefix[4] = { 0x08, 0x01, 0x12, 0x40 };

const char *
p2p_identity_strerror(int rc)
{
	switch (rc) {
	case P2P_IDENTITY_OK:
		return "ok";
	case P2P_IDENTITY_EHEX:
		return "private key is not hex";
	case P2P_IDENTITY_ELEN:
		return "private key is not 64 or 96 bytes nor a protobuf key";
	case P2P_IDENTITY_EMISMATCH:
		return "private key's public half does not match its seed";
	case P2P_IDENTITY_ETYPE:
		return "private key is not Ed25519";
	case P2P_IDENTITY_EIO:
		return "key file I/O failed";
	case P2P_IDENTITY_ECRYPTO:
		return "libsodium failed";
	}
	return "unknown identity error";
}

static void
p2p_identity_finish(struct p2p_identity *id)
{
	p2p_identity_peer_id(id->pk, &id->peer_id);
	/* 38 bytes always fit P2P_PEER_ID_TEXT_MAX. */
	(void)p2p_identity_peer_id_format(&id->peer_id, id->peer_id_text,
	    sizeof(id->peer_id_text));
}

int
p2p_identity_from_seed(struct p2p_identity *id, const uint8_t seed[32])
{
	if (sodium_init() < 0)
		return P2P_IDENTITY_ECRYPTO;
	if (crypto_sign_seed_keypair(id->pk, id->sk, seed) != 0)
		return P2P_IDENTITY_ECRYPTO;
	p2p_identity_finish(id);
	return P2P_IDENTITY_OK;
}

int
p2p_identity_generate(struct p2p_identity *id)
{
	uint8_t	seed[32];
	int	rc;

	if (sodium_init() < 0)
		return P2P_IDENTITY_ECRYPTO;
	randombytes_buf(seed, sizeof(seed));
	rc = p2p_identity_from_seed(id, seed);
	sodium_memzero(seed, sizeof(seed));
	return rc;
}

void
p2p_identity_fini(struct p2p_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

static int
p2p_identity_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
p2p_identity_unhex(const char *hex, size_t len, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	size_t	i;

	if (len % 2 != 0 || len / 2 > outcap)
		return -1;
	for (i = 0; i < len / 2; i++) {
		int	hi = p2p_identity_hexval(hex[2 * i]);
		int	lo = p2p_identity_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = len / 2;
	return 0;
}

/* seed || pk [|| pk]: the public halves must match the seed's. */
static int
p2p_identity_from_raw(struct p2p_identity *id, const uint8_t *raw,
    size_t len)
{
	int	rc;

	if (len != 64 && len != 96)
		return P2P_IDENTITY_ELEN;
	if ((rc = p2p_identity_from_seed(id, raw)) != P2P_IDENTITY_OK)
		return rc;
	if (sodium_memcmp(id->pk, raw + 32, 32) != 0 ||
	    (len == 96 && sodium_memcmp(id->pk, raw + 64, 32) != 0)) {
		p2p_identity_fini(id);
		return P2P_IDENTITY_EMISMATCH;
	}
	return P2P_IDENTITY_OK;
}

static int
p2p_identity_from_pb(struct p2p_identity *id, const uint8_t *buf,
    size_t len)
{
	Libp2pCrypto__PrivateKey	*k;
	int				 rc;

	k = libp2p_crypto__private_key__unpack(NULL, len, buf);
	if (k == NULL)
		return P2P_IDENTITY_ELEN;
	if (k->type != LIBP2P_CRYPTO__KEY_TYPE__Ed25519)
		rc = P2P_IDENTITY_ETYPE;
	else
		rc = p2p_identity_from_raw(id, k->data.data, k->data.len);
	if (k->data.data != NULL)
		sodium_memzero(k->data.data, k->data.len);
	libp2p_crypto__private_key__free_unpacked(k, NULL);
	return rc;
}

int
p2p_identity_from_hex(struct p2p_identity *id, const char *hex,
    size_t len)
{
	uint8_t	raw[P2P_IDENTITY_RAW_MAX];
	size_t	rawlen;
	int	rc;

	while (len > 0 && (hex[0] == ' ' || (hex[0] >= '\t' && hex[0] <= '\r'))) {
		hex++;
		len--;
	}
	while (len > 0 && (hex[len - 1] == ' ' ||
	    (hex[len - 1] >= '\t' && hex[len - 1] <= '\r')))
		len--;
	if (len / 2 > sizeof(raw))
		return P2P_IDENTITY_ELEN;
	if (p2p_identity_unhex(hex, len, raw, sizeof(raw), &rawlen) != 0)
		return P2P_IDENTITY_EHEX;
	if (rawlen == 64 || rawlen == 96)
		rc = p2p_identity_from_raw(id, raw, rawlen);
	else
		rc = p2p_identity_from_pb(id, raw, rawlen);
	sodium_memzero(raw, sizeof(raw));
	return rc;
}

int
p2p_identity_load(struct p2p_identity *id, const char *path)
{
	char	buf[P2P_IDENTITY_FILE_MAX + 1];
	size_t	len = 0;
	ssize_t	n = 0;
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return P2P_IDENTITY_EIO;
	while (len < sizeof(buf)) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n == -1)
		rc = P2P_IDENTITY_EIO;
	else if (len > P2P_IDENTITY_FILE_MAX)
		rc = P2P_IDENTITY_ELEN;
	else
		rc = p2p_identity_from_hex(id, buf, len);
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

static int
p2p_identity_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
p2p_identity_save(const struct p2p_identity *id, const char *path)
{
	uint8_t	raw[96];
	char	hex[2 * sizeof(raw) + 1], tmp[4096];
	int	fd, ok, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return P2P_IDENTITY_EIO;
	}
	memcpy(raw, id->sk, 64);
	memcpy(raw + 64, id->pk, 32);
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	ok = fd != -1 && fchmod(fd, 0600) == 0 &&
	    p2p_identity_write_all(fd, hex, strlen(hex)) == 0 &&
	    fsync(fd) == 0;
	saved = errno;
	if (fd != -1 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, path) != 0) {
		saved = errno;
		ok = 0;
	}
	if (!ok && fd != -1)
		unlink(tmp);
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(hex, sizeof(hex));
	errno = saved;
	return ok ? P2P_IDENTITY_OK : P2P_IDENTITY_EIO;
}

int
p2p_identity_load_or_create(struct p2p_identity *id, const char *path,
    int *created)
{
	int	rc;

	*created = 0;
	rc = p2p_identity_load(id, path);
	if (rc != P2P_IDENTITY_EIO || errno != ENOENT)
		return rc;
	if ((rc = p2p_identity_generate(id)) != P2P_IDENTITY_OK)
		return rc;
	if ((rc = p2p_identity_save(id, path)) != P2P_IDENTITY_OK) {
		p2p_identity_fini(id);
		return rc;
	}
	*created = 1;
	return P2P_IDENTITY_OK;
}

void
p2p_identity_sign(const struct p2p_identity *id, const uint8_t *msg,
    size_t len, uint8_t sig[64])
{
	crypto_sign_detached(sig, NULL, msg, len, id->sk);
}

int
p2p_identity_verify(const uint8_t pk[32], const uint8_t *msg, size_t len,
    const uint8_t sig[64])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0 ? 0 : -1;
}

void
p2p_identity_pubkey_encode(const uint8_t pk[32],
    uint8_t out[P2P_PUBKEY_PB_LEN])
{
	memcpy(out, p2p_identity_pub_prefix, 4);
	memcpy(out + 4, pk, 32);
}

void
p2p_identity_privkey_encode(const struct p2p_identity *id,
    uint8_t out[P2P_PRIVKEY_PB_LEN])
{
	memcpy(out, p2p_identity_priv_prefix, 4);
	memcpy(out + 4, id->sk, 64);
}

int
p2p_identity_pubkey_decode(const uint8_t *buf, size_t len, uint8_t pk[32])
{
	Libp2pCrypto__PublicKey	*k;
	int			 rc = -1;

	/* An Ed25519 PublicKey is 36 bytes; anything far bigger is not one. */
	if (len > 2 * P2P_PUBKEY_PB_LEN)
		return -1;
	k = libp2p_crypto__public_key__unpack(NULL, len, buf);
	if (k == NULL)
		return -1;
	if (k->type == LIBP2P_CRYPTO__KEY_TYPE__Ed25519 && k->data.len == 32) {
		memcpy(pk, k->data.data, 32);
		rc = 0;
	}
	libp2p_crypto__public_key__free_unpacked(k, NULL);
	return rc;
}

void
p2p_identity_peer_id(const uint8_t pk[32], struct p2p_peer_id *out)
{
	out->bytes[0] = 0x00;			/* identity multihash */
	out->bytes[1] = P2P_PUBKEY_PB_LEN;
	p2p_identity_pubkey_encode(pk, out->bytes + 2);
	out->len = 2 + P2P_PUBKEY_PB_LEN;
}

int
p2p_identity_peer_id_check(const uint8_t *buf, size_t len)
{
	uint64_t	code, dlen;
	size_t		n1, n2;

	if (p2p_varint_decode(buf, len, &code, &n1) != P2P_VARINT_OK)
		return -1;
	if (p2p_varint_decode(buf + n1, len - n1, &dlen, &n2) !=
	    P2P_VARINT_OK)
		return -1;
	if (dlen != len - n1 - n2)
		return -1;
	if (code == 0x00 && dlen >= 1 && dlen <= 42)
		return 0;
	if (code == 0x12 && dlen == 32)
		return 0;
	return -1;
}

/* RFC 4648 base32, lower case, no padding: the multibase 'b' form. */
static int
p2p_identity_base32_decode(const char *in, size_t inlen, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	uint32_t	acc = 0;
	unsigned	bits = 0;
	size_t		i, n = 0;

	for (i = 0; i < inlen; i++) {
		int	v;

		if (in[i] >= 'a' && in[i] <= 'z')
			v = in[i] - 'a';
		else if (in[i] >= '2' && in[i] <= '7')
			v = in[i] - '2' + 26;
		else
			return -1;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			if (n == outcap)
				return -1;
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)			/* leftover bits must be zero */
		return -1;
	*outlen = n;
	return 0;
}

/* CIDv1 = 0x01, codec libp2p-key 0x72, multihash. */
static int
p2p_identity_peer_id_from_cid(const char *text, size_t len,
    struct p2p_peer_id *out)
{
	uint8_t	buf[P2P_PEER_ID_MAX + 2];
	size_t	n;

	if (len > 2 * sizeof(buf))
		return -1;
	if (p2p_identity_base32_decode(text, len, buf, sizeof(buf), &n) != 0)
		return -1;
	if (n < 3 || buf[0] != 0x01 || buf[1] != 0x72)
		return -1;
	if (p2p_identity_peer_id_check(buf + 2, n - 2) != 0)
		return -1;
	memcpy(out->bytes, buf + 2, n - 2);
	out->len = n - 2;
	return 0;
}

int
p2p_identity_peer_id_parse(const char *text, size_t len,
    struct p2p_peer_id *out)
{
	size_t	n;

	if (len > 0 && text[0] == 'b')
		return p2p_identity_peer_id_from_cid(text + 1, len - 1, out);
	if (p2p_base58_decode(text, len, out->bytes, sizeof(out->bytes),
	    &n) != 0)
		return -1;
	if (p2p_identity_peer_id_check(out->bytes, n) != 0)
		return -1;
	out->len = n;
	return 0;
}

int
p2p_identity_peer_id_format(const struct p2p_peer_id *id, char *out,
    size_t outcap)
{
	return p2p_base58_encode(id->bytes, id->len, out, outcap);
}

int
p2p_identity_peer_id_pubkey(const struct p2p_peer_id *id,
    uint8_t pk[32])
{
	if (id->len != 2 + P2P_PUBKEY_PB_LEN || id->bytes[0] != 0x00 ||
	    id->bytes[1] != P2P_PUBKEY_PB_LEN ||
	    memcmp(id->bytes + 2, p2p_identity_pub_prefix, 4) != 0)
		return -1;
	memcpy(pk, id->bytes + 6, 32);
	return 0;
}

int
p2p_identity_peer_id_equal(const struct p2p_peer_id *a,
    const struct p2p_peer_id *b)
{
	return a->len == b->len && memcmp(a->bytes, b->bytes, a->len) == 0;
}
