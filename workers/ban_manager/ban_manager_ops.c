/*
 * Ban manager: the operations behind bans.rep, each one ordered the same
 * way — validate, commit to the store, then change memory (the trie and
 * the score table) and publish Banned/Unbanned on bans.pub.  Nothing is
 * acknowledged before it is committed, and a store that is down changes
 * nothing.  Also the sweeper, the score clean-up, and the reloads that
 * keep memory equal to a store shared with other instances.
 *
 * p2p_ban_max_entries policy: when the address list is full, expired
 * entries are swept first and a new ban is then refused (IPC_ERR_FULL).
 * Evicting the soonest-expiring entry instead would let whoever can cause
 * bans (an attacker rotating addresses feeding AddBanScore) silently lift
 * an operator's acknowledged bans; refusing keeps every acknowledged ban
 * and says so.  The score table uses the same bound but evicts the lowest
 * score that is not banned, since an unbanned score is only a suspicion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban_manager.h"
#include "ipc.h"
#include "log.h"
#include "util.h"

#define BANS_UNAVAILABLE	"ban store unavailable"

uint64_t
bans_op_now_ms(const struct bans_ctx *ctx)
{
	return ctx->clock != NULL ? ctx->clock() : util_wall_ms();
}

static int64_t
bans_op_now_s(const struct bans_ctx *ctx)
{
	return (int64_t)(bans_op_now_ms(ctx) / 1000);
}

static void
bans_op_emit(struct bans_ctx *ctx, int banned, const char *addr,
    const char *subnet, const char *peer, int64_t until, const char *reason)
{
	Tp__BanEvent ev = TP__BAN_EVENT__INIT;
	ipc_env env = TP__ENVELOPE__INIT;

	ev.addr = (char *)addr;
	ev.subnet = (char *)subnet;
	ev.peer_id = (char *)peer;
	ev.until_unix = until;
	ev.reason = (char *)reason;
	if (banned) {
		env.body_case = TP__ENVELOPE__BODY_BANNED;
		env.banned = &ev;
	} else {
		env.body_case = TP__ENVELOPE__BODY_UNBANNED;
		env.unbanned = &ev;
	}
	ctx->n.events++;
	if (ctx->pub != NULL)
		ipc_publish(ctx->pub, &env);
	if (ctx->event_hook != NULL)
		ctx->event_hook(ctx, banned, &ev);
}

static void
bans_op_emit_addr(struct bans_ctx *ctx, int banned, const struct bans_entry *e,
    const char *reason)
{
	char cidr[BANS_KEY_MAX];

	bans_addr_cidr(&e->pfx, cidr);
	bans_op_emit(ctx, banned, e->key, cidr, "", e->until, reason);
}

static void
bans_op_emit_peer(struct bans_ctx *ctx, int banned, const struct bans_score *r,
    const char *reason)
{
	bans_op_emit(ctx, banned, "", "", r->peer_id, r->until, reason);
}

static int
bans_op_down(struct bans_ctx *ctx, char *err, size_t len)
{
	ctx->n.refused_down++;
	snprintf(err, len, BANS_UNAVAILABLE);
	return TP__IPC_STATUS__IPC_ERR_UNAVAILABLE;
}

static int
bans_op_invalid(struct bans_ctx *ctx, char *err, size_t len, const char *fmt,
    const char *what, const char *why)
{
	ctx->n.invalid++;
	snprintf(err, len, fmt, what, why);
	return TP__IPC_STATUS__IPC_ERR_INVALID;
}

/* Roll back a failed transaction and say why. */
static int
bans_op_abort(struct bans_ctx *ctx, char *err, size_t len)
{
	bans_store_rollback(ctx->store);
	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	snprintf(err, len, "ban store error (see the bans log)");
	return TP__IPC_STATUS__IPC_ERR_INTERNAL;
}

