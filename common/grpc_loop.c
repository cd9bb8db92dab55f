/*
 * gRPC completions in a libevent loop (see grpc_loop.h).  The poller
 * thread blocks in grpc_completion_queue_next() and appends each event to
 * a list under a mutex, then writes the eventfd; the loop's read callback
 * swaps the list out and runs the callbacks in order.  The thread holds no
 * other state and never calls a tag's callback itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "grpc_loop.h"
#include "log.h"
#include "util.h"

struct grpc_loop_done {
	struct grpc_loop_tag	*tag;	/* borrowed */
	int			 ok;
};

struct grpc_loop {
	grpc_completion_queue	*cq;		/* owned */
	pthread_t		 thread;
	int			 efd;		/* eventfd, owned */
	struct event		*ev;		/* owned */
	pthread_mutex_t		 mu;
	struct grpc_loop_done	*done;		/* under mu, owned */
	size_t			 n, cap;	/* under mu */
	int			 ended;		/* under mu: queue shut down */
};

static void
grpc_loop_push(struct grpc_loop *l, struct grpc_loop_tag *tag, int ok)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&l->mu);
	if (tag != NULL) {
		if (l->n == l->cap) {
			l->cap = l->cap * 2 + 16;
			l->done = xrealloc(l->done, l->cap * sizeof(*l->done));
		}
		l->done[l->n].tag = tag;
		l->done[l->n++].ok = ok;
	} else
		l->ended = 1;
	pthread_mutex_unlock(&l->mu);
	while (write(l->efd, &one, sizeof(one)) == -1 && errno == EINTR)
		;
}

static void *
grpc_loop_thread(void *arg)
{
	struct grpc_loop	*l = arg;
	grpc_event		 e;

	for (;;) {
		e = grpc_completion_queue_next(l->cq,
		    gpr_inf_future(GPR_CLOCK_MONOTONIC), NULL);
		if (e.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (e.type == GRPC_OP_COMPLETE)
			grpc_loop_push(l, e.tag, e.success);
	}
	grpc_loop_push(l, NULL, 0);
	return NULL;
}

/* Run what the thread handed over; 1 once the queue has shut down. */
static int
grpc_loop_drain(struct grpc_loop *l)
{
	struct grpc_loop_done	*d;
	size_t			 n, i;
	uint64_t		 v;
	int			 ended;

	while (read(l->efd, &v, sizeof(v)) == -1 && errno == EINTR)
		;
	pthread_mutex_lock(&l->mu);
	d = l->done;
	n = l->n;
	ended = l->ended;
	l->done = NULL;
	l->n = l->cap = 0;
	pthread_mutex_unlock(&l->mu);
	for (i = 0; i < n; i++)
		d[i].tag->cb(d[i].tag->arg, d[i].ok);
	free(d);
	return ended;
}

static void
grpc_loop_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	grpc_loop_drain(arg);
}

struct grpc_loop *
grpc_loop_new(struct event_base *base)
{
	struct grpc_loop	*l = xcalloc(1, sizeof(*l));

	grpc_init();
	if ((l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		fatal("eventfd: %s", strerror(errno));
	pthread_mutex_init(&l->mu, NULL);
	l->cq = grpc_completion_queue_create_for_next(NULL);
	l->ev = event_new(base, l->efd, EV_READ | EV_PERSIST,
	    grpc_loop_readable, l);
	event_add(l->ev, NULL);
	if (pthread_create(&l->thread, NULL, grpc_loop_thread, l) != 0)
		fatal("cannot start the gRPC completion thread");
	return l;
}

grpc_completion_queue *
grpc_loop_cq(struct grpc_loop *l)
{
	return l->cq;
}

void
grpc_loop_free(struct grpc_loop *l)
{
	if (l == NULL)
		return;
	grpc_completion_queue_shutdown(l->cq);
	pthread_join(l->thread, NULL);
	while (!grpc_loop_drain(l))
		;
	grpc_completion_queue_destroy(l->cq);
	event_free(l->ev);
	close(l->efd);
	pthread_mutex_destroy(&l->mu);
	free(l);
	grpc_shutdown();
}

gpr_timespec
grpc_loop_deadline(uint64_t ms)
{
	if (ms == 0)
		return gpr_inf_future(GPR_CLOCK_MONOTONIC);
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis((int64_t)ms, GPR_TIMESPAN));
}
