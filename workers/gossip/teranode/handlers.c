/*
 * Gossip worker: the Teranode protocol on top of the pubsub router.  It
 * joins the topics `<topic_prefix>-<suffix>` (and the seed's handshake
 * topic verbatim), checks every message (envelope, size cap, fields, the
 * PeerID against the signed author), keeps the peer registry, runs the
 * sync coordinator and the DataHub health checker, turns block and subtree
 * announcements into BlockSeen / SubtreeSeen events for the Kafka bridge,
 * and publishes the local node's announcements and its node_status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "teranode/internal.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define TN_TICK_MS	1000
#define CFG_NAME_ROOM	4200	/* a setting value, and then some */

static const struct {
	enum tn_msg_kind	 kind;
	const char		*key;		/* the setting with the suffix */
} tn_topics[] = {
	{ TN_MSG_BLOCK, "p2p_block_topic" },
	{ TN_MSG_SUBTREE, "p2p_subtree_topic" },
	{ TN_MSG_REJECTED_TX, "p2p_rejected_tx_topic" },
	{ TN_MSG_NODE_STATUS, "p2p_node_status_topic" },
	{ TN_MSG_MINING_ON, "p2p_mining_on_topic" },
	{ TN_MSG_BESTBLOCK, "p2p_bestblock_topic" },
	{ TN_MSG_HANDSHAKE, "p2p_handshake_topic" },
};

static const char *const	tn_genesis[][2] = {
	{ "mainnet", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f" },
	{ "testnet", "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943" },
	{ "regtest", "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206" },
	{ "stn", "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943" },
};

/* ---- helpers ---- */

static enum tn_msg_kind
tn_kind(const struct tn_ctx *t, const char *topic)
{
	int	k;

	for (k = 1; k <= TN_MSG_KIND_MAX; k++)
		if (t->topic[k][0] != '\0' && strcmp(t->topic[k], topic) == 0)
			return (enum tn_msg_kind)k;
	return TN_MSG_NONE;
}

/* The peer ID a message claims (every kind has one). */
static const char *
tn_claimed(const struct tn_msg *m)
{
	switch (m->kind) {
	case TN_MSG_BLOCK:
		return m->u.block.peer_id;
	case TN_MSG_SUBTREE:
		return m->u.subtree.peer_id;
	case TN_MSG_REJECTED_TX:
		return m->u.rejected_tx.peer_id;
	case TN_MSG_MINING_ON:
		return m->u.mining_on.peer_id;
	case TN_MSG_BESTBLOCK:
		return m->u.bestblock.peer_id;
	case TN_MSG_HANDSHAKE:
		return m->u.handshake.peer_id;
	case TN_MSG_NODE_STATUS:
		return m->u.node_status.peer_id;
	default:
		return "";
	}
}

/* Score a peer on the ban manager (fire and forget). */
static void
tn_score(struct tn_ctx *t, const char *peer, const char *reason)
{
	struct p2p_conn	*c = p2p_host_find(t->h, peer);

	if (c != NULL)
		p2p_host_violation(t->h, c, reason);
	else if (t->hooks.score != NULL)
		t->hooks.score(t->hooks.arg, peer);
}

static int
tn_blacklisted(const struct tn_ctx *t, const char *url)
{
	return tn_msg_url_blacklisted(url, t->blacklist->v, t->blacklist->n);
}

static int
tn_is_refused(struct tn_ctx *t, const char *peer)
{
	uint64_t	now = util_mono_ms();
	size_t		i;

	for (i = 0; i < TN_REFUSED_MAX; i++)
		if (t->refused[i].until_ms > now &&
		    strcmp(t->refused[i].id, peer) == 0)
			return 1;
	return 0;
}

/* Disconnect later: we may be inside the router's delivery callback. */
struct tn_drop {
	struct p2p_host		*h;
	char			 peer[P2P_PEER_ID_TEXT_MAX];
};

static void
tn_drop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tn_drop	*d = arg;

	(void)fd;
	(void)what;
	p2p_host_disconnect(d->h, d->peer);
	free(d);
}