static int
bans_op_parse(struct bans_ctx *ctx, const char *addr, struct bans_prefix *p,
    char *err, size_t len)
{
	enum bans_addr_err e = bans_addr_parse(addr, strlen(addr), p);

	if (e == BANS_ADDR_OK)
		return 0;
	return bans_op_invalid(ctx, err, len, "invalid address \"%.64s\": %s",
	    addr, bans_addr_strerror(e));
}

static int
bans_op_reason(struct bans_ctx *ctx, const char *reason, char *err,
    size_t len)
{
	if (bans_addr_reason_ok(reason))
		return 0;
	return bans_op_invalid(ctx, err, len, "invalid reason%s: %s", "",
	    "longer than 128 bytes, not UTF-8 or has control characters");
}

/* Room for one more address entry: sweep expired ones when full. */
static int
bans_op_room(struct bans_ctx *ctx, const struct bans_prefix *p)
{
	if (bans_trie_get(ctx->trie, p) != NULL ||
	    bans_trie_count(ctx->trie) < ctx->max_entries)
		return 1;
	bans_op_sweep(ctx);
	return bans_trie_count(ctx->trie) < ctx->max_entries;
}

static int
bans_op_full(struct bans_ctx *ctx, char *err, size_t len)
{
	ctx->n.refused_full++;
	snprintf(err, len, "ban list full (p2p_ban_max_entries = %zu); "
	    "unban or clear entries first", ctx->max_entries);
	return TP__IPC_STATUS__IPC_ERR_FULL;
}

int
bans_op_ban_addr(struct bans_ctx *ctx, const char *addr, int64_t until,
    const char *reason, struct bans_entry *out, char *err, size_t len)
{
	struct bans_entry e;
	int64_t now = bans_op_now_s(ctx);

	memset(&e, 0, sizeof(e));
	if (bans_op_parse(ctx, addr, &e.pfx, err, len) != 0 ||
	    bans_op_reason(ctx, reason, err, len) != 0)
		return TP__IPC_STATUS__IPC_ERR_INVALID;
	if (until == 0)
		until = now + (int64_t)((ctx->default_ms + 999) / 1000);
	if (until <= now)
		return bans_op_invalid(ctx, err, len, "invalid ban end %s: %s",
		    "until_unix", "in the past");
	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	if (!bans_op_room(ctx, &e.pfx))
		return bans_op_full(ctx, err, len);
	bans_addr_key(&e.pfx, e.key);
	e.until = until;
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	if (bans_store_begin(ctx->store) != 0 ||
	    bans_store_put_addr(ctx->store, &e) != 0 ||
	    bans_store_notify(ctx->store, 'a', e.key) != 0 ||
	    bans_store_commit(ctx->store) != 0)
		return bans_op_abort(ctx, err, len);
	bans_trie_put(ctx->trie, bans_entry_dup(&e));
	ctx->n.bans++;
	log_info("banned %s until %lld: %s", e.key, (long long)until,
	    reason[0] ? reason : "(no reason)");
	bans_op_emit_addr(ctx, 1, &e, reason);
	if (out != NULL)
		*out = e;
	return 0;
}

static int
bans_op_unban_peer(struct bans_ctx *ctx, const char *peer, char *err,
    size_t len)
{
	const struct bans_score *r = bans_scores_get(ctx->scores, peer);
	struct bans_score old;

	if (r == NULL) {
		snprintf(err, len, "no ban or score for peer %s", peer);
		return TP__IPC_STATUS__IPC_ERR_NOT_FOUND;
	}
	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	if (bans_store_begin(ctx->store) != 0 ||
	    bans_store_del_peer(ctx->store, peer) != 0 ||
	    bans_store_notify(ctx->store, 'p', peer) != 0 ||
	    bans_store_commit(ctx->store) != 0)
		return bans_op_abort(ctx, err, len);
	bans_score_copy(&old, r);
	bans_scores_del(ctx->scores, peer);
	if (bans_scores_banned(&old, bans_op_now_s(ctx))) {
		ctx->n.unbans++;
		bans_op_emit_peer(ctx, 0, &old, "unbanned");
	}
	bans_score_fini(&old);
	log_info("unbanned peer %s", peer);
	return 0;
}

