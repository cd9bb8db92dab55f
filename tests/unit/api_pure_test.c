/*
 * Unit tests of the API worker's pure parts: the HTTP request-head parser
 * (api_http.c), routing and the api key check (api_route.c), JSON body
 * checks and mappings (api_json.c) and RFC 6455 framing (api_ws.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../workers/api/api.h"
#include "tp.h"

static enum api_http_rc
parse(const char *s, struct api_http_req *r, int *status)
{
	char	err[128];

	return api_http_parse(s, strlen(s), r, status, err, sizeof(err));
}

START_TEST(http_parses_a_request)
{
	static const char	 head[] = "POST /api/v1/bans?x=1 HTTP/1.1\r\n"
				    "Host: a\r\nContent-Length: 12\r\n"
				    "Authorization: Bearer k\r\nx-api-key:  s3 \r\n"
				    "Content-Type: application/json\r\n\r\n";
	struct api_http_req	 r;
	char			 buf[512];
	int			 st;

	snprintf(buf, sizeof(buf), "%s{\"a\":1}", head);
	ck_assert_int_eq(parse(buf, &r, &st), API_HTTP_OK);
	ck_assert_int_eq(r.method, API_M_POST);
	ck_assert_str_eq(r.path, "/api/v1/bans");
	ck_assert_str_eq(r.query, "x=1");
	ck_assert_uint_eq(r.content_length, 12);
	ck_assert_str_eq(r.auth, "Bearer k");
	ck_assert_str_eq(r.api_key, "s3");
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_str_eq(r.content_type, "application/json");
	ck_assert_uint_eq(r.head_len, strlen(head));
}
END_TEST

START_TEST(http_keep_alive_and_upgrade)
{
	struct api_http_req	r;
	int			st;

	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &r, &st), API_HTTP_OK);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	    &r, &st), API_HTTP_OK);
	ck_assert_int_eq(r.keep_alive, 1);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
	    &r, &st), API_HTTP_OK);
	ck_assert_int_eq(r.keep_alive, 0);
	ck_assert_int_eq(parse("GET /p2p-ws HTTP/1.1\r\nConnection: keep-alive, "
	    "Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", &r, &st),
	    API_HTTP_OK);
	ck_assert_int_eq(r.upgrade_ws, 1);
	ck_assert_str_eq(r.ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
	ck_assert_str_eq(r.ws_version, "13");
}
END_TEST

START_TEST(http_incomplete_and_errors)
{
	struct api_http_req	 r;
	int			 st;
	char			*big;
	static const struct {
		const char	*req;
		int		 status;
	} bad[] = {
		{ "GET /\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\n\r\n", 505 },
		{ "GET / FTP/1.1\r\n\r\n", 400 },
		{ "get / HTTP/1.1\r\n\r\n", 400 },
		{ "GET x HTTP/1.1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411 },
		{ "GET /a b HTTP/1.1\r\n\r\n", 400 },
	};

	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: x\r\n", &r, &st),
	    API_HTTP_AGAIN);
	for (size_t i = 0; i < TP_ARRAY_LEN(bad); i++) {
		ck_assert_msg(parse(bad[i].req, &r, &st) == API_HTTP_ERROR,
		    "accepted %s", bad[i].req);
		ck_assert_int_eq(st, bad[i].status);
	}
	big = malloc(API_HTTP_HEAD_MAX + 100);
	memset(big, 'a', API_HTTP_HEAD_MAX + 99);
	big[API_HTTP_HEAD_MAX + 99] = '\0';
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	ck_assert_int_eq(parse(big, &r, &st), API_HTTP_ERROR);
	ck_assert_int_eq(st, 431);
	memset(big, 'a', API_HTTP_HEAD_MAX + 99);
	memcpy(big, "GET /", 5);
	memcpy(big + API_HTTP_TARGET_MAX + 10, " HTTP/1.1\r\n\r\n", 13);
	big[API_HTTP_TARGET_MAX + 23] = '\0';
	ck_assert_int_eq(parse(big, &r, &st), API_HTTP_ERROR);
	ck_assert_int_eq(st, 414);
	free(big);
}
END_TEST

START_TEST(http_query_and_pct)
{
	char	v[32];

	ck_assert_int_eq(api_http_query("addr=10.0.0.0%2F8&x=1", "addr", v,
	    sizeof(v)), 0);
	ck_assert_str_eq(v, "10.0.0.0/8");
	ck_assert_int_eq(api_http_query("a=1&peer_id=abc", "peer_id", v,
	    sizeof(v)), 0);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(api_http_query("a=1", "peer_id", v, sizeof(v)), -1);
	ck_assert_int_eq(api_http_query("a=%zz", "a", v, sizeof(v)), -2);
	ck_assert_int_eq(api_http_query("a=%00", "a", v, sizeof(v)), -2);
	ck_assert_int_eq(api_http_query("a=%4", "a", v, sizeof(v)), -2);
	ck_assert_int_eq(api_http_pct_decode("a%20b+c", 7, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "a b c");
	ck_assert_int_eq(api_http_pct_decode("abcdef", 6, v, 4), -1);
}
END_TEST

static void	h_a(struct api_conn *c) { (void)c; }
static void	h_b(struct api_conn *c) { (void)c; }

static const struct api_route routes[] = {
	{ API_M_GET, "/api/v1/bans", 0, h_a, "a" },
	{ API_M_POST, "/api/v1/bans", API_R_AUTH, h_b, "b" },
	{ API_M_GET, "/api/v1/bans/check", 0, h_a, "c" },
	{ API_M_DELETE, "/api/v1/bans/{*}", API_R_AUTH, h_b, "d" },
	{ API_M_POST, "/api/v1/peers/{}/disconnect", API_R_AUTH, h_b, "e" },
};

START_TEST(route_matching)
{
	char			 p[API_ROUTE_PARAMS][API_PARAM_MAX], allow[64];
	const struct api_route	*r;
	int			 st;

#define M(m, path)	api_route_match(routes, TP_ARRAY_LEN(routes), m, path, \
			    p, &st, allow, sizeof(allow))
	r = M(API_M_GET, "/api/v1/bans");
	ck_assert_ptr_eq(r, &routes[0]);
	r = M(API_M_HEAD, "/api/v1/bans");
	ck_assert_ptr_eq(r, &routes[0]);
	r = M(API_M_POST, "/api/v1/bans");
	ck_assert_ptr_eq(r, &routes[1]);
	r = M(API_M_PUT, "/api/v1/bans");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(st, 405);
	ck_assert_str_eq(allow, "GET, POST");
	r = M(API_M_DELETE, "/api/v1/bans/10.0.0.0/8");
	ck_assert_ptr_eq(r, &routes[3]);
	ck_assert_str_eq(p[0], "10.0.0.0/8");
	r = M(API_M_DELETE, "/api/v1/bans/10.0.0.0%2F8");
	ck_assert_str_eq(p[0], "10.0.0.0/8");
	r = M(API_M_DELETE, "/api/v1/bans/");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(st, 404);
	r = M(API_M_DELETE, "/api/v1/bans/%zz");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(st, 400);
	r = M(API_M_POST, "/api/v1/peers/12D3KooWx/disconnect");
	ck_assert_ptr_eq(r, &routes[4]);
	ck_assert_str_eq(p[0], "12D3KooWx");
	r = M(API_M_POST, "/api/v1/peers//disconnect");
	ck_assert_ptr_null(r);
	r = M(API_M_GET, "/api/v1/bansx");
	ck_assert_ptr_null(r);
	ck_assert_int_eq(st, 404);
	r = M(API_M_GET, "/api/v1/bans/check/");
	ck_assert_ptr_null(r);
	r = M(API_M_GET, "/");
	ck_assert_ptr_null(r);
#undef M
}
END_TEST

START_TEST(auth)
{
	ck_assert_int_eq(api_route_auth("", "Bearer x", ""), API_AUTH_DISABLED);
	ck_assert_int_eq(api_route_auth(NULL, "", ""), API_AUTH_DISABLED);
	ck_assert_int_eq(api_route_auth("k1", "", ""), API_AUTH_MISSING);
	ck_assert_int_eq(api_route_auth("k1", "Basic abc", ""),
	    API_AUTH_MISSING);
	ck_assert_int_eq(api_route_auth("k1", "Bearer k1", ""), API_AUTH_OK);
	ck_assert_int_eq(api_route_auth("k1", "bearer   k1", ""), API_AUTH_OK);
	ck_assert_int_eq(api_route_auth("k1", "", "k1"), API_AUTH_OK);
	ck_assert_int_eq(api_route_auth("k1", "Bearer k2", ""), API_AUTH_WRONG);
	ck_assert_int_eq(api_route_auth("k1", "", "k1x"), API_AUTH_WRONG);
	ck_assert_int_eq(api_route_auth("k1", "Bearer ", "k1"), API_AUTH_OK);
}
END_TEST

static const struct api_field fields[] = {
	{ "addr", cJSON_String, 1 },
	{ "until", cJSON_Number, 0 },
	{ "duration", cJSON_String | cJSON_Number, 0 },
};

static const char *
body_err(const char *body)
{
	static char	err[256];
	cJSON		*o;

	err[0] = '\0';
	o = api_json_body(body, strlen(body), fields, TP_ARRAY_LEN(fields),
	    err, sizeof(err));
	cJSON_Delete(o);
	return o != NULL ? NULL : err;
}

START_TEST(json_body_checks)
{
	cJSON	*o;
	char	 err[256];
	int64_t	 until;

	ck_assert_ptr_null(body_err("{\"addr\":\"1.2.3.4\",\"until\":5}"));
	ck_assert_str_eq(body_err(""), "a JSON object body is required");
	ck_assert_str_eq(body_err("{"), "the body is not valid JSON");
	ck_assert_str_eq(body_err("[1]"), "the body must be a JSON object");
	ck_assert_str_eq(body_err("{\"addr\":1}"),
	    "field \"addr\" must be a string");
	ck_assert_str_eq(body_err("{\"addr\":\"x\",\"evil\":1}"),
	    "unknown field \"evil\"");
	ck_assert_str_eq(body_err("{\"until\":1}"), "field \"addr\" is required");
	ck_assert_ptr_null(body_err(" {\"addr\":\"1.2.3.4\"}\r\n"));
	ck_assert_str_eq(body_err("{\"addr\":\"1.2.3.4\"}x"), "trailing bytes "
	    "after the JSON value (byte 18): send exactly one JSON object");
	ck_assert_str_eq(body_err("{\"addr\":\"1.2.3.4\"}{}"), "trailing bytes "
	    "after the JSON value (byte 18): send exactly one JSON object");
	ck_assert_str_eq(body_err("{\"addr\":\"a\\u0000b\"}"),
	    "\\u0000 is not accepted in a string (byte 10)");
	/* an escaped backslash before u0000 is text, not an escape */
	ck_assert_ptr_null(body_err("{\"addr\":\"a\\\\u0000\"}"));
	ck_assert_str_eq(body_err("{\"addr\":\"\xc3\x28\"}"),
	    "the body is not valid UTF-8 (byte 9)");
	ck_assert_str_eq(body_err("{\"addr\":\"a\",\"addr\":\"b\"}"),
	    "field \"addr\" is repeated");
	ck_assert_str_eq(body_err("{\"addr\":\"a\",\"duration\":true}"),
	    "field \"duration\" must be a string or a number");
	o = cJSON_Parse("{\"duration\":\"2h\"}");
	ck_assert_int_eq(api_json_ban_until(o, 1000, &until, err, sizeof(err)),
	    0);
	ck_assert_int_eq(until, 1000 + 7200);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"duration\":60}");
	ck_assert_int_eq(api_json_ban_until(o, 1000, &until, err, sizeof(err)),
	    0);
	ck_assert_int_eq(until, 1060);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"until\":999}");
	ck_assert_int_eq(api_json_ban_until(o, 1000, &until, err, sizeof(err)),
	    -1);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"until\":2000.5}");
	ck_assert_int_eq(api_json_ban_until(o, 1000, &until, err, sizeof(err)),
	    -1);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"duration\":\"soon\"}");
	ck_assert_int_eq(api_json_ban_until(o, 1000, &until, err, sizeof(err)),
	    -1);
	cJSON_Delete(o);
	o = cJSON_Parse("{}");
	ck_assert_int_eq(api_json_ban_until(o, 1000, &until, err, sizeof(err)),
	    0);
	ck_assert_int_eq(until, 0);
	cJSON_Delete(o);
}
END_TEST

