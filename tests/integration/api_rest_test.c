/*
 * Integration tests of the REST API against the real terap2pd, with a real
 * HTTP client (curl(1)): health, readiness from real Health replies, status,
 * metrics from real Stats replies, the bans and scores endpoints end to end
 * through the ban manager, auth (no key, missing, wrong, Bearer and
 * x-api-key), strict input checks (bad JSON, wrong types, unknown fields,
 * huge bodies, bad addresses, bad methods), the mapping of a worker that
 * does not answer to 503, and the peers/announce mapping.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

/* valid peer IDs (sha2-256 multihashes) */
#define BANME	"QmTMhALpgCk3F2RQMkE1icWLkRQL81nJEXgivi9TfrZfAJ"
#define SCORED	"QmSAkdvWX6hZ8CWwHTXXPo9Adb4HYzW9xY7R1hwPjs1Mhn"
#define NOBODY	"QmSdDvkfGa2qCQZhMf49R2Ykir3xRWDe1qBUPNpH88vg3r"

#define READY_MS	15000
#define KEY		"s3cret-key"

struct api_test {
	struct daemon	d;
	int		port;
};

/* A free loopback port (bound then released). */
static int
free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
start(struct api_test *t, const char *extra)
{
	char	conf[512];

	t->port = free_port();
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\n%s", t->port,
	    free_port(), extra != NULL ? extra : "");
	h_start(&t->d, conf);
	ck_assert_msg(h_wait_log(&t->d, "supervisor", "msg=\"ready\"",
	    READY_MS) == 0, "daemon not ready; log:\n%s",
	    t->d.log ? t->d.log : "");
	for (int i = 0; i < 250 && h_count_log(&t->d, "api", "serving HTTP") ==
	    0; i++)
		usleep(20000);
	ck_assert_msg(h_count_log(&t->d, "api", "serving HTTP") > 0,
	    "api not serving");
}

/*
 * curl METHOD path [body] with extra headers (NULL-terminated); returns
 * the status, body in out.
 */
static int
http(struct api_test *t, const char *method, const char *path,
    const char *body, char *out, size_t outlen, ...)
{
	const char	*argv[32];
	char		 url[512], *nl;
	const char	*h;
	va_list		 ap;
	size_t		 n = 0;
	int		 status;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", t->port, path);
	argv[n++] = "/usr/bin/curl";
	argv[n++] = "-s";
	argv[n++] = "-m";
	argv[n++] = "10";
	if (strcmp(method, "HEAD") == 0)
		argv[n++] = "-I";	/* -X HEAD would wait for the body */
	else {
		argv[n++] = "-X";
		argv[n++] = method;
	}
	argv[n++] = "-w";
	argv[n++] = "\n%{http_code}";
	va_start(ap, outlen);
	while ((h = va_arg(ap, const char *)) != NULL && n < 26) {
		argv[n++] = "-H";
		argv[n++] = h;
	}
	va_end(ap);
	if (body != NULL) {
		argv[n++] = "--data-binary";
		argv[n++] = body;
	}
	argv[n++] = url;
	argv[n] = NULL;
	status = h_run(argv, out, outlen);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "curl %s %s failed: %d", method, path, status);
	nl = strrchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	return atoi(nl + 1);
}

#define JSON	"Content-Type: application/json"
#define AUTH	"Authorization: Bearer " KEY
#define XKEY	"x-api-key: " KEY

#define HAS(s, sub)	ck_assert_msg(strstr((s), (sub)) != NULL, \
			    "\"%s\" not in: %s", (sub), (s))

