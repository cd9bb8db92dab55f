/*
 * The Kafka bridge as a client of Teranode's blockchain and block-assembly
 * services, through the real daemon: the services are
 * tests/interop/fake_blockchain.mjs (@grpc/grpc-js loading our .proto
 * files), the other side a js-libp2p gossipsub peer.  A new block on the
 * fake chain reaches js as Teranode's BlockMessage with header and height,
 * then our node_status with the fake's tip, FSM state and block-assembly
 * counts; subtrees are announced; an invalid block is not; in
 * CATCHINGBLOCKS nothing is; the tip every subscription starts with is not
 * announced twice; a dropped stream is re-subscribed; a killed service
 * turns readiness 503 and, restarted, 200 again while gossip goes on; a
 * service that answers garbage or is absent at start is retried; one that
 * stops answering without closing the connection is given up and retried.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chainfake.h"
#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define PREFIX		"teranode/bitcoin/1.0.0/mainnet"
#define DATA_KEY	"\\\"data\\\":\\\""
/* a sample of the kafka worker's blockchain-client counters on /metrics */
#define EV(e)		"terap2p_chain_events_total{event=\"" e "\"}"

static const char *const	gossip_args[] = { "--gossip", NULL };

struct node {
	struct daemon	d;
	char		peer_id[64], addr[160];
	int		http_port;
};

/* The daemon, its blockchain and block assembly at 127.0.0.1:chain_port. */
static void
node_start(struct node *n, int chain_port, const char *more)
{
	char	extra[1024];
	int	port = h_free_port();

	memset(n, 0, sizeof(*n));
	n->http_port = h_free_port();
	snprintf(extra, sizeof(extra), "p2p_port = %d\n"
	    "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "blockchain_grpcAddress = 127.0.0.1:%d\n"
	    "blockassembly_grpcAddress = 127.0.0.1:%d\n"
	    "blockchain_retrySleep = 200\n"
	    "p2p_node_status_interval = 1s\n"
	    "asset_httpPublicAddress = https://datahub.example.org/api/v1\n%s",
	    port, n->http_port, chain_port, chain_port,
	    more != NULL ? more : "");
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", port,
	    n->peer_id);
}

/* Stop it; the kafka worker never crashed and stopped cleanly (under
 * ASan: no sanitizer report, no leak at exit). */
static void
node_stop(struct node *n)
{
	const char	*san;

	kill(n->d.pid, SIGTERM);
	ck_assert_int_ne(h_wait_exit(&n->d, 15000), -1);
	n->d.pid = 0;
	san = strstr(n->d.log, "Sanitizer");
	ck_assert_msg(san == NULL, "%.3000s", san != NULL ? san : "");
	ck_assert_int_eq(h_count_log(&n->d, "supervisor", "worker kafka killed"),
	    0);
	ck_assert_int_eq(h_count_log(&n->d, "supervisor", "worker kafka exited "
	    "with code 1"), 0);
	ck_assert_int_eq(h_count_log(&n->d, "supervisor", "worker kafka exited "
	    "with code 2"), 0);
	h_stop(&n->d);
}

/* GET path on the API with curl; its body in out. */
static void
node_get(struct node *n, const char *path, char *out, size_t len)
{
	char		 url[256];
	const char	*argv[] = { "/usr/bin/curl", "-s", "-m", "5", url, NULL };

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", n->http_port, path);
	h_run(argv, out, len);
}

/* Wait until readiness says status (200 or 503); the body in out. */
static int
node_ready(struct node *n, const char *status, char *out, size_t len, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	char		want[32];

	snprintf(want, sizeof(want), "{\"status\":\"%s\"", status);
	do {
		node_get(n, "/health/readiness", out, len);
		if (strncmp(out, want, strlen(want)) == 0)
			return 0;
		usleep(200 * 1000);
	} while (util_mono_ms() < end);
	return -1;
}

