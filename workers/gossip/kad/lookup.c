/*
 * Gossip worker, Kademlia layer: the iterative lookup engine (kad-dht
 * spec "Peer routing", go-libp2p-kad-dht's query.go rules).  A lookup keeps
 * the peers it has heard of sorted by XOR distance to sha256(key), asks the
 * closest ones not yet asked with at most alpha queries in flight, and ends
 * when the beta closest reachable peers have all answered, when nobody is
 * left to ask, when enough providers were found, or at its deadline.  Each
 * query has its own deadline.  Closer peers from answers are
 * de-duplicated and the set is capped at KAD_LOOKUP_PEERS_MAX (the
 * farthest are forgotten first).  No sockets: requests leave through
 * ops->query and answers come back through kad_lookup_reply/_fail, so
 * tests and the benchmark run whole networks in one process.
 */
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

enum lp_state {
	LP_HEARD = 0,		/* known, not asked */
	LP_WAITING,		/* asked, no answer yet */
	LP_QUERIED,		/* answered */
	LP_UNREACHABLE,		/* failed or timed out */
};

struct lpeer {
	struct kad_peer	p;
	struct kad_kpos	pos;
	uint8_t		state;
	uint64_t	sent_ms;
};

struct seen_id {
	uint8_t	id[KAD_ID_MAX];
	uint8_t	len;
};

struct kad_lookup {
	int				 type;
	uint8_t				 key[KAD_KEY_MAX];
	size_t				 key_len;
	struct kad_kpos			 target;
	struct kad_lookup_params	 lp;
	const struct kad_lookup_ops	*ops;	/* borrowed */
	void				*arg;	/* borrowed */
	uint64_t			 start_ms;
	int				 state;
	uint8_t				 self[KAD_ID_MAX];
	size_t				 self_len;
	struct lpeer			*peers;	/* owned, closest first */
	size_t				 npeers;
	size_t				 inflight;
	size_t				 sent, answered, failed;
	struct seen_id			*provs;	/* owned: providers seen */
	size_t				 nprovs, provs_cap;
};

void
kad_lookup_params_default(struct kad_lookup_params *lp)
{
	lp->alpha = KAD_ALPHA;
	lp->beta = KAD_BETA;
	lp->k = KAD_K;
	lp->query_timeout_ms = KAD_QUERY_TIMEOUT_MS;
	lp->lookup_timeout_ms = KAD_LOOKUP_TIMEOUT_MS;
	lp->provider_limit = 0;
}

struct kad_lookup *
kad_lookup_new(int type, const uint8_t *key, size_t key_len,
    const struct kad_lookup_params *lp, const struct kad_lookup_ops *ops,
    void *arg, uint64_t now_ms)
{
	struct kad_lookup	*lk;

	if (key_len == 0 || key_len > KAD_KEY_MAX ||
	    (type != KAD_FIND_NODE && type != KAD_GET_PROVIDERS))
		return NULL;
	if ((lk = calloc(1, sizeof(*lk))) == NULL)
		return NULL;
	lk->type = type;
	memcpy(lk->key, key, key_len);
	lk->key_len = key_len;
	kad_kpos(key, key_len, &lk->target);
	if (lp != NULL)
		lk->lp = *lp;
	else
		kad_lookup_params_default(&lk->lp);
	lk->ops = ops;
	lk->arg = arg;
	lk->start_ms = now_ms;
	lk->provs_cap = lk->lp.provider_limit ? lk->lp.provider_limit :
	    10 * KAD_PROVIDERS_MAX;
	lk->peers = malloc(KAD_LOOKUP_PEERS_MAX * sizeof(*lk->peers));
	lk->provs = malloc(lk->provs_cap * sizeof(*lk->provs));
	if (lk->peers == NULL || lk->provs == NULL) {
		kad_lookup_free(lk);
		return NULL;
	}
	return lk;
}

void
kad_lookup_free(struct kad_lookup *lk)
{
	if (lk == NULL)
		return;
	free(lk->peers);
	free(lk->provs);
	free(lk);
}

int
kad_lookup_type(const struct kad_lookup *lk)
{
	return lk->type;
}

const uint8_t *
kad_lookup_key(const struct kad_lookup *lk, size_t *len)
{
	*len = lk->key_len;
	return lk->key;
}

void
kad_lookup_set_self(struct kad_lookup *lk, const uint8_t *id, size_t len)
{
	if (len > KAD_ID_MAX)
		return;
	memcpy(lk->self, id, len);
	lk->self_len = len;
}

static struct lpeer *
find(struct kad_lookup *lk, const uint8_t *id, size_t len)
{
	size_t	i;

	for (i = 0; i < lk->npeers; i++)
		if (kad_peer_id_equal(&lk->peers[i].p, id, len))
			return &lk->peers[i];
	return NULL;
}

/* Add p as heard, in distance order; 1 if new, 0 if not taken. */
static int
add_candidate(struct kad_lookup *lk, const struct kad_peer *p)
{
	struct kad_kpos	pos;
	size_t		i;

	if (p->id_len == lk->self_len &&
	    memcmp(p->id, lk->self, p->id_len) == 0)
		return 0;
	if (find(lk, p->id, p->id_len) != NULL)
		return 0;
	kad_kpos(p->id, p->id_len, &pos);
	i = lk->npeers;
	if (i == KAD_LOOKUP_PEERS_MAX) {
		if (kad_kpos_cmp(&lk->target, &pos, &lk->peers[i - 1].pos) >= 0)
			return 0;
		/* forget the farthest; an answer from it will be ignored */
		if (lk->peers[--i].state == LP_WAITING)
			lk->inflight--;
		lk->npeers--;
	}
	while (i > 0 && kad_kpos_cmp(&lk->target, &pos,
	    &lk->peers[i - 1].pos) < 0)
		i--;
	memmove(&lk->peers[i + 1], &lk->peers[i],
	    (lk->npeers - i) * sizeof(*lk->peers));
	lk->peers[i].p = *p;
	lk->peers[i].pos = pos;
	lk->peers[i].state = LP_HEARD;
	lk->peers[i].sent_ms = 0;
	lk->npeers++;
	return 1;
}

