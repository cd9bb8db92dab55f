/*
 * README claims about what reaches Kafka and the ban manager, against the
 * real terap2pd, the Kafka mock broker (kcat reads it) and real js-libp2p
 * peers, one daemon for all of it:
 *   - a rejectedtx consumed while the gossip worker is stopped (SIGSTOP) is
 *     retried and reaches the js peer once it runs again; an invalid-blocks
 *     report consumed while the ban manager is stopped is retried, the ban
 *     manager is killed meanwhile and restarted by the supervisor, and the
 *     announcing peer's score still rises;
 *   - subtrees from a blacklisted DataHub host (compared whole and
 *     case-insensitively) and blocks authored by a banned peer (relayed by
 *     another) never reach Kafka, and each drop is counted;
 *   - the score table holds p2p_ban_max_entries peers: a new one evicts the
 *     lowest score that is not banned, and a table full of banned peers
 *     refuses.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <librdkafka/rdkafka.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"
#include "harness.h"
#include "jspeer.h"
#include "kafka_harness.h"
#include "util.h"

#define PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define URL_R	"https://r.example/api/v1"
#define MAXE	4

static const char *const	gossip_args[] = { "--gossip", NULL };
static const char *const	all_topics[] = { PREFIX "-block",
	PREFIX "-subtree", PREFIX "-rejected_tx", NULL };

struct node {
	struct daemon	d;
	int		port;
	char		pid[64];
};

static int
ms(int base)
{
	const char	*m = getenv("CK_TIMEOUT_MULTIPLIER");
	int		 k = m != NULL ? atoi(m) : 1;

	return base * (k > 1 ? k : 1);
}

/* 64 hex digits: tag, then n. */
static void
hash_of(char out[65], unsigned tag, unsigned n)
{
	snprintf(out, 65, "%08x%048u%08x", tag, 0u, n);
}

static void
node_start(struct node *n, const struct broker *b)
{
	char	extra[2048];

	n->port = h_free_port();
	snprintf(extra, sizeof(extra), "clientName = kt\np2p_port = %d\n"
	    "KAFKA_HOSTS = %s\nkafka_session_timeout = 6s\n"
	    "kafka_rejectedTxConfig = kafka://%s/rejectedtx?replay=1\n"
	    "kafka_invalidBlocksConfig = kafka://%s/invalid-blocks?replay=1\n"
	    "subtreevalidation_blacklisted_baseurls = https://evil.example\n"
	    "p2p_ban_max_entries = %d\n"
	    /* DataHub URLs here are names: never looked up */
	    "p2p_health_check_enabled = false\n", n->port, b->bootstrap, b->bootstrap,
	    b->bootstrap, MAXE);
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
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
		ck_assert_msg(jspeer_wait_mesh(js, all_topics[i], peer,
		    ms(15000)) == 0, "%s not in js's %s mesh", peer,
		    all_topics[i]);
}

static void
js_block(struct jspeer *js, const char *hash)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"js-node\",\"DataHubURL\":\"" URL_R "\",\"Hash\":\"%s\","
	    "\"Height\":7,\"Header\":\"\",\"Coinbase\":\"\"}", js->peer_id,
	    hash);
	jspeer_send_envelope(js, PREFIX "-block", json);
}

static void
js_subtree(struct jspeer *js, const char *hash, const char *url)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"DataHubURL\":\"%s\","
	    "\"Hash\":\"%s\"}", js->peer_id, url, hash);
	jspeer_send_envelope(js, PREFIX "-subtree", json);
}

