/*
 * Ban manager: ban scores of libp2p peer IDs (Teranode's PeerBanManager,
 * without its quirks).  A misbehaving peer collects points per reason; the
 * score decays by decay_points every decay_ms (lazily, computed from the
 * record's timestamp, keeping the fraction of an interval already run);
 * reaching the threshold bans the peer for ban_ms, and further points never
 * extend a ban.  The table is a chained hash on the peer ID, bounded by
 * max_entries.  Changes are computed first (bans_scores_preview) and applied
 * (bans_scores_put) only after the store has committed them.
 */
#include <stdlib.h>
#include <string.h>

#include "ban_manager.h"
#include "util.h"

struct bans_score_node {
	struct bans_score	 rec;
	struct bans_score_node	*next;
};

struct bans_scores {
	struct bans_score_cfg	  cfg;
	struct bans_score_node	**buckets;	/* owned */
	size_t			  nbuckets;	/* a power of two */
	size_t			  count;
};

static const struct {
	const char	*reason;
	int32_t		 points;
} bans_score_points[] = {
	{ "invalid_subtree", 10 },
	{ "protocol_violation", 20 },
	{ "spam", 50 },
	{ "invalid_block", 10 },	/* same as SVNode */
	{ "catchup_failure", 30 },
};

int32_t
bans_scores_points(const char *reason)
{
	for (size_t i = 0; i < sizeof(bans_score_points) /
	    sizeof(bans_score_points[0]); i++)
		if (strcmp(reason, bans_score_points[i].reason) == 0)
			return bans_score_points[i].points;
	return 1;
}

int
bans_scores_known(const char *reason)
{
	if (reason[0] == '\0' || strcmp(reason, "unknown") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(bans_score_points) /
	    sizeof(bans_score_points[0]); i++)
		if (strcmp(reason, bans_score_points[i].reason) == 0)
			return 1;
	return 0;
}

static uint64_t
bans_scores_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

struct bans_scores *
bans_scores_new(const struct bans_score_cfg *cfg)
{
	struct bans_scores *s = xcalloc(1, sizeof(*s));

	s->cfg = *cfg;
	s->nbuckets = 64;
	s->buckets = xcalloc(s->nbuckets, sizeof(*s->buckets));
	return s;
}

void
bans_scores_set_cfg(struct bans_scores *s, const struct bans_score_cfg *cfg)
{
	s->cfg = *cfg;
}

void
bans_scores_clear(struct bans_scores *s)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct bans_score_node *n = s->buckets[i], *next;
		for (; n != NULL; n = next) {
			next = n->next;
			bans_score_fini(&n->rec);
			free(n);
		}
		s->buckets[i] = NULL;
	}
	s->count = 0;
}

void
bans_scores_free(struct bans_scores *s)
{
	if (s == NULL)
		return;
	bans_scores_clear(s);
	free(s->buckets);
	free(s);
}

static struct bans_score_node **
bans_scores_slot(const struct bans_scores *s, const char *peer_id)
{
	struct bans_score_node **np;

	np = &s->buckets[bans_scores_hash(peer_id) & (s->nbuckets - 1)];
	while (*np != NULL && strcmp((*np)->rec.peer_id, peer_id) != 0)
		np = &(*np)->next;
	return np;
}

const struct bans_score *
bans_scores_get(const struct bans_scores *s, const char *peer_id)
{
	struct bans_score_node *n = *bans_scores_slot(s, peer_id);

	return n != NULL ? &n->rec : NULL;
}

/* Decay steps elapsed between r->last_ms and now_ms. */
static uint64_t
bans_scores_steps(const struct bans_scores *s, const struct bans_score *r,
    uint64_t now_ms)
{
	if (s->cfg.decay_ms == 0 || s->cfg.decay_points <= 0 ||
	    now_ms <= r->last_ms)
		return 0;
	return (now_ms - r->last_ms) / s->cfg.decay_ms;
}

int32_t
bans_scores_current(const struct bans_scores *s, const struct bans_score *r,
    uint64_t now_ms)
{
	uint64_t drop = bans_scores_steps(s, r, now_ms) *
	    (uint64_t)(s->cfg.decay_points > 0 ? s->cfg.decay_points : 0);

	return drop >= (uint64_t)r->score ? 0 : r->score - (int32_t)drop;
}

int
bans_scores_banned(const struct bans_score *r, int64_t now_s)
{
	return r->until != 0 && r->until > now_s;
}

