/*
 * Gossip worker, Kademlia layer: /dnsaddr resolution for bootstrap peers
 * (multiaddr spec, protocols/DNSADDR.md).  "/dnsaddr/<host>[/p2p/<id>]"
 * becomes the "dnsaddr=<multiaddr>" strings of the TXT records at
 * _dnsaddr.<host>; nested /dnsaddr results are resolved again up to
 * KAD_DNSADDR_DEPTH levels, and when an ID is given only results ending in
 * the same /p2p/<id> are kept.  libevent's evdns cannot ask for TXT records,
 * so c-ares does the DNS work on the worker's libevent loop through its
 * socket-state callback (one event per c-ares socket, one timer for its
 * timeouts).  Each resolution asks at most KAD_DNSADDR_QUERIES questions
 * and returns at most KAD_DNSADDR_RESULTS addresses; c-ares's own
 * timeouts bound its time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>
#include <arpa/nameser.h>
#include <event2/event.h>

#include "kad/kad.h"

#define KAD_DNSADDR_QUERIES	16
#define SOCKS_MAX		16
#define HOST_MAX		254

struct dsock {
	ares_socket_t	 fd;
	struct event	*ev;		/* owned */
};

struct job {
	struct kad_dnsaddr	*r;		/* borrowed */
	struct job		*next;
	kad_dnsaddr_cb		 cb;
	void			*arg;
	char			*results[KAD_DNSADDR_RESULTS];	/* owned */
	size_t			 nresults;
	int			 pending;	/* queries in flight */
	int			 asked;		/* queries started */
	char			 err[128];
	struct event		*done;		/* owned: delivers cb */
};

struct query {
	struct job	*job;		/* borrowed */
	int		 depth;
	char		 peer[KAD_PEERCACHE_ID_MAX];	/* filter, or "" */
};

struct kad_dnsaddr {
	struct event_base	*base;		/* borrowed */
	ares_channel		 ch;
	struct event		*timer;		/* owned: c-ares timeouts */
	struct dsock		 socks[SOCKS_MAX];
	struct job		*jobs;		/* owned list */
};

static void	rearm(struct kad_dnsaddr *);

int
kad_dnsaddr_is(const char *text)
{
	return strncmp(text, "/dnsaddr/", 9) == 0;
}

/* The /p2p/ (or legacy /ipfs/) ID at the end of a text multiaddr, or NULL. */
static const char *
peer_suffix(const char *ma)
{
	const char	*s = strrchr(ma, '/');

	if (s == NULL || s == ma)
		return NULL;
	if (s - ma >= 4 && strncmp(s - 4, "/p2p", 4) == 0)
		return s + 1;
	if (s - ma >= 5 && strncmp(s - 5, "/ipfs", 5) == 0)
		return s + 1;
	return NULL;
}

int
kad_dnsaddr_txt(const uint8_t *txt, size_t len, const char *peer, char *out,
    size_t outcap)
{
	const char	*id;
	size_t		 i;

	if (len < 8 || memcmp(txt, "dnsaddr=", 8) != 0)
		return 0;
	txt += 8;
	len -= 8;
	if (len < 2 || txt[0] != '/' || len >= outcap)
		return -1;
	for (i = 0; i < len; i++)
		if (txt[i] <= 0x20 || txt[i] >= 0x7f)
			return -1;
	memcpy(out, txt, len);
	out[len] = '\0';
	if (peer == NULL || *peer == '\0')
		return 1;
	return (id = peer_suffix(out)) != NULL && strcmp(id, peer) == 0;
}