int
bans_op_unban(struct bans_ctx *ctx, const char *what, char *err, size_t len)
{
	struct bans_prefix p;
	struct bans_entry *e, old;
	char cidr[BANS_KEY_MAX];

	if (bans_addr_parse(what, strlen(what), &p) != BANS_ADDR_OK &&
	    bans_addr_is_peer_id(what))
		return bans_op_unban_peer(ctx, what, err, len);
	if (bans_op_parse(ctx, what, &p, err, len) != 0)
		return TP__IPC_STATUS__IPC_ERR_INVALID;
	if ((e = bans_trie_get(ctx->trie, &p)) == NULL) {
		bans_addr_key(&p, cidr);
		snprintf(err, len, "no ban for %s", cidr);
		return TP__IPC_STATUS__IPC_ERR_NOT_FOUND;
	}
	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	bans_addr_cidr(&p, cidr);
	if (bans_store_begin(ctx->store) != 0 ||
	    bans_store_del_addr(ctx->store, e->key, cidr) != 0 ||
	    bans_store_notify(ctx->store, 'a', e->key) != 0 ||
	    bans_store_commit(ctx->store) != 0)
		return bans_op_abort(ctx, err, len);
	old = *e;
	bans_trie_del(ctx->trie, &p);
	ctx->n.unbans++;
	log_info("unbanned %s", old.key);
	bans_op_emit_addr(ctx, 0, &old, "unbanned");
	return 0;
}

struct bans_op_list {
	struct bans_ctx	*ctx;
	void		**v;	/* owned copies */
	size_t		 n, cap;
	int64_t		 now;
	int		 expired_only;
};

static void
bans_op_list_push(struct bans_op_list *l, void *item)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = item;
}

static void
bans_op_collect_addr(void *arg, const struct bans_entry *e)
{
	struct bans_op_list *l = arg;

	if (!l->expired_only || e->until <= l->now)
		bans_op_list_push(l, bans_entry_dup(e));
}

static void
bans_op_collect_peer(void *arg, const struct bans_score *r)
{
	struct bans_op_list *l = arg;
	struct bans_score *c;

	if (r->until == 0 || (l->expired_only && r->until > l->now))
		return;
	c = xmalloc(sizeof(*c));
	bans_score_copy(c, r);
	bans_op_list_push(l, c);
}

int
bans_op_clear(struct bans_ctx *ctx, char *err, size_t len)
{
	struct bans_op_list a = { .ctx = ctx }, p = { .ctx = ctx };

	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	if (bans_store_begin(ctx->store) != 0 ||
	    bans_store_clear_addrs(ctx->store) != 0 ||
	    bans_store_clear_peer_bans(ctx->store) != 0 ||
	    bans_store_notify(ctx->store, 'c', "") != 0 ||
	    bans_store_commit(ctx->store) != 0)
		return bans_op_abort(ctx, err, len);
	bans_trie_walk(ctx->trie, bans_op_collect_addr, &a);
	bans_scores_walk(ctx->scores, bans_op_collect_peer, &p);
	bans_trie_clear(ctx->trie);
	for (size_t i = 0; i < a.n; i++) {
		bans_op_emit_addr(ctx, 0, a.v[i], "cleared");
		bans_entry_free(a.v[i]);
	}
	for (size_t i = 0; i < p.n; i++) {
		struct bans_score *r = p.v[i];
		bans_scores_del(ctx->scores, r->peer_id);
		bans_op_emit_peer(ctx, 0, r, "cleared");
		bans_score_fini(r);
		free(r);
	}
	ctx->n.unbans += a.n + p.n;
	log_info("cleared %zu address and %zu peer bans", a.n, p.n);
	free(a.v);
	free(p.v);
	return 0;
}