/* Send req on a new connection, read the answer until the server closes. */
static void
raw_exchange(struct api_test *t, const char *req, char *out, size_t len)
{
	struct sockaddr_in	sa;
	struct timeval		tv = { 10, 0 };
	size_t			got = 0;
	ssize_t			n;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)t->port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got < len - 1 && (n = read(fd, out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
}

/* One counter of a worker's Stats (sock: "gossip.rep"); -1 if absent. */
static int64_t
stat_of(struct daemon *d, const char *sock, const char *name)
{
	Tp__StatsReq	 st = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &st;
	ck_assert_ptr_nonnull(rep = h_call(d, sock, &req));
	ck_assert_int_eq(rep->body_case, TP__ENVELOPE__BODY_STATS_REP);
	for (size_t i = 0; i < rep->stats_rep->n_stats; i++)
		if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
			v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

/* The "key"s of a ban list page, comma-separated, in order; its total. */
static int
ban_keys(const char *json, char *keys, size_t len)
{
	cJSON	*o = cJSON_Parse(json), *a, *e, *k, *t;
	int	 total;

	ck_assert_msg(o != NULL, "not JSON: %s", json);
	a = cJSON_GetObjectItemCaseSensitive(o, "bans");
	t = cJSON_GetObjectItemCaseSensitive(o, "total");
	ck_assert_msg(cJSON_IsArray(a) && cJSON_IsNumber(t), "%s", json);
	keys[0] = '\0';
	cJSON_ArrayForEach(e, a) {
		k = cJSON_GetObjectItemCaseSensitive(e, "key");
		ck_assert(cJSON_IsString(k));
		snprintf(keys + strlen(keys), len - strlen(keys), "%s%s",
		    keys[0] != '\0' ? "," : "", k->valuestring);
	}
	total = t->valueint;
	cJSON_Delete(o);
	return total;
}

/* GET /api/v1/bans<query>: its keys, and total == 3. */
static void
ban_page(struct api_test *t, const char *query, char *keys, size_t len)
{
	char	path[128], out[65536];

	snprintf(path, sizeof(path), "/api/v1/bans%s", query);
	ck_assert_int_eq(http(t, "GET", path, NULL, out, sizeof(out), NULL),
	    200);
	ck_assert_int_eq(ban_keys(out, keys, len), 3);
}

START_TEST(health_status_metrics)
{
	struct api_test	t;
	char		out[65536], clen[64];

	start(&t, "api_key = " KEY "\n");
	ck_assert_int_eq(http(&t, "GET", "/health", NULL, out, sizeof(out),
	    NULL), 200);
	ck_assert_str_eq(out, "OK");
	ck_assert_int_eq(http(&t, "GET", "/health/liveness", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"status\":\"200\"");
	ck_assert_int_eq(http(&t, "GET", "/health/readiness", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"status\":\"200\"");
	HAS(out, "{\"resource\":\"gossip\",\"status\":\"200\",\"error\":\"<nil>\"");
	HAS(out, "{\"resource\":\"bans\",\"status\":\"200\"");
	HAS(out, "{\"resource\":\"ban_store\",\"status\":\"200\"");
	HAS(out, "{\"resource\":\"kafka\",\"status\":\"200\"");
	HAS(out, "{\"resource\":\"api\",\"status\":\"200\"");
	HAS(out, "{\"resource\":\"Kafka\"");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/status", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"ready\":true");
	HAS(out, "\"role\":\"bans\"");
	HAS(out, "\"role\":\"gossip\"");
	HAS(out, "\"restarts\":0");
	HAS(out, "\"node_status\":{");
	/* the gossip worker's own node_status, once it has published one */
	for (int i = 0; i < 30 && strstr(out, "\"peer_id\":\"12D3KooW") == NULL;
	    i++) {
		usleep(100 * 1000);
		http(&t, "GET", "/api/v1/status", NULL, out, sizeof(out), NULL);
	}
	HAS(out, "\"peer_id\":\"12D3KooW");
	ck_assert_int_eq(http(&t, "GET", "/metrics", NULL, out, sizeof(out),
	    NULL), 200);
	HAS(out, "terap2p_up 1\n");
	HAS(out, "terap2p_worker_restarts_total{role=\"bans\"} 0\n");
	HAS(out, "terap2p_bans_entries 0\n");
	HAS(out, "terap2p_http_requests_total ");
	/* HEAD has GET's headers (its length too) and no body: read raw, as
	 * curl -I would leave a body unread */
	ck_assert_int_eq(http(&t, "GET", "/health", NULL, out, sizeof(out),
	    NULL), 200);
	snprintf(clen, sizeof(clen), "Content-Length: %zu\r\n", strlen(out));
	raw_exchange(&t, "HEAD /health HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", out, sizeof(out));
	ck_assert_msg(strncmp(out, "HTTP/1.1 200", 12) == 0, "%s", out);
	HAS(out, "Content-Type: text/plain");
	HAS(out, clen);
	ck_assert_msg(strstr(out, "\r\n\r\n") != NULL && strcmp(strstr(out,
	    "\r\n\r\n"), "\r\n\r\n") == 0, "HEAD answered a body: %s", out);
	h_stop(&t.d);
}
END_TEST

START_TEST(readiness_503_when_a_worker_is_stuck)
{
	struct api_test	t;
	char		out[65536];
	pid_t		gossip;

	start(&t, NULL);
	gossip = h_worker_pid(&t.d, "gossip");
	ck_assert_int_gt(gossip, 0);
	kill(gossip, SIGSTOP);
	ck_assert_int_eq(http(&t, "GET", "/health/readiness", NULL, out,
	    sizeof(out), NULL), 503);
	HAS(out, "\"status\":\"503\"");
	HAS(out, "{\"resource\":\"gossip\",\"status\":\"503\"");
	HAS(out, "{\"resource\":\"bans\",\"status\":\"200\"");
	/* and a request the stuck worker should answer maps to a clear 503 */
	ck_assert_int_eq(http(&t, "GET", "/api/v1/peers", NULL, out,
	    sizeof(out), NULL), 503);
	HAS(out, "the gossip worker did not answer GetPeers");
	kill(gossip, SIGCONT);
	h_stop(&t.d);
}
END_TEST

START_TEST(bans_end_to_end)
{
	struct api_test	t;
	char		out[65536], all[256], p1[256], p2[256], joined[520];

	start(&t, "api_key = " KEY "\n");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"addr\":"
	    "\"10.0.0.0/8\",\"duration\":\"1h\",\"reason\":\"test\"}", out,
	    sizeof(out), JSON, AUTH, NULL), 201);
	HAS(out, "\"key\":\"10.0.0.0/8\"");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"addr\":"
	    "\"192.0.2.7\",\"until\":4102444800}", out, sizeof(out), JSON,
	    XKEY, NULL), 201);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"peer_id\":"
	    "\"" BANME "\",\"duration\":600,\"reason\":\"spam\"}", out,
	    sizeof(out), JSON, AUTH, NULL), 201);
	HAS(out, "\"kind\":\"peer\"");
	HAS(out, "\"banned\":true");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"total\":3");
	HAS(out, "\"key\":\"10.0.0.0/8\"");
	HAS(out, "\"reason\":\"test\"");
	HAS(out, "\"until_unix\":4102444800");
	/* pages are windows of the whole list, in its order, no overlap */
	ban_page(&t, "", all, sizeof(all));
	ck_assert_msg(strchr(all, ',') != strrchr(all, ','), "%s", all);
	ban_page(&t, "?offset=0&limit=2", p1, sizeof(p1));
	ban_page(&t, "?offset=2&limit=2", p2, sizeof(p2));
	snprintf(joined, sizeof(joined), "%s,%s", p1, p2);
	ck_assert_str_eq(joined, all);
	ck_assert_ptr_null(strchr(p2, ','));
	ban_page(&t, "?offset=1&limit=1", p1, sizeof(p1));	/* the 2nd */
	snprintf(joined, sizeof(joined), ",%s,", p1);
	ck_assert_msg(strstr(all, joined) == strchr(all, ','), "%s in %s", p1,
	    all);
	ban_page(&t, "?offset=3&limit=2", p2, sizeof(p2));
	ck_assert_str_eq(p2, "");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans/check?addr=10.9.8.7",
	    NULL, out, sizeof(out), NULL), 200);
	HAS(out, "\"banned\":true");
	HAS(out, "\"matched\":\"10.0.0.0/8\"");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans/check?addr=11.0.0.1",
	    NULL, out, sizeof(out), NULL), 200);
	HAS(out, "\"banned\":false");
	ck_assert_int_eq(http(&t, "GET",
	    "/api/v1/bans/check?peer_id=" BANME, NULL, out, sizeof(out),
	    NULL), 200);
	HAS(out, "\"banned\":true");
	/* unban with the slash as it is, and percent-encoded */
	ck_assert_int_eq(http(&t, "DELETE", "/api/v1/bans/10.0.0.0/8", NULL,
	    out, sizeof(out), AUTH, NULL), 200);
	ck_assert_int_eq(http(&t, "DELETE", "/api/v1/bans/10.0.0.0%2F8", NULL,
	    out, sizeof(out), AUTH, NULL), 404);
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans/check?addr=10.9.8.7",
	    NULL, out, sizeof(out), NULL), 200);
	HAS(out, "\"banned\":false");
	ck_assert_int_eq(http(&t, "DELETE", "/api/v1/bans", NULL, out,
	    sizeof(out), AUTH, NULL), 200);
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"total\":0");
	h_stop(&t.d);
}
END_TEST

