/*
 * The Kafka bridge worker (terap2pd -R kafka): Teranode's Kafka topics in
 * and out of terap2p.  It listens to the gossip worker's events on
 * gossip.pub (BlockSeen, SubtreeSeen), remembers who announced each hash
 * (the attribution maps) and produces KafkaBlockTopicMessage /
 * KafkaSubtreeTopicMessage to `blocks` / `subtrees`; it serves kafka.rep
 * (ProduceSyncTrigger from the sync coordinator, KafkaStatus); its consumer
 * (kafka_bridge_consumer.c) calls gossip.rep and bans.rep.  It is also the
 * bridge to Teranode's gRPC services (kafka_bridge_chain.c): the local
 * node's blocks and subtrees go to gossip.rep Publish, its chain state, FSM
 * and catch-up failures to kafka.pub.  With KAFKA_HOSTS empty or
 * `embedded` it runs the broker too (kafka_bridge_mock.c).  This file is
 * the loop: start-up, the IPC dispatch, the gossip events, the map sweep,
 * Health and Stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "kafka_bridge.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

/* ---- gossip events -> Kafka ---- */

static void
kafka_on_seen(struct kafka_ctx *k, enum kafka_topic_id t, const char *hash,
    const char *url, const char *peer_id, const char *from)
{
	char		 canon[KAFKA_HASH_HEX + 1];
	const char	*who = peer_id[0] != '\0' ? peer_id : from;
	int		 status;

	if (kafka_codec_hash(hash, canon) == -1 || strlen(url) > KAFKA_URL_MAX ||
	    strlen(peer_id) > KAFKA_PEER_MAX) {
		k->pn.invalid++;
		log_warn("kafka: %s event with a bad hash/URL/peer ignored: "
		    "\"%.80s\"", k->conf.topics[t].name, hash);
		return;
	}
	if (who[0] != '\0')
		kafka_attrib_put(t == KAFKA_T_BLOCKS ? k->blocks : k->subtrees,
		    canon, who, util_mono_ms());
	kafka_producer_block(k, t, canon, url, peer_id, &status);
}

static void
kafka_on_event(void *arg, const ipc_env *ev)
{
	struct kafka_ctx	*k = arg;

	switch (ev->body_case) {
	case TP__ENVELOPE__BODY_BLOCK_SEEN:
		kafka_on_seen(k, KAFKA_T_BLOCKS, ev->block_seen->hash,
		    ev->block_seen->data_hub_url, ev->block_seen->peer_id,
		    ev->block_seen->from_peer_id);
		break;
	case TP__ENVELOPE__BODY_SUBTREE_SEEN:
		kafka_on_seen(k, KAFKA_T_SUBTREES, ev->subtree_seen->hash,
		    ev->subtree_seen->data_hub_url, ev->subtree_seen->peer_id,
		    ev->subtree_seen->from_peer_id);
		break;
	default:
		break;
	}
}

/* ---- kafka.rep ---- */

static void
kafka_on_sync_trigger(struct kafka_ctx *k, struct ipc_req *req,
    const ipc_env *m)
{
	const Tp__ProduceSyncTriggerReq	*q = m->produce_sync_trigger_req;
	ipc_env				 rep = TP__ENVELOPE__INIT;
	char				 canon[KAFKA_HASH_HEX + 1];
	int				 status;

	if (kafka_codec_hash(q->hash, canon) == -1 ||
	    strlen(q->url) > KAFKA_URL_MAX || strlen(q->peer_id) >
	    KAFKA_PEER_MAX) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID,
		    "sync trigger needs a hex hash of at most 64 digits, a URL "
		    "and a peer ID within limits");
		return;
	}
	if (kafka_producer_block(k, KAFKA_T_BLOCKS, canon, q->url, q->peer_id,
	    &status) == -1) {
		ipc_reply_error(req, status, "Kafka queue full (%zu messages)",
		    kafka_producer_queued(k));
		return;
	}
	log_info("kafka: sync trigger for %s from peer %s queued", canon,
	    q->peer_id);
	ipc_reply(req, &rep);
}

