/*
 * The ban-manager worker (terap2pd -R bans).  Owns the IP/subnet ban list
 * (a prefix trie in memory, the bans table in the store), the ban scores of
 * libp2p peer IDs, and the ban store connection.  Serves bans.rep (BanAddr,
 * UnbanAddr, ListBanned, ClearBanned, IsBannedAddr, AddBanScore, BanPeer,
 * GetBanScore, IsPeerBanned, ResetBanScore, ListScores) for the gossip,
 * kafka and api workers, and publishes Banned/Unbanned on bans.pub.  This
 * file is the loop: start-up, timers (sweep, score decay, reload backstop,
 * reconnect with backoff), the store's notification socket, and the
 * table-driven dispatch; ban_manager_ops.c does the work.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban_manager.h"
#include "config.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define BANS_LIST_PAGE		10000	/* most entries in one reply */
#define BANS_BACKOFF_MIN_MS	250
#define BANS_BACKOFF_MAX_MS	8000

typedef void bans_handler(struct bans_ctx *, struct ipc_req *,
    const ipc_env *);

static void	bans_store_watch(struct bans_ctx *);

/* ---- replies ---- */

static void
bans_reply_status(struct ipc_req *req, int status, const char *err)
{
	ipc_env rep = TP__ENVELOPE__INIT;

	if (status != 0) {
		ipc_reply_error(req, status, "%s", err);
		return;
	}
	ipc_reply(req, &rep);	/* Ack */
}

/* A score record as a BanScoreRep; strings borrowed from r. */
static void
bans_score_rep(struct bans_ctx *ctx, const struct bans_score *r,
    const char *peer, Tp__BanScoreRep *out)
{
	tp__ban_score_rep__init(out);
	out->peer_id = (char *)peer;
	if (r == NULL)
		return;
	out->score = bans_scores_current(ctx->scores, r,
	    bans_op_now_ms(ctx));
	out->banned = bans_scores_banned(r, (int64_t)(bans_op_now_ms(ctx) /
	    1000));
	out->until_unix = out->banned ? r->until : 0;
	out->n_reasons = r->nreasons;
	out->reasons = (char **)r->reasons;
}

static void
bans_reply_score(struct bans_ctx *ctx, struct ipc_req *req,
    const struct bans_score *r, const char *peer)
{
	Tp__BanScoreRep s;
	ipc_env rep = TP__ENVELOPE__INIT;

	bans_score_rep(ctx, r, peer, &s);
	rep.body_case = TP__ENVELOPE__BODY_BAN_SCORE_REP;
	rep.ban_score_rep = &s;
	ipc_reply(req, &rep);
}

/* ---- handlers: each unpacks, calls an op, packs ---- */

static void
bans_on_ban_addr(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	const Tp__BanAddrReq *q = m->ban_addr_req;
	struct bans_entry e;
	Tp__IsBannedRep b = TP__IS_BANNED_REP__INIT;
	ipc_env rep = TP__ENVELOPE__INIT;
	struct bans_prefix p;
	char err[384];
	int rc;

	if (bans_addr_parse(q->addr, strlen(q->addr), &p) == BANS_ADDR_OK &&
	    bans_addr_too_broad(&p) && !q->force) {
		ctx->n.invalid++;
		snprintf(err, sizeof(err), "refusing to ban %.64s: a prefix "
		    "shorter than /%d (IPv4) or /%d (IPv6) cuts this node off "
		    "from much of the Internet; resend with force (\"force\": true "
		    "in REST, terap2pctl bans add --force) to mean it", q->addr,
		    BANS_MIN_PLEN4, BANS_MIN_PLEN6);
		bans_reply_status(req, TP__IPC_STATUS__IPC_ERR_INVALID, err);
		return;
	}
	rc = bans_op_ban_addr(ctx, q->addr, q->until_unix, q->reason, &e, err,
	    sizeof(err));
	if (rc != 0) {
		bans_reply_status(req, rc, err);
		return;
	}
	b.banned = 1;
	b.until_unix = e.until;
	b.matched = e.key;
	rep.body_case = TP__ENVELOPE__BODY_IS_BANNED_REP;
	rep.is_banned_rep = &b;
	ipc_reply(req, &rep);
}

static void
bans_on_unban(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	char err[256];

	bans_reply_status(req, bans_op_unban(ctx, m->unban_addr_req->addr, err,
	    sizeof(err)), err);
}

static void
bans_on_clear(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	char err[256];

	(void)m;
	bans_reply_status(req, bans_op_clear(ctx, err, sizeof(err)), err);
}

