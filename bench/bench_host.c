/*
 * The benchmarks' in-process gossip host (bench_host.h): our own libp2p
 * host and gossipsub router, wired the way the gossip worker's glue wires
 * them (pubsub streams attached once a connection is identified).
 */
#include <string.h>

#include <event2/event.h>

#include "bench_host.h"
#include "config.h"
#include "ipc.h"
#include "log.h"
#include "proc.h"
#include "util.h"

static void
host_identified(void *arg, struct p2p_conn *c)
{
	ps_meshsub_attach(&((struct bench_host *)arg)->ms, c);
}

static void
host_closed(void *arg, struct p2p_conn *c)
{
	ps_meshsub_detach(&((struct bench_host *)arg)->ms, c);
}

struct bench_host *
bench_host_new(struct event_base *base, const char *dir, int port,
    const char *topic)
{
	struct bench_host	*g = xcalloc(1, sizeof(*g));
	struct proc		*p = xcalloc(1, sizeof(*p));
	char			 conf[512], err[256];

	snprintf(conf, sizeof(conf), "data_dir = %s\np2p_port = %d\n"
	    "p2p_listen_addresses = 127.0.0.1\n", dir, port);
	if ((p->cfg = config_load_text(conf, strlen(conf), "bench", 0, err,
	    sizeof(err))) == NULL)
		fatal("%s", err);
	p->base = base;
	p->role = "gossip";
	util_mkdirs(dir, 0700);
	p->ipc = ipc_new(base, dir, "bench");
	g->h.p = p;
	g->h.cbs.arg = g;
	g->h.cbs.identified = host_identified;
	g->h.cbs.closed = host_closed;
	if (p2p_host_start(&g->h) == -1 ||
	    ps_meshsub_start(&g->ms, &g->h, NULL, NULL) == -1)
		fatal("cannot start our host");
	ps_join(g->ms.ps, topic);
	return g;
}

void
bench_spin(struct event_base *base, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}