static void
tn_refuse(struct tn_ctx *t, const char *peer)
{
	struct tn_drop	*d = xmalloc(sizeof(*d));
	uint64_t	now = util_mono_ms();
	size_t		i, slot = 0;

	for (i = 0; i < TN_REFUSED_MAX; i++)
		if (t->refused[i].until_ms < t->refused[slot].until_ms)
			slot = i;
	snprintf(t->refused[slot].id, sizeof(t->refused[slot].id), "%s", peer);
	t->refused[slot].until_ms = now + config_duration_ms(t->p->cfg,
	    "p2p_handshake_refuse_duration");
	d->h = t->h;
	snprintf(d->peer, sizeof(d->peer), "%s", peer);
	event_base_once(t->p->base, -1, EV_TIMEOUT, tn_drop_cb, d, NULL);
}

/* Add peer to the registry; a new entry gets the ban manager's view. */
static struct tn_registry_peer *
tn_reg_add(struct tn_ctx *t, const char *peer, uint64_t now)
{
	struct tn_registry_peer	*p = tn_registry_get(&t->reg, peer);
	int				 score, banned;

	if (p != NULL)
		return p;
	if ((p = tn_registry_add(&t->reg, peer, now)) != NULL &&
	    t->hooks.ban_state != NULL &&
	    t->hooks.ban_state(t->hooks.arg, peer, &score, &banned) == 0) {
		p->ban_score = score;
		p->banned = banned != 0;
	}
	return p;
}

/* ---- events for the Kafka bridge and the API ---- */

static void
tn_event_block(struct tn_ctx *t, const struct tn_msg_block *b,
    const char *author, const char *from)
{
	Tp__BlockSeen	e = TP__BLOCK_SEEN__INIT;
	ipc_env		ev = TP__ENVELOPE__INIT;

	e.hash = (char *)b->hash;
	e.height = b->height;
	e.data_hub_url = (char *)b->data_hub_url;
	e.peer_id = (char *)author;
	e.client_name = (char *)b->client_name;
	e.header = (char *)b->header;
	e.from_peer_id = (char *)from;
	ev.body_case = TP__ENVELOPE__BODY_BLOCK_SEEN;
	ev.block_seen = &e;
	ipc_publish(t->pub, &ev);
}

static void
tn_event_subtree(struct tn_ctx *t, const struct tn_msg_subtree *s,
    const char *author, const char *from)
{
	Tp__SubtreeSeen	e = TP__SUBTREE_SEEN__INIT;
	ipc_env		ev = TP__ENVELOPE__INIT;

	e.hash = (char *)s->hash;
	e.data_hub_url = (char *)s->data_hub_url;
	e.peer_id = (char *)author;
	e.client_name = (char *)s->client_name;
	e.from_peer_id = (char *)from;
	ev.body_case = TP__ENVELOPE__BODY_SUBTREE_SEEN;
	ev.subtree_seen = &e;
	ipc_publish(t->pub, &ev);
}

static void
tn_event_rejected(struct tn_ctx *t, const struct tn_msg_rejected_tx *r,
    const char *author)
{
	Tp__RejectedTxSeen	e = TP__REJECTED_TX_SEEN__INIT;
	ipc_env			ev = TP__ENVELOPE__INIT;

	e.tx_id = (char *)r->tx_id;
	e.reason = (char *)r->reason;
	e.peer_id = (char *)author;
	ev.body_case = TP__ENVELOPE__BODY_REJECTED_TX_SEEN;
	ev.rejected_tx_seen = &e;
	ipc_publish(t->pub, &ev);
}

