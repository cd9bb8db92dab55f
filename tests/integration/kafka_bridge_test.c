/*
 * Integration tests of the Kafka bridge worker against a real
 * Kafka-protocol broker: tests/kafka_mock_broker (librdkafka's mock
 * cluster in a process of its own), started here.  The bridge runs alone
 * (`terap2pd -R kafka -f conf -d`); this process plays the gossip worker
 * and the ban manager by binding gossip.pub, gossip.rep and bans.rep in the
 * bridge's run_dir, and reads and writes Kafka with kcat and a librdkafka
 * producer of its own.  Checked:
 *   - a BlockSeen/SubtreeSeen event and a sync trigger become messages on
 *     blocks/subtrees that kcat reads with the right key and fields;
 *   - rejectedtx reaches gossip as a Publish (external rejections do not),
 *     invalid-blocks reaches bans as AddBanScore for the announcing peer,
 *     invalid-subtrees falls back to the DataHub URL, malformed ones are
 *     skipped (the local node's own notifications come from its blockchain
 *     service over gRPC: tests/integration/chain_test.c);
 *   - kill -9 of the bridge mid-stream and a restart lose no message
 *     (duplicates counted, as at-least-once allows);
 *   - brokers down for 10 s then up: the queued messages arrive, a full
 *     queue drops are counted and logged, Health follows the brokers.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"
#include "harness.h"
#include "kafka_harness.h"
#include "kafka_messages.pb-c.h"
#include "util.h"

#define READY_MS	15000
#define H1 "00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778"
#define H2 "1111111111111111111111111111111111111111111111111111111111111111"
#define PEER_A "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"
#define PEER_B "12D3KooWBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBbBb"

/* ---- the bridge, alone ---- */