START_TEST(scores_end_to_end)
{
	struct api_test	t;
	char		out[65536];

	start(&t, "api_key = " KEY "\n");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/scores", "{\"peer_id\":"
	    "\"" SCORED "\",\"reason\":\"protocol_violation\"}", out,
	    sizeof(out), JSON, AUTH, NULL), 200);
	HAS(out, "\"score\":20");
	HAS(out, "\"banned\":false");
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(http(&t, "POST", "/api/v1/scores", "{\"peer_id\":"
		    "\"" SCORED "\",\"reason\":\"protocol_violation\"}", out,
		    sizeof(out), JSON, AUTH, NULL), 200);
	HAS(out, "\"score\":100");
	HAS(out, "\"banned\":true");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/scores", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"peer_id\":\"" SCORED "\"");
	HAS(out, "\"total\":1");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/scores/" SCORED, NULL,
	    out, sizeof(out), NULL), 200);
	HAS(out, "\"reasons\":[\"protocol_violation\"");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/scores/not-base58!", NULL,
	    out, sizeof(out), NULL), 400);
	ck_assert_int_eq(http(&t, "DELETE", "/api/v1/scores/" SCORED,
	    NULL, out, sizeof(out), AUTH, NULL), 200);
	ck_assert_int_eq(http(&t, "GET", "/api/v1/scores", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"total\":0");
	h_stop(&t.d);
}
END_TEST

