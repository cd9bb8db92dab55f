/*
 * Integration tests of p2p_api.PeerService against the real terap2pd, with
 * an independent gRPC stack: @grpc/grpc-js loading proto/p2p_api.proto
 * (tests/interop/grpc_peer_client.mjs, driven through jspeer.c's line
 * protocol) and a real js-libp2p peer.  Every method is called with and
 * without the admin key; answers are checked against what the ban manager
 * and the gossip worker hold; catch-up reports show in GetPeer and
 * GetPeersForCatchup and survive a gossip worker restart; a banned subnet
 * drops the js peer; garbage on the gRPC port leaves the daemon up.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define KEY	"grpc-test-key"
#define PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define HASH	"00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"
#define UNKNOWN	"12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
#define CALL_MS	10000

struct gt {
	struct daemon	d;
	struct jspeer	c;		/* the grpc-js client */
	int		grpc_port, p2p_port;
	char		peer_id[64], addr[160];
};

static void
gt_start(struct gt *t, const char *extra)
{
	char		 conf[512], target[64];
	const char	*args[2] = { target, NULL };

	memset(t, 0, sizeof(*t));
	t->grpc_port = h_free_port();
	t->p2p_port = h_free_port();
	if (extra == NULL)
		extra = "grpc_admin_api_key = " KEY "\n";
	snprintf(conf, sizeof(conf), "p2p_grpcListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\n%s", t->grpc_port, t->p2p_port, extra);
	h_start(&t->d, conf);
	h_wait_ready(&t->d);
	ck_assert_int_gt(h_count_log(&t->d, "api", "PeerService on"), 0);
	h_peer_id(&t->d, t->peer_id, sizeof(t->peer_id));
	snprintf(t->addr, sizeof(t->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s",
	    t->p2p_port, t->peer_id);
	snprintf(target, sizeof(target), "127.0.0.1:%d", t->grpc_port);
	jspeer_start_script(&t->c, "tests/interop/grpc_peer_client.mjs", args);
}

static void
gt_stop(struct gt *t)
{
	jspeer_stop(&t->c);
	h_stop(&t->d);
}

/*
 * Call method with the request JSON req and key (NULL: none); the answer
 * parsed (caller frees); its gRPC status in *code.
 */
static cJSON *
gt_call(struct gt *t, const char *method, const char *req, const char *key,
    int *code)
{
	char		 extra[2048];
	const char	*line;
	cJSON		*o, *c;

	snprintf(extra, sizeof(extra), "\"req\":%s%s%s%s", req,
	    key != NULL ? ",\"key\":\"" : "", key != NULL ? key : "",
	    key != NULL ? "\"" : "");
	line = jspeer_cmd(&t->c, method, extra, CALL_MS);
	ck_assert_msg(line != NULL, "%s: no answer", method);
	o = cJSON_Parse(line);
	ck_assert_msg(o != NULL, "%s: %s", method, line);
	c = cJSON_GetObjectItem(o, "code");
	ck_assert_msg(cJSON_IsNumber(c), "%s: %s", method, line);
	*code = c->valueint;
	return o;
}

/* The call must succeed: its "res" object (owned by *root). */
static const cJSON *
gt_ok(struct gt *t, const char *method, const char *req, const char *key,
    cJSON **root)
{
	int	code;

	*root = gt_call(t, method, req, key, &code);
	ck_assert_msg(code == 0, "%s: status %d %s", method, code,
	    cJSON_GetObjectItem(*root, "details")->valuestring);
	return cJSON_GetObjectItem(*root, "res");
}

/* The call must fail with code and a details text containing want. */
static void
gt_fail(struct gt *t, const char *method, const char *req, const char *key,
    int want, const char *details)
{
	cJSON		*o;
	const char	*d;
	int		 code;

	o = gt_call(t, method, req, key, &code);
	d = cJSON_GetObjectItem(o, "details")->valuestring;
	ck_assert_msg(code == want, "%s: status %d (%s), want %d", method, code,
	    d, want);
	if (details != NULL)
		ck_assert_msg(strstr(d, details) != NULL, "%s: details \"%s\"",
		    method, d);
	cJSON_Delete(o);
}

static int
gt_bool(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(cJSON_IsBool(v), "no bool %s", k);
	return cJSON_IsTrue(v);
}

/* Numbers arrive as numbers or, for 64-bit fields, strings. */
static double
gt_num(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(v != NULL, "no field %s", k);
	return cJSON_IsString(v) ? atof(v->valuestring) : v->valuedouble;
}

static const char *
gt_str(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItem(o, k);

	ck_assert_msg(cJSON_IsString(v), "no string %s", k);
	return v->valuestring;
}

/* The ban manager's own answer for an address (what terap2p holds). */
static int
gt_bans_say_banned(struct gt *t, const char *addr)
{
	Tp__IsBannedAddrReq	 q = TP__IS_BANNED_ADDR_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	int			 banned;

	q.addr = (char *)addr;
	req.body_case = TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ;
	req.is_banned_addr_req = &q;
	rep = h_call(&t->d, "bans.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->body_case, TP__ENVELOPE__BODY_IS_BANNED_REP);
	banned = rep->is_banned_rep->banned;
	ipc_env_free(rep);
	return banned;
}

static const char *const protected_methods[][2] = {
	{ "BanPeer", "{\"addr\":\"10.0.0.0/8\"}" },
	{ "UnbanPeer", "{\"addr\":\"10.0.0.0/8\"}" },
	{ "ClearBanned", "{}" },
	{ "AddBanScore", "{\"peer_id\":\"" UNKNOWN "\",\"reason\":\"spam\"}" },
	{ "ResetReputation", "{\"peer_id\":\"\"}" },
	{ "ConnectPeer", "{\"peer_address\":\"/ip4/127.0.0.1/tcp/1/p2p/"
	    UNKNOWN "\"}" },
	{ "DisconnectPeer", "{\"peer_id\":\"" UNKNOWN "\"}" },
};

START_TEST(admin_methods_need_the_key)
{
	struct gt	t;
	cJSON		*o;
	size_t		 i;

	gt_start(&t, NULL);
	for (i = 0; i < sizeof(protected_methods) /
	    sizeof(protected_methods[0]); i++) {
		gt_fail(&t, protected_methods[i][0], protected_methods[i][1],
		    NULL, 16, "missing API key");
		gt_fail(&t, protected_methods[i][0], protected_methods[i][1],
		    "wrong-key", 16, "invalid API key");
		gt_fail(&t, protected_methods[i][0], protected_methods[i][1],
		    KEY "x", 16, "invalid API key");
	}
	/* nothing was banned by the refused calls */
	ck_assert_int_eq(gt_bans_say_banned(&t, "10.1.2.3"), 0);
	/* the reading methods need no key */
	gt_ok(&t, "ListBanned", "{}", NULL, &o);
	cJSON_Delete(o);
	gt_ok(&t, "GetPeers", "{}", "wrong-key", &o);
	cJSON_Delete(o);
	gt_stop(&t);
}
END_TEST

START_TEST(bans_through_the_ban_manager)
{
	struct gt	 t;
	cJSON		*o;
	const cJSON	*r;
	char		 req[256];
	int		 found = 0;

	gt_start(&t, NULL);
	r = gt_ok(&t, "BanPeer", "{\"addr\":\"10.0.0.0/8\",\"until\":0}", KEY,
	    &o);
	ck_assert(gt_bool(r, "ok"));
	cJSON_Delete(o);
	ck_assert_int_eq(gt_bans_say_banned(&t, "10.9.9.9"), 1);
	r = gt_ok(&t, "IsBanned", "{\"ipOrSubnet\":\"10.1.2.3\"}", NULL, &o);
	ck_assert(gt_bool(r, "isBanned"));
	cJSON_Delete(o);
	r = gt_ok(&t, "IsBanned", "{\"ipOrSubnet\":\"11.1.2.3\"}", NULL, &o);
	ck_assert(!gt_bool(r, "isBanned"));
	cJSON_Delete(o);
	r = gt_ok(&t, "ListBanned", "{}", NULL, &o);
	for (const cJSON *b = cJSON_GetObjectItem(r, "banned")->child; b != NULL;
	    b = b->next)
		found |= strcmp(b->valuestring, "10.0.0.0/8") == 0;
	ck_assert(found);
	cJSON_Delete(o);
	gt_fail(&t, "BanPeer", "{\"addr\":\"not-an-ip\"}", KEY, 3, NULL);
	gt_fail(&t, "IsBanned", "{\"ipOrSubnet\":\"\"}", NULL, 3, NULL);
	r = gt_ok(&t, "UnbanPeer", "{\"addr\":\"10.0.0.0/8\"}", KEY, &o);
	ck_assert(gt_bool(r, "ok"));
	cJSON_Delete(o);
	ck_assert_int_eq(gt_bans_say_banned(&t, "10.9.9.9"), 0);
	/* a peer-ID score ban: spam is 50 points, the threshold 100 */
	snprintf(req, sizeof(req), "{\"peer_id\":\"%s\",\"reason\":\"spam\"}",
	    UNKNOWN);
	gt_ok(&t, "AddBanScore", req, KEY, &o);
	cJSON_Delete(o);
	r = gt_ok(&t, "IsBanned", "{\"ipOrSubnet\":\"" UNKNOWN "\"}", NULL, &o);
	ck_assert(!gt_bool(r, "isBanned"));
	cJSON_Delete(o);
	gt_ok(&t, "AddBanScore", req, KEY, &o);
	cJSON_Delete(o);
	r = gt_ok(&t, "IsBanned", "{\"ipOrSubnet\":\"" UNKNOWN "\"}", NULL, &o);
	ck_assert(gt_bool(r, "isBanned"));
	cJSON_Delete(o);
	r = gt_ok(&t, "IsPeerMalicious", "{\"peer_id\":\"" UNKNOWN "\"}", NULL,
	    &o);
	ck_assert(gt_bool(r, "is_malicious"));
	cJSON_Delete(o);
	gt_fail(&t, "AddBanScore", "{\"peer_id\":\"nope\",\"reason\":\"spam\"}",
	    KEY, 3, "invalid peer ID");
	gt_ok(&t, "ClearBanned", "{}", KEY, &o);
	cJSON_Delete(o);
	r = gt_ok(&t, "ListBanned", "{}", NULL, &o);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "banned")),
	    0);
	cJSON_Delete(o);
	gt_stop(&t);
}
END_TEST

