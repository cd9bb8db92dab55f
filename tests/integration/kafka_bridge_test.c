/*
 * Integration tests of the Kafka bridge against the real daemon: the
 * supervisor and all four workers (tests/integration/harness.c), a real
 * Kafka-protocol broker (tests/kafka_mock_broker, librdkafka's mock cluster
 * in a process of its own) and real js-libp2p peers (tests/interop/peer.mjs)
 * on the gossip side.  Nothing here serves one of our own workers' sockets.
 * Checked:
 *   - a js peer's block and subtree announcements, heard by the gossip
 *     worker, become messages on blocks/subtrees with the right key and
 *     fields; a sync trigger over kafka.rep does too;
 *   - rejectedtx from Kafka is gossiped by the gossip worker and reaches a
 *     js peer (external rejections and malformed messages do not);
 *   - invalid-blocks raises, at the ban manager, the score of the peer that
 *     authored the block, not of the peer that relayed it;
 *   - while the ban manager is stopped (SIGSTOP) the bridge retries, and the
 *     score rises once it runs again;
 *   - kill -9 of the kafka worker mid-stream loses no rejectedtx, and the
 *     consumer group's committed offset advances;
 *   - in listen_only nothing of it is gossiped;
 *   - brokers down then up: the queued messages arrive, a full
 *     queue drops are counted and logged, Health follows the brokers.
 */
#include <sys/wait.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"
#include "harness.h"
#include "jspeer.h"
#include "kafka_harness.h"
#include "kafka_messages.pb-c.h"
#include "util.h"

#define READY_MS	15000
#define PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define H1 "00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778"
#define H2 "1111111111111111111111111111111111111111111111111111111111111111"
#define URL_A	"http://127.0.0.1:9/a/api/v1"

static const char *const	gossip_args[] = { "--gossip", NULL };
static const char *const	all_topics[] = { PREFIX "-block",
	PREFIX "-subtree", PREFIX "-rejected_tx", NULL };

struct node {
	struct daemon	d;
	int		port;
	char		pid[64];
};

/* The whole daemon on this broker (client name "kt"), with extra settings. */
static void
node_start(struct node *n, const struct broker *b, const char *more)
{
	char	extra[2048];

	n->port = h_free_port();
	/* replay=1: the new consumer group reads from the start */
	snprintf(extra, sizeof(extra), "clientName = kt\np2p_port = %d\n"
	    "p2p_listen_addresses = 127.0.0.1\nKAFKA_HOSTS = %s\n"
	    "kafka_session_timeout = 6s\n"
	    "kafka_rejectedTxConfig = kafka://%s/rejectedtx?replay=1\n"
	    "kafka_invalidBlocksConfig = kafka://%s/invalid-blocks?replay=1\n"
	    "p2p_allow_private_ips = true\n%s", n->port, b->bootstrap,
	    b->bootstrap, b->bootstrap, more != NULL ? more : "");
	h_start(&n->d, extra);
	ck_assert_msg(h_wait_log(&n->d, "supervisor", "msg=\"ready\"",
	    READY_MS) == 0, "not ready:\n%.2000s", n->d.log ? n->d.log : "");
	h_peer_id(&n->d, n->pid, sizeof(n->pid));
}

/* js on the topics, dialled to addr, with peer in its meshes. */
static void
js_join(struct jspeer *js, const char *addr, const char *peer)
{
	char		 extra[300];
	const char	*l;

	jspeer_start(js, gossip_args);
	for (size_t i = 0; all_topics[i] != NULL; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", all_topics[i]);
		ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
	}
	l = jspeer_dial(js, addr);
	ck_assert_msg(l != NULL && strstr(l, "\"ok\":true"), "dial: %s",
	    l ? l : "");
	for (size_t i = 0; all_topics[i] != NULL; i++)
		ck_assert_msg(jspeer_wait_mesh(js, all_topics[i], peer, 15000)
		    == 0, "%s not in js's %s mesh", peer, all_topics[i]);
}

static void
js_join_node(struct jspeer *js, struct node *n)
{
	char	addr[200];

	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", n->port,
	    n->pid);
	js_join(js, addr, n->pid);
}