int
bans_op_is_banned(struct bans_ctx *ctx, const char *what,
    const struct bans_entry **match, const struct bans_score **peer,
    char *err, size_t len)
{
	struct bans_prefix p;
	int64_t now = bans_op_now_s(ctx);

	*match = NULL;
	*peer = NULL;
	ctx->n.lookups++;
	if (bans_addr_parse(what, strlen(what), &p) != BANS_ADDR_OK &&
	    bans_addr_is_peer_id(what)) {
		const struct bans_score *r = bans_scores_get(ctx->scores, what);
		if (r != NULL && bans_scores_banned(r, now)) {
			*peer = r;
			ctx->n.hits++;
		}
		return 0;
	}
	if (bans_op_parse(ctx, what, &p, err, len) != 0)
		return TP__IPC_STATUS__IPC_ERR_INVALID;
	if ((*match = bans_trie_match(ctx->trie, &p, now)) != NULL)
		ctx->n.hits++;
	return 0;
}

static int
bans_op_peer_check(struct bans_ctx *ctx, const char *peer, const char *reason,
    char *err, size_t len)
{
	if (!bans_addr_is_peer_id(peer))
		return bans_op_invalid(ctx, err, len, "invalid peer ID \"%.64s\""
		    ": %s", peer, "not base58 or longer than 128 characters");
	return bans_op_reason(ctx, reason, err, len);
}

/* The address bans that go with a peer crossing its threshold. */
static size_t
bans_op_peer_addrs(struct bans_ctx *ctx, const struct bans_score *r,
    char *const *addrs, size_t naddrs, struct bans_entry *out)
{
	size_t n = 0;

	for (size_t i = 0; i < naddrs && n < 16; i++) {
		struct bans_entry *e = &out[n];

		memset(e, 0, sizeof(*e));
		if (bans_addr_parse(addrs[i], strlen(addrs[i]), &e->pfx) !=
		    BANS_ADDR_OK) {
			log_warn("peer %s: not banning address \"%.64s\": "
			    "not an IP address", r->peer_id, addrs[i]);
			continue;
		}
		if (!bans_op_room(ctx, &e->pfx)) {
			log_warn("peer %s: ban list full, not banning %.64s",
			    r->peer_id, addrs[i]);
			continue;
		}
		bans_addr_key(&e->pfx, e->key);
		e->until = r->until;
		snprintf(e->reason, sizeof(e->reason), "peer %.60s: %.60s",
		    r->peer_id, r->ban_reason);
		n++;
	}
	return n;
}

static int
bans_op_commit_peer(struct bans_ctx *ctx, const struct bans_score *r,
    const char *victim, const struct bans_entry *addrs, size_t naddrs)
{
	if (bans_store_begin(ctx->store) != 0)
		return -1;
	if (victim != NULL && (bans_store_del_peer(ctx->store, victim) != 0 ||
	    bans_store_notify(ctx->store, 'p', victim) != 0))
		return -1;
	if (bans_store_put_peer(ctx->store, r) != 0 ||
	    bans_store_notify(ctx->store, 'p', r->peer_id) != 0)
		return -1;
	for (size_t i = 0; i < naddrs; i++)
		if (bans_store_put_addr(ctx->store, &addrs[i]) != 0 ||
		    bans_store_notify(ctx->store, 'a', addrs[i].key) != 0)
			return -1;
	return bans_store_commit(ctx->store);
}

