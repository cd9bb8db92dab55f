/*
 * libFuzzer target for peerrecord.c: signed envelopes (as identify's
 * signedPeerRecord and gossipsub PX carry them) and bare PeerRecord
 * payloads.  Whatever opens must name a peer ID that passes the peer ID
 * check and hold only well-formed multiaddrs, at most P2P_RECORD_ADDRS.
 */
#include <stdint.h>
#include <stdlib.h>

#include "libp2p/libp2p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct p2p_peer_record *r)
{
	size_t	i;

	if (p2p_identity_peer_id_check(r->peer.bytes, r->peer.len) != 0 ||
	    r->naddrs > P2P_RECORD_ADDRS)
		abort();
	for (i = 0; i < r->naddrs; i++)
		if (p2p_multiaddr_check(r->addrs[i].bytes, r->addrs[i].len) != 0)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_peer_record	r;

	if (p2p_record_open(data, size, &r) == P2P_RECORD_OK)
		check(&r);
	if (p2p_record_decode(data, size, &r) == P2P_RECORD_OK)
		check(&r);
	return 0;
}
