/*
 * Integration tests of the API worker under hostile or careless input,
 * against the real terap2pd with real clients (curl(1), raw TCP sockets):
 * no secret of ban_store_url is ever shown; a /p2p-ws client that stops
 * reading and floods cannot grow the worker's memory nor hold every slot;
 * slow REST clients cannot starve /health; refused input is refused with a
 * 400 that says why; every curl example of README.md and docs/ runs as
 * written; /metrics passes promtool.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define READY_MS	15000
#define KEY		"harden-key"

struct ht {
	struct daemon	d;
	int		port;
};

#define HAS(s, sub)	ck_assert_msg(strstr((s), (sub)) != NULL, \
			    "\"%s\" not in: %s", (sub), (s))
#define HASNT(s, sub)	ck_assert_msg(strstr((s), (sub)) == NULL, \
			    "\"%s\" in: %s", (sub), (s))

/* Start the daemon; wait for the api worker to serve (not for "ready"). */
static void
start(struct ht *t, const char *extra)
{
	char	conf[2048];

	t->port = h_free_port();
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "api_key = " KEY "\n%s", t->port, extra != NULL ? extra : "");
	h_start(&t->d, conf);
	ck_assert_msg(h_wait_log(&t->d, "api", "serving HTTP", READY_MS) == 0,
	    "api not serving; log:\n%s", t->d.log ? t->d.log : "");
}

/* curl with args (NULL-terminated); returns the status, the body in out. */
static int
curl(struct ht *t, char *out, size_t outlen, const char *path, ...)
{
	const char	*argv[40], *a;
	char		 url[256], *nl;
	va_list		 ap;
	size_t		 n = 0;
	int		 status;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", t->port, path);
	argv[n++] = "/usr/bin/curl";
	argv[n++] = "-sS";
	argv[n++] = "-m";
	argv[n++] = "10";
	argv[n++] = "-w";
	argv[n++] = "\n%{http_code}";
	va_start(ap, path);
	while ((a = va_arg(ap, const char *)) != NULL && n < 36)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = url;
	argv[n] = NULL;
	status = h_run(argv, out, outlen);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "curl %s failed: %d", path, status);
	ck_assert_ptr_nonnull(nl = strrchr(out, '\n'));
	*nl = '\0';
	return atoi(nl + 1);
}

/* A TCP connection to the API from source address src (127.0.0.x). */
static int
tcp_open(struct ht *t, const char *src)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (src != NULL) {
		ck_assert_int_eq(inet_pton(AF_INET, src, &sa.sin_addr), 1);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)),
		    0);
	}
	sa.sin_port = htons((uint16_t)t->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read a response head (up to ms); 1 when it is a 101. */
static int
ws_upgrade(int fd, int ms)
{
	const char	*req = "GET /p2p-ws HTTP/1.1\r\nHost: x\r\n"
			    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			    "Sec-WebSocket-Version: 13\r\n"
			    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
	char		 resp[1024];
	size_t		 len = 0;
	ssize_t		 n;

	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		return 0;
	resp[0] = '\0';
	while (len + 1 < sizeof(resp) && strstr(resp, "\r\n\r\n") == NULL) {
		struct pollfd	pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, ms) <= 0 || (n = read(fd, resp + len, 1)) <= 0)
			break;
		len += (size_t)n;
		resp[len] = '\0';
	}
	return strncmp(resp, "HTTP/1.1 101 ", 13) == 0;
}

