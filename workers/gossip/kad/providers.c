/*
 * Gossip worker, Kademlia layer: the provider store of a DHT server.  A
 * record says "peer P provides key K (a multihash) until T"; T is at most
 * KAD_PROVIDE_VALIDITY_MS (48 h, go-libp2p-kad-dht's ProvideValidity) after
 * the last ADD_PROVIDER.  Keys, provider peers (ID and addresses, shared
 * by all their records) and records live in three siphash tables keyed
 * with a random secret, so chosen keys cannot make chains long.  The store
 * holds at most max_total records and per_peer records per provider; a full
 * store refuses new records rather than evicting live ones, and expired
 * records go at the next sweep or lookup.  Pure: the caller gives the clock.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "kad/kad.h"

/* An intrusive hash chain link; every stored struct starts with one. */
struct hnode {
	struct hnode	*next;
	uint64_t	 hash;
};

struct htab {
	struct hnode	**slots;	/* owned */
	size_t		  nslots;	/* power of two */
	size_t		  n;
};

struct pkey {
	struct hnode	 h;
	struct prec	*recs;		/* this key's records */
	uint8_t		 len;
	uint8_t		 key[];
};

struct ppeer {
	struct hnode	 h;
	uint8_t		*addrs;		/* owned, kad_peer's packed form */
	uint32_t	 nrecords;
	uint16_t	 addrs_len;
	uint8_t		 naddrs;
	uint8_t		 id_len;
	uint8_t		 id[KAD_ID_MAX];
};

struct prec {
	struct hnode	 h;		/* hash of (key, peer) */
	struct pkey	*key;
	struct ppeer	*peer;
	struct prec	*knext;		/* next record of the same key */
	uint64_t	 expires_ms;
};

struct kad_providers {
	uint8_t		secret[crypto_shorthash_KEYBYTES];
	struct htab	keys, peers, recs;
	size_t		max_total, per_peer;
	size_t		bytes;
	uint64_t	swept_ms;	/* last sweep */
};

static uint64_t
hash_bytes(const struct kad_providers *ps, const uint8_t *b, size_t len)
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint64_t	h;

	crypto_shorthash(out, b, len, ps->secret);
	memcpy(&h, out, sizeof(h));
	return h;
}

static uint64_t
hash_rec(const struct kad_providers *ps, const struct pkey *k,
    const struct ppeer *p)
{
	uintptr_t	pair[2] = { (uintptr_t)k, (uintptr_t)p };

	return hash_bytes(ps, (const uint8_t *)pair, sizeof(pair));
}

static int
ht_init(struct htab *ht, size_t nslots)
{
	ht->nslots = nslots;
	ht->n = 0;
	ht->slots = calloc(nslots, sizeof(*ht->slots));
	return ht->slots == NULL ? -1 : 0;
}

static struct hnode *
ht_first(const struct htab *ht, uint64_t hash)
{
	return ht->slots[hash & (ht->nslots - 1)];
}

/* Double the slots once the table is fuller than one node per slot. */
static void
ht_grow(struct kad_providers *ps, struct htab *ht)
{
	struct hnode	**slots, *n, *next;
	size_t		  i, ns = ht->nslots * 2;

	if (ht->n < ht->nslots || (slots = calloc(ns, sizeof(*slots))) == NULL)
		return;		/* a failed grow only makes chains longer */
	for (i = 0; i < ht->nslots; i++)
		for (n = ht->slots[i]; n != NULL; n = next) {
			next = n->next;
			n->next = slots[n->hash & (ns - 1)];
			slots[n->hash & (ns - 1)] = n;
		}
	free(ht->slots);
	ps->bytes += (ns - ht->nslots) * sizeof(*slots);
	ht->slots = slots;
	ht->nslots = ns;
}

static void
ht_insert(struct kad_providers *ps, struct htab *ht, struct hnode *n)
{
	struct hnode	**slot;

	ht_grow(ps, ht);
	slot = &ht->slots[n->hash & (ht->nslots - 1)];
	n->next = *slot;
	*slot = n;
	ht->n++;
}

