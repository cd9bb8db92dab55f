/*
 * Kafka bridge worker: the consumer.  One librdkafka consumer in group
 * p2p.<clientName> reads rejectedtx, invalid-blocks and invalid-subtrees,
 * and turns each message into IPC:
 *   rejectedtx (peer_id "")        -> gossip.rep Publish(rejected_tx)
 *   invalid-blocks                 -> attribution map -> bans.rep AddBanScore
 *   invalid-subtrees               -> map, else gossip.rep PeerByDataHub
 *                                     -> bans.rep AddBanScore
 * While the local node is syncing (its FSM is CATCHINGBLOCKS or
 * LEGACYSYNCING, kafka_bridge_chain.c) every message is ignored, as
 * Teranode's handlers do.
 *
 * At least once: a message's offset is stored (and then committed by the
 * auto-commit timer, and synchronously at stop) only after it is handled —
 * the IPC request answered, or the message found malformed or not ours
 * (Teranode's log-and-move-on).  A request that times out is retried until
 * the other worker answers, so a message is never skipped because gossip
 * or bans was restarting.  Up to KAFKA_WINDOW messages are in flight; they
 * finish in any order but offsets advance in arrival order, so a crash
 * never skips an unhandled message (it may repeat handled ones).  The
 * rejectedtx messages to publish that one turn of the event loop took are
 * sent in one PublishBatchReq (one round trip for a backlog, not one per
 * message); gossip answers each one, and holds the answer back while its
 * peers' queues are full, which slows our consumption down.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <librdkafka/rdkafka.h>

#include "config.h"
#include "kafka_bridge.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define KAFKA_IPC_TIMEOUT_MS	2000
#define KAFKA_RETRY_MS		500
#define KAFKA_CONS_POLL_MS	100

enum kafka_step { KAFKA_STEP_PUBLISH, KAFKA_STEP_LOOKUP, KAFKA_STEP_BAN };

struct kafka_slot {
	struct kafka_ctx	*k;		/* borrowed */
	rd_kafka_message_t	*msg;		/* owned until the offset is stored */
	enum kafka_topic_id	 topic;
	int			 done;
	enum kafka_step		 step;
	Tp__TopicKind		 kind;		/* KAFKA_STEP_PUBLISH */
	char			*json;		/* owned */
	const char		*ban_reason;	/* static */
	char			 hash[KAFKA_HASH_HEX + 1];
	char			 peer[KAFKA_PEER_MAX + 1];
	char			 url[KAFKA_URL_MAX + 1];
	unsigned		 attempts;
	struct event		*retry;		/* owned */
	struct kafka_slot	*batch_next;	/* next in its publish batch */
};

static void	kafka_consumer_send(struct kafka_slot *);
static void	kafka_consumer_pump(struct kafka_ctx *);

/* ---- finishing messages, in order ---- */

static void
kafka_consumer_store(struct kafka_ctx *k, rd_kafka_message_t *m)
{
	rd_kafka_topic_partition_list_t	*l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t		 e;

	rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt),
	    m->partition)->offset = m->offset + 1;
	if ((e = rd_kafka_offsets_store(k->cons, l)) != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_debug("kafka: store offset %s[%d]@%lld: %s",
		    rd_kafka_topic_name(m->rkt), (int)m->partition,
		    (long long)m->offset, rd_kafka_err2str(e));
	rd_kafka_topic_partition_list_destroy(l);
}

static void
kafka_consumer_release(struct kafka_slot *s)
{
	free(s->json);
	s->json = NULL;
	if (s->msg != NULL)
		rd_kafka_message_destroy(s->msg);
	s->msg = NULL;
	s->done = 0;
	s->attempts = 0;
}

/* Mark s handled; store the offsets of the handled prefix of the window. */
static void
kafka_consumer_done(struct kafka_slot *s)
{
	struct kafka_ctx	*k = s->k;
	struct kafka_slot	*h;

	s->done = 1;
	while (k->slot_n > 0 && (h = &k->slots[k->slot_head])->done) {
		kafka_consumer_store(k, h->msg);
		kafka_consumer_release(h);
		k->cn.consumed++;
		k->slot_head = (k->slot_head + 1) % KAFKA_WINDOW;
		k->slot_n--;
	}
}

