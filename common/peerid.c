/*
 * Peer IDs as text, for every process that takes one from outside (the
 * API's REST and gRPC surfaces, the ban manager's requests): base58btc
 * decoded, then the multihash read as the libp2p peer ID spec defines it —
 * identity (code 0x00) of a protobuf PublicKey {1: KeyType, 2: Data} of at
 * most 42 bytes, or sha2-256 (code 0x12, 32 bytes) of a longer key.  CID
 * forms are not accepted.  Pure: no I/O, no allocation.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "peerid.h"

#define PEER_ID_BYTES_MAX	96	/* 128 base58 digits fit in 94 bytes */
#define PEER_ID_INLINE_MAX	42	/* the identity multihash's limit */

static const char	peerid_b58[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Base58btc into out[PEER_ID_BYTES_MAX]; the length, or -1. */
static int
peerid_b58_decode(const char *s, uint8_t *out)
{
	uint8_t		 num[PEER_ID_BYTES_MAX];
	size_t		 n = 0, zeros = 0, i, k;
	const char	*p;
	unsigned	 carry;

	for (; s[zeros] == '1'; zeros++)
		;
	for (p = s; *p != '\0'; p++) {
		const char	*d = strchr(peerid_b58, *p);

		if (d == NULL)
			return -1;
		carry = (unsigned)(d - peerid_b58);
		for (k = 0; k < n; k++) {	/* num = num * 58 + digit */
			carry += (unsigned)num[k] * 58;
			num[k] = (uint8_t)carry;
			carry >>= 8;
		}
		for (; carry > 0; carry >>= 8) {
			if (n == sizeof(num))
				return -1;
			num[n++] = (uint8_t)carry;
		}
	}
	if (zeros + n > PEER_ID_BYTES_MAX)
		return -1;
	memset(out, 0, zeros);
	for (i = 0; i < n; i++)		/* num is little-endian */
		out[zeros + i] = num[n - 1 - i];
	return (int)(zeros + n);
}

static int
peerid_fail(char *why, size_t whylen, const char *text)
{
	snprintf(why, whylen, "%s", text);
	return -1;
}

/* A protobuf PublicKey: {1: KeyType varint 0..3, 2: Data bytes}. */
static int
peerid_public_key(const uint8_t *k, size_t len)
{
	return len >= 4 && k[0] == 0x08 && k[1] <= 3 && k[2] == 0x12 &&
	    k[3] < 0x80 && (size_t)k[3] + 4 == len;
}

int
peer_id_check(const char *text, char *why, size_t whylen)
{
	uint8_t	b[PEER_ID_BYTES_MAX];
	size_t	len = strlen(text);
	int	n;

	if (len == 0)
		return peerid_fail(why, whylen, "empty");
	if (len > PEER_ID_TEXT_MAX)
		return peerid_fail(why, whylen, "longer than 128 characters");
	if ((n = peerid_b58_decode(text, b)) < 0)
		return peerid_fail(why, whylen, "not base58");
	/* both multihash codes and every valid length fit one varint byte */
	if (n < 2 || b[1] != n - 2)
		return peerid_fail(why, whylen,
		    "not a multihash (its length does not match)");
	if (b[0] == 0x12 && b[1] == 32)
		return 0;
	if (b[0] == 0x00 && b[1] <= PEER_ID_INLINE_MAX &&
	    peerid_public_key(b + 2, (size_t)b[1]))
		return 0;
	return peerid_fail(why, whylen, "not the identity multihash of a "
	    "public key nor a sha2-256 multihash");
}