START_TEST(auth_and_bad_input)
{
	struct api_test	 t;
	char		 out[65536], *huge, path[256], arg[260];
	FILE		*fp;
	static const struct {
		const char	*body;
		const char	*want;
	} bad[] = {
		{ "{\"addr\":", "not valid JSON" },
		{ "[]", "must be a JSON object" },
		{ "{\"addr\":5}", "field \\\"addr\\\" must be a string" },
		{ "{\"addr\":\"1.2.3.4\",\"x\":1}", "unknown field \\\"x\\\"" },
		{ "{\"reason\":\"r\"}", "give exactly one of addr" },
		{ "{\"addr\":\"1.2.3.4\",\"peer_id\":\"12D3KooWx\"}",
		    "give exactly one of addr" },
		{ "{\"addr\":\"1.2.3.999\"}", "invalid address" },
		{ "{\"addr\":\"1.2.3.4\",\"until\":5}", "\"until\"" },
		{ "{\"addr\":\"1.2.3.4\",\"duration\":\"forever\"}",
		    "\"duration\"" },
		{ "{\"addr\":\"1.2.3.4\",\"duration\":-5}", "\"duration\"" },
	};

	start(&t, "api_key = " KEY "\n");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"addr\":"
	    "\"1.2.3.4\"}", out, sizeof(out), JSON, NULL), 401);
	HAS(out, "Authorization: Bearer <api_key>");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"addr\":"
	    "\"1.2.3.4\"}", out, sizeof(out), JSON, "Authorization: Bearer "
	    "nope", NULL), 401);
	HAS(out, "invalid API key");
	ck_assert_int_eq(http(&t, "DELETE", "/api/v1/bans", NULL, out,
	    sizeof(out), "x-api-key: " KEY "x", NULL), 401);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", bad[i].body,
		    out, sizeof(out), JSON, AUTH, NULL), 400);
		HAS(out, bad[i].want);
	}
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"addr\":"
	    "\"1.2.3.4\"}", out, sizeof(out), "Content-Type: text/plain", AUTH,
	    NULL), 415);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/scores", "{\"peer_id\":"
	    "\"12D3KooWx\"}", out, sizeof(out), JSON, AUTH, NULL), 400);
	HAS(out, "field \\\"reason\\\" is required");
	huge = xmalloc(200000);
	memset(huge, ' ', 200000);
	huge[0] = '{';
	huge[199999] = '}';
	snprintf(path, sizeof(path), "%s/huge.json", t.d.dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(huge, 1, 200000, fp), 200000);
	fclose(fp);
	free(huge);
	snprintf(arg, sizeof(arg), "@%s", path);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", arg, out,
	    sizeof(out), JSON, AUTH, NULL), 413);
	HAS(out, "the limit is 65536");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/nope", NULL, out,
	    sizeof(out), NULL), 404);
	ck_assert_int_eq(http(&t, "PUT", "/api/v1/bans", NULL, out,
	    sizeof(out), NULL), 405);
	HAS(out, "allowed: GET, POST, DELETE");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans?limit=x", NULL, out,
	    sizeof(out), NULL), 400);
	HAS(out, "\"field\":\"limit\"");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans/check", NULL, out,
	    sizeof(out), NULL), 400);
	/* still serving after all that */
	ck_assert_int_eq(http(&t, "GET", "/health", NULL, out, sizeof(out),
	    NULL), 200);
	ck_assert_int_eq(h_count_log(&t.d, "supervisor", "killed by signal"),
	    0);
	h_stop(&t.d);
}
END_TEST