/* The resident set of pid in kB (VmRSS of /proc/<pid>/status). */
static long
vmrss_kb(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

static pid_t
api_pid(struct ht *t)
{
	pid_t	pid = 0;

	for (int i = 0; i < 500 && (pid = h_worker_pid(&t->d, "api")) == 0; i++)
		usleep(20000);
	ck_assert_int_gt(pid, 0);
	return pid;
}

/* ---- secrets of ban_store_url ---- */

START_TEST(store_secrets_never_shown)
{
	struct ht	 t;
	char		 conf[512], out[65536];
	const char	*secrets[] = { "userpw", "hunter2", "keypw" };
	const char	*argv[] = { h_binary(), "-n", "-f", t.d.conf, NULL };

	snprintf(conf, sizeof(conf), "ban_store_url = postgres://terap2p:"
	    "userpw@127.0.0.1:%d/terap2p?password=hunter2&sslpassword=keypw"
	    "&connect_timeout=1\n", h_free_port());
	start(&t, conf);
	for (int i = 0; i < 500 && h_count_log(&t.d, "bans", "ban store") == 0;
	    i++)
		usleep(20000);
	curl(&t, out, sizeof(out), "/health/readiness", NULL);
	HAS(out, "postgres://terap2p:****@127.0.0.1:");
	HAS(out, "/terap2p?connect_timeout=1&sslpassword=****");
	for (size_t i = 0; i < 3; i++)
		HASNT(out, secrets[i]);
	ck_assert_int_eq(curl(&t, out, sizeof(out), "/api/v1/status", NULL),
	    200);
	HAS(out, "sslpassword=****");
	for (size_t i = 0; i < 3; i++)
		HASNT(out, secrets[i]);
	argv[3] = t.d.conf;
	h_run(argv, out, sizeof(out));
	HAS(out, "ban_store_url = postgres://terap2p:****@");
	for (size_t i = 0; i < 3; i++)
		HASNT(out, secrets[i]);
	kill(t.d.pid, SIGTERM);
	ck_assert_int_ne(h_wait_exit(&t.d, 10000), -1);
	HAS(t.d.log, "sslpassword=****");
	for (size_t i = 0; i < 3; i++)
		HASNT(t.d.log, secrets[i]);
	h_cleanup(&t.d);
}
END_TEST

/* ---- /p2p-ws: clients that stop reading ---- */

#define FLOOD_MAX	(256u << 20)

/*
 * Pings whose Pongs back up the server's output (the client does not
 * read), then Close: the sequence that escaped the "1 s behind" drop.
 */
static void
ws_pings_then_close(int fd)
{
	enum { N = 4000, F = 6 + 125 };
	uint8_t	*b = xcalloc(N + 1, F);
	size_t	 len = 0;
	ssize_t	 n;

	for (int i = 0; i < N; i++, len += F) {
		b[len] = 0x89;			/* FIN | Ping */
		b[len + 1] = 0x80 | 125;	/* masked, 125 bytes */
	}
	b[len++] = 0x88;			/* FIN | Close */
	b[len++] = 0x82;			/* masked, 2 bytes */
	memcpy(b + len, "\1\2\3\4", 4);
	b[len + 4] = 0x03 ^ 1;			/* 1000 */
	b[len + 5] = 0xe8 ^ 2;
	len += 6;
	for (size_t off = 0; off < len; off += (size_t)n)
		ck_assert_int_gt(n = write(fd, b + off, len - off), 0);
	free(b);
}

/*
 * Two clients take both slots, stop reading, send Close and flood: the
 * worker must not read the flood into memory, and must free both slots.
 */
START_TEST(ws_flood_after_close)
{
	static char		junk[65536];
	struct ht		t;
	int			fd[2], ok = 0, small = 4096;
	size_t			sent = 0;
	long			rss0, rss1;
	pid_t			pid;
	uint64_t		t0;
	ssize_t			n = 0;

	start(&t, "api_ws_max_clients = 2\n");
	pid = api_pid(&t);
	memset(junk, 0x82, sizeof(junk));
	for (int i = 0; i < 2; i++) {
		ck_assert_int_ge(fd[i] = tcp_open(&t, NULL), 0);
		setsockopt(fd[i], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		ck_assert_int_eq(ws_upgrade(fd[i], 3000), 1);
		ws_pings_then_close(fd[i]);
		fcntl(fd[i], F_SETFL, O_NONBLOCK);
	}
	rss0 = vmrss_kb(pid);
	t0 = util_mono_ms();
	while (sent < FLOOD_MAX && util_mono_ms() - t0 < 8000) {
		int	progress = 0;

		for (int i = 0; i < 2; i++)
			if (fd[i] >= 0 && (n = send(fd[i], junk, sizeof(junk),
			    MSG_NOSIGNAL)) > 0) {
				sent += (size_t)n;
				progress = 1;
			} else if (fd[i] >= 0 && n == -1 && errno != EAGAIN) {
				fprintf(stderr, "client %d: %s after %zu bytes\n",
				    i, strerror(errno), sent);
				close(fd[i]);	/* the server let go */
				fd[i] = -1;
			}
		if (!progress)
			usleep(10000);
	}
	rss1 = vmrss_kb(pid);
	fprintf(stderr, "ws flood: %zu kB sent in %llu ms, api VmRSS %ld -> "
	    "%ld kB\n", sent >> 10, (unsigned long long)(util_mono_ms() - t0),
	    rss0, rss1);
	ck_assert_msg(rss1 - rss0 < 32 * 1024, "api worker grew from %ld to "
	    "%ld kB", rss0, rss1);
	/* both slots come free: a real client gets in */
	for (int i = 0; i < 50 && !ok; i++) {
		int	c = tcp_open(&t, NULL);

		ok = ws_upgrade(c, 3000);
		close(c);
		if (!ok)
			usleep(100000);
	}
	ck_assert_msg(ok, "no /p2p-ws slot came free");
	for (int i = 0; i < 2; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	h_stop(&t.d);
}
END_TEST

/* Clients that upgrade and then neither read nor write lose their slots. */
START_TEST(ws_stalled_clients_lose_their_slots)
{
	struct ht	t;
	int		fd[2], ok = 0, c = -1;

	start(&t, "api_ws_max_clients = 2\napi_ws_ping_interval = 300ms\n");
	for (int i = 0; i < 2; i++) {
		ck_assert_int_ge(fd[i] = tcp_open(&t, NULL), 0);
		ck_assert_int_eq(ws_upgrade(fd[i], 3000), 1);
	}
	for (int i = 0; i < 100 && !ok; i++) {
		c = tcp_open(&t, NULL);
		if (!(ok = ws_upgrade(c, 3000))) {
			close(c);
			usleep(100000);
		}
	}
	ck_assert_msg(ok, "stalled clients kept every /p2p-ws slot");
	ck_assert_int_ge(h_count_log(&t.d, "api", "no Pong"), 1);
	close(c);
	close(fd[0]);
	close(fd[1]);
	h_stop(&t.d);
}
END_TEST

/* ---- REST: slow clients ---- */

#define SLOW_IPS	20
#define SLOW_PER_IP	8

/* GET /health on a fresh connection from 127.0.0.1; 1 when it is a 200. */
static int
health_probe(struct ht *t)
{
	const char	*req = "GET /health HTTP/1.1\r\nHost: x\r\n"
			    "Connection: close\r\n\r\n";
	char		 resp[256] = "";
	struct pollfd	 pfd;
	int		 fd = tcp_open(t, "127.0.0.1");
	ssize_t		 n = 0;

	if (fd < 0)
		return 0;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req) &&
	    poll(&pfd, 1, 3000) == 1)
		n = read(fd, resp, sizeof(resp) - 1);
	close(fd);
	resp[n > 0 ? n : 0] = '\0';
	return strncmp(resp, "HTTP/1.1 200 ", 13) == 0;
}

/* 1 when the server closed fd (EOF or reset) within ms. */
static int
closed_within(int fd, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	return poll(&pfd, 1, ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* Keep one slow client: send its next byte, reopen it when it was closed. */
static void
slow_step(struct ht *t, int *fd, const char *src)
{
	char	c;

	if (*fd >= 0 && (send(*fd, "G", 1, MSG_NOSIGNAL) != 1 ||
	    recv(*fd, &c, 1, MSG_DONTWAIT) == 0)) {
		close(*fd);
		*fd = -1;
	}
	if (*fd < 0 && (*fd = tcp_open(t, src)) >= 0)
		send(*fd, "G", 1, MSG_NOSIGNAL);
}

/*
 * 160 clients from 20 addresses send one byte every 200 ms and reconnect
 * when closed, against 64 slots: /health from another address must still
 * answer every time.
 */
START_TEST(rest_slowloris_cannot_starve_health)
{
	struct ht	t;
	int		fd[SLOW_IPS][SLOW_PER_IP], answered = 0, probes = 0;
	char		src[24];
	uint64_t	t0;

	start(&t, "api_max_connections = 64\napi_max_connections_per_ip = "
	    "8\napi_request_timeout = 2s\n");
	memset(fd, -1, sizeof(fd));
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 8000) {
		for (int i = 0; i < SLOW_IPS; i++) {
			snprintf(src, sizeof(src), "127.0.0.%d", i + 2);
			for (int j = 0; j < SLOW_PER_IP; j++)
				slow_step(&t, &fd[i][j], src);
		}
		if (util_mono_ms() - t0 > 1000) {
			answered += health_probe(&t);
			probes++;
		}
		usleep(200000);
	}
	fprintf(stderr, "slowloris: /health answered %d of %d\n", answered,
	    probes);
	ck_assert_int_gt(probes, 5);
	ck_assert_int_eq(answered, probes);
	for (int i = 0; i < SLOW_IPS; i++)
		for (int j = 0; j < SLOW_PER_IP; j++)
			if (fd[i][j] >= 0)
				close(fd[i][j]);
	h_stop(&t.d);
}
END_TEST

/* One address gets api_max_connections_per_ip; a request must finish in time. */
START_TEST(rest_per_ip_cap_and_request_deadline)
{
	struct ht	t;
	int		fd[4], extra, slow;
	uint64_t	t0;

	start(&t, "api_max_connections_per_ip = 4\napi_request_timeout = 2s\n");
	for (int i = 0; i < 4; i++)
		ck_assert_int_ge(fd[i] = tcp_open(&t, "127.0.0.2"), 0);
	ck_assert_int_ge(extra = tcp_open(&t, "127.0.0.2"), 0);
	ck_assert_msg(closed_within(extra, 3000), "a 5th connection from one "
	    "address was kept");
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(closed_within(fd[i], 0), 0);
	/* another address is not affected */
	ck_assert_int_eq(health_probe(&t), 1);
	/* one byte every 200 ms does not keep a request alive */
	ck_assert_int_ge(slow = tcp_open(&t, "127.0.0.3"), 0);
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 15000 &&
	    send(slow, "G", 1, MSG_NOSIGNAL) == 1 && !closed_within(slow, 200))
		;
	ck_assert_msg(util_mono_ms() - t0 < 15000, "a trickling request was "
	    "never cut off");
	close(slow);
	close(extra);
	for (int i = 0; i < 4; i++)
		close(fd[i]);
	h_stop(&t.d);
}
END_TEST

/* ---- input that must be refused ---- */

#define AUTH	"Authorization: Bearer " KEY
#define CTJSON	"Content-Type: application/json"

static int
post_ban(struct ht *t, const char *body, char *out, size_t outlen)
{
	return curl(t, out, outlen, "/api/v1/bans", "-H", AUTH, "-H", CTJSON,
	    "--data-binary", body, NULL);
}

/* terap2pctl (beside the daemon binary) against t; its exit status. */
static int
ctl(struct ht *t, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
	char		 bin[256], url[64], out[4096], *slash;
	const char	*argv[] = { bin, "-u", url, "-k", KEY, a1, a2, a3, a4,
			    NULL };
	int		 status;

	snprintf(bin, sizeof(bin), "%s", h_binary());
	slash = strrchr(bin, '/');
	snprintf(slash != NULL ? slash + 1 : bin, sizeof(bin) - (size_t)(slash !=
	    NULL ? slash + 1 - bin : 0), "terap2pctl");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", t->port);
	status = h_run(argv, out, sizeof(out));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(input_refused)
{
	struct ht	t;
	char		out[65536];

	start(&t, NULL);
	/* a prefix that cuts the node off needs force */
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"0.0.0.0/0\"}", out,
	    sizeof(out)), 400);
	HAS(out, "refusing to ban 0.0.0.0/0");
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"::/0\"}", out, sizeof(out)),
	    400);
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"10.0.0.0/7\"}", out,
	    sizeof(out)), 400);
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"2001::/31\"}", out,
	    sizeof(out)), 400);
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"10.0.0.0/8\"}", out,
	    sizeof(out)), 201);
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"2001::/32\"}", out,
	    sizeof(out)), 201);
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"0.0.0.0/0\",\"force\":true}",
	    out, sizeof(out)), 201);
	ck_assert_int_eq(ctl(&t, "bans", "add", "::/0", NULL), 1);
	ck_assert_int_eq(ctl(&t, "bans", "add", "--force", "::/0"), 0);
	/* invalid UTF-8 in a reason never reaches the list */
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"192.0.2.1\",\"reason\":"
	    "\"bad \xff\xfe\"}", out, sizeof(out)), 400);
	HAS(out, "not valid UTF-8");
	/* trailing bytes and \u0000 are refused, saying why */
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"192.0.2.2\"} x", out,
	    sizeof(out)), 400);
	HAS(out, "trailing bytes after the JSON value");
	ck_assert_int_eq(post_ban(&t, "{\"addr\":\"192.0.2.3\",\"reason\":"
	    "\"a\\u0000b\"}", out, sizeof(out)), 400);
	HAS(out, "u0000 is not accepted in a string");
	ck_assert_int_eq(curl(&t, out, sizeof(out), "/api/v1/bans", NULL), 200);
	ck_assert_int_eq(util_utf8_check(out, strlen(out), NULL), 0);
	HASNT(out, "192.0.2.");
	HAS(out, "\"key\":\"0.0.0.0/0\"");
	HAS(out, "\"key\":\"::/0\"");
	h_stop(&t.d);
}
END_TEST