static void
ht_remove(struct htab *ht, struct hnode *n)
{
	struct hnode	**pp;

	for (pp = &ht->slots[n->hash & (ht->nslots - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			ht->n--;
			return;
		}
}

struct kad_providers *
kad_providers_new(size_t max_total, size_t per_peer)
{
	struct kad_providers	*ps;

	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	ps->max_total = max_total ? max_total : KAD_PROVIDERS_TOTAL;
	ps->per_peer = per_peer ? per_peer : KAD_PROVIDERS_PER_PEER;
	randombytes_buf(ps->secret, sizeof(ps->secret));
	if (ht_init(&ps->keys, 64) == -1 || ht_init(&ps->peers, 64) == -1 ||
	    ht_init(&ps->recs, 64) == -1) {
		kad_providers_free(ps);
		return NULL;
	}
	ps->bytes = sizeof(*ps) + 3 * 64 * sizeof(struct hnode *);
	return ps;
}

static void
free_chains(struct htab *ht, void (*fn)(struct hnode *))
{
	struct hnode	*n, *next;
	size_t		 i;

	for (i = 0; ht->slots != NULL && i < ht->nslots; i++)
		for (n = ht->slots[i]; n != NULL; n = next) {
			next = n->next;
			fn(n);
		}
	free(ht->slots);
}

static void
free_node(struct hnode *n)
{
	free(n);
}

static void
free_peer(struct hnode *n)
{
	free(((struct ppeer *)n)->addrs);
	free(n);
}

void
kad_providers_free(struct kad_providers *ps)
{
	if (ps == NULL)
		return;
	free_chains(&ps->recs, free_node);
	free_chains(&ps->keys, free_node);
	free_chains(&ps->peers, free_peer);
	sodium_memzero(ps->secret, sizeof(ps->secret));
	free(ps);
}

static struct pkey *
key_find(const struct kad_providers *ps, const uint8_t *key, size_t len,
    uint64_t hash)
{
	struct hnode	*n;
	struct pkey	*k;

	for (n = ht_first(&ps->keys, hash); n != NULL; n = n->next) {
		k = (struct pkey *)n;
		if (n->hash == hash && k->len == len &&
		    memcmp(k->key, key, len) == 0)
			return k;
	}
	return NULL;
}

static struct ppeer *
peer_find(const struct kad_providers *ps, const uint8_t *id, size_t len,
    uint64_t hash)
{
	struct hnode	*n;
	struct ppeer	*p;

	for (n = ht_first(&ps->peers, hash); n != NULL; n = n->next) {
		p = (struct ppeer *)n;
		if (n->hash == hash && p->id_len == len &&
		    memcmp(p->id, id, len) == 0)
			return p;
	}
	return NULL;
}

static struct prec *
rec_find(const struct kad_providers *ps, const struct pkey *k,
    const struct ppeer *p)
{
	struct hnode	*n;
	struct prec	*r;
	uint64_t	 hash = hash_rec(ps, k, p);

	for (n = ht_first(&ps->recs, hash); n != NULL; n = n->next) {
		r = (struct prec *)n;
		if (r->key == k && r->peer == p)
			return r;
	}
	return NULL;
}

/* Replace p's stored addresses with those of src (kept if src has none). */
static int
peer_set_addrs(struct kad_providers *ps, struct ppeer *p,
    const struct kad_peer *src)
{
	uint8_t	*a;

	if (src->naddrs == 0)
		return 0;
	if ((a = malloc(src->addrs_len)) == NULL)
		return -1;
	memcpy(a, src->addrs, src->addrs_len);
	ps->bytes -= p->addrs_len;
	free(p->addrs);
	p->addrs = a;
	p->addrs_len = src->addrs_len;
	p->naddrs = src->naddrs;
	ps->bytes += p->addrs_len;
	return 0;
}

static struct ppeer *
peer_get(struct kad_providers *ps, const struct kad_peer *src)
{
	struct ppeer	*p;
	uint64_t	 hash = hash_bytes(ps, src->id, src->id_len);

	if ((p = peer_find(ps, src->id, src->id_len, hash)) != NULL)
		return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->h.hash = hash;
	memcpy(p->id, src->id, src->id_len);
	p->id_len = src->id_len;
	ht_insert(ps, &ps->peers, &p->h);
	ps->bytes += sizeof(*p);
	return p;
}

static struct pkey *
key_get(struct kad_providers *ps, const uint8_t *key, size_t len)
{
	struct pkey	*k;
	uint64_t	 hash = hash_bytes(ps, key, len);

	if ((k = key_find(ps, key, len, hash)) != NULL)
		return k;
	if ((k = calloc(1, sizeof(*k) + len)) == NULL)
		return NULL;
	k->h.hash = hash;
	k->len = (uint8_t)len;
	memcpy(k->key, key, len);
	ht_insert(ps, &ps->keys, &k->h);
	ps->bytes += sizeof(*k) + len;
	return k;
}

static void
peer_release(struct kad_providers *ps, struct ppeer *p)
{
	if (p->nrecords > 0)
		return;
	ht_remove(&ps->peers, &p->h);
	ps->bytes -= sizeof(*p) + p->addrs_len;
	free_peer(&p->h);
}

static void
key_release(struct kad_providers *ps, struct pkey *k)
{
	if (k->recs != NULL)
		return;
	ht_remove(&ps->keys, &k->h);
	ps->bytes -= sizeof(*k) + k->len;
	free(k);
}

static int
rec_new(struct kad_providers *ps, struct pkey *k, struct ppeer *p,
    uint64_t expires_ms)
{
	struct prec	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->h.hash = hash_rec(ps, k, p);
	r->key = k;
	r->peer = p;
	r->expires_ms = expires_ms;
	r->knext = k->recs;
	k->recs = r;
	p->nrecords++;
	ht_insert(ps, &ps->recs, &r->h);
	ps->bytes += sizeof(*r);
	return 0;
}

int
kad_providers_add(struct kad_providers *ps, const uint8_t *key,
    size_t key_len, const struct kad_peer *src, uint64_t now_ms)
{
	struct pkey	*k;
	struct ppeer	*p;
	struct prec	*r;
	int		 rc = KAD_PROV_ENOMEM;

	if (key_len == 0 || key_len > KAD_KEY_MAX)
		return KAD_PROV_EKEY;
	/* full: expired records may make room, at most one sweep a minute */
	if (ps->recs.n >= ps->max_total && now_ms - ps->swept_ms >= 60000)
		(void)kad_providers_sweep(ps, now_ms);
	if ((k = key_get(ps, key, key_len)) == NULL)
		return KAD_PROV_ENOMEM;
	if ((p = peer_get(ps, src)) == NULL)
		goto fail;
	if ((r = rec_find(ps, k, p)) != NULL) {
		r->expires_ms = now_ms + KAD_PROVIDE_VALIDITY_MS;
		return peer_set_addrs(ps, p, src) == -1 ? KAD_PROV_ENOMEM :
		    KAD_PROV_REFRESHED;
	}
	if (ps->recs.n >= ps->max_total)
		rc = KAD_PROV_EFULL;
	else if (p->nrecords >= ps->per_peer)
		rc = KAD_PROV_EPEER;
	else if (peer_set_addrs(ps, p, src) == 0 &&
	    rec_new(ps, k, p, now_ms + KAD_PROVIDE_VALIDITY_MS) == 0)
		return KAD_PROV_ADDED;
	peer_release(ps, p);
fail:
	key_release(ps, k);
	return rc;
}

static void
peer_out(const struct ppeer *p, struct kad_peer *out)
{
	memset(out, 0, offsetof(struct kad_peer, addrs));
	memcpy(out->id, p->id, p->id_len);
	out->id_len = p->id_len;
	out->naddrs = p->naddrs;
	out->addrs_len = p->addrs_len;
	if (p->addrs_len > 0)
		memcpy(out->addrs, p->addrs, p->addrs_len);
}

size_t
kad_providers_get(struct kad_providers *ps, const uint8_t *key,
    size_t key_len, uint64_t now_ms, struct kad_peer *out, size_t n)
{
	struct pkey	*k;
	struct prec	*r;
	size_t		 got = 0;

	if (key_len == 0 || key_len > KAD_KEY_MAX ||
	    (k = key_find(ps, key, key_len, hash_bytes(ps, key,
	    key_len))) == NULL)
		return 0;
	for (r = k->recs; r != NULL && got < n; r = r->knext)
		if (r->expires_ms > now_ms)
			peer_out(r->peer, &out[got++]);
	return got;
}

/* Drop k's expired records; returns how many went. */
static size_t
sweep_key(struct kad_providers *ps, struct pkey *k, uint64_t now_ms)
{
	struct prec	**pp, *r;
	size_t		  dropped = 0;

	for (pp = &k->recs; (r = *pp) != NULL;) {
		if (r->expires_ms > now_ms) {
			pp = &r->knext;
			continue;
		}
		*pp = r->knext;
		ht_remove(&ps->recs, &r->h);
		r->peer->nrecords--;
		peer_release(ps, r->peer);
		ps->bytes -= sizeof(*r);
		free(r);
		dropped++;
	}
	return dropped;
}

size_t
kad_providers_sweep(struct kad_providers *ps, uint64_t now_ms)
{
	struct hnode	*n, *next;
	size_t		 i, dropped = 0;

	ps->swept_ms = now_ms;
	for (i = 0; i < ps->keys.nslots; i++)
		for (n = ps->keys.slots[i]; n != NULL; n = next) {
			next = n->next;
			dropped += sweep_key(ps, (struct pkey *)n, now_ms);
			key_release(ps, (struct pkey *)n);
		}
	return dropped;
}

size_t
kad_providers_count(const struct kad_providers *ps)
{
	return ps->recs.n;
}

size_t
kad_providers_bytes(const struct kad_providers *ps)
{
	return ps->bytes;
}
