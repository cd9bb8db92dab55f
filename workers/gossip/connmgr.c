/*
 * Gossip worker, glue: the connection manager.  When more than
 * p2p_conn_high_water connections are open it closes the least valuable
 * until p2p_conn_low_water are left, as go-libp2p's connection manager does
 * for go-p2p-message-bus (low 25, high 35, grace 20 s).  It never closes a
 * static or bootstrap peer, the sync peer, the best-scored gossipsub mesh
 * peers (the D best of every joined topic's mesh) nor a connection younger
 * than p2p_conn_grace_period.  It reads the host's connections, the
 * router's mesh and scores and the Teranode layer's sync peer through their
 * doors; connmgr_pick.c makes the choice.  A trim runs on a timer and soon
 * after a connection opens.  The host's hard caps (p2p_max_inbound,
 * p2p_max_outbound, ...) refuse connections beyond them; this manager only
 * trims what those caps let in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "connmgr.h"
#include "gossip.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define CM_TICK_MIN_MS		1000
#define CM_TICK_MAX_MS		10000
#define CM_ADDED_GAP_MS		1000	/* trims after opens: one per second */
#define CM_LOG_GAP_MS		10000	/* one info line per 10 s at most */

struct gossip_connmgr {
	struct gossip_ctx	*g;		/* borrowed */
	size_t			 low, high;	/* high 0: off */
	uint64_t		 grace_ms, tick_ms;
	size_t			 d;		/* mesh peers kept per topic */
	struct event		*tick;		/* owned: periodic trim */
	struct event		*soon;		/* owned: trim after an open */
	uint64_t		 last_trim_ms;
	char			**statics;	/* owned: static peers' IDs */
	size_t			 nstatics;
	uint64_t		 rounds, trimmed;	/* counters */
	uint64_t		 log_next_ms;
	uint64_t		 log_quiet;	/* closes not logged yet */
};

/* The /p2p/ IDs of static and bootstrap peers (an inbound connection from
 * one of them carries no p2p_conn.stat). */
static void
cm_static_ids(struct gossip_connmgr *cm, const struct config *cfg)
{
	static const char *const keys[] = { "p2p_static_peers",
	    "p2p_bootstrapAddresses" };
	const struct cfg_list	*l;
	const char		*p;
	char			 id[P2P_PEER_ID_TEXT_MAX];
	size_t			 i, k, n = 0;

	for (k = 0; k < TP_ARRAY_LEN(keys); k++)
		n += config_list(cfg, keys[k])->n;
	cm->statics = xcalloc(n + 1, sizeof(*cm->statics));
	for (k = 0; k < TP_ARRAY_LEN(keys); k++) {
		l = config_list(cfg, keys[k]);
		for (i = 0; i < l->n; i++)
			if ((p = strstr(l->v[i], "/p2p/")) != NULL) {
				snprintf(id, sizeof(id), "%.*s",
				    (int)strcspn(p + 5, "/"), p + 5);
				cm->statics[cm->nstatics++] = xstrdup(id);
			}
	}
}

static int
cm_is_static(const struct gossip_connmgr *cm, const struct p2p_conn *c)
{
	size_t	i;

	if (c->stat != NULL)
		return 1;
	for (i = 0; i < cm->nstatics; i++)
		if (strcmp(cm->statics[i], c->peer_text) == 0)
			return 1;
	return 0;
}

/* A peer's worth beside its protection: the mesh it is in, its score. */
static void
cm_value(struct gossip_connmgr *cm, const struct p2p_conn *c,
    struct gossip_cm_cand *k)
{
	struct ps_router	*ps = cm->g->ms.ps;
	const char		*topic;
	size_t			 i;

	k->value = 0;
	if (ps != NULL && ps_peer_score(ps, c->peer_text, &k->score) == 0) {
		k->value += GOSSIP_CM_VALUE_PUBSUB + k->score;
		for (i = 0; (topic = ps_joined(ps, i)) != NULL; i++)
			if (ps_in_mesh(ps, topic, c->peer_text))
				k->value += GOSSIP_CM_VALUE_MESH;
	}
	if (c->info.identified && kad_protocols_server(
	    (const char *const *)c->info.protocols, c->info.nprotocols))
		k->value += GOSSIP_CM_VALUE_DHT;
}

