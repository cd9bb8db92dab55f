/*
 * Gossip worker, Teranode layer: the catch-up reputation behind PeerService.  Owns the
 * table of tn_catchup.c and its file (loaded at start, saved every five
 * minutes when changed and at stop, in p2p_peer_cache_dir), and answers two
 * gossip.rep requests from the API worker: CatchupReportReq (block
 * validation's Record*, Report*, UpdateCatchup* and ResetReputation) and
 * PeerRegistryReq (GetPeer, GetPeerRegistry, GetPeersForCatchup,
 * IsPeerUnhealthy, IsPeerMalicious), which joins the peer registry with the
 * reputation table into RegistryPeer entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "teranode/catchup.h"
#include "teranode/teranode.h"
#include "util.h"

#define TN_CATCHUP_SAVE_MS	(5 * 60 * 1000)	/* Teranode's interval */

struct tn_catchup_ipc {
	struct tn_catchup	 tab;
	struct event		*save_ev;	/* owned */
	const char		*dir;		/* borrowed from cfg */
};

static int64_t
tn_catchup_now(void)
{
	return (int64_t)(util_wall_ms() / 1000);
}

static void
tn_catchup_ipc_save(struct tn_catchup_ipc *s)
{
	char	err[256];

	if (!s->tab.dirty)
		return;
	if (tn_catchup_save(&s->tab, s->dir, tn_catchup_now(), err,
	    sizeof(err)) == -1)
		log_warn("gossip: cannot save the peer registry: %s", err);
}

static void
tn_catchup_ipc_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tn_catchup_ipc_save(arg);
}

struct tn_catchup_ipc *
tn_catchup_ipc_start(struct proc *p)
{
	struct tn_catchup_ipc	*s = xcalloc(1, sizeof(*s));
	struct timeval			 tv = { TN_CATCHUP_SAVE_MS / 1000, 0 };
	char				 err[256];

	s->dir = config_str(p->cfg, "p2p_peer_cache_dir");
	tn_catchup_init(&s->tab, TN_CATCHUP_MAX);
	if (tn_catchup_load(&s->tab, s->dir, err, sizeof(err)) == -1)
		log_warn("gossip: peer registry file ignored, starting fresh: "
		    "%s", err);
	else if (s->tab.n > 0)
		log_info("gossip: loaded the catch-up reputation of %zu peers "
		    "from %s/%s", s->tab.n, s->dir, TN_CATCHUP_FILE);
	s->save_ev = event_new(p->base, -1, EV_PERSIST,
	    tn_catchup_ipc_tick, s);
	if (s->save_ev == NULL || event_add(s->save_ev, &tv) == -1)
		fatal("gossip: cannot start the peer registry save timer");
	return s;
}

void
tn_catchup_ipc_stop(struct tn_catchup_ipc *s)
{
	if (s == NULL)
		return;
	tn_catchup_ipc_save(s);
	event_free(s->save_ev);
	tn_catchup_fini(&s->tab);
	free(s);
}

static const struct tn_registry_peer *
tn_catchup_ipc_reg(struct tn_ctx *t, const char *id)
{
	const struct tn_registry_peer	*rp = NULL;
	size_t				 n = t != NULL ? tn_peers(t, &rp) : 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(rp[i].id, id) == 0)
			return &rp[i];
	return NULL;
}

void
tn_catchup_ipc_report(struct tn_catchup_ipc *s, struct tn_ctx *t,
    struct ipc_req *req, const Tp__CatchupReportReq *r)
{
	Tp__CatchupReportRep		 rep = TP__CATCHUP_REPORT_REP__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;
	int				 reset;

	if (s == NULL) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNAVAILABLE,
		    "stopping");
		return;
	}
	rep.known = tn_catchup_apply(&s->tab, r,
	    tn_catchup_ipc_reg(t, r->peer_id) != NULL, tn_catchup_now(),
	    &reset);
	rep.peers_reset = reset;
	env.body_case = TP__ENVELOPE__BODY_CATCHUP_REPORT_REP;
	env.catchup_report_rep = &rep;
	ipc_reply(req, &env);
}

/* A registry (monotonic ms) time as unix seconds; 0 stays 0. */
static int64_t
tn_catchup_unix(uint64_t mono_ms, uint64_t now_mono, uint64_t now_wall)
{
	if (mono_ms == 0 || mono_ms > now_mono)
		return mono_ms == 0 ? 0 : (int64_t)(now_wall / 1000);
	return (int64_t)((now_wall - (now_mono - mono_ms)) / 1000);
}