static void
tn_event_status(struct tn_ctx *t, const char *author, const uint8_t *json,
    size_t len)
{
	Tp__NodeStatusSeen	 e = TP__NODE_STATUS_SEEN__INIT;
	ipc_env			 ev = TP__ENVELOPE__INIT;
	char			*text = xmalloc(len + 1);

	memcpy(text, json, len);
	text[len] = '\0';
	e.peer_id = (char *)author;
	e.json = text;
	ev.body_case = TP__ENVELOPE__BODY_NODE_STATUS_SEEN;
	ev.node_status_seen = &e;
	ipc_publish(t->pub, &ev);
	free(text);
}

/* ---- the sync coordinator's actions ---- */

void
tn_sync_apply(struct tn_ctx *t, const struct tn_sync_actions *acts)
{
	Tp__ProduceSyncTriggerReq	 tr = TP__PRODUCE_SYNC_TRIGGER_REQ__INIT;
	ipc_env				 req = TP__ENVELOPE__INIT;
	const struct tn_sync_action	*a;
	size_t				 i;

	for (i = 0; i < acts->n; i++) {
		a = &acts->a[i];
		switch (a->kind) {
		case TN_SYNC_ACT_SELECT:
			log_info("gossip: sync peer is now %s", a->peer);
			break;
		case TN_SYNC_ACT_CLEAR:
			log_info("gossip: sync peer %s dropped: %s", a->peer,
			    a->reason);
			break;
		case TN_SYNC_ACT_NONE_FOUND:
			log_debug("gossip: no sync peer: %s", a->reason);
			break;
		case TN_SYNC_ACT_TRIGGER:
			t->sync_triggers++;
			tr.hash = (char *)a->hash;
			tr.url = (char *)a->url;
			tr.peer_id = (char *)a->peer;
			req.body_case =
			    TP__ENVELOPE__BODY_PRODUCE_SYNC_TRIGGER_REQ;
			req.produce_sync_trigger_req = &tr;
			if (t->kafka != NULL)
				ipc_call(t->kafka, &req, 5000, NULL, NULL);
			break;
		}
	}
}

/* ---- handlers ---- */

static void
tn_on_block(struct tn_ctx *t, const struct tn_msg_block *b,
    const char *author, const char *from)
{
	struct tn_registry_peer	*p;
	uint64_t			 now = util_mono_ms();

	if (tn_sync_skip_block(&t->sync, author, b->height)) {
		t->drop_not_sync_peer++;
		return;
	}
	if (b->height > 0 && (p = tn_reg_add(t, author, now)) != NULL) {
		tn_registry_set_height(&t->reg, author, b->height, b->hash);
		if (b->data_hub_url[0] != '\0')
			tn_registry_set_data_hub_url(&t->reg, author,
			    b->data_hub_url);
		tn_registry_block_seen(&t->reg, author, now);
	}
	tn_event_block(t, b, author, from);
}

static void
tn_on_subtree(struct tn_ctx *t, const struct tn_msg_subtree *s,
    const char *author, const char *from)
{
	uint64_t	now = util_mono_ms();

	if (tn_blacklisted(t, s->data_hub_url)) {
		t->drop_blacklisted++;
		return;
	}
	/* its DataHub: where an invalid subtree is traced back to */
	if (s->data_hub_url[0] != '\0' && tn_reg_add(t, author, now) != NULL)
		tn_registry_set_data_hub_url(&t->reg, author, s->data_hub_url);
	tn_registry_touch(&t->reg, author, now);
	tn_event_subtree(t, s, author, from);
}

static void
tn_on_status(struct tn_ctx *t, const struct tn_msg_node_status *st,
    const char *author, const uint8_t *json, size_t len)
{
	uint64_t	now = util_mono_ms();

	if (tn_reg_add(t, author, now) != NULL)
		tn_registry_apply_status(&t->reg, author, st, now);
	tn_event_status(t, author, json, len);
}

/* A best-block request (no hash): our tip, at most once a second; an
 * answer: the peer's height and best hash. */