static void
bans_on_is_banned(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	const struct bans_entry *e;
	const struct bans_score *r;
	Tp__IsBannedRep b = TP__IS_BANNED_REP__INIT;
	ipc_env rep = TP__ENVELOPE__INIT;
	char err[256];
	int rc;

	rc = bans_op_is_banned(ctx, m->is_banned_addr_req->addr, &e, &r, err,
	    sizeof(err));
	if (rc != 0) {
		/* Not banned, and why: callers treating errors as "no" agree. */
		rep.status = rc;
		rep.error = err;
	} else if (e != NULL) {
		b.banned = 1;
		b.until_unix = e->until;
		b.matched = (char *)e->key;
	} else if (r != NULL) {
		b.banned = 1;
		b.until_unix = r->until;
		b.matched = (char *)r->peer_id;
	}
	rep.body_case = TP__ENVELOPE__BODY_IS_BANNED_REP;
	rep.is_banned_rep = &b;
	ipc_reply(req, &rep);
}

static void
bans_on_add_score(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	const Tp__AddBanScoreReq *q = m->add_ban_score_req;
	struct bans_score r;
	char err[256];
	int rc;

	memset(&r, 0, sizeof(r));
	rc = bans_op_add_score(ctx, q->peer_id, q->reason, q->addrs,
	    q->n_addrs, &r, err, sizeof(err));
	if (rc != 0) {
		bans_reply_status(req, rc, err);
		return;
	}
	bans_reply_score(ctx, req, &r, r.peer_id);
	bans_score_fini(&r);
}

static void
bans_on_ban_peer(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	const Tp__BanPeerReq *q = m->ban_peer_req;
	struct bans_score r;
	char err[256];
	int rc;

	memset(&r, 0, sizeof(r));
	rc = bans_op_ban_peer(ctx, q->peer_id, q->until_unix, q->reason, &r,
	    err, sizeof(err));
	if (rc != 0) {
		bans_reply_status(req, rc, err);
		return;
	}
	bans_reply_score(ctx, req, &r, r.peer_id);
	bans_score_fini(&r);
}

static void
bans_on_get_score(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	const char *peer = m->body_case == TP__ENVELOPE__BODY_GET_BAN_SCORE_REQ ?
	    m->get_ban_score_req->peer_id : m->is_peer_banned_req->peer_id;

	if (!bans_addr_is_peer_id(peer)) {
		ctx->n.invalid++;
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID,
		    "invalid peer ID \"%.64s\": not base58 or longer than 128 "
		    "characters", peer);
		return;
	}
	if (m->body_case == TP__ENVELOPE__BODY_IS_PEER_BANNED_REQ)
		ctx->n.lookups++;
	bans_reply_score(ctx, req, bans_scores_get(ctx->scores, peer), peer);
}

static void
bans_on_reset(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	char err[256];

	bans_reply_status(req, bans_op_reset_score(ctx,
	    m->reset_ban_score_req->peer_id, err, sizeof(err)), err);
}

/* ---- listing, in pages ---- */

struct bans_page {
	struct bans_ctx	*ctx;
	size_t		 skip, limit, total;
	int64_t		 now;
	void		**v;	/* owned protobuf items */
	size_t		 n;
	char		(*subnets)[BANS_KEY_MAX];	/* owned */
};

static int
bans_page_take(struct bans_page *pg)
{
	pg->total++;
	if (pg->total <= pg->skip || pg->n >= pg->limit)
		return 0;
	return 1;
}

static void
bans_page_addr(void *arg, const struct bans_entry *e)
{
	struct bans_page *pg = arg;
	Tp__BanEntry *b;

	if (e->until <= pg->now || !bans_page_take(pg))
		return;
	b = xmalloc(sizeof(*b));
	tp__ban_entry__init(b);
	b->key = (char *)e->key;
	bans_addr_cidr(&e->pfx, pg->subnets[pg->n]);
	b->subnet = pg->subnets[pg->n];
	b->until_unix = e->until;
	b->reason = (char *)e->reason;
	pg->v[pg->n++] = b;
}

static void
bans_page_peer_ban(void *arg, const struct bans_score *r)
{
	struct bans_page *pg = arg;
	Tp__BanEntry *b;

	if (!bans_scores_banned(r, pg->now) || !bans_page_take(pg))
		return;
	b = xmalloc(sizeof(*b));
	tp__ban_entry__init(b);
	b->key = (char *)r->peer_id;
	b->peer_id = (char *)r->peer_id;
	b->until_unix = r->until;
	b->reason = (char *)r->ban_reason;
	pg->v[pg->n++] = b;
}

