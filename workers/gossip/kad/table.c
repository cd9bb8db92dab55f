/*
 * Gossip worker, Kademlia layer: the routing table.  Peers sit in the
 * 256-bit keyspace at sha256(binary peer ID) (the kad-dht spec's distance:
 * XOR of the sha256 of both keys); bucket i holds up to KAD_K peers that
 * share exactly i leading bits with us (bucket 256 would be ourselves and
 * stays empty).  Only DHT servers get in; a full bucket makes room only by
 * dropping an entry that has not been useful for KAD_USEFUL_GRACE_MS, so a
 * stream of newcomers cannot push out long-lived peers that answer (the
 * aim of go-libp2p-kbucket's replaceable flag, with a simpler rule).
 * Buckets are allocated on first use, so an empty table costs a few KiB.
 * Pure: the caller gives the clock (and random refresh keys come from
 * libsodium).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kad/kad.h"

void
kad_kpos(const uint8_t *key, size_t len, struct kad_kpos *out)
{
	crypto_hash_sha256(out->b, key, len);
}

int
kad_kpos_cpl(const struct kad_kpos *a, const struct kad_kpos *b)
{
	int	i, x;

	for (i = 0; i < 32; i++) {
		if ((x = a->b[i] ^ b->b[i]) == 0)
			continue;
		return i * 8 + __builtin_clz((unsigned)x) - 24;
	}
	return 256;
}

int
kad_kpos_cmp(const struct kad_kpos *target, const struct kad_kpos *a,
    const struct kad_kpos *b)
{
	int	i, da, db;

	for (i = 0; i < 32; i++) {
		da = a->b[i] ^ target->b[i];
		db = b->b[i] ^ target->b[i];
		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

int
kad_table_init(struct kad_table *t, const uint8_t *self_id, size_t self_len)
{
	memset(t, 0, sizeof(*t));
	if (kad_peer_id_check(self_id, self_len) == -1 ||
	    self_len > KAD_ID_MAX)
		return -1;
	memcpy(t->self_id, self_id, self_len);
	t->self_len = self_len;
	kad_kpos(self_id, self_len, &t->self);
	return 0;
}

void
kad_table_fini(struct kad_table *t)
{
	int	i;

	for (i = 0; i < 257; i++)
		free(t->buckets[i]);
	memset(t, 0, sizeof(*t));
}

static int
find_in(const struct kad_table *t, int b, const uint8_t *id, size_t len)
{
	int	i;

	for (i = 0; i < t->count[b]; i++)
		if (t->buckets[b][i].id_len == len &&
		    memcmp(t->buckets[b][i].id, id, len) == 0)
			return i;
	return -1;
}

struct kad_entry *
kad_table_find(struct kad_table *t, const uint8_t *id, size_t len)
{
	struct kad_kpos	pos;
	int		b, i;

	if (len == 0 || len > KAD_ID_MAX)
		return NULL;
	kad_kpos(id, len, &pos);
	b = kad_kpos_cpl(&t->self, &pos);
	if ((i = find_in(t, b, id, len)) == -1)
		return NULL;
	return &t->buckets[b][i];
}

/* The slot a full bucket b may give up, or -1: least recently useful. */
static int
stale_slot(const struct kad_table *t, int b, uint64_t now_ms)
{
	const struct kad_entry	*e;
	int			 i, best = -1;

	for (i = 0; i < t->count[b]; i++) {
		e = &t->buckets[b][i];
		if (now_ms - e->useful_ms < KAD_USEFUL_GRACE_MS)
			continue;
		if (best == -1 || e->useful_ms < t->buckets[b][best].useful_ms)
			best = i;
	}
	return best;
}

static void
entry_fill(struct kad_entry *e, const struct kad_kpos *pos, const uint8_t *id,
    size_t len, uint64_t now_ms)
{
	memset(e, 0, sizeof(*e));
	e->pos = *pos;
	memcpy(e->id, id, len);
	e->id_len = (uint8_t)len;
	/* a new peer gets the grace period before it may be replaced */
	e->added_ms = e->useful_ms = e->seen_ms = now_ms;
}

