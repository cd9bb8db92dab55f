/*
 * The Teranode protocol against real js-libp2p gossipsub peers that speak
 * Teranode's envelope {"name", "data": base64(JSON)}: their block, subtree
 * and node_status messages become BlockSeen / SubtreeSeen / NodeStatusSeen
 * events and registry entries; our announcements decode at the js side to
 * exactly Teranode's keys; a PeerID that is not the signed author is
 * dropped and scored; an oversized block is dropped; a handshake from
 * another network is disconnected and refused; listen_only publishes
 * nothing but status.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define HASH	"00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"
#define HSTOPIC	"teranode/bitcoin/handshake"
/* keys of the envelope as they appear inside js's JSON answer */
#define NAME_KEY	"\\\"name\\\":\\\""
#define DATA_KEY	"\\\"data\\\":\\\""

static const char *const	gossip_args[] = { "--gossip", NULL };

struct node {
	struct daemon	d;
	char		peer_id[64], addr[160];
	nng_socket	sub;		/* gossip.pub */
};

static void
node_start(struct node *n, const char *more)
{
	char		 extra[512], url[256];
	int		 port = h_free_port();

	memset(n, 0, sizeof(*n));
	snprintf(extra, sizeof(extra), "p2p_port = %d\n%s", port,
	    more != NULL ? more : "");
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", port,
	    n->peer_id);
	ck_assert_int_eq(nng_sub0_open(&n->sub), 0);
	nng_socket_set(n->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(n->sub, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_int(n->sub, NNG_OPT_RECVBUF, IPC_EVENT_QUEUE);
	ipc_url(n->d.run_dir, "gossip.pub", url, sizeof(url));
	ck_assert_int_eq(nng_dial(n->sub, url, NULL, 0), 0);
	/* node_status and rejected_tx events have sockets of their own */
	ipc_url(n->d.run_dir, "gossip.pub.status", url, sizeof(url));
	ck_assert_int_eq(nng_dial(n->sub, url, NULL, 0), 0);
	ipc_url(n->d.run_dir, "gossip.pub.rejected", url, sizeof(url));
	ck_assert_int_eq(nng_dial(n->sub, url, NULL, 0), 0);
}

static void
node_stop(struct node *n)
{
	nng_close(n->sub);
	h_stop(&n->d);
}

/* The next gossip.pub event of kind, within ms; NULL if none. */
static ipc_env *
node_event(struct node *n, Tp__Envelope__BodyCase kind, int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	nng_msg		*m;
	ipc_env		*ev;
	char		 err[128];

	while (util_mono_ms() < end) {
		if (nng_recvmsg(n->sub, &m, 0) != 0)
			continue;
		if (ipc_decode((uint8_t *)nng_msg_body(m) + IPC_TAG_LEN,
		    nng_msg_len(m) - IPC_TAG_LEN, &ev, err, sizeof(err)) == 0) {
			nng_msg_free(m);
			if (ev->body_case == kind)
				return ev;
			ipc_env_free(ev);
			continue;
		}
		nng_msg_free(m);
	}
	return NULL;
}

static ipc_env *
node_call(struct node *n, const char *name, ipc_env *req)
{
	ipc_env	*rep = h_call(&n->d, name, req);

	ck_assert_ptr_nonnull(rep);
	return rep;
}

static int
node_publish(struct node *n, Tp__TopicKind kind, const char *json, char *err,
    size_t errlen)
{
	Tp__PublishReq	 p = TP__PUBLISH_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int		 status;

	p.kind = kind;
	p.json = (char *)json;
	req.body_case = TP__ENVELOPE__BODY_PUBLISH_REQ;
	req.publish_req = &p;
	rep = node_call(n, "gossip.rep", &req);
	status = rep->status;
	snprintf(err, errlen, "%s", rep->error);
	ipc_env_free(rep);
	return status;
}

static int64_t
node_stat(struct node *n, const char *name)
{
	Tp__StatsReq	 s = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;
	size_t		 i;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &s;
	rep = node_call(n, "gossip.rep", &req);
	for (i = 0; i < rep->stats_rep->n_stats; i++)
		if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
			v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

/* A js peer on the topics, connected to n. */
static void
js_join(struct jspeer *js, struct node *n, const char *const *topics)
{
	char		 extra[300];
	const char	*line;

	jspeer_start(js, gossip_args);
	for (size_t i = 0; topics[i] != NULL; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topics[i]);
		ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
	}
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n->addr);
	line = jspeer_cmd(js, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	/* subscriptions exchanged, meshes grafted */
	for (size_t i = 0; topics[i] != NULL; i++)
		ck_assert_msg(jspeer_wait_mesh(js, topics[i], n->peer_id, 15000)
		    == 0, "daemon not in js's %s mesh", topics[i]);
}

/* The newest message js got on topic, envelope opened: the message JSON. */
static int
js_last(struct jspeer *js, const char *topic, char *name, size_t namelen,
    char *json, size_t jsonlen, int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	const char	*line, *p, *q;
	char		 extra[256], b64[16384];
	size_t		 n;

	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topic);
	do {
		line = jspeer_cmd(js, "messages", extra, 5000);
		if (line != NULL && (p = strrchr(line, '{')) != NULL &&
		    strstr(p, DATA_KEY) != NULL) {
			q = strstr(p, NAME_KEY);
			if (q != NULL)
				sscanf(q + strlen(NAME_KEY), "%127[^\\]", name);
			(void)namelen;
			q = strstr(p, DATA_KEY) + strlen(DATA_KEY);
			sscanf(q, "%16383[^\\]", b64);
			if (util_b64_decode(b64, strlen(b64), (uint8_t *)json,
			    jsonlen - 1, &n) == 0) {
				json[n] = '\0';
				return 0;
			}
		}
		usleep(100 * 1000);
	} while (util_mono_ms() < end);
	return -1;
}

