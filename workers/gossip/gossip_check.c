/*
 * The gossip worker's settings check for `terap2pd -n` (called in the
 * supervisor binary, see supervisor.h): the libp2p host's settings through
 * its door, and the connection manager's water marks.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "gossip.h"
#include "libp2p/libp2p.h"

int
gossip_check(const struct config *cfg, char *err, size_t errlen)
{
	if (p2p_host_check(cfg, err, errlen) == -1)
		return -1;
	return gossip_connmgr_check(cfg, err, errlen);
}
