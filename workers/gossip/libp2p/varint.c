/*
 * Gossip worker: the multiformats unsigned varint (little-endian base 128,
 * high bit = more) used by multiaddrs, multistream-select lengths, peer ID
 * multihashes and length-delimited protobufs.  Decoding follows go-varint:
 * at most 9 bytes (63 bits) and only the minimal encoding is accepted, so a
 * value has exactly one wire form.  Pure functions, no state.
 */
#include "libp2p/libp2p.h"

size_t
p2p_varint_encode(uint64_t v, uint8_t *out)
{
	size_t	n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

size_t
p2p_varint_size(uint64_t v)
{
	size_t	n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

int
p2p_varint_decode(const uint8_t *buf, size_t len, uint64_t *v,
    size_t *used)
{
	uint64_t	x = 0;
	size_t		i;

	for (i = 0; i < len && i < P2P_VARINT_MAX; i++) {
		x |= (uint64_t)(buf[i] & 0x7f) << (7 * i);
		if (buf[i] & 0x80)
			continue;
		/* A trailing zero group means a longer form than needed. */
		if (buf[i] == 0 && i > 0)
			return P2P_VARINT_BAD;
		*v = x;
		*used = i + 1;
		return P2P_VARINT_OK;
	}
	if (i == P2P_VARINT_MAX)
		return P2P_VARINT_BAD;
	return P2P_VARINT_SHORT;
}
