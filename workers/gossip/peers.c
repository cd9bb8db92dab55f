/*
 * Gossip worker, glue: what GetPeers needs beyond the Teranode registry.
 * An index of the open connections by peer ID, built once per answer so
 * that matching every registry entry with its connection is linear, and
 * the version of the answer (the registry's generation and the
 * connections' byte counters) that lets the api worker keep its
 * serialized /api/v1/peers body until something changed.
 */
#include <stdlib.h>
#include <string.h>

#include "gossip.h"
#include "util.h"

static uint64_t
peers_hash(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ull;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

void
gossip_conn_index_build(struct gossip_conn_index *x, struct p2p_host *h)
{
	struct p2p_conn	*c;
	size_t		 size = 16, i;

	while (size < 2 * h->nconns)
		size *= 2;
	x->slot = xcalloc(size, sizeof(*x->slot));
	x->mask = size - 1;
	TAILQ_FOREACH(c, &h->conns, entry) {
		if (c->state != P2P_CONN_OPEN)
			continue;
		/* the first open connection of a peer wins, as p2p_host_find */
		for (i = peers_hash(c->peer_text) & x->mask; x->slot[i] != NULL;
		    i = (i + 1) & x->mask)
			if (strcmp(x->slot[i]->peer_text, c->peer_text) == 0)
				break;
		if (x->slot[i] == NULL)
			x->slot[i] = c;
	}
}

struct p2p_conn *
gossip_conn_index_find(const struct gossip_conn_index *x, const char *peer)
{
	size_t	i;

	for (i = peers_hash(peer) & x->mask; x->slot[i] != NULL;
	    i = (i + 1) & x->mask)
		if (strcmp(x->slot[i]->peer_text, peer) == 0)
			return x->slot[i];
	return NULL;
}

void
gossip_conn_index_free(struct gossip_conn_index *x)
{
	free(x->slot);
	x->slot = NULL;
}

uint64_t
gossip_peers_version(struct gossip_ctx *g)
{
	struct p2p_conn	*c;
	uint64_t	 v;

	/* never 0 (the request's "no version"); the start time keeps a
	 * restarted worker's versions apart from the last one's */
	v = (g->peers_epoch + tn_peers_version(g->tn)) * 0x9e3779b97f4a7c15ull;
	TAILQ_FOREACH(c, &g->host.conns, entry)
		v += (c->bytes_in * 0x100000001b3ull) ^ c->bytes_out ^ c->id;
	v ^= g->host.cnt.identifies << 32;
	return v != 0 ? v : 1;
}
