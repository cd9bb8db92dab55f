/*
 * Kafka bridge worker: the attribution maps (Teranode's blockPeerMap and
 * subtreePeerMap).  For each block or subtree hash seen on the network they
 * remember which peer announced it and when, so an invalid-blocks or
 * invalid-subtrees message can be scored against that peer.  A map holds at
 * most `max` entries (p2p_peer_map_max_size; the oldest is evicted when a
 * new one arrives) for at most `ttl` (p2p_peer_map_ttl; a sweep drops the
 * expired), so memory stays bounded under any flood.
 *
 * A chained hash table for lookups plus a list in insertion order: entries
 * are stamped with a monotonic clock, so the list head is always the oldest
 * entry and both eviction and the sweep are O(1) per entry.  Pure: the
 * caller passes "now".
 */
#include <stdlib.h>
#include <string.h>

#include "kafka_bridge.h"
#include "util.h"

struct kafka_attrib_entry {
	struct kafka_attrib_entry	*next_hash;	/* bucket chain */
	struct kafka_attrib_entry	*prev, *next;	/* age list */
	uint64_t			 at_ms;
	char				 hash[KAFKA_HASH_HEX + 1];
	char				 peer[KAFKA_PEER_MAX + 1];
};

struct kafka_attrib {
	struct kafka_attrib_entry	**buckets;	/* owned */
	size_t				  nbuckets;	/* power of two */
	struct kafka_attrib_entry	 *oldest, *newest;
	size_t				  count, max;
	uint64_t			  ttl_ms;
	struct kafka_attrib_stats	  st;
};

struct kafka_attrib *
kafka_attrib_new(size_t max, uint64_t ttl_ms)
{
	struct kafka_attrib	*a = xcalloc(1, sizeof(*a));

	a->max = max > 0 ? max : 1;
	a->ttl_ms = ttl_ms;
	a->nbuckets = 16;
	while (a->nbuckets < a->max)
		a->nbuckets <<= 1;
	a->buckets = xcalloc(a->nbuckets, sizeof(*a->buckets));
	return a;
}

void
kafka_attrib_free(struct kafka_attrib *a)
{
	struct kafka_attrib_entry	*e, *next;

	if (a == NULL)
		return;
	for (e = a->oldest; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	free(a->buckets);
	free(a);
}

/* FNV-1a over the hash text. */
static size_t
kafka_attrib_bucket(const struct kafka_attrib *a, const char *hash)
{
	uint32_t	h = 2166136261u;

	for (; *hash != '\0'; hash++)
		h = (h ^ (uint8_t)*hash) * 16777619u;
	return h & (a->nbuckets - 1);
}

static struct kafka_attrib_entry **
kafka_attrib_slot(struct kafka_attrib *a, const char *hash)
{
	struct kafka_attrib_entry	**pp;

	pp = &a->buckets[kafka_attrib_bucket(a, hash)];
	while (*pp != NULL && strcmp((*pp)->hash, hash) != 0)
		pp = &(*pp)->next_hash;
	return pp;
}

static void
kafka_attrib_unlink(struct kafka_attrib *a, struct kafka_attrib_entry *e)
{
	struct kafka_attrib_entry	**pp = kafka_attrib_slot(a, e->hash);

	*pp = e->next_hash;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		a->oldest = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		a->newest = e->prev;
	a->count--;
	free(e);
}

int
kafka_attrib_put(struct kafka_attrib *a, const char *hash, const char *peer,
    uint64_t now_ms)
{
	struct kafka_attrib_entry	*e, **pp;

	if (strlen(hash) > KAFKA_HASH_HEX || strlen(peer) > KAFKA_PEER_MAX)
		return -1;
	if (*(pp = kafka_attrib_slot(a, hash)) != NULL)
		kafka_attrib_unlink(a, *pp);
	else if (a->count >= a->max) {
		kafka_attrib_unlink(a, a->oldest);
		a->st.evicted++;
	}
	e = xcalloc(1, sizeof(*e));
	memcpy(e->hash, hash, strlen(hash) + 1);
	memcpy(e->peer, peer, strlen(peer) + 1);
	e->at_ms = now_ms;
	pp = kafka_attrib_slot(a, hash);
	*pp = e;
	e->prev = a->newest;
	if (a->newest != NULL)
		a->newest->next = e;
	else
		a->oldest = e;
	a->newest = e;
	a->count++;
	a->st.inserted++;
	return 0;
}

static int
kafka_attrib_expired(const struct kafka_attrib *a,
    const struct kafka_attrib_entry *e, uint64_t now_ms)
{
	return now_ms >= e->at_ms && now_ms - e->at_ms >= a->ttl_ms;
}

int
kafka_attrib_take(struct kafka_attrib *a, const char *hash, uint64_t now_ms,
    char peer[KAFKA_PEER_MAX + 1])
{
	struct kafka_attrib_entry	*e = *kafka_attrib_slot(a, hash);

	if (e == NULL) {
		a->st.misses++;
		return -1;
	}
	if (kafka_attrib_expired(a, e, now_ms)) {
		kafka_attrib_unlink(a, e);
		a->st.expired++;
		a->st.misses++;
		return -1;
	}
	memcpy(peer, e->peer, strlen(e->peer) + 1);
	kafka_attrib_unlink(a, e);
	a->st.hits++;
	return 0;
}

size_t
kafka_attrib_sweep(struct kafka_attrib *a, uint64_t now_ms)
{
	size_t	n = 0;

	while (a->oldest != NULL && kafka_attrib_expired(a, a->oldest, now_ms)) {
		kafka_attrib_unlink(a, a->oldest);
		n++;
	}
	a->st.expired += n;
	return n;
}

size_t
kafka_attrib_count(const struct kafka_attrib *a)
{
	return a->count;
}

const struct kafka_attrib_stats *
kafka_attrib_stats(const struct kafka_attrib *a)
{
	return &a->st;
}
