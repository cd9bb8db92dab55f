/*
 * Gossip worker: multistream-select 1.0, the line protocol that picks the
 * security protocol on a fresh TCP connection and the application protocol
 * on every yamux stream.  A message is uvarint(len) || text || '\n' with
 * len counting the newline; like go-multistream we refuse messages over
 * 1024 bytes or without the newline.  The parser takes bytes one message at
 * a time and leaves anything after it to the caller, because Go's lazy
 * dialer sends its header, proposal and first protocol bytes in one write.
 * Pure functions over buffers; the connection code drives the exchange.
 */
#include <string.h>

#include "libp2p/libp2p.h"

const char *
p2p_mss_strerror(int rc)
{
	switch (rc) {
	case P2P_MSS_LINE:
		return "line";
	case P2P_MSS_AGAIN:
		return "need more bytes";
	case P2P_MSS_ETOOBIG:
		return "multistream message over 1024 bytes";
	case P2P_MSS_EBADLEN:
		return "multistream length prefix malformed";
	case P2P_MSS_ENONL:
		return "multistream message without trailing newline";
	case P2P_MSS_ENUL:
		return "multistream message contains a NUL byte";
	case P2P_MSS_ESPACE:
		return "multistream output buffer too small";
	}
	return "unknown multistream error";
}

void
p2p_mss_parser_init(struct p2p_mss_parser *p)
{
	memset(p, 0, sizeof(*p));
}

/* One more length byte; sets p->body_len once the varint is complete. */
static int
p2p_mss_parser_len(struct p2p_mss_parser *p, uint8_t c)
{
	uint64_t	v;
	size_t		n;
	int		rc;

	if (p->hdr_len >= sizeof(p->hdr))	/* fed again after an error */
		return P2P_MSS_ETOOBIG;
	p->hdr[p->hdr_len++] = c;
	rc = p2p_varint_decode(p->hdr, p->hdr_len, &v, &n);
	if (rc == P2P_VARINT_SHORT)
		/* Two bytes hold up to 16383, so a third means too big. */
		return p->hdr_len == sizeof(p->hdr) ? P2P_MSS_ETOOBIG :
		    P2P_MSS_AGAIN;
	if (rc != P2P_VARINT_OK)
		return P2P_MSS_EBADLEN;
	if (v == 0)
		return P2P_MSS_ENONL;
	if (v > P2P_MSS_MSG_MAX)
		return P2P_MSS_ETOOBIG;
	p->body_len = (size_t)v;
	p->have = 0;
	return P2P_MSS_AGAIN;
}

/* The body is complete: check it and publish it as p->line. */
static int
p2p_mss_parser_finish(struct p2p_mss_parser *p)
{
	size_t	n = p->body_len;

	p->hdr_len = 0;
	p->body_len = 0;
	p->have = 0;
	if (p->line[n - 1] != '\n')
		return P2P_MSS_ENONL;
	if (memchr(p->line, '\0', n - 1) != NULL)
		return P2P_MSS_ENUL;
	p->line[n - 1] = '\0';
	p->line_len = n - 1;
	return P2P_MSS_LINE;
}

int
p2p_mss_parser_feed(struct p2p_mss_parser *p, const uint8_t *in,
    size_t len, size_t *consumed)
{
	size_t	i = 0, take;
	int	rc;

	*consumed = 0;
	while (i < len) {
		if (p->body_len == 0) {
			rc = p2p_mss_parser_len(p, in[i++]);
			*consumed = i;
			if (rc != P2P_MSS_AGAIN)
				return rc;
			continue;
		}
		take = p->body_len - p->have;
		if (take > len - i)
			take = len - i;
		memcpy(p->line + p->have, in + i, take);
		p->have += take;
		i += take;
		*consumed = i;
		if (p->have == p->body_len)
			return p2p_mss_parser_finish(p);
	}
	return P2P_MSS_AGAIN;
}

/* Append uvarint(len + 1) || msg || '\n' to out at *off. */
static int
p2p_mss_put(const uint8_t *msg, size_t len, uint8_t *out, size_t outcap,
    size_t *off)
{
	uint8_t	hdr[P2P_VARINT_MAX];
	size_t	n;

	if (len + 1 > P2P_MSS_MSG_MAX)
		return P2P_MSS_ETOOBIG;
	n = p2p_varint_encode(len + 1, hdr);
	if (*off > outcap || n + len + 1 > outcap - *off)
		return P2P_MSS_ESPACE;
	memcpy(out + *off, hdr, n);
	memcpy(out + *off + n, msg, len);
	out[*off + n + len] = '\n';
	*off += n + len + 1;
	return 0;
}

int
p2p_mss_encode(const char *text, uint8_t *out, size_t outcap, size_t *off)
{
	return p2p_mss_put((const uint8_t *)text, strlen(text), out, outcap,
	    off);
}

int
p2p_mss_encode_ls(const char *const *protos, size_t n, uint8_t *out,
    size_t outcap, size_t *off)
{
	uint8_t	inner[P2P_MSS_MSG_MAX];
	size_t	ilen = 0, i;
	int	rc;

	/* The answer is one message holding one message per protocol. */
	for (i = 0; i < n; i++)
		if ((rc = p2p_mss_encode(protos[i], inner, sizeof(inner),
		    &ilen)) != 0)
			return rc == P2P_MSS_ESPACE ? P2P_MSS_ETOOBIG : rc;
	return p2p_mss_put(inner, ilen, out, outcap, off);
}

int
p2p_mss_respond(const char *line, const char *const *protos, size_t n,
    uint8_t *out, size_t outcap, size_t *off, int *selected)
{
	size_t	i;

	*selected = -1;
	if (strcmp(line, P2P_MSS_LS) == 0)
		return p2p_mss_encode_ls(protos, n, out, outcap, off);
	for (i = 0; i < n; i++) {
		if (strcmp(line, protos[i]) == 0) {
			*selected = (int)i;
			return p2p_mss_encode(protos[i], out, outcap, off);
		}
	}
	return p2p_mss_encode(P2P_MSS_NA, out, outcap, off);
}
