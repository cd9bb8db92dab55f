/*
 * API worker: a short-lived cache of the gossip worker's registry entries
 * for PeerService's per-peer reads (GetPeer, IsPeerUnhealthy,
 * IsPeerMalicious), which Teranode's block validation calls for every block
 * while it catches up.  Answering those from here saves the IPC round trip.
 * The reputation only changes through reports that pass through this
 * worker, so every report drops the peer's entry and every admin call
 * (bans, connect, disconnect, reset) drops them all; a generation number
 * keeps a reply that was on its way during such a drop out of the cache.
 * What the gossip worker changes on its own (connections, heights) is at
 * most API_GRPC_CACHE_MS old.  Direct-mapped, API_GRPC_CACHE_SLOTS entries;
 * unknown peers are cached too.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "util.h"

struct api_grpc_cache_ent {
	char			 id[API_GRPC_ID_MAX + 1];
	uint64_t		 at_ms;		/* 0: empty */
	Tp__RegistryPeer	*peer;		/* owned copy, NULL: unknown */
};

struct api_grpc_cache {
	struct api_grpc_cache_ent	 e[API_GRPC_CACHE_SLOTS];
	uint64_t			 gen;
	uint64_t			 hits, misses;
};

static uint32_t
api_grpc_cache_hash(const char *id)
{
	uint32_t	h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h % API_GRPC_CACHE_SLOTS;
}

/* A deep copy of p: every string field duplicated (descriptor driven). */
static Tp__RegistryPeer *
api_grpc_cache_dup(const Tp__RegistryPeer *p)
{
	const ProtobufCMessageDescriptor	*d = &tp__registry_peer__descriptor;
	Tp__RegistryPeer			*c = xmalloc(sizeof(*c));
	char					**s;

	memcpy(c, p, sizeof(*c));
	c->base.unknown_fields = NULL;
	c->base.n_unknown_fields = 0;
	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].type == PROTOBUF_C_TYPE_STRING) {
			s = (char **)(void *)((char *)c + d->fields[i].offset);
			*s = xstrdup(*s != NULL ? *s : "");
		}
	return c;
}

static void
api_grpc_cache_peer_free(Tp__RegistryPeer *c)
{
	const ProtobufCMessageDescriptor	*d = &tp__registry_peer__descriptor;

	if (c == NULL)
		return;
	for (unsigned i = 0; i < d->n_fields; i++)
		if (d->fields[i].type == PROTOBUF_C_TYPE_STRING)
			free(*(char **)(void *)((char *)c + d->fields[i].offset));
	free(c);
}

static void
api_grpc_cache_drop_ent(struct api_grpc_cache_ent *e)
{
	api_grpc_cache_peer_free(e->peer);
	e->peer = NULL;
	e->at_ms = 0;
	e->id[0] = '\0';
}

struct api_grpc_cache *
api_grpc_cache_new(void)
{
	return xcalloc(1, sizeof(struct api_grpc_cache));
}

void
api_grpc_cache_free(struct api_grpc_cache *c)
{
	if (c == NULL)
		return;
	api_grpc_cache_clear(c);
	free(c);
}

int
api_grpc_cache_get(struct api_grpc_cache *c, const char *id, uint64_t now_ms,
    const Tp__RegistryPeer **out)
{
	struct api_grpc_cache_ent	*e = &c->e[api_grpc_cache_hash(id)];

	if (e->at_ms == 0 || now_ms - e->at_ms > API_GRPC_CACHE_MS ||
	    strcmp(e->id, id) != 0) {
		c->misses++;
		return -1;
	}
	c->hits++;
	*out = e->peer;
	return 0;
}

uint64_t
api_grpc_cache_gen(const struct api_grpc_cache *c)
{
	return c->gen;
}

void
api_grpc_cache_put(struct api_grpc_cache *c, uint64_t gen, const char *id,
    const Tp__RegistryPeer *p, uint64_t now_ms)
{
	struct api_grpc_cache_ent	*e;

	if (gen != c->gen || strlen(id) > API_GRPC_ID_MAX)
		return;		/* dropped meanwhile: maybe stale */
	e = &c->e[api_grpc_cache_hash(id)];
	api_grpc_cache_drop_ent(e);
	memcpy(e->id, id, strlen(id) + 1);
	e->peer = p != NULL ? api_grpc_cache_dup(p) : NULL;
	e->at_ms = now_ms > 0 ? now_ms : 1;
}

void
api_grpc_cache_drop(struct api_grpc_cache *c, const char *id)
{
	struct api_grpc_cache_ent	*e;

	c->gen++;
	if (id == NULL || id[0] == '\0') {
		api_grpc_cache_clear(c);
		return;
	}
	e = &c->e[api_grpc_cache_hash(id)];
	if (strcmp(e->id, id) == 0)
		api_grpc_cache_drop_ent(e);
}

void
api_grpc_cache_clear(struct api_grpc_cache *c)
{
	c->gen++;
	for (size_t i = 0; i < API_GRPC_CACHE_SLOTS; i++)
		if (c->e[i].at_ms != 0)
			api_grpc_cache_drop_ent(&c->e[i]);
}

void
api_grpc_cache_counts(const struct api_grpc_cache *c, uint64_t *hits,
    uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}
