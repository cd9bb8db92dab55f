/*
 * Integration tests of the /p2p-ws WebSocket stream against the real
 * terap2pd: a real client (Node's built-in WebSocket, the undici
 * implementation) gets our node_status first, then PINGs, ban events from
 * the ban manager and a js-libp2p peer's blocks and subtrees heard by the
 * real gossip worker; a client that stops reading is dropped after a
 * second behind while a reading client keeps its stream; the client limit answers 503; a plain GET is a 426.
 * Our own block and subtree announcements and a js-libp2p peer's
 * rejected_tx reach the stream; ban frames carry no PING leftovers; the
 * first node_status has the keys, in the order, of the later ones.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define READY_MS	15000
#define KEY		"ws-key"

struct ws_test {
	struct daemon	d;
	int		port;
	int		p2p;		/* the gossip worker's port */
};

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
start(struct ws_test *t, const char *extra)
{
	char	conf[512];

	t->port = free_port();
	t->p2p = free_port();
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\napi_key = " KEY
	    "\np2p_allow_private_ips = true\n%s", t->port, t->p2p,
	    extra != NULL ? extra : "");
	h_start(&t->d, conf);
	ck_assert_msg(h_wait_log(&t->d, "supervisor", "msg=\"ready\"",
	    READY_MS) == 0, "daemon not ready; log:\n%s",
	    t->d.log ? t->d.log : "");
	for (int i = 0; i < 250 && h_count_log(&t->d, "api", "serving HTTP") ==
	    0; i++)
		usleep(20000);
}

#define WS_HASH	"00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"
#define WS_PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define WS_URL		"http://127.0.0.1:9/api/v1"

/* A js-libp2p peer in the gossip worker's block and subtree meshes: what
 * it announces reaches the stream through the real gossip worker. */
static void
js_join(struct ws_test *t, struct jspeer *js)
{
	static const char *const args[] = { "--gossip", NULL };
	static const char *const topics[] = { WS_PREFIX "-block",
	    WS_PREFIX "-subtree" };
	char		 extra[300], me[64];
	const char	*l;

	h_peer_id(&t->d, me, sizeof(me));
	jspeer_start(js, args);
	for (size_t i = 0; i < 2; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topics[i]);
		ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
	}
	snprintf(extra, sizeof(extra), "\"addr\":\"/ip4/127.0.0.1/tcp/%d/p2p/"
	    "%s\"", t->p2p, me);
	l = jspeer_cmd(js, "dial", extra, 10000);
	ck_assert_msg(l != NULL && strstr(l, "\"ok\":true"), "dial: %s",
	    l ? l : "");
	for (size_t i = 0; i < 2; i++)
		ck_assert_msg(jspeer_wait_mesh(js, topics[i], me, 15000) == 0,
		    "daemon not in js's %s mesh", topics[i]);
}

/* js announces block number n (its hash: n in hex) over gossip. */
static void
js_block(struct jspeer *js, unsigned n, unsigned height)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"js-node\",\"DataHubURL\":\"" WS_URL "\",\"Hash\":\"%064x\","
	    "\"Height\":%u,\"Header\":\"\",\"Coinbase\":\"\"}", js->peer_id,
	    n, height);
	jspeer_send_envelope(js, WS_PREFIX "-block", json);
}

static const char	node_client[] =
"const [port, key] = process.argv.slice(2);\n"
"const ws = new WebSocket(`ws://127.0.0.1:${port}/p2p-ws`);\n"
"const seen = new Set();\n"
"const done = () => { ws.close(); setTimeout(() => process.exit(0), 100); };\n"
"setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 20000);\n"
"ws.onmessage = (m) => {\n"
"  const o = JSON.parse(m.data);\n"
"  console.log(o.type + ' ' + m.data);\n"
"  seen.add(o.type);\n"
"  if (seen.size === 1)\n"
"    fetch(`http://127.0.0.1:${port}/api/v1/bans`, { method: 'POST',\n"
"      headers: { 'Authorization': 'Bearer ' + key,\n"
"        'Content-Type': 'application/json' },\n"
"      body: JSON.stringify({ addr: '198.51.100.1', reason: 'ws test' }) })\n"
"      .then((r) => console.log('POST ' + r.status));\n"
"  if (seen.has('PING') && seen.has('ban') && seen.has('block')) done();\n"
"};\n"
"ws.onerror = (e) => { console.log('ERROR ' + e.message); process.exit(1); };\n";

