/*
 * libp2p peer IDs as text, checked by decoding them (every process that
 * takes a peer ID from outside: REST, gRPC, the ban manager).
 */
#ifndef PEERID_H
#define PEERID_H

#include <stddef.h>

#define PEER_ID_TEXT_MAX	128	/* base58 characters at most */

/*
 * 0 if text is the base58btc form of a peer ID's multihash: the identity
 * multihash of a protobuf PublicKey of at most 42 bytes ("12D3KooW…" for
 * Ed25519) or the sha2-256 multihash of a longer one ("Qm…").  -1 with
 * why filled otherwise.
 */
int	peer_id_check(const char *text, char *why, size_t whylen);

#endif
