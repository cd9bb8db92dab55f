/*
 * Gossip worker, Kademlia layer: the /ipfs/kad/1.0.0 message codec.  Each
 * RPC on a stream is uvarint(length) || Message (proto/kad_dht.proto, the
 * public spec's field numbers).  Received messages are bounded before
 * protobuf-c sees them (KAD_MSG_MAX bytes, KAD_WIRE_PEERS_MAX peer
 * entries counted by a walk over the top-level fields) and copied into
 * fixed-size struct kad_peer entries, so peer input cannot grow memory past
 * the caps in kad.h.  Pure functions: unit tests and fuzz_kad call them.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kad/kad.h"
#include "kad_dht.pb-c.h"

#define VARINT_MAX	10

const char *
kad_codec_strerror(int rc)
{
	switch (rc) {
	case KAD_CODEC_OK:
		return "ok";
	case KAD_CODEC_AGAIN:
		return "message incomplete";
	case KAD_CODEC_ETOOBIG:
		return "message over the size limit";
	case KAD_CODEC_EVARINT:
		return "bad length prefix";
	case KAD_CODEC_EPROTO:
		return "not a Kademlia Message protobuf";
	case KAD_CODEC_ETYPE:
		return "unknown message type";
	case KAD_CODEC_EKEY:
		return "key too long";
	case KAD_CODEC_EFLOOD:
		return "too many peer entries";
	case KAD_CODEC_ENOMEM:
		return "out of memory";
	}
	return "unknown error";
}

/* 1 with *v and *used, 0 if buf ends inside the varint, -1 if over 63 bits. */
static int
varint_get(const uint8_t *buf, size_t len, uint64_t *v, size_t *used)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < len && i < VARINT_MAX - 1; i++) {
		*v |= (uint64_t)(buf[i] & 0x7f) << (7 * i);
		if ((buf[i] & 0x80) == 0) {
			*used = i + 1;
			return 1;
		}
	}
	return i == len ? 0 : -1;
}

static size_t
varint_put(uint64_t v, uint8_t *out)
{
	size_t	n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

int
kad_frame_next(const uint8_t *buf, size_t len, const uint8_t **body,
    size_t *body_len, size_t *consumed)
{
	uint64_t	v;
	size_t		used;
	int		rc;

	rc = varint_get(buf, len < 4 ? len : 4, &v, &used);
	if (rc == 0)
		return len >= 4 ? KAD_CODEC_ETOOBIG : KAD_CODEC_AGAIN;
	if (rc < 0)
		return KAD_CODEC_EVARINT;
	if (used > 1 && buf[used - 1] == 0)
		return KAD_CODEC_EVARINT;	/* not minimal */
	if (v > KAD_MSG_MAX)
		return KAD_CODEC_ETOOBIG;
	if (len - used < v)
		return KAD_CODEC_AGAIN;
	*body = buf + used;
	*body_len = (size_t)v;
	*consumed = used + (size_t)v;
	return KAD_CODEC_OK;
}

/*
 * Count the peer entries (fields 8 and 9) with a walk over the top-level
 * fields, before protobuf-c allocates a struct for each.
 */
static int
count_peers(const uint8_t *buf, size_t len, size_t *npeers)
{
	size_t		off = 0, used;
	uint64_t	tag, v;

	*npeers = 0;
	while (off < len) {
		if (varint_get(buf + off, len - off, &tag, &used) != 1)
			return -1;
		off += used;
		switch (tag & 7) {
		case 0:
			if (varint_get(buf + off, len - off, &v, &used) != 1)
				return -1;
			off += used;
			break;
		case 1:
			v = 8;
			goto skip;
		case 5:
			v = 4;
			goto skip;
		case 2:
			if (varint_get(buf + off, len - off, &v, &used) != 1)
				return -1;
			off += used;
		skip:
			if (v > len - off)
				return -1;
			off += (size_t)v;
			break;
		default:
			return -1;
		}
		if ((tag >> 3) == 8 || (tag >> 3) == 9)
			(*npeers)++;
	}
	return 0;
}

int
kad_peer_id_check(const uint8_t *buf, size_t len)
{
	if (len < 2)
		return -1;
	if (buf[0] == 0x00)	/* identity: the key itself, as Ed25519 IDs */
		return buf[1] <= 42 && (size_t)buf[1] + 2 == len ? 0 : -1;
	if (buf[0] == 0x12)	/* sha2-256 of a larger key (RSA) */
		return buf[1] == 32 && len == 34 ? 0 : -1;
	return -1;
}

int
kad_peer_set(struct kad_peer *p, const uint8_t *id, size_t id_len)
{
	memset(p, 0, offsetof(struct kad_peer, addrs));
	if (kad_peer_id_check(id, id_len) == -1 || id_len > KAD_ID_MAX)
		return -1;
	memcpy(p->id, id, id_len);
	p->id_len = (uint8_t)id_len;
	return 0;
}

int
kad_peer_add_addr(struct kad_peer *p, const uint8_t *addr, size_t len)
{
	if (len == 0 || len > KAD_ADDR_MAX || p->naddrs >= KAD_ADDRS_MAX ||
	    p->addrs_len + 1 + len > KAD_ADDRS_BYTES)
		return -1;
	p->addrs[p->addrs_len] = (uint8_t)len;
	memcpy(p->addrs + p->addrs_len + 1, addr, len);
	p->addrs_len += (uint16_t)(1 + len);
	p->naddrs++;
	return 0;
}

int
kad_peer_addr_next(const struct kad_peer *p, size_t *off, const uint8_t **addr,
    size_t *len)
{
	if (*off >= p->addrs_len)
		return 0;
	*len = p->addrs[*off];
	*addr = p->addrs + *off + 1;
	*off += 1 + *len;
	return 1;
}

int
kad_peer_id_equal(const struct kad_peer *a, const uint8_t *id, size_t id_len)
{
	return a->id_len == id_len && memcmp(a->id, id, id_len) == 0;
}

int
kad_msg_init(struct kad_msg *m, int type, const uint8_t *key, size_t key_len)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	if (key_len > KAD_KEY_MAX)
		return -1;
	if (key_len > 0)
		memcpy(m->key, key, key_len);
	m->key_len = key_len;
	return 0;
}

