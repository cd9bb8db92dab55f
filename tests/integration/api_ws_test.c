/*
 * Integration tests of the /p2p-ws WebSocket stream against the real
 * terap2pd: a real client (Node's built-in WebSocket, the undici
 * implementation) gets our node_status first, then PINGs, ban events from
 * the ban manager and notifications pushed over api.rep; a client that
 * stops reading is dropped after a second behind while a reading client
 * keeps its stream; the client limit answers 503; a plain GET is a 426.
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
#include "util.h"

#define READY_MS	15000
#define KEY		"ws-key"

struct ws_test {
	struct daemon	d;
	int		port;
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
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\napi_key = " KEY
	    "\n%s", t->port, free_port(), extra != NULL ? extra : "");
	h_start(&t->d, conf);
	ck_assert_msg(h_wait_log(&t->d, "supervisor", "msg=\"ready\"",
	    READY_MS) == 0, "daemon not ready; log:\n%s",
	    t->d.log ? t->d.log : "");
	for (int i = 0; i < 250 && h_count_log(&t->d, "api", "serving HTTP") ==
	    0; i++)
		usleep(20000);
}

/* Push one notification to every client over api.rep. */
static void
broadcast(struct ws_test *t, const char *json)
{
	Tp__ApiBroadcastReq	 b = TP__API_BROADCAST_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;

	b.json = (char *)json;
	req.body_case = TP__ENVELOPE__BODY_API_BROADCAST_REQ;
	req.api_broadcast_req = &b;
	rep = h_call(&t->d, "api.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->status, 0);
	ipc_env_free(rep);
}

static const char	node_client[] =
"const [port, key] = process.argv.slice(2);\n"
"const ws = new WebSocket(`ws://127.0.0.1:${port}/p2p-ws`);\n"
"const seen = new Set();\n"
"const done = () => { ws.close(); setTimeout(() => process.exit(0), 100); };\n"
"setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 8000);\n"
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

START_TEST(protocol_with_a_real_client)
{
	struct ws_test	 t;
	char		 cmd[512], path[256], line[4096], first[64] = "";
	FILE		*fp, *p;
	int		 fd, n = 0, pings = 0, bans = 0, blocks = 0, status;

	start(&t, "api_ws_ping_interval = 300ms\n");
	snprintf(path, sizeof(path), "%s/client.js", t.d.dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(node_client, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "node --no-warnings --experimental-websocket "
	    "%s %d %s", path, t.port, KEY);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	fd = fileno(p);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* blocks arrive over api.rep while the client listens */
	for (int i = 0; i < 40 && blocks == 0; i++) {
		usleep(100000);
		if (i >= 5)
			broadcast(&t, "{\"type\":\"block\",\"hash\":\"00ab\","
			    "\"height\":7,\"best_height\":0,"
			    "\"block_assembly_details\":null}");
		while (fgets(line, sizeof(line), p) != NULL) {
			if (n++ == 0)
				sscanf(line, "%63s", first);
			pings += strncmp(line, "PING {", 6) == 0 &&
			    strstr(line, "\"best_height\":0") != NULL &&
			    strstr(line, "\"block_assembly_details\":null");
			bans += strncmp(line, "ban {", 5) == 0 &&
			    strstr(line, "\"addr\":\"198.51.100.1\"") != NULL;
			blocks += strncmp(line, "block {", 7) == 0 &&
			    strstr(line, "\"hash\":\"00ab\"") != NULL;
		}
	}
	fcntl(fd, F_SETFL, 0);
	while (fgets(line, sizeof(line), p) != NULL)
		;
	status = pclose(p);
	ck_assert_str_eq(first, "node_status");
	ck_assert_int_ge(pings, 1);
	ck_assert_int_ge(bans, 1);
	ck_assert_int_ge(blocks, 1);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "node client failed");
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

START_TEST(slow_client_is_dropped)
{
	struct ws_test	 t;
	char		 resp[1024] = "", *msg;
	int		 slow, fast;
	ssize_t		 got = 0, n;
	uint64_t	 t0;

	start(&t, NULL);
	slow = ws_open(&t, 4096, resp, sizeof(resp));
	ck_assert_ptr_nonnull(strstr(resp, "101 Switching Protocols"));
	ck_assert_ptr_nonnull(strstr(resp, "Sec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	resp[0] = '\0';
	fast = ws_open(&t, 0, resp, sizeof(resp));
	ck_assert_ptr_nonnull(strstr(resp, "101 Switching Protocols"));
	msg = xmalloc(20000);
	snprintf(msg, 20000, "{\"type\":\"subtree\",\"hash\":\"");
	memset(msg + strlen(msg), 'a', 19000);
	strcpy(msg + 19025, "\"}");
	/* 200 KB/s: the slow client's buffers fill, then it falls behind */
	t0 = util_mono_ms();
	while (h_count_log(&t.d, "api", "dropped") == 0 &&
	    util_mono_ms() - t0 < 10000) {
		broadcast(&t, msg);
		ck_assert_int_ge(n = drain(fast), 0);
		got += n;
		usleep(100000);
	}
	free(msg);
	ck_assert_msg(h_count_log(&t.d, "api", "more than 1 s behind") == 1,
	    "slow client not dropped for being behind:\n%s", t.d.log);
	ck_assert_uint_lt(util_mono_ms() - t0, 6000);
	/* the reading client still gets the stream */
	usleep(200000);
	drain(fast);
	broadcast(&t, "{\"type\":\"block\",\"hash\":\"ff\"}");
	usleep(200000);
	ck_assert_int_gt(drain(fast), 0);
	ck_assert_int_gt(got, 100000);
	close(slow);
	close(fast);
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
