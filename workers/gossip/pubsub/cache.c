/*
 * Gossip worker, pubsub router: the two caches keyed by message ID.  Both
 * are one structure, a fixed-size FIFO of entries in arrival order with a
 * chained hash index, because both age in arrival order: the seen cache
 * stamps entries with the arrival time (TTL 120 s), the message cache with
 * the heartbeat generation (history windows) and owns each message's
 * publish RPC.  A full FIFO drops its oldest entry early (counted).
 */
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

static uint32_t
ring_hash(const uint8_t *id, size_t len)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */
	size_t		i;

	/* IDs end in the seqno, which varies most: hash from the tail */
	for (i = len; i > 0; i--) {
		h ^= id[i - 1];
		h *= 16777619u;
	}
	return h;
}

int
ps_ring_init(struct ps_ring *r, size_t cap)
{
	size_t	i;

	memset(r, 0, sizeof(*r));
	if (cap == 0 || cap >= PS_NONE)
		return -1;
	r->nbuckets = 16;
	while (r->nbuckets < cap)
		r->nbuckets *= 2;
	r->ents = calloc(cap, sizeof(*r->ents));
	r->buckets = malloc(r->nbuckets * sizeof(*r->buckets));
	if (r->ents == NULL || r->buckets == NULL) {
		ps_ring_fini(r);
		return -1;
	}
	for (i = 0; i < r->nbuckets; i++)
		r->buckets[i] = PS_NONE;
	r->cap = cap;
	return 0;
}

void
ps_ring_fini(struct ps_ring *r)
{
	size_t	i;

	for (i = 0; i < r->count; i++)
		free(r->ents[(r->head + i) % r->cap].rpc);
	free(r->ents);
	free(r->buckets);
	memset(r, 0, sizeof(*r));
}

struct ps_ent *
ps_ring_find(const struct ps_ring *r, const uint8_t *id,
    size_t len)
{
	uint32_t			 i;
	struct ps_ent	*e;

	if (len > PS_MSGID_MAX)
		return NULL;
	i = r->buckets[ring_hash(id, len) & (r->nbuckets - 1)];
	while (i != PS_NONE) {
		e = &r->ents[i];
		if (e->idlen == len && memcmp(e->id, id, len) == 0)
			return e;
		i = e->next;
	}
	return NULL;
}

/* Unlink and free the oldest entry. */
static void
ring_pop(struct ps_ring *r)
{
	struct ps_ent	*e = &r->ents[r->head];
	uint32_t			*link, self = (uint32_t)r->head;

	link = &r->buckets[ring_hash(e->id, e->idlen) & (r->nbuckets - 1)];
	while (*link != PS_NONE && *link != self)
		link = &r->ents[*link].next;
	if (*link == self)
		*link = e->next;
	free(e->rpc);
	memset(e, 0, sizeof(*e));
	r->head = (r->head + 1) % r->cap;
	r->count--;
}

struct ps_ent *
ps_ring_add(struct ps_ring *r, const uint8_t *id,
    size_t len, uint64_t stamp)
{
	struct ps_ent	*e;
	size_t				 slot;
	uint32_t			*b;

	if (len > PS_MSGID_MAX)
		return NULL;
	if (r->count == r->cap) {
		ring_pop(r);
		r->evicted++;
	}
	slot = (r->head + r->count) % r->cap;
	e = &r->ents[slot];
	memcpy(e->id, id, len);
	e->idlen = (uint8_t)len;
	e->stamp = stamp;
	e->topic = PS_NONE;
	e->rpc = NULL;
	e->rpclen = 0;
	b = &r->buckets[ring_hash(id, len) & (r->nbuckets - 1)];
	e->next = *b;
	*b = (uint32_t)slot;
	r->count++;
	return e;
}

void
ps_ring_expire(struct ps_ring *r, uint64_t limit)
{
	while (r->count > 0 && r->ents[r->head].stamp < limit)
		ring_pop(r);
}

struct ps_ent *
ps_ring_newest(const struct ps_ring *r, size_t k)
{
	if (k >= r->count)
		return NULL;
	return &r->ents[(r->head + r->count - 1 - k) % r->cap];
}