/* A counter of the Prometheus text, -1 if absent. */
static long long
node_metric(struct node *n, const char *name)
{
	static char	 text[262144];
	char		 key[128];
	const char	*p;

	node_get(n, "/metrics", text, sizeof(text));
	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(text, key);
	return p != NULL ? atoll(p + strlen(key)) : -1;
}

/* Wait until proc has logged text at least n times in all; 0 then. */
static int
wait_count(struct daemon *d, const char *proc, const char *text, int n,
    int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);

	while (h_count_log(d, proc, text) < n) {
		if (util_mono_ms() >= end)
			return -1;
		(void)h_wait_log(d, proc, text, 100);
	}
	return 0;
}

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

/*
 * How many of the newest messages js got on topic contain needle (inside
 * the envelope's base64 data); the last such message JSON into json.
 */
static int
js_count(struct jspeer *js, const char *topic, const char *needle,
    char *json, size_t jsonlen)
{
	const char	*line, *p;
	char		 extra[256], b64[16384], msg[16384];
	size_t		 n;
	int		 count = 0;

	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topic);
	line = jspeer_cmd(js, "messages", extra, 5000);
	for (p = line; p != NULL && (p = strstr(p, DATA_KEY)) != NULL; ) {
		p += strlen(DATA_KEY);
		if (sscanf(p, "%16383[^\\]", b64) != 1 ||
		    util_b64_decode(b64, strlen(b64), (uint8_t *)msg,
		    sizeof(msg) - 1, &n) == -1)
			continue;
		msg[n] = '\0';
		if (strstr(msg, needle) != NULL) {
			count++;
			if (json != NULL)
				snprintf(json, jsonlen, "%s", msg);
		}
	}
	return count;
}

/* Wait for a message on topic containing needle; 0 when seen. */
static int
js_wait(struct jspeer *js, const char *topic, const char *needle,
    char *json, size_t jsonlen, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);

	do {
		if (js_count(js, topic, needle, json, jsonlen) > 0)
			return 0;
		usleep(100 * 1000);
	} while (util_mono_ms() < end);
	return -1;
}

static const char *const	topics[] = { PREFIX "-block", PREFIX "-subtree",
				    PREFIX "-node_status", NULL };