/* After the commit: memory and events for a peer ban and its addresses. */
static void
bans_op_apply_peer(struct bans_ctx *ctx, const struct bans_score *r,
    int crossed, const struct bans_entry *addrs, size_t naddrs)
{
	bans_scores_put(ctx->scores, r);
	if (!crossed)
		return;
	ctx->n.peer_bans++;
	log_info("banned peer %s until %lld: %s (score %d)", r->peer_id,
	    (long long)r->until, r->ban_reason, r->score);
	bans_op_emit_peer(ctx, 1, r, r->ban_reason);
	for (size_t i = 0; i < naddrs; i++) {
		bans_trie_put(ctx->trie, bans_entry_dup(&addrs[i]));
		ctx->n.bans++;
		bans_op_emit_addr(ctx, 1, &addrs[i], addrs[i].reason);
	}
}

int
bans_op_add_score(struct bans_ctx *ctx, const char *peer, const char *reason,
    char *const *addrs, size_t naddrs, struct bans_score *out, char *err,
    size_t len)
{
	struct bans_entry ents[16];
	struct bans_score r;
	const struct bans_score *v = NULL;
	char victim[BANS_PEER_MAX + 1];
	size_t n = 0;
	int crossed;
	uint64_t now = bans_op_now_ms(ctx);

	if (bans_op_peer_check(ctx, peer, reason, err, len) != 0)
		return TP__IPC_STATUS__IPC_ERR_INVALID;
	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	if (bans_scores_preview(ctx->scores, peer, reason, now, &r,
	    &crossed) != 0) {
		ctx->n.refused_full++;
		snprintf(err, len, "ban score table full of banned peers "
		    "(p2p_ban_max_entries = %zu)", ctx->scfg.max_entries);
		return TP__IPC_STATUS__IPC_ERR_FULL;
	}
	if (bans_scores_get(ctx->scores, peer) == NULL &&
	    bans_scores_count(ctx->scores) >= ctx->scfg.max_entries &&
	    (v = bans_scores_victim(ctx->scores, now)) != NULL)
		snprintf(victim, sizeof(victim), "%s", v->peer_id);
	if (crossed)
		n = bans_op_peer_addrs(ctx, &r, addrs, naddrs, ents);
	if (bans_op_commit_peer(ctx, &r, v ? victim : NULL, ents, n) != 0) {
		bans_score_fini(&r);
		return bans_op_abort(ctx, err, len);
	}
	if (v != NULL)
		bans_scores_del(ctx->scores, victim);
	ctx->n.score_adds++;
	bans_op_apply_peer(ctx, &r, crossed, ents, n);
	if (out != NULL)
		bans_score_copy(out, &r);
	bans_score_fini(&r);
	return 0;
}

int
bans_op_ban_peer(struct bans_ctx *ctx, const char *peer, int64_t until,
    const char *reason, struct bans_score *out, char *err, size_t len)
{
	const struct bans_score *old;
	struct bans_score r;
	int64_t now = bans_op_now_s(ctx);

	if (bans_op_peer_check(ctx, peer, reason, err, len) != 0)
		return TP__IPC_STATUS__IPC_ERR_INVALID;
	if (until == 0)
		until = now + (int64_t)((ctx->scfg.ban_ms + 999) / 1000);
	if (until <= now)
		return bans_op_invalid(ctx, err, len, "invalid ban end %s: %s",
		    "until_unix", "in the past");
	if (!bans_store_up(ctx->store))
		return bans_op_down(ctx, err, len);
	memset(&r, 0, sizeof(r));
	if ((old = bans_scores_get(ctx->scores, peer)) != NULL)
		bans_score_copy(&r, old);
	else {
		snprintf(r.peer_id, sizeof(r.peer_id), "%s", peer);
		r.last_ms = bans_op_now_ms(ctx);
	}
	r.until = until;
	snprintf(r.ban_reason, sizeof(r.ban_reason), "%s",
	    reason[0] ? reason : "manual");
	if (bans_op_commit_peer(ctx, &r, NULL, NULL, 0) != 0) {
		bans_score_fini(&r);
		return bans_op_abort(ctx, err, len);
	}
	bans_op_apply_peer(ctx, &r, 1, NULL, 0);
	if (out != NULL)
		bans_score_copy(out, &r);
	bans_score_fini(&r);
	return 0;
}