static void
kafka_on_status(struct kafka_ctx *k, struct ipc_req *req, const ipc_env *m)
{
	Tp__KafkaStatusRep	s = TP__KAFKA_STATUS_REP__INIT;
	ipc_env			rep = TP__ENVELOPE__INIT;
	char			detail[256];

	(void)m;
	s.connected = kafka_producer_brokers_up(k, detail, sizeof(detail));
	s.bootstrap = k->conf.bootstrap;
	s.queue_depth = kafka_producer_queued(k);
	s.produced = k->pn.delivered;
	s.delivery_failures = k->pn.failed;
	s.dropped = k->pn.dropped;
	s.consumed = k->cn.consumed;
	rep.body_case = TP__ENVELOPE__BODY_KAFKA_STATUS_REP;
	rep.kafka_status_rep = &s;
	ipc_reply(req, &rep);
}

static void
kafka_dispatch(void *arg, struct ipc_req *req, const ipc_env *m)
{
	struct kafka_ctx	*k = arg;

	switch (m->body_case) {
	case TP__ENVELOPE__BODY_PRODUCE_SYNC_TRIGGER_REQ:
		kafka_on_sync_trigger(k, req, m);
		break;
	case TP__ENVELOPE__BODY_KAFKA_STATUS_REQ:
		kafka_on_status(k, req, m);
		break;
	default:
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED,
		    "kafka does not handle %s", ipc_body_name(m->body_case));
	}
}

/* ---- hooks and timers ---- */

static int
kafka_health(void *arg, Tp__HealthRep *rep)
{
	struct kafka_ctx	*k = arg;
	char			 detail[256];
	int			 up;

	up = kafka_producer_brokers_up(k, detail, sizeof(detail));
	proc_health_dep(rep, "kafka", up, detail);
	if (k->chain != NULL)
		up &= kafka_chain_health(k->chain, rep);
	return up;
}

static void
kafka_stats(void *arg, struct proc_stats *st)
{
	struct kafka_ctx			*k = arg;
	const struct kafka_attrib_stats	*b = kafka_attrib_stats(k->blocks);
	const struct kafka_attrib_stats	*s = kafka_attrib_stats(k->subtrees);

	proc_stat_add(st, "kafka_enqueued", (int64_t)k->pn.enqueued);
	proc_stat_add(st, "kafka_delivered", (int64_t)k->pn.delivered);
	proc_stat_add(st, "kafka_delivery_failures", (int64_t)k->pn.failed);
	proc_stat_add(st, "kafka_dropped", (int64_t)k->pn.dropped);
	proc_stat_add(st, "kafka_invalid_events", (int64_t)k->pn.invalid);
	proc_stat_add(st, "kafka_queue_depth", (int64_t)kafka_producer_queued(k));
	proc_stat_add(st, "kafka_consumed", (int64_t)k->cn.consumed);
	proc_stat_add(st, "kafka_inflight", (int64_t)kafka_consumer_inflight(k));
	proc_stat_add(st, "kafka_malformed", (int64_t)k->cn.malformed);
	proc_stat_add(st, "kafka_published", (int64_t)k->cn.published);
	proc_stat_add(st, "kafka_publish_batches",
	    (int64_t)k->cn.publish_batches);
	proc_stat_add(st, "kafka_ban_reports", (int64_t)k->cn.ban_reports);
	proc_stat_add(st, "kafka_unattributed", (int64_t)k->cn.unattributed);
	proc_stat_add(st, "kafka_ignored", (int64_t)k->cn.ignored);
	proc_stat_add(st, "kafka_ipc_retries", (int64_t)k->cn.retries);
	proc_stat_add(st, "kafka_ignored_syncing", (int64_t)k->cn.syncing);
	if (k->chain != NULL)
		kafka_chain_stats(k->chain, st);
	proc_stat_add(st, "peer_map_blocks", (int64_t)kafka_attrib_count(k->blocks));
	proc_stat_add(st, "peer_map_subtrees",
	    (int64_t)kafka_attrib_count(k->subtrees));
	proc_stat_add(st, "peer_map_evicted", (int64_t)(b->evicted + s->evicted));
	proc_stat_add(st, "peer_map_expired", (int64_t)(b->expired + s->expired));
}