/* Wait until GetPeer says is_connected == want for id. */
static int
gt_wait_connected(struct gt *t, const char *id, int want, int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	char		 req[128], *last = NULL;
	cJSON		*o;
	const cJSON	*r;
	int		 got = -1;

	snprintf(req, sizeof(req), "{\"peer_id\":\"%s\"}", id);
	do {
		r = gt_ok(t, "GetPeer", req, NULL, &o);
		/* a peer without connections may leave the registry */
		got = gt_bool(r, "found") && gt_bool(cJSON_GetObjectItem(r,
		    "peer"), "is_connected");
		free(last);
		last = cJSON_PrintUnformatted(r);
		cJSON_Delete(o);
		if (got == want) {
			free(last);
			return 0;
		}
		usleep(200 * 1000);
	} while (util_mono_ms() < end);
	fprintf(stderr, "GetPeer %s: still %s\n", id, last);
	free(last);
	return -1;
}

static void
gt_js_join(struct gt *t, struct jspeer *js)
{
	static const char *const args[] = { "--gossip", NULL };
	char		 extra[300];
	const char	*line;

	jspeer_start(js, args);
	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", PREFIX "-node_status");
	ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
	line = jspeer_dial(js, t->addr);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	ck_assert_int_eq(gt_wait_connected(t, js->peer_id, 1, 15000), 0);
}

