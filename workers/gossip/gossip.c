/*
 * The gossip worker: it glues its three layers together and to the other
 * processes.  The libp2p host (libp2p/) tells it of connections through
 * callbacks; it hands them to the ban gate (gate.c), the pubsub layer
 * (pubsub/) and the Teranode layer (teranode/), and the router's
 * messages to the Teranode layer; the connection manager (connmgr.c) trims
 * connections past the high water mark.  It serves gossip.rep (GetPeers,
 * ConnectPeer, DisconnectPeer, Publish, PubsubJoin, PubsubPublish,
 * PublishBatch (publish.c),
 * PeerByDataHub) and
 * emits PeerConnected, PeerDisconnected, PubsubMessage and
 * ProtocolViolation on gossip.pub.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gossip.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define GOSSIP_DIAL_WAIT_S	10	/* ConnectPeer waits this long at most */

/* A ConnectPeer request waiting for its dial's outcome. */
struct gossip_dial {
	struct gossip_dial	*next;
	struct gossip_ctx	*g;
	struct ipc_req		*req;
	struct event		*timer;			/* owned */
	uint64_t		 conn_id;		/* 0: not known yet (DNS) */
	char			 peer[P2P_PEER_ID_TEXT_MAX];	/* or "" */
};

/* Answer d (ok when err is NULL) and forget it. */
static void
gossip_dial_done(struct gossip_dial *d, const char *err)
{
	struct gossip_dial	**dp;
	ipc_env			  rep = TP__ENVELOPE__INIT;

	for (dp = &d->g->dials; *dp != NULL; dp = &(*dp)->next)
		if (*dp == d) {
			*dp = d->next;
			break;
		}
	if (err == NULL)
		ipc_reply(d->req, &rep);
	else
		ipc_reply_error(d->req, TP__IPC_STATUS__IPC_ERR_UNAVAILABLE,
		    "%s", err);
	event_free(d->timer);
	free(d);
}

static void
gossip_dial_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gossip_dial_done(arg, "no connection within 10 s");
}

/* c opened (err NULL) or went away before: answer who waited for it. */
static void
gossip_dial_outcome(struct gossip_ctx *g, const struct p2p_conn *c,
    const char *err)
{
	struct gossip_dial	*d, *next;

	for (d = g->dials; d != NULL; d = next) {
		next = d->next;
		if (d->conn_id == c->id || (d->conn_id == 0 && err == NULL &&
		    d->peer[0] != '\0' && strcmp(d->peer, c->peer_text) == 0))
			gossip_dial_done(d, err);
	}
}

/* ---- the host's callbacks ---- */

static void
gossip_on_dialing(void *arg, struct p2p_conn *c)
{
	gossip_gate_check_addr(arg, c);
}

/* A connection finished its handshake: events, registry.  -1: refused. */
static int
gossip_on_open(void *arg, struct p2p_conn *c)
{
	struct gossip_ctx	*g = arg;
	Tp__PeerConnected	pc = TP__PEER_CONNECTED__INIT;
	ipc_env			ev = TP__ENVELOPE__INIT;

	gossip_gate_check_peer(g, c);
	pc.peer_id = c->peer_text;
	pc.addr = c->remote;
	pc.inbound = c->inbound;
	ev.body_case = TP__ENVELOPE__BODY_PEER_CONNECTED;
	ev.peer_connected = &pc;
	ipc_publish(g->pub, &ev);
	if (tn_connected(g->tn, c) == -1)
		return -1;
	gossip_dial_outcome(g, c, NULL);
	gossip_connmgr_added(g);
	return 0;
}

static void
gossip_on_identified(void *arg, struct p2p_conn *c)
{
	struct gossip_ctx	*g = arg;

	ps_meshsub_attach(&g->ms, c);
	if (g->kad != NULL)
		kad_net_identified(g->kad, c);
}

static void
gossip_on_closed(void *arg, struct p2p_conn *c)
{
	struct gossip_ctx	*g = arg;
	Tp__PeerDisconnected	pd = TP__PEER_DISCONNECTED__INIT;
	ipc_env			ev = TP__ENVELOPE__INIT;

	/* a ConnectPeer still waiting for c: it failed (or was refused) */
	gossip_dial_outcome(g, c, c->close_reason[0] != '\0' ?
	    c->close_reason : "connection closed");
	if (c->state == P2P_CONN_OPEN) {
		pd.peer_id = c->peer_text;
		pd.reason = c->close_reason;
		ev.body_case = TP__ENVELOPE__BODY_PEER_DISCONNECTED;
		ev.peer_disconnected = &pd;
		if (!g->p->stopping)
			ipc_publish(g->pub, &ev);
		tn_disconnected(g->tn, c);
	}
	ps_meshsub_detach(&g->ms, c);
	if (g->kad != NULL)
		kad_net_closed(g->kad, c);
}