/* ---- IPC round trips, retried until answered ---- */

static void
kafka_consumer_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kafka_consumer_send(arg);
}

static void
kafka_consumer_later(struct kafka_slot *s, const char *why)
{
	struct timeval	tv = { 0, KAFKA_RETRY_MS * 1000 };

	s->k->cn.retries++;
	if (s->attempts++ == 0 || s->attempts % 20 == 0)
		log_warn("kafka: %s [%d]@%lld: %s; retrying every %d ms",
		    rd_kafka_topic_name(s->msg->rkt), (int)s->msg->partition,
		    (long long)s->msg->offset, why, KAFKA_RETRY_MS);
	evtimer_add(s->retry, &tv);
}

static void
kafka_consumer_banned(struct kafka_slot *s, const ipc_env *rep)
{
	const Tp__BanScoreRep	*b = rep->body_case ==
				    TP__ENVELOPE__BODY_BAN_SCORE_REP ?
				    rep->ban_score_rep : NULL;

	s->k->cn.ban_reports++;
	log_info("kafka: %s %s attributed to peer %s: %s score now %d%s",
	    s->topic == KAFKA_T_INVALID_BLOCKS ? "invalid block" :
	    "invalid subtree", s->hash, s->peer, s->ban_reason,
	    b != NULL ? b->score : -1, b != NULL && b->banned ?
	    " (banned)" : "");
}

static void
kafka_consumer_reply(void *arg, int err, const ipc_env *rep)
{
	struct kafka_slot	*s = arg;

	if (err != 0) {
		kafka_consumer_later(s, s->step == KAFKA_STEP_BAN ?
		    "bans did not answer" : "gossip did not answer");
		return;
	}
	if (rep->status != 0) {
		/* Refused on its merits: retrying cannot help. */
		log_error("kafka: %s [%d]@%lld: %s refused: %s",
		    rd_kafka_topic_name(s->msg->rkt), (int)s->msg->partition,
		    (long long)s->msg->offset, ipc_body_name(rep->body_case),
		    rep->error);
		kafka_consumer_done(s);
		kafka_consumer_pump(s->k);
		return;
	}
	switch (s->step) {
	case KAFKA_STEP_PUBLISH:	/* batched: kafka_consumer_batch_reply */
		break;
	case KAFKA_STEP_LOOKUP:
		if (rep->body_case == TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REP &&
		    rep->peer_by_datahub_rep->peer_id[0] != '\0' &&
		    strlen(rep->peer_by_datahub_rep->peer_id) <= KAFKA_PEER_MAX) {
			snprintf(s->peer, sizeof(s->peer), "%s",
			    rep->peer_by_datahub_rep->peer_id);
			s->step = KAFKA_STEP_BAN;
			kafka_consumer_send(s);
			return;
		}
		s->k->cn.unattributed++;
		log_warn("kafka: invalid subtree %s: no peer known for it nor "
		    "for DataHub URL %s", s->hash, s->url);
		break;
	case KAFKA_STEP_BAN:
		kafka_consumer_banned(s, rep);
		break;
	}
	kafka_consumer_done(s);
	kafka_consumer_pump(s->k);
}

/* ---- rejectedtx published in batches ---- */

/* One message of an answered batch: published or refused on its merits. */
static void
kafka_consumer_batch_one(struct kafka_slot *s, int status, const char *error)
{
	if (status != 0)
		log_error("kafka: %s [%d]@%lld: publish refused: %s",
		    rd_kafka_topic_name(s->msg->rkt), (int)s->msg->partition,
		    (long long)s->msg->offset, error);
	else
		s->k->cn.published++;
	kafka_consumer_done(s);
}