START_TEST(js_block_subtree_status_become_events)
{
	static const char *const topics[] = { PREFIX "-block", PREFIX "-subtree",
	    PREFIX "-node_status", NULL };
	Tp__GetPeersReq		 gp = TP__GET_PEERS_REQ__INIT;
	ipc_env			*ev, req = TP__ENVELOPE__INIT, *rep;
	struct node		 n;
	struct jspeer		 js;
	char			 json[1024];
	size_t			 i;
	int			 found = 0;

	node_start(&n, NULL);
	js_join(&js, &n, topics);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":\"js-node\","
	    "\"DataHubURL\":\"https://datahub.example.com/api/v1\",\"Hash\":\"%s\","
	    "\"Height\":812345,\"Header\":\"\",\"Coinbase\":\"\"}", js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-block", json);
	ev = node_event(&n, TP__ENVELOPE__BODY_BLOCK_SEEN, 10000);
	ck_assert_msg(ev != NULL, "no BlockSeen");
	ck_assert_str_eq(ev->block_seen->hash, HASH);
	ck_assert_uint_eq(ev->block_seen->height, 812345);
	ck_assert_str_eq(ev->block_seen->peer_id, js.peer_id);
	ck_assert_str_eq(ev->block_seen->data_hub_url,
	    "https://datahub.example.com/api/v1");
	ck_assert_str_eq(ev->block_seen->client_name, "js-node");
	ipc_env_free(ev);
	/* keys in another case are fine: decoding ignores case */
	snprintf(json, sizeof(json), "{\"peerid\":\"%s\",\"HASH\":\"%s\","
	    "\"datahuburl\":\"https://datahub.example.com/api/v1\"}",
	    js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	ev = node_event(&n, TP__ENVELOPE__BODY_SUBTREE_SEEN, 10000);
	ck_assert_msg(ev != NULL, "no SubtreeSeen");
	ck_assert_str_eq(ev->subtree_seen->hash, HASH);
	ipc_env_free(ev);
	snprintf(json, sizeof(json), "{\"peer_id\":\"%s\",\"client_name\":"
	    "\"js-node\",\"type\":\"node_status\",\"base_url\":"
	    "\"https://datahub.example.com/api/v1\",\"version\":\"1.2.3\","
	    "\"best_height\":812346,\"best_block_hash\":\"%s\","
	    "\"fsm_state\":\"RUNNING\",\"listen_mode\":\"full\"}",
	    js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-node_status", json);
	ev = node_event(&n, TP__ENVELOPE__BODY_NODE_STATUS_SEEN, 10000);
	ck_assert_msg(ev != NULL, "no NodeStatusSeen");
	ck_assert_ptr_nonnull(strstr(ev->node_status_seen->json,
	    "\"best_height\":812346"));
	ipc_env_free(ev);
	/* the registry knows js now */
	req.body_case = TP__ENVELOPE__BODY_GET_PEERS_REQ;
	req.get_peers_req = &gp;
	rep = node_call(&n, "gossip.rep", &req);
	for (i = 0; i < rep->get_peers_rep->n_peers; i++) {
		Tp__PeerInfo	*pi = rep->get_peers_rep->peers[i];

		if (strcmp(pi->peer_id, js.peer_id) != 0)
			continue;
		found = 1;
		ck_assert_uint_eq(pi->height, 812346);
		ck_assert_str_eq(pi->client_name, "js-node");
		ck_assert_str_eq(pi->data_hub_url,
		    "https://datahub.example.com/api/v1");
	}
	ck_assert_msg(found, "js not in the registry");
	ipc_env_free(rep);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

START_TEST(our_announcements_have_teranodes_keys)
{
	static const char *const topics[] = { PREFIX "-block",
	    PREFIX "-node_status", NULL };
	struct node	 n;
	struct jspeer	 js;
	char		 json[16384], name[128] = "", err[256], want[512];

	node_start(&n, "clientName = terap2p-test\n"
	    "asset_httpPublicAddress = https://datahub.example.org/api/v1\n"
	    "p2p_node_status_interval = 1s\n");
	js_join(&js, &n, topics);
	ck_assert_int_eq(node_publish(&n, TP__TOPIC_KIND__TOPIC_BLOCK,
	    "{\"Hash\":\"" HASH "\",\"Height\":900001}", err, sizeof(err)), 0);
	ck_assert_int_eq(js_last(&js, PREFIX "-block", name, sizeof(name), json,
	    sizeof(json), 10000), 0);
	ck_assert_str_eq(name, "terap2p-test");
	snprintf(want, sizeof(want), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"terap2p-test\",\"DataHubURL\":\"https://datahub.example.org/"
	    "api/v1\",\"Hash\":\"%s\",\"Height\":900001,", n.peer_id, HASH);
	ck_assert_msg(strncmp(json, want, strlen(want)) == 0, "got %s", json);
	/* node_status: snake_case, our height after our own block */
	ck_assert_int_eq(js_last(&js, PREFIX "-node_status", name, sizeof(name),
	    json, sizeof(json), 10000), 0);
	snprintf(want, sizeof(want), "{\"peer_id\":\"%s\",\"client_name\":"
	    "\"terap2p-test\",\"type\":\"node_status\",\"base_url\":"
	    "\"https://datahub.example.org/api/v1\"", n.peer_id);
	ck_assert_msg(strncmp(json, want, strlen(want)) == 0, "got %s", json);
	ck_assert_ptr_nonnull(strstr(json, "\"best_height\":900001"));
	/* garbage is refused with the reason */
	ck_assert_int_eq(node_publish(&n, TP__TOPIC_KIND__TOPIC_BLOCK,
	    "{\"Hash\":\"not hex\"}", err, sizeof(err)),
	    TP__IPC_STATUS__IPC_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err, "invalid block message"));
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

START_TEST(spoofed_and_oversized_are_dropped)
{
	static const char *const topics[] = { PREFIX "-block", NULL };
	Tp__GetBanScoreReq	 gs = TP__GET_BAN_SCORE_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep, *ev;
	struct node		 n;
	struct jspeer		 js;
	char			 json[40000];

	node_start(&n, NULL);
	js_join(&js, &n, topics);
	/* signed by js, claiming another author */
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"Hash\":\"%s\","
	    "\"Height\":5}", "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB",
	    HASH);
	jspeer_send_envelope(&js, PREFIX "-block", json);
	/* over the 32 KiB block cap */
	memset(json, ' ', sizeof(json) - 1);
	json[0] = '{';
	json[sizeof(json) - 2] = '}';
	json[sizeof(json) - 1] = '\0';
	jspeer_send_envelope(&js, PREFIX "-block", json);
	ck_assert_ptr_null(ev = node_event(&n, TP__ENVELOPE__BODY_BLOCK_SEEN,
	    2000));
	ck_assert_int_eq(node_stat(&n, "drops_spoofed_peer_id"), 1);
	ck_assert_int_ge(node_stat(&n, "drops_too_big"), 1);
	gs.peer_id = js.peer_id;
	req.body_case = TP__ENVELOPE__BODY_GET_BAN_SCORE_REQ;
	req.get_ban_score_req = &gs;
	rep = node_call(&n, "bans.rep", &req);
	ck_assert_int_ge(rep->ban_score_rep->score, 20);
	ipc_env_free(rep);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

START_TEST(handshake_of_another_network_is_refused)
{
	static const char *const topics[] = { HSTOPIC, NULL };
	struct node	 n;
	struct jspeer	 js;
	char		 json[1024], name[128], extra[256];
	const char	*line;

	node_start(&n, "p2p_handshake_topic = " HSTOPIC "\n");
	js_join(&js, &n, topics);
	/* we said who we are on connect (and again in answers) */
	ck_assert_int_eq(js_last(&js, HSTOPIC, name, sizeof(name), json,
	    sizeof(json), 10000), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"type\":\"version\""));
	ck_assert_ptr_nonnull(strstr(json, "\"userAgent\":\"terap2p/bitcoin/"));
	ck_assert_ptr_nonnull(strstr(json, "\"topicPrefix\":\"" PREFIX "\""));
	snprintf(json, sizeof(json), "{\"type\":\"version\",\"peerID\":\"%s\","
	    "\"bestHeight\":1,\"userAgent\":\"js\",\"topicPrefix\":"
	    "\"teranode/bitcoin/1.0.0/testnet\"}", js.peer_id);
	jspeer_send_envelope(&js, HSTOPIC, json);
	ck_assert_ptr_nonnull(jspeer_wait(&js, "\"disconnect\"", n.peer_id,
	    10000));
	h_wait_log(&n.d, "gossip", "is on teranode/bitcoin/1.0.0/testnet", 5000);
	if (node_stat(&n, "handshake_refused") != 1)
		fprintf(stderr, "%s\n", n.d.log);
	ck_assert_int_eq(node_stat(&n, "handshake_refused"), 1);
	/* and it stays refused */
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);
	line = jspeer_cmd(&js, "dial", extra, 10000);
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "refused: another network",
	    10000), 0);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

