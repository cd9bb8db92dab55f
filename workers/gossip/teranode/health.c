/*
 * Gossip worker: the DataHub health checker.  For a peer that announced a
 * DataHub URL it fetches `GET <url>/block/<genesis hash>` with libcurl's
 * multi interface driven by the worker's libevent loop (no threads, never
 * blocking), at most max_parallel at once, the rest queued (bounded).
 * Healthy: a response with status < 500 that is not a 404 whose first
 * 1 KiB says "offline" or "tunnel not found".  At most 3 redirects, no
 * keep-alive, http and https only.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "teranode/health.h"
#include "util.h"

#define HEALTH_BODY_MAX		1024
#define HEALTH_QUEUE_MAX	4096

struct health_check {
	TAILQ_ENTRY(health_check)	 entry;
	struct tn_health		*h;		/* borrowed */
	CURL				*easy;		/* owned while running */
	char				 peer[TN_HEALTH_PEER_MAX];
	char				*url;		/* owned */
	char				 body[HEALTH_BODY_MAX + 1];
	size_t				 bodylen;
	tn_health_fn		*cb;
	void				*arg;
};

/* One socket curl asked us to watch. */
struct health_sock {
	struct event	*ev;		/* owned */
};

struct tn_health {
	struct event_base		*base;		/* borrowed */
	CURLM				*multi;		/* owned */
	struct event			*timer;		/* owned */
	uint64_t			 timeout_ms;
	size_t				 max_parallel, running, queued;
	char				 genesis[65];
	TAILQ_HEAD(, health_check)	 queue;		/* waiting */
	TAILQ_HEAD(, health_check)	 active;
};

static void	health_start_queued(struct tn_health *);

static size_t
health_body(char *data, size_t size, size_t n, void *arg)
{
	struct health_check	*hc = arg;
	size_t			 len = size * n, room;

	room = HEALTH_BODY_MAX - hc->bodylen;
	if (room > 0) {
		memcpy(hc->body + hc->bodylen, data, len < room ? len : room);
		hc->bodylen += len < room ? len : room;
		hc->body[hc->bodylen] = '\0';
	}
	return len;	/* read the rest and drop it */
}

static void
health_finish(struct tn_health *h, struct health_check *hc, CURLcode rc)
{
	long	status = 0;
	double	ttfb = 0;
	int	healthy;
	char	detail[160], *p;

	curl_easy_getinfo(hc->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(hc->easy, CURLINFO_STARTTRANSFER_TIME, &ttfb);
	for (p = hc->body; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (rc != CURLE_OK) {
		healthy = 0;
		snprintf(detail, sizeof(detail), "%s", curl_easy_strerror(rc));
	} else if (status >= 500) {
		healthy = 0;
		snprintf(detail, sizeof(detail), "HTTP %ld", status);
	} else if (status == 404 && (strstr(hc->body, "offline") != NULL ||
	    strstr(hc->body, "tunnel not found") != NULL)) {
		healthy = 0;
		snprintf(detail, sizeof(detail), "HTTP 404: offline");
	} else {
		healthy = 1;
		snprintf(detail, sizeof(detail), "HTTP %ld", status);
	}
	TAILQ_REMOVE(&h->active, hc, entry);
	h->running--;
	curl_multi_remove_handle(h->multi, hc->easy);
	curl_easy_cleanup(hc->easy);
	hc->cb(hc->arg, hc->peer, healthy, status, detail,
	    healthy ? (uint64_t)(ttfb * 1000.0) : 0);
	free(hc->url);
	free(hc);
}

static void
health_drain(struct tn_health *h)
{
	struct health_check	*hc;
	CURLMsg			*m;
	int			 left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&hc);
		health_finish(h, hc, m->data.result);
	}
	health_start_queued(h);
}

static void
health_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tn_health	*h = arg;
	int			 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(h->multi, fd, flags, &running);
	health_drain(h);
}

