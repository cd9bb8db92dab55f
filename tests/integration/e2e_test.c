/*
 * End to end: the whole daemon between a real js-libp2p peer, a real
 * Kafka-protocol broker (librdkafka's mock cluster) and a DataHub served
 * over HTTP.  A block announced on the network ends up on Kafka's
 * `blocks` topic as KafkaBlockTopicMessage; a peer that is ahead of us,
 * with a healthy DataHub, becomes the sync peer once the local node's
 * blockchain service (tests/interop/fake_blockchain.mjs on grpc-js) says it
 * is RUNNING at height 10, and the sync coordinator's trigger reaches
 * `blocks` too (and our node_status names it, with sync_connected_at in
 * Unix time).  An invalid subtree on Kafka `invalid-subtrees` whose hash
 * nobody announced is traced to the peer by its DataHub URL (the gossip
 * worker's PeerByDataHub) and scored on the ban manager.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"
#include "chainfake.h"
#include "harness.h"
#include "jspeer.h"
#include "kafka_harness.h"
#include "kafka_messages.pb-c.h"
#include "util.h"

#define PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define HASH_A	"00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"
#define HASH_B	"0000000000000000011111111111111111111111111111111111111111111111"

static const char *const	gossip_args[] = { "--gossip", NULL };

/* A DataHub: answers 200 to everything, on its own thread. */
struct datahub {
	struct event_base	*base;
	struct evhttp		*http;
	struct event		*poll;		/* sees `stop` from the test */
	pthread_t		 t;
	int			 port;
	volatile int		 hits, stop;
};

