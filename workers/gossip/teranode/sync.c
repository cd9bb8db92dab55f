/*
 * Gossip worker: the sync coordinator (Teranode's
 * services/p2p/sync_coordinator.go) as a state machine.  The worker feeds it the local height and FSM state (from
 * the Kafka bridge's notifications), peer departures, bans and catch-up
 * failures, and ticks it with its clock; it reads the peer registry (which
 * it borrows) and answers with actions: a new sync peer, a sync trigger
 * {hash, url, peer} for the Kafka bridge's blocks topic, a dropped sync
 * peer, or "nobody to sync from".  It has no timers, does no I/O and no
 * logging; URL responsiveness and health are the health checker's, already
 * in the registry.  Unlike Teranode it survives a sync peer that left the
 * registry (where Teranode's dereferences a missing entry) and rotates away from a sync peer that left us behind.
 */
#include <string.h>
#include <strings.h>

#include "teranode/registry.h"

void
tn_sync_params_default(struct tn_sync_params *p)
{
	memset(p, 0, sizeof(*p));
	p->fsm_check_ms = 2000;
	p->fsm_idle_ms = 15000;
	p->eval_ms = 30000;
	p->stuck_ms = 5 * 60 * 1000;
	p->silent_ms = 60 * 1000;
	p->retrigger_ms = 1000;
}

void
tn_sync_init(struct tn_sync *s, struct tn_registry *reg,
    const struct tn_sync_params *p)
{
	memset(s, 0, sizeof(*s));
	s->reg = reg;
	s->p = *p;
	s->p.forced[sizeof(s->p.forced) - 1] = '\0';
}

void
tn_sync_start(struct tn_sync *s, uint64_t now_ms)
{
	s->started = 1;
	s->next_fsm_ms = now_ms + s->p.fsm_check_ms;
	s->next_eval_ms = now_ms + s->p.eval_ms;
}

void
tn_sync_set_local_height(struct tn_sync *s, uint32_t height)
{
	s->local_height = height;
	s->height_known = 1;
}

void
tn_sync_set_fsm(struct tn_sync *s, enum tn_sync_fsm fsm)
{
	s->fsm = fsm;
}

