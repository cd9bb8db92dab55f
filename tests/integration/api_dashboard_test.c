/*
 * Integration test of the dashboard page at "/" in a real browser: headless
 * Debian chromium, driven over the DevTools protocol by
 * tests/interop/dashboard_cdp.mjs, loads the page from a running terap2pd
 * while a js-libp2p peer gossips node_status and block messages to it, with
 * Teranode's blockchain service (the grpc-js fake) RUNNING at height 10 and
 * a DataHub that answers, so the js peer becomes our sync peer.  The test
 * asserts that the DOM shows our peer ID, listen address, sync peer, Kafka
 * and ban store, the js peer's row (ID, client name, height, score), a rate
 * chart with points drawn from the gossip counters of /metrics, the bans
 * and workers of the REST API and a live block announcement heard by the
 * real gossip worker and pushed through /p2p-ws; and that no table cell,
 * header, label or button breaks inside a word.  The screenshot is kept as
 * build/<variant>/artifacts/dashboard.png.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "chainfake.h"
#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define KEY		"dash-key"
#define PAGE_MS		45000	/* how long the browser waits for the page */
#define PREFIX		"teranode/bitcoin/1.0.0/mainnet"
#define HEIGHT		"812345"
#define HASH		"000000000000000000000000000000000000000000000000000000000000" \
			"0aa1"

/* A DataHub that answers 200 to every request: the peer naming it is
 * healthy to the gossip worker's health checker, so it may be synced from. */
struct datahub {
	int		 fd, port;
	pthread_t	 t;
};

static void *
datahub_run(void *arg)
{
	static const char	 ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0"
				    "\r\nConnection: close\r\n\r\n";
	struct datahub		*dh = arg;
	char			 buf[4096];
	int			 c;

	while ((c = accept(dh->fd, NULL, NULL)) != -1) {
		if (read(c, buf, sizeof(buf)) > 0 &&
		    write(c, ok, sizeof(ok) - 1) < 0)
			perror("datahub write");
		close(c);
	}
	return NULL;
}

static void
datahub_start(struct datahub *dh)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(dh->fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(dh->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(dh->fd, 16), 0);
	ck_assert_int_eq(getsockname(dh->fd, (struct sockaddr *)&sa, &len), 0);
	dh->port = ntohs(sa.sin_port);
	ck_assert_int_eq(pthread_create(&dh->t, NULL, datahub_run, dh), 0);
}

static void
datahub_stop(struct datahub *dh)
{
	shutdown(dh->fd, SHUT_RDWR);	/* accept() returns */
	pthread_join(dh->t, NULL);
	close(dh->fd);
}

/* js gossips its node_status: ahead of us, with a DataHub that answers. */
static void
js_status(struct jspeer *js, int datahub)
{
	char	json[768];

	snprintf(json, sizeof(json), "{\"peer_id\":\"%s\",\"client_name\":"
	    "\"js-node\",\"type\":\"node_status\",\"base_url\":"
	    "\"http://127.0.0.1:%d/api/v1\",\"best_height\":" HEIGHT ","
	    "\"best_block_hash\":\"" HASH "\",\"fsm_state\":\"RUNNING\"}",
	    js->peer_id, datahub);
	jspeer_send_envelope(js, PREFIX "-node_status", json);
}

/* js announces a block: the gossip worker hears it and the api worker
 * pushes it to the page's /p2p-ws stream. */
static void
js_block(struct jspeer *js, int datahub)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"js-node\",\"DataHubURL\":\"http://127.0.0.1:%d/api/v1\","
	    "\"Hash\":\"" HASH "\",\"Height\":" HEIGHT ",\"Header\":\"\","
	    "\"Coinbase\":\"\"}", js->peer_id, datahub);
	jspeer_send_envelope(js, PREFIX "-block", json);
}

/* The js peer, subscribed to block and node_status, connected to us. */
static void
js_join(struct jspeer *js, const char *pid, int p2p)
{
	static const char *const gossip[] = { "--gossip", NULL };
	const char	*l;
	char		 dial[256];

	jspeer_start(js, gossip);
	ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", "\"topic\":\""
	    PREFIX "-block\"", 5000));
	ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", "\"topic\":\""
	    PREFIX "-node_status\"", 5000));
	snprintf(dial, sizeof(dial), "\"addr\":\"/ip4/127.0.0.1/tcp/%d/p2p/%s\"",
	    p2p, pid);
	l = jspeer_cmd(js, "dial", dial, 10000);
	ck_assert_msg(l != NULL && strstr(l, "\"ok\":true"), "dial: %s",
	    l != NULL ? l : "");
	ck_assert_msg(jspeer_wait_mesh(js, PREFIX "-block", pid, 15000) == 0,
	    "daemon not in js's block mesh");
}

/*
 * Run the browser on the page while js keeps gossiping (a block every
 * 0.5 s, its node_status every 2 s); returns the page's DOM summary, parsed.
 */
