/*
 * Gossip worker: the codec of go-p2p-message-bus's address request
 * (/p2p-msg-bus/peer-addr-request/1.0.0).  The asker writes a peer ID as
 * base58 text (no length prefix, no newline); the answerer writes a JSON
 * array of multiaddr strings (at most 32 entries and 8 KiB, none through
 * /p2p-circuit) and closes.  Pure functions over buffers: exchange.c runs
 * them on streams, tests and the fuzz target call them directly.
 */
#include <stdio.h>
#include <string.h>

#include "addrreq.h"

int
gossip_addrreq_parse_request(const uint8_t *buf, size_t len,
    struct p2p_peer_id *id)
{
	size_t	i;

	if (len == 0 || len > ADDRREQ_REQUEST_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (buf[i] <= ' ' || buf[i] >= 0x7f)
			return -1;
	return p2p_identity_peer_id_parse((const char *)buf, len, id) == 0 ?
	    0 : -1;
}

/* 1 if text can sit in a JSON string unescaped and is a multiaddr. */
static int
addrreq_plain(const char *text)
{
	struct p2p_multiaddr	ma;
	size_t			i, n = strlen(text);

	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < ' ' || text[i] == '"' ||
		    text[i] == '\\' || (unsigned char)text[i] >= 0x7f)
			return 0;
	return strstr(text, "/p2p-circuit") == NULL &&
	    p2p_multiaddr_parse(text, n, &ma) == 0;
}

size_t
gossip_addrreq_format_reply(char *const *addrs, size_t n, char *out,
    size_t outcap)
{
	size_t	i, len = 1, k = 0, w;

	if (outcap < 3)
		return 0;
	out[0] = '[';
	for (i = 0; i < n && k < ADDRREQ_ADDRS_MAX; i++) {
		if (!addrreq_plain(addrs[i]))
			continue;
		w = strlen(addrs[i]) + 3;	/* quotes and a comma */
		if (len + w + 1 >= outcap || len + w + 1 > ADDRREQ_REPLY_MAX)
			break;
		len += (size_t)snprintf(out + len, outcap - len, "%s\"%s\"",
		    k > 0 ? "," : "", addrs[i]);
		k++;
	}
	out[len++] = ']';
	out[len] = '\0';
	return len;
}

static size_t
addrreq_space(const uint8_t *buf, size_t len, size_t off)
{
	while (off < len && (buf[off] == ' ' || buf[off] == '\t' ||
	    buf[off] == '\n' || buf[off] == '\r'))
		off++;
	return off;
}

int
gossip_addrreq_parse_reply(const uint8_t *buf, size_t len,
    struct p2p_multiaddr *out, size_t cap, size_t *n)
{
	size_t	off, start, k = 0;

	*n = 0;
	if (len > ADDRREQ_REPLY_MAX)
		return -1;
	off = addrreq_space(buf, len, 0);
	if (off >= len || buf[off++] != '[')
		return -1;
	off = addrreq_space(buf, len, off);
	if (off < len && buf[off] == ']')
		return addrreq_space(buf, len, off + 1) == len ? 0 : -1;
	for (;;) {
		if (off >= len || buf[off++] != '"')
			return -1;
		for (start = off; off < len && buf[off] != '"'; off++)
			if (buf[off] == '\\' || buf[off] < ' ')
				return -1;	/* multiaddrs need no escapes */
		if (off >= len || ++k > ADDRREQ_ADDRS_MAX)
			return -1;
		/* a well-formed entry we cannot use is skipped, not fatal */
		if (*n < cap && memmem(buf + start, off - start, "/p2p-circuit",
		    12) == NULL && p2p_multiaddr_parse((const char *)buf +
		    start, off - start, &out[*n]) == 0)
			(*n)++;
		off = addrreq_space(buf, len, off + 1);
		if (off < len && buf[off] == ']')
			return addrreq_space(buf, len, off + 1) == len ? 0 : -1;
		if (off >= len || buf[off++] != ',')
			return -1;
		off = addrreq_space(buf, len, off);
	}
}