static void
js_block(struct jspeer *js, const char *hash)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"js-node\",\"DataHubURL\":\"" URL_A "\",\"Hash\":\"%s\","
	    "\"Height\":7,\"Header\":\"\",\"Coinbase\":\"\"}", js->peer_id,
	    hash);
	jspeer_send_envelope(js, PREFIX "-block", json);
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
		score = (int)rep->ban_score_rep->score;
	ipc_env_free(rep);
	return score;
}

/* A stat of the kafka worker, -1 if it has none. */
static int64_t
kafka_stat(struct daemon *d, const char *name)
{
	Tp__StatsReq	 s = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &s;
	if ((rep = h_call(d, "kafka.rep", &req)) == NULL)
		return -1;
	if (rep->body_case == TP__ENVELOPE__BODY_STATS_REP)
		for (size_t i = 0; i < rep->stats_rep->n_stats; i++)
			if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
				v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

static int
wait_score(struct daemon *d, const char *peer, int min, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	int		s;

	while ((s = ban_score(d, peer)) < min && util_mono_ms() < end)
		usleep(100000);
	return s;
}

/* ---- tests ---- */

START_TEST(js_block_and_subtree_reach_kafka)
{
	Tp__ProduceSyncTriggerReq	 st = TP__PRODUCE_SYNC_TRIGGER_REQ__INIT;
	ipc_env				 req = TP__ENVELOPE__INIT, *rep;
	Kafkamessage__KafkaBlockTopicMessage *bm;
	Kafkamessage__KafkaSubtreeTopicMessage *sm;
	struct broker			 b;
	struct node			 n;
	struct jspeer			 js;
	struct kmsg			 m[8];
	char				 json[512];
	size_t				 k, i;
	int				 found_gossip = 0, found_sync = 0;

	broker_start(&b);
	node_start(&n, &b, NULL);
	js_join_node(&js, &n);
	js_block(&js, H1);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":\""
	    URL_A "\",\"Hash\":\"" H2 "\"}", js.peer_id);
	jspeer_send_envelope(&js, PREFIX "-subtree", json);
	st.hash = H2;
	st.url = "http://127.0.0.1:9/sync/api/v1";
	st.peer_id = js.peer_id;
	req.body_case = TP__ENVELOPE__BODY_PRODUCE_SYNC_TRIGGER_REQ;
	req.produce_sync_trigger_req = &st;
	rep = h_call(&n.d, "kafka.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->status, 0);
	ipc_env_free(rep);

	k = kt_read(&b, "blocks", 2, m, 8);
	ck_assert_uint_eq(k, 2);
	for (i = 0; i < k; i++) {
		bm = kafkamessage__kafka_block_topic_message__unpack(NULL,
		    m[i].len, m[i].val);
		ck_assert_ptr_nonnull(bm);
		ck_assert_str_eq(m[i].key, bm->hash);
		ck_assert_str_eq(bm->peer_id, js.peer_id);
		if (strcmp(bm->hash, H1) == 0) {
			ck_assert_str_eq(bm->url, URL_A);
			found_gossip++;
		} else {
			ck_assert_str_eq(bm->hash, H2);
			ck_assert_str_eq(bm->url,
			    "http://127.0.0.1:9/sync/api/v1");
			found_sync++;
		}
		kafkamessage__kafka_block_topic_message__free_unpacked(bm, NULL);
	}
	ck_assert_int_eq(found_gossip, 1);
	ck_assert_int_eq(found_sync, 1);
	kt_free(m, k);
	k = kt_read(&b, "subtrees", 1, m, 8);
	ck_assert_uint_eq(k, 1);
	sm = kafkamessage__kafka_subtree_topic_message__unpack(NULL, m[0].len,
	    m[0].val);
	ck_assert_ptr_nonnull(sm);
	ck_assert_str_eq(m[0].key, H2);
	ck_assert_str_eq(sm->peer_id, js.peer_id);
	ck_assert_str_eq(sm->url, URL_A);
	kafkamessage__kafka_subtree_topic_message__free_unpacked(sm, NULL);
	kt_free(m, k);
	jspeer_stop(&js);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

/* How many distinct messages js received on the rejected_tx topic. */
static int
js_unique(struct jspeer *js)
{
	const char	*l, *u;

	l = jspeer_cmd(js, "received", "\"topic\":\"" PREFIX "-rejected_tx\"",
	    5000);
	if (l == NULL || (u = strstr(l, "\"unique\":")) == NULL)
		return -1;
	return atoi(u + 9);
}

START_TEST(rejected_tx_reaches_a_js_peer)
{
	struct broker	 b;
	struct node	 n;
	struct jspeer	 js;
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len;
	const char	*l;
	uint64_t	 end;

	broker_start(&b);
	node_start(&n, &b, NULL);
	js_join_node(&js, &n);
	rk = kt_producer(&b);
	kt_produce(rk, "rejectedtx", (uint8_t *)xstrdup("\xff\xff"), 2);
	kafka_codec_rejected_tx_encode(H2, "elsewhere", js.peer_id, &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kafka_codec_rejected_tx_encode(H1, "missing inputs", "", &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kt_done(rk);
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while (js_unique(&js) < 1 && util_mono_ms() < end)
		usleep(100000);
	l = jspeer_cmd(&js, "messages", "\"topic\":\"" PREFIX "-rejected_tx\"",
	    5000);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(js_unique(&js), 1);	/* the external one is not */
	ck_assert_int_ge(h_count_log(&n.d, "kafka", "skipped: not a "
	    "KafkaRejectedTxTopicMessage"), 1);
	jspeer_stop(&js);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

/*
 * js A announces a block to js B only; B relays it to the daemon.  Kafka
 * says the block is invalid: A's score rises at the ban manager, B's not.
 * The first report arrives while the ban manager is stopped: the bridge
 * retries until it runs again.
 */
START_TEST(invalid_block_scores_its_author)
{
	struct broker	 b;
	struct node	 n;
	struct jspeer	 a, r;
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len;
	pid_t		 bans;
	struct kmsg	 m[4];
	uint64_t	 end;
	char		 addr[200];
	int		 score;

	broker_start(&b);
	node_start(&n, &b, NULL);
	js_join_node(&r, &n);
	js_join(&a, r.addr, r.peer_id);
	ck_assert_int_eq(ban_score(&n.d, a.peer_id), 0);
	js_block(&a, H1);
	/* the daemon heard it through the relay: it is on Kafka */
	ck_assert_uint_eq(kt_read(&b, "blocks", 1, m, 4), 1);
	kt_free(m, 1);
	snprintf(addr, sizeof(addr), "%s", a.peer_id);
	ck_assert_uint_ne(bans = h_worker_pid(&n.d, "bans"), 0);
	ck_assert_int_eq(kill(bans, SIGSTOP), 0);
	rk = kt_producer(&b);
	kafka_codec_invalid_block_encode(H1, "bad merkle root", &v, &len);
	kt_produce(rk, "invalid-blocks", v, len);
	kt_done(rk);
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while (kafka_stat(&n.d, "kafka_ipc_retries") < 1 &&
	    util_mono_ms() < end)
		usleep(100000);
	ck_assert_msg(kafka_stat(&n.d, "kafka_ipc_retries") >= 1,
	    "no retry while bans is stopped");
	ck_assert_int_eq(kill(bans, SIGCONT), 0);
	score = wait_score(&n.d, addr, 10, 30000);
	ck_assert_msg(score >= 10, "author's score %d", score);
	ck_assert_int_eq(ban_score(&n.d, r.peer_id), 0);
	jspeer_stop(&a);
	jspeer_stop(&r);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

/* The offset group p2p.kt has committed on rejectedtx (summed over its
 * partitions), read with librdkafka as any Kafka tool would. */
static int64_t
committed(const struct broker *b)
{
	rd_kafka_conf_t			*c = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t	*l = rd_kafka_topic_partition_list_new(8);
	rd_kafka_t			*rk;
	char				 err[256];
	int64_t				 sum = 0;

	rd_kafka_conf_set(c, "bootstrap.servers", b->bootstrap, err,
	    sizeof(err));
	rd_kafka_conf_set(c, "group.id", "p2p.kt", err, sizeof(err));
	rd_kafka_conf_set(c, "log_level", "3", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	ck_assert_msg(rk != NULL, "%s", err);
	for (int i = 0; i < 8; i++)
		rd_kafka_topic_partition_list_add(l, "rejectedtx", i);
	if (rd_kafka_committed(rk, l, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		sum = -1;
	for (int i = 0; sum >= 0 && i < l->cnt; i++)
		if (l->elems[i].err == 0 && l->elems[i].offset > 0)
			sum += l->elems[i].offset;
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	return sum;
}

#define KILL_N	3000

/* Produce rejectedtx number from..to-1 (tx ids by number). */
static void
kill9_produce(struct broker *b, size_t from, size_t to)
{
	rd_kafka_t	*rk = kt_producer(b);
	uint8_t		*v;
	size_t		 len;
	char		 tx[65];

	for (size_t i = from; i < to; i++) {
		snprintf(tx, sizeof(tx), "%060u%04zx", 0u, i);
		kafka_codec_rejected_tx_encode(tx, "r", "", &v, &len);
		kt_produce(rk, "rejectedtx", v, len);
	}
	kt_done(rk);
}

/*
 * kill -9 of the kafka worker mid-stream: the supervisor restarts it, it
 * resumes from the group's committed offset (which advanced while it ran)
 * and the js peer gets every rejectedtx.  Mid-stream for certain, however
 * fast the bridge: the first third is handled and committed, then the
 * gossip worker is stopped (SIGSTOP) so that the rest cannot be, and the
 * kafka worker is killed while it holds some of them.
 */
START_TEST(kill9_resumes_from_the_committed_offset)
{
	struct broker	 b;
	struct node	 n;
	struct jspeer	 js;
	pid_t		 kw, kw2 = 0, gw;
	int64_t		 at_kill, again;
	int		 uniq;
	uint64_t	 end;

	broker_start(&b);
	node_start(&n, &b, NULL);
	js_join_node(&js, &n);
	ck_assert_uint_ne(kw = h_worker_pid(&n.d, "kafka"), 0);
	ck_assert_uint_ne(gw = h_worker_pid(&n.d, "gossip"), 0);
	kill9_produce(&b, 0, KILL_N / 3);
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while (committed(&b) < KILL_N / 3 && util_mono_ms() < end)
		usleep(50000);
	ck_assert_int_eq(committed(&b), KILL_N / 3);
	ck_assert_int_eq(kill(gw, SIGSTOP), 0);
	kill9_produce(&b, KILL_N / 3, KILL_N);
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while (kafka_stat(&n.d, "kafka_inflight") < 1 && util_mono_ms() < end)
		usleep(20000);
	ck_assert_int_ge(kafka_stat(&n.d, "kafka_inflight"), 1);
	ck_assert_int_eq(kill(kw, SIGKILL), 0);
	at_kill = committed(&b);
	ck_assert_int_ge(at_kill, 1);
	ck_assert_int_lt(at_kill, KILL_N);	/* really mid-stream */
	ck_assert_int_eq(kill(gw, SIGCONT), 0);
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while (((kw2 = h_worker_pid(&n.d, "kafka")) == 0 || kw2 == kw) &&
	    util_mono_ms() < end)
		usleep(50000);
	ck_assert_msg(kw2 != 0 && kw2 != kw, "kafka worker not restarted");
	end = util_mono_ms() + (uint64_t)h_ms(60000);
	while ((uniq = js_unique(&js)) < KILL_N && util_mono_ms() < end)
		usleep(100000);
	ck_assert_int_eq(uniq, KILL_N);
	/* the new worker started at or after the offset committed before
	 * the kill: it consumed at most the rest */
	again = kafka_stat(&n.d, "kafka_consumed");
	fprintf(stderr, "kill -9 with %lld committed of %d: the restarted "
	    "worker consumed %lld\n", (long long)at_kill, KILL_N,
	    (long long)again);
	ck_assert_int_le(again, KILL_N - at_kill);
	/* a backlog goes to gossip several messages per PublishBatchReq */
	ck_assert_int_gt(kafka_stat(&n.d, "kafka_publish_batches"), 0);
	ck_assert_int_lt(kafka_stat(&n.d, "kafka_publish_batches"),
	    kafka_stat(&n.d, "kafka_published"));
	/* and its commits reach the end */
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while (committed(&b) < KILL_N && util_mono_ms() < end)
		usleep(200000);
	ck_assert_int_eq(committed(&b), KILL_N);
	jspeer_stop(&js);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

/* In listen_only the bridge does not re-broadcast Kafka's rejectedtx (and
 * the gossip worker would refuse the Publish): nothing reaches js. */
START_TEST(listen_only_publishes_no_rejected_tx)
{
	struct broker	 b;
	struct node	 n;
	struct jspeer	 js;
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len;
	uint64_t	 end;

	broker_start(&b);
	node_start(&n, &b, "listen_mode = listen_only\n");
	js_join_node(&js, &n);
	rk = kt_producer(&b);
	kafka_codec_rejected_tx_encode(H1, "missing inputs", "", &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kafka_codec_rejected_tx_encode(H2, "missing inputs", "", &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kt_done(rk);
	/* both handled (offsets committed past them) */
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while (committed(&b) < 2 && util_mono_ms() < end)
		usleep(100000);
	ck_assert_int_eq(committed(&b), 2);
	ck_assert_int_eq(kafka_stat(&n.d, "kafka_published"), 0);
	ck_assert_int_eq(kafka_stat(&n.d, "kafka_ignored"), 2);
	ck_assert_int_eq(js_unique(&js), 0);
	jspeer_stop(&js);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

static int
bridge_health_ok(struct daemon *d)
{
	Tp__HealthReq	 hr = TP__HEALTH_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int		 ok;

	req.body_case = TP__ENVELOPE__BODY_HEALTH_REQ;
	req.health_req = &hr;
	if ((rep = h_call(d, "kafka.rep", &req)) == NULL)
		return -1;
	ok = rep->health_rep->ok;
	ipc_env_free(rep);
	return ok;
}

static int
wait_health(struct daemon *d, int want, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);

	while (bridge_health_ok(d) != want)
		if (util_mono_ms() > end)
			return -1;
		else
			usleep(100000);
	return 0;
}

/* Brokers down: js's blocks queue up to kafka_queue_max, the rest are
 * dropped and logged; brokers up: the queue arrives. */
START_TEST(brokers_down_then_up_deliver_the_queue)
{
	struct broker	 b;
	struct node	 n;
	struct jspeer	 js;
	struct kmsg	 m[64];
	char		 hash[65];
	size_t		 k, i, held;
	uint64_t	 end;

	broker_start(&b);
	node_start(&n, &b, "kafka_queue_max = 40\nkafka_health_timeout = "
	    "300ms\n");
	js_join_node(&js, &n);
	ck_assert_int_eq(wait_health(&n.d, 1, 5000), 0);
	js_block(&js, H2);
	ck_assert_uint_eq(kt_read(&b, "blocks", 1, m, 1), 1);
	kt_free(m, 1);
	broker_cmd(&b, "down all");
	ck_assert_msg(wait_health(&n.d, 0, 5000) == 0, "Health still ok");
	for (i = 0; i < 50; i++) {
		snprintf(hash, sizeof(hash), "%064zx", i + 1000);
		js_block(&js, hash);
	}
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while (h_count_log(&n.d, "kafka", "dropped a message for blocks") ==
	    0 && util_mono_ms() < end)
		usleep(100000);
	ck_assert_int_ge(h_count_log(&n.d, "kafka", "dropped a message for "
	    "blocks"), 1);
	broker_cmd(&b, "up all");
	ck_assert_int_eq(wait_health(&n.d, 1, 10000), 0);
	k = kt_read(&b, "blocks", 41, m, 64);
	/* 1 before, then the 40 the queue held; the 10 beyond were dropped */
	ck_assert_uint_eq(k, 41);
	for (i = 0, held = 0; i < k; i++) {
		unsigned long	x = strtoul(m[i].key + 48, NULL, 16);

		held += x >= 1000 && x < 1040;
	}
	ck_assert_uint_eq(held, 40);
	kt_free(m, k);
	jspeer_stop(&js);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

static Suite *
kafka_suite(void)
{
	Suite	*s = suite_create("kafka_bridge");
	TCase	*tc = tcase_create("broker");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, js_block_and_subtree_reach_kafka);
	tcase_add_test(tc, rejected_tx_reaches_a_js_peer);
	tcase_add_test(tc, invalid_block_scores_its_author);
	tcase_add_test(tc, kill9_resumes_from_the_committed_offset);
	tcase_add_test(tc, listen_only_publishes_no_rejected_tx);
	tcase_add_test(tc, brokers_down_then_up_deliver_the_queue);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(kafka_suite());
	int	 nfail;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