/* Score peer on the ban manager (fire and forget). */
static void
gossip_ban_score(struct gossip_ctx *g, const char *peer, char **addrs,
    size_t naddrs)
{
	Tp__AddBanScoreReq	 as = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env			 ev = TP__ENVELOPE__INIT;

	if (g->bans == NULL)
		return;
	as.peer_id = (char *)peer;
	as.reason = "protocol_violation";
	as.addrs = addrs;
	as.n_addrs = naddrs;
	ev.body_case = TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ;
	ev.add_ban_score_req = &as;
	ipc_call(g->bans, &ev, 2000, NULL, NULL);
}

/* c broke the protocol: event on gossip.pub, score on the ban manager. */
static void
gossip_on_violation(void *arg, struct p2p_conn *c, const char *why)
{
	struct gossip_ctx	*g = arg;
	Tp__ProtocolViolation	 pv = TP__PROTOCOL_VIOLATION__INIT;
	ipc_env			 ev = TP__ENVELOPE__INIT;
	char			 ip[64], *addrs[1];

	log_info("gossip: protocol violation by %s (%s): %s",
	    c->peer_text[0] != '\0' ? c->peer_text : "unknown peer",
	    c->remote, why);
	if (c->peer_text[0] == '\0')
		return;
	p2p_conn_ip(c, ip, sizeof(ip));
	addrs[0] = ip;
	pv.peer_id = c->peer_text;
	pv.reason = (char *)why;
	pv.addrs = addrs;
	pv.n_addrs = 1;
	ev.body_case = TP__ENVELOPE__BODY_PROTOCOL_VIOLATION;
	ev.protocol_violation = &pv;
	ipc_publish(g->pub, &ev);
	gossip_ban_score(g, c->peer_text, addrs, 1);
}

/* ---- the router's and the Teranode layer's callbacks ---- */

/* A verified pubsub message on a joined topic. */
static enum ps_verdict
gossip_on_message(void *arg, const char *topic, const char *author,
    const char *from, const uint8_t *data, size_t len)
{
	struct gossip_ctx	*g = arg;
	Tp__PubsubMessage	m = TP__PUBSUB_MESSAGE__INIT;
	ipc_env			ev = TP__ENVELOPE__INIT;
	enum ps_verdict		v;

	gossip_exchange_author(g->ex, author, from);
	if (tn_message(g->tn, topic, author, from, data, len, &v))
		return v;
	m.topic = (char *)topic;
	m.author = (char *)author;
	m.from_peer_id = (char *)from;
	m.data.data = (uint8_t *)data;
	m.data.len = len;
	ev.body_case = TP__ENVELOPE__BODY_PUBSUB_MESSAGE;
	ev.pubsub_message = &m;
	ipc_publish(g->pub, &ev);
	return PS_ACCEPT;
}

static void
gossip_tn_score(void *arg, const char *peer)
{
	gossip_ban_score(arg, peer, NULL, 0);
}

static int
gossip_tn_banned(void *arg, const char *peer)
{
	return gossip_gate_peer_banned(arg, peer);
}

static int
gossip_tn_ban_state(void *arg, const char *peer, int *score, int *banned)
{
	return gossip_gate_ban_state(arg, peer, score, banned);
}

/* ---- gossip.rep ---- */

static void
gossip_on_pubsub_join(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__PubsubJoinReq *r)
{
	ipc_env	rep = TP__ENVELOPE__INIT;
	int	rc;

	rc = r->leave ? ps_leave(g->ms.ps, r->topic) :
	    ps_join(g->ms.ps, r->topic);
	if (rc == -1) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID,
		    "cannot %s topic \"%.64s\"", r->leave ? "leave" : "join",
		    r->topic);
		return;
	}
	if (g->kad != NULL)
		(void)kad_net_topic(g->kad, r->topic, !r->leave);
	ipc_reply(req, &rep);
}