static void
bans_page_init(struct bans_page *pg, struct bans_ctx *ctx, uint32_t offset,
    uint32_t limit)
{
	memset(pg, 0, sizeof(*pg));
	pg->ctx = ctx;
	pg->skip = offset;
	pg->limit = limit == 0 || limit > BANS_LIST_PAGE ? BANS_LIST_PAGE :
	    limit;
	pg->now = (int64_t)(bans_op_now_ms(ctx) / 1000);
	pg->v = xcalloc(pg->limit, sizeof(*pg->v));
}

static void
bans_page_free(struct bans_page *pg)
{
	for (size_t i = 0; i < pg->n; i++)
		free(pg->v[i]);
	free(pg->v);
	free(pg->subnets);
}

static void
bans_on_list(struct bans_ctx *ctx, struct ipc_req *req, const ipc_env *m)
{
	const Tp__ListBannedReq *q = m->list_banned_req;
	Tp__ListBannedRep l = TP__LIST_BANNED_REP__INIT;
	ipc_env rep = TP__ENVELOPE__INIT;
	struct bans_page pg;

	bans_page_init(&pg, ctx, q->offset, q->limit);
	pg.subnets = xcalloc(pg.limit, sizeof(*pg.subnets));
	bans_trie_walk(ctx->trie, bans_page_addr, &pg);
	bans_scores_walk(ctx->scores, bans_page_peer_ban, &pg);
	l.entries = (Tp__BanEntry **)pg.v;
	l.n_entries = pg.n;
	l.total = (uint32_t)pg.total;
	rep.body_case = TP__ENVELOPE__BODY_LIST_BANNED_REP;
	rep.list_banned_rep = &l;
	ipc_reply(req, &rep);
	bans_page_free(&pg);
}

static void
bans_page_score(void *arg, const struct bans_score *r)
{
	struct bans_page *pg = arg;
	Tp__BanScoreRep *s;

	if (!bans_page_take(pg))
		return;
	s = xmalloc(sizeof(*s));
	bans_score_rep(pg->ctx, r, r->peer_id, s);
	pg->v[pg->n++] = s;
}

static void
bans_on_list_scores(struct bans_ctx *ctx, struct ipc_req *req,
    const ipc_env *m)
{
	const Tp__ListScoresReq *q = m->list_scores_req;
	Tp__ListScoresRep l = TP__LIST_SCORES_REP__INIT;
	ipc_env rep = TP__ENVELOPE__INIT;
	struct bans_page pg;

	bans_page_init(&pg, ctx, q->offset, q->limit);
	bans_scores_walk(ctx->scores, bans_page_score, &pg);
	l.scores = (Tp__BanScoreRep **)pg.v;
	l.n_scores = pg.n;
	l.total = (uint32_t)pg.total;
	rep.body_case = TP__ENVELOPE__BODY_LIST_SCORES_REP;
	rep.list_scores_rep = &l;
	ipc_reply(req, &rep);
	bans_page_free(&pg);
}

static const struct {
	Tp__Envelope__BodyCase	 kind;
	bans_handler		*fn;
} bans_handlers[] = {
	{ TP__ENVELOPE__BODY_BAN_ADDR_REQ,	bans_on_ban_addr },
	{ TP__ENVELOPE__BODY_UNBAN_ADDR_REQ,	bans_on_unban },
	{ TP__ENVELOPE__BODY_LIST_BANNED_REQ,	bans_on_list },
	{ TP__ENVELOPE__BODY_CLEAR_BANNED_REQ,	bans_on_clear },
	{ TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ, bans_on_is_banned },
	{ TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ,	bans_on_add_score },
	{ TP__ENVELOPE__BODY_BAN_PEER_REQ,	bans_on_ban_peer },
	{ TP__ENVELOPE__BODY_GET_BAN_SCORE_REQ,	bans_on_get_score },
	{ TP__ENVELOPE__BODY_IS_PEER_BANNED_REQ, bans_on_get_score },
	{ TP__ENVELOPE__BODY_RESET_BAN_SCORE_REQ, bans_on_reset },
	{ TP__ENVELOPE__BODY_LIST_SCORES_REQ,	bans_on_list_scores },
};