START_TEST(new_blocks_and_subtrees_are_gossiped)
{
	struct jspeer	 fake, js;
	struct node	 n;
	char		 hash[65], tip[65], inv[65], sub[65], json[16384];
	char		 want[512], body[8192];
	const char	*line, *p;
	int		 port;

	port = chainfake_start(&fake, 0, 3, "RUNNING");
	node_start(&n, port, NULL);
	ck_assert_int_eq(wait_count(&n.d, "kafka", "subscribed to the "
	    "blockchain service", 1, 15000), 0);
	js_join(&js, &n, topics);

	/* a new block: Teranode's BlockMessage with header and height */
	chainfake_block(&fake, 0, hash);
	ck_assert_int_eq(js_wait(&js, PREFIX "-block", hash, json,
	    sizeof(json), 10000), 0);
	snprintf(want, sizeof(want), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"terap2p\",\"DataHubURL\":\"https://datahub.example.org/api/v1\","
	    "\"Hash\":\"%s\",\"Height\":4,\"Header\":\"01000000", n.peer_id,
	    hash);
	ck_assert_msg(strncmp(json, want, strlen(want)) == 0, "got %s", json);

	/* then node_status: the fake chain's tip, FSM and block assembly (the
	 * chain work of height 4 is 5 in the fake) */
	ck_assert_int_eq(js_wait(&js, PREFIX "-node_status", "\"chain_work\":"
	    "\"000000000000000000000000000000000000000000000000000000000000000"
	    "5\"", json, sizeof(json), 10000), 0);
	snprintf(want, sizeof(want), "\"best_block_hash\":\"%s\"", hash);
	ck_assert_msg(strstr(json, want) != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"best_height\":4") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"fsm_state\":\"RUNNING\"") != NULL, "%s",
	    json);
	ck_assert_msg(strstr(json, "\"miner_name\":\"fake miner\"") != NULL,
	    "%s", json);
	ck_assert_int_eq(js_wait(&js, PREFIX "-node_status",
	    "\"tx_count\":4242", json, sizeof(json), 10000), 0);
	ck_assert_msg(strstr(json, "\"subtree_count\":7") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"storage\":\"full\"") != NULL, "%s", json);

	/* a subtree */
	line = chainfake_cmd(&fake, "subtree", NULL);
	p = strstr(line, "\"hash\":\"");
	ck_assert_int_eq(sscanf(p + 8, "%64[0-9a-f]", sub), 1);
	ck_assert_int_eq(js_wait(&js, PREFIX "-subtree", sub, json,
	    sizeof(json), 10000), 0);

	/* an invalid block is not announced; a valid one after it is */
	chainfake_block(&fake, 1, inv);
	ck_assert_int_eq(wait_count(&n.d, "kafka", "is invalid: not announced",
	    1, 10000), 0);
	chainfake_block(&fake, 0, hash);
	ck_assert_int_eq(js_wait(&js, PREFIX "-block", hash, NULL, 0, 10000), 0);
	ck_assert_int_eq(js_count(&js, PREFIX "-block", inv, NULL, 0), 0);

	/* the stream drops: re-subscribed; the tip it starts with is not
	 * announced again (the next block proves it was handled) */
	memcpy(tip, hash, sizeof(tip));
	chainfake_cmd(&fake, "drop", NULL);
	ck_assert_int_eq(wait_count(&n.d, "kafka", "notification stream ended",
	    1, 10000), 0);
	ck_assert_int_eq(wait_count(&n.d, "kafka", "subscribed to the "
	    "blockchain service", 2, 15000), 0);
	ck_assert_ptr_nonnull(jspeer_wait(&fake, "\"subscribe\"", "\"n\":2",
	    5000));
	chainfake_block(&fake, 0, hash);
	ck_assert_int_eq(js_wait(&js, PREFIX "-block", hash, NULL, 0, 10000), 0);
	ck_assert_int_eq(js_count(&js, PREFIX "-block", tip, NULL, 0), 1);
	ck_assert_int_ge(node_metric(&n, EV("duplicates")), 1);

	/* CATCHINGBLOCKS: no local announcements until RUNNING again */
	chainfake_cmd(&fake, "fsm", "\"state\":\"CATCHINGBLOCKS\","
	    "\"event\":\"CATCHUPBLOCKS\"");
	chainfake_block(&fake, 0, inv);
	chainfake_cmd(&fake, "fsm", "\"state\":\"RUNNING\"");
	chainfake_block(&fake, 0, hash);
	ck_assert_int_eq(js_wait(&js, PREFIX "-block", hash, NULL, 0, 10000), 0);
	ck_assert_int_eq(js_count(&js, PREFIX "-block", inv, NULL, 0), 0);
	ck_assert_int_ge(node_metric(&n, EV("dropped_syncing")),
	    1);

	/* a catch-up failure goes to the sync coordinator; others do not */
	chainfake_cmd(&fake, "peer_failure", "\"failure_type\":\"subtree\"");
	chainfake_cmd(&fake, "peer_failure", "\"failure_type\":\"catchup\","
	    "\"peer_id\":\"12D3KooWtest\",\"reason\":\"timeout\"");
	ck_assert_int_eq(wait_count(&n.d, "kafka", "catch-up failure of peer "
	    "12D3KooWtest", 1, 10000), 0);
	ck_assert_int_eq(node_metric(&n, EV("catchup_failures")),
	    1);

	ck_assert_int_eq(node_ready(&n, "200", body, sizeof(body), 10000), 0);
	ck_assert_msg(strstr(body, "\"resource\":\"FSM\",\"status\":\"200\"") !=
	    NULL, "%s", body);
	jspeer_stop(&js);
	node_stop(&n);
	jspeer_stop(&fake);
}
END_TEST