static void
gossip_on_pubsub_publish(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__PubsubPublishReq *r)
{
	if (ps_publish(g->ms.ps, r->topic, r->data.data,
	    r->data.len) == -1) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID,
		    "cannot publish %zu bytes on \"%.64s\"", r->data.len,
		    r->topic);
		return;
	}
	gossip_published(g, req, NULL);
}

/* One PeerInfo per registry entry (strings borrowed from the copies). */
static void
gossip_on_get_peers(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__GetPeersReq *r)
{
	const struct tn_registry_peer *rp;
	Tp__GetPeersRep			 rep = TP__GET_PEERS_REP__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;
	Tp__PeerInfo			*pi, **v;
	struct p2p_conn		*c;
	char				*addrs[TN_REGISTRY_ADDRS_MAX];
	char				**av;
	size_t				 n, i, k, m = 0;
	uint64_t			 now = util_mono_ms(), wall = util_wall_ms();
	struct gossip_conn_index	 idx;

	rep.version = gossip_peers_version(g);
	if (r->if_version != 0 && r->if_version == rep.version) {
		rep.unchanged = 1;
		env.body_case = TP__ENVELOPE__BODY_GET_PEERS_REP;
		env.get_peers_rep = &rep;
		ipc_reply(req, &env);
		return;
	}
	gossip_conn_index_build(&idx, &g->host);
	n = tn_peers(g->tn, &rp);
	pi = xcalloc(n + 1, sizeof(*pi));
	v = xcalloc(n + 1, sizeof(*v));
	av = xcalloc(n * TN_REGISTRY_ADDRS_MAX + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		if (r->peer_id[0] != '\0' && strcmp(r->peer_id, rp[i].id) != 0)
			continue;
		tp__peer_info__init(&pi[m]);
		pi[m].peer_id = (char *)rp[i].id;
		for (k = 0; k < rp[i].naddrs; k++)
			addrs[k] = av[i * TN_REGISTRY_ADDRS_MAX + k] =
			    (char *)rp[i].addrs[k];
		pi[m].addrs = &av[i * TN_REGISTRY_ADDRS_MAX];
		pi[m].n_addrs = rp[i].naddrs;
		c = gossip_conn_index_find(&idx, rp[i].id);
		pi[m].user_agent = rp[i].user_agent[0] != '\0' ?
		    (char *)rp[i].user_agent : c != NULL ? c->info.agent : "";
		pi[m].height = rp[i].height;
		pi[m].best_hash = (char *)rp[i].best_hash;
		pi[m].data_hub_url = (char *)rp[i].data_hub_url;
		pi[m].healthy = rp[i].healthy;
		pi[m].ban_score = rp[i].ban_score;
		pi[m].connected_since_unix_ms = wall - (now -
		    rp[i].connected_at_ms);
		pi[m].bytes_in = rp[i].bytes_in + (c != NULL ? c->bytes_in : 0);
		pi[m].bytes_out = rp[i].bytes_out + (c != NULL ? c->bytes_out : 0);
		pi[m].client_name = (char *)rp[i].client_name;
		pi[m].inbound = rp[i].inbound;
		pi[m].connected = rp[i].nconns > 0;
		v[m] = &pi[m];
		m++;
	}
	(void)addrs;
	if (r->peer_id[0] != '\0' && m == 0) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_NOT_FOUND,
		    "peer %s is not known", r->peer_id);
	} else {
		rep.peers = v;
		rep.n_peers = m;
		env.body_case = TP__ENVELOPE__BODY_GET_PEERS_REP;
		env.get_peers_rep = &rep;
		ipc_reply(req, &env);
	}
	gossip_conn_index_free(&idx);
	free(av);
	free(v);
	free(pi);
}

static void
gossip_on_publish(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__PublishReq *r)
{
	char	err[256];

	if (tn_local_publish(g->tn, r->kind, r->json, err,
	    sizeof(err)) == -1) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID, "%s", err);
		return;
	}
	gossip_published(g, req, NULL);
}

/*
 * ConnectPeer: answered when the dial's outcome is known (open, or the
 * reason it failed: refused, peer ID mismatch, ...), at most 10 s later,
 * as `ipfs swarm connect`; a peer already connected is not dialed again.
 */