/* Split "/dnsaddr/<host>[/...]" into host and the trailing /p2p/ ID. */
static int
parse_dnsaddr(const char *ma, char *host, char *peer)
{
	const char	*h = ma + 9, *end, *id;
	size_t		 i, n;

	if (!kad_dnsaddr_is(ma))
		return -1;
	end = strchr(h, '/');
	n = end != NULL ? (size_t)(end - h) : strlen(h);
	if (n == 0 || n >= HOST_MAX - 10)
		return -1;
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' &&
		    h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		    h[i] == '.' || h[i] == '-' || h[i] == '_'))
			return -1;
	snprintf(host, HOST_MAX, "_dnsaddr.%.*s", (int)n, h);
	peer[0] = '\0';
	if ((id = peer_suffix(ma)) != NULL) {
		if (strlen(id) >= KAD_PEERCACHE_ID_MAX)
			return -1;
		strcpy(peer, id);
	}
	return 0;
}

static struct dsock *
sock_slot(struct kad_dnsaddr *r, ares_socket_t fd, int create)
{
	int	i;

	for (i = 0; i < SOCKS_MAX; i++)
		if (r->socks[i].ev != NULL && r->socks[i].fd == fd)
			return &r->socks[i];
	for (i = 0; create && i < SOCKS_MAX; i++)
		if (r->socks[i].ev == NULL)
			return &r->socks[i];
	return NULL;
}