START_TEST(killed_service_turns_readiness_503_then_200)
{
	struct jspeer	 fake, js;
	struct node	 n;
	char		 body[8192], json[16384], hash[65];
	int		 port;

	port = chainfake_start(&fake, 0, 5, "RUNNING");
	node_start(&n, port, NULL);
	ck_assert_int_eq(node_ready(&n, "200", body, sizeof(body), 15000), 0);
	js_join(&js, &n, topics);

	jspeer_stop(&fake);
	ck_assert_int_eq(node_ready(&n, "503", body, sizeof(body), 15000), 0);
	ck_assert_msg(strstr(body, "\"resource\":\"blockchain\",\"status\":"
	    "\"503\"") != NULL, "%s", body);
	/* the rest of the node keeps gossiping: node_status still flows */
	ck_assert_int_eq(js_wait(&js, PREFIX "-node_status",
	    "\"fsm_state\":\"UNKNOWN\"", json, sizeof(json), 10000), 0);

	/* back on the same port: re-subscribed, ready again, announcing */
	chainfake_start(&fake, port, 5, "RUNNING");
	ck_assert_int_eq(node_ready(&n, "200", body, sizeof(body), 40000), 0);
	ck_assert_int_ge(node_metric(&n, EV("subscriptions")),
	    2);
	chainfake_block(&fake, 0, hash);
	ck_assert_int_eq(js_wait(&js, PREFIX "-block", hash, NULL, 0, 10000), 0);
	jspeer_stop(&js);
	node_stop(&n);
	jspeer_stop(&fake);
}
END_TEST

START_TEST(absent_then_garbage_then_good)
{
	struct jspeer	 fake;
	struct node	 n;
	char		 body[8192], hash[65], want[128];
	int		 port = h_free_port();

	/* nothing listens: the daemon runs, readiness names what is missing */
	node_start(&n, port, NULL);
	ck_assert_int_eq(node_ready(&n, "503", body, sizeof(body), 15000), 0);
	ck_assert_msg(strstr(body, "\"resource\":\"blockchain\",\"status\":"
	    "\"503\"") != NULL, "%s", body);
	ck_assert_int_eq(wait_count(&n.d, "kafka", "HealthGRPC", 1, 10000), 0);

	/* it comes up answering garbage headers: refused, no crash */
	chainfake_start(&fake, port, 2, "RUNNING");
	chainfake_cmd(&fake, "garbage", "\"on\":true");
	ck_assert_int_eq(wait_count(&n.d, "kafka", "subscribed to the "
	    "blockchain service", 1, 40000), 0);
	chainfake_block(&fake, 0, hash);
	ck_assert_int_eq(wait_count(&n.d, "kafka", "answered garbage", 1, 10000),
	    0);
	ck_assert_int_eq(node_metric(&n, EV("blocks_announced")),
	    0);
	chainfake_cmd(&fake, "garbage", "\"on\":false");
	chainfake_block(&fake, 0, hash);
	snprintf(want, sizeof(want), "%s announced", hash);
	ck_assert_int_eq(wait_count(&n.d, "kafka", want, 1, 10000), 0);
	ck_assert_int_eq(node_ready(&n, "200", body, sizeof(body), 15000), 0);
	ck_assert_int_gt(h_worker_pid(&n.d, "kafka"), 0);

	/* the service stops answering without closing the connection: the
	 * polls time out, the stream is given up and taken again */
	chainfake_cmd(&fake, "hang", "\"on\":true");
	ck_assert_int_eq(wait_count(&n.d, "kafka", "presumed dead", 1, 40000),
	    0);
	chainfake_cmd(&fake, "hang", "\"on\":false");
	ck_assert_int_eq(wait_count(&n.d, "kafka", "subscribed to the "
	    "blockchain service", 2, 20000), 0);
	node_stop(&n);
	jspeer_stop(&fake);
}
END_TEST

static Suite *
chain_suite(void)
{
	Suite	*s = suite_create("chain");
	TCase	*tc = tcase_create("blockchain service");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, new_blocks_and_subtrees_are_gossiped);
	tcase_add_test(tc, killed_service_turns_readiness_503_then_200);
	tcase_add_test(tc, absent_then_garbage_then_good);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(chain_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