static void
gossip_on_connect(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__ConnectPeerReq *r)
{
	struct gossip_dial	*d;
	struct p2p_conn		*c;
	ipc_env			 rep = TP__ENVELOPE__INIT;
	const char		*p = strstr(r->multiaddr, "/p2p/");
	char			 err[256], peer[P2P_PEER_ID_TEXT_MAX] = "";
	uint64_t		 before = g->host.next_conn_id;
	struct timeval		 tv = { GOSSIP_DIAL_WAIT_S, 0 };

	if (p != NULL)
		snprintf(peer, sizeof(peer), "%.*s", (int)strcspn(p + 5, "/"),
		    p + 5);
	if (peer[0] != '\0' && p2p_host_find(&g->host, peer) != NULL) {
		ipc_reply(req, &rep);		/* already connected */
		return;
	}
	if (p2p_host_dial(&g->host, r->multiaddr, NULL, err, sizeof(err)) == -1) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID, "%s", err);
		return;
	}
	d = xcalloc(1, sizeof(*d));
	d->g = g;
	d->req = req;
	snprintf(d->peer, sizeof(d->peer), "%s", peer);
	TAILQ_FOREACH(c, &g->host.conns, entry)
		if (c->id > before && !c->inbound)
			d->conn_id = c->id;	/* the dial we just started */
	if (d->conn_id == 0 && d->peer[0] == '\0') {
		free(d);		/* a name being resolved: no way to tell */
		ipc_reply(req, &rep);
		return;
	}
	d->timer = evtimer_new(g->p->base, gossip_dial_timeout, d);
	evtimer_add(d->timer, &tv);
	d->next = g->dials;
	g->dials = d;
}

static void
gossip_on_disconnect(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__DisconnectPeerReq *r)
{
	ipc_env	rep = TP__ENVELOPE__INIT;

	if (p2p_host_disconnect(&g->host, r->peer_id) == 0) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_NOT_FOUND,
		    "peer %s is not connected", r->peer_id);
		return;
	}
	ipc_reply(req, &rep);
}

/* Invalid-subtree attribution: who announced this DataHub URL. */
static void
gossip_on_peer_by_datahub(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__PeerByDataHubReq *r)
{
	Tp__PeerByDataHubRep	 rep = TP__PEER_BY_DATA_HUB_REP__INIT;
	ipc_env			 env = TP__ENVELOPE__INIT;
	const char		*peer;

	if (r->url[0] == '\0' || strlen(r->url) > TN_MSG_URL_MAX) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID,
		    "url: empty or longer than %d bytes", TN_MSG_URL_MAX);
		return;
	}
	peer = tn_peer_by_datahub(g->tn, r->url);
	rep.peer_id = (char *)(peer != NULL ? peer : "");
	env.body_case = TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REP;
	env.peer_by_datahub_rep = &rep;
	ipc_reply(req, &env);
}

static void
gossip_dispatch(void *arg, struct ipc_req *req, const ipc_env *msg)
{
	struct gossip_ctx	*g = arg;

	switch (msg->body_case) {
	case TP__ENVELOPE__BODY_GET_PEERS_REQ:
		gossip_on_get_peers(g, req, msg->get_peers_req);
		break;
	case TP__ENVELOPE__BODY_CONNECT_PEER_REQ:
		gossip_on_connect(g, req, msg->connect_peer_req);
		break;
	case TP__ENVELOPE__BODY_DISCONNECT_PEER_REQ:
		gossip_on_disconnect(g, req, msg->disconnect_peer_req);
		break;
	case TP__ENVELOPE__BODY_PUBLISH_REQ:
		gossip_on_publish(g, req, msg->publish_req);
		break;
	case TP__ENVELOPE__BODY_PUBSUB_JOIN_REQ:
		gossip_on_pubsub_join(g, req, msg->pubsub_join_req);
		break;
	case TP__ENVELOPE__BODY_PUBSUB_PUBLISH_REQ:
		gossip_on_pubsub_publish(g, req, msg->pubsub_publish_req);
		break;
	case TP__ENVELOPE__BODY_PUBLISH_BATCH_REQ:
		gossip_on_publish_batch(g, req, msg->publish_batch_req);
		break;
	case TP__ENVELOPE__BODY_CATCHUP_REPORT_REQ:
		tn_catchup_ipc_report(g->catchup, g->tn, req,
		    msg->catchup_report_req);
		break;
	case TP__ENVELOPE__BODY_PEER_REGISTRY_REQ:
		tn_catchup_ipc_registry(g->catchup, g->tn, req,
		    msg->peer_registry_req);
		break;
	case TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REQ:
		gossip_on_peer_by_datahub(g, req, msg->peer_by_datahub_req);
		break;
	default:
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED,
		    "gossip does not handle %s", ipc_body_name(msg->body_case));
	}
}

