/*
 * Gossip worker: the ban gate.  Every accepted or dialed connection's IP,
 * and every peer ID once its handshake is done, is checked with the ban
 * manager (bans.rep); a banned one is closed.  Banned events on bans.pub
 * drop live connections of the banned peer or subnet at once.  If the ban
 * manager does not answer in time, the connection is let through, and
 * every connection is checked again as soon as the ban manager answers.
 * A local copy of the address bans (a ListBanned snapshot whenever a new
 * ban manager is seen, then the Banned / Unbanned events) refuses a
 * banned address at once, whether or not the ban manager answers.  The gate remembers the ban
 * manager's scores and peer bans (loaded with ListScores when the ban
 * manager is first seen, and again whenever its pid changes, then kept by
 * the ScoreChanged / Banned / Unbanned events) and hands every change to
 * the Teranode layer's registry and sync peer selector.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gossip.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define GATE_TIMEOUT_MS	1000
#define GATE_BANNED_MAX	4096	/* peer IDs remembered from the ban manager */
#define GATE_POLL_MS	3000	/* look for a new ban manager */
#define GATE_PAGE	1000	/* ListScores entries per request */

#define GATE_ADDR_BANS_MAX	65536	/* address bans kept locally */

/* The ban manager's address bans, so an accept is checked at once. */
struct gate_addr_ban {
	char		subnet[64];	/* CIDR text */
	int64_t		until;		/* unix seconds */
	unsigned	gen;		/* snapshot generation it was seen in */
};

struct gate_addr_bans {
	struct gate_addr_ban	*v;		/* owned, n used of cap */
	size_t			 n, cap;
	unsigned		 gen;		/* the snapshot being taken */
	uint32_t		 taken;		/* entries of it so far */
};

/* Peer IDs the ban manager scored or banned (bans until their expiry). */
struct gossip_ban_cache {
	char		id[GATE_BANNED_MAX][P2P_PEER_ID_TEXT_MAX];
	int64_t		until[GATE_BANNED_MAX];		/* unix seconds */
	int		score[GATE_BANNED_MAX];
	size_t		used;		/* slots [0, used) ever filled */
	struct event	*poll;		/* owned: the ban manager's pid */
	int		pid;		/* of the ban manager loaded from */
	int		loading;	/* a ListScores walk is running */
	int		again;		/* load once more at the next poll */
	int		unchecked;	/* a check went unanswered: redo all */
	uint32_t	taken;		/* entries of it so far */
	struct gate_addr_bans addrs;	/* owned */
};

/* Which connection a pending check is about; conns may go away first. */
struct gate_check {
	struct gossip_ctx	*g;
	uint64_t		 conn_id;
};

int
gossip_gate_in_subnet(const struct sockaddr *sa, const char *cidr)
{
	uint8_t		 net[16], ip[16];
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*slash = strchr(cidr, '/');
	int		 af, bits, len, i;

	if (slash == NULL || (size_t)(slash - cidr) >= sizeof(host))
		return 0;
	snprintf(host, sizeof(host), "%.*s", (int)(slash - cidr), cidr);
	bits = atoi(slash + 1);
	af = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
	len = af == AF_INET ? 4 : 16;
	if (af != sa->sa_family || inet_pton(af, host, net) != 1 || bits < 0 ||
	    bits > len * 8)
		return 0;
	memcpy(ip, af == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr, len);
	for (i = 0; i < len && bits > 0; i++, bits -= 8) {
		uint8_t	mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((ip[i] & mask) != (net[i] & mask))
			return 0;
	}
	return 1;
}

static void
gate_addr_set(struct gate_addr_bans *a, const char *subnet, int64_t until)
{
	size_t	i;

	if (subnet[0] == '\0' || strlen(subnet) >= sizeof(a->v[0].subnet))
		return;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].subnet, subnet) == 0)
			break;
	if (i == a->n) {
		if (a->n == GATE_ADDR_BANS_MAX)
			return;		/* the ban manager still answers */
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 64;
			a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
		}
		a->n++;
	}
	snprintf(a->v[i].subnet, sizeof(a->v[i].subnet), "%s", subnet);
	a->v[i].until = until;
	a->v[i].gen = a->gen;
}