/* Wait until a worker's Stats counter name reaches min; 0 or -1. */
static int
wait_stat(struct daemon *d, const char *sock, const char *name, int64_t min,
    int ms)
{
	Tp__StatsReq	 st = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &st;
	do {
		if ((rep = h_call(d, sock, &req)) != NULL) {
			if (rep->body_case == TP__ENVELOPE__BODY_STATS_REP)
				for (size_t i = 0; i < rep->stats_rep->n_stats;
				    i++)
					if (strcmp(rep->stats_rep->stats[i]->name,
					    name) == 0)
						v = rep->stats_rep->stats[i]->value;
			ipc_env_free(rep);
		}
		if (v >= min)
			return 0;
		usleep(50 * 1000);
	} while (util_mono_ms() < end);
	return -1;
}

/* What the node client printed: one line per notification. */
struct tally {
	int	n, pings, bans, blocks;
	char	first[64];
};

static void
tally(struct tally *c, const char *line, const char *js_peer)
{
	if (c->n++ == 0)
		sscanf(line, "%63s", c->first);
	c->pings += strncmp(line, "PING {", 6) == 0 &&
	    strstr(line, "\"best_height\":0") != NULL &&
	    strstr(line, "\"block_assembly_details\":null");
	c->bans += strncmp(line, "ban {", 5) == 0 &&
	    strstr(line, "\"addr\":\"198.51.100.1\"") != NULL;
	c->blocks += strncmp(line, "block {", 7) == 0 &&
	    strstr(line, "\"height\":7") != NULL &&
	    strstr(line, js_peer) != NULL;
}

START_TEST(protocol_with_a_real_client)
{
	struct ws_test	 t;
	struct jspeer	 js;
	struct tally	 c = { 0, 0, 0, 0, "" };
	char		 cmd[512], path[256], line[4096];
	FILE		*fp, *p;
	int		 fd, status;

	start(&t, "api_ws_ping_interval = 300ms\n");
	js_join(&t, &js);
	snprintf(path, sizeof(path), "%s/client.js", t.d.dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(node_client, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "node --no-warnings --experimental-websocket "
	    "%s %d %s", path, t.port, KEY);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	fd = fileno(p);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* js's blocks arrive through the gossip worker while the client
	 * listens */
	for (unsigned i = 0; i < 80 && c.blocks == 0; i++) {
		usleep(100000);
		if (i >= 5)
			js_block(&js, 0xab00 + i, 7);
		while (fgets(line, sizeof(line), p) != NULL)
			tally(&c, line, js.peer_id);
	}
	/* the rest, until the client has all three kinds (or its deadline) */
	fcntl(fd, F_SETFL, 0);
	while (fgets(line, sizeof(line), p) != NULL)
		tally(&c, line, js.peer_id);
	status = pclose(p);
	ck_assert_msg(c.pings >= 1, "no PING; first %s, last line %s", c.first,
	    line);
	ck_assert_str_eq(c.first, "node_status");
	ck_assert_int_ge(c.pings, 1);
	ck_assert_int_ge(c.bans, 1);
	ck_assert_int_ge(c.blocks, 1);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "node client failed");
	jspeer_stop(&js);
	h_stop(&t.d);
}
END_TEST

/* A raw client: handshake, then read only when told to. */
static int
ws_open(struct ws_test *t, int rcvbuf, char *resp, size_t resplen)
{
	struct sockaddr_in	 sa;
	int			 fd = socket(AF_INET, SOCK_STREAM, 0);
	const char		*req = "GET /p2p-ws HTTP/1.1\r\nHost: x\r\n"
				    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
				    "Sec-WebSocket-Version: 13\r\n"
				    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
	ssize_t			 n;
	size_t			 len = 0;

	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)t->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len + 1 < resplen && strstr(resp, "\r\n\r\n") == NULL) {
		struct pollfd	pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, 3000) <= 0 ||
		    (n = read(fd, resp + len, 1)) <= 0)
			break;
		len += (size_t)n;
		resp[len] = '\0';
	}
	return fd;
}