static void
gossip_stats(void *arg, struct proc_stats *st)
{
	struct gossip_ctx	*g = arg;

	proc_stat_add(st, "connections", (int64_t)g->host.nconns);
	proc_stat_add(st, "peers", (int64_t)g->host.cnt.conns_open);
	proc_stat_add(st, "connections_in", (int64_t)g->host.cnt.conns_in);
	proc_stat_add(st, "connections_out", (int64_t)g->host.cnt.conns_out);
	proc_stat_add(st, "handshake_failures",
	    (int64_t)g->host.cnt.handshake_failures);
	proc_stat_add(st, "protocol_violations",
	    (int64_t)g->host.cnt.protocol_violations);
	proc_stat_add(st, "identifies", (int64_t)g->host.cnt.identifies);
	proc_stat_add(st, "pings_ok", (int64_t)g->host.cnt.pings_ok);
	proc_stat_add(st, "refused_limit", (int64_t)g->host.cnt.refused_limit);
	proc_stat_add(st, "refused_banned", (int64_t)g->host.cnt.refused_banned);
	proc_stat_add(st, "dropped_banned", (int64_t)g->host.cnt.dropped_banned);
	proc_stat_add(st, "static_peers", (int64_t)g->host.nstatics);
	gossip_connmgr_stats(g, st);
	tn_stats(g->tn, st);
	if (g->ms.ps != NULL) {
		struct ps_stats	ps;

		ps_stats(g->ms.ps, &ps);
		proc_stat_add(st, "pubsub_rpc_in", (int64_t)ps.rpc_in);
		proc_stat_add(st, "pubsub_rpc_out", (int64_t)ps.rpc_out);
		proc_stat_add(st, "pubsub_msg_delivered",
		    (int64_t)ps.msg_delivered);
		proc_stat_add(st, "pubsub_msg_duplicate",
		    (int64_t)ps.msg_duplicate);
		proc_stat_add(st, "pubsub_msg_bad_sig", (int64_t)ps.msg_bad_sig);
		proc_stat_add(st, "pubsub_msg_published",
		    (int64_t)ps.msg_published);
		proc_stat_add(st, "pubsub_msg_forwarded",
		    (int64_t)ps.msg_forwarded);
		proc_stat_add(st, "pubsub_send_failed", (int64_t)ps.send_failed);
		proc_stat_add(st, "pubsub_dropped_slow",
		    (int64_t)g->ms.dropped_slow);
		proc_stat_add(st, "publish_held", (int64_t)g->cnt_held);
		proc_stat_add(st, "publish_batches", (int64_t)g->cnt_batches);
		proc_stat_add(st, "publish_batched", (int64_t)g->cnt_batched);
		proc_stat_add(st, "pubsub_peers", (int64_t)ps.peers);
		proc_stat_add(st, "pubsub_px_in", (int64_t)ps.px_in);
		proc_stat_add(st, "pubsub_px_out", (int64_t)ps.px_out);
		proc_stat_add(st, "pubsub_px_refused", (int64_t)ps.px_refused);
	}
	if (g->ex != NULL)
		gossip_exchange_stats_add(g->ex, st);
}

static int
gossip_healthy(void *arg, Tp__HealthRep *rep)
{
	struct gossip_ctx	*g = arg;

	/* borrowed: the reply is sent before the host changes */
	rep->listen_addrs = g->host.advertise;
	rep->n_listen_addrs = g->host.nadvertise;
	return g->host.nlisteners > 0;
}

static void
gossip_stop(void *arg)
{
	struct gossip_ctx	*g = arg;

	while (g->dials != NULL)
		gossip_dial_done(g->dials, "the gossip worker is stopping");
	gossip_connmgr_stop(g);
	kad_net_stop(g->kad);
	g->kad = NULL;
	gossip_release(g);
	if (g->hold_timer != NULL)
		event_free(g->hold_timer);
	g->hold_timer = NULL;
	p2p_host_stop(&g->host);
	gossip_exchange_stop(g->ex);
	g->ex = NULL;
	p2p_static_stop(&g->host);
	tn_catchup_ipc_stop(g->catchup);
	g->catchup = NULL;
	tn_stop(g->tn);
	g->tn = NULL;
	ps_meshsub_stop(&g->ms);
	gossip_gate_stop(g);
}