static void
datahub_serve(struct evhttp_request *req, void *arg)
{
	struct datahub	*dh = arg;

	dh->hits++;
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* libevent here is not thread-aware: the loop looks at `stop` itself. */
static void
datahub_poll(evutil_socket_t fd, short what, void *arg)
{
	struct datahub	*dh = arg;

	(void)fd;
	(void)what;
	if (dh->stop)
		event_base_loopbreak(dh->base);
}

static void *
datahub_run(void *arg)
{
	event_base_dispatch(((struct datahub *)arg)->base);
	return NULL;
}

static void
datahub_start(struct datahub *dh)
{
	struct timeval	tick = { 0, 50000 };

	memset(dh, 0, sizeof(*dh));
	dh->base = event_base_new();
	dh->http = evhttp_new(dh->base);
	dh->port = h_free_port();
	ck_assert_int_eq(evhttp_bind_socket(dh->http, "127.0.0.1",
	    (uint16_t)dh->port), 0);
	evhttp_set_gencb(dh->http, datahub_serve, dh);
	dh->poll = event_new(dh->base, -1, EV_PERSIST, datahub_poll, dh);
	event_add(dh->poll, &tick);
	pthread_create(&dh->t, NULL, datahub_run, dh);
}

static void
datahub_stop(struct datahub *dh)
{
	dh->stop = 1;
	pthread_join(dh->t, NULL);
	event_free(dh->poll);
	evhttp_free(dh->http);
	event_base_free(dh->base);
}

/* The daemon on this broker, with extra settings. */
static void
node_start(struct daemon *d, const struct broker *b, int port,
    const char *more)
{
	char	extra[2048];

	/* replay=1: the new consumer group reads from the start */
	snprintf(extra, sizeof(extra), "p2p_port = %d\nKAFKA_HOSTS = %s\n"
	    "kafka_session_timeout = 6s\n"
	    "kafka_rejectedTxConfig = kafka://%s/rejectedtx?replay=1\n"
	    "p2p_allow_private_ips = true\n%s", port, b->bootstrap,
	    b->bootstrap, more);
	h_start(d, extra);
	h_wait_ready(d);
}

/* js on the topics, connected to the daemon at port with peer ID pid. */
static void
js_join(struct jspeer *js, struct daemon *d, int port)
{
	static const char *const topics[] = { PREFIX "-block",
	    PREFIX "-subtree", PREFIX "-node_status", NULL };
	char		 extra[300];
	const char	*line;
	char		 pid[64];
	size_t		 i;

	h_peer_id(d, pid, sizeof(pid));
	jspeer_start(js, gossip_args);
	for (i = 0; topics[i] != NULL; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topics[i]);
		ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
	}
	snprintf(extra, sizeof(extra), "\"addr\":\"/ip4/127.0.0.1/tcp/%d/p2p/%s\"",
	    port, pid);
	line = jspeer_cmd(js, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	for (i = 0; topics[i] != NULL; i++)
		ck_assert_msg(jspeer_wait_mesh(js, topics[i], pid, 15000) == 0,
		    "daemon not in js's %s mesh", topics[i]);
}

/* Find a `blocks` message with this key; decode it. */
static Kafkamessage__KafkaBlockTopicMessage *
blocks_find(const struct broker *b, const char *key, int want, int ms)
{
	Kafkamessage__KafkaBlockTopicMessage	*m = NULL;
	struct kmsg				 msgs[64];
	uint64_t				 end = util_mono_ms() + (uint64_t)h_ms(ms);
	size_t					 n, i;

	do {
		n = kt_read(b, "blocks", (size_t)want, msgs, 64);
		for (i = 0; i < n && m == NULL; i++)
			if (strcmp(msgs[i].key, key) == 0)
				m = kafkamessage__kafka_block_topic_message__unpack(
				    NULL, msgs[i].len, msgs[i].val);
		kt_free(msgs, n);
		if (m != NULL)
			return m;
		want++;
	} while (util_mono_ms() < end);
	return NULL;
}

/* The peer the gossip worker names for a DataHub URL ("" none, NULL error). */
static char *
peer_by_datahub(struct daemon *d, const char *url)
{
	Tp__PeerByDataHubReq	 q = TP__PEER_BY_DATA_HUB_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	char			*peer = NULL;

	q.url = (char *)url;
	req.body_case = TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REQ;
	req.peer_by_datahub_req = &q;
	if ((rep = h_call(d, "gossip.rep", &req)) == NULL)
		return NULL;
	if (rep->status == 0 &&
	    rep->body_case == TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REP)
		peer = xstrdup(rep->peer_by_datahub_rep->peer_id);
	ipc_env_free(rep);
	return peer;
}

static int
ban_score(struct daemon *d, const char *peer)
{
	Tp__GetBanScoreReq	 q = TP__GET_BAN_SCORE_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	int			 score = -1;

	q.peer_id = (char *)peer;
	req.body_case = TP__ENVELOPE__BODY_GET_BAN_SCORE_REQ;
	req.get_ban_score_req = &q;
	if ((rep = h_call(d, "bans.rep", &req)) == NULL)
		return -1;
	if (rep->status == 0 &&
	    rep->body_case == TP__ENVELOPE__BODY_BAN_SCORE_REP)
		score = rep->ban_score_rep->score;
	else if (rep->status == TP__IPC_STATUS__IPC_ERR_NOT_FOUND)
		score = 0;
	ipc_env_free(rep);
	return score;
}

/* Our own node_status (gossip.pub) that contains want, within ms. */
static char *
own_status(struct daemon *d, const char *want, int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	nng_socket	 sub;
	nng_msg		*m;
	ipc_env		*ev;
	char		 url[256], err[128], *json = NULL;

	ck_assert_int_eq(nng_sub0_open(&sub), 0);
	nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 100);
	/* NodeStatusSeen events have a socket of their own */
	ipc_url(d->run_dir, "gossip.pub.status", url, sizeof(url));
	ck_assert_int_eq(nng_dial(sub, url, NULL, 0), 0);
	while (json == NULL && util_mono_ms() < end) {
		if (nng_recvmsg(sub, &m, 0) != 0)
			continue;
		if (ipc_decode((uint8_t *)nng_msg_body(m) + IPC_TAG_LEN,
		    nng_msg_len(m) - IPC_TAG_LEN, &ev, err, sizeof(err)) == 0) {
			if (ev->body_case == TP__ENVELOPE__BODY_NODE_STATUS_SEEN &&
			    ev->node_status_seen->own &&
			    strstr(ev->node_status_seen->json, want) != NULL)
				json = xstrdup(ev->node_status_seen->json);
			ipc_env_free(ev);
		}
		nng_msg_free(m);
	}
	nng_close(sub);
	return json;
}

START_TEST(network_block_reaches_kafka)
{
	Kafkamessage__KafkaBlockTopicMessage	*m;
	struct broker				 b;
	struct daemon				 d;
	struct jspeer				 js;
	char					 json[512];
	int					 port = h_free_port();

	broker_start(&b);
	node_start(&d, &b, port, "");
	js_join(&js, &d, port);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":\"js-node\","
	    "\"DataHubURL\":\"https://datahub.example.com/api/v1\",\"Hash\":\""
	    HASH_A "\",\"Height\":812345}", js.peer_id);
	jspeer_send_envelope(&js, PREFIX "-block", json);
	m = blocks_find(&b, HASH_A, 1, 20000);
	ck_assert_msg(m != NULL, "the block never reached Kafka");
	ck_assert_str_eq(m->hash, HASH_A);
	ck_assert_str_eq(m->url, "https://datahub.example.com/api/v1");
	ck_assert_str_eq(m->peer_id, js.peer_id);
	kafkamessage__kafka_block_topic_message__free_unpacked(m, NULL);
	jspeer_stop(&js);
	h_stop(&d);
	broker_stop(&b);
}
END_TEST