static int
peers_add(struct kad_peer **arr, size_t *n, size_t cap,
    const struct kad_peer *p)
{
	if (*n >= cap)
		return -1;
	if (*arr == NULL && (*arr = malloc(cap * sizeof(**arr))) == NULL)
		return -1;
	(*arr)[(*n)++] = *p;
	return 0;
}

int
kad_msg_add_closer(struct kad_msg *m, const struct kad_peer *p)
{
	return peers_add(&m->closer, &m->ncloser, KAD_CLOSER_MAX, p);
}

int
kad_msg_add_provider(struct kad_msg *m, const struct kad_peer *p)
{
	return peers_add(&m->providers, &m->nproviders, KAD_PROVIDERS_MAX, p);
}

void
kad_msg_fini(struct kad_msg *m)
{
	free(m->closer);
	free(m->providers);
	m->closer = m->providers = NULL;
	m->ncloser = m->nproviders = 0;
}

/* Copy one wire Peer; addresses that do not fit are dropped and counted. */
static int
peer_from_pb(const KadDht__Message__Peer *pb, struct kad_peer *p,
    size_t *dropped)
{
	size_t	i;

	if (kad_peer_set(p, pb->id.data, pb->id.len) == -1) {
		(*dropped)++;
		return -1;
	}
	if ((int)pb->connection >= 0 &&
	    (int)pb->connection <= (int)KAD_CANNOT_CONNECT)
		p->conn = (uint8_t)pb->connection;
	for (i = 0; i < pb->n_addrs; i++)
		if (kad_peer_add_addr(p, pb->addrs[i].data,
		    pb->addrs[i].len) == -1)
			(*dropped)++;
	return 0;
}

static int
peers_from_pb(KadDht__Message__Peer **pbs, size_t n, struct kad_peer **arr,
    size_t *count, size_t cap, size_t *dropped)
{
	struct kad_peer	p;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (peer_from_pb(pbs[i], &p, dropped) == -1)
			continue;
		if (*count >= cap) {
			*dropped += n - i;
			break;
		}
		if (peers_add(arr, count, cap, &p) == -1)
			return KAD_CODEC_ENOMEM;
	}
	return KAD_CODEC_OK;
}

int
kad_msg_decode(const uint8_t *buf, size_t len, struct kad_msg *m)
{
	KadDht__Message	*pb;
	size_t		 npeers;
	int		 rc;

	memset(m, 0, sizeof(*m));
	if (len > KAD_MSG_MAX)
		return KAD_CODEC_ETOOBIG;
	if (count_peers(buf, len, &npeers) == -1)
		return KAD_CODEC_EPROTO;
	if (npeers > KAD_WIRE_PEERS_MAX)
		return KAD_CODEC_EFLOOD;
	if ((pb = kad_dht__message__unpack(NULL, len, buf)) == NULL)
		return KAD_CODEC_EPROTO;
	rc = KAD_CODEC_OK;
	if ((int)pb->type < KAD_PUT_VALUE || (int)pb->type > KAD_PING)
		rc = KAD_CODEC_ETYPE;
	else if (pb->key.len > KAD_KEY_MAX)
		rc = KAD_CODEC_EKEY;
	if (rc == KAD_CODEC_OK) {
		(void)kad_msg_init(m, (int)pb->type, pb->key.data,
		    pb->key.len);
		m->has_record = pb->record != NULL;
		rc = peers_from_pb(pb->closerpeers, pb->n_closerpeers,
		    &m->closer, &m->ncloser, KAD_CLOSER_MAX, &m->dropped);
	}
	if (rc == KAD_CODEC_OK)
		rc = peers_from_pb(pb->providerpeers, pb->n_providerpeers,
		    &m->providers, &m->nproviders, KAD_PROVIDERS_MAX,
		    &m->dropped);
	kad_dht__message__free_unpacked(pb, NULL);
	if (rc != KAD_CODEC_OK)
		kad_msg_fini(m);
	return rc;
}