/* The reply to the batch that starts at arg, linked through batch_next. */
static void
kafka_consumer_batch_reply(void *arg, int err, const ipc_env *rep)
{
	struct kafka_slot		*s = arg, *next;
	struct kafka_ctx		*k = s->k;
	const Tp__PublishBatchRep	*b = NULL;
	size_t				 i;

	if (err == 0 && rep->status == 0 &&
	    rep->body_case == TP__ENVELOPE__BODY_PUBLISH_BATCH_REP)
		b = rep->publish_batch_rep;
	if (err == 0)
		k->cn.publish_batches++;
	for (i = 0; s != NULL; i++, s = next) {
		next = s->batch_next;
		s->batch_next = NULL;
		if (err != 0)
			kafka_consumer_later(s, "gossip did not answer");
		else if (b != NULL && i < b->n_status && i < b->n_error)
			kafka_consumer_batch_one(s, b->status[i], b->error[i]);
		else
			kafka_consumer_batch_one(s, -1, rep->status != 0 ?
			    rep->error : "gossip's answer has no outcome for it");
	}
	kafka_consumer_pump(k);
}

/* Send the messages gathered in this turn of the loop. */
static void
kafka_consumer_batch_send(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_ctx	*k = arg;
	struct kafka_slot	*s, *head = k->batch_head;
	Tp__PublishReq		*items, **v;
	Tp__PublishBatchReq	 b = TP__PUBLISH_BATCH_REQ__INIT;
	ipc_env			 env = TP__ENVELOPE__INIT;
	size_t			 i, n = k->batch_n;

	(void)fd;
	(void)what;
	if (head == NULL)
		return;
	k->batch_head = NULL;
	k->batch_tail = &k->batch_head;
	k->batch_n = 0;
	items = xcalloc(n, sizeof(*items));
	v = xcalloc(n, sizeof(*v));
	for (i = 0, s = head; s != NULL; i++, s = s->batch_next) {
		tp__publish_req__init(&items[i]);
		items[i].kind = s->kind;
		items[i].json = s->json;
		v[i] = &items[i];
	}
	b.items = v;
	b.n_items = n;
	env.body_case = TP__ENVELOPE__BODY_PUBLISH_BATCH_REQ;
	env.publish_batch_req = &b;
	if (ipc_call(k->gossip, &env, KAFKA_IPC_TIMEOUT_MS,
	    kafka_consumer_batch_reply, head) == -1)
		kafka_consumer_batch_reply(head, -1, NULL);
	free(v);
	free(items);
}

/* Add s to this turn's batch, which is sent when the loop turns. */
static void
kafka_consumer_batch_add(struct kafka_slot *s)
{
	struct kafka_ctx	*k = s->k;

	s->batch_next = NULL;
	*k->batch_tail = s;
	k->batch_tail = &s->batch_next;
	if (k->batch_n++ == 0)
		event_active(k->batch_ev, 0, 0);
}

static void
kafka_consumer_send(struct kafka_slot *s)
{
	struct kafka_ctx	*k = s->k;
	ipc_env			 env = TP__ENVELOPE__INIT;
	Tp__AddBanScoreReq	 ban = TP__ADD_BAN_SCORE_REQ__INIT;
	Tp__PeerByDataHubReq	 look = TP__PEER_BY_DATA_HUB_REQ__INIT;
	struct ipc_client	*to = k->gossip;

	switch (s->step) {
	case KAFKA_STEP_PUBLISH:
		kafka_consumer_batch_add(s);
		return;
	case KAFKA_STEP_LOOKUP:
		look.url = s->url;
		env.body_case = TP__ENVELOPE__BODY_PEER_BY_DATAHUB_REQ;
		env.peer_by_datahub_req = &look;
		break;
	case KAFKA_STEP_BAN:
		ban.peer_id = s->peer;
		ban.reason = (char *)s->ban_reason;
		env.body_case = TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ;
		env.add_ban_score_req = &ban;
		to = k->bans;
		break;
	}
	if (ipc_call(to, &env, KAFKA_IPC_TIMEOUT_MS, kafka_consumer_reply,
	    s) == -1)
		kafka_consumer_later(s, "cannot send the request");
}

/* ---- one handler per consumed topic ---- */

static void
kafka_consumer_malformed(struct kafka_slot *s, const char *err)
{
	s->k->cn.malformed++;
	log_warn("kafka: %s [%d]@%lld skipped: %s",
	    rd_kafka_topic_name(s->msg->rkt), (int)s->msg->partition,
	    (long long)s->msg->offset, err);
	kafka_consumer_done(s);
}