/* The catch-up counters of GetPeer for id (found), into out. */
static void
gt_peer(struct gt *t, const char *id, cJSON **root, const cJSON **peer)
{
	char		 req[128];
	const cJSON	*r;

	snprintf(req, sizeof(req), "{\"peer_id\":\"%s\"}", id);
	r = gt_ok(t, "GetPeer", req, NULL, root);
	ck_assert_msg(gt_bool(r, "found"), "GetPeer %s: not found", id);
	*peer = cJSON_GetObjectItem(r, "peer");
}

static void
gt_report(struct gt *t, const char *method, const char *id, const char *more)
{
	char	req[1024];
	cJSON	*o;

	snprintf(req, sizeof(req), "{\"peer_id\":\"%s\"%s%s}", id,
	    more != NULL ? "," : "", more != NULL ? more : "");
	gt_ok(t, method, req, NULL, &o);
	cJSON_Delete(o);
}

START_TEST(peers_and_catchup_reputation)
{
	struct gt	 t;
	struct jspeer	 js;
	cJSON		*o;
	const cJSON	*r, *p;
	char		 req[512], json[1024];
	int		 listed = 0;

	gt_start(&t, NULL);
	gt_js_join(&t, &js);
	/* GetPeers lists the js peer */
	r = gt_ok(&t, "GetPeers", "{}", NULL, &o);
	for (const cJSON *e = cJSON_GetObjectItem(r, "peers")->child; e != NULL;
	    e = e->next)
		if (strcmp(gt_str(e, "id"), js.peer_id) == 0) {
			listed = 1;
			ck_assert_ptr_nonnull(strstr(gt_str(e, "addr"),
			    "/ip4/127.0.0.1/tcp/"));
		}
	ck_assert_msg(listed, "GetPeers does not list the js peer");
	cJSON_Delete(o);
	/* a DataHub URL through node_status, for GetPeersForCatchup */
	snprintf(json, sizeof(json), "{\"peer_id\":\"%s\",\"client_name\":"
	    "\"js-node\",\"type\":\"node_status\",\"base_url\":"
	    "\"https://datahub.example.com/api/v1\",\"version\":\"1.2.3\","
	    "\"best_height\":812346,\"best_block_hash\":\"%s\","
	    "\"fsm_state\":\"RUNNING\",\"listen_mode\":\"full\","
	    "\"storage\":\"full\"}", js.peer_id, HASH);
	jspeer_send_envelope(&js, PREFIX "-node_status", json);
	/* block validation's reports */
	gt_report(&t, "RecordCatchupAttempt", js.peer_id, NULL);
	gt_report(&t, "RecordCatchupSuccess", js.peer_id, "\"duration_ms\":100");
	gt_report(&t, "RecordCatchupAttempt", js.peer_id, NULL);
	gt_report(&t, "RecordCatchupFailure", js.peer_id,
	    "\"failure_kind\":\"timeout\",\"block_hash\":\"" HASH "\"");
	gt_report(&t, "UpdateCatchupError", js.peer_id,
	    "\"error_msg\":\"peer sent a bad header\"");
	gt_report(&t, "RecordBytesDownloaded", js.peer_id,
	    "\"bytes_downloaded\":123456");
	snprintf(req, sizeof(req), "\"block_hash\":\"%s\"", HASH);
	gt_report(&t, "ReportValidBlock", js.peer_id, req);
	snprintf(req, sizeof(req), "\"subtree_hash\":\"%s\"", HASH);
	gt_report(&t, "ReportValidSubtree", js.peer_id, req);
	gt_report(&t, "ReportValidBlockHeaders", js.peer_id,
	    "\"duration_ms\":0");
	gt_report(&t, "ReportValidatedChainProgress", js.peer_id,
	    "\"height\":5,\"block_hash\":\"" HASH "\"");
	gt_peer(&t, js.peer_id, &o, &p);
	ck_assert_int_eq((int)gt_num(p, "catchup_attempts"), 2);
	ck_assert_int_eq((int)gt_num(p, "catchup_successes"), 1);
	ck_assert_int_eq((int)gt_num(p, "catchup_failures"), 1);
	ck_assert_int_eq((int)gt_num(p, "interaction_successes"), 4);
	ck_assert_int_eq((int)gt_num(p, "interaction_failures"), 1);
	ck_assert_int_eq((int)gt_num(p, "avg_response_time_ms"), 100);
	ck_assert_int_ge((int)gt_num(p, "bytes_received"), 123456);
	ck_assert_str_eq(gt_str(p, "last_catchup_error"),
	    "peer sent a bad header");
	ck_assert_int_gt((int)gt_num(p, "last_catchup_error_time"), 0);
	ck_assert(gt_bool(p, "is_connected"));
	/* 0.6*80 + 20 - 15 + 10 */
	ck_assert_int_eq((int)(gt_num(p, "reputation_score") + 0.5), 63);
	cJSON_Delete(o);
	/* the node_status reached the registry: listed for catch-up */
	for (int i = 0; i < 50 && !listed; i++) {
		listed = 0;
		r = gt_ok(&t, "GetPeersForCatchup", "{}", NULL, &o);
		for (const cJSON *e = cJSON_GetObjectItem(r, "peers")->child;
		    e != NULL; e = e->next)
			if (strcmp(gt_str(e, "id"), js.peer_id) == 0) {
				listed = 1;
				ck_assert_int_eq((int)gt_num(e,
				    "catchup_attempts"), 2);
				ck_assert_str_eq(gt_str(e, "data_hub_url"),
				    "https://datahub.example.com/api/v1");
			}
		cJSON_Delete(o);
		if (!listed)
			usleep(200 * 1000);
		listed = listed ? 1 : 0;
		if (listed)
			break;
	}
	ck_assert_msg(listed, "GetPeersForCatchup does not list the js peer");
	/* health rules */
	snprintf(req, sizeof(req), "{\"peer_id\":\"%s\"}", js.peer_id);
	r = gt_ok(&t, "IsPeerUnhealthy", req, NULL, &o);
	ck_assert(!gt_bool(r, "is_unhealthy"));
	ck_assert_int_eq((int)(gt_num(r, "reputation_score") + 0.5), 63);
	cJSON_Delete(o);
	r = gt_ok(&t, "IsPeerUnhealthy", "{\"peer_id\":\"" UNKNOWN "\"}", NULL,
	    &o);
	ck_assert(!gt_bool(r, "is_unhealthy"));	/* not fail closed */
	cJSON_Delete(o);
	r = gt_ok(&t, "GetPeer", "{\"peer_id\":\"" UNKNOWN "\"}", NULL, &o);
	ck_assert(!gt_bool(r, "found"));
	cJSON_Delete(o);
	r = gt_ok(&t, "GetPeer", "{\"peer_id\":\"garbage!\"}", NULL, &o);
	ck_assert(!gt_bool(r, "found"));
	cJSON_Delete(o);
	gt_report(&t, "RecordCatchupMalicious", js.peer_id, NULL);
	r = gt_ok(&t, "IsPeerMalicious", req, NULL, &o);
	ck_assert(gt_bool(r, "is_malicious"));
	cJSON_Delete(o);
	r = gt_ok(&t, "IsPeerUnhealthy", req, NULL, &o);
	ck_assert(gt_bool(r, "is_unhealthy"));
	cJSON_Delete(o);
	/* UpdateCatchupReputation (older callers) sets the score */
	gt_report(&t, "UpdateCatchupReputation", js.peer_id, "\"score\":250");
	gt_peer(&t, js.peer_id, &o, &p);
	ck_assert_int_eq((int)gt_num(p, "reputation_score"), 100);
	cJSON_Delete(o);
	/* ResetReputation: admin only */
	gt_fail(&t, "ResetReputation", req, NULL, 16, "missing API key");
	r = gt_ok(&t, "ResetReputation", req, KEY, &o);
	ck_assert_int_eq((int)gt_num(r, "peers_reset"), 1);
	cJSON_Delete(o);
	gt_peer(&t, js.peer_id, &o, &p);
	ck_assert_int_eq((int)gt_num(p, "catchup_attempts"), 0);
	ck_assert_int_eq((int)gt_num(p, "malicious_count"), 0);
	ck_assert_int_eq((int)gt_num(p, "reputation_score"), 50);
	cJSON_Delete(o);
	r = gt_ok(&t, "GetPeerRegistry", "{}", NULL, &o);
	ck_assert_int_ge(cJSON_GetArraySize(cJSON_GetObjectItem(r, "peers")), 1);
	cJSON_Delete(o);
	/* bad peer IDs are refused */
	gt_fail(&t, "RecordCatchupAttempt", "{\"peer_id\":\"garbage\"}", NULL, 3,
	    "invalid peer ID");
	gt_fail(&t, "RecordCatchupSuccess", "{\"peer_id\":\"\"}", NULL, 3,
	    "peer_id is required");
	gt_fail(&t, "ReportValidBlock", req, NULL, 3, "block_hash");
	jspeer_stop(&js);
	gt_stop(&t);
}
END_TEST

