/*
 * README claims about the REST API, against the real terap2pd and curl:
 * a 401 carries `WWW-Authenticate: Bearer`; answers carry CORS
 * `Access-Control-Allow-Origin: *` and an OPTIONS preflight is answered 204
 * with the allowed methods and headers; a worker that does not answer maps
 * to 503 naming it and an internal error of the ban store (a SQLite trigger
 * that aborts the insert) to 502; at most api_max_connections are open at
 * once.  One daemon for all of it.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#define KEY	"claims-test-key"
#define MAXC	8

static int
ms(int base)
{
	const char	*m = getenv("CK_TIMEOUT_MULTIPLIER");
	int		 k = m != NULL ? atoi(m) : 1;

	return base * (k > 1 ? k : 1);
}

/*
 * curl -i with the extra arguments (NULL-terminated) against path; the
 * status code, the head and body in out.
 */
static int
curl_i(int port, char *out, size_t outlen, const char *method,
    const char *path, ...)
{
	const char	*argv[24];
	char		 url[128];
	size_t		 n = 0;
	va_list		 ap;
	int		 code = -1;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	argv[n++] = "/usr/bin/curl";
	argv[n++] = "-s";
	argv[n++] = "-i";
	argv[n++] = "--max-time";
	argv[n++] = "20";
	argv[n++] = "-X";
	argv[n++] = method;
	va_start(ap, path);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL &&
	    n < 21; )
		argv[n++] = a;
	va_end(ap);
	argv[n++] = url;
	argv[n] = NULL;
	out[0] = '\0';
	h_run(argv, out, outlen);
	sscanf(out, "HTTP/1.1 %d", &code);
	return code;
}

#define HAS(out, s)	ck_assert_msg(strstr(out, s) != NULL, \
			    "no \"%s\" in:\n%s", s, out)
#define HASNT(out, s)	ck_assert_msg(strstr(out, s) == NULL, \
			    "\"%s\" in:\n%s", s, out)

/* A TCP connection to the API from src (an address of 127/8). */
static int
tcp_open(int port, const char *src)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, src, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* 1 when the server closed fd (within ms). */
static int
closed_within(int fd, int wait_ms)
{
	struct pollfd	p = { fd, POLLIN, 0 };
	char		b;

	if (poll(&p, 1, wait_ms) <= 0)
		return 0;
	return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

static void
auth_and_cors(int port)
{
	char	out[16384];

	ck_assert_int_eq(curl_i(port, out, sizeof(out), "POST", "/api/v1/bans",
	    "-H", "Content-Type: application/json", "-d",
	    "{\"addr\":\"10.9.9.9\"}", NULL), 401);
	HAS(out, "WWW-Authenticate: Bearer");
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "DELETE",
	    "/api/v1/bans", "-H", "x-api-key: wrong", NULL), 401);
	HAS(out, "WWW-Authenticate: Bearer");
	/* an answer that is not a 401 carries no challenge, but CORS */
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "GET", "/api/v1/bans",
	    "-H", "Origin: https://dash.example", NULL), 200);
	HASNT(out, "WWW-Authenticate");
	HAS(out, "Access-Control-Allow-Origin: *");
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "OPTIONS",
	    "/api/v1/bans", "-H", "Origin: https://dash.example", "-H",
	    "Access-Control-Request-Method: POST", "-H",
	    "Access-Control-Request-Headers: authorization, content-type",
	    NULL), 204);
	HAS(out, "Access-Control-Allow-Origin: *");
	HAS(out, "Access-Control-Allow-Methods: GET, POST, DELETE");
	HAS(out, "Access-Control-Allow-Headers: Authorization, x-api-key, "
	    "Content-Type");
	/* the preflight changed nothing: still no ban */
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "GET", "/api/v1/bans",
	    NULL), 200);
	HAS(out, "\"total\":0");
}

/* bans SIGSTOPped: 503 naming the worker; back once it runs again. */
static void
silent_worker_is_503(struct daemon *d, int port)
{
	char	out[16384];
	pid_t	bans = h_worker_pid(d, "bans");

	ck_assert_int_gt(bans, 0);
	ck_assert_int_eq(kill(bans, SIGSTOP), 0);
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "GET", "/api/v1/bans",
	    NULL), 503);
	HAS(out, "the bans worker did not answer");
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "POST", "/api/v1/bans",
	    "-H", "x-api-key: " KEY, "-d", "{\"addr\":\"10.9.9.9\"}", NULL),
	    503);
	HAS(out, "the bans worker did not answer");
	ck_assert_int_eq(kill(bans, SIGCONT), 0);
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "GET", "/api/v1/bans",
	    NULL), 200);
}

/* The store fails a write while up: the ban manager's internal error. */
static void
store_error_is_502(struct daemon *d, int port)
{
	char		 db[256], out[16384];
	const char	*argv[] = { "/usr/bin/sqlite3", db, "CREATE TRIGGER "
			    "claims_fail BEFORE INSERT ON bans BEGIN SELECT "
			    "RAISE(ABORT, 'claims test'); END;", NULL };

	snprintf(db, sizeof(db), "%s/data/bans.db", d->dir);
	ck_assert_int_eq(h_run(argv, out, sizeof(out)), 0);
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "POST", "/api/v1/bans",
	    "-H", "x-api-key: " KEY, "-d", "{\"addr\":\"10.8.8.8\"}", NULL),
	    502);
	HAS(out, "bans worker: ban store error");
	/* readable still, and nothing was banned */
	ck_assert_int_eq(curl_i(port, out, sizeof(out), "GET",
	    "/api/v1/bans/check?addr=10.8.8.8", NULL), 200);
	HAS(out, "\"banned\":false");
}

/* More than MAXC connections from many addresses: never more than MAXC. */
static void
total_connection_cap(int port)
{
	int	fd[MAXC + 4], open = 0;
	char	src[24];

	for (int i = 0; i < MAXC + 4; i++) {
		snprintf(src, sizeof(src), "127.0.0.%d", 10 + i);
		ck_assert_int_ge(fd[i] = tcp_open(port, src), 0);
		usleep(20000);
	}
	/* the accepts are done once the last one is in; the extra go */
	for (int i = 0; i < MAXC + 4; i++)
		if (!closed_within(fd[i], i < 4 ? ms(3000) : 200))
			open++;
	ck_assert_int_eq(open, MAXC);
	for (int i = 0; i < MAXC + 4; i++)
		close(fd[i]);
}

START_TEST(rest_headers_errors_and_caps)
{
	struct daemon	d;
	char		conf[256];
	int		port = h_free_port();

	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "api_key = " KEY "\napi_max_connections = %d\n"
	    "api_max_connections_per_ip = 100\n", port, MAXC);
	h_start(&d, conf);
	h_wait_ready(&d);
	auth_and_cors(port);
	silent_worker_is_503(&d, port);
	store_error_is_502(&d, port);
	total_connection_cap(port);
	h_stop(&d);
}
END_TEST

static Suite *
claims_api_suite(void)
{
	Suite	*s = suite_create("claims_api");
	TCase	*tc = tcase_create("api");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, rest_headers_errors_and_caps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(claims_api_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