START_TEST(listen_only_publishes_status_only)
{
	static const char *const topics[] = { PREFIX "-node_status", NULL };
	static const struct {
		Tp__TopicKind	 kind;
		const char	*json;
	} refused[] = {
		{ TP__TOPIC_KIND__TOPIC_BLOCK, "{\"Hash\":\"" HASH "\","
		    "\"Height\":1}" },
		{ TP__TOPIC_KIND__TOPIC_SUBTREE, "{\"Hash\":\"" HASH "\"}" },
		{ TP__TOPIC_KIND__TOPIC_MINING_ON, "{\"Hash\":\"" HASH "\","
		    "\"Height\":1}" },
		{ TP__TOPIC_KIND__TOPIC_REJECTED_TX, "{\"TxID\":\"" HASH "\","
		    "\"Reason\":\"r\"}" },
		{ TP__TOPIC_KIND__TOPIC_BESTBLOCK, "{\"Hash\":\"" HASH "\","
		    "\"Height\":1}" },
	};
	struct node	n;
	struct jspeer	js;
	char		err[256], name[128], json[4096];

	node_start(&n, "listen_mode = listen_only\n"
	    "p2p_node_status_interval = 1s\n");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(node_publish(&n, refused[i].kind,
		    refused[i].json, err, sizeof(err)),
		    TP__IPC_STATUS__IPC_ERR_INVALID);
		ck_assert_msg(strstr(err, "listen_only") != NULL,
		    "kind %d: %s", refused[i].kind, err);
	}
	/* our node_status still goes out, saying listen_only */
	js_join(&js, &n, topics);
	ck_assert_int_eq(js_last(&js, PREFIX "-node_status", name,
	    sizeof(name), json, sizeof(json), 15000), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"listen_mode\":\"listen_only\""));
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

