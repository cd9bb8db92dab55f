/*
 * An in-process gossip host for the benchmarks: a libp2p host with a
 * gossipsub router, joined to one topic, that dials a real daemon and
 * publishes to it.  Shared by ingest_bench, api_bench and kafka_bench.
 */
#ifndef BENCH_HOST_H
#define BENCH_HOST_H

#include "libp2p/libp2p.h"
#include "pubsub/internal.h"

struct event_base;

struct bench_host {
	struct p2p_host		h;
	struct ps_meshsub	ms;
};

/* Listen on 127.0.0.1:port with state under dir, joined to topic; fatal on error. */
struct bench_host	*bench_host_new(struct event_base *, const char *dir,
			    int port, const char *topic);
/* Run the loop for ms milliseconds. */
void			 bench_spin(struct event_base *, int ms);

#endif