/* Wire Peers for peers[0..n); addrs point into peers (borrowed). */
static KadDht__Message__Peer **
peers_to_pb(const struct kad_peer *peers, size_t n,
    KadDht__Message__Peer *pbs, ProtobufCBinaryData *addrs)
{
	KadDht__Message__Peer	**ptrs;
	const uint8_t		 *a;
	size_t			  i, off, alen;

	if ((ptrs = calloc(n ? n : 1, sizeof(*ptrs))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		kad_dht__message__peer__init(&pbs[i]);
		pbs[i].id.data = (uint8_t *)peers[i].id;
		pbs[i].id.len = peers[i].id_len;
		pbs[i].connection = (KadDht__Message__ConnectionType)
		    peers[i].conn;
		pbs[i].addrs = addrs;
		off = 0;
		while (kad_peer_addr_next(&peers[i], &off, &a, &alen)) {
			addrs[pbs[i].n_addrs].data = (uint8_t *)a;
			addrs[pbs[i].n_addrs++].len = alen;
		}
		addrs += pbs[i].n_addrs;
		ptrs[i] = &pbs[i];
	}
	return ptrs;
}

int
kad_msg_encode(const struct kad_msg *m, uint8_t **out, size_t *outlen)
{
	KadDht__Message		  pb = KAD_DHT__MESSAGE__INIT;
	KadDht__Message__Peer	 *pbs;
	ProtobufCBinaryData	 *addrs;
	size_t			  n, body, pre;
	int			  rc = KAD_CODEC_ENOMEM;

	n = m->ncloser + m->nproviders;
	pbs = calloc(n ? n : 1, sizeof(*pbs));
	addrs = calloc(n ? n * KAD_ADDRS_MAX : 1, sizeof(*addrs));
	*out = NULL;
	if (pbs == NULL || addrs == NULL)
		goto done;
	pb.type = (KadDht__Message__MessageType)m->type;
	pb.key.data = (uint8_t *)m->key;
	pb.key.len = m->key_len;
	pb.n_closerpeers = m->ncloser;
	pb.closerpeers = peers_to_pb(m->closer, m->ncloser, pbs, addrs);
	pb.n_providerpeers = m->nproviders;
	pb.providerpeers = peers_to_pb(m->providers, m->nproviders,
	    pbs + m->ncloser, addrs + m->ncloser * KAD_ADDRS_MAX);
	if (pb.closerpeers == NULL || pb.providerpeers == NULL)
		goto done;
	body = kad_dht__message__get_packed_size(&pb);
	rc = KAD_CODEC_ETOOBIG;
	if (body > KAD_MSG_MAX)
		goto done;
	rc = KAD_CODEC_ENOMEM;
	if ((*out = malloc(body + VARINT_MAX)) == NULL)
		goto done;
	pre = varint_put(body, *out);
	*outlen = pre + kad_dht__message__pack(&pb, *out + pre);
	rc = KAD_CODEC_OK;
done:
	free(pb.closerpeers);
	free(pb.providerpeers);
	free(pbs);
	free(addrs);
	return rc;
}

void
kad_topic_key(const char *topic, uint8_t out[KAD_TOPIC_KEY_LEN])
{
	out[0] = 0x12;		/* sha2-256 */
	out[1] = 0x20;		/* 32 bytes */
	crypto_hash_sha256(out + 2, (const uint8_t *)topic, strlen(topic));
}

static int
ip4_private(const uint8_t *a)
{
	return a[0] == 10 || a[0] == 127 || a[0] == 0 ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64);
}

static int
ip6_private(const uint8_t *a)
{
	static const uint8_t	zero[15];

	if (memcmp(a, zero, 15) == 0)		/* :: and ::1 */
		return 1;
	if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
		return ip4_private(a + 12);	/* ::ffff:a.b.c.d */
	return (a[0] & 0xfe) == 0xfc ||		/* fc00::/7 */
	    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);	/* fe80::/10 */
}

int
kad_addr_private(const uint8_t *ma, size_t len)
{
	if (len >= 5 && ma[0] == 4)			/* /ip4 */
		return ip4_private(ma + 1);
	if (len >= 17 && ma[0] == 41)			/* /ip6 */
		return ip6_private(ma + 1);
	return -1;
}

int
kad_protocols_server(const char *const *protos, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (protos[i] != NULL && strcmp(protos[i], KAD_PROTOCOL) == 0)
			return 1;
	return 0;
}