START_TEST(connect_disconnect_and_subnet_ban)
{
	struct gt	 t;
	struct jspeer	 js;
	cJSON		*o;
	const cJSON	*r;
	char		 req[512];

	gt_start(&t, NULL);
	gt_js_join(&t, &js);
	snprintf(req, sizeof(req), "{\"peer_id\":\"%s\"}", js.peer_id);
	r = gt_ok(&t, "DisconnectPeer", req, KEY, &o);
	ck_assert_msg(gt_bool(r, "success"), "DisconnectPeer: %s",
	    gt_str(r, "error"));
	cJSON_Delete(o);
	ck_assert_int_eq(gt_wait_connected(&t, js.peer_id, 0, 15000), 0);
	/* an unknown peer: in-band failure, not a gRPC error */
	r = gt_ok(&t, "DisconnectPeer", "{\"peer_id\":\"" UNKNOWN "\"}", KEY,
	    &o);
	ck_assert(!gt_bool(r, "success"));
	ck_assert_int_gt((int)strlen(gt_str(r, "error")), 0);
	cJSON_Delete(o);
	r = gt_ok(&t, "ConnectPeer", "{\"peer_address\":\"nonsense\"}", KEY, &o);
	ck_assert(!gt_bool(r, "success"));
	cJSON_Delete(o);
	snprintf(req, sizeof(req), "{\"peer_address\":\"%s\"}", js.addr);
	r = gt_ok(&t, "ConnectPeer", req, KEY, &o);
	ck_assert_msg(gt_bool(r, "success"), "ConnectPeer: %s",
	    gt_str(r, "error"));
	cJSON_Delete(o);
	ck_assert_int_eq(gt_wait_connected(&t, js.peer_id, 1, 15000), 0);
	/* the subnet the js peer is in: banned, and the peer is dropped */
	r = gt_ok(&t, "BanPeer", "{\"addr\":\"127.0.0.0/8\"}", KEY, &o);
	ck_assert(gt_bool(r, "ok"));
	cJSON_Delete(o);
	r = gt_ok(&t, "IsBanned", "{\"ipOrSubnet\":\"127.0.0.1\"}", NULL, &o);
	ck_assert(gt_bool(r, "isBanned"));
	cJSON_Delete(o);
	ck_assert_int_eq(gt_wait_connected(&t, js.peer_id, 0, 15000), 0);
	jspeer_stop(&js);
	gt_stop(&t);
}
END_TEST