static cJSON *
browse(struct jspeer *js, int datahub, int http, const char *shot)
{
	char	 cmd[1024], line[16384], dom[16384] = "";
	FILE	*p;
	cJSON	*o;
	int	 status;

	snprintf(cmd, sizeof(cmd), "node --no-warnings --experimental-websocket "
	    "tests/interop/dashboard_cdp.mjs /usr/bin/chromium "
	    "http://127.0.0.1:%d/ %s %d " KEY, http, shot, PAGE_MS);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	fcntl(fileno(p), F_SETFL, O_NONBLOCK);
	for (int i = 0; i < (PAGE_MS + 15000) / 100 && dom[0] == '\0'; i++) {
		usleep(100000);
		if (i % 5 == 0)
			js_block(js, datahub);
		if (i % 20 == 0)
			js_status(js, datahub);
		while (fgets(line, sizeof(line), p) != NULL)
			if (strncmp(line, "DOM ", 4) == 0 || strncmp(line,
			    "ERROR", 5) == 0 || strncmp(line, "TIMEOUT", 7) == 0)
				snprintf(dom, sizeof(dom), "%s", line);
	}
	fcntl(fileno(p), F_SETFL, 0);
	while (fgets(line, sizeof(line), p) != NULL)
		if (dom[0] == '\0')
			snprintf(dom, sizeof(dom), "%s", line);
	status = pclose(p);
	ck_assert_msg(strncmp(dom, "DOM ", 4) == 0, "no DOM: %s", dom);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the browser script failed");
	ck_assert_msg((o = cJSON_Parse(dom + 4)) != NULL, "bad DOM: %s", dom);
	fprintf(stderr, "  %s", dom);
	return o;
}

static const char *
dom_str(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItem(o, name);

	ck_assert_msg(cJSON_IsString(v), "DOM has no %s", name);
	return v->valuestring;
}

static double
dom_num(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItem(o, name);

	ck_assert_msg(cJSON_IsNumber(v), "DOM has no %s", name);
	return v->valuedouble;
}

/* The cells of the table row whose first cell contains id, or NULL. */
static const cJSON *
dom_row(const cJSON *o, const char *table, const char *id)
{
	const cJSON	*row;

	cJSON_ArrayForEach(row, cJSON_GetObjectItem(o, table))
		if (cJSON_IsString(cJSON_GetArrayItem(row, 0)) &&
		    strstr(cJSON_GetArrayItem(row, 0)->valuestring, id) != NULL)
			return row;
	return NULL;
}

static const char *
dom_cell(const cJSON *row, int i)
{
	const cJSON	*v = cJSON_GetArrayItem(row, i);

	ck_assert_msg(cJSON_IsString(v), "no cell %d", i);
	return v->valuestring;
}

/* Width and height of a PNG file (its IHDR); -1 if it is not one. */
static int
png_size(const char *path, unsigned *w, unsigned *h)
{
	static const uint8_t	 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
				    0x1a, '\n' };
	uint8_t			 b[24];
	FILE			*fp = fopen(path, "rb");
	size_t			 n = fp != NULL ? fread(b, 1, sizeof(b), fp) : 0;

	if (fp != NULL)
		fclose(fp);
	if (n != sizeof(b) || memcmp(b, sig, 8) != 0 ||
	    memcmp(b + 12, "IHDR", 4) != 0)
		return -1;
	*w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 |
	    (unsigned)b[18] << 8 | b[19];
	*h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 |
	    (unsigned)b[22] << 8 | b[23];
	return 0;
}