/* Read what is there; -1 when the server closed. */
static ssize_t
drain(int fd)
{
	char	buf[65536];
	ssize_t	n, total = 0;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += n;
	if (n == 0)
		return -1;
	return total;
}

/* js announces n subtrees with a DataHub URL near the 2 KiB cap, hashes
 * from, from+1, ... */
static void
js_big_subtrees(struct jspeer *js, unsigned from, int n)
{
	char		 cmd[2800], url[2048];
	const char	*l;

	snprintf(url, sizeof(url), "http://127.0.0.1:9/");
	memset(url + strlen(url), 'a', 2000);
	url[2019] = '\0';
	snprintf(cmd, sizeof(cmd), "\"topic\":\"" WS_PREFIX "-subtree\","
	    "\"n\":%d,\"from\":%u,\"json\":\"{\\\"PeerID\\\":\\\"%s\\\","
	    "\\\"DataHubURL\\\":\\\"%s\\\",\\\"Hash\\\":\\\"%%HASH%%\\\"}\"",
	    n, from, js->peer_id, url);
	l = jspeer_cmd(js, "publishenvelopes", cmd, 10000);
	ck_assert_msg(l != NULL && strstr(l, "\"ok\":true"),
	    "publishenvelopes: %s", l ? l : "");
}

/* Read fd until the text needle went by (frames of the server are
 * unmasked text) or ms passed; 0 when it did. */
static int
wait_text(int fd, const char *needle, int ms)
{
	char		 buf[65536 + 256];
	size_t		 keep = 0, total, nlen = strlen(needle);
	ssize_t		 n;
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);

	while (util_mono_ms() < end) {
		struct pollfd	pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, buf + keep, 65536, 0)) <= 0)
			return -1;
		total = keep + (size_t)n;
		if (memmem(buf, total, needle, nlen) != NULL)
			return 0;
		keep = total < nlen ? total : nlen - 1;	/* nlen < 256 */
		memmove(buf, buf + total - keep, keep);
	}
	return -1;
}