/* Requests come from other workers and, through api, from REST: input. */
static void
bans_dispatch(void *arg, struct ipc_req *req, const ipc_env *msg)
{
	struct bans_ctx *ctx = arg;

	for (size_t i = 0; i < TP_ARRAY_LEN(bans_handlers); i++)
		if (bans_handlers[i].kind == msg->body_case) {
			bans_handlers[i].fn(ctx, req, msg);
			bans_store_watch(ctx);
			return;
		}
	ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED,
	    "bans does not handle %s", ipc_body_name(msg->body_case));
}

/* ---- the store connection: notifications, reconnect with backoff ---- */

static void
bans_on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct bans_ctx *ctx = arg;

	(void)fd;
	(void)what;
	bans_store_poll(ctx->store, bans_op_notified, ctx);
	bans_store_watch(ctx);
}

static void
bans_on_reconnect(evutil_socket_t fd, short what, void *arg)
{
	struct bans_ctx *ctx = arg;

	(void)fd;
	(void)what;
	if (bans_store_reconnect(ctx->store) == 0) {
		ctx->n.reconnects++;
		ctx->backoff_ms = 0;
		bans_op_reload(ctx, 1);	/* catch up on missed changes */
	} else if (ctx->backoff_ms < BANS_BACKOFF_MAX_MS)
		ctx->backoff_ms *= 2;
	bans_store_watch(ctx);
}

static struct timeval
bans_tv(uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
		(suseconds_t)(ms % 1000) * 1000 };
	return tv;
}

/*
 * After anything that touched the store: watch its socket while it is up,
 * or arm the reconnect timer (250 ms doubling to 8 s) while it is down.
 */
static void
bans_store_watch(struct bans_ctx *ctx)
{
	struct timeval tv;
	int fd = bans_store_fd(ctx->store);

	if (ctx->p->stopping)
		return;
	if (ctx->notify_ev != NULL && (fd < 0 ||
	    event_get_fd(ctx->notify_ev) != fd)) {
		event_free(ctx->notify_ev);
		ctx->notify_ev = NULL;
	}
	if (fd >= 0 && ctx->notify_ev == NULL) {
		ctx->notify_ev = event_new(ctx->p->base, fd, EV_READ |
		    EV_PERSIST, bans_on_notify, ctx);
		event_add(ctx->notify_ev, NULL);
	}
	if (bans_store_up(ctx->store) || evtimer_pending(ctx->reconnect_ev, NULL))
		return;
	if (ctx->backoff_ms == 0)
		ctx->backoff_ms = BANS_BACKOFF_MIN_MS;
	tv = bans_tv(ctx->backoff_ms);
	evtimer_add(ctx->reconnect_ev, &tv);
}

/* ---- timers ---- */

static void
bans_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bans_op_sweep(arg);
	bans_store_watch(arg);
}

static void
bans_on_decay(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	bans_op_decay(arg);
	bans_store_watch(arg);
}

static void
bans_on_reload(evutil_socket_t fd, short what, void *arg)
{
	struct bans_ctx *ctx = arg;

	(void)fd;
	(void)what;
	if (bans_store_up(ctx->store))
		bans_op_reload(ctx, 1);
	bans_store_watch(ctx);
}

static struct event *
bans_timer(struct bans_ctx *ctx, uint64_t ms, event_callback_fn cb)
{
	struct event *ev = event_new(ctx->p->base, -1, ms ? EV_PERSIST : 0,
	    cb, ctx);
	struct timeval tv = bans_tv(ms);

	if (ev == NULL)
		fatal("bans: event_new failed");
	if (ms > 0)
		event_add(ev, &tv);
	return ev;
}

/* ---- process hooks ---- */

static int
bans_health(void *arg, Tp__HealthRep *rep)
{
	struct bans_ctx *ctx = arg;
	char detail[400];
	int up = bans_store_up(ctx->store);

	snprintf(detail, sizeof(detail), "%s %s: %s", bans_store_kind(
	    ctx->store), bans_store_url(ctx->store), up ? "up" :
	    bans_store_detail(ctx->store));
	proc_health_dep(rep, "ban_store", up, detail);
	return up;
}

