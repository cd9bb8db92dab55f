/*
 * Unit tests of the DataHub health checker against a real HTTP server
 * (libevent's evhttp in this process) on 127.0.0.1: 200 is healthy, 404
 * "offline" is not, a plain 404 is, 500 is not, a redirect is followed, a
 * server that never answers times out, non-HTTP URLs are refused, and at
 * most max_parallel checks run at once.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "teranode/health.h"
#include "util.h"

#define GENESIS	"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"

static struct event_base	*base;
static struct evhttp		*http;
static int			 port, mute_fd, mute_port, ndone;

struct result {
	int	done, healthy;
	long	status;
	char	detail[160];
};

static void
serve(struct evhttp_request *req, void *arg)
{
	const char	*uri = evhttp_request_get_uri(req);
	struct evbuffer	*b = evbuffer_new();
	char		 loc[256];

	(void)arg;
	if (strstr(uri, "/block/" GENESIS) == NULL) {
		evhttp_send_reply(req, 400, "Bad path", NULL);
	} else if (strncmp(uri, "/ok/", 4) == 0) {
		evbuffer_add_printf(b, "{}");
		evhttp_send_reply(req, 200, "OK", b);
	} else if (strncmp(uri, "/off/", 5) == 0) {
		evbuffer_add_printf(b, "Tunnel OFFLINE: try later");
		evhttp_send_reply(req, 404, "Not Found", b);
	} else if (strncmp(uri, "/nf/", 4) == 0) {
		evbuffer_add_printf(b, "no such block");
		evhttp_send_reply(req, 404, "Not Found", b);
	} else if (strncmp(uri, "/err/", 5) == 0) {
		evhttp_send_reply(req, 500, "Internal", NULL);
	} else if (strncmp(uri, "/redir/", 7) == 0) {
		snprintf(loc, sizeof(loc), "http://127.0.0.1:%d/ok/block/%s",
		    port, GENESIS);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Location", loc);
		evhttp_send_reply(req, 302, "Found", NULL);
	} else
		evhttp_send_reply(req, 404, "Not Found", NULL);
	evbuffer_free(b);
}

static int
listen_any(int *out_port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	getsockname(fd, (struct sockaddr *)&sin, &len);
	*out_port = ntohs(sin.sin_port);
	return fd;
}

static void
setup(void)
{
	int	fd;

	base = event_base_new();
	http = evhttp_new(base);
	fd = listen_any(&port);
	evutil_make_socket_nonblocking(fd);	/* the listener accepts until EAGAIN */
	ck_assert_int_eq(evhttp_accept_socket(http, fd), 0);
	evhttp_set_gencb(http, serve, NULL);
	mute_fd = listen_any(&mute_port);	/* accepts, never answers */
	ndone = 0;
}

static void
teardown(void)
{
	evhttp_free(http);
	close(mute_fd);
	event_base_free(base);
}

static void
done_cb(void *arg, const char *peer, int healthy, long status,
    const char *detail, uint64_t ms)
{
	struct result	*r = arg;

	(void)peer;
	(void)ms;
	r->done = 1;
	r->healthy = healthy;
	r->status = status;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	ndone++;
}

static void
run_until(int want, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms;
	struct timeval	tv = { 0, 20000 };

	while (ndone < want && util_mono_ms() < end) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
}

static void
check_one(struct tn_health *h, const char *path, struct result *r)
{
	char	url[128];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", port, path);
	ck_assert_int_eq(tn_health_check(h, "peer", url, done_cb, r), 0);
}

START_TEST(answers_classified)
{
	struct tn_health	*h = tn_health_new(base, 2000, 5, GENESIS);
	struct result		 ok = { 0 }, off = { 0 }, nf = { 0 }, err = { 0 },
				 redir = { 0 };

	check_one(h, "ok", &ok);
	check_one(h, "off/", &off);
	check_one(h, "nf", &nf);
	check_one(h, "err", &err);
	check_one(h, "redir", &redir);
	run_until(5, 5000);
	ck_assert_int_eq(ndone, 5);
	ck_assert(ok.healthy && ok.status == 200);
	ck_assert(!off.healthy && off.status == 404);
	ck_assert_str_eq(off.detail, "HTTP 404: offline");
	ck_assert(nf.healthy && nf.status == 404);
	ck_assert(!err.healthy && err.status == 500);
	ck_assert(redir.healthy && redir.status == 200);
	ck_assert_uint_eq(tn_health_pending(h), 0);
	tn_health_free(h);
}
END_TEST