static void
tn_on_bestblock(struct tn_ctx *t, const struct tn_msg_bestblock *b,
    const char *author)
{
	uint64_t	now = util_mono_ms();

	if (b->hash[0] == '\0') {
		if (t->best_hash[0] == '\0' || t->listen_only ||
		    now < t->bestblock_next_ms)
			return;
		t->bestblock_next_ms = now + 1000;
		tn_local_bestblock(t);
		return;
	}
	if (tn_reg_add(t, author, now) == NULL)
		return;
	if (b->height > 0)
		tn_registry_set_height(&t->reg, author, b->height, b->hash);
	else
		tn_registry_set_block_hash(&t->reg, author, b->hash);
	tn_registry_touch(&t->reg, author, now);
}

static void
tn_on_handshake(struct tn_ctx *t, const struct tn_msg_handshake *hs,
    const char *author)
{
	tn_reg_add(t, author, util_mono_ms());
	tn_registry_apply_handshake(&t->reg, author, hs, util_mono_ms());
	if (strcmp(hs->topic_prefix, t->prefix) != 0) {
		log_info("gossip: %s is on %s, not %s: disconnected", author,
		    hs->topic_prefix, t->prefix);
		t->drop_refused++;
		tn_refuse(t, author);
		return;
	}
	if (strcmp(hs->type, "version") == 0)
		tn_local_handshake(t, "verack");
}

int
tn_message(struct tn_ctx *t, const char *topic,
    const char *author, const char *from, const uint8_t *data, size_t len,
    enum ps_verdict *verdict)
{
	struct tn_msg	 m;
	char			 name[TN_MSG_NAME_MAX + 1];
	enum tn_msg_kind	 kind;
	int			 rc;

	if (t == NULL || (kind = tn_kind(t, topic)) == TN_MSG_NONE)
		return 0;
	t->in[kind]++;
	*verdict = PS_IGNORE;
	if (tn_is_refused(t, author) || (t->hooks.banned != NULL &&
	    t->hooks.banned(t->hooks.arg, author))) {
		t->drop_banned++;
		return 1;
	}
	if ((rc = tn_msg_open(kind, data, len, t->flags, name, &m)) !=
	    TN_MSG_OK) {
		t->drops[rc]++;
		log_debug("gossip: dropped %s from %s: %s", topic, author,
		    tn_msg_strerror(rc));
		return 1;
	}
	if (tn_claimed(&m)[0] != '\0' && strcmp(tn_claimed(&m), author) != 0) {
		t->drop_spoofed++;
		tn_score(t, author, "message PeerID is not its signed author");
		tn_msg_fini(&m);
		*verdict = PS_REJECT;
		return 1;
	}
	*verdict = PS_ACCEPT;
	switch (kind) {
	case TN_MSG_BLOCK:
		tn_on_block(t, &m.u.block, author, from);
		break;
	case TN_MSG_SUBTREE:
		tn_on_subtree(t, &m.u.subtree, author, from);
		break;
	case TN_MSG_REJECTED_TX:
		tn_event_rejected(t, &m.u.rejected_tx, author);
		break;
	case TN_MSG_NODE_STATUS: {
		struct tn_msg_envelope	env;

		if (tn_msg_envelope_decode(data, len,
		    tn_msg_cap(kind), &env) == TN_MSG_OK) {
			tn_on_status(t, &m.u.node_status, author, env.data,
			    env.len);
			tn_msg_envelope_fini(&env);
		}
		break;
	}
	case TN_MSG_HANDSHAKE:
		tn_on_handshake(t, &m.u.handshake, author);
		break;
	case TN_MSG_BESTBLOCK:
		tn_on_bestblock(t, &m.u.bestblock, author);
		break;
	default:
		tn_registry_touch(&t->reg, author, util_mono_ms());
	}
	tn_msg_fini(&m);
	return 1;
}

/* ---- periodic work: sync coordinator, registry, health ---- */

static void
tn_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tn_ctx		*t = arg;
	struct tn_sync_actions	 acts;

	(void)fd;
	(void)what;
	acts.n = 0;
	tn_sync_tick(&t->sync, util_mono_ms(), &acts);
	tn_sync_apply(t, &acts);
	tn_registry_sweep(&t->reg, util_mono_ms());
}