/* The open connections as candidates; *conns (same order) borrowed. */
static size_t
cm_collect(struct gossip_connmgr *cm, struct gossip_cm_cand **out,
    struct p2p_conn ***conns)
{
	struct p2p_host		*h = &cm->g->host;
	const char		*sync = tn_sync_peer_current(cm->g->tn);
	struct gossip_cm_cand	*k;
	struct p2p_conn		*c;
	size_t			 n = 0;

	*out = xcalloc(h->nconns + 1, sizeof(**out));
	*conns = xcalloc(h->nconns + 1, sizeof(**conns));
	TAILQ_FOREACH(c, &h->conns, entry) {
		if (c->state != P2P_CONN_OPEN)
			continue;
		k = &(*out)[n];
		(*conns)[n++] = c;
		k->id = c->id;
		k->opened_ms = c->opened_ms;
		k->inbound = c->inbound;
		if (cm_is_static(cm, c))
			k->protect |= GOSSIP_CM_STATIC;
		if (sync != NULL && strcmp(sync, c->peer_text) == 0)
			k->protect |= GOSSIP_CM_SYNC;
		cm_value(cm, c, k);
	}
	return n;
}

/* The D best-scored peers of every joined topic's mesh are kept. */
static void
cm_protect_mesh(struct gossip_connmgr *cm, struct gossip_cm_cand *k,
    struct p2p_conn **conns, size_t n)
{
	struct ps_router	*ps = cm->g->ms.ps;
	unsigned char		*member;
	const char		*topic;
	size_t			 i, t;

	if (ps == NULL || n == 0)
		return;
	member = xcalloc(n, 1);
	for (t = 0; (topic = ps_joined(ps, t)) != NULL; t++) {
		for (i = 0; i < n; i++)
			member[i] = (unsigned char)ps_in_mesh(ps, topic,
			    conns[i]->peer_text);
		gossip_connmgr_protect_best(k, n, member, cm->d);
	}
	free(member);
}

/* Say what a trim did: one line per CM_LOG_GAP_MS, the rest summed. */
static void
cm_log(struct gossip_connmgr *cm, size_t closed, size_t open, size_t left)
{
	uint64_t	now = util_mono_ms();

	cm->log_quiet += closed;
	if (now < cm->log_next_ms)
		return;
	log_info("gossip: connection manager closed %llu connections "
	    "(%zu open, high water %zu): %zu left, low water %zu",
	    (unsigned long long)cm->log_quiet, open, cm->high, left, cm->low);
	cm->log_quiet = 0;
	cm->log_next_ms = now + CM_LOG_GAP_MS;
}

/* Close connections until low water is reached, if over high water. */
static void
cm_trim(struct gossip_connmgr *cm)
{
	struct gossip_cm_cand	*k;
	struct p2p_conn		**conns, *c;
	size_t			  n, i, pick, closed = 0;
	uint64_t		  now = util_mono_ms();

	cm->last_trim_ms = now;
	n = cm_collect(cm, &k, &conns);
	if (n > cm->high && !cm->g->p->stopping) {
		cm_protect_mesh(cm, k, conns, n);
		pick = gossip_connmgr_pick(k, n, cm->low, cm->grace_ms, now);
		for (i = 0; i < pick; i++) {
			/* closing one may close others (callbacks): by id */
			if ((c = p2p_host_find_id(&cm->g->host, k[i].id)) == NULL)
				continue;
			p2p_conn_close(c, "connection manager: %zu open, over "
			    "high water %zu (value %.1f)", n, cm->high,
			    k[i].value);
			closed++;
		}
		cm->rounds++;
		cm->trimmed += closed;
		if (closed > 0)
			cm_log(cm, closed, n, n - closed);
	}
	free(conns);
	free(k);
}

static void
cm_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cm_trim(arg);
}

