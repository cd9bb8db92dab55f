/*
 * Integration test of GET /api/v1/peers as the api worker caches it: two
 * real daemons; A's list answers with an ETag, If-None-Match with that
 * ETag gets a 304 with no body, ?offset=&limit= slice the same list, bad
 * paging is a 400, and once A connects to B (its registry changes) the old
 * ETag no longer matches and the new list names B.
 */
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define READY_MS	15000
#define KEY		"s3cret-key"

struct node {
	struct daemon	d;
	int		http, p2p;
	char		peer_id[80];
};

static void
node_start(struct node *n)
{
	char	conf[512];

	n->http = h_free_port();
	n->p2p = h_free_port();
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\n"
	    "api_key = " KEY "\n", n->http, n->p2p);
	h_start(&n->d, conf);
	ck_assert_msg(h_wait_log(&n->d, "supervisor", "msg=\"ready\"",
	    READY_MS) == 0, "daemon not ready; log:\n%s",
	    n->d.log ? n->d.log : "");
	for (int i = 0; i < 250 && h_count_log(&n->d, "api", "serving HTTP") ==
	    0; i++)
		usleep(20000);
	ck_assert_msg(h_count_log(&n->d, "api", "serving HTTP") > 0,
	    "api not serving");
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
}

/*
 * curl with the response head kept: returns the status; the body in out,
 * the ETag (or "") in etag.  hdr is one extra request header or NULL.
 */
static int
get(struct node *n, const char *path, const char *hdr, char *out,
    size_t outlen, char *etag, size_t etaglen)
{
	const char	*argv[16];
	char		 url[512], *p, *body;
	size_t		 k = 0;
	int		 status;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", n->http, path);
	argv[k++] = "/usr/bin/curl";
	argv[k++] = "-s";
	argv[k++] = "-m";
	argv[k++] = "10";
	argv[k++] = "-D";
	argv[k++] = "-";
	if (hdr != NULL) {
		argv[k++] = "-H";
		argv[k++] = hdr;
	}
	argv[k++] = url;
	argv[k] = NULL;
	status = h_run(argv, out, outlen);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "curl %s failed", path);
	ck_assert_msg(strncmp(out, "HTTP/1.1 ", 9) == 0, "no status: %s", out);
	status = atoi(out + 9);
	etag[0] = '\0';
	if ((p = strstr(out, "ETag: ")) != NULL) {
		p += 6;
		snprintf(etag, etaglen, "%.*s", (int)strcspn(p, "\r\n"), p);
	}
	body = strstr(out, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	memmove(out, body + 4, strlen(body + 4) + 1);
	return status;
}

#define HAS(s, sub)	ck_assert_msg(strstr((s), (sub)) != NULL, \
			    "\"%s\" not in: %s", (sub), (s))

START_TEST(etag_304_paging_and_invalidation)
{
	struct node	 a, b;
	char		 out[65536], tag[96], tag2[96], tag3[96], hdr[160],
			 body[256], req[512];
	const char	*argv[16];
	int		 i, st;

	node_start(&a);
	node_start(&b);

	/* the whole list, with an ETag; the same ETag back gives a 304 */
	ck_assert_int_eq(get(&a, "/api/v1/peers", NULL, out, sizeof(out), tag,
	    sizeof(tag)), 200);
	HAS(out, "\"peers\":[");
	HAS(out, "\"total\":");
	ck_assert_msg(tag[0] == '"', "no ETag");
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", tag);
	ck_assert_int_eq(get(&a, "/api/v1/peers", hdr, out, sizeof(out), tag2,
	    sizeof(tag2)), 304);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(tag2, tag);
	ck_assert_int_eq(get(&a, "/api/v1/peers", "If-None-Match: \"other\"",
	    out, sizeof(out), tag2, sizeof(tag2)), 200);
	ck_assert_int_eq(get(&a, "/api/v1/peers", "If-None-Match: *", out,
	    sizeof(out), tag2, sizeof(tag2)), 304);

	/* slices of the same list, each with its own ETag */
	ck_assert_int_eq(get(&a, "/api/v1/peers?offset=1000&limit=5", NULL,
	    out, sizeof(out), tag2, sizeof(tag2)), 200);
	HAS(out, "\"peers\":[],\"count\":0,");
	ck_assert_str_ne(tag2, tag);
	ck_assert_int_eq(get(&a, "/api/v1/peers?limit=abc", NULL, out,
	    sizeof(out), tag2, sizeof(tag2)), 400);
	HAS(out, "limit");

	/* A connects to B: the registry changes, so does the ETag */
	snprintf(body, sizeof(body), "{\"multiaddr\":\"/ip4/127.0.0.1/tcp/%d/"
	    "p2p/%s\"}", b.p2p, b.peer_id);
	snprintf(req, sizeof(req), "http://127.0.0.1:%d/api/v1/peers/connect",
	    a.http);
	argv[0] = "/usr/bin/curl";
	argv[1] = "-s";
	argv[2] = "-o";
	argv[3] = "/dev/null";
	argv[4] = "-w";
	argv[5] = "%{http_code}";
	argv[6] = "-H";
	argv[7] = "Authorization: Bearer " KEY;
	argv[8] = "-H";
	argv[9] = "Content-Type: application/json";
	argv[10] = "--data-binary";
	argv[11] = body;
	argv[12] = req;
	argv[13] = NULL;
	st = h_run(argv, out, sizeof(out));
	ck_assert_msg(WIFEXITED(st) && strcmp(out, "200") == 0,
	    "connect: %s", out);
	for (i = 0; i < 200; i++) {
		st = get(&a, "/api/v1/peers", hdr, out, sizeof(out), tag3,
		    sizeof(tag3));
		if (st == 200 && strstr(out, b.peer_id) != NULL)
			break;
		usleep(50000);
	}
	ck_assert_msg(st == 200 && strstr(out, b.peer_id) != NULL,
	    "B never listed (status %d): %s", st, out);
	ck_assert_str_ne(tag3, tag);
	/* and the new ETag is served 304 in turn, with B on page two of one */
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", tag3);
	st = get(&a, "/api/v1/peers", hdr, out, sizeof(out), tag2,
	    sizeof(tag2));
	ck_assert_msg(st == 304 || st == 200, "status %d", st);
	ck_assert_int_eq(get(&a, "/api/v1/peers?offset=0&limit=1", NULL, out,
	    sizeof(out), tag2, sizeof(tag2)), 200);
	HAS(out, "\"count\":1,");
	h_stop(&b.d);
	h_stop(&a.d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api peers cache");
	TCase	*tc = tcase_create("api_peers");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, etag_304_paging_and_invalidation);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
