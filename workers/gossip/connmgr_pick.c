/*
 * Gossip worker, the connection manager's pure half: which connections to
 * close when too many are open.  No I/O and no state: connmgr.c fills the
 * candidates from the host, the router and the Teranode layer and closes
 * what this file picks.  As go-libp2p's connection manager (used by
 * go-p2p-message-bus with low 25, high 35, grace 20 s): protected peers
 * and connections in their grace period are never picked, the rest go
 * least valuable first until the count is down at the low water mark.
 */
#include <stdlib.h>

#include "connmgr.h"

static int
cm_by_score_desc(const void *a, const void *b)
{
	const struct gossip_cm_cand	*x = *(const struct gossip_cm_cand *const *)a;
	const struct gossip_cm_cand	*y = *(const struct gossip_cm_cand *const *)b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	/* the longer-lived first: a stable mesh is worth keeping */
	if (x->opened_ms != y->opened_ms)
		return x->opened_ms < y->opened_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void
gossip_connmgr_protect_best(struct gossip_cm_cand *c, size_t n,
    const unsigned char *member, size_t d)
{
	struct gossip_cm_cand	**v;
	size_t			  i, m = 0;

	if (n == 0 || d == 0)
		return;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return;
	for (i = 0; i < n; i++)
		if (member[i])
			v[m++] = &c[i];
	qsort(v, m, sizeof(*v), cm_by_score_desc);
	for (i = 0; i < m && i < d; i++)
		v[i]->protect |= GOSSIP_CM_MESH;
	free(v);
}

/* Trim order: the first may go first. */
static int
cm_by_value(const void *a, const void *b)
{
	const struct gossip_cm_cand	*x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->inbound != y->inbound)
		return x->inbound ? -1 : 1;	/* we chose our dials */
	if (x->opened_ms != y->opened_ms)
		return x->opened_ms > y->opened_ms ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
cm_trimmable(const struct gossip_cm_cand *c, uint64_t grace_ms,
    uint64_t now_ms)
{
	return c->protect == 0 && now_ms >= c->opened_ms &&
	    now_ms - c->opened_ms >= grace_ms;
}

size_t
gossip_connmgr_pick(struct gossip_cm_cand *c, size_t n, size_t low,
    uint64_t grace_ms, uint64_t now_ms)
{
	struct gossip_cm_cand	 t;
	size_t			 i, k = 0;

	if (n <= low)
		return 0;
	/* the trimmable to the front, then ordered among themselves */
	for (i = 0; i < n; i++)
		if (cm_trimmable(&c[i], grace_ms, now_ms)) {
			t = c[k];
			c[k] = c[i];
			c[i] = t;
			k++;
		}
	qsort(c, k, sizeof(*c), cm_by_value);
	return k < n - low ? k : n - low;
}