START_TEST(no_key_refuses_mutations)
{
	struct api_test	t;
	char		out[65536];

	start(&t, NULL);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/bans", "{\"addr\":"
	    "\"1.2.3.4\"}", out, sizeof(out), JSON, AUTH, NULL), 403);
	HAS(out, "no api_key is set");
	HAS(out, "api_key = <secret>");
	ck_assert_int_eq(http(&t, "DELETE", "/api/v1/bans", NULL, out,
	    sizeof(out), NULL), 403);
	/* reads stay open */
	ck_assert_int_eq(http(&t, "GET", "/api/v1/bans", NULL, out,
	    sizeof(out), NULL), 200);
	h_stop(&t.d);
}
END_TEST

START_TEST(peers_and_announce_mapping)
{
	struct api_test	 t;
	char		 out[65536];
	const char	*blk = "{\"hash\":\"00000000000000000000000000000000"
			    "00000000000000000000000000000001\",\"height\":5}";
	int		 st;

	start(&t, "api_key = " KEY "\n");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/peers", NULL, out,
	    sizeof(out), NULL), 200);
	HAS(out, "\"peers\":[");
	ck_assert_int_eq(http(&t, "GET", "/api/v1/peers/" NOBODY, NULL,
	    out, sizeof(out), NULL), 404);
	ck_assert_int_eq(http(&t, "GET", "/api/v1/peers/bad!id", NULL, out,
	    sizeof(out), NULL), 400);
	/* base58 is not enough: the multihash is decoded */
	ck_assert_int_eq(http(&t, "GET", "/api/v1/peers/12D3KooWNobody", NULL,
	    out, sizeof(out), NULL), 400);
	HAS(out, "not a multihash");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/scores", "{\"peer_id\":"
	    "\"QmAnother\",\"reason\":\"spam\"}", out, sizeof(out), JSON,
	    AUTH, NULL), 400);
	HAS(out, "invalid peer ID");
	/* and ban score reasons are Teranode's */
	ck_assert_int_eq(http(&t, "POST", "/api/v1/scores", "{\"peer_id\":"
	    "\"" NOBODY "\",\"reason\":\"bogus\"}", out, sizeof(out),
	    JSON, AUTH, NULL), 400);
	HAS(out, "known are invalid_subtree, protocol_violation, spam");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/peers/connect",
	    "{\"multiaddr\":\"nope\"}", out, sizeof(out), JSON, AUTH, NULL), 400);
	HAS(out, "\"field\":\"multiaddr\"");
	ck_assert_int_eq(http(&t, "POST", "/api/v1/peers/" NOBODY "/"
	    "disconnect", NULL, out, sizeof(out), AUTH, NULL), 404);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/announce/block", blk, out,
	    sizeof(out), JSON, NULL), 401);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/announce/nonsense", blk, out,
	    sizeof(out), JSON, AUTH, NULL), 404);
	ck_assert_int_eq(http(&t, "POST", "/api/v1/announce/block",
	    "{\"hash\":\"xyz\",\"height\":5}", out, sizeof(out), JSON, AUTH,
	    NULL), 400);
	HAS(out, "64-digit hex");
	ck_assert_int_eq(stat_of(&t.d, "gossip.rep", "msgs_out_block"), 0);
	/* the gossip worker checks and publishes it */
	st = http(&t, "POST", "/api/v1/announce/block", blk, out, sizeof(out),
	    JSON, AUTH, NULL);
	ck_assert_msg(st == 200, "announce: %d %s", st, out);
	ck_assert_str_eq(out, "{\"ok\":true}");
	ck_assert_int_eq(stat_of(&t.d, "gossip.rep", "msgs_out_block"), 1);
	h_stop(&t.d);
}
END_TEST

