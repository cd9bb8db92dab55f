/*
 * Gossip worker: the local node's side of the Teranode protocol.  Its
 * announcements (PublishReq from the Kafka bridge or the API) are checked
 * like received ones, get our PeerID, client name and DataHub URL, and go
 * out on their topic; our node_status goes out every
 * p2p_node_status_interval and after each own block; the seed's handshake
 * says who we are; the local chain state (height, tip, chain work, miner,
 * FSM state, block-assembly counts, storage), which the Kafka bridge reads
 * from Teranode's blockchain and block-assembly services, and catch-up
 * failures arrive from the Kafka bridge on kafka.pub.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "teranode/internal.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

/* Publish m on its topic in our envelope; 0 or -1 (logged). */
int
tn_local_send(struct tn_ctx *t, const struct tn_msg *m)
{
	char	*out;
	size_t	 len;
	int	 rc;

	if (t->topic[m->kind][0] == '\0')
		return -1;
	if (tn_msg_seal(m, t->client_name, &out, &len) != TN_MSG_OK)
		return -1;
	rc = ps_publish(t->ps, t->topic[m->kind],
	    (const uint8_t *)out, len);
	free(out);
	if (rc == 0)
		t->out[m->kind]++;
	return rc;
}

void
tn_local_handshake(struct tn_ctx *t, const char *type)
{
	struct tn_msg	m;

	if (t->topic[TN_MSG_HANDSHAKE][0] == '\0')
		return;
	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_HANDSHAKE;
	snprintf(m.u.handshake.type, sizeof(m.u.handshake.type), "%s", type);
	snprintf(m.u.handshake.peer_id, sizeof(m.u.handshake.peer_id), "%s",
	    t->h->id.peer_id_text);
	m.u.handshake.best_height = t->height;
	snprintf(m.u.handshake.best_hash, sizeof(m.u.handshake.best_hash), "%s",
	    t->best_hash);
	snprintf(m.u.handshake.data_hub_url, sizeof(m.u.handshake.data_hub_url),
	    "%s", t->listen_only ? "" : t->datahub);
	snprintf(m.u.handshake.user_agent, sizeof(m.u.handshake.user_agent),
	    "terap2p/bitcoin/%s", TP_VERSION);
	m.u.handshake.services = 1;
	snprintf(m.u.handshake.topic_prefix, sizeof(m.u.handshake.topic_prefix),
	    "%s", t->prefix);
	tn_local_send(t, &m);
}

void
tn_local_hs_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tn_local_handshake(arg, "version");
}

/* ---- the local node's announcements ---- */

/* Our own fields in a message the local node asked us to announce. */
static void
tn_fill_own(struct tn_ctx *t, struct tn_msg *m)
{
	const char	*id = t->h->id.peer_id_text;

#define OWN(f, v) snprintf(f, sizeof(f), "%s", v)
	switch (m->kind) {
	case TN_MSG_BLOCK:
		OWN(m->u.block.peer_id, id);
		OWN(m->u.block.client_name, t->client_name);
		if (m->u.block.data_hub_url[0] == '\0')
			OWN(m->u.block.data_hub_url, t->datahub);
		break;
	case TN_MSG_SUBTREE:
		OWN(m->u.subtree.peer_id, id);
		OWN(m->u.subtree.client_name, t->client_name);
		if (m->u.subtree.data_hub_url[0] == '\0')
			OWN(m->u.subtree.data_hub_url, t->datahub);
		break;
	case TN_MSG_REJECTED_TX:
		OWN(m->u.rejected_tx.peer_id, id);
		OWN(m->u.rejected_tx.client_name, t->client_name);
		break;
	case TN_MSG_MINING_ON:
		OWN(m->u.mining_on.peer_id, id);
		if (m->u.mining_on.data_hub_url[0] == '\0')
			OWN(m->u.mining_on.data_hub_url, t->datahub);
		break;
	case TN_MSG_BESTBLOCK:
		OWN(m->u.bestblock.peer_id, id);
		break;
	default:
		break;
	}
#undef OWN
}

/*
 * gossip.rep Publish: the JSON of one message (Teranode's keys) from the
 * Kafka bridge or the API; our PeerID, client name and DataHub URL are
 * filled in.  0, or -1 with err filled.
 */
int
tn_local_publish(struct tn_ctx *t, int kind, const char *json,
    char *err, size_t errlen)
{
	struct tn_msg	 m;
	int			 rc;

	if (kind < TN_MSG_BLOCK || kind > TN_MSG_BESTBLOCK ||
	    kind == TN_MSG_NODE_STATUS) {
		snprintf(err, errlen, "topic kind %d cannot be published", kind);
		return -1;
	}
	if (t->listen_only) {
		snprintf(err, errlen, "listen_mode is listen_only: only "
		    "node_status is published");
		return -1;
	}
	if (t->topic[kind][0] == '\0') {
		snprintf(err, errlen, "the %s topic is not configured",
		    tn_msg_kind_name((enum tn_msg_kind)kind));
		return -1;
	}
	rc = tn_msg_decode((enum tn_msg_kind)kind,
	    (const uint8_t *)json, strlen(json), TN_MSG_ALLOW_PRIVATE, &m);
	if (rc != TN_MSG_OK) {
		snprintf(err, errlen, "invalid %s message: %s",
		    tn_msg_kind_name((enum tn_msg_kind)kind),
		    tn_msg_strerror(rc));
		return -1;
	}
	tn_fill_own(t, &m);
	rc = tn_local_send(t, &m);
	if (rc == 0 && kind == TN_MSG_BLOCK) {
		/* our own block: it is our best now, say so at once */
		if (m.u.block.height >= t->height) {
			t->height = m.u.block.height;
			snprintf(t->best_hash, sizeof(t->best_hash), "%s",
			    m.u.block.hash);
			tn_sync_set_local_height(&t->sync, t->height);
		}
		tn_local_status(t);
	}
	tn_msg_fini(&m);
	if (rc == -1)
		snprintf(err, errlen, "the message does not fit a pubsub RPC");
	return rc;
}

