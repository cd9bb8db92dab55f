/*
 * Gossip worker, libp2p layer: signed envelopes holding peer records
 * (libp2p/specs RFC 0002 "Signed Envelopes" and RFC 0003 "Routing
 * Records").  Pure codec: no I/O.  Identify carries our own sealed record
 * in its signedPeerRecord field and gossipsub PX carries other peers'
 * records; both sides use p2p_record_open() to check one received from the
 * network before its addresses are believed.
 *
 *   Envelope   { PublicKey public_key = 1; bytes payload_type = 2;
 *                bytes payload = 3; bytes signature = 5; }
 *   PeerRecord { bytes peer_id = 1; uint64 seq = 2;
 *                repeated AddressInfo addresses = 3; }
 *   AddressInfo { bytes multiaddr = 1; }
 *
 * The signature covers uvarint(len) || bytes of the domain
 * "libp2p-peer-record", the payload type (multicodec 0x0301, bytes 03 01)
 * and the payload, as go-libp2p and js-libp2p compute it.
 */
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

/* go-libp2p's and js-libp2p's values (core/peer/record.go). */
static const uint8_t	record_type[2] = { 0x03, 0x01 };

/* Protobuf wire types we meet. */
#define WT_VARINT	0
#define WT_I64		1
#define WT_LEN		2
#define WT_I32		5

/* One protobuf field read from a buffer; bytes borrow from it. */
struct pb_field {
	uint32_t	 num;
	uint32_t	 wt;
	uint64_t	 v;		/* varint value */
	const uint8_t	*p;		/* length-delimited value */
	size_t		 n;
};

const char *
p2p_record_strerror(int rc)
{
	switch (rc) {
	case P2P_RECORD_OK:		return "ok";
	case P2P_RECORD_EMALFORMED:	return "malformed envelope or record";
	case P2P_RECORD_ETOOBIG:	return "envelope too big";
	case P2P_RECORD_ETYPE:		return "not a peer record";
	case P2P_RECORD_EKEY:		return "key is not Ed25519";
	case P2P_RECORD_ESIG:		return "bad signature";
	case P2P_RECORD_EPEER:		return "peer ID does not match the key";
	}
	return "unknown error";
}