int
bans_op_reset_score(struct bans_ctx *ctx, const char *peer, char *err,
    size_t len)
{
	if (bans_op_peer_check(ctx, peer, "", err, len) != 0)
		return TP__IPC_STATUS__IPC_ERR_INVALID;
	if (bans_scores_get(ctx->scores, peer) == NULL)
		return 0;	/* nothing to reset */
	return bans_op_unban_peer(ctx, peer, err, len);
}

void
bans_op_sweep(struct bans_ctx *ctx)
{
	struct bans_op_list a = { .ctx = ctx, .expired_only = 1 };
	struct bans_op_list p = { .ctx = ctx, .expired_only = 1 };
	long rows = 0;

	a.now = p.now = bans_op_now_s(ctx);
	if (bans_store_up(ctx->store) &&
	    bans_store_expire(ctx->store, a.now, &rows) != 0)
		log_warn("sweep: expired bans stay in the store until the "
		    "next sweep");
	bans_trie_walk(ctx->trie, bans_op_collect_addr, &a);
	bans_scores_walk(ctx->scores, bans_op_collect_peer, &p);
	for (size_t i = 0; i < a.n; i++) {
		struct bans_entry *e = a.v[i];
		bans_trie_del(ctx->trie, &e->pfx);
		bans_op_emit_addr(ctx, 0, e, "expired");
		bans_entry_free(e);
	}
	for (size_t i = 0; i < p.n; i++) {
		struct bans_score *r = p.v[i];
		bans_scores_del(ctx->scores, r->peer_id);	/* score reset */
		bans_op_emit_peer(ctx, 0, r, "expired");
		bans_score_fini(r);
		free(r);
	}
	ctx->n.expired += a.n + p.n;
	if (a.n + p.n > 0 || rows > 0)
		log_info("sweep: %zu address and %zu peer bans expired "
		    "(%ld store rows)", a.n, p.n, rows);
	free(a.v);
	free(p.v);
}

struct bans_op_idle {
	struct bans_ctx	*ctx;
	char		**v;	/* owned peer IDs */
	size_t		  n, cap;
	uint64_t	  now;
};

static void
bans_op_collect_idle(void *arg, const struct bans_score *r)
{
	struct bans_op_idle *l = arg;

	if (r->until != 0 || bans_scores_current(l->ctx->scores, r, l->now) > 0)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(r->peer_id);
}

void
bans_op_decay(struct bans_ctx *ctx)
{
	struct bans_op_idle l = { .ctx = ctx, .now = bans_op_now_ms(ctx) };
	int ok = bans_store_up(ctx->store);

	bans_scores_walk(ctx->scores, bans_op_collect_idle, &l);
	if (l.n > 0 && ok) {
		ok = bans_store_begin(ctx->store) == 0;
		for (size_t i = 0; ok && i < l.n; i++)
			ok = bans_store_del_peer(ctx->store, l.v[i]) == 0;
		if (ok)
			ok = bans_store_commit(ctx->store) == 0;
		else
			bans_store_rollback(ctx->store);
	}
	for (size_t i = 0; i < l.n; i++) {
		if (ok)
			bans_scores_del(ctx->scores, l.v[i]);
		free(l.v[i]);
	}
	if (l.n > 0 && ok)
		log_debug("forgot %zu peers whose score decayed to zero", l.n);
	free(l.v);
}

/* ---- loading from the store ---- */

struct bans_op_load {
	struct bans_ctx		*ctx;
	struct bans_trie	*trie;		/* new contents */
	struct bans_scores	*scores;
	struct bans_trie	*other;		/* for the diff */
	struct bans_scores	*other_scores;
	int64_t			 now;
	size_t			 skipped;
	int			 banned;	/* emitting Banned or Unbanned */
};

