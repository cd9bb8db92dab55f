/*
 * gRPC completions in a libevent loop.  gRPC's core C API reports finished
 * operations on a completion queue that must be polled by a thread; this
 * module owns that queue and one thread that only polls it and hands each
 * completion (tag, ok) to the loop through an eventfd.  The tag's callback
 * then runs on the loop thread, so no gRPC thread touches worker state.
 * Used by any worker that calls or serves gRPC (the Kafka bridge's clients
 * of Teranode's blockchain and block-assembly services).
 */
#ifndef TP_GRPC_LOOP_H
#define TP_GRPC_LOOP_H

#include <grpc/grpc.h>

struct event_base;
struct grpc_loop;

/* What a batch is started with as its tag; cb runs on the loop thread. */
struct grpc_loop_tag {
	void	(*cb)(void *arg, int ok);
	void	*arg;
};

/* grpc_init(), a completion queue and its thread; fatal on failure. */
struct grpc_loop	*grpc_loop_new(struct event_base *);
/* The queue to create calls on (borrowed). */
grpc_completion_queue	*grpc_loop_cq(struct grpc_loop *);
/*
 * Shut the queue down and join the thread; completions still pending are
 * delivered (ok = 0 for cancelled ones) before it returns, so every tag's
 * owner can free what it holds.  Cancel or finish the calls first.
 */
void	grpc_loop_free(struct grpc_loop *);
/* A deadline ms from now on the monotonic clock; 0: infinite. */
gpr_timespec	grpc_loop_deadline(uint64_t ms);

#endif
