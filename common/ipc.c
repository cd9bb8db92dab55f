/*
 * IPC between terap2p processes over nng (see ipc.h for the contract).
 *
 * nng completes context operations on its own threads.  Their callbacks do
 * one thing: put the waiting object on the hub's ready list and poke an
 * eventfd that the libevent loop watches; the loop thread then finishes the
 * operation and runs the user's callback.  So every user callback, and every
 * change to these structures, happens on the loop thread.  SUB sockets need
 * no contexts and are read through NNG_OPT_RECVFD with NNG_FLAG_NONBLOCK.
 *
 * nng's SUB filters on the subscriber's side, after the transfer: so the
 * frequent event kinds (ipc_classes) go out on a socket of their own,
 * "<name>.<class>", which only their subscribers dial.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "ipc.h"
#include "log.h"
#include "util.h"

#define IPC_URL_MAX		256
#define IPC_RECONN_MIN_MS	20
#define IPC_RECONN_MAX_MS	500

/* An object with an nng aio whose completion the loop must finish. */
struct ipc_waiter {
	TAILQ_ENTRY(ipc_waiter)	 entry;
	int			 queued;	/* on hub->ready; under hub->mtx */
	struct ipc		*hub;		/* borrowed */
	nng_aio			*aio;		/* owned */
	void			(*done)(struct ipc_waiter *);
};

struct ipc_server;

/* One REP context: receives a request, waits for the reply, sends it. */
struct ipc_srv_ctx {
	struct ipc_waiter	 w;		/* first: cast from waiter */
	struct ipc_server	*srv;		/* borrowed */
	nng_ctx			 ctx;
	int			 sending;
	struct ipc_req		*req;		/* outstanding, or NULL */
};

struct ipc_server {
	LIST_ENTRY(ipc_server)	 entry;
	nng_socket		 sock;
	char			 name[IPC_NAME_MAX];
	ipc_serve_cb		*cb;
	void			*arg;
	struct ipc_srv_ctx	 ctxs[IPC_REP_CONTEXTS];
};

struct ipc_req {
	struct ipc_srv_ctx	*sc;		/* borrowed */
	uint64_t		 id;
	Tp__Envelope__BodyCase	 kind;
};

struct ipc_client {
	LIST_ENTRY(ipc_client)	 entry;
	struct ipc		*hub;
	nng_socket		 sock;
	char			 name[IPC_NAME_MAX];
	uint64_t		 next_id;
	LIST_HEAD(, ipc_call)	 calls;		/* outstanding */
};

struct ipc_call {
	struct ipc_waiter	 w;		/* first: cast from waiter */
	LIST_ENTRY(ipc_call)	 entry;
	struct ipc_client	*cl;		/* borrowed */
	nng_ctx			 ctx;
	int			 receiving;
	uint64_t		 id;
	uint64_t		 deadline;	/* monotonic ms */
	ipc_reply_cb		*cb;
	void			*arg;
};

/* Event kinds published on their own socket "<name>.<suffix>". */
static const struct ipc_class {
	Tp__Envelope__BodyCase	 kind;
	const char		*suffix;
} ipc_classes[] = {
	{ TP__ENVELOPE__BODY_PUBSUB_MESSAGE, "msg" },
	{ TP__ENVELOPE__BODY_NODE_STATUS_SEEN, "status" },
	{ TP__ENVELOPE__BODY_REJECTED_TX_SEEN, "rejected" },
};
#define IPC_NCLASSES	(sizeof(ipc_classes) / sizeof(ipc_classes[0]))

struct ipc_pub {
	LIST_ENTRY(ipc_pub)	 entry;
	struct ipc		*hub;
	nng_socket		 sock;
	nng_socket		 cls[IPC_NCLASSES];	/* one per class */
};

struct ipc_sub {
	LIST_ENTRY(ipc_sub)	 entry;
	struct ipc		*hub;
	nng_socket		 sock;
	struct event		*ev;		/* owned: RECVFD readable */
	char			 name[IPC_NAME_MAX];
	int			 dialed[IPC_NCLASSES];	/* "<name>.<class>" */
	ipc_event_cb		*cb;
	void			*arg;
};