/* ---- the docs' curl examples, as written ---- */

/*
 * Run one documented curl command (len bytes at text) against the test
 * daemon: the documented port becomes the daemon's, $KEY its api_key.
 */
static void
doc_curl_run(struct ht *t, const char *text, size_t len, int *posts)
{
	char		 cmd[4096], out[256], port[16], *at;
	const char	*argv[] = { "/bin/sh", "-c", cmd, NULL };
	size_t		 o;
	int		 status;

	snprintf(port, sizeof(port), "%d", t->port);
	o = (size_t)snprintf(cmd, sizeof(cmd), "KEY=" KEY "; ");
	ck_assert_uint_lt(o + len + 64, sizeof(cmd));
	memcpy(cmd + o, text, len);
	cmd[o + len] = '\0';
	/* the documented port is the test daemon's */
	while ((at = strstr(cmd, "127.0.0.1:9906/")) != NULL) {
		memmove(at + 10 + strlen(port), at + 14, strlen(at + 14) + 1);
		memcpy(at + 10, port, strlen(port));
	}
	strcat(cmd, " -s -o /dev/null -w '%{http_code}'");
	status = h_run(argv, out, sizeof(out));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "failed: %s", cmd);
	ck_assert_msg(strcmp(out, "400") != 0 && strcmp(out, "401") != 0 &&
	    strcmp(out, "403") != 0 &&
	    strcmp(out, "415") != 0 && strcmp(out, "000") != 0,
	    "%s: %s", out, cmd);
	*posts += strstr(cmd, " -d '") != NULL;
}