START_TEST(reputation_survives_a_gossip_restart)
{
	struct gt	 t;
	struct jspeer	 js;
	cJSON		*o;
	const cJSON	*p;
	char		 path[256];
	pid_t		 pid;
	uint64_t	 end;

	gt_start(&t, NULL);
	gt_js_join(&t, &js);
	gt_report(&t, "RecordCatchupAttempt", js.peer_id, NULL);
	gt_report(&t, "RecordCatchupFailure", js.peer_id,
	    "\"failure_kind\":\"invalid\"");
	gt_report(&t, "UpdateCatchupError", js.peer_id,
	    "\"error_msg\":\"kept across restarts\"");
	jspeer_stop(&js);
	pid = h_worker_pid(&t.d, "gossip");
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, SIGKILL), 0);	/* no save at stop */
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while ((h_worker_pid(&t.d, "gossip") == 0 ||
	    h_worker_pid(&t.d, "gossip") == pid) && util_mono_ms() < end)
		usleep(100 * 1000);
	/* killed: nothing was saved, the reports are gone */
	snprintf(path, sizeof(path), "%s/data/teranode_peer_registry.json",
	    t.d.dir);
	ck_assert_int_ne(access(path, F_OK), 0);
	gt_js_join(&t, &js);
	gt_report(&t, "RecordCatchupAttempt", js.peer_id, NULL);
	gt_report(&t, "UpdateCatchupError", js.peer_id,
	    "\"error_msg\":\"kept across restarts\"");
	jspeer_stop(&js);
	/* a polite stop saves; the new worker loads it */
	pid = h_worker_pid(&t.d, "gossip");
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	end = util_mono_ms() + (uint64_t)h_ms(20000);
	while ((h_worker_pid(&t.d, "gossip") == 0 ||
	    h_worker_pid(&t.d, "gossip") == pid) && util_mono_ms() < end)
		usleep(100 * 1000);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(h_wait_log(&t.d, "gossip", "loaded the catch-up "
	    "reputation of 1 peers", 10000), 0);
	gt_peer(&t, js.peer_id, &o, &p);
	ck_assert_int_eq((int)gt_num(p, "catchup_attempts"), 1);
	ck_assert_str_eq(gt_str(p, "last_catchup_error"),
	    "kept across restarts");
	cJSON_Delete(o);
	gt_stop(&t);
}
END_TEST

