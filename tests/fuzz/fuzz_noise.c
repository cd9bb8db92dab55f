/*
 * libFuzzer target for noise.c.  The first byte picks what the rest
 * of the input is: a handshake payload to verify, message 1 for a
 * responder, message 2 for an initiator that sent message 1, message 3 for
 * a responder that sent message 2, or a transport frame stream.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct p2p_identity	fz_id, fz_peer;
static int			fz_ready;

static void
fz_init(void)
{
	uint8_t	seed[32];

	memset(seed, 7, sizeof(seed));
	if (p2p_identity_from_seed(&fz_id, seed) != 0)
		abort();
	memset(seed, 9, sizeof(seed));
	if (p2p_identity_from_seed(&fz_peer, seed) != 0)
		abort();
	fz_ready = 1;
}

/* Fixed keys so the fuzzer can learn the transcript. */
static void
fz_hs(struct p2p_noise_hs *hs, int initiator)
{
	uint8_t	s[32], e[32];

	if (p2p_noise_hs_init(hs, initiator, &fz_id, &fz_peer.peer_id, 1))
		abort();
	memset(s, initiator ? 1 : 2, sizeof(s));
	memset(e, initiator ? 3 : 4, sizeof(e));
	p2p_noise_hs_set_keys(hs, s, e);
}

static void
fz_frames(const uint8_t *data, size_t size)
{
	static uint8_t			out[P2P_NOISE_MSG_MAX];
	struct p2p_noise_transport	t;
	const uint8_t			*msg;
	size_t				mlen, used, n;

	memset(&t, 0, sizeof(t));
	memset(t.recv.k, 5, sizeof(t.recv.k));
	t.recv.has_key = 1;
	while (p2p_noise_frame_next(data, size, &msg, &mlen, &used) == 0) {
		if (used > size || mlen + 2 != used)
			abort();
		if (p2p_noise_decrypt(&t, msg, mlen, out, sizeof(out),
		    &n) == 0 && n + P2P_NOISE_TAG_LEN != mlen)
			abort();
		data += used;
		size -= used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_noise_hs		a, b;
	struct p2p_noise_remote	remote;
	uint8_t				buf[1024], rs[32];
	const uint8_t			*msg;
	size_t				n, mlen, used;

	if (!fz_ready)
		fz_init();
	if (size == 0)
		return 0;
	memset(rs, 1, sizeof(rs));
	switch (data[0] % 5) {
	case 0:
		(void)p2p_noise_payload_verify(data + 1, size - 1, rs,
		    &remote);
		break;
	case 1:
		fz_hs(&a, 0);
		(void)p2p_noise_hs_read(&a, data + 1, size - 1);
		break;
	case 2:
		fz_hs(&a, 1);
		if (p2p_noise_hs_write(&a, buf, sizeof(buf), &n) != 0)
			abort();
		(void)p2p_noise_hs_read(&a, data + 1, size - 1);
		break;
	case 3:
		fz_hs(&a, 1);
		fz_hs(&b, 0);
		if (p2p_noise_hs_write(&a, buf, sizeof(buf), &n) != 0 ||
		    p2p_noise_frame_next(buf, n, &msg, &mlen, &used) != 0 ||
		    p2p_noise_hs_read(&b, msg, mlen) != 0 ||
		    p2p_noise_hs_write(&b, buf, sizeof(buf), &n) != 0)
			abort();
		(void)p2p_noise_hs_read(&b, data + 1, size - 1);
		break;
	default:
		fz_frames(data + 1, size - 1);
		break;
	}
	return 0;
}