static void
gate_addr_del(struct gate_addr_bans *a, const char *subnet)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].subnet, subnet) == 0) {
			a->v[i] = a->v[--a->n];
			return;
		}
}

/* A snapshot is complete: what it did not list is no longer banned. */
static void
gate_addr_sweep(struct gate_addr_bans *a)
{
	size_t	i = 0;

	while (i < a->n)
		if (a->v[i].gen != a->gen)
			a->v[i] = a->v[--a->n];
		else
			i++;
}

/* The local ban covering c's address, or NULL. */
static const char *
gate_addr_match(struct gossip_ctx *g, const struct p2p_conn *c)
{
	const struct gate_addr_bans	*a;
	int64_t				 now = (int64_t)(util_wall_ms() / 1000);
	size_t				 i;

	if (g->banned == NULL)
		return NULL;
	a = &g->banned->addrs;
	for (i = 0; i < a->n; i++)
		if (a->v[i].until > now && gossip_gate_in_subnet(
		    (const struct sockaddr *)&c->sa, a->v[i].subnet))
			return a->v[i].subnet;
	return NULL;
}

/* Closes c if the local copy of the address bans covers it: 1, else 0. */
static int
gate_addr_refuse(struct gossip_ctx *g, struct p2p_conn *c)
{
	const char	*m = gate_addr_match(g, c);

	if (m == NULL)
		return 0;
	g->host.cnt.refused_banned++;
	p2p_conn_close(c, "banned (%s)", m);
	return 1;
}

/* A ban the ban manager named in a verdict: kept like an event's. */
static void
gate_addr_learn(struct gossip_ctx *g, const Tp__IsBannedRep *r)
{
	char	cidr[64];

	if (g->banned == NULL || r->matched[0] == '\0' ||
	    strlen(r->matched) > 48)
		return;
	snprintf(cidr, sizeof(cidr), "%s%s", r->matched,
	    strchr(r->matched, '/') != NULL ? "" :
	    strchr(r->matched, ':') != NULL ? "/128" : "/32");
	gate_addr_set(&g->banned->addrs, cidr, r->until_unix);
}

static void
gate_reply(void *arg, int err, const ipc_env *rep)
{
	struct gate_check	*ck = arg;
	struct gossip_ctx	*g = ck->g;
	struct p2p_conn	*c = p2p_host_find_id(&g->host, ck->conn_id);
	int			 banned = 0;

	free(ck);
	if (c == NULL)
		return;
	if (err != 0 || rep->status != 0) {
		log_debug("gossip: ban check of %s: %s", c->remote, err != 0 ?
		    "no answer" : rep->error);
		if (err != 0 && g->banned != NULL)
			g->banned->unchecked = 1;	/* let through for now */
		return;
	}
	if (rep->body_case == TP__ENVELOPE__BODY_IS_BANNED_REP)
		banned = rep->is_banned_rep->banned;
	else if (rep->body_case == TP__ENVELOPE__BODY_BAN_SCORE_REP) {
		banned = rep->ban_score_rep->banned;
		tn_ban_update(g->tn, c->peer_text, rep->ban_score_rep->score,
		    banned);
	}
	if (!banned)
		return;
	if (rep->body_case == TP__ENVELOPE__BODY_IS_BANNED_REP)
		gate_addr_learn(g, rep->is_banned_rep);
	g->host.cnt.refused_banned++;
	p2p_conn_close(c, "banned (%s)", rep->body_case ==
	    TP__ENVELOPE__BODY_IS_BANNED_REP ? rep->is_banned_rep->matched :
	    "peer ID");
}

static void
gate_ask(struct gossip_ctx *g, struct p2p_conn *c, const ipc_env *req)
{
	struct gate_check	*ck = xmalloc(sizeof(*ck));

	ck->g = g;
	ck->conn_id = c->id;
	if (g->bans == NULL ||
	    ipc_call(g->bans, req, GATE_TIMEOUT_MS, gate_reply, ck) == -1)
		free(ck);
}

