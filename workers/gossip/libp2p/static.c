/*
 * Gossip worker: static peers (p2p_static_peers, and the bootstrap peers of
 * p2p_bootstrapAddresses, kept the same way).  Each is dialed at start
 * and redialed when its connection fails or goes away: after 1 s, doubling
 * to 5 min (p2p_optimise_retries: 250 ms doubling to 30 s), reset once a
 * connection opens.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "libp2p/internal.h"
#include "log.h"
#include "proc.h"
#include "util.h"

static void
static_dial(evutil_socket_t fd, short what, void *arg)
{
	struct p2p_static	*st = arg;
	char			 err[256];

	(void)fd;
	(void)what;
	if (st->connected || st->h->p->stopping)
		return;
	if (p2p_host_dial(st->h, st->addr, st, err, sizeof(err)) == -1) {
		log_warn("gossip: static peer %s: %s", st->addr, err);
		p2p_static_down(st);
	}
}

static uint32_t
static_backoff(struct p2p_static *st)
{
	int		fast = config_bool(st->h->p->cfg, "p2p_optimise_retries");
	uint32_t	first = fast ? 250 : 1000, cap = fast ? 30000 : 300000;
	uint32_t	delay = st->backoff_ms == 0 ? first : st->backoff_ms;

	st->backoff_ms = delay >= cap / 2 ? cap : delay * 2;
	return delay;
}

void
p2p_static_up(struct p2p_static *st)
{
	st->connected = 1;
	st->backoff_ms = 0;
}

void
p2p_static_down(struct p2p_static *st)
{
	struct timeval	tv;
	uint32_t	delay;

	st->connected = 0;
	if (st->h->p->stopping || evtimer_pending(st->timer, NULL))
		return;
	delay = static_backoff(st);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	evtimer_add(st->timer, &tv);
	log_debug("gossip: redialing static peer %s in %u ms", st->addr, delay);
}

void
p2p_static_start(struct p2p_host *h)
{
	static const char *const keys[] = { "p2p_static_peers",
	    "p2p_bootstrapAddresses" };
	const struct cfg_list	*l[2];
	struct p2p_multiaddr	 ma;
	struct timeval		 now = { 0, 0 };
	struct p2p_static	*st;
	size_t			 i, k;

	l[0] = config_list(h->p->cfg, keys[0]);
	l[1] = config_list(h->p->cfg, keys[1]);
	/* bootstrap peers are kept connected like static peers */
	h->statics = xcalloc(l[0]->n + l[1]->n + 1, sizeof(*h->statics));
	for (k = 0; k < 2; k++) {
		for (i = 0; i < l[k]->n; i++) {
			if (p2p_multiaddr_parse(l[k]->v[i],
			    strlen(l[k]->v[i]), &ma) != 0)
				fatal_config("%s: bad multiaddr '%s'", keys[k],
				    l[k]->v[i]);
			st = &h->statics[h->nstatics++];
			st->h = h;
			st->addr = xstrdup(l[k]->v[i]);
			st->timer = evtimer_new(h->p->base, static_dial, st);
			evtimer_add(st->timer, &now);
		}
	}
}

void
p2p_static_stop(struct p2p_host *h)
{
	size_t	i;

	for (i = 0; i < h->nstatics; i++) {
		event_free(h->statics[i].timer);
		free(h->statics[i].addr);
	}
	free(h->statics);
	h->statics = NULL;
	h->nstatics = 0;
}
