/*
 * libFuzzer target for addrreq.c: peer-addr-request requests and replies
 * from the network.  A reply that parses yields only well-formed
 * multiaddrs, within the caller's cap; a request that parses names a peer
 * ID that passes the check.
 */
#include <stdint.h>
#include <stdlib.h>

#include "addrreq.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_multiaddr	ma[4];
	struct p2p_peer_id	id;
	size_t			n, i;

	if (gossip_addrreq_parse_reply(data, size, ma, 4, &n) == 0) {
		if (n > 4)
			abort();
		for (i = 0; i < n; i++)
			if (p2p_multiaddr_check(ma[i].bytes, ma[i].len) != 0)
				abort();
	}
	if (gossip_addrreq_parse_request(data, size, &id) == 0 &&
	    p2p_identity_peer_id_check(id.bytes, id.len) != 0)
		abort();
	return 0;
}