void
gossip_gate_check_addr(struct gossip_ctx *g, struct p2p_conn *c)
{
	Tp__IsBannedAddrReq	r = TP__IS_BANNED_ADDR_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;
	char			host[INET6_ADDRSTRLEN];

	if (gate_addr_refuse(g, c))
		return;
	p2p_conn_ip(c, host, sizeof(host));
	r.addr = host;
	req.body_case = TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ;
	req.is_banned_addr_req = &r;
	gate_ask(g, c, &req);
}

void
gossip_gate_check_peer(struct gossip_ctx *g, struct p2p_conn *c)
{
	Tp__IsPeerBannedReq	r = TP__IS_PEER_BANNED_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	r.peer_id = c->peer_text;
	req.body_case = TP__ENVELOPE__BODY_IS_PEER_BANNED_REQ;
	req.is_peer_banned_req = &r;
	gate_ask(g, c, &req);
}

static void
gate_cache_set(struct gossip_ctx *g, const char *peer, int64_t until,
    int score)
{
	struct gossip_ban_cache	*bc = g->banned;
	int64_t			 now = (int64_t)(util_wall_ms() / 1000);
	size_t			 i, slot = GATE_BANNED_MAX, spare = GATE_BANNED_MAX;

	for (i = 0; i < GATE_BANNED_MAX; i++) {
		if (i == bc->used) {	/* past the slots ever filled */
			if (slot == GATE_BANNED_MAX) {
				slot = i;
				bc->used++;
			}
			break;
		}
		if (strcmp(bc->id[i], peer) == 0) {
			slot = i;
			break;
		}
		if (bc->until[i] > now)
			continue;
		if (slot == GATE_BANNED_MAX && bc->score[i] == 0)
			slot = i;	/* a free or expired entry */
		else if (spare == GATE_BANNED_MAX)
			spare = i;	/* a score without a ban */
	}
	if (slot == GATE_BANNED_MAX)
		slot = spare != GATE_BANNED_MAX ? spare :
		    (size_t)(now % GATE_BANNED_MAX);	/* full: reuse one */
	snprintf(bc->id[slot], sizeof(bc->id[slot]), "%s", peer);
	bc->until[slot] = until;
	bc->score[slot] = score;
}

/* The hook of the Teranode layer: what the ban manager said of peer. */
int
gossip_gate_ban_state(struct gossip_ctx *g, const char *peer, int *score,
    int *banned)
{
	struct gossip_ban_cache	*bc = g->banned;
	int64_t			 now = (int64_t)(util_wall_ms() / 1000);
	size_t			 i;

	for (i = 0; bc != NULL && i < bc->used; i++)
		if (strcmp(bc->id[i], peer) == 0) {
			*score = bc->score[i];
			*banned = bc->until[i] > now;
			return 0;
		}
	return -1;
}

/* One score record of the ban manager: cache, registry, selector. */
static void
gate_score(struct gossip_ctx *g, const Tp__BanScoreRep *r)
{
	if (r->peer_id[0] == '\0' ||
	    strlen(r->peer_id) >= P2P_PEER_ID_TEXT_MAX)
		return;
	gate_cache_set(g, r->peer_id, r->banned ? (r->until_unix > 0 ?
	    r->until_unix : INT64_MAX) : 0, r->score);
	tn_ban_update(g->tn, r->peer_id, r->score, r->banned);
}

int
gossip_gate_peer_banned(struct gossip_ctx *g, const char *peer)
{
	struct gossip_ban_cache	*bc = g->banned;
	int64_t			 now = (int64_t)(util_wall_ms() / 1000);
	size_t			 i;

	/* on every received message: only the slots ever filled */
	for (i = 0; bc != NULL && i < bc->used; i++)
		if (bc->until[i] > now && strcmp(bc->id[i], peer) == 0)
			return 1;
	return 0;
}

static void
gate_unbanned(struct gossip_ctx *g, const Tp__BanEvent *b)
{
	if (b->subnet[0] != '\0')
		gate_addr_del(&g->banned->addrs, b->subnet);
	if (b->peer_id[0] == '\0')
		return;
	gate_cache_set(g, b->peer_id, 0, 0);
	tn_ban_update(g->tn, b->peer_id, 0, 0);
}