/*
 * Every curl example of one Markdown file: inline `curl ...` spans and
 * lines of fenced blocks that start with curl.  Returns how many ran.
 */
static int
doc_curls(struct ht *t, const char *path, int *posts)
{
	FILE	*fp = fopen(path, "r");
	char	 line[8192];
	int	 n = 0, fenced = 0;

	ck_assert_msg(fp != NULL, "run from the source tree: %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "```", 3) == 0) {
			fenced = !fenced;
			continue;
		}
		if (fenced) {
			if (strncmp(line, "curl ", 5) == 0) {
				doc_curl_run(t, line, strcspn(line, "\n"),
				    posts);
				n++;
			}
			continue;
		}
		for (char *p = line; (p = strstr(p, "`curl ")) != NULL; p++) {
			doc_curl_run(t, p + 1, strcspn(p + 1, "`"), posts);
			n++;
		}
	}
	fclose(fp);
	return n;
}

/* Every curl example of README.md and of each docs/ Markdown file runs. */
START_TEST(readme_curl_examples_run)
{
	struct ht	 t;
	struct dirent	*de;
	DIR		*dir;
	char		 path[300];
	int		 n, api = 0, posts = 0;

	start(&t, "p2p_mining_on_topic = mining_on\n");
	n = doc_curls(&t, "README.md", &posts);
	ck_assert_ptr_nonnull(dir = opendir("docs"));
	while ((de = readdir(dir)) != NULL) {
		size_t	len = strlen(de->d_name);
		int	k;

		if (len < 4 || strcmp(de->d_name + len - 3, ".md") != 0)
			continue;
		snprintf(path, sizeof(path), "docs/%s", de->d_name);
		k = doc_curls(&t, path, &posts);
		if (strcmp(de->d_name, "api.md") == 0)
			api = k;
		n += k;
	}
	closedir(dir);
	ck_assert_int_ge(api, 15);
	ck_assert_int_ge(n, 17);
	ck_assert_int_ge(posts, 6);
	h_stop(&t.d);
}
END_TEST