/* A row as an entry; Teranode's rows may carry "ip:port" keys, so the
 * subnet column decides the prefix. */
static int
bans_op_row_entry(const struct bans_row_addr *row, int64_t now,
    struct bans_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (bans_addr_parse(row->subnet, strlen(row->subnet), &e->pfx) !=
	    BANS_ADDR_OK && bans_addr_parse(row->key, strlen(row->key),
	    &e->pfx) != BANS_ADDR_OK)
		return -1;
	if (row->until <= now)
		return 1;	/* expired: the sweeper deletes the row */
	bans_addr_key(&e->pfx, e->key);
	e->until = row->until;
	snprintf(e->reason, sizeof(e->reason), "%s", row->reason);
	return 0;
}

static void
bans_op_load_addr(void *arg, const struct bans_row_addr *row)
{
	struct bans_op_load *l = arg;
	struct bans_entry e;
	int rc = bans_op_row_entry(row, l->now, &e);

	if (rc < 0) {
		l->skipped++;
		log_warn("ban store: skipping row \"%.64s\": bad subnet "
		    "\"%.64s\"", row->key, row->subnet);
	} else if (rc == 0)
		bans_trie_put(l->trie, bans_entry_dup(&e));
}

static void
bans_op_load_peer(void *arg, const struct bans_score *r)
{
	struct bans_op_load *l = arg;

	if (!bans_addr_is_peer_id(r->peer_id)) {
		l->skipped++;
		return;
	}
	bans_scores_put(l->scores, r);
}

/* Entries of one side missing (or different) on the other: events. */
static void
bans_op_diff_addr(void *arg, const struct bans_entry *e)
{
	struct bans_op_load *l = arg;
	const struct bans_entry *o = bans_trie_get(l->other, &e->pfx);

	if (l->banned && (o == NULL || o->until != e->until))
		bans_op_emit_addr(l->ctx, 1, e, e->reason);
	else if (!l->banned && o == NULL)
		bans_op_emit_addr(l->ctx, 0, e, "unbanned elsewhere");
}

static void
bans_op_diff_peer(void *arg, const struct bans_score *r)
{
	struct bans_op_load *l = arg;
	const struct bans_score *o = bans_scores_get(l->other_scores,
	    r->peer_id);
	int was = o != NULL && bans_scores_banned(o, l->now);

	if (!bans_scores_banned(r, l->now))
		return;
	if (l->banned && (!was || o->until != r->until))
		bans_op_emit_peer(l->ctx, 1, r, r->ban_reason);
	else if (!l->banned && !was)
		bans_op_emit_peer(l->ctx, 0, r, "unbanned elsewhere");
}

int
bans_op_reload(struct bans_ctx *ctx, int emit)
{
	struct bans_op_load l = { .ctx = ctx, .now = bans_op_now_s(ctx) };

	l.trie = bans_trie_new();
	l.scores = bans_scores_new(&ctx->scfg);
	if (bans_store_load_addrs(ctx->store, bans_op_load_addr, &l) != 0 ||
	    bans_store_load_peers(ctx->store, bans_op_load_peer, &l) != 0) {
		bans_trie_free(l.trie);
		bans_scores_free(l.scores);
		return -1;
	}
	if (emit) {
		/* old entries gone from the store: Unbanned */
		l.other = l.trie;
		l.other_scores = l.scores;
		bans_trie_walk(ctx->trie, bans_op_diff_addr, &l);
		bans_scores_walk(ctx->scores, bans_op_diff_peer, &l);
		/* new or changed entries: Banned */
		l.banned = 1;
		l.other = ctx->trie;
		l.other_scores = ctx->scores;
		bans_trie_walk(l.trie, bans_op_diff_addr, &l);
		bans_scores_walk(l.scores, bans_op_diff_peer, &l);
	}
	bans_trie_free(ctx->trie);
	bans_scores_free(ctx->scores);
	ctx->trie = l.trie;
	ctx->scores = l.scores;
	ctx->n.reloads++;
	if (bans_trie_count(ctx->trie) > ctx->max_entries)
		log_warn("the store holds %zu address bans, more than "
		    "p2p_ban_max_entries (%zu); new bans will be refused",
		    bans_trie_count(ctx->trie), ctx->max_entries);
	log_debug("loaded %zu address bans and %zu peer scores (%zu rows "
	    "skipped)", bans_trie_count(ctx->trie),
	    bans_scores_count(ctx->scores), l.skipped);
	return 0;
}