int
kad_lookup_seed(struct kad_lookup *lk, const struct kad_peer *p)
{
	return add_candidate(lk, p) == 1 ? 0 : -1;
}

/* 1 if this provider is new (and remember it). */
static int
provider_new(struct kad_lookup *lk, const struct kad_peer *p)
{
	size_t	i;

	for (i = 0; i < lk->nprovs; i++)
		if (lk->provs[i].len == p->id_len &&
		    memcmp(lk->provs[i].id, p->id, p->id_len) == 0)
			return 0;
	if (lk->nprovs == lk->provs_cap)
		return 0;
	memcpy(lk->provs[lk->nprovs].id, p->id, p->id_len);
	lk->provs[lk->nprovs++].len = p->id_len;
	return 1;
}

static int
take_providers(struct kad_lookup *lk, const struct kad_msg *m)
{
	size_t	i;
	int	added = 0;

	for (i = 0; i < m->nproviders; i++) {
		if (!provider_new(lk, &m->providers[i]))
			continue;
		added++;
		if (lk->ops->provider != NULL)
			lk->ops->provider(lk->arg, lk, &m->providers[i]);
		if (lk->lp.provider_limit && lk->nprovs >= lk->lp.provider_limit) {
			lk->state = KAD_LOOKUP_ENOUGH;
			break;
		}
	}
	return added;
}

int
kad_lookup_reply(struct kad_lookup *lk, const uint8_t *id, size_t id_len,
    const struct kad_msg *m, uint64_t now_ms)
{
	struct lpeer	*lp;
	size_t		 i, n;
	int		 added = 0;

	(void)now_ms;
	if ((lp = find(lk, id, id_len)) == NULL || lp->state != LP_WAITING)
		return -1;
	lp->state = LP_QUERIED;
	lk->inflight--;
	lk->answered++;
	if (lk->state != KAD_LOOKUP_RUNNING)
		return 0;
	n = m->ncloser < (size_t)lk->lp.k ? m->ncloser : (size_t)lk->lp.k;
	for (i = 0; i < n; i++)
		added += add_candidate(lk, &m->closer[i]);
	if (lk->type == KAD_GET_PROVIDERS)
		added += take_providers(lk, m);
	return added;
}

int
kad_lookup_fail(struct kad_lookup *lk, const uint8_t *id, size_t id_len)
{
	struct lpeer	*lp;

	if ((lp = find(lk, id, id_len)) == NULL || lp->state != LP_WAITING)
		return -1;
	lp->state = LP_UNREACHABLE;
	lk->inflight--;
	lk->failed++;
	return 0;
}

static void
expire(struct kad_lookup *lk, uint64_t now_ms)
{
	size_t	i;

	for (i = 0; i < lk->npeers; i++)
		if (lk->peers[i].state == LP_WAITING &&
		    now_ms - lk->peers[i].sent_ms >= lk->lp.query_timeout_ms) {
			lk->peers[i].state = LP_UNREACHABLE;
			lk->inflight--;
			lk->failed++;
		}
}

/* The beta closest peers not known unreachable have all answered. */
static int
finished(const struct kad_lookup *lk)
{
	size_t	i;
	int	seen = 0;

	for (i = 0; i < lk->npeers && seen < lk->lp.beta; i++) {
		if (lk->peers[i].state == LP_UNREACHABLE)
			continue;
		if (lk->peers[i].state != LP_QUERIED)
			return 0;
		seen++;
	}
	return seen > 0;
}

static void
send_more(struct kad_lookup *lk, uint64_t now_ms)
{
	struct lpeer	*lp;
	size_t		 i;

	for (i = 0; i < lk->npeers &&
	    lk->inflight < (size_t)lk->lp.alpha; i++) {
		lp = &lk->peers[i];
		if (lp->state != LP_HEARD)
			continue;
		if (lk->ops->query(lk->arg, lk, &lp->p) == -1) {
			lp->state = LP_UNREACHABLE;
			lk->failed++;
			continue;
		}
		lp->state = LP_WAITING;
		lp->sent_ms = now_ms;
		lk->inflight++;
		lk->sent++;
	}
}

int
kad_lookup_step(struct kad_lookup *lk, uint64_t now_ms)
{
	if (lk->state != KAD_LOOKUP_RUNNING)
		return lk->state;
	if (now_ms - lk->start_ms >= lk->lp.lookup_timeout_ms)
		return lk->state = KAD_LOOKUP_TIMEOUT;
	expire(lk, now_ms);
	if (finished(lk))
		return lk->state = KAD_LOOKUP_DONE;
	send_more(lk, now_ms);
	if (lk->inflight == 0)
		lk->state = finished(lk) ? KAD_LOOKUP_DONE : KAD_LOOKUP_STARVED;
	return lk->state;
}

size_t
kad_lookup_closest(const struct kad_lookup *lk, const struct kad_peer **out,
    size_t n)
{
	size_t	i, got = 0;

	for (i = 0; i < lk->npeers && got < n; i++)
		if (lk->peers[i].state == LP_QUERIED)
			out[got++] = &lk->peers[i].p;
	return got;
}

void
kad_lookup_stats(const struct kad_lookup *lk, size_t *sent, size_t *answered,
    size_t *failed)
{
	*sent = lk->sent;
	*answered = lk->answered;
	*failed = lk->failed;
}