static void
tn_health_done(void *arg, const char *peer, int healthy, long status,
    const char *detail, uint64_t ms)
{
	struct tn_ctx	*t = arg;

	(void)status;
	tn_registry_set_health(&t->reg, peer, healthy, ms, util_mono_ms());
	tn_registry_set_url_responsive(&t->reg, peer, healthy,
	    util_mono_ms());
	if (!healthy)
		log_debug("gossip: DataHub of %s unhealthy: %s", peer, detail);
}

static void
tn_health_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tn_ctx		*t = arg;
	struct tn_registry_peer	*p;
	size_t				 i, n;

	(void)fd;
	(void)what;
	if (tn_health_pending(t->health) > 0)
		return;		/* the last round is still running */
	n = tn_registry_count(&t->reg);
	p = xcalloc(n + 1, sizeof(*p));
	n = tn_registry_list(&t->reg, p, n);
	for (i = 0; i < n; i++)
		if (p[i].data_hub_url[0] != '\0')
			tn_health_check(t->health, p[i].id,
			    p[i].data_hub_url, tn_health_done, t);
	free(p);
}

/* ---- connections ---- */

int
tn_connected(struct tn_ctx *t, struct p2p_conn *c)
{

	if (t == NULL)
		return 0;
	if (tn_is_refused(t, c->peer_text)) {
		p2p_conn_close(c, "refused: another network");
		return -1;
	}
	tn_reg_add(t, c->peer_text, util_mono_ms());
	tn_registry_connected(&t->reg, c->peer_text, c->remote, c->inbound,
	    util_mono_ms());
	/*
	 * Say who we are once the new peer has told us its subscriptions and
	 * joined the handshake mesh; one version covers every peer that
	 * connected meanwhile.
	 */
	if (t->topic[TN_MSG_HANDSHAKE][0] != '\0' &&
	    !evtimer_pending(t->hs_ev, NULL)) {
		struct timeval	tv = { 1, 500000 };

		evtimer_add(t->hs_ev, &tv);
	}
	return 0;
}

void
tn_disconnected(struct tn_ctx *t, struct p2p_conn *c)
{
	struct tn_sync_actions	 acts;
	struct tn_registry_peer	*p;

	if (t == NULL)
		return;
	tn_registry_add_bytes(&t->reg, c->peer_text, c->bytes_in,
	    c->bytes_out);
	tn_registry_disconnected(&t->reg, c->peer_text);
	if ((p = tn_registry_get(&t->reg, c->peer_text)) != NULL &&
	    p->nconns == 0) {
		/* its last connection: a sync peer must be replaced */
		acts.n = 0;
		tn_sync_peer_removed(&t->sync, c->peer_text,
		    util_mono_ms(), &acts);
		tn_sync_apply(t, &acts);
	}
}

/* The registry, for GetPeers: borrowed, valid until the loop runs again. */
size_t
tn_peers(struct tn_ctx *t,
    const struct tn_registry_peer **out)
{
	*out = t != NULL ? t->reg.peers : NULL;
	return t != NULL ? t->reg.n : 0;
}

uint64_t
tn_peers_version(const struct tn_ctx *t)
{
	return t != NULL ? t->reg.gen : 0;
}

void
tn_ban_update(struct tn_ctx *t, const char *peer, int score, int banned)
{
	struct tn_sync_actions	 acts;
	struct tn_registry_peer	*p;

	if (t == NULL || (p = tn_registry_get(&t->reg, peer)) == NULL)
		return;
	if (score < 0)
		score = p->ban_score;
	acts.n = 0;
	tn_sync_peer_banned(&t->sync, peer, score, banned, util_mono_ms(),
	    &acts);
	tn_sync_apply(t, &acts);
}

const char *
tn_sync_peer_current(struct tn_ctx *t)
{
	return t != NULL ? tn_sync_peer(&t->sync) : NULL;
}