/* ---- changes made by other instances ---- */

struct bans_op_one {
	struct bans_ctx		*ctx;
	int			 found;
	struct bans_entry	 e;
	struct bans_score	 r;
};

static void
bans_op_one_addr(void *arg, const struct bans_row_addr *row)
{
	struct bans_op_one *o = arg;

	if (!o->found && bans_op_row_entry(row, bans_op_now_s(o->ctx),
	    &o->e) == 0)
		o->found = 1;
}

static void
bans_op_one_peer(void *arg, const struct bans_score *r)
{
	struct bans_op_one *o = arg;

	if (o->found++ == 0)
		bans_score_copy(&o->r, r);
}

static void
bans_op_notified_addr(struct bans_ctx *ctx, const char *key)
{
	struct bans_op_one o = { .ctx = ctx };
	struct bans_prefix p;
	struct bans_entry *cur, old;
	char cidr[BANS_KEY_MAX];

	if (bans_addr_parse(key, strlen(key), &p) != BANS_ADDR_OK)
		return;
	bans_addr_cidr(&p, cidr);
	if (bans_store_get_addr(ctx->store, key, cidr, bans_op_one_addr, &o) !=
	    0)
		return;
	cur = bans_trie_get(ctx->trie, &p);
	if (o.found) {
		if (cur == NULL || cur->until != o.e.until)
			bans_op_emit_addr(ctx, 1, &o.e, o.e.reason);
		bans_trie_put(ctx->trie, bans_entry_dup(&o.e));
	} else if (cur != NULL) {
		old = *cur;
		bans_trie_del(ctx->trie, &p);
		bans_op_emit_addr(ctx, 0, &old, "unbanned elsewhere");
	}
}

static void
bans_op_notified_peer(struct bans_ctx *ctx, const char *peer)
{
	struct bans_op_one o = { .ctx = ctx };
	const struct bans_score *cur;
	int64_t now = bans_op_now_s(ctx);
	int was;

	if (!bans_addr_is_peer_id(peer) ||
	    bans_store_get_peer(ctx->store, peer, bans_op_one_peer, &o) != 0)
		return;
	cur = bans_scores_get(ctx->scores, peer);
	was = cur != NULL && bans_scores_banned(cur, now);
	if (o.found) {
		if (bans_scores_banned(&o.r, now) && (!was ||
		    cur->until != o.r.until))
			bans_op_emit_peer(ctx, 1, &o.r, o.r.ban_reason);
		else if (was && !bans_scores_banned(&o.r, now))
			bans_op_emit_peer(ctx, 0, cur, "unbanned elsewhere");
		bans_scores_put(ctx->scores, &o.r);
		bans_score_fini(&o.r);
	} else if (cur != NULL) {
		if (was)
			bans_op_emit_peer(ctx, 0, cur, "unbanned elsewhere");
		bans_scores_del(ctx->scores, peer);
	}
}

void
bans_op_notified(void *arg, char kind, const char *what)
{
	struct bans_ctx *ctx = arg;

	ctx->n.notifications++;
	if (kind == 'a')
		bans_op_notified_addr(ctx, what);
	else if (kind == 'p')
		bans_op_notified_peer(ctx, what);
	else if (kind == 'c')
		bans_op_reload(ctx, 1);
}
