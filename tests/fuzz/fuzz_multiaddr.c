/*
 * libFuzzer target for multiaddr.c: the input is tried as a binary
 * multiaddr (check, walk, format) and as text (parse).  Whatever formats
 * must parse back to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct p2p_multiaddr	ma;
	static char			text[P2P_MULTIADDR_TEXT_MAX];
	struct p2p_multiaddr_part	part;
	size_t				off = 0;

	while (p2p_multiaddr_next(data, size, &off, &part) == 1)
		;
	if (p2p_multiaddr_format(data, size, text, sizeof(text)) == 0) {
		if (p2p_multiaddr_check(data, size) != 0 ||
		    p2p_multiaddr_parse(text, strlen(text), &ma) != 0 ||
		    ma.len != size || memcmp(ma.bytes, data, size) != 0)
			abort();
	}
	if (p2p_multiaddr_parse((const char *)data, size, &ma) == 0 &&
	    p2p_multiaddr_check(ma.bytes, ma.len) != 0)
		abort();
	return 0;
}
