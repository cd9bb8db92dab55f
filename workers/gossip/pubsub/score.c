/*
 * Gossip worker, pubsub router: v1.1 peer scoring, the penalty-only part
 * Teranode configures.  P4 counts invalid messages (bad or missing
 * signatures, malformed messages) per topic, squared; P6 the peers beyond
 * ip_colocation_threshold sharing a peer's IP, squared; P7 behaviour
 * penalties (GRAFT during backoff, broken IHAVE promises) beyond
 * behaviour_threshold, squared.  Counters decay every decay_interval_ms.
 * A disconnected peer's P4 and P7 are kept retain_score_ms so that
 * reconnecting does not wash a graylisted score.  The score is cached in the
 * peer and recomputed whenever one of its inputs changes.
 */
#include <string.h>

#include "pubsub/internal.h"

void
ps_score_update(struct ps_router *ps,
    struct ps_peer *p)
{
	const struct ps_params	*pp = &ps->p;
	double					 s = 0, p4 = p->p4_residue, ex;
	size_t					 t;

	for (t = 0; t < pp->max_topics; t++)
		p4 += p->pt[t].p4 * p->pt[t].p4;
	s += pp->invalid_weight * p4;
	s += pp->ip_colocation_weight * p->colo_surplus * p->colo_surplus;
	ex = p->p7 - pp->behaviour_threshold;
	if (ex > 0)
		s += pp->behaviour_weight * ex * ex;
	p->score = s;
}

void
ps_score_refresh(struct ps_router *ps)
{
	struct ps_peer	*p, *q;
	size_t				 i, j, same;

	for (i = 0; i < ps->p.max_peers; i++) {
		p = &ps->peers[i];
		if (!p->used)
			continue;
		same = 0;
		for (j = 0; j < ps->p.max_peers && p->ip[0] != '\0'; j++) {
			q = &ps->peers[j];
			if (q->used && strcmp(q->ip, p->ip) == 0)
				same++;
		}
		p->colo_surplus = same > ps->p.ip_colocation_threshold ?
		    (double)(same - ps->p.ip_colocation_threshold) : 0;
		ps_score_update(ps, p);
	}
}

void
ps_score_invalid(struct ps_router *ps,
    struct ps_peer *p, uint32_t t)
{
	if (t != PS_NONE)
		p->pt[t].p4 += 1;
	else
		p->p4_residue += 1;	/* topic unknown: still counts */
	ps_score_update(ps, p);
}

void
ps_score_behaviour(struct ps_router *ps,
    struct ps_peer *p, double n)
{
	p->p7 += n;
	ps_score_update(ps, p);
}

static double
decayed(double v, double factor, double to_zero)
{
	v *= factor;
	return v < to_zero ? 0 : v;
}

static void
score_decay_once(struct ps_router *ps)
{
	const struct ps_params	*pp = &ps->p;
	double					 d4sq = pp->invalid_decay *
						    pp->invalid_decay;
	struct ps_peer		*p;
	struct ps_retained		*r;
	size_t					 i, t;

	for (i = 0; i < pp->max_peers; i++) {
		p = &ps->peers[i];
		if (!p->used)
			continue;
		for (t = 0; t < pp->max_topics; t++)
			p->pt[t].p4 = decayed(p->pt[t].p4, pp->invalid_decay,
			    pp->decay_to_zero);
		p->p4_residue = decayed(p->p4_residue, d4sq, pp->decay_to_zero);
		p->p7 = decayed(p->p7, pp->behaviour_decay, pp->decay_to_zero);
	}
	for (i = 0; i < ps->nretained; i++) {
		r = &ps->retained[i];
		r->p4_residue = decayed(r->p4_residue, d4sq, pp->decay_to_zero);
		r->p7 = decayed(r->p7, pp->behaviour_decay, pp->decay_to_zero);
	}
}

void
ps_score_decay(struct ps_router *ps)
{
	uint64_t	now = ps_now(ps);
	size_t		i, n = 0;

	if (ps->last_decay == 0)
		ps->last_decay = now;
	while (now - ps->last_decay >= ps->p.decay_interval_ms && n++ < 1000) {
		score_decay_once(ps);
		ps->last_decay += ps->p.decay_interval_ms;
	}
	if (n >= 1000)
		ps->last_decay = now;	/* clock jumped: don't loop on */
	for (i = 0; i < ps->nretained; ) {
		if (ps->retained[i].expires <= now ||
		    (ps->retained[i].p7 == 0 && ps->retained[i].p4_residue == 0))
			ps->retained[i] = ps->retained[--ps->nretained];
		else
			i++;
	}
	ps_score_refresh(ps);
}

void
ps_score_retain(struct ps_router *ps,
    const struct ps_peer *p)
{
	struct ps_retained	*r;
	double				 p4 = p->p4_residue;
	size_t				 t, i, victim = 0;

	for (t = 0; t < ps->p.max_topics; t++)
		p4 += p->pt[t].p4 * p->pt[t].p4;
	if (p4 == 0 && p->p7 == 0)
		return;
	if (ps->nretained < ps->p.retain_max)
		r = &ps->retained[ps->nretained++];
	else {
		/* full: replace the one that expires first */
		for (i = 1; i < ps->nretained; i++)
			if (ps->retained[i].expires <
			    ps->retained[victim].expires)
				victim = i;
		if (ps->nretained == 0)
			return;
		r = &ps->retained[victim];
	}
	r->bid = p->bid;
	r->p7 = p->p7;
	r->p4_residue = p4;
	r->expires = ps_now(ps) + ps->p.retain_score_ms;
}

void
ps_score_restore(struct ps_router *ps,
    struct ps_peer *p)
{
	size_t	i;

	for (i = 0; i < ps->nretained; i++) {
		if (!p2p_identity_peer_id_equal(&ps->retained[i].bid,
		    &p->bid))
			continue;
		p->p7 = ps->retained[i].p7;
		p->p4_residue = ps->retained[i].p4_residue;
		ps->retained[i] = ps->retained[--ps->nretained];
		break;
	}
}