static void
bridge_conf(struct daemon *d, const struct broker *b, const char *extra)
{
	FILE	*fp;

	memset(d, 0, sizeof(*d));
	d->out_fd = -1;
	snprintf(d->dir, sizeof(d->dir), "/tmp/tp-kafka-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->conf, sizeof(d->conf), "%s/terap2p.conf", d->dir);
	snprintf(d->run_dir, sizeof(d->run_dir), "%s/data/run", d->dir);
	ck_assert_int_eq(util_mkdirs(d->run_dir, 0700), 0);
	fp = fopen(d->conf, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "data_dir = %s/data\nclientName = kt\nKAFKA_HOSTS = %s\n"
	    "kafka_session_timeout = 6s\n"
	    "blockchain_grpcAddress =\nblockassembly_grpcAddress =\n"
	    "kafka_rejectedTxConfig = kafka://%s/rejectedtx?replay=1\n%s\n",
	    d->dir, b->bootstrap, b->bootstrap, extra != NULL ? extra : "");
	fclose(fp);
}

static void
bridge_spawn(struct daemon *d)
{
	int	pfd[2];

	free(d->log);
	d->log = NULL;
	d->len = d->cap = d->seen = 0;
	ck_assert_int_eq(pipe(pfd), 0);
	if ((d->pid = fork()) == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execl(h_binary(), "terap2pd", "-R", "kafka", "-d", "-f", d->conf,
		    (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	d->out_fd = pfd[0];
	fcntl(d->out_fd, F_SETFL, O_NONBLOCK);
	ck_assert_msg(h_wait_log(d, "kafka", "msg=\"ready", READY_MS) == 0,
	    "bridge not ready:\n%s", d->log ? d->log : "");
}

static void
bridge_stop(struct daemon *d)
{
	int	status;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		status = h_wait_exit(d, 10000);
		ck_assert_msg(status != -1 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0, "bridge did not stop cleanly:\n%s",
		    d->log ? d->log : "");
	}
}

/* ---- this process as the gossip worker and the ban manager ---- */

#define FAKE_MAX	8192

struct fake {
	nng_socket	 pub, grep, brep;
	pthread_t	 tg, tb;
	pthread_mutex_t	 mu;
	volatile int	 stop;
	int		 pub_kind[FAKE_MAX];
	char		*pub_json[FAKE_MAX];	/* owned */
	size_t		 npub;
	char		 ban_peer[64][160], ban_reason[64][64];
	size_t		 nban;
	char		 lookup_url[256];
	size_t		 nlookup;
	int		 delay_us;	/* before each answer */
};

static void
fake_bind(const struct daemon *d, nng_socket *s, const char *name,
    int (*open_fn)(nng_socket *))
{
	char	url[300];

	ck_assert_int_eq(open_fn(s), 0);
	ck_assert_int_eq(ipc_url(d->run_dir, name, url, sizeof(url)), 0);
	ck_assert_int_eq(nng_listen(*s, url, NULL, 0), 0);
	nng_socket_set_ms(*s, NNG_OPT_RECVTIMEO, 100);
}

static void
fake_answer(struct fake *f, ipc_env *q, ipc_env *rep)
{
	static Tp__Ack			ack = TP__ACK__INIT;
	static Tp__BanScoreRep		score = TP__BAN_SCORE_REP__INIT;
	static Tp__PeerByDataHubRep	byurl = TP__PEER_BY_DATA_HUB_REP__INIT;

	rep->body_case = TP__ENVELOPE__BODY_ACK;
	rep->ack = &ack;
	pthread_mutex_lock(&f->mu);
	if (q->body_case == TP__ENVELOPE__BODY_PUBLISH_REQ && f->npub < FAKE_MAX) {
		f->pub_kind[f->npub] = q->publish_req->kind;
		f->pub_json[f->npub++] = xstrdup(q->publish_req->json);
	} else if (q->body_case == TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ &&
	    f->nban < 64) {
		snprintf(f->ban_peer[f->nban], 160, "%s",
		    q->add_ban_score_req->peer_id);
		snprintf(f->ban_reason[f->nban++], 64, "%s",
		    q->add_ban_score_req->reason);
		score.score = 10;
		rep->body_case = TP__ENVELOPE__BODY_BAN_SCORE_REP;
		rep->ban_score_rep = &score;
	} else if (q->body_case == TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REQ) {
		f->nlookup++;
		snprintf(f->lookup_url, sizeof(f->lookup_url), "%s",
		    q->peer_by_datahub_req->url);
		byurl.peer_id = strcmp(q->peer_by_datahub_req->url,
		    "https://b.example/api/v1") == 0 ? PEER_B : "";
		rep->body_case = TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REP;
		rep->peer_by_datahub_rep = &byurl;
	}
	pthread_mutex_unlock(&f->mu);
}

static void
fake_serve(struct fake *f, nng_socket s, const char *self)
{
	ipc_env	*q, rep = TP__ENVELOPE__INIT;
	nng_msg	*m, *out;
	char	 err[128];

	while (!f->stop) {
		if (nng_recvmsg(s, &m, 0) != 0)
			continue;
		if (f->delay_us > 0)
			usleep((useconds_t)f->delay_us);
		if (ipc_decode(nng_msg_body(m), nng_msg_len(m), &q, err,
		    sizeof(err)) == 0) {
			tp__envelope__init(&rep);
			fake_answer(f, q, &rep);
			rep.id = q->id;
			rep.sender = (char *)self;
			if (ipc_encode(&rep, 0, &out, err, sizeof(err)) == 0 &&
			    nng_sendmsg(s, out, 0) != 0)
				nng_msg_free(out);
			ipc_env_free(q);
		}
		nng_msg_free(m);
	}
}

static void *
fake_gossip_thread(void *arg)
{
	struct fake	*f = arg;

	fake_serve(f, f->grep, "gossip");
	return NULL;
}

static void *
fake_bans_thread(void *arg)
{
	struct fake	*f = arg;

	fake_serve(f, f->brep, "bans");
	return NULL;
}

static struct fake *
fake_start(const struct daemon *d)
{
	struct fake	*f = xcalloc(1, sizeof(*f));

	pthread_mutex_init(&f->mu, NULL);
	fake_bind(d, &f->pub, "gossip.pub", nng_pub0_open);
	fake_bind(d, &f->grep, "gossip.rep", nng_rep0_open);
	fake_bind(d, &f->brep, "bans.rep", nng_rep0_open);
	pthread_create(&f->tg, NULL, fake_gossip_thread, f);
	pthread_create(&f->tb, NULL, fake_bans_thread, f);
	return f;
}

static void
fake_stop(struct fake *f)
{
	size_t	i;

	f->stop = 1;
	pthread_join(f->tg, NULL);
	pthread_join(f->tb, NULL);
	nng_close(f->pub);
	nng_close(f->grep);
	nng_close(f->brep);
	for (i = 0; i < f->npub; i++)
		free(f->pub_json[i]);
	free(f);
}

static size_t
fake_npub(struct fake *f)
{
	size_t	n;

	pthread_mutex_lock(&f->mu);
	n = f->npub;
	pthread_mutex_unlock(&f->mu);
	return n;
}

static size_t
fake_nban(struct fake *f)
{
	size_t	n;

	pthread_mutex_lock(&f->mu);
	n = f->nban;
	pthread_mutex_unlock(&f->mu);
	return n;
}

/* Publish a gossip event on our gossip.pub, as the gossip worker does. */
static void
fake_event(struct fake *f, const ipc_env *ev)
{
	ipc_env	 copy = *ev;
	nng_msg	*m;
	char	 err[128];

	copy.sender = "gossip";
	ck_assert_int_eq(ipc_encode(&copy, 1, &m, err, sizeof(err)), 0);
	ck_assert_int_eq(nng_sendmsg(f->pub, m, 0), 0);
}

static void
fake_block_seen(struct fake *f, const char *hash, const char *url,
    const char *peer)
{
	Tp__BlockSeen	b = TP__BLOCK_SEEN__INIT;
	ipc_env		ev = TP__ENVELOPE__INIT;

	b.hash = (char *)hash;
	b.height = 7;
	b.data_hub_url = (char *)url;
	b.peer_id = (char *)peer;
	b.from_peer_id = (char *)peer;
	ev.body_case = TP__ENVELOPE__BODY_BLOCK_SEEN;
	ev.block_seen = &b;
	fake_event(f, &ev);
}

static void
fake_subtree_seen(struct fake *f, const char *hash, const char *url,
    const char *peer)
{
	Tp__SubtreeSeen	s = TP__SUBTREE_SEEN__INIT;
	ipc_env		ev = TP__ENVELOPE__INIT;

	s.hash = (char *)hash;
	s.data_hub_url = (char *)url;
	s.peer_id = (char *)peer;
	ev.body_case = TP__ENVELOPE__BODY_SUBTREE_SEEN;
	ev.subtree_seen = &s;
	fake_event(f, &ev);
}

static int
wait_until(size_t (*count)(struct fake *), struct fake *f, size_t n, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms;

	while (count(f) < n) {
		if (util_mono_ms() > end)
			return -1;
		usleep(20000);
	}
	return 0;
}

/* ---- tests ---- */

START_TEST(gossip_events_reach_kafka)
{
	Tp__ProduceSyncTriggerReq	 st = TP__PRODUCE_SYNC_TRIGGER_REQ__INIT;
	Tp__KafkaStatusReq		 sr = TP__KAFKA_STATUS_REQ__INIT;
	Tp__HealthReq			 hr = TP__HEALTH_REQ__INIT;
	ipc_env				 req = TP__ENVELOPE__INIT, *rep;
	Kafkamessage__KafkaBlockTopicMessage *bm;
	Kafkamessage__KafkaSubtreeTopicMessage *sm;
	struct broker			 b;
	struct daemon			 d;
	struct fake			*f;
	struct kmsg			 m[8];
	size_t				 n, i;
	int				 found_gossip = 0, found_sync = 0;

	broker_start(&b);
	bridge_conf(&d, &b, NULL);
	f = fake_start(&d);
	bridge_spawn(&d);
	usleep(300000);		/* the bridge's SUB pipe to our PUB */
	fake_block_seen(f, "A1B2", "https://a.example/api/v1", PEER_A);
	fake_subtree_seen(f, H2, "https://a.example/api/v1", PEER_A);
	st.hash = H2;
	st.url = "https://sync.example/api/v1";
	st.peer_id = PEER_B;
	req.body_case = TP__ENVELOPE__BODY_PRODUCE_SYNC_TRIGGER_REQ;
	req.produce_sync_trigger_req = &st;
	rep = h_call(&d, "kafka.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->status, 0);
	ipc_env_free(rep);

	n = kt_read(&b, "blocks", 2, m, 8);
	ck_assert_uint_eq(n, 2);
	for (i = 0; i < n; i++) {
		bm = kafkamessage__kafka_block_topic_message__unpack(NULL,
		    m[i].len, m[i].val);
		ck_assert_ptr_nonnull(bm);
		ck_assert_str_eq(m[i].key, bm->hash);
		if (strcmp(bm->peer_id, PEER_A) == 0) {
			ck_assert_str_eq(bm->hash, "0000000000000000000000000000"
			    "00000000000000000000000000000000a1b2");
			ck_assert_str_eq(bm->url, "https://a.example/api/v1");
			found_gossip++;
		} else {
			ck_assert_str_eq(bm->hash, H2);
			ck_assert_str_eq(bm->url, "https://sync.example/api/v1");
			ck_assert_str_eq(bm->peer_id, PEER_B);
			found_sync++;
		}
		kafkamessage__kafka_block_topic_message__free_unpacked(bm, NULL);
	}
	ck_assert_int_eq(found_gossip, 1);
	ck_assert_int_eq(found_sync, 1);
	kt_free(m, n);

	n = kt_read(&b, "subtrees", 1, m, 8);
	ck_assert_uint_eq(n, 1);
	sm = kafkamessage__kafka_subtree_topic_message__unpack(NULL, m[0].len,
	    m[0].val);
	ck_assert_ptr_nonnull(sm);
	ck_assert_str_eq(m[0].key, H2);
	ck_assert_str_eq(sm->hash, H2);
	ck_assert_str_eq(sm->peer_id, PEER_A);
	kafkamessage__kafka_subtree_topic_message__free_unpacked(sm, NULL);
	kt_free(m, n);

	/* A bad hash from IPC is refused, not produced. */
	st.hash = "xyz";
	rep = h_call(&d, "kafka.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->status, TP__IPC_STATUS__IPC_ERR_INVALID);
	ipc_env_free(rep);

	/* Delivery reports may trail what a consumer already sees. */
	req.body_case = TP__ENVELOPE__BODY_KAFKA_STATUS_REQ;
	req.kafka_status_req = &sr;
	for (i = 0;; i++) {
		rep = h_call(&d, "kafka.rep", &req);
		ck_assert_ptr_nonnull(rep);
		if (rep->kafka_status_rep->produced == 3 || i == 50)
			break;
		ipc_env_free(rep);
		usleep(100000);
	}
	ck_assert(rep->kafka_status_rep->connected);
	ck_assert_str_eq(rep->kafka_status_rep->bootstrap, b.bootstrap);
	ck_assert_uint_eq(rep->kafka_status_rep->produced, 3);
	ipc_env_free(rep);
	req.body_case = TP__ENVELOPE__BODY_HEALTH_REQ;
	req.health_req = &hr;
	rep = h_call(&d, "kafka.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert(rep->health_rep->ok);
	ck_assert_uint_eq(rep->health_rep->n_deps, 1);
	ck_assert_str_eq(rep->health_rep->deps[0]->name, "kafka");
	ipc_env_free(rep);

	bridge_stop(&d);
	fake_stop(f);
	h_cleanup(&d);
	broker_stop(&b);
}
END_TEST

START_TEST(consumed_topics_reach_gossip_and_bans)
{
	struct broker	 b;
	struct daemon	 d;
	struct fake	*f;
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len;

	broker_start(&b);
	bridge_conf(&d, &b, NULL);
	f = fake_start(&d);
	bridge_spawn(&d);
	usleep(300000);
	/* H1 was announced by PEER_A: its invalid-blocks report scores A. */
	fake_block_seen(f, H1, "https://a.example/api/v1", PEER_A);
	usleep(200000);

	rk = kt_producer(&b);
	kt_produce(rk, "rejectedtx", (uint8_t *)xstrdup("\xff\xff"), 2);
	kafka_codec_rejected_tx_encode(H1, "missing inputs", "", &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kafka_codec_rejected_tx_encode(H2, "elsewhere", PEER_B, &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kafka_codec_invalid_block_encode(H1, "bad merkle root", &v, &len);
	kt_produce(rk, "invalid-blocks", v, len);
	kafka_codec_invalid_subtree_encode(H2, "https://b.example/api/v1",
	    "bad tx", &v, &len);
	kt_produce(rk, "invalid-subtrees", v, len);
	kt_done(rk);

	ck_assert_msg(wait_until(fake_npub, f, 1, 20000) == 0,
	    "publishes: %zu\n%s", fake_npub(f), d.log);
	ck_assert_msg(wait_until(fake_nban, f, 2, 10000) == 0, "bans: %zu\n%s",
	    fake_nban(f), d.log);
	usleep(300000);
	pthread_mutex_lock(&f->mu);
	ck_assert_uint_eq(f->npub, 1);	/* the external rejection is not */
	ck_assert_int_eq(f->pub_kind[0], TP__TOPIC_KIND__TOPIC_REJECTED_TX);
	ck_assert_str_eq(f->pub_json[0], "{\"TxID\":\"" H1 "\",\"Reason\":"
	    "\"missing inputs\",\"PeerID\":\"\"}");
	ck_assert_uint_eq(f->nban, 2);
	ck_assert_uint_eq(f->nlookup, 1);
	ck_assert_str_eq(f->lookup_url, "https://b.example/api/v1");
	ck_assert(strcmp(f->ban_peer[0], PEER_A) == 0 ||
	    strcmp(f->ban_peer[1], PEER_A) == 0);
	ck_assert(strcmp(f->ban_peer[0], PEER_B) == 0 ||
	    strcmp(f->ban_peer[1], PEER_B) == 0);
	ck_assert_str_eq(f->ban_reason[strcmp(f->ban_peer[0], PEER_A) == 0 ?
	    0 : 1], "invalid_block");
	ck_assert_str_eq(f->ban_reason[strcmp(f->ban_peer[0], PEER_B) == 0 ?
	    0 : 1], "invalid_subtree");
	pthread_mutex_unlock(&f->mu);
	ck_assert_int_ge(h_count_log(&d, "kafka", "skipped: not a "
	    "KafkaRejectedTxTopicMessage"), 1);

	bridge_stop(&d);
	fake_stop(f);
	h_cleanup(&d);
	broker_stop(&b);
}
END_TEST

#define KILL_N	3000

static size_t
fake_unique_tx(struct fake *f, size_t *dups)
{
	static unsigned char	seen[KILL_N];
	size_t			i, n = 0;
	unsigned		x;

	memset(seen, 0, sizeof(seen));
	*dups = 0;
	pthread_mutex_lock(&f->mu);
	for (i = 0; i < f->npub; i++) {
		/* TxID = 60 zeros + 4 hex digits of the sequence number. */
		if (sscanf(f->pub_json[i] + strlen("{\"TxID\":\"") + 60, "%4x",
		    &x) != 1 || x >= KILL_N)
			continue;
		if (seen[x]++)
			(*dups)++;
		else
			n++;
	}
	pthread_mutex_unlock(&f->mu);
	return n;
}

START_TEST(kill9_mid_stream_loses_nothing)
{
	struct broker	 b;
	struct daemon	 d;
	struct fake	*f;
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len, i, uniq, dups, at_kill;
	char		 tx[65];
	uint64_t	 end;

	broker_start(&b);
	bridge_conf(&d, &b, NULL);
	f = fake_start(&d);
	f->delay_us = 1000;	/* about 1000 messages a second */
	rk = kt_producer(&b);
	for (i = 0; i < KILL_N; i++) {
		snprintf(tx, sizeof(tx), "%060u%04zx", 0u, i);
		kafka_codec_rejected_tx_encode(tx, "r", "", &v, &len);
		kt_produce(rk, "rejectedtx", v, len);
	}
	kt_done(rk);
	bridge_spawn(&d);
	ck_assert_int_eq(wait_until(fake_npub, f, KILL_N / 4, 20000), 0);
	kill(d.pid, SIGKILL);
	waitpid(d.pid, NULL, 0);
	at_kill = fake_npub(f);
	ck_assert_uint_lt(at_kill, KILL_N);	/* really mid-stream */
	close(d.out_fd);
	bridge_spawn(&d);
	end = util_mono_ms() + 40000;
	while ((uniq = fake_unique_tx(f, &dups)) < KILL_N &&
	    util_mono_ms() < end)
		usleep(100000);
	fprintf(stderr, "kill -9 after %zu of %d: all %zu delivered, %zu "
	    "duplicate(s) (at-least-once)\n", at_kill, KILL_N, uniq, dups);
	ck_assert_uint_eq(uniq, KILL_N);
	/* Only what was handled but not yet committed may come twice. */
	ck_assert_uint_le(dups, at_kill);
	bridge_stop(&d);
	fake_stop(f);
	h_cleanup(&d);
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
	uint64_t	end = util_mono_ms() + (uint64_t)ms;

	while (bridge_health_ok(d) != want)
		if (util_mono_ms() > end)
			return -1;
		else
			usleep(100000);
	return 0;
}

START_TEST(brokers_down_then_up_deliver_the_queue)
{
	struct broker	 b;
	struct daemon	 d;
	struct fake	*f;
	struct kmsg	 m[64];
	char		 hash[65];
	size_t		 n, i, held;

	broker_start(&b);
	bridge_conf(&d, &b, "kafka_queue_max = 40\nkafka_health_timeout = 300ms");
	f = fake_start(&d);
	bridge_spawn(&d);
	usleep(300000);
	ck_assert_int_eq(wait_health(&d, 1, 5000), 0);
	fake_block_seen(f, "ff", "https://a.example/api/v1", PEER_A);
	ck_assert_uint_eq(kt_read(&b, "blocks", 1, m, 1), 1);
	kt_free(m, 1);

	broker_cmd(&b, "down all");
	ck_assert_msg(wait_health(&d, 0, 5000) == 0, "Health still ok");
	for (i = 0; i < 50; i++) {
		snprintf(hash, sizeof(hash), "%064zx", i + 1000);
		fake_block_seen(f, hash, "https://a.example/api/v1", PEER_A);
		usleep(2000);
	}
	sleep(10);
	ck_assert_int_ge(h_count_log(&d, "kafka", "dropped a message for "
	    "blocks"), 1);
	broker_cmd(&b, "up all");
	ck_assert_int_eq(wait_health(&d, 1, 10000), 0);
	n = kt_read(&b, "blocks", 41, m, 64);
	/* 1 before, then the 40 the queue held; the 10 beyond were dropped. */
	ck_assert_uint_eq(n, 41);
	for (i = 0, held = 0; i < n; i++) {
		unsigned long	x = strtoul(m[i].key + 48, NULL, 16);

		held += x >= 1000 && x < 1040;
	}
	ck_assert_uint_eq(held, 40);
	kt_free(m, n);
	bridge_stop(&d);
	fake_stop(f);
	h_cleanup(&d);
	broker_stop(&b);
}
END_TEST

static Suite *
kafka_suite(void)
{
	Suite	*s = suite_create("kafka_bridge");
	TCase	*tc = tcase_create("broker");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, gossip_events_reach_kafka);
	tcase_add_test(tc, consumed_topics_reach_gossip_and_bans);
	tcase_add_test(tc, kill9_mid_stream_loses_nothing);
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