/* The next field at *off; 1, 0 at the end, -1 on garbage. */
static int
pb_next(const uint8_t *buf, size_t len, size_t *off, struct pb_field *f)
{
	uint64_t	key, n;
	size_t		used;

	if (*off >= len)
		return 0;
	if (p2p_varint_decode(buf + *off, len - *off, &key, &used) !=
	    P2P_VARINT_OK || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		return -1;
	*off += used;
	f->num = (uint32_t)(key >> 3);
	f->wt = (uint32_t)(key & 7);
	switch (f->wt) {
	case WT_VARINT:
		if (p2p_varint_decode(buf + *off, len - *off, &f->v,
		    &used) != P2P_VARINT_OK)
			return -1;
		*off += used;
		return 1;
	case WT_I64:
	case WT_I32:
		n = f->wt == WT_I64 ? 8 : 4;
		if (len - *off < n)
			return -1;
		*off += n;
		return 1;
	case WT_LEN:
		if (p2p_varint_decode(buf + *off, len - *off, &n, &used) !=
		    P2P_VARINT_OK || n > len - *off - used)
			return -1;
		f->p = buf + *off + used;
		f->n = (size_t)n;
		*off += used + n;
		return 1;
	}
	return -1;	/* groups and unknown wire types */
}

static void
pb_put_bytes(uint8_t *out, size_t *off, uint8_t tag, const uint8_t *p,
    size_t n)
{
	out[(*off)++] = tag;
	*off += p2p_varint_encode(n, out + *off);
	memcpy(out + *off, p, n);
	*off += n;
}

/* The bytes the envelope's signature covers into out (cap outcap). */
static int
record_signed_bytes(const uint8_t *payload, size_t n, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	const char	*dom = P2P_RECORD_DOMAIN;
	size_t		 dl = strlen(dom), off = 0;

	if (n + dl + sizeof(record_type) + 3 * P2P_VARINT_MAX > outcap)
		return -1;
	off += p2p_varint_encode(dl, out + off);
	memcpy(out + off, dom, dl);
	off += dl;
	off += p2p_varint_encode(sizeof(record_type), out + off);
	memcpy(out + off, record_type, sizeof(record_type));
	off += sizeof(record_type);
	off += p2p_varint_encode(n, out + off);
	memcpy(out + off, payload, n);
	*outlen = off + n;
	return 0;
}

int
p2p_record_seal(const struct p2p_identity *id, uint64_t seq,
    const struct p2p_multiaddr *addrs, size_t naddrs, uint8_t **out,
    size_t *outlen)
{
	uint8_t	 pay[P2P_RECORD_MAX], sb[P2P_RECORD_MAX + 64], sig[64];
	uint8_t	 pk[P2P_PUBKEY_PB_LEN], ai[P2P_MULTIADDR_MAX + 8], *env;
	size_t	 pl = 0, sl, al, i, el = 0;

	pb_put_bytes(pay, &pl, 0x0a, id->peer_id.bytes, id->peer_id.len);
	pay[pl++] = 0x10;
	pl += p2p_varint_encode(seq, pay + pl);
	for (i = 0; i < naddrs && i < P2P_RECORD_ADDRS; i++) {
		al = 0;
		pb_put_bytes(ai, &al, 0x0a, addrs[i].bytes, addrs[i].len);
		if (pl + al + P2P_VARINT_MAX + 1 > P2P_RECORD_MAX / 2)
			break;
		pb_put_bytes(pay, &pl, 0x1a, ai, al);
	}
	if (record_signed_bytes(pay, pl, sb, sizeof(sb), &sl) == -1)
		return -1;
	p2p_identity_sign(id, sb, sl, sig);
	p2p_identity_pubkey_encode(id->pk, pk);
	env = malloc(sizeof(pk) + sizeof(record_type) + pl + sizeof(sig) +
	    4 * (P2P_VARINT_MAX + 1));
	if (env == NULL)
		return -1;
	pb_put_bytes(env, &el, 0x0a, pk, sizeof(pk));
	pb_put_bytes(env, &el, 0x12, record_type, sizeof(record_type));
	pb_put_bytes(env, &el, 0x1a, pay, pl);
	pb_put_bytes(env, &el, 0x2a, sig, sizeof(sig));
	*out = env;
	*outlen = el;
	return 0;
}

/* The envelope's fields; -1 if one is missing or malformed. */
static int
record_envelope(const uint8_t *buf, size_t len, struct pb_field *key,
    struct pb_field *type, struct pb_field *pay, struct pb_field *sig)
{
	struct pb_field	f;
	size_t		off = 0;
	int		rc;

	memset(key, 0, sizeof(*key));
	memset(type, 0, sizeof(*type));
	memset(pay, 0, sizeof(*pay));
	memset(sig, 0, sizeof(*sig));
	while ((rc = pb_next(buf, len, &off, &f)) == 1) {
		if (f.wt != WT_LEN && f.num >= 1 && f.num <= 5 && f.num != 4)
			return -1;
		if (f.num == 1)
			*key = f;
		else if (f.num == 2)
			*type = f;
		else if (f.num == 3)
			*pay = f;
		else if (f.num == 5)
			*sig = f;
	}
	if (rc == -1 || key->p == NULL || type->p == NULL || pay->p == NULL ||
	    sig->p == NULL)
		return -1;
	return 0;
}

/* AddressInfo: keep its multiaddr when well-formed. */
static void
record_addr(const struct pb_field *ai, struct p2p_peer_record *r)
{
	struct pb_field	f;
	size_t		off = 0;

	while (pb_next(ai->p, ai->n, &off, &f) == 1) {
		if (f.num != 1 || f.wt != WT_LEN || f.n > P2P_MULTIADDR_MAX ||
		    p2p_multiaddr_check(f.p, f.n) != 0)
			continue;
		if (r->naddrs >= P2P_RECORD_ADDRS) {
			r->dropped++;
			return;
		}
		memcpy(r->addrs[r->naddrs].bytes, f.p, f.n);
		r->addrs[r->naddrs++].len = f.n;
		return;
	}
	r->dropped++;
}

int
p2p_record_decode(const uint8_t *buf, size_t len, struct p2p_peer_record *r)
{
	struct pb_field	f;
	size_t		off = 0;
	int		rc, have_id = 0;

	memset(r, 0, sizeof(*r));
	while ((rc = pb_next(buf, len, &off, &f)) == 1) {
		if (f.num == 1 && f.wt == WT_LEN) {
			if (f.n > P2P_PEER_ID_MAX ||
			    p2p_identity_peer_id_check(f.p, f.n) != 0)
				return P2P_RECORD_EMALFORMED;
			memcpy(r->peer.bytes, f.p, f.n);
			r->peer.len = f.n;
			have_id = 1;
		} else if (f.num == 2 && f.wt == WT_VARINT)
			r->seq = f.v;
		else if (f.num == 3 && f.wt == WT_LEN)
			record_addr(&f, r);
		else if (f.num <= 3)
			return P2P_RECORD_EMALFORMED;
	}
	return rc == -1 || !have_id ? P2P_RECORD_EMALFORMED : P2P_RECORD_OK;
}

int
p2p_record_open(const uint8_t *buf, size_t len, struct p2p_peer_record *r)
{
	struct pb_field		key, type, pay, sig;
	struct p2p_peer_id	signer;
	uint8_t			pk[32], sb[P2P_RECORD_MAX + 64];
	size_t			sl;
	int			rc;

	memset(r, 0, sizeof(*r));
	if (len > P2P_RECORD_MAX)
		return P2P_RECORD_ETOOBIG;
	if (record_envelope(buf, len, &key, &type, &pay, &sig) == -1)
		return P2P_RECORD_EMALFORMED;
	if (type.n != sizeof(record_type) ||
	    memcmp(type.p, record_type, sizeof(record_type)) != 0)
		return P2P_RECORD_ETYPE;
	if (p2p_identity_pubkey_decode(key.p, key.n, pk) != 0)
		return P2P_RECORD_EKEY;
	if (sig.n != 64 || record_signed_bytes(pay.p, pay.n, sb, sizeof(sb),
	    &sl) == -1 || p2p_identity_verify(pk, sb, sl, sig.p) != 0)
		return P2P_RECORD_ESIG;
	if ((rc = p2p_record_decode(pay.p, pay.n, r)) != P2P_RECORD_OK)
		return rc;
	p2p_identity_peer_id(pk, &signer);
	if (!p2p_identity_peer_id_equal(&signer, &r->peer))
		return P2P_RECORD_EPEER;
	return P2P_RECORD_OK;
}