static void
kafka_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_ctx	*k = arg;
	uint64_t		 now = util_mono_ms();
	size_t			 n;

	(void)fd;
	(void)what;
	n = kafka_attrib_sweep(k->blocks, now) +
	    kafka_attrib_sweep(k->subtrees, now);
	if (n > 0)
		log_debug("kafka: %zu attribution(s) expired", n);
}

static void
kafka_stop(void *arg)
{
	struct kafka_ctx	*k = arg;

	if (k->sweep_ev != NULL)
		event_del(k->sweep_ev);
}

/* ---- start-up ---- */

static void
kafka_ipc_open(struct kafka_ctx *k)
{
	struct proc	*p = k->p;

	if (proc_serve(p) == -1)
		fatal_config("cannot serve kafka.rep under %s", p->run_dir);
	if ((k->pub = ipc_pub_open(p->ipc, "kafka.pub")) == NULL)
		fatal_config("cannot publish kafka.pub under %s", p->run_dir);
	k->gossip = ipc_client_open(p->ipc, "gossip.rep");
	k->bans = ipc_client_open(p->ipc, "bans.rep");
	k->gossip_sub = ipc_sub_open(p->ipc, "gossip.pub", kafka_on_event, k);
	if (k->gossip == NULL || k->bans == NULL || k->gossip_sub == NULL ||
	    ipc_subscribe(k->gossip_sub, TP__ENVELOPE__BODY_BLOCK_SEEN) == -1 ||
	    ipc_subscribe(k->gossip_sub, TP__ENVELOPE__BODY_SUBTREE_SEEN) == -1)
		fatal("cannot open the IPC sockets to gossip and bans");
}

static void
kafka_start(struct kafka_ctx *k)
{
	struct timeval	tv;
	char		err[512];

	if (kafka_conf_load(k, err, sizeof(err)) == -1)
		fatal_config("%s", err);
	if (k->conf.embedded &&
	    (k->mock = kafka_mock_start(&k->conf, err, sizeof(err))) == NULL)
		fatal("%s", err);
	k->blocks = kafka_attrib_new(k->conf.map_max, k->conf.map_ttl_ms);
	k->subtrees = kafka_attrib_new(k->conf.map_max, k->conf.map_ttl_ms);
	if (kafka_producer_start(k, err, sizeof(err)) == -1 ||
	    kafka_consumer_start(k, err, sizeof(err)) == -1)
		fatal_config("%s", err);
	tv.tv_sec = (time_t)(k->conf.map_sweep_ms / 1000);
	tv.tv_usec = (suseconds_t)(k->conf.map_sweep_ms % 1000) * 1000;
	k->sweep_ev = event_new(k->p->base, -1, EV_PERSIST, kafka_sweep, k);
	event_add(k->sweep_ev, &tv);
}

int
kafka_main(struct proc *p)
{
	struct kafka_ctx	*k = xcalloc(1, sizeof(*k));
	int			 code;

	k->p = p;
	p->hook_arg = k;
	p->health = kafka_health;
	p->stats = kafka_stats;
	p->stop = kafka_stop;
	p->dispatch = kafka_dispatch;
	kafka_start(k);
	kafka_ipc_open(k);
	k->chain = kafka_chain_start(k);
	proc_ready(p);
	code = proc_run(p);
	kafka_chain_stop(k->chain);
	kafka_consumer_stop(k);
	kafka_producer_stop(k, 1000);
	kafka_mock_stop(k->mock);
	event_free(k->sweep_ev);
	kafka_attrib_free(k->blocks);
	kafka_attrib_free(k->subtrees);
	if (k->fatal)
		code = TP_EXIT_RUNTIME;
	free(k);
	return code;
}
