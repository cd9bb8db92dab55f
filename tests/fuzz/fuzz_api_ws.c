/*
 * libFuzzer target for the API worker's WebSocket frame parser
 * (api_ws.c): walks a buffer of client frames as api_hub.c does, checking
 * that every parsed header fits the input and the size limit, unmasks the
 * payloads, and feeds the first bytes to the accept-key function.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/api/api.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_ws_frame	 f;
	uint8_t			*buf = malloc(size + 1);
	size_t			 off = 0;
	char			 key[40], acc[32];
	int			 cc;

	memcpy(buf, data, size);
	while (off < size) {
		if (api_ws_parse(buf + off, size - off, &f, &cc) != API_WS_OK)
			break;
		if (f.hdr_len > 14 || f.len > API_WS_FRAME_MAX || !f.masked)
			abort();
		if (size - off - f.hdr_len < f.len)
			break;
		api_ws_unmask(buf + off + f.hdr_len, (size_t)f.len, f.mask, 0);
		off += f.hdr_len + (size_t)f.len;
	}
	if (size >= 24) {
		memcpy(key, data, 24);
		key[24] = '\0';
		api_ws_accept_key(key, acc);
	}
	free(buf);
	return 0;
}
