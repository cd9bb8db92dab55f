/*
 * Gossip worker: multiaddrs, the self-describing addresses libp2p uses in
 * config (p2p_static_peers, p2p_advertise_addresses), identify listen and
 * observed addresses and /p2p/ dials.  Converts between the text form
 * ("/ip4/1.2.3.4/tcp/9905/p2p/12D3KooW…") and the binary form (a run of
 * uvarint(code) || value, with uvarint(len) before variable-size values).
 * Only the protocols below are known; anything else, or any malformed
 * value, is refused rather than guessed at.  Pure functions over buffers.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "libp2p/libp2p.h"

#define P2P_MA_VAR		(-1)	/* value size: length-prefixed */
#define P2P_MA_NAME_MAX	255	/* dns names and zones */

enum p2p_ma_kind {
	P2P_MA_K_NONE,	/* no value */
	P2P_MA_K_IP4,
	P2P_MA_K_IP6,
	P2P_MA_K_PORT,
	P2P_MA_K_NAME,	/* dns names, ip6 zone */
	P2P_MA_K_PEER,	/* peer ID multihash */
};

struct p2p_ma_proto {
	uint64_t		 code;
	const char		*name;
	int			 size;
	enum p2p_ma_kind	 kind;
};

static const struct p2p_ma_proto	p2p_ma_protos[] = {
	{ P2P_MA_IP4, "ip4", 4, P2P_MA_K_IP4 },
	{ P2P_MA_TCP, "tcp", 2, P2P_MA_K_PORT },
	{ P2P_MA_IP6, "ip6", 16, P2P_MA_K_IP6 },
	{ 42, "ip6zone", P2P_MA_VAR, P2P_MA_K_NAME },
	{ P2P_MA_DNS, "dns", P2P_MA_VAR, P2P_MA_K_NAME },
	{ P2P_MA_DNS4, "dns4", P2P_MA_VAR, P2P_MA_K_NAME },
	{ P2P_MA_DNS6, "dns6", P2P_MA_VAR, P2P_MA_K_NAME },
	{ P2P_MA_DNSADDR, "dnsaddr", P2P_MA_VAR, P2P_MA_K_NAME },
	{ P2P_MA_UDP, "udp", 2, P2P_MA_K_PORT },
	{ 280, "webrtc-direct", 0, P2P_MA_K_NONE },
	{ 281, "webrtc", 0, P2P_MA_K_NONE },
	{ P2P_MA_P2P_CIRCUIT, "p2p-circuit", 0, P2P_MA_K_NONE },
	{ P2P_MA_P2P, "p2p", P2P_MA_VAR, P2P_MA_K_PEER },
	{ 448, "tls", 0, P2P_MA_K_NONE },
	{ 454, "noise", 0, P2P_MA_K_NONE },
	{ 460, "quic", 0, P2P_MA_K_NONE },
	{ 461, "quic-v1", 0, P2P_MA_K_NONE },
	{ 465, "webtransport", 0, P2P_MA_K_NONE },
	{ 477, "ws", 0, P2P_MA_K_NONE },
	{ 478, "wss", 0, P2P_MA_K_NONE },
};

#define P2P_MA_NPROTOS	(sizeof(p2p_ma_protos) / sizeof(p2p_ma_protos[0]))

static const struct p2p_ma_proto *
p2p_multiaddr_by_code(uint64_t code)
{
	size_t	i;

	for (i = 0; i < P2P_MA_NPROTOS; i++)
		if (p2p_ma_protos[i].code == code)
			return &p2p_ma_protos[i];
	return NULL;
}

static const struct p2p_ma_proto *
p2p_multiaddr_by_name(const char *name, size_t len)
{
	size_t	i;

	if (len == 4 && memcmp(name, "ipfs", 4) == 0)	/* legacy alias */
		return p2p_multiaddr_by_code(P2P_MA_P2P);
	for (i = 0; i < P2P_MA_NPROTOS; i++)
		if (strlen(p2p_ma_protos[i].name) == len &&
		    memcmp(p2p_ma_protos[i].name, name, len) == 0)
			return &p2p_ma_protos[i];
	return NULL;
}

