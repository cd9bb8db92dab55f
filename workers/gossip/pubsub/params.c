/*
 * Gossip worker, pubsub router: the protocol IDs and the router's
 * parameters, go-libp2p-pubsub's defaults and the consistency check every
 * new router runs on what it is given.  Pure.
 */
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

const char *
ps_proto_id(enum ps_proto proto)
{
	switch (proto) {
	case PS_MESHSUB11:
		return "/meshsub/1.1.0";
	case PS_MESHSUB10:
		return "/meshsub/1.0.0";
	case PS_FLOODSUB:
		return "/floodsub/1.0.0";
	}
	return "?";
}

void
ps_params_default(struct ps_params *p)
{
	memset(p, 0, sizeof(*p));
	p->d = 6;
	p->d_lo = 5;
	p->d_hi = 12;
	p->d_score = 4;
	p->d_out = 2;
	p->d_lazy = 6;
	p->gossip_factor = 0.25;
	p->heartbeat_ms = 1000;
	p->fanout_ttl_ms = 60000;
	p->prune_backoff_ms = 60000;
	p->unsubscribe_backoff_ms = 10000;
	p->graft_flood_ms = 10000;
	p->iwant_followup_ms = 3000;
	p->seen_ttl_ms = 120000;
	p->history_length = 5;
	p->history_gossip = 3;
	p->max_rpc_size = 1 << 20;
	p->max_peers = 256;
	p->max_topics = 64;
	p->seen_max = 1 << 17;
	p->mcache_max = 1 << 14;
	p->max_ihave_length = 5000;
	p->max_ihave_messages = 10;
	p->max_iwant_per_hb = 500;
	p->prune_peers_max = 16;
	p->do_px = 1;			/* go-p2p-message-bus: WithPeerExchange */
	p->accept_px_threshold = 0;	/* the bus's default thresholds */
	p->max_promises = 256;
	p->gossip_threshold = -2000;
	p->publish_threshold = -4000;
	p->graylist_threshold = -8000;
	p->invalid_weight = -100;
	p->invalid_decay = 0.9;
	p->ip_colocation_weight = -35;
	p->ip_colocation_threshold = 10;
	p->behaviour_weight = -16;
	p->behaviour_threshold = 6;
	p->behaviour_decay = 0.928;
	p->decay_interval_ms = 12000;
	p->decay_to_zero = 0.01;
	p->retain_score_ms = 6 * 3600 * 1000;
	p->retain_max = 1024;
}

int
ps_params_check(const struct ps_params *p)
{
	if (p->d < 0 || p->d_lo < 0 || p->d_lo > p->d || p->d_hi < p->d ||
	    p->d_score < 0 || p->d_score > p->d || p->d_out < 0 ||
	    (p->d_out > 0 && (p->d_out >= p->d_lo || p->d_out > p->d / 2)) ||
	    p->d_lazy < 0 || p->gossip_factor < 0 || p->gossip_factor > 1)
		return -1;
	if (p->heartbeat_ms == 0 || p->history_length < 1 ||
	    p->history_gossip < 0 || p->history_gossip > p->history_length ||
	    p->max_rpc_size < 1024 || p->max_peers == 0 ||
	    p->max_peers > 65536 || p->max_topics == 0 ||
	    p->max_topics > 4096 || p->seen_max == 0 || p->mcache_max == 0 ||
	    p->decay_interval_ms == 0 || p->prune_peers_max > PS_PX_MAX ||
	    p->accept_px_threshold < 0)
		return -1;
	if (p->gossip_threshold > 0 || p->publish_threshold >
	    p->gossip_threshold || p->graylist_threshold >=
	    p->publish_threshold || p->invalid_weight > 0 ||
	    p->ip_colocation_weight > 0 || p->behaviour_weight > 0 ||
	    p->invalid_decay < 0 || p->invalid_decay > 1 ||
	    p->behaviour_decay < 0 || p->behaviour_decay > 1)
		return -1;
	return 0;
}