START_TEST(json_announce)
{
	Tp__TopicKind	 k;
	char		 err[256], *s;
	const char	*h = "000000000000000000000000000000000000000000000000"
			    "0000000000000001";
	char		 body[256];

	snprintf(body, sizeof(body), "{\"hash\":\"%s\",\"height\":7,"
	    "\"data_hub_url\":\"http://n/api/v1\"}", h);
	s = api_json_announce("block", body, strlen(body), &k, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(k, TP__TOPIC_KIND__TOPIC_BLOCK);
	ck_assert_ptr_nonnull(strstr(s, "\"Hash\":\""));
	ck_assert_ptr_nonnull(strstr(s, "\"Height\":7"));
	ck_assert_ptr_nonnull(strstr(s, "\"DataHubURL\":\"http://n/api/v1\""));
	free(s);
	snprintf(body, sizeof(body), "{\"hash\":\"zz\",\"height\":1}");
	s = api_json_announce("block", body, strlen(body), &k, err,
	    sizeof(err));
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err, "field \"hash\" must be a 64-digit hex hash");
	snprintf(body, sizeof(body), "{\"hash\":\"%s\",\"height\":-1}", h);
	ck_assert_ptr_null(api_json_announce("block", body, strlen(body), &k,
	    err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "\"height\""));
	snprintf(body, sizeof(body), "{\"tx_id\":\"%s\",\"reason\":\"r\"}", h);
	s = api_json_announce("rejected_tx", body, strlen(body), &k, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(k, TP__TOPIC_KIND__TOPIC_REJECTED_TX);
	ck_assert_ptr_nonnull(strstr(s, "\"TxID\""));
	free(s);
	ck_assert_ptr_null(api_json_announce("nope", "{}", 2, &k, err,
	    sizeof(err)));
}
END_TEST

START_TEST(json_notifications)
{
	Tp__BlockSeen		 b = TP__BLOCK_SEEN__INIT;
	Tp__NodeStatusSeen	 ns = TP__NODE_STATUS_SEEN__INIT;
	ipc_env			 ev = TP__ENVELOPE__INIT;
	cJSON			*o;
	char			*s;

	b.hash = (char *)"ab";
	b.height = 5;
	b.peer_id = (char *)"12D3KooWp";
	b.data_hub_url = (char *)"http://x";
	API_ENV(ev, block_seen, TP__ENVELOPE__BODY_BLOCK_SEEN, &b);
	o = api_json_notification(&ev, 0);
	s = cJSON_PrintUnformatted(o);
	ck_assert_str_eq(s, "{\"timestamp\":\"1970-01-01T00:00:00Z\","
	    "\"type\":\"block\",\"hash\":\"ab\",\"base_url\":\"http://x\","
	    "\"peer_id\":\"12D3KooWp\",\"height\":5,\"best_height\":0,"
	    "\"block_assembly_details\":null}");
	free(s);
	cJSON_Delete(o);
	ns.peer_id = (char *)"P";
	ns.json = (char *)"{\"type\":\"node_status\",\"best_height\":9,"
	    "\"evil\":1,\"client_name\":\"x\"}";
	API_ENV(ev, node_status_seen, TP__ENVELOPE__BODY_NODE_STATUS_SEEN, &ns);
	o = api_json_notification(&ev, 0);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(cJSON_GetObjectItem(o, "evil"));
	ck_assert_int_eq(cJSON_GetObjectItem(o, "best_height")->valueint, 9);
	ck_assert_str_eq(cJSON_GetObjectItem(o, "peer_id")->valuestring, "P");
	cJSON_Delete(o);
	ns.json = (char *)"[not json";
	ck_assert_ptr_null(api_json_notification(&ev, 0));
}
END_TEST

START_TEST(ws_accept_key)
{
	char	out[32];

	/* RFC 6455 section 1.3 */
	ck_assert_int_eq(api_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert_int_eq(api_ws_accept_key("short", out), -1);
	ck_assert_int_eq(api_ws_accept_key("!!!!!!!!!!!!!!!!!!!!!!!!", out), -1);
}
END_TEST

START_TEST(ws_frames)
{
	/* RFC 6455 5.7: a masked "Hello" */
	uint8_t			 hello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
				    0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	uint8_t			 unmasked[] = { 0x81, 0x05, 'H', 'e', 'l', 'l',
				    'o' };
	uint8_t			 big[14] = { 0x82, 0xfe, 0x01, 0x00, 1, 2, 3,
				    4 };
	uint8_t			 huge[14] = { 0x82, 0xff, 0, 0, 0, 0, 0, 2, 0,
				    0, 1, 2, 3, 4 };
	uint8_t			 ctl[] = { 0x09, 0x80, 0, 0, 0, 0 };
	uint8_t			 h[10];
	struct api_ws_frame	 f;
	int			 cc;

	ck_assert_int_eq(api_ws_parse(hello, 1, &f, &cc), API_WS_AGAIN);
	ck_assert_int_eq(api_ws_parse(hello, 5, &f, &cc), API_WS_AGAIN);
	ck_assert_int_eq(api_ws_parse(hello, sizeof(hello), &f, &cc),
	    API_WS_OK);
	ck_assert_int_eq(f.opcode, API_WS_TEXT);
	ck_assert_int_eq(f.fin, 1);
	ck_assert_uint_eq(f.len, 5);
	ck_assert_uint_eq(f.hdr_len, 6);
	api_ws_unmask(hello + 6, 5, f.mask, 0);
	ck_assert_int_eq(memcmp(hello + 6, "Hello", 5), 0);
	/* unmasked client frames are a protocol error */
	ck_assert_int_eq(api_ws_parse(unmasked, sizeof(unmasked), &f, &cc),
	    API_WS_ERROR);
	ck_assert_int_eq(cc, 1002);
	ck_assert_int_eq(api_ws_parse(big, 8, &f, &cc), API_WS_OK);
	ck_assert_uint_eq(f.len, 256);
	ck_assert_int_eq(api_ws_parse(huge, 14, &f, &cc), API_WS_ERROR);
	ck_assert_int_eq(cc, 1009);
	/* fragmented control frame */
	ck_assert_int_eq(api_ws_parse(ctl, sizeof(ctl), &f, &cc), API_WS_ERROR);
	ck_assert_uint_eq(api_ws_header(API_WS_TEXT, 5, h), 2);
	ck_assert_int_eq(h[0], 0x81);
	ck_assert_int_eq(h[1], 5);
	ck_assert_uint_eq(api_ws_header(API_WS_TEXT, 300, h), 4);
	ck_assert_int_eq(h[1], 126);
	ck_assert_int_eq(h[2] << 8 | h[3], 300);
	ck_assert_uint_eq(api_ws_header(API_WS_TEXT, 70000, h), 10);
	ck_assert_int_eq(h[1], 127);
	ck_assert_int_eq(h[7] << 16 | h[8] << 8 | h[9], 70000);
}
END_TEST

START_TEST(metric_names)
{
	char	n[64];

	api_json_metric_name("bans", "lookup_hits", n, sizeof(n));
	ck_assert_str_eq(n, "terap2p_bans_lookup_hits");
	api_json_metric_name("gossip", "msgs_in.block-x", n, sizeof(n));
	ck_assert_str_eq(n, "terap2p_gossip_msgs_in_block_x");
}
END_TEST

START_TEST(metrics_families)
{
	Tp__Stat		 st[3] = { TP__STAT__INIT, TP__STAT__INIT,
				    TP__STAT__INIT };
	Tp__Stat		*stp[3] = { &st[0], &st[1], &st[2] };
	Tp__StatsRep		 rep = TP__STATS_REP__INIT;
	Tp__WorkerStatus	 w = TP__WORKER_STATUS__INIT;
	Tp__WorkerStatus	*wp = &w;
	Tp__SupStatusRep	 sup = TP__SUP_STATUS_REP__INIT;
	const Tp__StatsRep	*reps[1] = { &rep };
	const char		*roles[1] = { "api" };
	struct api_text		 t = { NULL, 0, 0 };

	st[0].name = "http_2xx", st[0].value = 5;
	st[1].name = "uptime_ms", st[1].value = 1500;
	st[2].name = "new_thing_ms", st[2].value = 250;
	rep.n_stats = 3;
	rep.stats = stp;
	w.role = "a\"b";
	w.restarts = 2;
	sup.n_workers = 1;
	sup.workers = &wp;
	sup.version = "v1";
	api_metrics_render(&t, &sup, reps, roles, 1, NULL);
	ck_assert_ptr_nonnull(strstr(t.s, "# HELP terap2p_http_responses_total "));
	ck_assert_ptr_nonnull(strstr(t.s, "# TYPE terap2p_http_responses_total "
	    "counter\nterap2p_http_responses_total{class=\"2xx\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(t.s, "terap2p_worker_uptime_seconds"
	    "{role=\"api\"} 1.5\n"));
	/* not in the catalogue: still typed, in base units */
	ck_assert_ptr_nonnull(strstr(t.s, "# TYPE terap2p_api_new_thing_seconds "
	    "gauge\nterap2p_api_new_thing_seconds 0.25\n"));
	ck_assert_ptr_nonnull(strstr(t.s, "terap2p_worker_restarts_total"
	    "{role=\"a\\\"b\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(t.s, "terap2p_build_info{version=\"v1\"} "
	    "1\n"));
	ck_assert_ptr_null(strstr(t.s, "untyped"));
	free(t.s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_pure");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, http_parses_a_request);
	tcase_add_test(tc, http_keep_alive_and_upgrade);
	tcase_add_test(tc, http_incomplete_and_errors);
	tcase_add_test(tc, http_query_and_pct);
	tcase_add_test(tc, route_matching);
	tcase_add_test(tc, auth);
	tcase_add_test(tc, json_body_checks);
	tcase_add_test(tc, json_announce);
	tcase_add_test(tc, json_notifications);
	tcase_add_test(tc, ws_accept_key);
	tcase_add_test(tc, ws_frames);
	tcase_add_test(tc, metric_names);
	tcase_add_test(tc, metrics_families);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