/* Names travel in text between slashes and in logs: no '/', no controls. */
static int
p2p_multiaddr_name_ok(const uint8_t *v, size_t len)
{
	size_t	i;

	if (len == 0 || len > P2P_MA_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] <= 0x20 || v[i] == 0x7f || v[i] == '/')
			return 0;
	return 1;
}

static int
p2p_multiaddr_value_ok(const struct p2p_ma_proto *p, const uint8_t *v,
    size_t len)
{
	switch (p->kind) {
	case P2P_MA_K_NAME:
		return p2p_multiaddr_name_ok(v, len);
	case P2P_MA_K_PEER:
		return p2p_identity_peer_id_check(v, len) == 0;
	default:
		return 1;	/* fixed sizes, already checked */
	}
}

int
p2p_multiaddr_next(const uint8_t *buf, size_t len, size_t *off,
    struct p2p_multiaddr_part *part)
{
	const struct p2p_ma_proto	*p;
	uint64_t			 code, vlen;
	size_t				 pos = *off, n;

	if (pos >= len)
		return 0;
	if (p2p_varint_decode(buf + pos, len - pos, &code, &n) !=
	    P2P_VARINT_OK || (p = p2p_multiaddr_by_code(code)) == NULL)
		return -1;
	pos += n;
	if (p->size == P2P_MA_VAR) {
		if (p2p_varint_decode(buf + pos, len - pos, &vlen, &n) !=
		    P2P_VARINT_OK)
			return -1;
		pos += n;
	} else
		vlen = (uint64_t)p->size;
	if (vlen > len - pos || !p2p_multiaddr_value_ok(p, buf + pos, vlen))
		return -1;
	part->code = code;
	part->value = buf + pos;
	part->value_len = (size_t)vlen;
	*off = pos + (size_t)vlen;
	return 1;
}

int
p2p_multiaddr_check(const uint8_t *buf, size_t len)
{
	struct p2p_multiaddr_part	part;
	size_t				off = 0;
	int				rc;

	if (len == 0 || len > P2P_MULTIADDR_MAX)
		return -1;
	while ((rc = p2p_multiaddr_next(buf, len, &off, &part)) == 1)
		;
	return rc;
}

/* Append s (n bytes) to out at *pos, keeping room for the NUL. */
static int
p2p_multiaddr_put(char *out, size_t outcap, size_t *pos, const char *s,
    size_t n)
{
	if (n >= outcap - *pos)
		return -1;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
	return 0;
}

static int
p2p_multiaddr_value_text(const struct p2p_ma_proto *p,
    const struct p2p_multiaddr_part *part, char *text, size_t cap)
{
	struct p2p_peer_id	id;

	switch (p->kind) {
	case P2P_MA_K_IP4:
		return inet_ntop(AF_INET, part->value, text, (socklen_t)cap) ==
		    NULL ? -1 : 0;
	case P2P_MA_K_IP6:
		return inet_ntop(AF_INET6, part->value, text, (socklen_t)cap) ==
		    NULL ? -1 : 0;
	case P2P_MA_K_PORT:
		snprintf(text, cap, "%u",
		    (unsigned)part->value[0] << 8 | part->value[1]);
		return 0;
	case P2P_MA_K_NAME:
		memcpy(text, part->value, part->value_len);
		text[part->value_len] = '\0';
		return 0;
	case P2P_MA_K_PEER:
		memcpy(id.bytes, part->value, part->value_len);
		id.len = part->value_len;
		return p2p_identity_peer_id_format(&id, text, cap);
	case P2P_MA_K_NONE:
		break;
	}
	return -1;
}

int
p2p_multiaddr_format(const uint8_t *buf, size_t len, char *out,
    size_t outcap)
{
	struct p2p_multiaddr_part	 part;
	const struct p2p_ma_proto	*p;
	char				 text[P2P_MA_NAME_MAX + 1];
	size_t				 off = 0, pos = 0;
	int				 rc;

	if (outcap == 0 || len == 0 || len > P2P_MULTIADDR_MAX)
		return -1;
	out[0] = '\0';
	while ((rc = p2p_multiaddr_next(buf, len, &off, &part)) == 1) {
		p = p2p_multiaddr_by_code(part.code);
		if (p2p_multiaddr_put(out, outcap, &pos, "/", 1) != 0 ||
		    p2p_multiaddr_put(out, outcap, &pos, p->name,
		    strlen(p->name)) != 0)
			return -1;
		if (p->kind == P2P_MA_K_NONE)
			continue;
		if (p2p_multiaddr_value_text(p, &part, text,
		    sizeof(text)) != 0 ||
		    p2p_multiaddr_put(out, outcap, &pos, "/", 1) != 0 ||
		    p2p_multiaddr_put(out, outcap, &pos, text,
		    strlen(text)) != 0)
			return -1;
	}
	return rc;
}