/* ---- /metrics ---- */

/*
 * The real daemon's /metrics passes promtool check metrics, and every
 * family is typed, described and written once.
 */
START_TEST(metrics_pass_promtool)
{
	struct ht	 t;
	char		*out = xmalloc(1 << 20), path[160], cmd[400], fam[200];
	char		 lint[8192], *p;
	const char	*argv[] = { "/bin/sh", "-c", cmd, NULL };
	FILE		*fp;
	int		 status, families = 0;

	start(&t, NULL);
	for (int i = 0; i < 100 && h_worker_pid(&t.d, "gossip") == 0; i++)
		usleep(50000);
	ck_assert_int_eq(curl(&t, out, 1 << 20, "/metrics", NULL), 200);
	snprintf(path, sizeof(path), "%s/metrics.txt", t.d.dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(out, fp);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "/usr/bin/promtool check metrics < %s 2>&1; "
	    "echo rc=$?", path);
	status = h_run(argv, lint, sizeof(lint));
	ck_assert(WIFEXITED(status));
	ck_assert_msg(strcmp(lint, "rc=0\n") == 0, "promtool:\n%s", lint);
	HASNT(out, " untyped\n");
	for (p = out; (p = strstr(p, "# TYPE ")) != NULL; p++) {
		char	help[220], *dup;

		ck_assert_int_eq(sscanf(p, "# TYPE %199s", fam), 1);
		snprintf(help, sizeof(help), "# HELP %s ", fam);
		ck_assert_msg(p - out >= (long)strlen(help) && strstr(out, help)
		    != NULL && strstr(out, help) < p, "no HELP for %s", fam);
		snprintf(help, sizeof(help), "# TYPE %s ", fam);
		dup = strstr(p + 1, help);
		ck_assert_msg(dup == NULL, "%s written twice", fam);
		if (strncmp(p + 7 + strlen(fam), " counter", 8) == 0)
			ck_assert_msg(strlen(fam) > 6 && strcmp(fam + strlen(fam) -
			    6, "_total") == 0, "counter %s", fam);
		families++;
	}
	ck_assert_int_ge(families, 40);
	HAS(out, "terap2p_worker_uptime_seconds{role=\"api\"} ");
	HAS(out, "terap2p_http_responses_total{class=\"2xx\"} ");
	free(out);
	h_stop(&t.d);
}
END_TEST

