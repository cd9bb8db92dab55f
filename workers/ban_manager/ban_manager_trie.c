/*
 * Ban manager: the in-memory set of address bans, a path-compressed binary
 * (PATRICIA) trie per address family keyed by prefix bits.  IsBanned walks
 * one root-to-leaf path, so a lookup visits at most 33 (IPv4) or 129 (IPv6)
 * nodes whether the list holds ten entries or a million.  Nodes without an
 * entry exist only where two prefixes branch, so the trie has fewer than
 * two nodes per entry.  Owns its nodes and entries; single-threaded.
 */
#include <stdlib.h>
#include <string.h>

#include "ban_manager.h"
#include "util.h"

struct bans_node {
	struct bans_prefix	 pfx;		/* bits [0, plen) are the path */
	struct bans_node	*parent;
	struct bans_node	*child[2];	/* owned */
	struct bans_entry	*entry;		/* owned; NULL for a branch */
};

struct bans_trie {
	struct bans_node	*root[2];	/* [0] IPv4, [1] IPv6; owned */
	size_t			 count;
};

static int
bans_trie_bit(const uint8_t *a, unsigned i)
{
	return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

/*
 * Index of the first bit in [from, max) where a and b differ, or max; the
 * bits before from are known to be equal.  Compares whole bytes where it can.
 */
static unsigned
bans_trie_common_from(const uint8_t *a, const uint8_t *b, unsigned from,
    unsigned max)
{
	unsigned i = from;

	while (i < max && (i & 7) != 0) {
		if (bans_trie_bit(a, i) != bans_trie_bit(b, i))
			return i;
		i++;
	}
	while (i + 8 <= max && a[i >> 3] == b[i >> 3])
		i += 8;
	while (i < max && bans_trie_bit(a, i) == bans_trie_bit(b, i))
		i++;
	return i;
}

static unsigned
bans_trie_common(const uint8_t *a, const uint8_t *b, unsigned max)
{
	return bans_trie_common_from(a, b, 0, max);
}

static struct bans_node **
bans_trie_rootp(struct bans_trie *t, const struct bans_prefix *p)
{
	return &t->root[p->family == 4 ? 0 : 1];
}

static struct bans_node *
bans_trie_node_new(const struct bans_prefix *p, unsigned plen,
    struct bans_node *parent)
{
	struct bans_node *n = xcalloc(1, sizeof(*n));

	n->pfx = *p;
	n->pfx.plen = (uint8_t)plen;
	/* Clear the bits past plen so a branch node's key is its prefix. */
	for (unsigned i = plen; i < 128; i++)
		if (bans_trie_bit(n->pfx.addr, i))
			n->pfx.addr[i >> 3] &= (uint8_t)~(0x80 >> (i & 7));
	n->parent = parent;
	return n;
}

struct bans_trie *
bans_trie_new(void)
{
	return xcalloc(1, sizeof(struct bans_trie));
}

static void
bans_trie_free_nodes(struct bans_node *n)
{
	if (n == NULL)
		return;
	bans_trie_free_nodes(n->child[0]);
	bans_trie_free_nodes(n->child[1]);
	bans_entry_free(n->entry);
	free(n);
}

void
bans_trie_clear(struct bans_trie *t)
{
	bans_trie_free_nodes(t->root[0]);
	bans_trie_free_nodes(t->root[1]);
	t->root[0] = t->root[1] = NULL;
	t->count = 0;
}

void
bans_trie_free(struct bans_trie *t)
{
	if (t == NULL)
		return;
	bans_trie_clear(t);
	free(t);
}

/* Put a new node for e's prefix above or beside *slot's node n. */
static void
bans_trie_split(struct bans_node **slot, struct bans_node *n,
    struct bans_entry *e, unsigned common)
{
	const struct bans_prefix *p = &e->pfx;
	struct bans_node *glue = bans_trie_node_new(p, common, n->parent);

	*slot = glue;
	n->parent = glue;
	glue->child[bans_trie_bit(n->pfx.addr, common)] = n;
	if (common == p->plen) {
		glue->entry = e;	/* the new prefix covers n */
		return;
	}
	struct bans_node *leaf = bans_trie_node_new(p, p->plen, glue);
	leaf->entry = e;
	glue->child[bans_trie_bit(p->addr, common)] = leaf;
}

int
bans_trie_put(struct bans_trie *t, struct bans_entry *e)
{
	const struct bans_prefix *p = &e->pfx;
	struct bans_node **slot = bans_trie_rootp(t, p), *parent = NULL, *n;

	while ((n = *slot) != NULL) {
		unsigned max = n->pfx.plen < p->plen ? n->pfx.plen : p->plen;
		unsigned common = bans_trie_common(n->pfx.addr, p->addr, max);

		if (common < n->pfx.plen) {
			bans_trie_split(slot, n, e, common);
			t->count++;
			return 1;
		}
		if (n->pfx.plen == p->plen) {
			int added = n->entry == NULL;
			bans_entry_free(n->entry);
			n->entry = e;
			t->count += (size_t)added;
			return added;
		}
		parent = n;
		slot = &n->child[bans_trie_bit(p->addr, n->pfx.plen)];
	}
	*slot = bans_trie_node_new(p, p->plen, parent);
	(*slot)->entry = e;
	t->count++;
	return 1;
}

static struct bans_node *
bans_trie_find(const struct bans_trie *t, const struct bans_prefix *p)
{
	struct bans_node *n = t->root[p->family == 4 ? 0 : 1];

	while (n != NULL && n->pfx.plen <= p->plen) {
		if (bans_trie_common(n->pfx.addr, p->addr, n->pfx.plen) <
		    n->pfx.plen)
			return NULL;
		if (n->pfx.plen == p->plen)
			return n;
		n = n->child[bans_trie_bit(p->addr, n->pfx.plen)];
	}
	return NULL;
}

struct bans_entry *
bans_trie_get(const struct bans_trie *t, const struct bans_prefix *p)
{
	struct bans_node *n = bans_trie_find(t, p);

	return n != NULL ? n->entry : NULL;
}

static struct bans_node **
bans_trie_slot(struct bans_trie *t, struct bans_node *n)
{
	if (n->parent == NULL)
		return bans_trie_rootp(t, &n->pfx);
	return &n->parent->child[n->parent->child[1] == n];
}

/* Remove branch nodes that no longer join two subtrees. */
static void
bans_trie_prune(struct bans_trie *t, struct bans_node *n)
{
	while (n != NULL && n->entry == NULL &&
	    (n->child[0] == NULL || n->child[1] == NULL)) {
		struct bans_node *only = n->child[0] ? n->child[0] : n->child[1];
		struct bans_node *up = n->parent;

		*bans_trie_slot(t, n) = only;
		if (only != NULL)
			only->parent = up;
		free(n);
		n = up;
	}
}

int
bans_trie_del(struct bans_trie *t, const struct bans_prefix *p)
{
	struct bans_node *n = bans_trie_find(t, p);

	if (n == NULL || n->entry == NULL)
		return -1;
	bans_entry_free(n->entry);
	n->entry = NULL;
	t->count--;
	bans_trie_prune(t, n);
	return 0;
}

const struct bans_entry *
bans_trie_match(const struct bans_trie *t, const struct bans_prefix *addr,
    int64_t now)
{
	const struct bans_node *n = t->root[addr->family == 4 ? 0 : 1];
	const struct bans_entry *best = NULL;
	unsigned known = 0;	/* bits already compared on the way down */

	while (n != NULL && n->pfx.plen <= addr->plen) {
		unsigned common = bans_trie_common_from(n->pfx.addr,
		    addr->addr, known, n->pfx.plen);
		if (common < n->pfx.plen)
			break;
		if (n->entry != NULL && n->entry->until > now)
			best = n->entry;
		if (n->pfx.plen == addr->plen)
			break;
		known = n->pfx.plen;
		n = n->child[bans_trie_bit(addr->addr, n->pfx.plen)];
	}
	return best;
}

size_t
bans_trie_count(const struct bans_trie *t)
{
	return t->count;
}

static void
bans_trie_walk_node(const struct bans_node *n,
    void (*cb)(void *, const struct bans_entry *), void *arg)
{
	if (n == NULL)
		return;
	if (n->entry != NULL)
		cb(arg, n->entry);
	bans_trie_walk_node(n->child[0], cb, arg);
	bans_trie_walk_node(n->child[1], cb, arg);
}

void
bans_trie_walk(const struct bans_trie *t,
    void (*cb)(void *, const struct bans_entry *), void *arg)
{
	bans_trie_walk_node(t->root[0], cb, arg);
	bans_trie_walk_node(t->root[1], cb, arg);
}

struct bans_entry *
bans_entry_dup(const struct bans_entry *e)
{
	struct bans_entry *d = xmalloc(sizeof(*d));

	*d = *e;
	return d;
}

void
bans_entry_free(struct bans_entry *e)
{
	free(e);
}