const char *
tn_peer_by_datahub(struct tn_ctx *t, const char *url)
{
	size_t	i;

	if (t == NULL || url[0] == '\0')
		return NULL;
	for (i = 0; i < t->reg.n; i++)
		if (strcmp(t->reg.peers[i].data_hub_url, url) == 0)
			return t->reg.peers[i].id;
	return NULL;
}

void
tn_stats(struct tn_ctx *t, struct proc_stats *st)
{
	char			 name[64];
	int			 k;

	if (t == NULL)
		return;
	for (k = 1; k <= TN_MSG_KIND_MAX; k++) {
		snprintf(name, sizeof(name), "msgs_in_%s",
		    tn_msg_kind_name((enum tn_msg_kind)k));
		proc_stat_add(st, name, (int64_t)t->in[k]);
		snprintf(name, sizeof(name), "msgs_out_%s",
		    tn_msg_kind_name((enum tn_msg_kind)k));
		proc_stat_add(st, name, (int64_t)t->out[k]);
	}
	for (k = 1; k <= TN_MSG_ERR_MAX; k++) {
		snprintf(name, sizeof(name), "drops_%s", tn_msg_strerror(k));
		proc_stat_add(st, name, (int64_t)t->drops[k]);
	}
	proc_stat_add(st, "drops_spoofed_peer_id", (int64_t)t->drop_spoofed);
	proc_stat_add(st, "drops_banned", (int64_t)t->drop_banned);
	proc_stat_add(st, "drops_blacklisted", (int64_t)t->drop_blacklisted);
	proc_stat_add(st, "drops_not_sync_peer", (int64_t)t->drop_not_sync_peer);
	proc_stat_add(st, "handshake_refused", (int64_t)t->drop_refused);
	proc_stat_add(st, "registry_peers",
	    (int64_t)tn_registry_count(&t->reg));
	proc_stat_add(st, "sync_triggers", (int64_t)t->sync_triggers);
	proc_stat_add(st, "best_height", (int64_t)t->height);
}

/* ---- start and stop ---- */

static void
tn_join_topics(struct tn_ctx *t, const struct config *cfg)
{
	const char	*suffix;
	char		 name[2 * CFG_NAME_ROOM];
	size_t		 i;
	int		 k;

	snprintf(t->prefix, sizeof(t->prefix), "%s",
	    config_str(cfg, "topic_prefix"));
	for (i = 0; i < TP_ARRAY_LEN(tn_topics); i++) {
		k = tn_topics[i].kind;
		suffix = config_str(cfg, tn_topics[i].key);
		if (suffix[0] == '\0')
			continue;
		if (k == TN_MSG_HANDSHAKE)	/* the one verbatim topic */
			snprintf(name, sizeof(name), "%s", suffix);
		else
			snprintf(name, sizeof(name), "%s-%s", t->prefix, suffix);
		if (strlen(name) >= sizeof(t->topic[k]))
			fatal_config("%s: topic name longer than %zu bytes",
			    tn_topics[i].key, sizeof(t->topic[k]) - 1);
		memcpy(t->topic[k], name, strlen(name) + 1);
		if (ps_join(t->ps, t->topic[k]) == -1)
			fatal_config("%s: cannot join topic %s",
			    tn_topics[i].key, t->topic[k]);
		log_info("gossip: joined %s", t->topic[k]);
	}
}

static const char *
tn_genesis_hash(const struct config *cfg)
{
	const char	*net = config_str(cfg, "network");
	size_t		 i;

	if (config_str(cfg, "p2p_genesis_hash")[0] != '\0')
		return config_str(cfg, "p2p_genesis_hash");
	for (i = 0; i < TP_ARRAY_LEN(tn_genesis); i++)
		if (strcmp(net, tn_genesis[i][0]) == 0)
			return tn_genesis[i][1];
	return tn_genesis[1][1];	/* the test networks share testnet's */
}