/* ---- the log under a flood of refused clients ---- */

/*
 * 300 connections over the per-IP cap and 10 silent /p2p-ws clients: a
 * few lines and a summary from the counters, not a line per client.
 */
START_TEST(refusals_are_summarised)
{
	struct ht	t;
	int		held[2], ws[10], lines0, fd;
	char		src[24];

	start(&t, "api_max_connections_per_ip = 2\napi_ws_ping_interval = "
	    "300ms\n");
	lines0 = h_count_log(&t.d, "api", "");
	for (int i = 0; i < 2; i++)
		ck_assert_int_ge(held[i] = tcp_open(&t, "127.0.0.2"), 0);
	for (int i = 0; i < 300; i++)
		if ((fd = tcp_open(&t, "127.0.0.2")) >= 0)
			close(fd);
	for (int i = 0; i < 10; i++) {
		snprintf(src, sizeof(src), "127.0.0.%d", 10 + i);
		ck_assert_int_ge(ws[i] = tcp_open(&t, src), 0);
		ck_assert_int_eq(ws_upgrade(ws[i], 3000), 1);
	}
	ck_assert_msg(h_wait_log(&t.d, "api", "/p2p-ws clients dropped (0 "
	    "slow, 0 not closing, 10 silent)", 20000) == 0 || h_count_log(&t.d,
	    "api", " silent)") >= 1, "no summary:\n%s", t.d.log);
	for (int i = 0; i < 200 && h_count_log(&t.d, "api",
	    "over api_max_connections_per_ip") == 0; i++)
		usleep(100000);
	ck_assert_int_ge(h_count_log(&t.d, "api",
	    "over api_max_connections_per_ip"), 1);
	ck_assert_int_le(h_count_log(&t.d, "api", "dropped: "), 5);
	ck_assert_msg(h_count_log(&t.d, "api", "") - lines0 < 12, "%d lines:"
	    "\n%s", h_count_log(&t.d, "api", "") - lines0, t.d.log);
	for (int i = 0; i < 10; i++)
		close(ws[i]);
	close(held[0]);
	close(held[1]);
	h_stop(&t.d);
}
END_TEST

