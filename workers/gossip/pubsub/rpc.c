/*
 * Gossip worker, pubsub router: the RPC codec.  Received RPCs are decoded
 * with protobuf-c (proto/libp2p_pubsub.proto); the RPCs we send are written
 * by hand in field order, which is what StrictSign needs (the signature
 * covers the Message re-encoded in tag order with minimal varints, as Go's
 * verifier re-marshals it) and lets a cached publish RPC be sent as is.
 * Pure functions over buffers: unit tests and the fuzz target call them.
 */
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

#define PREFIX_LEN	(sizeof(PS_SIG_PREFIX) - 1)

const char *
ps_strerror(int rc)
{
	switch (rc) {
	case PS_OK:
		return "ok";
	case PS_EMALFORMED:
		return "message lacks from, an 8-byte seqno or a valid topic";
	case PS_EAUTHOR:
		return "author is not an Ed25519 peer ID";
	case PS_ENOSIG:
		return "message is not signed";
	case PS_EKEY:
		return "key field does not match the author";
	case PS_ESIG:
		return "bad signature";
	case PS_ESPACE:
		return "message too large";
	}
	return "unknown error";
}

void
ps_buf_put(struct ps_buf *w, const void *p, size_t n)
{
	size_t	ncap;

	if (n == 0)
		return;
	if (w->len + n > w->cap) {
		ncap = w->cap ? w->cap : 256;
		while (ncap < w->len + n)
			ncap *= 2;
		w->b = realloc(w->b, ncap);
		if (w->b == NULL)
			abort();	/* out of memory */
		w->cap = ncap;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

void
ps_buf_varint(struct ps_buf *w, uint64_t v)
{
	uint8_t	tmp[P2P_VARINT_MAX + 1];
	size_t	n = 0;

	/* plain protobuf varint: up to 10 bytes for 64 bits */
	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0 && n < sizeof(tmp));
	ps_buf_put(w, tmp, n);
}

void
ps_buf_field(struct ps_buf *w, uint8_t tag,
    const void *p, size_t n)
{
	ps_buf_put(w, &tag, 1);
	ps_buf_varint(w, n);
	ps_buf_put(w, p, n);
}

void
ps_buf_free(struct ps_buf *w)
{
	free(w->b);
	memset(w, 0, sizeof(*w));
}

static size_t
pb_varint_size(uint64_t v)
{
	size_t	n = 1;

	while (v > 0x7f) {
		v >>= 7;
		n++;
	}
	return n;
}

static size_t
pb_field_size(int present, size_t len)
{
	return present ? 1 + pb_varint_size(len) + len : 0;
}

static uint8_t *
pb_field_write(uint8_t *o, int present, uint8_t tag, const uint8_t *p,
    size_t len)
{
	size_t	v = len;

	if (!present)
		return o;
	*o++ = tag;
	while (v > 0x7f) {
		*o++ = (uint8_t)((v & 0x7f) | 0x80);
		v >>= 7;
	}
	*o++ = (uint8_t)v;
	if (len > 0)
		memcpy(o, p, len);
	return o + len;
}

size_t
ps_msg_size(const struct ps_msg *m, int with_sig)
{
	size_t	n;

	n = pb_field_size(m->has_from, m->from_len) +
	    pb_field_size(m->has_data, m->data_len) +
	    pb_field_size(m->has_seqno, m->seqno_len) +
	    pb_field_size(m->has_topic, m->topic_len);
	if (with_sig)
		n += pb_field_size(m->has_sig, m->sig_len) +
		    pb_field_size(m->has_key, m->key_len);
	return n;
}

size_t
ps_msg_encode(const struct ps_msg *m, int with_sig,
    uint8_t *out)
{
	uint8_t	*o = out;

	o = pb_field_write(o, m->has_from, 0x0a, m->from, m->from_len);
	o = pb_field_write(o, m->has_data, 0x12, m->data, m->data_len);
	o = pb_field_write(o, m->has_seqno, 0x1a, m->seqno, m->seqno_len);
	o = pb_field_write(o, m->has_topic, 0x22, m->topic, m->topic_len);
	if (with_sig) {
		o = pb_field_write(o, m->has_sig, 0x2a, m->sig, m->sig_len);
		o = pb_field_write(o, m->has_key, 0x32, m->key, m->key_len);
	}
	return (size_t)(o - out);
}

int
ps_topic_ok(const uint8_t *topic, size_t len)
{
	return len > 0 && len <= PS_TOPIC_MAX &&
	    memchr(topic, 0, len) == NULL;
}

int
ps_msg_sign(const struct p2p_identity *id, const uint8_t *topic,
    size_t topic_len, const uint8_t *data, size_t len, uint64_t seqno,
    uint8_t **out, size_t *outlen)
{
	struct ps_msg	m;
	uint8_t				sq[PS_SEQNO_LEN], sig[64];
	uint8_t				*buf;
	size_t				n, i;

	if (!ps_topic_ok(topic, topic_len))
		return PS_EMALFORMED;
	for (i = 0; i < sizeof(sq); i++)
		sq[i] = (uint8_t)(seqno >> (56 - 8 * i));
	memset(&m, 0, sizeof(m));
	m.from = id->peer_id.bytes;
	m.from_len = id->peer_id.len;
	m.data = data;
	m.data_len = len;
	m.seqno = sq;
	m.seqno_len = sizeof(sq);
	m.topic = topic;
	m.topic_len = topic_len;
	m.has_from = m.has_data = m.has_seqno = m.has_topic = 1;
	n = ps_msg_size(&m, 0);
	/* "libp2p-pubsub:" || unsigned message, then the signed one in place */
	buf = malloc(PREFIX_LEN + n + 2 + sizeof(sig));
	if (buf == NULL)
		abort();	/* out of memory */
	memcpy(buf, PS_SIG_PREFIX, PREFIX_LEN);
	ps_msg_encode(&m, 0, buf + PREFIX_LEN);
	p2p_identity_sign(id, buf, PREFIX_LEN + n, sig);
	m.sig = sig;
	m.sig_len = sizeof(sig);
	m.has_sig = 1;
	*outlen = ps_msg_encode(&m, 1, buf);
	*out = buf;
	return PS_OK;
}

int
ps_msg_id(const struct ps_msg *m,
    uint8_t id[PS_MSGID_MAX], size_t *idlen)
{
	if (!m->has_from || !m->has_seqno ||
	    m->from_len + m->seqno_len > PS_MSGID_MAX)
		return -1;
	memcpy(id, m->from, m->from_len);
	if (m->seqno_len > 0)
		memcpy(id + m->from_len, m->seqno, m->seqno_len);
	*idlen = m->from_len + m->seqno_len;
	return 0;
}

int
ps_msg_verify(const struct ps_msg *m, uint8_t *scratch,
    size_t scratchcap)
{
	struct p2p_peer_id	author;
	uint8_t			pk[32], kpk[32];
	size_t			n;

	if (!m->has_from || !m->has_seqno ||
	    m->seqno_len != PS_SEQNO_LEN || !m->has_topic ||
	    !ps_topic_ok(m->topic, m->topic_len))
		return PS_EMALFORMED;
	if (m->from_len > P2P_PEER_ID_MAX ||
	    p2p_identity_peer_id_check(m->from, m->from_len) != 0)
		return PS_EAUTHOR;
	memcpy(author.bytes, m->from, m->from_len);
	author.len = m->from_len;
	if (p2p_identity_peer_id_pubkey(&author, pk) != 0)
		return PS_EAUTHOR;
	if (!m->has_sig || m->sig_len != 64)
		return PS_ENOSIG;
	if (m->has_key && (p2p_identity_pubkey_decode(m->key, m->key_len,
	    kpk) != 0 || memcmp(kpk, pk, sizeof(pk)) != 0))
		return PS_EKEY;
	n = ps_msg_size(m, 0);
	if (PREFIX_LEN + n > scratchcap)
		return PS_ESPACE;
	memcpy(scratch, PS_SIG_PREFIX, PREFIX_LEN);
	ps_msg_encode(m, 0, scratch + PREFIX_LEN);
	if (p2p_identity_verify(pk, scratch, PREFIX_LEN + n, m->sig) != 0)
		return PS_ESIG;
	return PS_OK;
}

int
ps_rpc_wrap(const uint8_t *msg, size_t len, uint8_t **out,
    size_t *outlen)
{
	struct ps_buf	w = { 0 };

	ps_buf_field(&w, 0x12, msg, len);
	*out = w.b;
	*outlen = w.len;
	return 0;
}

void
ps_rpc_sub(struct ps_buf *w, int subscribe,
    const char *topic, size_t len)
{
	struct ps_buf	s = { 0 };
	uint8_t				b[2] = { 0x08, subscribe ? 1 : 0 };

	ps_buf_put(&s, b, sizeof(b));
	ps_buf_field(&s, 0x12, topic, len);
	ps_buf_field(w, 0x0a, s.b, s.len);
	ps_buf_free(&s);
}

Libp2pPubsub__RPC *
ps_rpc_decode(const uint8_t *buf, size_t len)
{
	return libp2p_pubsub__rpc__unpack(NULL, len, buf);
}

void
ps_msg_view(const Libp2pPubsub__Message *pm,
    struct ps_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->has_from = pm->has_from;
	m->from = pm->from.data;
	m->from_len = pm->from.len;
	m->has_data = pm->has_data;
	m->data = pm->data.data;
	m->data_len = pm->data.len;
	m->has_seqno = pm->has_seqno;
	m->seqno = pm->seqno.data;
	m->seqno_len = pm->seqno.len;
	m->has_topic = pm->has_topic;
	m->topic = pm->topic.data;
	m->topic_len = pm->topic.len;
	m->has_sig = pm->has_signature;
	m->sig = pm->signature.data;
	m->sig_len = pm->signature.len;
	m->has_key = pm->has_key;
	m->key = pm->key.data;
	m->key_len = pm->key.len;
}