START_TEST(dashboard_in_chromium)
{
	struct daemon	 d;
	struct datahub	 dh;
	struct jspeer	 js, chain;
	char		 conf[512], shot[512], tmp[256], url[128], pid[64];
	char		 want[256], out[1024];
	const char	*ban[] = { "/usr/bin/curl", "-s", "-H", "Authorization: "
			    "Bearer " KEY, "-H", "Content-Type: application/json",
			    "-d", "{\"addr\":\"203.0.113.0/24\",\"reason\":\"dash\"}",
			    url, NULL };
	const char	*list[] = { "/usr/bin/curl", "-s", url, NULL };
	const cJSON	*row, *chart, *wrap, *unban;
	cJSON		*dom;
	int		 http = h_free_port(), p2p = h_free_port(), cport;
	unsigned	 w, h;
	struct stat	 st;

	ck_assert_msg(access("/usr/bin/chromium", X_OK) == 0, "/usr/bin/"
	    "chromium missing: scripts/deps.sh test installs it");
	datahub_start(&dh);
	cport = chainfake_start(&chain, 0, 10, "RUNNING");
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\napi_key = " KEY
	    "\np2p_allow_private_ips = true\np2p_health_check_interval = 1s\n"
	    "p2p_node_status_interval = 1s\n"
	    "blockchain_grpcAddress = 127.0.0.1:%d\n", http, p2p, cport);
	h_start(&d, conf);
	h_wait_ready(&d);
	for (int i = 0; i < 250 && h_count_log(&d, "api", "serving HTTP") == 0;
	    i++)
		usleep(20000);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/bans", http);
	h_run(ban, out, sizeof(out));
	h_peer_id(&d, pid, sizeof(pid));
	js_join(&js, pid, p2p);

	snprintf(tmp, sizeof(tmp), "%s", h_binary());
	snprintf(shot, sizeof(shot), "%s/artifacts", dirname(tmp));
	mkdir(shot, 0755);
	strncat(shot, "/dashboard.png", sizeof(shot) - strlen(shot) - 1);
	unlink(shot);
	dom = browse(&js, dh.port, http, shot);
	jspeer_stop(&js);
	jspeer_stop(&chain);
	datahub_stop(&dh);

	/* this node: who it is, where it listens, what it stands on */
	ck_assert_str_eq(dom_str(dom, "peerid"), pid);
	snprintf(want, sizeof(want), "/ip4/127.0.0.1/tcp/%d", p2p);
	ck_assert_str_eq(dom_str(dom, "listen"), want);
	ck_assert_msg(strncmp(dom_str(dom, "syncpeer"), js.peer_id,
	    strlen(js.peer_id)) == 0, "sync peer: %s", dom_str(dom, "syncpeer"));
	ck_assert_msg(strncmp(dom_str(dom, "kafka"), "connected · ",
	    strlen("connected · ")) == 0, "%s", dom_str(dom, "kafka"));
	ck_assert_msg(strncmp(dom_str(dom, "banstore"), "up · sqlite",
	    strlen("up · sqlite")) == 0, "%s", dom_str(dom, "banstore"));
	/* the js peer: ID, client name, height, score */
	ck_assert_str_eq(dom_str(dom, "npeers"), "1");
	ck_assert_msg((row = dom_row(dom, "peers", js.peer_id)) != NULL,
	    "no row for %s", js.peer_id);
	ck_assert_str_eq(dom_cell(row, 1), "js-node");
	ck_assert_str_eq(dom_cell(row, 2), HEIGHT);
	ck_assert_str_eq(dom_cell(row, 3), "0");
	ck_assert_str_eq(dom_cell(row, 4), "in");	/* js dialed us */
	/* marked as the sync peer: the badge's text, then the ID */
	snprintf(want, sizeof(want), "sync%s", js.peer_id);
	ck_assert_str_eq(dom_cell(row, 0), want);
	/* the rate chart drew the messages that flowed */
	chart = cJSON_GetObjectItem(dom, "chart");
	ck_assert_double_ge(dom_num(chart, "points"), 5);
	ck_assert_double_gt(dom_num(chart, "max"), 0);
	ck_assert_double_eq(dom_num(chart, "drawn"), dom_num(chart, "points"));
	/* the REST API's workers and bans, the live stream */
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(dom,
	    "workers")), 4);
	ck_assert_str_eq(dom_str(dom, "nbans"), "1");
	ck_assert_ptr_nonnull(row = dom_row(dom, "bans", "203.0.113.0/24"));
	ck_assert_str_eq(dom_cell(row, 2), "dash");
	snprintf(want, sizeof(want), "block " HEIGHT " " HASH "  from %s",
	    js.peer_id);
	ck_assert_msg(strstr(dom_str(dom, "block"), want) != NULL, "%s",
	    dom_str(dom, "block"));
	ck_assert_str_eq(dom_str(dom, "stream"), "stream: live");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(dom, "ready")));
	/* nothing wraps inside a word */
	wrap = cJSON_GetObjectItem(dom, "wrap");
	ck_assert_double_ge(dom_num(wrap, "checked"), 40);
	ck_assert_msg(cJSON_GetArraySize(cJSON_GetObjectItem(wrap, "bad")) ==
	    0, "broken inside a word: %s", cJSON_PrintUnformatted(
	    cJSON_GetObjectItem(wrap, "bad")));
	/* the page's unban button sends the key typed in: a wrong one is
	 * refused, the right one unbans (the ban manager has no bans left) */
	unban = cJSON_GetObjectItem(dom, "unban");
	ck_assert_str_eq(dom_str(unban, "wrong"), "401: invalid API key");
	ck_assert_str_eq(dom_str(unban, "right"), "DELETE ok");
	ck_assert_double_eq(dom_num(unban, "rows"), 0);
	ck_assert_int_eq(h_run(list, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "\"total\":0") != NULL, "%s", out);
	h_stop(&d);
	/* the screenshot: a PNG of the browser window */
	ck_assert_int_eq(stat(shot, &st), 0);
	ck_assert_int_gt(st.st_size, 20000);
	ck_assert_int_eq(png_size(shot, &w, &h), 0);
	ck_assert_uint_eq(w, 1200);
	ck_assert_uint_eq(h, 1000);
	fprintf(stderr, "  screenshot: %s (%u x %u, %lld bytes)\n", shot, w, h,
	    (long long)st.st_size);
	cJSON_Delete(dom);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_dashboard");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dashboard_in_chromium);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