static int64_t
stat_of(struct daemon *d, const char *rep_name, const char *name)
{
	Tp__StatsReq	 s = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &s;
	if ((rep = h_call(d, rep_name, &req)) == NULL)
		return -1;
	if (rep->body_case == TP__ENVELOPE__BODY_STATS_REP)
		for (size_t i = 0; i < rep->stats_rep->n_stats; i++)
			if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
				v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

static int
wait_stat(struct daemon *d, const char *rep_name, const char *name,
    int64_t min, int wait_ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms(wait_ms);

	while (stat_of(d, rep_name, name) < min)
		if (util_mono_ms() > end)
			return -1;
		else
			usleep(100000);
	return 0;
}

/* A request to bans.rep; its status (the reply in *out if wanted). */
static int
bans_call(struct daemon *d, ipc_env *req, ipc_env **out)
{
	ipc_env	*rep = h_call(d, "bans.rep", req);
	int	 status;

	ck_assert_ptr_nonnull(rep);
	status = rep->status;
	if (out != NULL)
		*out = rep;
	else
		ipc_env_free(rep);
	return status;
}

static int
add_score(struct daemon *d, const char *peer, const char *reason)
{
	Tp__AddBanScoreReq	a = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	a.peer_id = (char *)peer;
	a.reason = (char *)reason;
	req.body_case = TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ;
	req.add_ban_score_req = &a;
	return bans_call(d, &req, NULL);
}

static int
ban_peer(struct daemon *d, const char *peer)
{
	Tp__BanPeerReq	b = TP__BAN_PEER_REQ__INIT;
	ipc_env		req = TP__ENVELOPE__INIT;

	b.peer_id = (char *)peer;
	b.reason = "claims test";
	req.body_case = TP__ENVELOPE__BODY_BAN_PEER_REQ;
	req.ban_peer_req = &b;
	return bans_call(d, &req, NULL);
}

/* peer's score in ListScores, -1 when it is not listed; *total. */
static int
listed_score(struct daemon *d, const char *peer, unsigned *total)
{
	Tp__ListScoresReq	 l = TP__LIST_SCORES_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	int			 score = -1;

	req.body_case = TP__ENVELOPE__BODY_LIST_SCORES_REQ;
	req.list_scores_req = &l;
	ck_assert_int_eq(bans_call(d, &req, &rep), 0);
	for (size_t i = 0; i < rep->list_scores_rep->n_scores; i++)
		if (strcmp(rep->list_scores_rep->scores[i]->peer_id, peer) == 0)
			score = rep->list_scores_rep->scores[i]->score;
	if (total != NULL)
		*total = rep->list_scores_rep->total;
	ipc_env_free(rep);
	return score;
}

/* A valid peer ID of a random Ed25519 key: base58btc of its identity
 * multihash (0x00 0x24, then the protobuf PublicKey{Ed25519, key}). */
static void
random_peer_id(char out[64])
{
	static const char	 b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
				    "abcdefghijkmnopqrstuvwxyz";
	uint8_t			 mh[38] = { 0x00, 0x24, 0x08, 0x01, 0x12,
				    0x20 }, digits[64] = { 0 };
	size_t			 nd = 0, zeros = 0, o = 0;

	ck_assert_int_ge(sodium_init(), 0);
	randombytes_buf(mh + 6, 32);
	for (size_t i = 0; i < sizeof(mh); i++) {
		unsigned carry = mh[i];

		for (size_t j = 0; j < nd; j++) {
			carry += (unsigned)digits[j] << 8;
			digits[j] = (uint8_t)(carry % 58);
			carry /= 58;
		}
		while (carry > 0) {
			digits[nd++] = (uint8_t)(carry % 58);
			carry /= 58;
		}
	}
	while (zeros < sizeof(mh) && mh[zeros] == 0)
		out[o++] = '1', zeros++;
	while (nd > 0)
		out[o++] = b58[digits[--nd]];
	out[o] = '\0';
}

/* The offset group p2p.kt has committed on rejectedtx's partition 0, as
 * any Kafka tool reads it; 0 when none. */
static int64_t
committed(const struct broker *b)
{
	rd_kafka_conf_t			*c = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t	*l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_t			*rk;
	char				 err[256];
	int64_t				 off = -1;

	rd_kafka_conf_set(c, "bootstrap.servers", b->bootstrap, err,
	    sizeof(err));
	rd_kafka_conf_set(c, "group.id", "p2p.kt", err, sizeof(err));
	rd_kafka_conf_set(c, "log_level", "3", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
	ck_assert_msg(rk != NULL, "%s", err);
	rd_kafka_topic_partition_list_add(l, "rejectedtx", 0);
	if (rd_kafka_committed(rk, l, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
	    l->elems[0].err == 0)
		off = l->elems[0].offset > 0 ? l->elems[0].offset : 0;
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(rk);
	return off;
}

/* The gossip worker stopped, then the ban manager stopped and killed. */
static void
retries_while_workers_are_down(struct node *n, const struct broker *b,
    struct jspeer *r)
{
	rd_kafka_t	*rk;
	uint8_t		*v;
	size_t		 len;
	struct kmsg	 m[4];
	char		 tx[65], hb[65];
	pid_t		 gossip, bans, bans2;
	int64_t		 retries;
	uint64_t	 end;
	const char	*l;

	ck_assert_int_gt(gossip = h_worker_pid(&n->d, "gossip"), 0);
	ck_assert_int_eq(kill(gossip, SIGSTOP), 0);
	rk = kt_producer(b);
	hash_of(tx, 0x7e, 1);
	kafka_codec_rejected_tx_encode(tx, "missing inputs", "", &v, &len);
	kt_produce(rk, "rejectedtx", v, len);
	kt_done(rk);
	/* two retries, a second apart: commits every 500 ms did not move
	 * past the message (the request sent first would still reach the
	 * stopped worker later, so js alone cannot tell a skip) */
	ck_assert_msg(wait_stat(&n->d, "kafka.rep", "kafka_ipc_retries", 2,
	    20000) == 0, "no retry while gossip is stopped");
	ck_assert_int_eq(committed(b), 0);
	ck_assert_int_eq(kill(gossip, SIGCONT), 0);
	end = util_mono_ms() + (uint64_t)ms(15000);
	do {
		l = jspeer_cmd(r, "received", "\"topic\":\"" PREFIX
		    "-rejected_tx\"", 5000);
	} while ((l == NULL || strstr(l, "\"unique\":1") == NULL) &&
	    util_mono_ms() < end && usleep(100000) == 0);
	ck_assert_msg(l != NULL && strstr(l, "\"unique\":1") != NULL,
	    "the rejectedtx never reached js: %s", l ? l : "");
	ck_assert_int_eq(h_worker_pid(&n->d, "gossip"), gossip);
	end = util_mono_ms() + (uint64_t)ms(10000);
	while (committed(b) < 1 && util_mono_ms() < end)
		usleep(100000);
	ck_assert_int_eq(committed(b), 1);

	/* r's block is attributed to r; Kafka calls it invalid */
	hash_of(hb, 0xb1, 1);
	js_block(r, hb);
	ck_assert_uint_eq(kt_read(b, "blocks", 1, m, 4), 1);
	ck_assert_str_eq(m[0].key, hb);
	kt_free(m, 1);
	ck_assert_int_eq(listed_score(&n->d, r->peer_id, NULL), -1);
	ck_assert_int_gt(bans = h_worker_pid(&n->d, "bans"), 0);
	ck_assert_int_eq(kill(bans, SIGSTOP), 0);
	retries = stat_of(&n->d, "kafka.rep", "kafka_ipc_retries");
	rk = kt_producer(b);
	kafka_codec_invalid_block_encode(hb, "bad merkle root", &v, &len);
	kt_produce(rk, "invalid-blocks", v, len);
	kt_done(rk);
	ck_assert_msg(wait_stat(&n->d, "kafka.rep", "kafka_ipc_retries",
	    retries + 1, 20000) == 0, "no retry while bans is stopped");
	/* killed while stopped: the supervisor starts a new one */
	ck_assert_int_eq(kill(bans, SIGKILL), 0);
	end = util_mono_ms() + (uint64_t)ms(15000);
	while (((bans2 = h_worker_pid(&n->d, "bans")) == 0 || bans2 == bans) &&
	    util_mono_ms() < end)
		usleep(50000);
	ck_assert_msg(bans2 != 0 && bans2 != bans, "bans not restarted");
	end = util_mono_ms() + (uint64_t)ms(15000);
	while (listed_score(&n->d, r->peer_id, NULL) < 10 &&
	    util_mono_ms() < end)
		usleep(100000);
	ck_assert_int_eq(listed_score(&n->d, r->peer_id, NULL), 10);
}

/* The keys of every message on topic now (up to cap); how many. */
static size_t
topic_keys(const struct broker *b, const char *topic, char keys[][65],
    size_t cap)
{
	const char	*argv[] = { "/usr/bin/kcat", "-C", "-b", b->bootstrap,
			    "-t", topic, "-o", "beginning", "-e", "-q", "-f",
			    "%k\n", NULL };
	static char	 buf[1 << 16];
	char		*line, *save;
	size_t		 n = 0;

	ck_assert_int_eq(h_run(argv, buf, sizeof(buf)), 0);
	for (line = strtok_r(buf, "\n", &save); line != NULL && n < cap;
	    line = strtok_r(NULL, "\n", &save))
		snprintf(keys[n++], 65, "%s", line);
	return n;
}

/* 1 if a message keyed key is on topic now. */
static int
has_key(const struct broker *b, const char *topic, const char *key)
{
	static char	keys[64][65];
	size_t		n, i;

	if (key[0] == '\0')
		return 0;
	n = topic_keys(b, topic, keys, 64);
	for (i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			return 1;
	return 0;
}

/* Wait (scaled) until a message keyed key is on topic: 0, or -1. */
static int
wait_key(const struct broker *b, const char *topic, const char *key,
    int base_ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms(base_ms);

	do {
		if (has_key(b, topic, key))
			return 0;
		usleep(100000);
	} while (util_mono_ms() < end);
	return -1;
}

/* Blacklisted DataHubs and banned authors: dropped, counted, not on Kafka. */
static void
drops_never_reach_kafka(struct node *n, const struct broker *b,
    struct jspeer *r, struct jspeer *a)
{
	struct kmsg	 m[16];
	static char	 keys[64][65];
	char		 s[3][65], h[65] = "", marker[65];
	size_t		 k;
	int64_t		 drops;
	unsigned	 i;

	for (i = 0; i < 3; i++)
		hash_of(s[i], 0x5b, i);
	js_subtree(r, s[0], "https://EVIL.example:8090/x");
	js_subtree(r, s[1], "https://sub.evil.example/api/v1");
	js_subtree(r, s[2], "https://notevil.example/api/v1");
	ck_assert_uint_eq(k = kt_read(b, "subtrees", 2, m, 16), 2);
	ck_assert_str_eq(m[0].key, s[1]);
	ck_assert_str_eq(m[1].key, s[2]);
	kt_free(m, k);
	ck_assert_int_eq(stat_of(&n->d, "gossip.rep", "drops_blacklisted"), 1);

	/*
	 * a's blocks reach us through r only: first make sure they do (after
	 * the gossip worker's stop, r's mesh may take a moment to hold us
	 * again; a block r did not forward is lost, not late)
	 */
	for (i = 0; !has_key(b, "blocks", h); i++) {
		ck_assert_msg(i < 20, "a's blocks never reached us through r");
		hash_of(h, 0xa5, i);
		js_block(a, h);
		wait_key(b, "blocks", h, 1000);
	}
	/* then a is banned */
	ck_assert_int_eq(ban_peer(&n->d, a->peer_id), 0);
	drops = stat_of(&n->d, "gossip.rep", "drops_banned");
	ck_assert_int_eq(drops, 0);
	/* until the gossip worker has heard of the ban, a's blocks pass */
	for (i = 0; stat_of(&n->d, "gossip.rep", "drops_banned") == 0; i++) {
		ck_assert_msg(i < 20, "a banned author's block never dropped");
		hash_of(h, 0xa0, i);
		js_block(a, h);
		wait_stat(&n->d, "gossip.rep", "drops_banned", 1, 1000);
	}
	ck_assert_int_eq(stat_of(&n->d, "gossip.rep", "drops_banned"), 1);
	/* h was dropped: once r's marker is on Kafka, h is not */
	hash_of(marker, 0xb1, 2);
	js_block(r, marker);
	ck_assert_msg(wait_key(b, "blocks", marker, 15000) == 0,
	    "r's marker never reached Kafka");
	k = topic_keys(b, "blocks", keys, 64);
	for (size_t j = 0; j < k; j++)
		ck_assert_str_ne(keys[j], h);
}

/* MAXE entries: r (10) and a (banned) hold two already. */
static void
score_table_evicts_lowest_unbanned(struct node *n, const char *r)
{
	char		p[5][64];
	unsigned	total;

	for (int i = 0; i < 5; i++)
		random_peer_id(p[i]);
	ck_assert_int_eq(add_score(&n->d, p[0], "spam"), 0);	/* 50 */
	ck_assert_int_eq(add_score(&n->d, p[1], "unknown"), 0);	/* 1 */
	ck_assert_int_eq(listed_score(&n->d, p[1], &total), 1);
	ck_assert_uint_eq(total, MAXE);
	/* full: the newcomer evicts the lowest unbanned score, p1's 1 */
	ck_assert_int_eq(add_score(&n->d, p[2], "protocol_violation"), 0);
	ck_assert_int_eq(listed_score(&n->d, p[1], &total), -1);
	ck_assert_uint_eq(total, MAXE);
	ck_assert_int_eq(listed_score(&n->d, p[2], NULL), 20);
	/* then r's 10 */
	ck_assert_int_eq(add_score(&n->d, p[3], "protocol_violation"), 0);
	ck_assert_int_eq(listed_score(&n->d, r, &total), -1);
	ck_assert_uint_eq(total, MAXE);
	ck_assert_int_eq(listed_score(&n->d, p[0], NULL), 50);
	/* every entry banned: a new peer is refused, saying why */
	for (int i = 0; i < 4; i++)
		if (i != 1)
			ck_assert_int_eq(ban_peer(&n->d, p[i]), 0);
	ck_assert_int_eq(add_score(&n->d, p[4], "spam"),
	    TP__IPC_STATUS__IPC_ERR_FULL);
	ck_assert_int_eq(listed_score(&n->d, p[4], &total), -1);
	ck_assert_uint_eq(total, MAXE);
	/* an existing entry still takes points */
	ck_assert_int_eq(add_score(&n->d, p[2], "unknown"), 0);
}

START_TEST(kafka_paths_and_drops)
{
	struct broker	 b;
	struct node	 n;
	struct jspeer	 r, a;
	char		 addr[200];

	broker_start(&b);
	node_start(&n, &b);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", n.port,
	    n.pid);
	js_join(&r, addr, n.pid);
	js_join(&a, r.addr, r.peer_id);
	retries_while_workers_are_down(&n, &b, &r);
	drops_never_reach_kafka(&n, &b, &r, &a);
	score_table_evicts_lowest_unbanned(&n, r.peer_id);
	jspeer_stop(&a);
	jspeer_stop(&r);
	h_stop(&n.d);
	broker_stop(&b);
}
END_TEST

static Suite *
claims_kafka_suite(void)
{
	Suite	*s = suite_create("claims_kafka");
	TCase	*tc = tcase_create("kafka");

	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, kafka_paths_and_drops);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(claims_kafka_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