/* A self-signed certificate for 127.0.0.1 in dir (cert.pem, key.pem). */
static void
make_cert(const char *dir)
{
	char		 subj[] = "/CN=127.0.0.1", cert[256], key[256], out[4096];
	const char	*argv[] = { "/usr/bin/openssl", "req", "-x509", "-newkey",
			    "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
			    "-nodes", "-days", "2", "-subj", subj,
			    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
			    "-out", cert, NULL };
	int		 status;

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	status = h_run(argv, out, sizeof(out));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "openssl req failed");
}

START_TEST(https_with_a_self_signed_certificate)
{
	struct api_test	 t;
	char		 dir[] = "/tmp/tp-tls-XXXXXX", conf[1024], url[128];
	char		 cacert[300], out[4096];
	const char	*argv[] = { "/usr/bin/curl", "-s", "-m", "10", "--cacert",
			    cacert, "-w", " %{http_code}", url, NULL };
	const char	*plain[] = { "/usr/bin/curl", "-s", "-m", "5", url, NULL };
	int		 status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	make_cert(dir);
	snprintf(conf, sizeof(conf), "securityLevelHTTP = 1\n"
	    "server_certFile = %s/cert.pem\nserver_keyFile = %s/key.pem\n",
	    dir, dir);
	start(&t, conf);
	ck_assert_int_eq(h_count_log(&t.d, "api", "serving HTTPS"), 1);
	snprintf(cacert, sizeof(cacert), "%s/cert.pem", dir);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/bans", t.port);
	status = h_run(argv, out, sizeof(out));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "curl over TLS failed: %s", out);
	HAS(out, "\"total\":0");
	HAS(out, " 200");
	/* plain HTTP on the TLS port gets nowhere, and the server goes on */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", t.port);
	status = h_run(plain, out, sizeof(out));
	ck_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strcmp(out, "OK") != 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/health", t.port);
	status = h_run(argv, out, sizeof(out));
	ck_assert_str_eq(out, "OK 200");
	h_stop(&t.d);
	snprintf(conf, sizeof(conf), "rm -rf %s", dir);
	ck_assert_int_eq(system(conf), 0);
}
END_TEST

START_TEST(https_missing_key_stops_startup)
{
	struct daemon	d;
	char		conf[512];
	int		status;

	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\nsecurityLevelHTTP = 1\n"
	    "server_certFile = /nonexistent/cert.pem\n"
	    "server_keyFile = /nonexistent/key.pem\n", free_port(),
	    free_port());
	h_start(&d, conf);
	status = h_wait_exit(&d, 10000);
	ck_assert_msg(status != -1, "still running with a missing certificate");
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_ge(h_count_log(&d, "api", "server_certFile "
	    "/nonexistent/cert.pem: No such file or directory"), 1);
	h_cleanup(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_rest");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, health_status_metrics);
	tcase_add_test(tc, readiness_503_when_a_worker_is_stuck);
	tcase_add_test(tc, bans_end_to_end);
	tcase_add_test(tc, scores_end_to_end);
	tcase_add_test(tc, auth_and_bad_input);
	tcase_add_test(tc, no_key_refuses_mutations);
	tcase_add_test(tc, peers_and_announce_mapping);
	tcase_add_test(tc, https_with_a_self_signed_certificate);
	tcase_add_test(tc, https_missing_key_stops_startup);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