static void
on_sock(evutil_socket_t fd, short what, void *arg)
{
	struct kad_dnsaddr	*r = arg;

	ares_process_fd(r->ch, (what & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (what & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	rearm(r);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct kad_dnsaddr	*r = arg;

	(void)fd;
	(void)what;
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	rearm(r);
}

/* c-ares opened, changed or closed a socket: mirror it with an event. */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct kad_dnsaddr	*r = data;
	struct dsock		*s;
	short			 what = EV_PERSIST;

	if ((s = sock_slot(r, fd, readable || writable)) == NULL)
		return;		/* more sockets than slots: c-ares times out */
	if (s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if (!readable && !writable)
		return;
	what |= (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	s->fd = fd;
	if ((s->ev = event_new(r->base, fd, what, on_sock, r)) != NULL)
		event_add(s->ev, NULL);
}

static void
rearm(struct kad_dnsaddr *r)
{
	struct timeval	tv, *tvp;

	if ((tvp = ares_timeout(r->ch, NULL, &tv)) != NULL)
		evtimer_add(r->timer, tvp);
	else
		evtimer_del(r->timer);
}

static void
job_free(struct job *j)
{
	struct job	**pp;
	size_t		  i;

	for (pp = &j->r->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	for (i = 0; i < j->nresults; i++)
		free(j->results[i]);
	if (j->done != NULL)
		event_free(j->done);
	free(j);
}

static void
on_done(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j = arg;

	(void)fd;
	(void)what;
	if (j->nresults > 0)
		j->cb(j->arg, 0, j->results, j->nresults, NULL);
	else
		j->cb(j->arg, -1, NULL, 0, j->err[0] ? j->err :
		    "no dnsaddr records");
	job_free(j);
}

static void
job_finish(struct job *j)
{
	static const struct timeval	now = { 0, 0 };

	if (--j->pending == 0)
		evtimer_add(j->done, &now);
}

static int	ask(struct job *, const char *ma, int depth, const char *peer);

static void
keep(struct job *j, const char *ma)
{
	size_t	i;

	for (i = 0; i < j->nresults; i++)
		if (strcmp(j->results[i], ma) == 0)
			return;
	if (j->nresults < KAD_DNSADDR_RESULTS &&
	    (j->results[j->nresults] = strdup(ma)) != NULL)
		j->nresults++;
}

/* One TXT string of the answer to q. */
static void
take_txt(struct query *q, const uint8_t *txt, size_t len)
{
	char	ma[KAD_PEERCACHE_ADDR_MAX];

	if (kad_dnsaddr_txt(txt, len, q->peer, ma, sizeof(ma)) != 1)
		return;
	if (!kad_dnsaddr_is(ma))
		keep(q->job, ma);
	else if (q->depth + 1 >= KAD_DNSADDR_DEPTH)
		snprintf(q->job->err, sizeof(q->job->err),
		    "/dnsaddr nested deeper than %d levels", KAD_DNSADDR_DEPTH);
	else
		(void)ask(q->job, ma, q->depth + 1, q->peer);
}

static void
on_txt(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query		*q = arg;
	struct ares_txt_ext	*txt = NULL, *t;

	(void)timeouts;
	if (status == ARES_SUCCESS &&
	    (status = ares_parse_txt_reply_ext(abuf, alen, &txt)) ==
	    ARES_SUCCESS) {
		for (t = txt; t != NULL; t = t->next)
			take_txt(q, t->txt, t->length);
		ares_free_data(txt);
	} else if (status != ARES_EDESTRUCTION)
		snprintf(q->job->err, sizeof(q->job->err), "TXT lookup: %s",
		    ares_strerror(status));
	if (status == ARES_EDESTRUCTION)
		q->job->pending--;	/* the resolver is going away */
	else
		job_finish(q->job);
	free(q);
}

static int
ask(struct job *j, const char *ma, int depth, const char *peer)
{
	struct query	*q;
	char		 host[HOST_MAX], own[KAD_PEERCACHE_ID_MAX];

	if (parse_dnsaddr(ma, host, own) == -1) {
		snprintf(j->err, sizeof(j->err), "not a /dnsaddr/<host>");
		return -1;
	}
	if (j->asked >= KAD_DNSADDR_QUERIES) {
		snprintf(j->err, sizeof(j->err), "over %d dnsaddr queries",
		    KAD_DNSADDR_QUERIES);
		return -1;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	q->job = j;
	q->depth = depth;
	strcpy(q->peer, own[0] ? own : peer);
	j->pending++;
	j->asked++;
	ares_query(j->r->ch, host, ns_c_in, ns_t_txt, on_txt, q);
	return 0;
}

int
kad_dnsaddr_resolve(struct kad_dnsaddr *r, const char *addr,
    kad_dnsaddr_cb cb, void *arg)
{
	struct job	*j;
	char		 host[HOST_MAX], peer[KAD_PEERCACHE_ID_MAX];

	if (parse_dnsaddr(addr, host, peer) == -1 ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	if ((j->done = evtimer_new(r->base, on_done, j)) == NULL) {
		free(j);
		return -1;
	}
	j->r = r;
	j->cb = cb;
	j->arg = arg;
	j->next = r->jobs;
	r->jobs = j;
	j->pending = 1;		/* held until ask() has started */
	(void)ask(j, addr, 0, "");
	job_finish(j);
	rearm(r);
	return 0;
}

struct kad_dnsaddr *
kad_dnsaddr_new(struct event_base *base, const char *servers, char *err,
    size_t errlen)
{
	struct kad_dnsaddr	*r;
	struct ares_options	 o;
	int			 rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	r->base = base;
	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = r;
	o.timeout = KAD_DNSADDR_TIMEOUT_MS / 2;
	o.tries = 2;
	rc = ares_init_options(&r->ch, &o, ARES_OPT_SOCK_STATE_CB |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc == ARES_SUCCESS && servers != NULL && *servers != '\0' &&
	    (rc = ares_set_servers_ports_csv(r->ch, servers)) != ARES_SUCCESS)
		ares_destroy(r->ch);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(r);
		ares_library_cleanup();
		return NULL;
	}
	if ((r->timer = evtimer_new(base, on_timer, r)) == NULL) {
		snprintf(err, errlen, "out of memory");
		kad_dnsaddr_free(r);
		return NULL;
	}
	return r;
}

void
kad_dnsaddr_free(struct kad_dnsaddr *r)
{
	int	i;

	if (r == NULL)
		return;
	ares_destroy(r->ch);	/* on_txt sees ARES_EDESTRUCTION */
	while (r->jobs != NULL)
		job_free(r->jobs);
	for (i = 0; i < SOCKS_MAX; i++)
		if (r->socks[i].ev != NULL)
			event_free(r->socks[i].ev);
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
	ares_library_cleanup();
}