/* bans.pub: drop what a new ban covers. */
static void
gate_banned(void *arg, const ipc_env *ev)
{
	struct gossip_ctx	*g = arg;
	const Tp__BanEvent	*b = ev->banned;
	struct p2p_conn	*c, *next;

	if (ev->body_case == TP__ENVELOPE__BODY_SCORE_CHANGED) {
		gate_score(g, ev->score_changed);
		return;
	}
	if (ev->body_case == TP__ENVELOPE__BODY_UNBANNED) {
		gate_unbanned(g, ev->unbanned);
		return;
	}
	if (b->peer_id[0] != '\0') {
		int	score = 0, banned;

		(void)gossip_gate_ban_state(g, b->peer_id, &score, &banned);
		gate_cache_set(g, b->peer_id, b->until_unix > 0 ?
		    b->until_unix : INT64_MAX, score);
		tn_ban_update(g->tn, b->peer_id, -1, 1);
	}
	if (b->subnet[0] != '\0')
		gate_addr_set(&g->banned->addrs, b->subnet, b->until_unix);

	for (c = TAILQ_FIRST(&g->host.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if ((b->peer_id[0] != '\0' && strcmp(b->peer_id,
		    c->peer_text) == 0) || (b->subnet[0] != '\0' &&
		    gossip_gate_in_subnet((struct sockaddr *)&c->sa,
		    b->subnet))) {
			g->host.cnt.dropped_banned++;
			p2p_conn_close(c, "banned: %s", b->reason[0] != '\0' ?
			    b->reason : "by the ban manager");
		}
	}
}

/* ---- loading what the ban manager knows ---- */

static void	gate_load_page(struct gossip_ctx *, uint32_t offset);
static void	gate_list_page(struct gossip_ctx *, uint32_t offset);

static void
gate_list_reply(void *arg, int err, const ipc_env *rep)
{
	struct gossip_ctx	*g = arg;
	struct gate_addr_bans	*a;
	const Tp__ListBannedRep	*l;
	size_t			 i;

	if (g->banned == NULL)
		return;
	a = &g->banned->addrs;
	if (err != 0 || rep->status != 0 ||
	    rep->body_case != TP__ENVELOPE__BODY_LIST_BANNED_REP) {
		log_warn("gossip: cannot load the ban manager's address bans: "
		    "%s", err != 0 ? "no answer" : rep->error);
		g->banned->pid = 0;	/* try again at the next poll */
		return;
	}
	l = rep->list_banned_rep;
	for (i = 0; i < l->n_entries; i++)
		if (l->entries[i]->peer_id[0] == '\0')
			gate_addr_set(a, l->entries[i]->subnet,
			    l->entries[i]->until_unix);
	a->taken += (uint32_t)l->n_entries;
	if (l->n_entries == 0 || a->taken >= l->total) {
		gate_addr_sweep(a);
		log_info("gossip: %zu address bans loaded from the ban manager",
		    a->n);
		return;
	}
	gate_list_page(g, a->taken);
}

static void
gate_list_page(struct gossip_ctx *g, uint32_t offset)
{
	Tp__ListBannedReq	q = TP__LIST_BANNED_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	q.offset = offset;
	q.limit = GATE_PAGE;
	req.body_case = TP__ENVELOPE__BODY_LIST_BANNED_REQ;
	req.list_banned_req = &q;
	if (ipc_call(g->bans, &req, 5000, gate_list_reply, g) == -1)
		g->banned->pid = 0;
}

static void
gate_load_reply(void *arg, int err, const ipc_env *rep)
{
	struct gossip_ctx	*g = arg;
	const Tp__ListScoresRep	*l;
	size_t			 i;

	if (g->banned == NULL)
		return;
	if (err != 0 || rep->status != 0 ||
	    rep->body_case != TP__ENVELOPE__BODY_LIST_SCORES_REP) {
		log_warn("gossip: cannot load the ban manager's scores: %s",
		    err != 0 ? "no answer" : rep->error);
		g->banned->loading = 0;
		g->banned->pid = 0;	/* try again at the next poll */
		return;
	}
	l = rep->list_scores_rep;
	for (i = 0; i < l->n_scores; i++)
		gate_score(g, l->scores[i]);
	g->banned->taken += (uint32_t)l->n_scores;
	if (l->n_scores == 0 || g->banned->taken >= l->total) {
		log_info("gossip: %u ban scores loaded from the ban manager",
		    g->banned->taken);
		g->banned->loading = 0;
		return;
	}
	gate_load_page(g, g->banned->taken);
}

static void
gate_load_page(struct gossip_ctx *g, uint32_t offset)
{
	Tp__ListScoresReq	q = TP__LIST_SCORES_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	q.offset = offset;
	q.limit = GATE_PAGE;
	req.body_case = TP__ENVELOPE__BODY_LIST_SCORES_REQ;
	req.list_scores_req = &q;
	if (ipc_call(g->bans, &req, 5000, gate_load_reply, g) == -1) {
		g->banned->loading = 0;
		g->banned->pid = 0;
	}
}

/*
 * The ban manager answers again after checks went unanswered (it was
 * stalled or restarting): ask again about every connection let through.
 */
static void
gate_recheck_all(struct gossip_ctx *g)
{
	struct p2p_conn	*c, *next;
	size_t			 n = 0;

	g->banned->unchecked = 0;
	for (c = TAILQ_FIRST(&g->host.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		n++;
		if (gate_addr_refuse(g, c))
			continue;
		gossip_gate_check_addr(g, c);
		if (c->state == P2P_CONN_OPEN)
			gossip_gate_check_peer(g, c);
	}
	log_info("gossip: the ban manager answers again: %zu connections "
	    "checked again", n);
}

/* The ban manager's health: a new pid means a new ban manager to load. */
static void
gate_poll_reply(void *arg, int err, const ipc_env *rep)
{
	struct gossip_ctx	*g = arg;

	if (g->banned == NULL || err != 0 || rep->status != 0 ||
	    rep->body_case != TP__ENVELOPE__BODY_HEALTH_REP)
		return;
	if (g->banned->unchecked)
		gate_recheck_all(g);
	if (g->banned->loading)
		return;
	if (rep->health_rep->pid == g->banned->pid) {
		/*
		 * A new ban manager answers before our bans.pub subscription
		 * has reconnected to it: an event it sent in between is lost.
		 * Loading again one poll later covers that gap.
		 */
		if (!g->banned->again)
			return;
		g->banned->again = 0;
	} else
		g->banned->again = 1;
	g->banned->pid = rep->health_rep->pid;
	g->banned->loading = 1;
	g->banned->taken = 0;
	gate_load_page(g, 0);
	g->banned->addrs.gen++;
	g->banned->addrs.taken = 0;
	gate_list_page(g, 0);
}

static void
gate_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gossip_ctx	*g = arg;
	Tp__HealthReq		 h = TP__HEALTH_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT;
	struct timeval		 tv = { GATE_POLL_MS / 1000, 0 };

	(void)fd;
	(void)what;
	req.body_case = TP__ENVELOPE__BODY_HEALTH_REQ;
	req.health_req = &h;
	if (g->bans != NULL)
		ipc_call(g->bans, &req, GATE_TIMEOUT_MS, gate_poll_reply, g);
	evtimer_add(g->banned->poll, &tv);
}

void
gossip_gate_start(struct gossip_ctx *g)
{
	struct timeval	soon = { 0, 0 };

	g->bans = ipc_client_open(g->p->ipc, "bans.rep");
	g->banned = xcalloc(1, sizeof(*g->banned));
	g->bans_sub = ipc_sub_open(g->p->ipc, "bans.pub", gate_banned, g);
	if (g->bans_sub != NULL) {
		ipc_subscribe(g->bans_sub, TP__ENVELOPE__BODY_BANNED);
		ipc_subscribe(g->bans_sub, TP__ENVELOPE__BODY_UNBANNED);
		ipc_subscribe(g->bans_sub, TP__ENVELOPE__BODY_SCORE_CHANGED);
	}
	g->banned->poll = evtimer_new(g->p->base, gate_poll_cb, g);
	evtimer_add(g->banned->poll, &soon);
}

void
gossip_gate_stop(struct gossip_ctx *g)
{
	if (g->banned == NULL)
		return;
	event_free(g->banned->poll);
	free(g->banned->addrs.v);
	free(g->banned);
	g->banned = NULL;
}