static void
kafka_consumer_ignore(struct kafka_slot *s)
{
	s->k->cn.ignored++;
	kafka_consumer_done(s);
}

static void
kafka_consumer_on_rejected_tx(struct kafka_slot *s)
{
	struct kafka_rejected_tx	r;
	char				err[256];

	if (kafka_codec_rejected_tx_decode(s->msg->payload, s->msg->len, &r,
	    err, sizeof(err)) == -1) {
		kafka_consumer_malformed(s, err);
		return;
	}
	/* Rejected elsewhere, or we publish nothing: do not re-broadcast. */
	if (r.peer_id[0] != '\0' || s->k->conf.listen_only) {
		kafka_consumer_ignore(s);
		return;
	}
	kafka_codec_rejected_tx_json(&r, "", &s->json);
	s->kind = TP__TOPIC_KIND__TOPIC_REJECTED_TX;
	s->step = KAFKA_STEP_PUBLISH;
	kafka_consumer_send(s);
}

/* Score the peer of hash from map; else look the URL up; else give up. */
static void
kafka_consumer_attribute(struct kafka_slot *s, struct kafka_attrib *map,
    const char *reason)
{
	s->ban_reason = reason;
	if (kafka_attrib_take(map, s->hash, util_mono_ms(), s->peer) == 0) {
		s->step = KAFKA_STEP_BAN;
		kafka_consumer_send(s);
	} else if (s->url[0] != '\0') {
		s->step = KAFKA_STEP_LOOKUP;
		kafka_consumer_send(s);
	} else {
		s->k->cn.unattributed++;
		log_warn("kafka: %s %s: no peer known for it (seen over %llu ms "
		    "ago, or never)", reason, s->hash,
		    (unsigned long long)s->k->conf.map_ttl_ms);
		kafka_consumer_done(s);
	}
}

static void
kafka_consumer_on_invalid_block(struct kafka_slot *s)
{
	struct kafka_invalid_block	b;
	char				err[256];

	if (kafka_codec_invalid_block_decode(s->msg->payload, s->msg->len, &b,
	    err, sizeof(err)) == -1) {
		kafka_consumer_malformed(s, err);
		return;
	}
	memcpy(s->hash, b.hash, sizeof(s->hash));
	s->url[0] = '\0';
	kafka_consumer_attribute(s, s->k->blocks, "invalid_block");
}

static void
kafka_consumer_on_invalid_subtree(struct kafka_slot *s)
{
	struct kafka_invalid_subtree	*b = xmalloc(sizeof(*b));
	char				 err[256];

	if (kafka_codec_invalid_subtree_decode(s->msg->payload, s->msg->len, b,
	    err, sizeof(err)) == -1) {
		free(b);
		kafka_consumer_malformed(s, err);
		return;
	}
	memcpy(s->hash, b->hash, sizeof(s->hash));
	memcpy(s->url, b->peer_url, sizeof(s->url));
	free(b);
	kafka_consumer_attribute(s, s->k->subtrees, "invalid_subtree");
}

static void
kafka_consumer_handle(struct kafka_slot *s)
{
	static void (*const handlers[KAFKA_T_COUNT])(struct kafka_slot *) = {
		[KAFKA_T_REJECTEDTX] = kafka_consumer_on_rejected_tx,
		[KAFKA_T_INVALID_BLOCKS] = kafka_consumer_on_invalid_block,
		[KAFKA_T_INVALID_SUBTREES] = kafka_consumer_on_invalid_subtree,
	};

	if (handlers[s->topic] != NULL && kafka_chain_syncing(s->k->chain)) {
		s->k->cn.syncing++;
		kafka_consumer_ignore(s);
	} else if (handlers[s->topic] == NULL)
		kafka_consumer_ignore(s);
	else
		handlers[s->topic](s);
}

/* ---- taking messages from librdkafka ---- */

static int
kafka_consumer_topic_of(struct kafka_ctx *k, const char *name,
    enum kafka_topic_id *out)
{
	int	i;

	for (i = 0; i < KAFKA_T_COUNT; i++)
		if (strcmp(k->conf.topics[i].name, name) == 0) {
			*out = (enum kafka_topic_id)i;
			return 0;
		}
	return -1;
}