void
gossip_connmgr_added(struct gossip_ctx *g)
{
	struct gossip_connmgr	*cm = g->cm;
	struct timeval		 tv = { 0, 0 };
	uint64_t		 now = util_mono_ms(), next;

	if (cm == NULL || evtimer_pending(cm->soon, NULL) ||
	    g->host.nconns <= cm->high)
		return;
	/* not from inside the host's callback, and not on every open */
	next = cm->last_trim_ms + CM_ADDED_GAP_MS;
	if (next > now) {
		tv.tv_sec = (time_t)((next - now) / 1000);
		tv.tv_usec = (suseconds_t)((next - now) % 1000) * 1000;
	}
	evtimer_add(cm->soon, &tv);
}

int
gossip_connmgr_check(const struct config *cfg, char *err, size_t errlen)
{
	long long	low = config_int(cfg, "p2p_conn_low_water");
	long long	high = config_int(cfg, "p2p_conn_high_water");

	if (high != 0 && low >= high) {
		snprintf(err, errlen, "p2p_conn_low_water (%lld) must be below "
		    "p2p_conn_high_water (%lld); p2p_conn_high_water = 0 turns "
		    "the connection manager off", low, high);
		return -1;
	}
	return 0;
}

/* The hard caps and the water marks side by side, said once at start. */
static void
cm_say_limits(struct gossip_connmgr *cm)
{
	const struct p2p_limits	*lim = &cm->g->host.lim;

	if (cm->high >= lim->max_in + lim->max_out)
		log_warn("gossip: p2p_conn_high_water %zu is not below "
		    "p2p_max_inbound + p2p_max_outbound (%zu): the hard caps "
		    "refuse connections before the connection manager trims",
		    cm->high, lim->max_in + lim->max_out);
	log_info("gossip: connection manager: trim to %zu when over %zu "
	    "connections, grace %llu ms", cm->low, cm->high,
	    (unsigned long long)cm->grace_ms);
}

void
gossip_connmgr_start(struct gossip_ctx *g)
{
	const struct config	*cfg = g->p->cfg;
	struct gossip_connmgr	*cm;
	struct ps_params	 pp;
	struct timeval		 tv;

	if (config_int(cfg, "p2p_conn_high_water") == 0) {
		log_info("gossip: connection manager off "
		    "(p2p_conn_high_water = 0)");
		return;
	}
	cm = g->cm = xcalloc(1, sizeof(*cm));
	cm->g = g;
	cm->low = (size_t)config_int(cfg, "p2p_conn_low_water");
	cm->high = (size_t)config_int(cfg, "p2p_conn_high_water");
	cm->grace_ms = config_duration_ms(cfg, "p2p_conn_grace_period");
	ps_params_default(&pp);
	cm->d = (size_t)pp.d;
	/* often enough that a connection goes soon after its grace ends */
	cm->tick_ms = cm->grace_ms / 2;
	if (cm->tick_ms < CM_TICK_MIN_MS)
		cm->tick_ms = CM_TICK_MIN_MS;
	if (cm->tick_ms > CM_TICK_MAX_MS)
		cm->tick_ms = CM_TICK_MAX_MS;
	cm_static_ids(cm, cfg);
	cm->tick = event_new(g->p->base, -1, EV_PERSIST, cm_tick, cm);
	cm->soon = evtimer_new(g->p->base, cm_tick, cm);
	tv.tv_sec = (time_t)(cm->tick_ms / 1000);
	tv.tv_usec = (suseconds_t)(cm->tick_ms % 1000) * 1000;
	evtimer_add(cm->tick, &tv);
	cm_say_limits(cm);
}

void
gossip_connmgr_stats(struct gossip_ctx *g, struct proc_stats *st)
{
	if (g->cm == NULL)
		return;
	proc_stat_add(st, "connmgr_trims", (int64_t)g->cm->rounds);
	proc_stat_add(st, "connmgr_trimmed", (int64_t)g->cm->trimmed);
}

void
gossip_connmgr_stop(struct gossip_ctx *g)
{
	struct gossip_connmgr	*cm = g->cm;
	size_t			 i;

	if (cm == NULL)
		return;
	event_free(cm->tick);
	event_free(cm->soon);
	for (i = 0; i < cm->nstatics; i++)
		free(cm->statics[i]);
	free(cm->statics);
	free(cm);
	g->cm = NULL;
}