static int
p2p_multiaddr_port(const char *s, size_t len, uint8_t out[2])
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	out[0] = (uint8_t)(v >> 8);
	out[1] = (uint8_t)v;
	return 0;
}

/* Text value s of protocol p into binary value bytes val, *vlen. */
static int
p2p_multiaddr_value_parse(const struct p2p_ma_proto *p, const char *s,
    size_t len, uint8_t *val, size_t *vlen)
{
	char			tmp[64];
	struct p2p_peer_id	id;

	switch (p->kind) {
	case P2P_MA_K_IP4:
	case P2P_MA_K_IP6:
		if (len >= sizeof(tmp))
			return -1;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		*vlen = (size_t)p->size;
		return inet_pton(p->kind == P2P_MA_K_IP4 ? AF_INET : AF_INET6,
		    tmp, val) == 1 ? 0 : -1;
	case P2P_MA_K_PORT:
		*vlen = 2;
		return p2p_multiaddr_port(s, len, val);
	case P2P_MA_K_NAME:
		if (!p2p_multiaddr_name_ok((const uint8_t *)s, len))
			return -1;
		memcpy(val, s, len);
		*vlen = len;
		return 0;
	case P2P_MA_K_PEER:
		if (p2p_identity_peer_id_parse(s, len, &id) != 0)
			return -1;
		memcpy(val, id.bytes, id.len);
		*vlen = id.len;
		return 0;
	case P2P_MA_K_NONE:
		break;
	}
	return -1;
}

/* Append one component (code, optional length, value) to out. */
static int
p2p_multiaddr_append(struct p2p_multiaddr *out,
    const struct p2p_ma_proto *p, const uint8_t *val, size_t vlen)
{
	uint8_t	hdr[2 * P2P_VARINT_MAX];
	size_t	n;

	n = p2p_varint_encode(p->code, hdr);
	if (p->size == P2P_MA_VAR)
		n += p2p_varint_encode(vlen, hdr + n);
	if (n + vlen > sizeof(out->bytes) - out->len)
		return -1;
	memcpy(out->bytes + out->len, hdr, n);
	memcpy(out->bytes + out->len + n, val, vlen);
	out->len += n + vlen;
	return 0;
}

/* The next '/'-separated token of text[*pos..len); -1 if empty. */
static int
p2p_multiaddr_token(const char *text, size_t len, size_t *pos,
    const char **tok, size_t *toklen)
{
	size_t	start = *pos, end = start;

	while (end < len && text[end] != '/')
		end++;
	if (end == start)
		return -1;
	*tok = text + start;
	*toklen = end - start;
	*pos = end < len ? end + 1 : end;
	return 0;
}

int
p2p_multiaddr_parse(const char *text, size_t len,
    struct p2p_multiaddr *out)
{
	const struct p2p_ma_proto	*p;
	uint8_t				 val[P2P_MA_NAME_MAX];
	const char			*tok;
	size_t				 pos = 1, toklen, vlen = 0;

	out->len = 0;
	if (len < 2 || text[0] != '/' || len >= P2P_MULTIADDR_TEXT_MAX)
		return -1;
	if (text[len - 1] == '/')	/* one trailing slash is tolerated */
		len--;
	while (pos < len) {
		if (p2p_multiaddr_token(text, len, &pos, &tok, &toklen) != 0 ||
		    (p = p2p_multiaddr_by_name(tok, toklen)) == NULL)
			return -1;
		if (p->kind != P2P_MA_K_NONE) {
			if (pos >= len || p2p_multiaddr_token(text, len, &pos,
			    &tok, &toklen) != 0 ||
			    p2p_multiaddr_value_parse(p, tok, toklen, val,
			    &vlen) != 0)
				return -1;
		} else
			vlen = 0;
		if (p2p_multiaddr_append(out, p, val, vlen) != 0)
			return -1;
	}
	return out->len > 0 ? 0 : -1;
}