static void
kafka_consumer_take(struct kafka_ctx *k, rd_kafka_message_t *m)
{
	struct kafka_slot	*s;
	enum kafka_topic_id	 t = KAFKA_T_COUNT;

	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			log_warn("kafka: consumer: %s",
			    rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		return;
	}
	kafka_consumer_topic_of(k, rd_kafka_topic_name(m->rkt), &t);
	s = &k->slots[(k->slot_head + k->slot_n) % KAFKA_WINDOW];
	k->slot_n++;
	s->msg = m;
	s->topic = t < KAFKA_T_COUNT ? t : KAFKA_T_BLOCKS;
	kafka_consumer_handle(s);
}

static void
kafka_consumer_pump(struct kafka_ctx *k)
{
	rd_kafka_message_t	*m;

	while (k->cons != NULL && k->slot_n < KAFKA_WINDOW && !k->p->stopping &&
	    (m = rd_kafka_consumer_poll(k->cons, 0)) != NULL)
		kafka_consumer_take(k, m);
}

static void
kafka_consumer_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	if (fd >= 0)
		kafka_producer_drain_fd(fd);
	kafka_consumer_pump(arg);
}

/* ---- start / stop ---- */

static void
kafka_consumer_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *arg)
{
	(void)arg;
	log_info("kafka: group %s: %d partition(s)",
	    err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigned" :
	    "revoked", parts->cnt);
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
		rd_kafka_assign(rk, parts);
	else
		rd_kafka_assign(rk, NULL);
}

