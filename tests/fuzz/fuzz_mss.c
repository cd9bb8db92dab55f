/*
 * libFuzzer target for mss.c: the input is fed to the line parser
 * in chunks whose sizes come from the first byte, and every line is
 * answered as a responder would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const	protos[] = { "/noise", "/yamux/1.0.0",
	    "/ipfs/id/1.0.0" };
	static struct p2p_mss_parser	p;
	uint8_t				out[2 * P2P_MSS_MSG_MAX];
	size_t				chunk, used, off, n;
	int				rc, sel;

	if (size == 0)
		return 0;
	chunk = (size_t)data[0] % 16 + 1;
	data++;
	size--;
	p2p_mss_parser_init(&p);
	while (size > 0) {
		n = size < chunk ? size : chunk;
		rc = p2p_mss_parser_feed(&p, data, n, &used);
		if (used > n)
			abort();
		data += used;
		size -= used;
		if (rc < 0)
			break;
		if (rc == P2P_MSS_LINE) {
			if (strlen(p.line) != p.line_len)
				abort();
			off = 0;
			(void)p2p_mss_respond(p.line, protos, 3, out,
			    sizeof(out), &off, &sel);
		} else if (used != n)
			abort();
	}
	return 0;
}