START_TEST(silent_server_times_out)
{
	struct tn_health	*h = tn_health_new(base, 300, 5, GENESIS);
	struct result		 r = { 0 };
	char			 url[128];
	uint64_t		 t0 = util_mono_ms();

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", mute_port);
	ck_assert_int_eq(tn_health_check(h, "p", url, done_cb, &r), 0);
	run_until(1, 5000);
	ck_assert(r.done && !r.healthy);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_ge(util_mono_ms() - t0, 250);
	ck_assert_ptr_nonnull(strstr(r.detail, "imeout"));
	tn_health_free(h);
}
END_TEST

START_TEST(bad_urls_refused)
{
	struct tn_health	*h = tn_health_new(base, 300, 5, GENESIS);
	struct result		 r = { 0 };
	char			 big[3000];

	ck_assert_int_eq(tn_health_check(h, "p", "ftp://x/", done_cb, &r),
	    -1);
	ck_assert_int_eq(tn_health_check(h, "p", "", done_cb, &r), -1);
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "http://", 7);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(tn_health_check(h, "p", big, done_cb, &r), -1);
	ck_assert_uint_eq(tn_health_pending(h), 0);
	tn_health_free(h);
}
END_TEST

/*
 * A server that accepts and never answers, counting the connections open
 * at once: each check holds one until its time-out closes it.
 */
struct holder {
	int		 lfd, open, max_open, accepted;
	struct event	*lev, *cev[16];
};

/* Reads the request (never answered); forgets the connection at EOF. */
static void
holder_read(evutil_socket_t fd, short what, void *arg)
{
	struct holder	*ho = arg;
	char		 buf[512];
	int		 i;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (recv(fd, buf, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
		return;		/* still open */
	for (i = 0; i < ho->accepted; i++)
		if (ho->cev[i] != NULL && event_get_fd(ho->cev[i]) == fd) {
			event_free(ho->cev[i]);
			ho->cev[i] = NULL;
		}
	close(fd);
	ho->open--;
}

/* Connections closed by the client, counted before a new one is. */
static void
holder_reap(struct holder *ho)
{
	int	i;

	for (i = 0; i < ho->accepted; i++)
		if (ho->cev[i] != NULL)
			holder_read(event_get_fd(ho->cev[i]), EV_READ, ho);
}

static void
holder_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct holder	*ho = arg;
	int		 fd;

	(void)what;
	holder_reap(ho);
	while ((fd = accept(lfd, NULL, NULL)) != -1) {
		ck_assert_int_lt(ho->accepted, 16);
		evutil_make_socket_nonblocking(fd);
		ho->cev[ho->accepted] = event_new(base, fd, EV_READ | EV_PERSIST,
		    holder_read, ho);
		event_add(ho->cev[ho->accepted++], NULL);
		if (++ho->open > ho->max_open)
			ho->max_open = ho->open;
	}
}

START_TEST(at_most_five_at_once)
{
	struct tn_health	*h = tn_health_new(base, 400, 5, GENESIS);
	struct holder		 ho;
	struct result		 r[8];
	char			 url[128];
	int			 i, hport;

	memset(&ho, 0, sizeof(ho));
	memset(r, 0, sizeof(r));
	ho.lfd = listen_any(&hport);
	evutil_make_socket_nonblocking(ho.lfd);
	ho.lev = event_new(base, ho.lfd, EV_READ | EV_PERSIST, holder_accept,
	    &ho);
	event_add(ho.lev, NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", hport);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(tn_health_check(h, "p", url, done_cb,
		    &r[i]), 0);
	ck_assert_uint_eq(tn_health_pending(h), 8);
	run_until(8, 6000);
	ck_assert_int_eq(ndone, 8);
	for (i = 0; i < 8; i++)
		ck_assert(!r[i].healthy);
	/* every check reached the server, never more than five at once */
	ck_assert_int_eq(ho.accepted, 8);
	ck_assert_int_eq(ho.max_open, 5);
	tn_health_free(h);
	for (i = 0; i < ho.accepted; i++)
		if (ho.cev[i] != NULL) {
			close(event_get_fd(ho.cev[i]));
			event_free(ho.cev[i]);
		}
	event_free(ho.lev);
	close(ho.lfd);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tn_health");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, answers_classified);
	tcase_add_test(tc, silent_server_times_out);
	tcase_add_test(tc, bad_urls_refused);
	tcase_add_test(tc, at_most_five_at_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