static struct event *
tn_every(struct tn_ctx *t, uint64_t ms, event_callback_fn cb)
{
	struct event	*ev = event_new(t->p->base, -1, EV_PERSIST, cb, t);
	struct timeval	 tv = { (time_t)(ms / 1000),
			    (suseconds_t)(ms % 1000 * 1000) };

	event_add(ev, &tv);
	return ev;
}

struct tn_ctx *
tn_start(struct proc *p, struct ipc_pub *pub, struct p2p_host *h,
    struct ps_router *ps, const struct tn_hooks *hooks)
{
	const struct config		*cfg = p->cfg;
	struct tn_ctx		*t = xcalloc(1, sizeof(*t));
	struct tn_sync_params	 sp;
	struct timeval			 soon = { 0, 500000 };

	t->p = p;
	t->pub = pub;
	t->h = h;
	t->ps = ps;
	t->hooks = *hooks;
	snprintf(t->client_name, sizeof(t->client_name), "%s",
	    config_str(cfg, "clientName"));
	snprintf(t->datahub, sizeof(t->datahub), "%s",
	    config_str(cfg, "asset_httpPublicAddress"));
	if (t->datahub[0] != '\0' &&
	    tn_msg_check_url(t->datahub, TN_MSG_ALLOW_PRIVATE) != 0)
		fatal_config("asset_httpPublicAddress: not an http(s) URL: %s",
		    t->datahub);
	t->listen_only = strcmp(config_str(cfg, "listen_mode"),
	    "listen_only") == 0;
	t->flags = config_bool(cfg, "p2p_allow_private_ips") ?
	    TN_MSG_ALLOW_PRIVATE : 0;
	t->blacklist = config_list(cfg, "subtreevalidation_blacklisted_baseurls");
	t->started_wall_ms = util_wall_ms();
	if (tn_registry_init(&t->reg, (size_t)config_int(cfg,
	    "p2p_peer_registry_max"), config_duration_ms(cfg,
	    "p2p_peer_registry_ttl")) == -1)
		fatal("cannot allocate the peer registry");
	tn_sync_params_default(&sp);
	snprintf(sp.forced, sizeof(sp.forced), "%s",
	    config_str(cfg, "p2p_force_sync_peer"));
	tn_sync_init(&t->sync, &t->reg, &sp);
	tn_sync_start(&t->sync, util_mono_ms());
	t->health = tn_health_new(p->base, config_duration_ms(cfg,
	    "p2p_health_http_timeout"), TN_HEALTH_PARALLEL,
	    tn_genesis_hash(cfg));
	tn_join_topics(t, cfg);
	t->kafka = ipc_client_open(p->ipc, "kafka.rep");
	if ((t->kafka_sub = ipc_sub_open(p->ipc, "kafka.pub",
	    tn_local_notification, t)) != NULL)
		ipc_subscribe(t->kafka_sub, TP__ENVELOPE__BODY_LOCAL_NOTIFICATION);
	t->tick = tn_every(t, TN_TICK_MS, tn_tick_cb);
	t->status_ev = tn_every(t, config_duration_ms(cfg,
	    "p2p_node_status_interval"), tn_local_status_cb);
	t->health_ev = tn_every(t, config_duration_ms(cfg,
	    "p2p_health_check_interval"), tn_health_cb);
	t->hs_ev = evtimer_new(p->base, tn_local_hs_cb, t);
	t->first_status = evtimer_new(p->base, tn_local_status_cb, t);
	evtimer_add(t->first_status, &soon);
	return t;
}

void
tn_stop(struct tn_ctx *t)
{
	if (t == NULL)
		return;
	/* kafka.pub events carry t: none may arrive once it is freed */
	ipc_sub_close(t->kafka_sub);
	event_free(t->tick);
	event_free(t->status_ev);
	event_free(t->health_ev);
	event_free(t->first_status);
	event_free(t->hs_ev);
	tn_health_free(t->health);
	tn_registry_fini(&t->reg);
	free(t);
}