struct ipc {
	struct event_base	*base;		/* borrowed */
	char			*run_dir;	/* owned */
	char			*self;		/* owned */
	int			 efd;		/* eventfd: completions ready */
	struct event		*efd_ev;	/* owned */
	pthread_mutex_t		 mtx;		/* guards ready and queued */
	TAILQ_HEAD(, ipc_waiter) ready;
	LIST_HEAD(, ipc_server)	 servers;
	LIST_HEAD(, ipc_client)	 clients;
	LIST_HEAD(, ipc_pub)	 pubs;
	LIST_HEAD(, ipc_sub)	 subs;
	struct ipc_counters	 cnt;
};

int
ipc_url(const char *run_dir, const char *name, char *out, size_t len)
{
	int	n;

	/* sun_path holds 108 bytes: refuse paths that would be cut short */
	n = snprintf(out, len, "ipc://%s/%s", run_dir, name);
	if (n < 0 || (size_t)n >= len || strlen(run_dir) + strlen(name) + 2 > 107)
		return -1;
	return 0;
}

/* nng thread: hand the waiter to the loop. */
static void	ipc_srv_done(struct ipc_waiter *);

static void
ipc_aio_cb(void *arg)
{
	struct ipc_waiter	*w = arg;
	struct ipc		*hub = w->hub;
	struct ipc_srv_ctx	*sc;
	uint64_t		 one = 1;

	/*
	 * A reply went out: receive the next request from here (nng's
	 * thread) rather than wake the loop for it, so that a request costs
	 * the loop one wakeup.  The loop does not touch sc until that
	 * receive completes; failures still go through the loop.
	 */
	if (w->done == ipc_srv_done) {
		sc = (struct ipc_srv_ctx *)w;
		if (sc->sending && nng_aio_result(w->aio) == 0) {
			sc->sending = 0;
			nng_ctx_recv(sc->ctx, w->aio);
			return;
		}
	}
	pthread_mutex_lock(&hub->mtx);
	if (!w->queued) {
		w->queued = 1;
		TAILQ_INSERT_TAIL(&hub->ready, w, entry);
	}
	pthread_mutex_unlock(&hub->mtx);
	if (write(hub->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("ipc: eventfd write: %s", strerror(errno));
}

/* Loop thread: finish every completed operation. */
static void
ipc_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ipc		*hub = arg;
	struct ipc_waiter	*w;
	uint64_t		 n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("ipc: eventfd read: %s", strerror(errno));
	for (;;) {
		pthread_mutex_lock(&hub->mtx);
		if ((w = TAILQ_FIRST(&hub->ready)) != NULL) {
			TAILQ_REMOVE(&hub->ready, w, entry);
			w->queued = 0;
		}
		pthread_mutex_unlock(&hub->mtx);
		if (w == NULL)
			break;
		w->done(w);
	}
}

static int
ipc_waiter_init(struct ipc *hub, struct ipc_waiter *w,
    void (*done)(struct ipc_waiter *))
{
	int	rv;

	w->hub = hub;
	w->done = done;
	w->queued = 0;
	if ((rv = nng_aio_alloc(&w->aio, ipc_aio_cb, w)) != 0) {
		log_error("ipc: nng_aio_alloc: %s", nng_strerror(rv));
		return -1;
	}
	return 0;
}

/* Stop the aio (waits for its callback) and forget any queued completion. */
static void
ipc_waiter_fini(struct ipc_waiter *w)
{
	if (w->aio == NULL)
		return;
	nng_aio_stop(w->aio);
	pthread_mutex_lock(&w->hub->mtx);
	if (w->queued) {
		TAILQ_REMOVE(&w->hub->ready, w, entry);
		w->queued = 0;
	}
	pthread_mutex_unlock(&w->hub->mtx);
	nng_aio_free(w->aio);
	w->aio = NULL;
}

struct ipc *
ipc_new(struct event_base *base, const char *run_dir, const char *self)
{
	struct ipc	*hub = xcalloc(1, sizeof(*hub));

	hub->base = base;
	hub->run_dir = xstrdup(run_dir);
	hub->self = xstrdup(self);
	pthread_mutex_init(&hub->mtx, NULL);
	TAILQ_INIT(&hub->ready);
	LIST_INIT(&hub->servers);
	LIST_INIT(&hub->clients);
	LIST_INIT(&hub->pubs);
	LIST_INIT(&hub->subs);
	if ((hub->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("ipc: eventfd: %s", strerror(errno));
	hub->efd_ev = event_new(base, hub->efd, EV_READ | EV_PERSIST,
	    ipc_ready_cb, hub);
	if (hub->efd_ev == NULL || event_add(hub->efd_ev, NULL) == -1)
		fatal("ipc: cannot watch the eventfd");
	return hub;
}

static void
ipc_call_free(struct ipc_call *c)
{
	nng_msg	*m;

	LIST_REMOVE(c, entry);
	/*
	 * A request still being sent (the peer not there yet) stays ours when
	 * the send is stopped: free it, as ipc_call_done does on a failed send.
	 */
	if (c->w.aio != NULL && !c->receiving) {
		nng_aio_stop(c->w.aio);
		if (nng_aio_result(c->w.aio) != 0 &&
		    (m = nng_aio_get_msg(c->w.aio)) != NULL) {
			nng_aio_set_msg(c->w.aio, NULL);
			nng_msg_free(m);
		}
	}
	ipc_waiter_fini(&c->w);
	nng_ctx_close(c->ctx);
	free(c);
}

void
ipc_free(struct ipc *hub)
{
	struct ipc_server	*s;
	struct ipc_client	*cl;
	struct ipc_pub		*p;
	struct ipc_sub		*sb;
	int			 i;

	if (hub == NULL)
		return;
	while ((s = LIST_FIRST(&hub->servers)) != NULL) {
		LIST_REMOVE(s, entry);
		for (i = 0; i < IPC_REP_CONTEXTS; i++) {
			ipc_waiter_fini(&s->ctxs[i].w);
			free(s->ctxs[i].req);
			nng_ctx_close(s->ctxs[i].ctx);
		}
		nng_close(s->sock);
		free(s);
	}
	while ((cl = LIST_FIRST(&hub->clients)) != NULL) {
		LIST_REMOVE(cl, entry);
		while (!LIST_EMPTY(&cl->calls))
			ipc_call_free(LIST_FIRST(&cl->calls));
		nng_close(cl->sock);
		free(cl);
	}
	while ((p = LIST_FIRST(&hub->pubs)) != NULL) {
		LIST_REMOVE(p, entry);
		for (size_t k = 0; k < IPC_NCLASSES; k++)
			nng_close(p->cls[k]);
		nng_close(p->sock);
		free(p);
	}
	while ((sb = LIST_FIRST(&hub->subs)) != NULL) {
		LIST_REMOVE(sb, entry);
		event_free(sb->ev);
		nng_close(sb->sock);
		free(sb);
	}
	event_free(hub->efd_ev);
	close(hub->efd);
	pthread_mutex_destroy(&hub->mtx);
	free(hub->run_dir);
	free(hub->self);
	free(hub);
}

const struct ipc_counters *
ipc_counters(const struct ipc *hub)
{
	return &hub->cnt;
}

/* ---- serving ---- */

static void
ipc_srv_recv(struct ipc_srv_ctx *sc)
{
	sc->sending = 0;
	nng_ctx_recv(sc->ctx, sc->w.aio);
}

static void
ipc_srv_done(struct ipc_waiter *w)
{
	struct ipc_srv_ctx	*sc = (struct ipc_srv_ctx *)w;
	struct ipc_server	*srv = sc->srv;
	nng_msg			*msg;
	ipc_env			*env;
	char			 err[160];
	int			 rv;

	if ((rv = nng_aio_result(w->aio)) != 0) {
		if (sc->sending)
			nng_msg_free(nng_aio_get_msg(w->aio));
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		log_warn("ipc: %s: %s failed: %s", srv->name,
		    sc->sending ? "reply" : "receive", nng_strerror(rv));
		ipc_srv_recv(sc);
		return;
	}
	if (sc->sending) {
		ipc_srv_recv(sc);
		return;
	}
	msg = nng_aio_get_msg(w->aio);
	if (ipc_decode(nng_msg_body(msg), nng_msg_len(msg), &env, err,
	    sizeof(err)) == -1) {
		nng_msg_free(msg);
		w->hub->cnt.decode_errors++;
		log_warn("ipc: %s: dropped request: %s", srv->name, err);
		ipc_srv_recv(sc);
		return;
	}
	nng_msg_free(msg);
	sc->req = xcalloc(1, sizeof(*sc->req));
	sc->req->sc = sc;
	sc->req->id = env->id;
	sc->req->kind = env->body_case;
	w->hub->cnt.requests++;
	srv->cb(srv->arg, sc->req, env);
	ipc_env_free(env);
}

int
ipc_serve(struct ipc *hub, const char *name, ipc_serve_cb *cb, void *arg)
{
	struct ipc_server	*srv = xcalloc(1, sizeof(*srv));
	char			 url[IPC_URL_MAX];
	int			 rv, i;

	snprintf(srv->name, sizeof(srv->name), "%s", name);
	srv->cb = cb;
	srv->arg = arg;
	if (ipc_url(hub->run_dir, name, url, sizeof(url)) == -1) {
		log_error("ipc: socket path %s/%s is too long", hub->run_dir,
		    name);
		free(srv);
		return -1;
	}
	if ((rv = nng_rep0_open(&srv->sock)) != 0 ||
	    (rv = nng_socket_set_size(srv->sock, NNG_OPT_RECVMAXSZ,
	    IPC_MAX_MSG)) != 0 ||
	    (rv = nng_listen(srv->sock, url, NULL, 0)) != 0) {
		log_error("ipc: cannot serve %s: %s", url, nng_strerror(rv));
		nng_close(srv->sock);
		free(srv);
		return -1;
	}
	LIST_INSERT_HEAD(&hub->servers, srv, entry);
	for (i = 0; i < IPC_REP_CONTEXTS; i++) {
		srv->ctxs[i].srv = srv;
		if (ipc_waiter_init(hub, &srv->ctxs[i].w, ipc_srv_done) == -1 ||
		    (rv = nng_ctx_open(&srv->ctxs[i].ctx, srv->sock)) != 0)
			fatal("ipc: cannot open a context on %s", url);
		ipc_srv_recv(&srv->ctxs[i]);
	}
	log_debug("ipc: serving %s", url);
	return 0;
}

Tp__Envelope__BodyCase
ipc_req_kind(const struct ipc_req *req)
{
	return req->kind;
}

/* An internal-error reply, for when the real one cannot be encoded. */
static nng_msg *
ipc_error_msg(struct ipc *hub, uint64_t id, char *why)
{
	ipc_env	 e = TP__ENVELOPE__INIT;
	Tp__Ack	 a = TP__ACK__INIT;
	nng_msg	*msg;
	char	 err[160];

	e.id = id;
	e.sender = hub->self;
	e.status = TP__IPC_STATUS__IPC_ERR_INTERNAL;
	e.error = why;
	e.body_case = TP__ENVELOPE__BODY_ACK;
	e.ack = &a;
	if (ipc_encode(&e, 0, &msg, err, sizeof(err)) == -1)
		fatal("ipc: cannot encode an error reply: %s", err);
	return msg;
}

void
ipc_reply(struct ipc_req *req, ipc_env *rep)
{
	struct ipc_srv_ctx	*sc = req->sc;
	struct ipc		*hub = sc->w.hub;
	nng_msg			*msg;
	char			 err[160];

	rep->id = req->id;
	rep->sender = hub->self;
	if (rep->body_case == TP__ENVELOPE__BODY__NOT_SET) {
		static Tp__Ack	ack = TP__ACK__INIT;

		rep->body_case = TP__ENVELOPE__BODY_ACK;
		rep->ack = &ack;
	}
	free(req);
	sc->req = NULL;
	if (ipc_encode(rep, 0, &msg, err, sizeof(err)) == -1) {
		log_error("ipc: %s: cannot send reply: %s", sc->srv->name, err);
		msg = ipc_error_msg(hub, rep->id, err);
	}
	sc->sending = 1;
	nng_aio_set_msg(sc->w.aio, msg);
	nng_ctx_send(sc->ctx, sc->w.aio);
}

void
ipc_reply_error(struct ipc_req *req, int status, const char *fmt, ...)
{
	ipc_env	 rep = TP__ENVELOPE__INIT;
	Tp__Ack	 ack = TP__ACK__INIT;
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep.status = status;
	rep.error = msg;
	rep.body_case = TP__ENVELOPE__BODY_ACK;
	rep.ack = &ack;
	ipc_reply(req, &rep);
}

/* ---- calling ---- */

static int
ipc_dial(nng_socket sock, const char *run_dir, const char *name)
{
	char	url[IPC_URL_MAX];
	int	rv;

	if (ipc_url(run_dir, name, url, sizeof(url)) == -1) {
		log_error("ipc: socket path %s/%s is too long", run_dir, name);
		return -1;
	}
	nng_socket_set_ms(sock, NNG_OPT_RECONNMINT, IPC_RECONN_MIN_MS);
	nng_socket_set_ms(sock, NNG_OPT_RECONNMAXT, IPC_RECONN_MAX_MS);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, IPC_MAX_MSG);
	if ((rv = nng_dial(sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		log_error("ipc: cannot dial %s: %s", url, nng_strerror(rv));
		return -1;
	}
	return 0;
}

struct ipc_client *
ipc_client_open(struct ipc *hub, const char *name)
{
	struct ipc_client	*cl = xcalloc(1, sizeof(*cl));
	int			 rv;

	cl->hub = hub;
	snprintf(cl->name, sizeof(cl->name), "%s", name);
	LIST_INIT(&cl->calls);
	if ((rv = nng_req0_open(&cl->sock)) != 0) {
		log_error("ipc: nng_req0_open: %s", nng_strerror(rv));
		free(cl);
		return NULL;
	}
	if (ipc_dial(cl->sock, hub->run_dir, name) == -1) {
		nng_close(cl->sock);
		free(cl);
		return NULL;
	}
	LIST_INSERT_HEAD(&hub->clients, cl, entry);
	return cl;
}

static void
ipc_call_finish(struct ipc_call *c, int err, const ipc_env *rep)
{
	if (err)
		c->cl->hub->cnt.call_errors++;
	if (c->cb != NULL)
		c->cb(c->arg, err, rep);
	ipc_call_free(c);
}

static void
ipc_call_done(struct ipc_waiter *w)
{
	struct ipc_call	*c = (struct ipc_call *)w;
	nng_msg		*msg;
	ipc_env		*env;
	uint64_t	 now = util_mono_ms();
	char		 err[160];
	int		 rv;

	if ((rv = nng_aio_result(w->aio)) != 0) {
		if (!c->receiving && nng_aio_get_msg(w->aio) != NULL) {
			nng_msg_free(nng_aio_get_msg(w->aio));
			nng_aio_set_msg(w->aio, NULL);
		}
		log_debug("ipc: call to %s: %s", c->cl->name, nng_strerror(rv));
		ipc_call_finish(c, -1, NULL);
		return;
	}
	if (!c->receiving) {
		c->receiving = 1;
		nng_aio_set_timeout(w->aio, c->deadline > now ?
		    (nng_duration)(c->deadline - now) : 1);
		nng_ctx_recv(c->ctx, w->aio);
		return;
	}
	msg = nng_aio_get_msg(w->aio);
	rv = ipc_decode(nng_msg_body(msg), nng_msg_len(msg), &env, err,
	    sizeof(err));
	nng_msg_free(msg);
	if (rv == -1) {
		w->hub->cnt.decode_errors++;
		log_warn("ipc: reply from %s: %s", c->cl->name, err);
		ipc_call_finish(c, -1, NULL);
		return;
	}
	ipc_call_finish(c, 0, env);
	ipc_env_free(env);
}

int
ipc_call(struct ipc_client *cl, const ipc_env *req, int timeout_ms,
    ipc_reply_cb *cb, void *arg)
{
	struct ipc_call	*c;
	ipc_env		 copy = *req;
	nng_msg		*msg;
	char		 err[160];
	int		 rv;

	copy.id = ++cl->next_id;
	copy.sender = cl->hub->self;
	if (ipc_encode(&copy, 0, &msg, err, sizeof(err)) == -1) {
		log_error("ipc: call to %s: %s", cl->name, err);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	c->cl = cl;
	c->id = copy.id;
	c->cb = cb;
	c->arg = arg;
	c->deadline = util_mono_ms() + (uint64_t)timeout_ms;
	if (ipc_waiter_init(cl->hub, &c->w, ipc_call_done) == -1 ||
	    (rv = nng_ctx_open(&c->ctx, cl->sock)) != 0) {
		if (c->w.aio != NULL)
			nng_aio_free(c->w.aio);
		nng_msg_free(msg);
		free(c);
		log_error("ipc: call to %s: cannot open a context", cl->name);
		return -1;
	}
	LIST_INSERT_HEAD(&cl->calls, c, entry);
	cl->hub->cnt.calls++;
	nng_aio_set_timeout(c->w.aio, timeout_ms);
	nng_aio_set_msg(c->w.aio, msg);
	nng_ctx_send(c->ctx, c->w.aio);
	return 0;
}

int
ipc_call_sync(const char *url, const ipc_env *req, int timeout_ms,
    ipc_env **rep, char *err, size_t errlen)
{
	nng_socket	 sock;
	nng_msg		*msg;
	int		 rv;

	if ((rv = nng_req0_open(&sock)) != 0) {
		snprintf(err, errlen, "nng_req0_open: %s", nng_strerror(rv));
		return -1;
	}
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(sock, NNG_OPT_RECONNMINT, IPC_RECONN_MIN_MS);
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, IPC_MAX_MSG);
	if ((rv = nng_dial(sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "dial %s: %s", url, nng_strerror(rv));
		goto fail;
	}
	if (ipc_encode(req, 0, &msg, err, errlen) == -1)
		goto fail;
	if ((rv = nng_sendmsg(sock, msg, 0)) != 0) {
		nng_msg_free(msg);
		snprintf(err, errlen, "send to %s: %s", url, nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_recvmsg(sock, &msg, 0)) != 0) {
		snprintf(err, errlen, "reply from %s: %s", url,
		    nng_strerror(rv));
		goto fail;
	}
	rv = ipc_decode(nng_msg_body(msg), nng_msg_len(msg), rep, err, errlen);
	nng_msg_free(msg);
	nng_close(sock);
	return rv;
fail:
	nng_close(sock);
	return -1;
}

/* ---- events ---- */

/* The name of class i's socket beside name; -1 if too long. */
static int
ipc_class_name(const char *name, size_t i, char *out, size_t len)
{
	int	n = snprintf(out, len, "%s.%s", name, ipc_classes[i].suffix);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A PUB socket listening on "<name>" under run_dir; -1 (logged). */
static int
ipc_pub_listen(struct ipc *hub, const char *name, nng_socket *sock)
{
	char	url[IPC_URL_MAX];
	int	rv;

	if (ipc_url(hub->run_dir, name, url, sizeof(url)) == -1) {
		log_error("ipc: socket path %s/%s is too long", hub->run_dir,
		    name);
		return -1;
	}
	/* deep queues: PUB drops for a subscriber that falls this far behind */
	if ((rv = nng_pub0_open(sock)) != 0 ||
	    (rv = nng_socket_set_int(*sock, NNG_OPT_SENDBUF,
	    IPC_EVENT_QUEUE)) != 0 ||
	    (rv = nng_listen(*sock, url, NULL, 0)) != 0) {
		log_error("ipc: cannot publish on %s: %s", url,
		    nng_strerror(rv));
		nng_close(*sock);
		return -1;
	}
	return 0;
}

struct ipc_pub *
ipc_pub_open(struct ipc *hub, const char *name)
{
	struct ipc_pub	*p = xcalloc(1, sizeof(*p));
	char		 cname[IPC_NAME_MAX];
	size_t		 i, k;

	p->hub = hub;
	if (ipc_pub_listen(hub, name, &p->sock) == -1) {
		free(p);
		return NULL;
	}
	for (i = 0; i < IPC_NCLASSES; i++)
		if (ipc_class_name(name, i, cname, sizeof(cname)) == -1 ||
		    ipc_pub_listen(hub, cname, &p->cls[i]) == -1) {
			for (k = 0; k < i; k++)
				nng_close(p->cls[k]);
			nng_close(p->sock);
			free(p);
			return NULL;
		}
	LIST_INSERT_HEAD(&hub->pubs, p, entry);
	return p;
}

/* The socket that carries kind: its class's, or the main one. */
static nng_socket
ipc_pub_sock(const struct ipc_pub *p, Tp__Envelope__BodyCase kind)
{
	for (size_t i = 0; i < IPC_NCLASSES; i++)
		if (ipc_classes[i].kind == kind)
			return p->cls[i];
	return p->sock;
}

int
ipc_publish(struct ipc_pub *p, const ipc_env *ev)
{
	ipc_env	 copy = *ev;
	nng_msg	*msg;
	char	 err[160];
	int	 rv;

	copy.sender = p->hub->self;
	if (ipc_encode(&copy, 1, &msg, err, sizeof(err)) == -1) {
		log_error("ipc: publish: %s", err);
		return -1;
	}
	/* PUB never blocks: a slow subscriber loses messages in nng. */
	if ((rv = nng_sendmsg(ipc_pub_sock(p, ev->body_case), msg,
	    NNG_FLAG_NONBLOCK)) != 0) {
		nng_msg_free(msg);
		log_warn("ipc: publish: %s", nng_strerror(rv));
		return -1;
	}
	p->hub->cnt.events_out++;
	return 0;
}

static void
ipc_sub_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ipc_sub	*sb = arg;
	nng_msg		*msg;
	ipc_env		*env;
	char		 err[160];
	int		 rv;

	(void)fd;
	(void)what;
	while ((rv = nng_recvmsg(sb->sock, &msg, NNG_FLAG_NONBLOCK)) == 0) {
		if (nng_msg_len(msg) < IPC_TAG_LEN ||
		    ipc_decode((uint8_t *)nng_msg_body(msg) + IPC_TAG_LEN,
		    nng_msg_len(msg) - IPC_TAG_LEN, &env, err,
		    sizeof(err)) == -1) {
			if (nng_msg_len(msg) < IPC_TAG_LEN)
				snprintf(err, sizeof(err), "short event");
			nng_msg_free(msg);
			sb->hub->cnt.decode_errors++;
			log_warn("ipc: dropped event: %s", err);
			continue;
		}
		nng_msg_free(msg);
		sb->hub->cnt.events_in++;
		sb->cb(sb->arg, env);
		ipc_env_free(env);
	}
	if (rv != NNG_EAGAIN && rv != NNG_ECLOSED)
		log_warn("ipc: event receive: %s", nng_strerror(rv));
}

struct ipc_sub *
ipc_sub_open(struct ipc *hub, const char *name, ipc_event_cb *cb, void *arg)
{
	struct ipc_sub	*sb = xcalloc(1, sizeof(*sb));
	int		 rv, fd;

	sb->hub = hub;
	sb->cb = cb;
	sb->arg = arg;
	if ((rv = nng_sub0_open(&sb->sock)) != 0) {
		log_error("ipc: nng_sub0_open: %s", nng_strerror(rv));
		free(sb);
		return NULL;
	}
	nng_socket_set_int(sb->sock, NNG_OPT_RECVBUF, IPC_EVENT_QUEUE);
	if (ipc_dial(sb->sock, hub->run_dir, name) == -1 ||
	    (rv = nng_socket_get_int(sb->sock, NNG_OPT_RECVFD, &fd)) != 0) {
		nng_close(sb->sock);
		free(sb);
		return NULL;
	}
	snprintf(sb->name, sizeof(sb->name), "%s", name);
	sb->ev = event_new(hub->base, fd, EV_READ | EV_PERSIST,
	    ipc_sub_readable, sb);
	if (sb->ev == NULL || event_add(sb->ev, NULL) == -1)
		fatal("ipc: cannot watch %s", name);
	LIST_INSERT_HEAD(&hub->subs, sb, entry);
	return sb;
}

void
ipc_sub_close(struct ipc_sub *sb)
{
	if (sb == NULL)
		return;
	LIST_REMOVE(sb, entry);
	event_free(sb->ev);
	nng_close(sb->sock);
	free(sb);
}

int
ipc_subscribe(struct ipc_sub *sb, Tp__Envelope__BodyCase kind)
{
	char	cname[IPC_NAME_MAX];
	uint8_t	tag[IPC_TAG_LEN];
	int	rv;

	ipc_tag(kind, tag);
	if ((rv = nng_socket_set(sb->sock, NNG_OPT_SUB_SUBSCRIBE, tag,
	    sizeof(tag))) != 0) {
		log_error("ipc: subscribe: %s", nng_strerror(rv));
		return -1;
	}
	/* a frequent kind comes on its class's socket: dial that too */
	for (size_t i = 0; i < IPC_NCLASSES; i++) {
		if (ipc_classes[i].kind != kind || sb->dialed[i])
			continue;
		if (ipc_class_name(sb->name, i, cname, sizeof(cname)) == -1 ||
		    ipc_dial(sb->sock, sb->hub->run_dir, cname) == -1)
			return -1;
		sb->dialed[i] = 1;
	}
	return 0;
}
