/*
 * API worker: RFC 6455 framing for the /p2p-ws stream, as pure functions
 * over buffers (client frame header parser, unmasking, server frame header
 * writer, the Sec-WebSocket-Accept key).  The unit tests and the libFuzzer
 * target call them directly; api_hub.c uses them on live connections.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "api.h"
#include "util.h"

#define API_WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* ---- framing (pure) ---- */

enum api_ws_rc
api_ws_parse(const uint8_t *b, size_t len, struct api_ws_frame *f,
    int *close_code)
{
	size_t	need = 2;
	uint8_t	l7;

	memset(f, 0, sizeof(*f));
	*close_code = 0;
	if (len < 2)
		return API_WS_AGAIN;
	f->fin = b[0] >> 7;
	f->opcode = b[0] & 0x0f;
	f->masked = b[1] >> 7;
	l7 = b[1] & 0x7f;
	*close_code = 1002;
	if (b[0] & 0x70)		/* no extension was negotiated */
		return API_WS_ERROR;
	if (!f->masked)			/* clients must mask (RFC 6455 5.1) */
		return API_WS_ERROR;
	if ((f->opcode > API_WS_BINARY && f->opcode < API_WS_CLOSE) ||
	    f->opcode > API_WS_PONG)
		return API_WS_ERROR;
	if (f->opcode >= API_WS_CLOSE && (!f->fin || l7 > 125))
		return API_WS_ERROR;	/* control frames: whole, small */
	need += l7 == 126 ? 2 : l7 == 127 ? 8 : 0;
	need += 4;
	if (len < need)
		return API_WS_AGAIN;
	if (l7 == 126) {
		f->len = (uint64_t)b[2] << 8 | b[3];
		if (f->len < 126)
			return API_WS_ERROR;
	} else if (l7 == 127) {
		f->len = 0;
		for (int i = 0; i < 8; i++)
			f->len = f->len << 8 | b[2 + i];
		if (f->len >> 63 || f->len <= 0xffff)
			return API_WS_ERROR;
	} else
		f->len = l7;
	memcpy(f->mask, b + need - 4, 4);
	f->hdr_len = need;
	if (f->len > API_WS_FRAME_MAX) {
		*close_code = 1009;
		return API_WS_ERROR;
	}
	*close_code = 0;
	return API_WS_OK;
}

void
api_ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4], size_t offset)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= mask[(offset + i) & 3];
}

size_t
api_ws_header(int opcode, uint64_t len, uint8_t out[10])
{
	out[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		out[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return 4;
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

int
api_ws_accept_key(const char *key, char out[32])
{
	uint8_t		raw[24], md[SHA_DIGEST_LENGTH];
	char		cat[128];
	size_t		n;

	if (strlen(key) != 24 || util_b64_decode(key, 24, raw, sizeof(raw),
	    &n) == -1 || n != 16)
		return -1;
	snprintf(cat, sizeof(cat), "%s%s", key, API_WS_GUID);
	SHA1((const unsigned char *)cat, strlen(cat), md);
	util_b64_encode(md, sizeof(md), out);
	return 0;
}