/* The registry entry of peer (GetPeers), NULL if not known. */
static ipc_env *
node_peer(struct node *n, const char *peer)
{
	Tp__GetPeersReq	 gp = TP__GET_PEERS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;

	gp.peer_id = (char *)peer;
	req.body_case = TP__ENVELOPE__BODY_GET_PEERS_REQ;
	req.get_peers_req = &gp;
	if ((rep = h_call(&n->d, "gossip.rep", &req)) == NULL)
		return NULL;
	if (rep->status != 0 || rep->get_peers_rep->n_peers != 1) {
		ipc_env_free(rep);
		return NULL;
	}
	return rep;
}

/* Wait until the registry says peer's ban score is score; -1 if never. */
static int
node_wait_score(struct node *n, const char *peer, int score, int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	ipc_env		*rep;
	int		 got = -2;

	do {
		if ((rep = node_peer(n, peer)) != NULL) {
			got = rep->get_peers_rep->peers[0]->ban_score;
			ipc_env_free(rep);
			if (got == score)
				return 0;
		}
		usleep(100 * 1000);
	} while (util_mono_ms() < end);
	fprintf(stderr, "%s: ban score %d, not %d\n", peer, got, score);
	return -1;
}

static void
node_add_score(struct node *n, const char *peer, const char *reason)
{
	Tp__AddBanScoreReq	 as = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;

	as.peer_id = (char *)peer;
	as.reason = (char *)reason;
	req.body_case = TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ;
	req.add_ban_score_req = &as;
	rep = node_call(n, "bans.rep", &req);
	ck_assert_msg(rep->status == 0, "AddBanScore: %s", rep->error);
	ipc_env_free(rep);
}