int
kad_table_add(struct kad_table *t, const uint8_t *id, size_t id_len,
    int server, uint64_t now_ms)
{
	struct kad_kpos	pos;
	int		b, i;

	if (!server)
		return KAD_TABLE_ECLIENT;
	if (kad_peer_id_check(id, id_len) == -1 || id_len > KAD_ID_MAX)
		return KAD_TABLE_EID;
	if (id_len == t->self_len && memcmp(id, t->self_id, id_len) == 0)
		return KAD_TABLE_ESELF;
	kad_kpos(id, id_len, &pos);
	b = kad_kpos_cpl(&t->self, &pos);
	if ((i = find_in(t, b, id, id_len)) != -1) {
		t->buckets[b][i].seen_ms = now_ms;
		return KAD_TABLE_UPDATED;
	}
	if (t->buckets[b] == NULL) {
		t->buckets[b] = malloc(KAD_K * sizeof(struct kad_entry));
		if (t->buckets[b] == NULL)
			return KAD_TABLE_ENOMEM;
		t->bytes += KAD_K * sizeof(struct kad_entry);
	}
	if (t->count[b] < KAD_K) {
		entry_fill(&t->buckets[b][t->count[b]++], &pos, id, id_len,
		    now_ms);
		t->size++;
		return KAD_TABLE_ADDED;
	}
	if ((i = stale_slot(t, b, now_ms)) == -1)
		return KAD_TABLE_EFULL;
	entry_fill(&t->buckets[b][i], &pos, id, id_len, now_ms);
	return KAD_TABLE_REPLACED;
}

int
kad_table_remove(struct kad_table *t, const uint8_t *id, size_t len)
{
	struct kad_kpos	pos;
	int		b, i;

	if (len == 0 || len > KAD_ID_MAX)
		return -1;
	kad_kpos(id, len, &pos);
	b = kad_kpos_cpl(&t->self, &pos);
	if ((i = find_in(t, b, id, len)) == -1)
		return -1;
	t->buckets[b][i] = t->buckets[b][--t->count[b]];
	t->size--;
	if (t->count[b] == 0) {
		free(t->buckets[b]);
		t->buckets[b] = NULL;
		t->bytes -= KAD_K * sizeof(struct kad_entry);
	}
	return 0;
}

void
kad_table_mark_useful(struct kad_table *t, const uint8_t *id, size_t len,
    uint64_t now_ms)
{
	struct kad_entry	*e;

	if ((e = kad_table_find(t, id, len)) != NULL)
		e->useful_ms = e->seen_ms = now_ms;
}

void
kad_table_mark_seen(struct kad_table *t, const uint8_t *id, size_t len,
    uint64_t now_ms)
{
	struct kad_entry	*e;

	if ((e = kad_table_find(t, id, len)) != NULL)
		e->seen_ms = now_ms;
}

/* Insert e into out[0..*n) kept sorted by distance to target, at most cap. */
static void
closest_insert(const struct kad_kpos *target, const struct kad_entry **out,
    size_t *n, size_t cap, const struct kad_entry *e)
{
	size_t	i;

	if (*n == cap && kad_kpos_cmp(target, &e->pos, &out[*n - 1]->pos) >= 0)
		return;
	i = *n < cap ? (*n)++ : *n - 1;
	while (i > 0 && kad_kpos_cmp(target, &e->pos, &out[i - 1]->pos) < 0) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = e;
}

size_t
kad_table_closest(const struct kad_table *t, const uint8_t *key,
    size_t key_len, const uint8_t *exclude, size_t exclude_len,
    const struct kad_entry **out, size_t n)
{
	struct kad_kpos		 target;
	const struct kad_entry	*e;
	size_t			 got = 0;
	int			 b, i;

	if (n == 0)
		return 0;
	kad_kpos(key, key_len, &target);
	for (b = 0; b < 257; b++)
		for (i = 0; i < t->count[b]; i++) {
			e = &t->buckets[b][i];
			if (exclude != NULL && e->id_len == exclude_len &&
			    memcmp(e->id, exclude, exclude_len) == 0)
				continue;
			closest_insert(&target, out, &got, n, e);
		}
	return got;
}

size_t
kad_table_nonempty(const struct kad_table *t, int *cpls, size_t n)
{
	size_t	got = 0;
	int	b;

	for (b = 0; b < 257 && got < n; b++)
		if (t->count[b] > 0)
			cpls[got++] = b;
	return got;
}

int
kad_table_random_key(const struct kad_table *t, int cpl,
    uint8_t out[KAD_REFRESH_KEY_LEN])
{
	struct kad_kpos	pos;
	uint32_t	tries;

	if (cpl < 0 || cpl > KAD_REFRESH_CPL_MAX)
		return -1;
	out[0] = 0x12;		/* a sha2-256 multihash, shaped as a peer ID */
	out[1] = 0x20;
	randombytes_buf(out + 2, KAD_REFRESH_KEY_LEN - 2);
	/*
	 * A random key lands in bucket cpl with probability 2^-(cpl+1):
	 * count through the last 4 bytes (about 2^16 hashes, some 50 ms, for
	 * cpl 15) rather than draw fresh randomness each time.
	 */
	for (tries = 0; tries < (1u << (KAD_REFRESH_CPL_MAX + 6)); tries++) {
		memcpy(out + KAD_REFRESH_KEY_LEN - 4, &tries, 4);
		kad_kpos(out, KAD_REFRESH_KEY_LEN, &pos);
		if (kad_kpos_cpl(&t->self, &pos) == cpl)
			return 0;
	}
	return -1;
}