START_TEST(sync_trigger_reaches_kafka)
{
	Kafkamessage__KafkaBlockTopicMessage	*m;
	struct broker				 b;
	struct daemon				 d;
	struct datahub				 dh;
	struct jspeer				 js, chain;
	char					 json[1024], url[128];
	char					 extra[256], *status, *at;
	long long				 since;
	int					 port = h_free_port(), cport;

	broker_start(&b);
	datahub_start(&dh);
	/* the local node: Teranode's blockchain service, RUNNING at 10 */
	cport = chainfake_start(&chain, 0, 10, "RUNNING");
	snprintf(extra, sizeof(extra), "p2p_health_check_interval = 1s\n"
	    "p2p_node_status_interval = 1s\n"
	    "blockchain_grpcAddress = 127.0.0.1:%d\n", cport);
	node_start(&d, &b, port, extra);
	js_join(&js, &d, port);
	/* js is far ahead, with a DataHub that answers */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1", dh.port);
	snprintf(json, sizeof(json), "{\"peer_id\":\"%s\",\"client_name\":"
	    "\"js-node\",\"type\":\"node_status\",\"base_url\":\"%s\","
	    "\"best_height\":900000,\"best_block_hash\":\"" HASH_B "\","
	    "\"fsm_state\":\"RUNNING\"}", js.peer_id, url);
	jspeer_send_envelope(&js, PREFIX "-node_status", json);
	m = blocks_find(&b, HASH_B, 1, 30000);
	ck_assert_msg(m != NULL, "no sync trigger on Kafka (DataHub hits: %d)",
	    dh.hits);
	ck_assert_str_eq(m->peer_id, js.peer_id);
	ck_assert_str_eq(m->url, url);
	ck_assert_int_ge(dh.hits, 1);
	ck_assert_int_eq(h_wait_log(&d, "gossip", "sync peer is now", 5000), 0);
	/* our node_status names the sync peer, since when in Unix time */
	snprintf(json, sizeof(json), "\"sync_peer_id\":\"%s\"", js.peer_id);
	status = own_status(&d, json, 10000);
	ck_assert_msg(status != NULL, "no node_status names the sync peer");
	ck_assert_ptr_nonnull(at = strstr(status, "\"sync_connected_at\":"));
	since = strtoll(at + strlen("\"sync_connected_at\":"), NULL, 10);
	ck_assert_msg(since > (long long)time(NULL) - 120 &&
	    since <= (long long)time(NULL), "sync_connected_at %lld, now %lld",
	    since, (long long)time(NULL));
	free(status);
	kafkamessage__kafka_block_topic_message__free_unpacked(m, NULL);
	jspeer_stop(&js);
	h_stop(&d);
	jspeer_stop(&chain);
	datahub_stop(&dh);
	broker_stop(&b);
}
END_TEST

START_TEST(invalid_subtree_traced_by_datahub_url)
{
	struct broker	 b;
	struct daemon	 d;
	struct jspeer	 js;
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len;
	char		 json[512], more[640], *peer = NULL;
	/* a literal address: nothing resolves a name; nobody listens */
	const char	*url = "http://127.0.0.1:9/js-datahub/api/v1";
	uint64_t	 end;
	int		 port = h_free_port(), score = -1;

	broker_start(&b);
	snprintf(more, sizeof(more), "kafka_invalidSubtreesConfig = "
	    "kafka://%s/invalid-subtrees?replay=1\n", b.bootstrap);
	node_start(&d, &b, port, more);
	js_join(&js, &d, port);
	ck_assert_int_eq(ban_score(&d, js.peer_id), 0);
	/* nobody has announced that DataHub yet */
	peer = peer_by_datahub(&d, url);
	ck_assert_msg(peer != NULL && peer[0] == '\0', "peer: %s",
	    peer ? peer : "(no answer)");
	free(peer);
	peer = NULL;
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":\"%s\","
	    "\"Hash\":\"" HASH_A "\"}", js.peer_id, url);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	end = util_mono_ms() + (uint64_t)h_ms(10000);
	do {
		free(peer);
		peer = peer_by_datahub(&d, url);
		if (peer != NULL && strcmp(peer, js.peer_id) == 0)
			break;
		usleep(100 * 1000);
	} while (util_mono_ms() < end);
	ck_assert_msg(peer != NULL && strcmp(peer, js.peer_id) == 0,
	    "PeerByDataHub: %s", peer ? peer : "(no answer)");
	free(peer);
	/* subtree validation reports another subtree from that DataHub */
	rk = kt_producer(&b);
	ck_assert_int_eq(kafka_codec_invalid_subtree_encode(HASH_B, url,
	    "bad tx", &v, &len), 0);
	kt_produce(rk, "invalid-subtrees", v, len);
	kt_done(rk);
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while ((score = ban_score(&d, js.peer_id)) < 10 &&
	    util_mono_ms() < end)
		usleep(200 * 1000);
	ck_assert_msg(score >= 10, "ban score %d\n%s", score, d.log);
	ck_assert_int_eq(h_count_log(&d, "kafka", "no peer known for it"), 0);
	jspeer_stop(&js);
	h_stop(&d);
	broker_stop(&b);
}
END_TEST