/* ---- start-up: a busy API port ---- */

/* While the API port is taken the node is not ready; it is once freed. */
START_TEST(api_port_clash_is_not_ready)
{
	struct daemon		d;
	struct sockaddr_in	sa;
	char			conf[256];
	int			fd, one = 1, port = h_free_port();

	/* not inherited by the daemon, or closing it would not free the port */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "worker_ready_timeout = 15s\n", port);
	h_start(&d, conf);
	ck_assert_int_eq(h_wait_log(&d, "api", "cannot listen on", READY_MS),
	    0);
	/* past the other workers' start-up: still not ready */
	ck_assert_int_eq(h_wait_log(&d, "supervisor", "msg=\"ready\"", 6000),
	    -1);
	close(fd);
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", 30000) ==
	    0, "not ready once the port is free:\n%s", d.log + (d.len > 3000 ?
	    d.len - 3000 : 0));
	h_stop(&d);
}
END_TEST


/* ---- the command line ---- */

/* A line of log holding both a and b. */
static int
log_line_has(const char *log, const char *a, const char *b)
{
	for (const char *l = log; l != NULL && *l != '\0'; ) {
		const char	*nl = strchr(l, '\n'), *x = strstr(l, a);
		const char	*y = strstr(l, b);

		if (x != NULL && y != NULL && (nl == NULL || (x < nl && y < nl)))
			return 1;
		l = nl != NULL ? nl + 1 : NULL;
	}
	return 0;
}

/* the binary beside the daemon (terap2pctl) or the daemon itself */
static void
bin_path(char *out, size_t len, const char *name)
{
	char	*slash;

	snprintf(out, len, "%s", h_binary());
	if (name != NULL && (slash = strrchr(out, '/')) != NULL)
		snprintf(slash + 1, len - (size_t)(slash + 1 - out), "%s", name);
}

START_TEST(cli_help_version_and_kill_warning)
{
	static const char *const flags[] = { "-h", "--help", "--version" };
	struct daemon	 d;
	char		 bin[2][256], out[8192];
	const char	*argv[3];
	int		 status;
	pid_t		 pid;

	bin_path(bin[0], sizeof(bin[0]), NULL);
	bin_path(bin[1], sizeof(bin[1]), "terap2pctl");
	for (int b = 0; b < 2; b++)
		for (size_t i = 0; i < 3; i++) {
			argv[0] = bin[b];
			argv[1] = flags[i];
			argv[2] = NULL;
			status = h_run(argv, out, sizeof(out));
			ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) ==
			    0, "%s %s: status %d", bin[b], flags[i], status);
			HAS(out, i < 2 ? "usage: " : b == 0 ? "terap2pd " :
			    "terap2pctl ");
		}
	/* kill -9 of a worker is a warning, not routine */
	h_start(&d, NULL);
	ck_assert_int_eq(h_wait_log(&d, "supervisor", "msg=\"ready\"",
	    READY_MS), 0);
	ck_assert_int_gt(pid = h_worker_pid(&d, "bans"), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(h_wait_log(&d, "supervisor", "killed by signal 9",
	    10000), 0);
	ck_assert_msg(log_line_has(d.log, "level=warn", "worker bans killed "
	    "by signal 9"), "not a warning:\n%s", d.log);
	h_stop(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_harden");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, store_secrets_never_shown);
	tcase_add_test(tc, ws_flood_after_close);
	tcase_add_test(tc, ws_stalled_clients_lose_their_slots);
	tcase_add_test(tc, rest_slowloris_cannot_starve_health);
	tcase_add_test(tc, rest_per_ip_cap_and_request_deadline);
	tcase_add_test(tc, input_refused);
	tcase_add_test(tc, readme_curl_examples_run);
	tcase_add_test(tc, metrics_pass_promtool);
	tcase_add_test(tc, refusals_are_summarised);
	tcase_add_test(tc, api_port_clash_is_not_ready);
	tcase_add_test(tc, cli_help_version_and_kill_warning);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
