/*
 * The gossip worker's codec of /p2p-msg-bus/peer-addr-request/1.0.0
 * (addrreq.c): pure, so exchange.c, the unit tests and the fuzz target
 * share it.  Includes only the libp2p layer's door.
 */
#ifndef GOSSIP_ADDRREQ_H
#define GOSSIP_ADDRREQ_H

#include "libp2p/libp2p.h"

#define ADDRREQ_PROTOCOL	"/p2p-msg-bus/peer-addr-request/1.0.0"
#define ADDRREQ_REQUEST_MAX	256	/* Go's single Read */
#define ADDRREQ_ADDRS_MAX	32	/* entries in a reply */
#define ADDRREQ_REPLY_MAX	8192	/* bytes of a reply */

/* The asked peer ID from the request's bytes; -1 if it is not one. */
int	gossip_addrreq_parse_request(const uint8_t *buf, size_t len,
	    struct p2p_peer_id *id);
/*
 * The JSON array of the usable text multiaddrs of addrs (no /p2p-circuit,
 * nothing that would need escaping), within ADDRREQ_ADDRS_MAX entries and
 * ADDRREQ_REPLY_MAX bytes; NUL-terminated in out, returns its length.
 */
size_t	gossip_addrreq_format_reply(char *const *addrs, size_t n, char *out,
	    size_t outcap);
/*
 * A reply: a JSON array of strings, at most ADDRREQ_ADDRS_MAX and
 * ADDRREQ_REPLY_MAX bytes.  Its well-formed multiaddrs (up to cap, none
 * through /p2p-circuit) into out, *n of them; -1 on anything else.
 */
int	gossip_addrreq_parse_reply(const uint8_t *buf, size_t len,
	    struct p2p_multiaddr *out, size_t cap, size_t *n);

#endif