int
bans_scores_preview(const struct bans_scores *s, const char *peer_id,
    const char *reason, uint64_t now_ms, struct bans_score *out, int *crossed)
{
	const struct bans_score *old = bans_scores_get(s, peer_id);
	int64_t now_s = (int64_t)(now_ms / 1000);
	uint64_t steps;
	int32_t pts;

	*crossed = 0;
	if (old == NULL && s->count >= s->cfg.max_entries &&
	    bans_scores_victim(s, now_ms) == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	if (old != NULL) {
		bans_score_copy(out, old);
		steps = bans_scores_steps(s, old, now_ms);
		out->score = bans_scores_current(s, old, now_ms);
		out->last_ms = old->last_ms + steps * s->cfg.decay_ms;
		if (out->until != 0 && out->until <= now_s) {
			out->until = 0;	/* an expired ban starts afresh */
			out->ban_reason[0] = '\0';
		}
	} else {
		strncpy(out->peer_id, peer_id, BANS_PEER_MAX);
		out->last_ms = now_ms;
	}
	if (reason[0] == '\0')
		reason = "unknown";
	bans_score_add_reason(out, reason);
	pts = bans_scores_points(reason);
	out->score = out->score > INT32_MAX - pts ? INT32_MAX : out->score + pts;
	if (out->score >= s->cfg.threshold && out->until == 0) {
		out->until = now_s + (int64_t)((s->cfg.ban_ms + 999) / 1000);
		strncpy(out->ban_reason, reason, BANS_REASON_MAX);
		*crossed = 1;
	}
	return 0;
}

static void
bans_scores_grow(struct bans_scores *s)
{
	size_t nb = s->nbuckets * 2;
	struct bans_score_node **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < s->nbuckets; i++) {
		struct bans_score_node *n = s->buckets[i], *next;
		for (; n != NULL; n = next) {
			size_t h = bans_scores_hash(n->rec.peer_id) & (nb - 1);
			next = n->next;
			n->next = b[h];
			b[h] = n;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = nb;
}

void
bans_scores_put(struct bans_scores *s, const struct bans_score *r)
{
	struct bans_score_node **np = bans_scores_slot(s, r->peer_id), *n;

	if ((n = *np) != NULL) {
		bans_score_fini(&n->rec);
		bans_score_copy(&n->rec, r);
		return;
	}
	n = xcalloc(1, sizeof(*n));
	bans_score_copy(&n->rec, r);
	*np = n;
	if (++s->count > s->nbuckets)
		bans_scores_grow(s);
}

int
bans_scores_del(struct bans_scores *s, const char *peer_id)
{
	struct bans_score_node **np = bans_scores_slot(s, peer_id), *n;

	if ((n = *np) == NULL)
		return -1;
	*np = n->next;
	bans_score_fini(&n->rec);
	free(n);
	s->count--;
	return 0;
}

size_t
bans_scores_count(const struct bans_scores *s)
{
	return s->count;
}

/* A linear scan, run only when the table is full. */
const struct bans_score *
bans_scores_victim(const struct bans_scores *s, uint64_t now_ms)
{
	const struct bans_score *best = NULL;
	int32_t best_score = INT32_MAX;
	int64_t now_s = (int64_t)(now_ms / 1000);

	for (size_t i = 0; i < s->nbuckets; i++)
		for (struct bans_score_node *n = s->buckets[i]; n != NULL;
		    n = n->next) {
			int32_t cur = bans_scores_current(s, &n->rec, now_ms);
			if (bans_scores_banned(&n->rec, now_s))
				continue;
			if (best == NULL || cur < best_score ||
			    (cur == best_score && n->rec.last_ms < best->last_ms)) {
				best = &n->rec;
				best_score = cur;
			}
		}
	return best;
}

void
bans_scores_walk(const struct bans_scores *s,
    void (*cb)(void *, const struct bans_score *), void *arg)
{
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct bans_score_node *n = s->buckets[i], *next;
		for (; n != NULL; n = next) {
			next = n->next;
			cb(arg, &n->rec);
		}
	}
}

void
bans_score_copy(struct bans_score *dst, const struct bans_score *src)
{
	*dst = *src;
	for (size_t i = 0; i < src->nreasons; i++)
		dst->reasons[i] = xstrdup(src->reasons[i]);
}

void
bans_score_fini(struct bans_score *r)
{
	for (size_t i = 0; i < r->nreasons; i++)
		free(r->reasons[i]);
	r->nreasons = 0;
}

void
bans_score_add_reason(struct bans_score *r, const char *reason)
{
	if (r->nreasons == BANS_REASONS_KEPT) {
		free(r->reasons[0]);
		memmove(r->reasons, r->reasons + 1,
		    (BANS_REASONS_KEPT - 1) * sizeof(r->reasons[0]));
		r->nreasons--;
	}
	r->reasons[r->nreasons++] = xstrdup(reason);
}

/* Reasons hold no control characters, so a newline separates them. */
char *
bans_score_join_reasons(const struct bans_score *r)
{
	size_t len = 1;
	char *out, *p;

	for (size_t i = 0; i < r->nreasons; i++)
		len += strlen(r->reasons[i]) + 1;
	p = out = xmalloc(len);
	for (size_t i = 0; i < r->nreasons; i++) {
		size_t n = strlen(r->reasons[i]);
		if (i > 0)
			*p++ = '\n';
		memcpy(p, r->reasons[i], n);
		p += n;
	}
	*p = '\0';
	return out;
}

void
bans_score_split_reasons(struct bans_score *r, const char *joined)
{
	const char *p = joined, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char buf[BANS_REASON_MAX + 1];

		if (n > BANS_REASON_MAX)
			n = BANS_REASON_MAX;
		memcpy(buf, p, n);
		buf[n] = '\0';
		bans_score_add_reason(r, buf);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}
