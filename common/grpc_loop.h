/*
 * gRPC core's completion queue joined to a libevent loop.  gRPC core
 * reports finished operations on a completion queue that someone must poll
 * with grpc_completion_queue_next(), which blocks.  A grpc_loop owns one such
 * queue and one thread that polls it; the thread only appends (tag, ok) to a
 * list and pokes an eventfd, and the loop thread runs each tag's callback.
 * So every callback, and all state it touches, stays on the loop thread, as
 * with nng's completions in ipc.c.  Used by the gRPC server (API worker) and
 * the gRPC clients (Kafka bridge).
 */
#ifndef TP_GRPC_LOOP_H
#define TP_GRPC_LOOP_H

#include <grpc/grpc.h>

struct event_base;

/*
 * Pass a pointer to one of these (usually the first member of a bigger
 * struct) as the tag of every batch, call request or notification started
 * on the queue.  fn runs on the loop thread with ok = gRPC's success bit.
 */
struct grpc_loop_tag {
	void	(*fn)(struct grpc_loop_tag *tag, int ok);
};

struct grpc_loop;

/* grpc_init(), a completion queue and its polling thread; NULL on failure. */
struct grpc_loop	*grpc_loop_new(struct event_base *base);
/* The queue to start operations on (borrowed). */
grpc_completion_queue	*grpc_loop_cq(struct grpc_loop *);
/*
 * Shut the queue down, wait for the thread, run the completions still
 * queued on the calling thread (the loop must no longer be running), then
 * grpc_shutdown().  Servers and channels must be shut down first, so that
 * every started operation completes.
 */
void			 grpc_loop_free(struct grpc_loop *);
/*
 * Wait up to timeout_ms for completions and run them on the calling thread.
 * Only while the loop is not running (a stop that must see its shutdown
 * notification before freeing the server).
 */
void			 grpc_loop_poll(struct grpc_loop *, int timeout_ms);
/* Completions handed to the loop so far. */
uint64_t		 grpc_loop_completions(const struct grpc_loop *);

#endif