static void
bans_stats(void *arg, struct proc_stats *st)
{
	struct bans_ctx *ctx = arg;
	const struct bans_counters *n = &ctx->n;

	proc_stat_add(st, "ban_entries", (int64_t)bans_trie_count(ctx->trie));
	proc_stat_add(st, "peers_scored",
	    (int64_t)bans_scores_count(ctx->scores));
	proc_stat_add(st, "bans", (int64_t)n->bans);
	proc_stat_add(st, "unbans", (int64_t)n->unbans);
	proc_stat_add(st, "expired", (int64_t)n->expired);
	proc_stat_add(st, "lookups", (int64_t)n->lookups);
	proc_stat_add(st, "lookup_hits", (int64_t)n->hits);
	proc_stat_add(st, "score_adds", (int64_t)n->score_adds);
	proc_stat_add(st, "peer_bans", (int64_t)n->peer_bans);
	proc_stat_add(st, "refused_full", (int64_t)n->refused_full);
	proc_stat_add(st, "refused_store_down", (int64_t)n->refused_down);
	proc_stat_add(st, "invalid_requests", (int64_t)n->invalid);
	proc_stat_add(st, "reloads", (int64_t)n->reloads);
	proc_stat_add(st, "notifications", (int64_t)n->notifications);
	proc_stat_add(st, "events", (int64_t)n->events);
	proc_stat_add(st, "store_up", bans_store_up(ctx->store));
	proc_stat_add(st, "store_errors",
	    (int64_t)bans_store_errors(ctx->store));
	proc_stat_add(st, "store_reconnects", (int64_t)n->reconnects);
}

static void
bans_stop(void *arg)
{
	struct bans_ctx *ctx = arg;
	struct event **evs[] = { &ctx->sweep_ev, &ctx->decay_ev,
		&ctx->reload_ev, &ctx->reconnect_ev, &ctx->notify_ev };

	for (size_t i = 0; i < TP_ARRAY_LEN(evs); i++)
		if (*evs[i] != NULL) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	ctx->pub = NULL;	/* closed with the IPC hub */
}

static void
bans_config(struct bans_ctx *ctx, const struct config *cfg)
{
	ctx->max_entries = (size_t)config_int(cfg, "p2p_ban_max_entries");
	ctx->default_ms = config_duration_ms(cfg, "p2p_ban_default_duration");
	ctx->scfg.threshold = (int32_t)config_int(cfg, "p2p_ban_threshold");
	ctx->scfg.ban_ms = config_duration_ms(cfg, "p2p_ban_duration");
	ctx->scfg.decay_ms = config_duration_ms(cfg, "p2p_ban_decay_interval");
	ctx->scfg.decay_points = (int32_t)config_int(cfg,
	    "p2p_ban_decay_points");
	ctx->scfg.max_entries = ctx->max_entries;
}

int
bans_main(struct proc *p)
{
	struct bans_ctx ctx;
	char err[512];
	int code;

	memset(&ctx, 0, sizeof(ctx));
	ctx.p = p;
	bans_config(&ctx, p->cfg);
	if (bans_store_open(config_str(p->cfg, "ban_store_url"),
	    config_str(p->cfg, "data_dir"), &ctx.store, err, sizeof(err)) != 0)
		fatal_config("%s", err);
	ctx.trie = bans_trie_new();
	ctx.scores = bans_scores_new(&ctx.scfg);
	if (bans_store_up(ctx.store) && bans_op_reload(&ctx, 0) != 0)
		log_warn("cannot load bans yet; retrying");
	log_info("ban store %s (%s): %zu address bans, %zu peer scores",
	    bans_store_url(ctx.store), bans_store_up(ctx.store) ? "up" :
	    "unavailable", bans_trie_count(ctx.trie),
	    bans_scores_count(ctx.scores));
	p->hook_arg = &ctx;
	p->health = bans_health;
	p->stats = bans_stats;
	p->stop = bans_stop;
	p->dispatch = bans_dispatch;
	if (proc_serve(p) == -1)
		fatal_config("cannot serve bans.rep under %s", p->run_dir);
	if ((ctx.pub = ipc_pub_open(p->ipc, "bans.pub")) == NULL)
		fatal_config("cannot publish bans.pub under %s", p->run_dir);
	ctx.sweep_ev = bans_timer(&ctx, config_duration_ms(p->cfg,
	    "p2p_ban_sweep_interval"), bans_on_sweep);
	ctx.decay_ev = bans_timer(&ctx, ctx.scfg.decay_ms, bans_on_decay);
	ctx.reload_ev = bans_timer(&ctx, config_duration_ms(p->cfg,
	    "p2p_ban_reload_interval"), bans_on_reload);
	ctx.reconnect_ev = bans_timer(&ctx, 0, bans_on_reconnect);
	bans_store_watch(&ctx);
	proc_ready(p);
	code = proc_run(p);
	bans_stop(&ctx);
	bans_store_close(ctx.store);
	bans_trie_free(ctx.trie);
	bans_scores_free(ctx.scores);
	return code;
}
