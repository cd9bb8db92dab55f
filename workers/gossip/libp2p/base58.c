/*
 * Gossip worker: base58btc with the Bitcoin alphabet, the text form of
 * peer IDs.  The textbook quadratic algorithm is fine because both
 * directions refuse inputs over P2P_BASE58_IN_MAX bytes (peer IDs are 34
 * to 44 bytes), which also bounds the work a peer can ask for.
 */
#include <string.h>

#include "libp2p/libp2p.h"

static const char	p2p_base58_alphabet[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Upper bound of base58 digits for n bytes: n * log(256) / log(58) + 1. */
#define P2P_BASE58_DIGITS(n)	((n) * 138 / 100 + 1)

int
p2p_base58_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	uint8_t	digits[P2P_BASE58_DIGITS(P2P_BASE58_IN_MAX)];
	size_t	zeros = 0, ndig = 0, i, j, n;

	if (len > P2P_BASE58_IN_MAX)
		return -1;
	while (zeros < len && in[zeros] == 0)
		zeros++;
	for (i = zeros; i < len; i++) {
		unsigned	carry = in[i];

		for (j = 0; j < ndig; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			digits[ndig++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	n = zeros + ndig;
	if (n + 1 > outcap)
		return -1;
	for (i = 0; i < zeros; i++)
		out[i] = '1';
	for (j = 0; j < ndig; j++)
		out[zeros + j] = p2p_base58_alphabet[digits[ndig - 1 - j]];
	out[n] = '\0';
	return 0;
}

static int
p2p_base58_value(char c)
{
	const char	*p;

	if (c == '\0')
		return -1;
	p = strchr(p2p_base58_alphabet, c);
	return p == NULL ? -1 : (int)(p - p2p_base58_alphabet);
}

int
p2p_base58_decode(const char *in, size_t inlen, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	uint8_t	bytes[P2P_BASE58_IN_MAX + 1];
	size_t	zeros = 0, nbytes = 0, i, j;

	/* Each digit carries under 6 bits, so this bounds the output too. */
	if (inlen == 0 || inlen > P2P_BASE58_DIGITS(P2P_BASE58_IN_MAX))
		return -1;
	while (zeros < inlen && in[zeros] == '1')
		zeros++;
	for (i = zeros; i < inlen; i++) {
		int		v = p2p_base58_value(in[i]);
		unsigned	carry;

		if (v < 0)
			return -1;
		carry = (unsigned)v;
		for (j = 0; j < nbytes; j++) {
			carry += (unsigned)bytes[j] * 58;
			bytes[j] = (uint8_t)carry;
			carry >>= 8;
		}
		while (carry > 0) {
			if (nbytes == sizeof(bytes))
				return -1;
			bytes[nbytes++] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	if (zeros + nbytes > outcap || zeros + nbytes > P2P_BASE58_IN_MAX)
		return -1;
	memset(out, 0, zeros);
	for (j = 0; j < nbytes; j++)
		out[zeros + j] = bytes[nbytes - 1 - j];
	*outlen = zeros + nbytes;
	return 0;
}
