/*
 * End to end: the whole daemon between a real js-libp2p peer, a real
 * Kafka-protocol broker (librdkafka's mock cluster) and a DataHub served
 * over HTTP.  A block announced on the network ends up on Kafka's
 * `blocks` topic as KafkaBlockTopicMessage; a peer that is ahead of us,
 * with a healthy DataHub, becomes the sync peer once the local node's
 * blockchain service (tests/interop/fake_blockchain.mjs on grpc-js) says it
 * is RUNNING at height 10, and the sync coordinator's trigger reaches
 * `blocks` too.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

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
	ck_assert_msg(h_wait_log(d, "supervisor", "msg=\"ready\"", 15000) == 0,
	    "not ready:\n%s", d->log ? d->log : "");
}

/* js on the topics, connected to the daemon at port with peer ID pid. */
static void
js_join(struct jspeer *js, struct daemon *d, int port)
{
	static const char *const topics[] = { PREFIX "-block",
	    PREFIX "-node_status", NULL };
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
	usleep(1500 * 1000);
}

/* Find a `blocks` message with this key; decode it. */
static Kafkamessage__KafkaBlockTopicMessage *
blocks_find(const struct broker *b, const char *key, int want, int ms)
{
	Kafkamessage__KafkaBlockTopicMessage	*m = NULL;
	struct kmsg				 msgs[64];
	uint64_t				 end = util_mono_ms() + (uint64_t)ms;
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
	char					 extra[256];
	int					 port = h_free_port(), cport;

	broker_start(&b);
	datahub_start(&dh);
	/* the local node: Teranode's blockchain service, RUNNING at 10 */
	cport = chainfake_start(&chain, 0, 10, "RUNNING");
	snprintf(extra, sizeof(extra), "p2p_health_check_interval = 1s\n"
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
	kafkamessage__kafka_block_topic_message__free_unpacked(m, NULL);
	jspeer_stop(&js);
	h_stop(&d);
	jspeer_stop(&chain);
	datahub_stop(&dh);
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