enum tn_sync_fsm
tn_sync_fsm_parse(const char *name)
{
	static const char *const names[] = { "UNKNOWN", "IDLE", "RUNNING",
	    "CATCHINGBLOCKS", "LEGACYSYNCING" };
	size_t	i;

	for (i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return (enum tn_sync_fsm)i;
	return TN_SYNC_FSM_UNKNOWN;
}

const char *
tn_sync_peer(const struct tn_sync *s)
{
	return s->current[0] != '\0' ? s->current : NULL;
}

int
tn_sync_caught_up(const struct tn_sync *s)
{
	size_t	i;

	for (i = 0; i < s->reg->n; i++)
		if (s->reg->peers[i].height > s->local_height)
			return 0;
	return 1;
}

int
tn_sync_skip_block(const struct tn_sync *s, const char *originator,
    uint32_t height)
{
	const struct tn_registry_peer	*p;

	if (s->current[0] == '\0' ||
	    (s->fsm != TN_SYNC_FSM_CATCHINGBLOCKS &&
	    s->fsm != TN_SYNC_FSM_LEGACYSYNCING))
		return 0;
	p = tn_registry_get(s->reg, s->current);
	if (p != NULL && height < p->height)
		return 1;
	return originator == NULL || strcmp(originator, s->current) != 0;
}

/* ---- actions ------------------------------------------------------------- */

static struct tn_sync_action *
sync_act(struct tn_sync_actions *acts, enum tn_sync_act_kind kind,
    const char *peer, const char *reason)
{
	struct tn_sync_action	*a;

	if (acts->n == TN_SYNC_ACTIONS_MAX)
		return NULL;	/* cannot happen: see TN_SYNC_ACTIONS_MAX */
	a = &acts->a[acts->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->reason = reason;
	if (peer != NULL)
		strcpy(a->peer, peer);
	return a;
}

static void
sync_clear(struct tn_sync *s, const char *reason,
    struct tn_sync_actions *acts)
{
	if (s->current[0] == '\0')
		return;
	(void)sync_act(acts, TN_SYNC_ACT_CLEAR, s->current, reason);
	s->current[0] = '\0';
	s->sync_start_ms = 0;
}

/* sendSyncMessage: needs the peer in the registry with a best hash. */
static int
sync_send(struct tn_sync *s, const char *id, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	struct tn_registry_peer	*p = tn_registry_get(s->reg, id);
	struct tn_sync_action	*a;

	/* behind whom, by how much? not known: no trigger */
	if (p == NULL || p->best_hash[0] == '\0' || !s->height_known)
		return -1;
	if ((a = sync_act(acts, TN_SYNC_ACT_TRIGGER, id, NULL)) == NULL)
		return -1;
	strcpy(a->hash, p->best_hash);
	strcpy(a->url, p->data_hub_url);
	s->last_trigger_ms = now_ms;
	s->triggers++;
	return 0;
}

/* The selector over the registry; index or -1. */
static int
sync_select(const struct tn_sync *s, const char *previous)
{
	struct tn_registry_select_opts	o;

	o.local_height = s->local_height;
	o.forced = s->p.forced;
	o.previous = previous;
	return tn_registry_select(s->reg->peers, s->reg->n, &o);
}

/* Make peer i the sync peer (if it is not already) and send its trigger. */
static void
sync_switch(struct tn_sync *s, int i, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	const char	*id = s->reg->peers[i].id;

	if (strcmp(id, s->current) == 0)
		return;
	if (s->current[0] != '\0')
		sync_clear(s, "replaced", acts);
	strcpy(s->current, id);
	s->sync_start_ms = now_ms;
	(void)sync_act(acts, TN_SYNC_ACT_SELECT, id, NULL);
	(void)sync_send(s, id, now_ms, acts);
}

void
tn_sync_trigger(struct tn_sync *s, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	int	i = sync_select(s, s->current);

	if (i < 0) {
		(void)sync_act(acts, TN_SYNC_ACT_NONE_FOUND, NULL,
		    "no eligible peer ahead of us");
		return;
	}
	sync_switch(s, i, now_ms, acts);
}

/* checkFSMState: acts only while the FSM is RUNNING. */
static void
sync_check_fsm(struct tn_sync *s, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	struct tn_registry_peer	*p;
	int				 i;

	if (s->fsm != TN_SYNC_FSM_RUNNING || !s->height_known)
		return;
	if (s->current[0] == '\0') {		/* handleRunningState */
		if ((i = sync_select(s, NULL)) >= 0)
			sync_switch(s, i, now_ms, acts);
		return;
	}
	p = tn_registry_get(s->reg, s->current);
	if (p == NULL) {
		sync_clear(s, "gone from the registry", acts);
		tn_sync_trigger(s, now_ms, acts);
	} else if (p->height > s->local_height) {
		/* still behind it and not catching up: send again, or move
		 * to the next best peer if it is no longer the best */
		i = sync_select(s, NULL);
		if (i >= 0 && strcmp(s->reg->peers[i].id, s->current) == 0)
			(void)sync_send(s, s->current, now_ms, acts);
		else {
			sync_clear(s, "sync did not start", acts);
			tn_sync_trigger(s, now_ms, acts);
		}
	} else
		tn_sync_trigger(s, now_ms, acts);	/* caught up with it */
}

/* evaluateSyncPeer */
static void
sync_evaluate(struct tn_sync *s, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	struct tn_registry_peer	*p;
	int				 i;

	if (s->current[0] == '\0')
		return;
	p = tn_registry_get(s->reg, s->current);
	if (p == NULL || !p->healthy || p->banned) {
		sync_clear(s, p == NULL ? "gone from the registry" :
		    p->banned ? "banned" : "unhealthy", acts);
		tn_sync_trigger(s, now_ms, acts);
		return;
	}
	if (now_ms > s->sync_start_ms + s->p.stuck_ms &&
	    now_ms > p->last_message_ms + s->p.silent_ms) {
		p->healthy = 0;
		sync_clear(s, "stuck", acts);
		tn_sync_trigger(s, now_ms, acts);
		return;
	}
	if (p->height > 0 && s->local_height >= p->height &&
	    (i = sync_select(s, s->current)) >= 0 &&
	    strcmp(s->reg->peers[i].id, s->current) != 0)
		sync_switch(s, i, now_ms, acts);
}

void
tn_sync_tick(struct tn_sync *s, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	if (!s->started)
		return;
	if (s->retrigger_at_ms != 0 && now_ms >= s->retrigger_at_ms) {
		s->retrigger_at_ms = 0;
		tn_sync_trigger(s, now_ms, acts);
	}
	if (now_ms >= s->next_fsm_ms) {		/* monitorFSM */
		if (tn_sync_caught_up(s))
			s->next_fsm_ms = now_ms + s->p.fsm_idle_ms;
		else {
			s->next_fsm_ms = now_ms + s->p.fsm_check_ms;
			sync_check_fsm(s, now_ms, acts);
		}
	}
	if (now_ms >= s->next_eval_ms) {	/* periodicEvaluation */
		s->next_eval_ms = now_ms + s->p.eval_ms;
		sync_evaluate(s, now_ms, acts);
	}
}

void
tn_sync_peer_removed(struct tn_sync *s, const char *id,
    uint64_t now_ms, struct tn_sync_actions *acts)
{
	(void)tn_registry_remove(s->reg, id);
	if (s->current[0] == '\0' || strcmp(id, s->current) != 0)
		return;
	sync_clear(s, "disconnected", acts);
	s->retrigger_at_ms = now_ms + s->p.retrigger_ms;
	if (s->retrigger_at_ms == 0)
		s->retrigger_at_ms = 1;
}

void
tn_sync_peer_banned(struct tn_sync *s, const char *id, int score,
    int banned, uint64_t now_ms, struct tn_sync_actions *acts)
{
	(void)tn_registry_set_ban(s->reg, id, score, banned);
	if (!banned || s->current[0] == '\0' || strcmp(id, s->current) != 0)
		return;
	sync_clear(s, "banned", acts);
	tn_sync_trigger(s, now_ms, acts);
}

void
tn_sync_catchup_failure(struct tn_sync *s, uint64_t now_ms,
    struct tn_sync_actions *acts)
{
	struct tn_registry_peer	*p;

	if ((p = tn_registry_get(s->reg, s->current)) != NULL)
		p->healthy = 0;
	sync_clear(s, "catch-up failed", acts);
	tn_sync_trigger(s, now_ms, acts);
}