/* Write bytes to the gRPC port and read until the server closes. */
static void
gt_garbage(struct gt *t, const void *buf, size_t len)
{
	struct sockaddr_in	sa;
	struct timeval		tv = { 3, 0 };
	char			junk[4096];
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)t->grpc_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	shutdown(fd, SHUT_WR);
	while (read(fd, junk, sizeof(junk)) > 0)
		;
	close(fd);
}

START_TEST(bad_input_gets_a_status)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	struct gt	 t;
	cJSON		*o;
	const char	*line;
	uint8_t		 rnd[4096];
	pid_t		 api;

	gt_start(&t, NULL);
	api = h_worker_pid(&t.d, "api");
	ck_assert_int_gt(api, 0);
	/* raw garbage, a truncated preface, a preface with a broken frame */
	randombytes_buf(rnd, sizeof(rnd));
	gt_garbage(&t, rnd, sizeof(rnd));
	gt_garbage(&t, preface, 10);
	memcpy(rnd, preface, sizeof(preface) - 1);
	gt_garbage(&t, rnd, sizeof(rnd));
	gt_garbage(&t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
	/* malformed protobuf, unknown method, oversized, deadline */
	line = jspeer_cmd(&t.c, "raw", "\"path\":\"/p2p_api.PeerService/"
	    "GetPeer\",\"hex\":\"0aff\"", CALL_MS);
	ck_assert_msg(line != NULL && strstr(line, "\"code\":3"), "%s", line);
	line = jspeer_cmd(&t.c, "raw", "\"path\":\"/p2p_api.PeerService/"
	    "NoSuchMethod\",\"hex\":\"\"", CALL_MS);
	ck_assert_msg(line != NULL && strstr(line, "\"code\":12"), "%s", line);
	line = jspeer_cmd(&t.c, "raw", "\"path\":\"/p2p_api.PeerService/"
	    "GetPeer\",\"size\":5000000", CALL_MS);
	ck_assert_msg(line != NULL && strstr(line, "\"code\":8"), "%s", line);
	line = jspeer_cmd(&t.c, "GetPeers", "\"req\":{},\"deadline_ms\":1",
	    CALL_MS);
	ck_assert_msg(line != NULL && (strstr(line, "\"code\":4") ||
	    strstr(line, "\"code\":0")), "%s", line);
	/* a wrong content-type still gets a gRPC status, not a crash */
	line = jspeer_cmd(&t.c, "h2", "\"path\":\"/p2p_api.PeerService/"
	    "GetPeers\",\"ctype\":\"text/plain\",\"hex\":\"00\"", CALL_MS);
	ck_assert_msg(line != NULL && (strstr(line, "\"grpc_status\"") ||
	    strstr(line, "\"status\":415")), "%s", line);
	/* still serving, same process */
	gt_ok(&t, "GetPeers", "{}", NULL, &o);
	cJSON_Delete(o);
	ck_assert_int_eq(h_worker_pid(&t.d, "api"), api);
	gt_stop(&t);
}
END_TEST