static void
node_ban_peer(struct node *n, const char *peer)
{
	Tp__BanPeerReq	 bp = TP__BAN_PEER_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;

	bp.peer_id = (char *)peer;
	bp.reason = "test";
	req.body_case = TP__ENVELOPE__BODY_BAN_PEER_REQ;
	req.ban_peer_req = &bp;
	rep = node_call(n, "bans.rep", &req);
	ck_assert_msg(rep->status == 0, "BanPeer: %s", rep->error);
	ipc_env_free(rep);
}

/* js2 reaches the node only through js1. */
static void
js_relay(struct jspeer *js2, struct jspeer *js1, const char *const *topics)
{
	char		 extra[300];
	const char	*line;

	jspeer_start(js2, gossip_args);
	for (size_t i = 0; topics[i] != NULL; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topics[i]);
		ck_assert_ptr_nonnull(jspeer_cmd(js2, "subscribe", extra, 5000));
	}
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", js1->addr);
	line = jspeer_cmd(js2, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	for (size_t i = 0; topics[i] != NULL; i++)
		ck_assert_msg(jspeer_wait_mesh(js2, topics[i], js1->peer_id,
		    15000) == 0, "js1 not in js2's %s mesh", topics[i]);
}

/*
 * Every score change reaches the registry (GetPeers' ban_score), for
 * connected peers and for peers heard of through a relay; and after the
 * gossip worker restarts, a banned author's relayed messages are still
 * dropped: the banned peers are loaded from the ban manager.
 */