START_TEST(slow_client_is_dropped)
{
	struct ws_test	 t;
	struct jspeer	 js;
	char		 resp[1024] = "";
	int		 slow, fast;
	ssize_t		 got = 0, n;
	unsigned	 seq = 1;
	uint64_t	 end;

	start(&t, NULL);
	js_join(&t, &js);
	slow = ws_open(&t, 4096, resp, sizeof(resp));
	ck_assert_ptr_nonnull(strstr(resp, "101 Switching Protocols"));
	ck_assert_ptr_nonnull(strstr(resp, "Sec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	resp[0] = '\0';
	fast = ws_open(&t, 0, resp, sizeof(resp));
	ck_assert_ptr_nonnull(strstr(resp, "101 Switching Protocols"));
	/* js's subtrees: the slow client's buffers
	 * fill, then it falls behind */
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while (h_count_log(&t.d, "api", "dropped") == 0 &&
	    util_mono_ms() < end) {
		js_big_subtrees(&js, seq, 10);	/* ~200 KB/s */
		seq += 10;
		ck_assert_int_ge(n = drain(fast), 0);
		got += n;
		usleep(100000);
	}
	ck_assert_msg(h_count_log(&t.d, "api", "more than 1 s behind") == 1,
	    "slow client not dropped for being behind: %u sent, %zd read, "
	    "%d drops", seq - 1, got, h_count_log(&t.d, "api", "dropped"));
	/* the reading client still gets the stream: js's next block */
	js_block(&js, 0xff, 9);
	ck_assert_msg(wait_text(fast, "\"height\":9", 10000) == 0,
	    "the reading client lost the stream");
	ck_assert_int_gt(got, 100000);
	close(slow);
	close(fast);
	jspeer_stop(&js);
	h_stop(&t.d);
}
END_TEST

START_TEST(client_limit_and_plain_get)
{
	struct ws_test	 t;
	char		 resp[1024] = "", out[1024];
	const char	*argv[] = { "/usr/bin/curl", "-s", "-w", " %{http_code}",
			    out, NULL };
	int		 a, b, c;

	start(&t, "api_ws_max_clients = 2\n");
	a = ws_open(&t, 0, resp, sizeof(resp));
	ck_assert_ptr_nonnull(strstr(resp, " 101 "));
	resp[0] = '\0';
	b = ws_open(&t, 0, resp, sizeof(resp));
	ck_assert_ptr_nonnull(strstr(resp, " 101 "));
	resp[0] = '\0';
	c = ws_open(&t, 0, resp, sizeof(resp));
	ck_assert_msg(strstr(resp, " 503 ") != NULL, "third client: %s", resp);
	close(a);
	close(b);
	close(c);
	snprintf(out, sizeof(out), "http://127.0.0.1:%d/p2p-ws", t.port);
	argv[4] = xstrdup(out);
	h_run(argv, out, sizeof(out));
	free((char *)argv[4]);
	ck_assert_ptr_nonnull(strstr(out, " 426"));
	h_stop(&t.d);
}
END_TEST

static const char	watch_client[] =
"const [port] = process.argv.slice(2);\n"
"const ws = new WebSocket(`ws://127.0.0.1:${port}/p2p-ws`);\n"
"const want = new Set(['block', 'subtree', 'ban', 'rejected_tx']);\n"
"let statuses = 0;\n"
"setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 30000);\n"
"ws.onmessage = (m) => {\n"
"  const o = JSON.parse(m.data);\n"
"  console.log(o.type + ' ' + Object.keys(o).join(',') + ' ' + m.data);\n"
"  want.delete(o.type);\n"
"  if (o.type === 'node_status') statuses++;\n"
"  if (want.size === 0 && statuses >= 2) {\n"
"    ws.close(); setTimeout(() => process.exit(0), 100); }\n"
"};\n"
"ws.onerror = (e) => { console.log('ERROR ' + e.message); process.exit(1); };\n";

static void
publish(struct ws_test *t, Tp__TopicKind kind, const char *json)
{
	Tp__PublishReq	 q = TP__PUBLISH_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;

	q.kind = kind;
	q.json = (char *)json;
	req.body_case = TP__ENVELOPE__BODY_PUBLISH_REQ;
	req.publish_req = &q;
	rep = h_call(&t->d, "gossip.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_msg(rep->status == 0, "Publish: %s", rep->error);
	ipc_env_free(rep);
}

static void
ban_addr(struct ws_test *t, const char *addr)
{
	Tp__BanAddrReq	 q = TP__BAN_ADDR_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;

	q.addr = (char *)addr;
	q.reason = "ws test";
	req.body_case = TP__ENVELOPE__BODY_BAN_ADDR_REQ;
	req.ban_addr_req = &q;
	rep = h_call(&t->d, "bans.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->status, 0);
	ipc_env_free(rep);
}

START_TEST(own_announcements_rejected_tx_and_clean_frames)
{
	static const char *const gossip[] = { "--gossip", NULL };
	struct ws_test	 t;
	struct jspeer	 js;
	char		 cmd[512], path[256], line[8192], json[512], extra[300];
	char		 me[64], first_keys[1024] = "", later_keys[1024] = "";
	char		 keys[1024];
	const char	*l;
	FILE		*fp, *p;
	int		 fd, statuses = 0, blocks = 0, subtrees = 0, bans = 0;
	int		 rejected = 0, acted = 0, status;
	uint64_t	 end;

	start(&t, "api_ws_ping_interval = 60s\n"
	    "p2p_node_status_interval = 500ms\n"
	    "asset_httpPublicAddress = https://me.example.org/api/v1\n");
	h_peer_id(&t.d, me, sizeof(me));
	/* a js peer on the rejected_tx topic */
	jspeer_start(&js, gossip);
	ck_assert_ptr_nonnull(jspeer_cmd(&js, "subscribe",
	    "\"topic\":\"" WS_PREFIX "-rejected_tx\"", 5000));
	snprintf(extra, sizeof(extra), "\"addr\":\"/ip4/127.0.0.1/tcp/%d/p2p/%s\"",
	    t.p2p, me);
	l = jspeer_cmd(&js, "dial", extra, 10000);
	ck_assert_msg(l != NULL && strstr(l, "\"ok\":true"), "dial: %s",
	    l ? l : "");
	ck_assert_msg(jspeer_wait_mesh(&js, WS_PREFIX "-rejected_tx", me,
	    15000) == 0, "daemon not in js's rejected_tx mesh");
	/* our node_status is out before the client comes */
	ck_assert_msg(wait_stat(&t.d, "gossip.rep", "msgs_out_node_status", 1,
	    15000) == 0, "no node_status published");
	snprintf(path, sizeof(path), "%s/watch.js", t.d.dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(watch_client, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "node --no-warnings --experimental-websocket "
	    "%s %d", path, t.port);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	fd = fileno(p);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	end = util_mono_ms() + (uint64_t)h_ms(30000);
	while (util_mono_ms() < end && (!blocks || !subtrees || !bans ||
	    !rejected || statuses < 2)) {
		usleep(100000);
		while (fgets(line, sizeof(line), p) != NULL) {
			if (sscanf(line, "%*s %1023s", keys) != 1)
				continue;
			if (strncmp(line, "node_status ", 12) == 0) {
				snprintf(statuses++ == 0 ? first_keys :
				    later_keys, sizeof(keys), "%s", keys);
			}
			if (strncmp(line, "block ", 6) == 0 &&
			    strstr(line, me) != NULL &&
			    strstr(line, "\"hash\":\"" WS_HASH "\""))
				blocks++;
			if (strncmp(line, "subtree ", 8) == 0 &&
			    strstr(line, me) != NULL)
				subtrees++;
			if (strncmp(line, "ban ", 4) == 0) {
				bans++;
				ck_assert_msg(strstr(keys, "best_height") ==
				    NULL && strstr(keys, "block_assembly") ==
				    NULL, "ban frame: %s", line);
			}
			if (strncmp(line, "rejected_tx ", 12) == 0 &&
			    strstr(line, js.peer_id) != NULL &&
			    strstr(line, "\"reason\":\"missing inputs\""))
				rejected++;
		}
		if (statuses > 0 && !acted) {
			acted = 1;
			publish(&t, TP__TOPIC_KIND__TOPIC_BLOCK,
			    "{\"Hash\":\"" WS_HASH "\",\"Height\":5}");
			publish(&t, TP__TOPIC_KIND__TOPIC_SUBTREE,
			    "{\"Hash\":\"" WS_HASH "\"}");
			ban_addr(&t, "198.51.100.7");
			snprintf(json, sizeof(json), "{\"PeerID\":\"%s\","
			    "\"TxID\":\"" WS_HASH "\",\"Reason\":"
			    "\"missing inputs\"}", js.peer_id);
			jspeer_send_envelope(&js, WS_PREFIX "-rejected_tx",
			    json);
		}
	}
	fcntl(fd, F_SETFL, 0);
	while (fgets(line, sizeof(line), p) != NULL)
		;
	status = pclose(p);
	ck_assert_int_ge(blocks, 1);
	ck_assert_int_ge(subtrees, 1);
	ck_assert_int_ge(bans, 1);
	ck_assert_int_ge(rejected, 1);
	ck_assert_int_ge(statuses, 2);
	ck_assert_str_eq(first_keys, later_keys);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "node client failed");
	jspeer_stop(&js);
	h_stop(&t.d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_ws");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, protocol_with_a_real_client);
	tcase_add_test(tc, slow_client_is_dropped);
	tcase_add_test(tc, client_limit_and_plain_get);
	tcase_add_test(tc, own_announcements_rejected_tx_and_clean_frames);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