START_TEST(server_reflection)
{
	struct gt	 t;
	const char	*line;

	gt_start(&t, NULL);
	line = jspeer_cmd(&t.c, "reflect", "\"reqs\":[{\"list_services\":\"\"},"
	    "{\"file_containing_symbol\":\"p2p_api.GetPeerRequest\"},"
	    "{\"file_by_filename\":\"p2p_api.proto\"},"
	    "{\"file_containing_symbol\":\"no.such.Symbol\"}]", CALL_MS);
	ck_assert_msg(line != NULL && strstr(line, "\"code\":0"), "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "{\"name\":\"p2p_api.PeerService\"}"));
	/* p2p_api.proto first, then its import */
	ck_assert_ptr_nonnull(strstr(line, "\"file_descriptor_proto\":[7"));
	ck_assert_ptr_nonnull(strstr(line, "\"error_code\":5"));
	line = jspeer_cmd(&t.c, "reflect", "\"v\":\"v1alpha\",\"reqs\":"
	    "[{\"list_services\":\"\"}]", CALL_MS);
	ck_assert_msg(line != NULL && strstr(line, "\"code\":0") &&
	    strstr(line, "grpc.reflection.v1alpha.ServerReflection"), "%s", line);
	gt_stop(&t);
}
END_TEST

START_TEST(empty_key_refuses_admin_calls)
{
	struct gt	t;
	cJSON		*o;

	/* an explicit empty key: a random one is made, a warning logged */
	gt_start(&t, "grpc_admin_api_key =\n");
	ck_assert_int_gt(h_count_log(&t.d, "api", "grpc_admin_api_key is not "
	    "set"), 0);
	gt_fail(&t, "BanPeer", "{\"addr\":\"10.0.0.0/8\"}", "", 16, NULL);
	gt_fail(&t, "BanPeer", "{\"addr\":\"10.0.0.0/8\"}", KEY, 16,
	    "invalid API key");
	gt_ok(&t, "ListBanned", "{}", NULL, &o);
	cJSON_Delete(o);
	gt_stop(&t);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("grpc_peer");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, admin_methods_need_the_key);
	tcase_add_test(tc, bans_through_the_ban_manager);
	tcase_add_test(tc, peers_and_catchup_reputation);
	tcase_add_test(tc, connect_disconnect_and_subnet_ban);
	tcase_add_test(tc, reputation_survives_a_gossip_restart);
	tcase_add_test(tc, bad_input_gets_a_status);
	tcase_add_test(tc, empty_key_refuses_admin_calls);
	tcase_add_test(tc, server_reflection);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