START_TEST(ban_scores_reach_the_registry_and_survive_a_restart)
{
	static const char *const topics[] = { PREFIX "-block",
	    PREFIX "-node_status", NULL };
	struct node	 n;
	struct jspeer	 js1, js2;
	char		 json[1024], extra[300];
	const char	*line;
	ipc_env		*ev;
	pid_t		 old, now = 0;
	uint64_t	 end;
	int64_t		 drops = -1;

	node_start(&n, NULL);
	js_join(&js1, &n, topics);
	js_relay(&js2, &js1, topics);
	/* a connected peer */
	node_add_score(&n, js1.peer_id, "spam");
	ck_assert_int_eq(node_wait_score(&n, js1.peer_id, 50, 10000), 0);
	/* a peer scored before we ever heard of it, then heard through js1 */
	node_add_score(&n, js2.peer_id, "protocol_violation");
	snprintf(json, sizeof(json), "{\"peer_id\":\"%s\",\"type\":"
	    "\"node_status\",\"best_height\":7,\"best_block_hash\":\"%s\"}",
	    js2.peer_id, HASH);
	jspeer_send_envelope(&js2, PREFIX "-node_status", json);
	ck_assert_int_eq(node_wait_score(&n, js2.peer_id, 20, 10000), 0);
	ev = node_peer(&n, js2.peer_id);
	ck_assert_ptr_nonnull(ev);
	ck_assert(!ev->get_peers_rep->peers[0]->connected);
	ipc_env_free(ev);
	ev = node_peer(&n, js1.peer_id);
	ck_assert_ptr_nonnull(ev);
	ck_assert(ev->get_peers_rep->peers[0]->connected);
	ipc_env_free(ev);
	/* js2 banned; the gossip worker dies and comes back */
	node_ban_peer(&n, js2.peer_id);
	ck_assert_int_ge(h_count_log(&n.d, "gossip", "ban scores loaded"), 1);
	old = h_worker_pid(&n.d, "gossip");
	ck_assert_int_gt(old, 0);
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	end = util_mono_ms() + (uint64_t)h_ms(15000);
	while (util_mono_ms() < end &&
	    ((now = h_worker_pid(&n.d, "gossip")) == 0 || now == old))
		usleep(100 * 1000);
	ck_assert_int_gt(now, 0);
	ck_assert_int_ne(now, old);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "ban scores loaded",
	    10000), 0);
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);
	line = jspeer_cmd(&js1, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	for (size_t i = 0; topics[i] != NULL; i++)
		ck_assert_msg(jspeer_wait_mesh(&js1, topics[i], n.peer_id,
		    15000) == 0, "daemon not in js1's %s mesh", topics[i]);
	ck_assert_int_eq(node_wait_score(&n, js1.peer_id, 50, 10000), 0);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"Hash\":\"%s\","
	    "\"Height\":9}", js2.peer_id, HASH);
	jspeer_send_envelope(&js2, PREFIX "-block", json);
	end = util_mono_ms() + (uint64_t)h_ms(10000);
	while (util_mono_ms() < end && (drops = node_stat(&n,
	    "drops_banned")) < 1)
		usleep(100 * 1000);
	ck_assert_msg(drops >= 1, "the banned author's block passed\n%s",
	    n.d.log);
	ck_assert_ptr_null(ev = node_event(&n, TP__ENVELOPE__BODY_BLOCK_SEEN,
	    500));
	/* a new ban manager is loaded from again */
	old = h_worker_pid(&n.d, "bans");
	ck_assert_int_gt(old, 0);
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "ban scores loaded",
	    15000), 0);
	ck_assert_int_eq(node_wait_score(&n, js1.peer_id, 50, 10000), 0);
	jspeer_stop(&js2);
	jspeer_stop(&js1);
	node_stop(&n);
}
END_TEST

/* The seed's forms: MiningOn {Height, PreviousHash} is accepted, a
 * BestBlock {Height, Hash} sets the peer's height, and a best-block
 * request {PeerID} is answered with our tip. */
