/*
 * The gossip worker's libp2p settings, checked without side effects for
 * `terap2pd -n` (run by the supervisor binary before any worker starts):
 * the same parsers p2p_host_start() uses, so what -n accepts the host
 * accepts.  Binding the ports and reading p2p.key stay with the worker.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "libp2p/internal.h"

static int
check_multiaddrs(const struct config *cfg, const char *key, char *err,
    size_t errlen)
{
	const struct cfg_list	*l = config_list(cfg, key);
	struct p2p_multiaddr	 ma;
	size_t			 i;

	for (i = 0; i < l->n; i++) {
		if (p2p_multiaddr_parse(l->v[i], strlen(l->v[i]), &ma) != 0) {
			snprintf(err, errlen, "%s: bad multiaddr '%s'", key,
			    l->v[i]);
			return -1;
		}
	}
	return 0;
}

int
p2p_host_check(const struct config *cfg, char *err, size_t errlen)
{
	const char		*hex = config_str(cfg, "p2p_private_key");
	const char		*psk = config_str(cfg, "p2p_shared_key");
	const struct cfg_list	*l = config_list(cfg, "p2p_listen_addresses");
	struct p2p_identity	 id;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	uint8_t			 key[32];
	size_t			 i;
	int			 rc;

	if (hex[0] != '\0' && (rc = p2p_identity_from_hex(&id, hex,
	    strlen(hex))) != P2P_IDENTITY_OK) {
		snprintf(err, errlen, "p2p_private_key: %s",
		    p2p_identity_strerror(rc));
		return -1;
	}
	sodium_memzero(&id, sizeof(id));
	for (i = 0; i < l->n; i++) {
		if (p2p_host_listen_sa(l->v[i], (int)config_int(cfg,
		    "p2p_port"), &ss, &len) == -1) {
			snprintf(err, errlen, "p2p_listen_addresses: cannot "
			    "parse '%s'", l->v[i]);
			return -1;
		}
	}
	if (l->n > P2P_LISTENERS_MAX) {
		snprintf(err, errlen, "p2p_listen_addresses: more than %d "
		    "entries", P2P_LISTENERS_MAX);
		return -1;
	}
	if (check_multiaddrs(cfg, "p2p_static_peers", err, errlen) == -1 ||
	    check_multiaddrs(cfg, "p2p_bootstrapAddresses", err, errlen) == -1)
		return -1;
	if (psk[0] != '\0' && p2p_pnet_parse_key(psk, key) == -1) {
		snprintf(err, errlen, "p2p_shared_key: expected 64 hex digits "
		    "or /key/swarm/psk/1.0.0/\\n/base16/\\n<64 hex digits>");
		return -1;
	}
	return 0;
}