/* Fill e from the registry entry rp and/or the reputation record cr. */
static void
tn_catchup_ipc_fill(Tp__RegistryPeer *e,
    const struct tn_registry_peer *rp, const struct tn_catchup_rec *cr,
    int64_t now)
{
	uint64_t	mono = util_mono_ms(), wall = util_wall_ms();

	e->reputation_score = TN_CATCHUP_NEW_SCORE;
	if (cr != NULL) {
		e->id = (char *)cr->id;
		e->height = cr->height;
		e->block_hash = (char *)cr->hash;
		e->data_hub_url = cr->url != NULL ? cr->url : "";
		e->client_name = (char *)cr->client;
		e->storage = (char *)cr->storage;
		e->interaction_attempts = cr->attempts;
		e->interaction_successes = cr->successes;
		e->interaction_failures = cr->failures;
		e->last_interaction_attempt = cr->last_attempt;
		e->last_interaction_success = cr->last_success;
		e->last_interaction_failure = cr->last_failure;
		e->reputation_score = cr->score;
		e->malicious_count = cr->malicious;
		e->avg_response_time_ms = cr->avg_ms;
		e->last_catchup_error = (char *)cr->last_error;
		e->last_catchup_error_time = cr->last_error_time;
		e->catchup_attempts = cr->c_attempts;
		e->catchup_successes = cr->c_successes;
		e->catchup_failures = cr->c_failures;
		e->bytes_received = cr->bytes;
	}
	(void)now;
	if (rp == NULL)
		return;
	e->in_registry = 1;
	e->id = (char *)rp->id;
	if (rp->height >= e->height) {
		e->height = rp->height;
		if (rp->best_hash[0] != '\0')
			e->block_hash = (char *)rp->best_hash;
	}
	if (rp->data_hub_url[0] != '\0')
		e->data_hub_url = (char *)rp->data_hub_url;
	if (rp->client_name[0] != '\0')
		e->client_name = (char *)rp->client_name;
	if (rp->storage[0] != '\0')
		e->storage = (char *)rp->storage;
	e->ban_score = rp->ban_score;
	e->banned = rp->banned;
	e->connected = rp->nconns > 0;
	e->connected_at = tn_catchup_unix(rp->connected_at_ms, mono, wall);
	e->bytes_received += rp->bytes_in;
	e->bytes_sent = rp->bytes_out;
	e->last_block_time = tn_catchup_unix(rp->last_block_ms, mono, wall);
	e->last_message_time = tn_catchup_unix(rp->last_message_ms, mono,
	    wall);
	e->addr = rp->naddrs > 0 ? (char *)rp->addrs[0] : "";
	e->inbound = rp->inbound;
	e->user_agent = (char *)rp->user_agent;
}

static int
tn_catchup_storage_rank(const char *s)
{
	return strcmp(s, "full") == 0 ? 0 : strcmp(s, "pruned") == 0 ? 1 : 2;
}

/* GetPeersForCatchup's order: storage full > pruned > other, reputation
 * descending, latest success first. */
static int
tn_catchup_cmp(const void *a, const void *b)
{
	const Tp__RegistryPeer	*x = *(Tp__RegistryPeer *const *)a;
	const Tp__RegistryPeer	*y = *(Tp__RegistryPeer *const *)b;
	int			 rx = tn_catchup_storage_rank(x->storage);
	int			 ry = tn_catchup_storage_rank(y->storage);

	if (rx != ry)
		return rx - ry;
	if (x->reputation_score != y->reputation_score)
		return x->reputation_score > y->reputation_score ? -1 : 1;
	if (x->last_interaction_success != y->last_interaction_success)
		return x->last_interaction_success >
		    y->last_interaction_success ? -1 : 1;
	return strcmp(x->id, y->id);
}

void
tn_catchup_ipc_registry(struct tn_catchup_ipc *s, struct tn_ctx *t,
    struct ipc_req *req, const Tp__PeerRegistryReq *r)
{
	const struct tn_registry_peer	*rp = NULL;
	size_t		 nreg = t != NULL ? tn_peers(t, &rp) : 0, n = 0, i;
	Tp__RegistryPeer *e, **v;
	Tp__PeerRegistryRep rep = TP__PEER_REGISTRY_REP__INIT;
	ipc_env		 env = TP__ENVELOPE__INIT;
	int64_t		 now = tn_catchup_now();

	if (s == NULL) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNAVAILABLE,
		    "stopping");
		return;
	}
	e = xcalloc(nreg + s->tab.n + 1, sizeof(*e));
	v = xcalloc(nreg + s->tab.n + 1, sizeof(*v));
	for (i = 0; i < nreg; i++) {
		if (r->peer_id[0] != '\0' && strcmp(r->peer_id, rp[i].id) != 0)
			continue;
		tp__registry_peer__init(&e[n]);
		tn_catchup_ipc_fill(&e[n], &rp[i],
		    tn_catchup_get(&s->tab, rp[i].id), now);
		v[n] = &e[n];
		n++;
	}
	/* peers known only from reports (or the file) */
	for (i = 0; i < s->tab.n; i++) {
		if ((r->peer_id[0] != '\0' && strcmp(r->peer_id,
		    s->tab.v[i].id) != 0) ||
		    tn_catchup_ipc_reg(t, s->tab.v[i].id) != NULL)
			continue;
		tp__registry_peer__init(&e[n]);
		tn_catchup_ipc_fill(&e[n], NULL, &s->tab.v[i], now);
		v[n] = &e[n];
		n++;
	}
	if (r->for_catchup) {
		size_t	k = 0;

		for (i = 0; i < n; i++)
			if (v[i]->data_hub_url[0] != '\0' && !v[i]->banned)
				v[k++] = v[i];
		n = k;
		qsort(v, n, sizeof(*v), tn_catchup_cmp);
	}
	rep.peers = v;
	rep.n_peers = n;
	env.body_case = TP__ENVELOPE__BODY_PEER_REGISTRY_REP;
	env.peer_registry_rep = &rep;
	ipc_reply(req, &env);
	free(v);
	free(e);
}
