/*
 * The completion-queue thread of a process that speaks gRPC (see
 * grpc_loop.h).  The thread blocks in grpc_completion_queue_next() and
 * appends each event to a vector under a mutex, poking an eventfd when the
 * vector was empty; the libevent callback swaps the vector out and runs the
 * tags in order.  gRPC core's own functions are thread-safe, so the loop
 * thread starts operations directly.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <grpc/grpc.h>
#include <grpc/support/log.h>

#include "grpc_loop.h"
#include "log.h"
#include "util.h"

struct grpc_loop_ev {
	struct grpc_loop_tag	*tag;
	int			 ok;
};

struct grpc_loop {
	grpc_completion_queue	*cq;		/* owned */
	pthread_t		 thread;
	int			 efd;		/* eventfd: events waiting */
	struct event		*efd_ev;	/* owned */
	pthread_mutex_t		 mtx;		/* guards q, n, cap */
	struct grpc_loop_ev	*q;		/* owned */
	size_t			 n, cap;
	uint64_t		 completions;	/* loop thread only */
};

/* cq thread: queue one event; the eventfd is written when q was empty. */
static void
grpc_loop_push(struct grpc_loop *l, struct grpc_loop_tag *tag, int ok)
{
	uint64_t	one = 1;
	int		wake;

	pthread_mutex_lock(&l->mtx);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->q = xrealloc(l->q, l->cap * sizeof(*l->q));
	}
	l->q[l->n].tag = tag;
	l->q[l->n].ok = ok;
	wake = l->n++ == 0;
	pthread_mutex_unlock(&l->mtx);
	if (wake && write(l->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("grpc: eventfd write: %s", strerror(errno));
}

static void *
grpc_loop_thread(void *arg)
{
	struct grpc_loop	*l = arg;
	grpc_event		 ev;

	for (;;) {
		ev = grpc_completion_queue_next(l->cq,
		    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type == GRPC_OP_COMPLETE)
			grpc_loop_push(l, ev.tag, ev.success);
	}
	return NULL;
}

/* Run everything queued; events queued meanwhile wait for the next round. */
static void
grpc_loop_drain(struct grpc_loop *l)
{
	struct grpc_loop_ev	*q;
	size_t			 n, cap;

	pthread_mutex_lock(&l->mtx);
	q = l->q;
	n = l->n;
	cap = l->cap;
	l->q = NULL;
	l->n = l->cap = 0;
	pthread_mutex_unlock(&l->mtx);
	for (size_t i = 0; i < n; i++) {
		l->completions++;
		q[i].tag->fn(q[i].tag, q[i].ok);
	}
	/* keep the larger vector so a busy loop does not reallocate */
	pthread_mutex_lock(&l->mtx);
	if (l->q == NULL && cap > 0) {
		l->q = q;
		l->cap = cap;
		q = NULL;
	}
	pthread_mutex_unlock(&l->mtx);
	free(q);
}

static void
grpc_loop_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("grpc: eventfd read: %s", strerror(errno));
	grpc_loop_drain(arg);
}

/*
 * gRPC core's own messages into our log, at debug level: most are about
 * what a remote client sent (bad headers, broken frames), which must not
 * flood the log; what matters to an operator we log ourselves.
 */
static void
grpc_loop_log(gpr_log_func_args *a)
{
	log_debug("grpc core: %s (%s:%d)", a->message, a->file, a->line);
}

struct grpc_loop *
grpc_loop_new(struct event_base *base)
{
	struct grpc_loop	*l = xcalloc(1, sizeof(*l));

	gpr_set_log_function(grpc_loop_log);
	grpc_init();
	pthread_mutex_init(&l->mtx, NULL);
	if ((l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_error("grpc: eventfd: %s", strerror(errno));
		goto fail;
	}
	l->efd_ev = event_new(base, l->efd, EV_READ | EV_PERSIST,
	    grpc_loop_ready_cb, l);
	if (l->efd_ev == NULL || event_add(l->efd_ev, NULL) == -1) {
		log_error("grpc: cannot watch the eventfd");
		goto fail;
	}
	l->cq = grpc_completion_queue_create_for_next(NULL);
	if (pthread_create(&l->thread, NULL, grpc_loop_thread, l) != 0) {
		log_error("grpc: cannot start the completion queue thread");
		grpc_completion_queue_shutdown(l->cq);
		grpc_completion_queue_destroy(l->cq);
		l->cq = NULL;
		goto fail;
	}
	return l;
fail:
	if (l->efd_ev != NULL)
		event_free(l->efd_ev);
	if (l->efd >= 0)
		close(l->efd);
	pthread_mutex_destroy(&l->mtx);
	free(l);
	grpc_shutdown();
	return NULL;
}

grpc_completion_queue *
grpc_loop_cq(struct grpc_loop *l)
{
	return l->cq;
}

void
grpc_loop_poll(struct grpc_loop *l, int timeout_ms)
{
	struct pollfd	pfd = { .fd = l->efd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) > 0)
		grpc_loop_ready_cb(l->efd, EV_READ, l);
}

uint64_t
grpc_loop_completions(const struct grpc_loop *l)
{
	return l->completions;
}

void
grpc_loop_free(struct grpc_loop *l)
{
	if (l == NULL)
		return;
	grpc_completion_queue_shutdown(l->cq);
	pthread_join(l->thread, NULL);
	grpc_loop_drain(l);
	grpc_completion_queue_destroy(l->cq);
	event_free(l->efd_ev);
	close(l->efd);
	pthread_mutex_destroy(&l->mtx);
	free(l->q);
	free(l);
	grpc_shutdown();
}