/* Transient: librdkafka reconnects and rejoins by itself. */
static void
kafka_consumer_error(rd_kafka_t *rk, int err, const char *reason, void *arg)
{
	(void)rk;
	(void)arg;
	log_warn("kafka: consumer: %s: %s",
	    rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static rd_kafka_conf_t *
kafka_consumer_conf(struct kafka_ctx *k, char *err, size_t errlen)
{
	rd_kafka_conf_t	*rc;
	char		 sess[32];
	int		 i, replay = 0;

	if ((rc = kafka_conf_rd(k, err, errlen)) == NULL)
		return NULL;
	/* One reset policy per consumer: the oldest if any topic asks. */
	for (i = KAFKA_T_REJECTEDTX; i < KAFKA_T_COUNT; i++)
		replay |= k->conf.topics[i].replay;
	snprintf(sess, sizeof(sess), "%llu",
	    (unsigned long long)config_duration_ms(k->p->cfg,
	    "kafka_session_timeout"));
	if (kafka_conf_set(rc, "group.id", k->conf.group, err, errlen) == -1 ||
	    kafka_conf_set(rc, "enable.auto.commit", "true", err, errlen) == -1 ||
	    kafka_conf_set(rc, "auto.commit.interval.ms", "500", err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "enable.auto.offset.store", "false", err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "auto.offset.reset", replay ? "earliest" :
	    "latest", err, errlen) == -1 ||
	    kafka_conf_set(rc, "session.timeout.ms", sess, err, errlen) == -1 ||
	    kafka_conf_set(rc, "heartbeat.interval.ms", "1000", err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "fetch.wait.max.ms", "50", err, errlen) == -1 ||
	    /* topics created after we subscribed are found within 10 s */
	    kafka_conf_set(rc, "topic.metadata.refresh.interval.ms", "10000", err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "log.queue", "true", err, errlen) == -1) {
		rd_kafka_conf_destroy(rc);
		return NULL;
	}
	rd_kafka_conf_set_rebalance_cb(rc, kafka_consumer_rebalance);
	rd_kafka_conf_set_error_cb(rc, kafka_consumer_error);
	rd_kafka_conf_set_opaque(rc, k);
	return rc;
}

static int
kafka_consumer_subscribe(struct kafka_ctx *k, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t	*l;
	rd_kafka_resp_err_t		 e;
	int				 i;

	l = rd_kafka_topic_partition_list_new(4);
	for (i = KAFKA_T_REJECTEDTX; i < KAFKA_T_COUNT; i++)
		rd_kafka_topic_partition_list_add(l, k->conf.topics[i].name,
		    RD_KAFKA_PARTITION_UA);
	e = rd_kafka_subscribe(k->cons, l);
	rd_kafka_topic_partition_list_destroy(l);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "Kafka subscribe: %s", rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

int
kafka_consumer_start(struct kafka_ctx *k, char *err, size_t errlen)
{
	struct timeval	 tv = { 0, KAFKA_CONS_POLL_MS * 1000 };
	rd_kafka_conf_t	*rc;
	char		 why[256];
	size_t		 i;

	if ((rc = kafka_consumer_conf(k, err, errlen)) == NULL)
		return -1;
	if ((k->cons = rd_kafka_new(RD_KAFKA_CONSUMER, rc, why,
	    sizeof(why))) == NULL) {
		rd_kafka_conf_destroy(rc);
		snprintf(err, errlen, "Kafka consumer: %s", why);
		return -1;
	}
	rd_kafka_set_log_queue(k->cons, NULL);
	rd_kafka_poll_set_consumer(k->cons);
	k->cons_q = rd_kafka_queue_get_consumer(k->cons);
	k->slots = xcalloc(KAFKA_WINDOW, sizeof(*k->slots));
	k->batch_head = NULL;
	k->batch_tail = &k->batch_head;
	k->batch_n = 0;
	k->batch_ev = event_new(k->p->base, -1, 0, kafka_consumer_batch_send, k);
	for (i = 0; i < KAFKA_WINDOW; i++) {
		k->slots[i].k = k;
		k->slots[i].retry = evtimer_new(k->p->base,
		    kafka_consumer_retry, &k->slots[i]);
	}
	if (kafka_producer_pipe(k->cons_fd) == -1) {
		snprintf(err, errlen, "pipe failed");
		return -1;
	}
	rd_kafka_queue_io_event_enable(k->cons_q, k->cons_fd[1], "c", 1);
	k->cons_ev = event_new(k->p->base, k->cons_fd[0], EV_READ | EV_PERSIST,
	    kafka_consumer_readable, k);
	k->cons_timer = event_new(k->p->base, -1, EV_PERSIST,
	    kafka_consumer_readable, k);
	event_add(k->cons_ev, NULL);
	event_add(k->cons_timer, &tv);
	if (kafka_consumer_subscribe(k, err, errlen) == -1)
		return -1;
	log_info("kafka: consumer group %s on %s, %s, %s", k->conf.group,
	    k->conf.topics[KAFKA_T_REJECTEDTX].name,
	    k->conf.topics[KAFKA_T_INVALID_BLOCKS].name,
	    k->conf.topics[KAFKA_T_INVALID_SUBTREES].name);
	return 0;
}

void
kafka_consumer_stop(struct kafka_ctx *k)
{
	rd_kafka_resp_err_t	e;
	size_t			i;

	if (k->cons == NULL)
		return;
	if (k->slot_n > 0)
		log_info("kafka: stopping with %zu message(s) in flight; they "
		    "will be read again", k->slot_n);
	e = rd_kafka_commit(k->cons, NULL, 0);
	if (e != RD_KAFKA_RESP_ERR_NO_ERROR &&
	    e != RD_KAFKA_RESP_ERR__NO_OFFSET)
		log_warn("kafka: final commit: %s", rd_kafka_err2str(e));
	rd_kafka_queue_io_event_enable(k->cons_q, -1, NULL, 0);
	rd_kafka_queue_destroy(k->cons_q);
	rd_kafka_consumer_close(k->cons);
	for (i = 0; i < KAFKA_WINDOW; i++) {
		kafka_consumer_release(&k->slots[i]);
		event_free(k->slots[i].retry);
	}
	free(k->slots);
	k->slots = NULL;
	event_free(k->batch_ev);
	k->batch_ev = NULL;
	k->batch_head = NULL;
	k->batch_n = 0;
	event_free(k->cons_ev);
	event_free(k->cons_timer);
	rd_kafka_destroy(k->cons);
	k->cons = NULL;
	close(k->cons_fd[0]);
	close(k->cons_fd[1]);
}

size_t
kafka_consumer_inflight(struct kafka_ctx *k)
{
	return k->slot_n;
}