/* Our node_status for the API's WebSocket stream and status page. */
static void
local_status_event(struct tn_ctx *t, const struct tn_msg *m)
{
	Tp__NodeStatusSeen	 e = TP__NODE_STATUS_SEEN__INIT;
	ipc_env			 ev = TP__ENVELOPE__INIT;
	char			*json;
	size_t			 len;

	if (tn_msg_encode(m, &json, &len) != TN_MSG_OK)
		return;
	e.peer_id = t->h->id.peer_id_text;
	e.json = json;
	e.own = 1;
	ev.body_case = TP__ENVELOPE__BODY_NODE_STATUS_SEEN;
	ev.node_status_seen = &e;
	ipc_publish(t->pub, &ev);
	free(json);
}

void
tn_local_status(struct tn_ctx *t)
{
	struct tn_msg		 m;
	struct tn_msg_node_status	*st = &m.u.node_status;
	const char			*sp = tn_sync_peer(&t->sync);
	struct tn_registry_peer	 p;

#define SET(f, v) snprintf(f, sizeof(f), "%s", v)
	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_NODE_STATUS;
	SET(st->peer_id, t->h->id.peer_id_text);
	SET(st->client_name, t->client_name);
	SET(st->type, "node_status");
	SET(st->base_url, t->listen_only ? "" : t->datahub);
	SET(st->version, TP_VERSION);
	SET(st->best_block_hash, t->best_hash);
	st->best_height = t->height;
	SET(st->fsm_state, t->fsm[0] != '\0' ? t->fsm : "UNKNOWN");
	SET(st->chain_work, t->chain_work);
	SET(st->miner_name, t->miner);
	st->tx_count = t->tx_count;
	st->subtree_count = t->subtree_count;
	st->start_time = (int64_t)(t->started_wall_ms / 1000);
	st->uptime = (double)(util_wall_ms() - t->started_wall_ms) / 1000.0;
	SET(st->listen_mode, t->listen_only ? "listen_only" : "full");
	st->connected_peers_count = (int64_t)t->h->cnt.conns_open;
	SET(st->storage, t->storage[0] != '\0' ? t->storage : "full");
	if (sp != NULL && tn_registry_copy(&t->reg, sp, &p) == 0) {
		SET(st->sync_peer_id, sp);
		st->sync_peer_height = p.height;
		SET(st->sync_peer_block_hash, p.best_hash);
		st->sync_connected_at = (int64_t)(t->sync.sync_start_ms / 1000);
	}
#undef SET
	if (tn_local_send(t, &m) == -1)
		log_debug("gossip: node_status not published");
	local_status_event(t, &m);
}

void
tn_local_status_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tn_local_status(arg);
}

/* NOTIFY_CHAIN_STATE: what the blockchain / block-assembly services say. */
static void
local_chain_state(struct tn_ctx *t, const Tp__LocalNotification *n)
{
#define SET(f, v) snprintf(f, sizeof(f), "%s", v)
	if (strcmp(t->fsm, n->fsm_state) != 0)
		log_info("gossip: local FSM state %s", n->fsm_state[0] != '\0' ?
		    n->fsm_state : "unknown");
	SET(t->fsm, n->fsm_state);
	tn_sync_set_fsm(&t->sync, tn_sync_fsm_parse(n->fsm_state));
	if (n->height_known && tn_msg_check_hash(n->best_hash) == 0) {
		t->height = n->best_height;
		SET(t->best_hash, n->best_hash);
		SET(t->chain_work, n->chain_work);
		SET(t->miner, n->miner);
		tn_sync_set_local_height(&t->sync, t->height);
	}
	t->tx_count = n->tx_count;
	t->subtree_count = n->subtree_count;
	SET(t->storage, n->storage);
#undef SET
}

/* kafka.pub: the local chain state and catch-up failures. */
void
tn_local_notification(void *arg, const ipc_env *ev)
{
	struct tn_ctx			*t = arg;
	const Tp__LocalNotification	*n = ev->local_notification;
	struct tn_sync_actions		 acts;
	size_t				 i;

	acts.n = 0;
	if (n->type == TP__NOTIFICATION_TYPE__NOTIFY_CHAIN_STATE)
		local_chain_state(t, n);
	else if (n->type == TP__NOTIFICATION_TYPE__NOTIFY_PEER_FAILURE) {
		/* only failure_type catchup is a catch-up failure */
		for (i = 0; i < n->n_metadata; i++)
			if (strcmp(n->metadata[i]->key, "failure_type") == 0 &&
			    strcmp(n->metadata[i]->value, "catchup") == 0)
				tn_sync_catchup_failure(&t->sync,
				    util_mono_ms(), &acts);
	}
	tn_sync_apply(t, &acts);
}