START_TEST(seed_mining_on_and_best_block)
{
	static const char *const topics[] = { PREFIX "-miningon",
	    PREFIX "-bestblock", NULL };
	struct node	 n;
	struct jspeer	 js;
	char		 json[1024], name[128], err[256];
	ipc_env		*ev;
	uint64_t	 end;
	int64_t		 in = 0;

	node_start(&n, "p2p_mining_on_topic = miningon\n"
	    "p2p_bestblock_topic = bestblock\n");
	js_join(&js, &n, topics);
	/* our tip: our own block */
	ck_assert_int_eq(node_publish(&n, TP__TOPIC_KIND__TOPIC_BLOCK,
	    "{\"Hash\":\"" HASH "\",\"Height\":900001}", err, sizeof(err)), 0);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"Height\":900002,"
	    "\"PreviousHash\":\"" HASH "\"}", js.peer_id);
	jspeer_send_envelope(&js, PREFIX "-miningon", json);
	end = util_mono_ms() + (uint64_t)h_ms(10000);
	while (util_mono_ms() < end &&
	    (in = node_stat(&n, "msgs_in_mining_on")) < 1)
		usleep(100 * 1000);
	ck_assert_int_eq(in, 1);
	ck_assert_int_eq(node_stat(&n, "drops_bad_hash"), 0);
	/* a request: answered with our height and hash */
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\"}", js.peer_id);
	jspeer_send_envelope(&js, PREFIX "-bestblock", json);
	ck_assert_int_eq(js_last(&js, PREFIX "-bestblock", name, sizeof(name),
	    json, sizeof(json), 10000), 0);
	snprintf(err, sizeof(err), "{\"PeerID\":\"%s\",\"Height\":900001,"
	    "\"Hash\":\"" HASH "\"}", n.peer_id);
	ck_assert_str_eq(json, err);
	/* an answer: the peer's height */
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"Height\":77,"
	    "\"Hash\":\"" HASH "\"}", js.peer_id);
	jspeer_send_envelope(&js, PREFIX "-bestblock", json);
	end = util_mono_ms() + (uint64_t)h_ms(10000);
	do {
		ev = node_peer(&n, js.peer_id);
		if (ev != NULL && ev->get_peers_rep->peers[0]->height == 77)
			break;
		ipc_env_free(ev);
		ev = NULL;
		usleep(100 * 1000);
	} while (util_mono_ms() < end);
	ck_assert_msg(ev != NULL, "the registry never took height 77");
	ck_assert_str_eq(ev->get_peers_rep->peers[0]->best_hash, HASH);
	ipc_env_free(ev);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

/* The subtree blacklist compares whole host names, in any case. */
START_TEST(blacklist_matches_whole_host_names)
{
	static const char *const topics[] = { PREFIX "-subtree", NULL };
	struct node	 n;
	struct jspeer	 js;
	char		 json[1024];
	ipc_env		*ev;
	uint64_t	 end;
	int64_t		 drops = 0;

	/* no health checks: nothing may look the names up */
	node_start(&n, "subtreevalidation_blacklisted_baseurls = evil.com|"
	    "https://bad.example:1/x\np2p_health_check_interval = 1h\n");
	js_join(&js, &n, topics);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":"
	    "\"https://EVIL.com:8090/api/v1\",\"Hash\":\"%s\"}", js.peer_id,
	    HASH);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":"
	    "\"https://Bad.Example/other\",\"Hash\":\"%s\"}", js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	end = util_mono_ms() + (uint64_t)h_ms(10000);
	while (util_mono_ms() < end &&
	    (drops = node_stat(&n, "drops_blacklisted")) < 2)
		usleep(100 * 1000);
	ck_assert_int_eq(drops, 2);
	/* neither a longer host nor a subdomain is the blacklisted one */
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":"
	    "\"https://notevil.com/api/v1\",\"Hash\":\"%s\"}", js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	ev = node_event(&n, TP__ENVELOPE__BODY_SUBTREE_SEEN, 10000);
	ck_assert_msg(ev != NULL, "notevil.com was dropped");
	ck_assert_str_eq(ev->subtree_seen->data_hub_url,
	    "https://notevil.com/api/v1");
	ipc_env_free(ev);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":"
	    "\"https://sub.evil.com/api/v1\",\"Hash\":\"%s\"}", js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	ev = node_event(&n, TP__ENVELOPE__BODY_SUBTREE_SEEN, 10000);
	ck_assert_msg(ev != NULL, "sub.evil.com was dropped");
	ipc_env_free(ev);
	ck_assert_int_eq(node_stat(&n, "drops_blacklisted"), 2);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("teranode protocol (js-libp2p)");
	TCase	*tc = tcase_create("teranode");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, js_block_subtree_status_become_events);
	tcase_add_test(tc, our_announcements_have_teranodes_keys);
	tcase_add_test(tc, spoofed_and_oversized_are_dropped);
	tcase_add_test(tc, handshake_of_another_network_is_refused);
	tcase_add_test(tc, listen_only_publishes_status_only);
	tcase_add_test(tc, ban_scores_reach_the_registry_and_survive_a_restart);
	tcase_add_test(tc, seed_mining_on_and_best_block);
	tcase_add_test(tc, blacklist_matches_whole_host_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
