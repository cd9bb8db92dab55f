/*
 * Gossip worker: libp2p private networks (pnet v1, the seed's
 * p2p_shared_key).  Each direction of a connection starts with a 24-byte
 * random nonce; every byte after it is XORed with XSalsa20(PSK, nonce), one
 * continuous keystream per direction.  It sits under multistream-select as
 * a libevent filter bufferevent, so a peer with another key (or none) never
 * gets a readable byte through.  The key parser and the keystream are pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <sodium.h>

#include "libp2p/internal.h"
#include "util.h"

#define PNET_HEADER	"/key/swarm/psk/1.0.0/"

void
p2p_pnet_stream_init(struct p2p_pnet_stream *st, const uint8_t key[32],
    const uint8_t nonce[P2P_PNET_NONCE_LEN])
{
	memset(st, 0, sizeof(*st));
	memcpy(st->key, key, 32);
	memcpy(st->nonce, nonce, P2P_PNET_NONCE_LEN);
	st->pos = sizeof(st->ks);	/* no keystream block yet */
}

void
p2p_pnet_stream_xor(struct p2p_pnet_stream *st, uint8_t *buf, size_t len)
{
	static const uint8_t	zero[64];
	size_t			n, i;

	while (len > 0) {
		if (st->pos == sizeof(st->ks)) {
			crypto_stream_xsalsa20_xor_ic(st->ks, zero, sizeof(zero),
			    st->nonce, st->block++, st->key);
			st->pos = 0;
		}
		n = sizeof(st->ks) - st->pos;
		if (n > len)
			n = len;
		for (i = 0; i < n; i++)
			buf[i] ^= st->ks[st->pos + i];
		st->pos += n;
		buf += n;
		len -= n;
	}
}

/* 64 hex digits, surrounded by nothing but white space. */
static int
pnet_hex_key(const char *s, uint8_t key[32])
{
	char	hex[65];
	size_t	n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (strspn(s, "0123456789abcdefABCDEF") != 64)
		return -1;
	memcpy(hex, s, 64);
	hex[64] = '\0';
	s += 64;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (*s != '\0')
		return -1;
	return util_hex_decode(hex, 64, key, 32, &n) == 0 && n == 32 ? 0 : -1;
}

int
p2p_pnet_parse_key(const char *text, uint8_t key[32])
{
	const char	*p;

	if (strncmp(text, PNET_HEADER, strlen(PNET_HEADER)) != 0)
		return pnet_hex_key(text, key);
	/* the standard form, lines separated by newlines, spaces or "\n" */
	p = text + strlen(PNET_HEADER);
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' ||
	    (p[0] == '\\' && p[1] == 'n' && p++))
		p++;
	if (strncmp(p, "/base16/", 8) != 0)
		return -1;
	p += 8;
	while (p[0] == '\\' && p[1] == 'n')
		p += 2;
	return pnet_hex_key(p, key);
}

struct pnet_filter {
	uint8_t				key[32];
	struct p2p_pnet_stream	out;
	struct p2p_pnet_stream	in;
	uint8_t				peer_nonce[P2P_PNET_NONCE_LEN];
	size_t				have_nonce;
};

/* Move everything from src to dst through one direction's keystream. */
static void
pnet_xor_move(struct p2p_pnet_stream *st, struct evbuffer *src,
    struct evbuffer *dst)
{
	uint8_t	buf[4096];
	size_t	n;

	while ((n = (size_t)evbuffer_remove(src, buf, sizeof(buf))) > 0) {
		p2p_pnet_stream_xor(st, buf, n);
		evbuffer_add(dst, buf, n);
	}
}

static enum bufferevent_filter_result
pnet_filter_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct pnet_filter	*f = arg;
	size_t			 n;

	(void)lim;
	(void)mode;
	if (f->have_nonce < P2P_PNET_NONCE_LEN) {
		n = (size_t)evbuffer_remove(src, f->peer_nonce + f->have_nonce,
		    P2P_PNET_NONCE_LEN - f->have_nonce);
		f->have_nonce += n;
		if (f->have_nonce < P2P_PNET_NONCE_LEN)
			return BEV_NEED_MORE;
		p2p_pnet_stream_init(&f->in, f->key, f->peer_nonce);
	}
	pnet_xor_move(&f->in, src, dst);
	return BEV_OK;
}

static enum bufferevent_filter_result
pnet_filter_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct pnet_filter	*f = arg;

	(void)lim;
	(void)mode;
	pnet_xor_move(&f->out, src, dst);
	return BEV_OK;
}

static void
pnet_filter_free(void *arg)
{
	sodium_memzero(arg, sizeof(struct pnet_filter));
	free(arg);
}

struct bufferevent *
p2p_pnet_wrap(struct bufferevent *under, const uint8_t key[32])
{
	struct pnet_filter	*f = xcalloc(1, sizeof(*f));
	uint8_t			 nonce[P2P_PNET_NONCE_LEN];
	struct bufferevent	*bev;

	memcpy(f->key, key, 32);
	randombytes_buf(nonce, sizeof(nonce));
	p2p_pnet_stream_init(&f->out, key, nonce);
	/* our nonce goes first, in clear, straight to the socket */
	bufferevent_write(under, nonce, sizeof(nonce));
	bev = bufferevent_filter_new(under, pnet_filter_in, pnet_filter_out,
	    BEV_OPT_CLOSE_ON_FREE, pnet_filter_free, f);
	if (bev == NULL)
		pnet_filter_free(f);
	return bev;
}