static void
health_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tn_health	*h = arg;
	int			 running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	health_drain(h);
}

/* curl: watch (or stop watching) a socket. */
static int
health_socket(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct tn_health	*h = arg;
	struct health_sock	*hs = sockp;
	short			 kind = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			event_free(hs->ev);
			free(hs);
		}
		curl_multi_assign(h->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (hs == NULL) {
		hs = xcalloc(1, sizeof(*hs));
		curl_multi_assign(h->multi, s, hs);
	} else
		event_free(hs->ev);
	hs->ev = event_new(h->base, s, kind, health_sock_cb, h);
	event_add(hs->ev, NULL);
	return 0;
}

/* curl: when to call us back. */
static int
health_timeout(CURLM *multi, long ms, void *arg)
{
	struct tn_health	*h = arg;
	struct timeval		 tv;

	(void)multi;
	if (ms < 0) {
		evtimer_del(h->timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(h->timer, &tv);
	return 0;
}

struct tn_health *
tn_health_new(struct event_base *base, uint64_t timeout_ms,
    size_t max_parallel, const char *genesis_hash)
{
	struct tn_health	*h = xcalloc(1, sizeof(*h));

	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->base = base;
	h->timeout_ms = timeout_ms;
	h->max_parallel = max_parallel > 0 ? max_parallel : 1;
	snprintf(h->genesis, sizeof(h->genesis), "%s", genesis_hash);
	TAILQ_INIT(&h->queue);
	TAILQ_INIT(&h->active);
	h->multi = curl_multi_init();
	h->timer = evtimer_new(base, health_timer_cb, h);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, health_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, health_timeout);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return h;
}

static void
health_start(struct tn_health *h, struct health_check *hc)
{
	CURL	*e = curl_easy_init();

	hc->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, hc->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, hc);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, health_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, hc);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "terap2p-health");
	TAILQ_INSERT_TAIL(&h->active, hc, entry);
	h->running++;
	curl_multi_add_handle(h->multi, e);
}

static void
health_start_queued(struct tn_health *h)
{
	struct health_check	*hc;

	while (h->running < h->max_parallel &&
	    (hc = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, hc, entry);
		h->queued--;
		health_start(h, hc);
	}
}

int
tn_health_check(struct tn_health *h, const char *peer,
    const char *url, tn_health_fn *cb, void *arg)
{
	struct health_check	*hc;
	size_t			 n = strlen(url), len;

	if (h->queued >= HEALTH_QUEUE_MAX || n == 0 || n > 2048 ||
	    (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0))
		return -1;
	hc = xcalloc(1, sizeof(*hc));
	hc->h = h;
	snprintf(hc->peer, sizeof(hc->peer), "%s", peer);
	len = n + sizeof("/block/") + sizeof(h->genesis);
	hc->url = xmalloc(len);
	while (n > 0 && url[n - 1] == '/')
		n--;
	snprintf(hc->url, len, "%.*s/block/%s", (int)n, url, h->genesis);
	hc->cb = cb;
	hc->arg = arg;
	TAILQ_INSERT_TAIL(&h->queue, hc, entry);
	h->queued++;
	health_start_queued(h);
	return 0;
}

size_t
tn_health_pending(const struct tn_health *h)
{
	return h->running + h->queued;
}

void
tn_health_free(struct tn_health *h)
{
	struct health_check	*hc;

	if (h == NULL)
		return;
	while ((hc = TAILQ_FIRST(&h->active)) != NULL) {
		TAILQ_REMOVE(&h->active, hc, entry);
		curl_multi_remove_handle(h->multi, hc->easy);
		curl_easy_cleanup(hc->easy);
		free(hc->url);
		free(hc);
	}
	while ((hc = TAILQ_FIRST(&h->queue)) != NULL) {
		TAILQ_REMOVE(&h->queue, hc, entry);
		free(hc->url);
		free(hc);
	}
	curl_multi_cleanup(h->multi);
	event_free(h->timer);
	free(h);
}