/*
 * p2p_force_sync_peer is chosen only while connected: heard of through a
 * relay it is not the sync peer (and GetPeers says it is not connected);
 * once it connects, it is.
 */
START_TEST(forced_sync_peer_only_when_connected)
{
	static const char *const topics[] = { PREFIX "-block",
	    PREFIX "-subtree", PREFIX "-node_status", NULL };
	Tp__GetPeersReq	 gp = TP__GET_PEERS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	struct broker	 b;
	struct daemon	 d;
	struct jspeer	 relay, forced, chain;
	size_t		 i;
	char		 more[384], json[1024], extra[300], line1[80];
	const char	*line;
	uint64_t	 end;
	int		 port = h_free_port(), found = 0, cport;

	broker_start(&b);
	jspeer_start(&forced, gossip_args);
	/* the local node: Teranode's blockchain service, RUNNING at 10 */
	cport = chainfake_start(&chain, 0, 10, "RUNNING");
	snprintf(more, sizeof(more), "p2p_force_sync_peer = %s\n"
	    "p2p_health_check_interval = 1h\n"
	    "blockchain_grpcAddress = 127.0.0.1:%d\n", forced.peer_id, cport);
	node_start(&d, &b, port, more);
	js_join(&relay, &d, port);
	for (i = 0; topics[i] != NULL; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topics[i]);
		ck_assert_ptr_nonnull(jspeer_cmd(&forced, "subscribe", extra,
		    5000));
	}
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", relay.addr);
	line = jspeer_cmd(&forced, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	for (i = 0; topics[i] != NULL; i++)
		ck_assert_msg(jspeer_wait_mesh(&forced, topics[i],
		    relay.peer_id, 15000) == 0, "relay not in %s mesh", topics[i]);
	/* the forced peer is far ahead, heard of through the relay only */
	snprintf(json, sizeof(json), "{\"peer_id\":\"%s\",\"type\":"
	    "\"node_status\",\"best_height\":900000,\"best_block_hash\":\""
	    HASH_B "\",\"fsm_state\":\"RUNNING\"}", forced.peer_id);
	jspeer_send_envelope(&forced, PREFIX "-node_status", json);
	/* logged once, on the change: maybe before the supervisor's ready */
	ck_assert(h_count_log(&d, "gossip", "local FSM state RUNNING") > 0 ||
	    h_wait_log(&d, "gossip", "local FSM state RUNNING", 20000) == 0);
	end = util_mono_ms() + (uint64_t)h_ms(10000);
	req.body_case = TP__ENVELOPE__BODY_GET_PEERS_REQ;
	req.get_peers_req = &gp;
	gp.peer_id = forced.peer_id;
	do {
		if ((rep = h_call(&d, "gossip.rep", &req)) != NULL) {
			found = rep->status == 0 &&
			    rep->get_peers_rep->n_peers == 1 &&
			    !rep->get_peers_rep->peers[0]->connected &&
			    rep->get_peers_rep->peers[0]->height == 900000;
			ipc_env_free(rep);
		}
		if (!found)
			usleep(100 * 1000);
	} while (!found && util_mono_ms() < end);
	ck_assert_msg(found, "the forced peer is not in the registry as an "
	    "unconnected peer at 900000");
	/* the FSM look runs every 2 s while behind: give it two */
	usleep((useconds_t)h_ms(4500) * 1000);
	ck_assert_int_eq(h_count_log(&d, "gossip", "sync peer is now"), 0);
	/* now it connects */
	snprintf(extra, sizeof(extra),
	    "\"addr\":\"/ip4/127.0.0.1/tcp/%d/p2p/", port);
	h_peer_id(&d, extra + strlen(extra), sizeof(extra) - strlen(extra) - 2);
	strcat(extra, "\"");
	line = jspeer_cmd(&forced, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	snprintf(line1, sizeof(line1), "sync peer is now %.40s",
	    forced.peer_id);
	ck_assert_int_eq(h_wait_log(&d, "gossip", line1, 15000), 0);
	jspeer_stop(&forced);
	jspeer_stop(&relay);
	h_stop(&d);
	jspeer_stop(&chain);
	broker_stop(&b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("end to end (js-libp2p, Kafka, DataHub)");
	TCase	*tc = tcase_create("e2e");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, network_block_reaches_kafka);
	tcase_add_test(tc, sync_trigger_reaches_kafka);
	tcase_add_test(tc, invalid_subtree_traced_by_datahub_url);
	tcase_add_test(tc, forced_sync_peer_only_when_connected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