/* The DHT (p2p_dht_mode), with a rendezvous on every topic joined so far. */
static void
gossip_kad_start(struct gossip_ctx *g)
{
	const struct config	*cfg = g->p->cfg;
	const struct cfg_list	*boot = config_list(cfg, "p2p_bootstrap_peers");
	struct kad_net_conf	 kc;
	const char		*topic;
	char			 err[256];
	size_t			 i;

	memset(&kc, 0, sizeof(kc));
	if ((kc.mode = kad_mode_parse(config_str(cfg, "p2p_dht_mode"))) ==
	    KAD_MODE_OFF)
		return;
	kc.bootstrap = boot->v;
	kc.nbootstrap = boot->n;
	kc.cache_dir = config_str(cfg, "p2p_peer_cache_dir");
	kc.allow_private = config_bool(cfg, "p2p_allow_private_ips");
	kc.dns_servers = config_str(cfg, "dnsaddr_servers");
	kc.sweep_ms = config_duration_ms(cfg, "p2p_dht_cleanup_interval");
	/* the connection manager's high water mark (0: it is off) */
	kc.dial_below = (size_t)config_int(cfg, "p2p_conn_high_water");
	if ((g->kad = kad_net_start(&g->host, g->p->base, &kc, err,
	    sizeof(err))) == NULL)
		fatal_config("p2p_dht_mode: %s", err);
	for (i = 0; (topic = ps_joined(g->ms.ps, i)) != NULL; i++)
		(void)kad_net_topic(g->kad, topic, 1);
}

int
gossip_main(struct proc *p)
{
	struct gossip_ctx	*g = xcalloc(1, sizeof(*g));
	struct tn_hooks		 hooks = {
		g, gossip_tn_score, gossip_tn_banned, gossip_tn_ban_state,
	};
	int			 rc;

	g->p = p;
	g->peers_epoch = util_wall_ms();
	g->host.p = p;
	snprintf(g->host.protocol_version, sizeof(g->host.protocol_version),
	    "/teranode/bitcoin/%s/1.0.0", config_str(p->cfg, "network"));
	g->host.cbs.arg = g;
	g->host.cbs.dialing = gossip_on_dialing;
	g->host.cbs.open = gossip_on_open;
	g->host.cbs.identified = gossip_on_identified;
	g->host.cbs.closed = gossip_on_closed;
	g->host.cbs.violation = gossip_on_violation;
	p->hook_arg = g;
	p->stop = gossip_stop;
	p->stats = gossip_stats;
	p->health = gossip_healthy;
	p->dispatch = gossip_dispatch;
	if (p2p_host_start(&g->host) == -1)
		fatal_config("cannot listen on p2p_listen_addresses at "
		    "p2p_port %lld", config_int(p->cfg, "p2p_port"));
	if (proc_serve(p) == -1)
		fatal_config("cannot serve gossip.rep under %s", p->run_dir);
	if ((g->pub = ipc_pub_open(p->ipc, "gossip.pub")) == NULL)
		fatal_config("cannot publish gossip.pub under %s", p->run_dir);
	g->hold_timer = evtimer_new(p->base, gossip_hold_expired, g);
	g->ms.unbusy = gossip_release;
	g->ms.unbusy_arg = g;
	if (ps_meshsub_start(&g->ms, &g->host, gossip_on_message, g) == -1)
		fatal_config("cannot start the pubsub router");
	gossip_gate_start(g);
	g->ex = gossip_exchange_start(g);
	g->tn = tn_start(p, g->pub, &g->host, g->ms.ps, &hooks);
	g->catchup = tn_catchup_ipc_start(p);
	p2p_static_start(&g->host);
	gossip_connmgr_start(g);
	gossip_kad_start(g);
	if (config_bool(p->cfg, "p2p_enable_mdns"))
		log_warn("gossip: p2p_enable_mdns is set, but terap2p does not "
		    "do mDNS: peers come from p2p_static_peers, the DHT "
		    "(p2p_bootstrap_peers), the peer cache and peer exchange");
	proc_ready(p);
	rc = proc_run(p);
	if (!p->stopping)
		gossip_stop(g);
	free(g);
	return rc;
}
