/*
 * Kafka bridge worker: the client of Teranode's blockchain service
 * (blockchain_grpcAddress) and block-assembly service
 * (blockassembly_grpcAddress), as Teranode's P2P service uses them
 * (services/p2p/Server.go Start, services/blockchain/Client.go).  This
 * file runs the connection: HealthGRPC with Teranode's start-up retries
 * (blockchain_maxRetries, n x blockchain_retrySleep before retry n), then,
 * without giving up as Teranode does, a backoff doubling to 30 s;
 * WaitUntilFSMTransitionFromIdleState; Subscribe("p2pServer"), whose end
 * starts the cycle again.  While subscribed it polls GetFSMCurrentState,
 * GetBestBlockHeader, GetState("BlockPersisterHeight") and
 * GetBlockAssemblyState every p2p_node_status_interval and publishes the
 * local chain state on kafka.pub (LocalNotification NOTIFY_CHAIN_STATE) for
 * the gossip worker's node_status and sync coordinator.  The stream itself
 * is kafka_bridge_chain_notify.c.  gRPC completions reach this loop through
 * common/grpc_loop.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <grpc/status.h>

#include "config.h"
#include "grpc_loop.h"
#include "kafka_bridge.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define CHAIN_CALL_MS		5000	/* unary calls but the FSM wait */
#define CHAIN_BACKOFF_MAX_MS	30000
#define CHAIN_LOG_EVERY_MS	60000
#define CHAIN_POLL_FAILURES	3	/* polls failing in a row: stream dead */
#define CHAIN_SOURCE		"p2pServer"

#define BC(m)	"/blockchain_api.BlockchainAPI/" m

static void	chain_health(struct kafka_chain *);

static void
chain_after(struct event *ev, uint64_t ms)
{
	struct timeval	tv = { (time_t)(ms / 1000),
			    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* ---- the chain state on kafka.pub ---- */

static const char *
chain_storage(const struct kafka_chain *c)
{
	uint32_t	lag;

	if (!c->persisted_known || !c->height_known)
		return "";
	if (c->persisted == 0)
		return "pruned";
	lag = c->height > c->persisted ? c->height - c->persisted : 0;
	return lag <= c->retention ? "full" : "pruned";
}

void
kafka_chain_publish_state(struct kafka_chain *c)
{
	Tp__LocalNotification	n = TP__LOCAL_NOTIFICATION__INIT;
	ipc_env			env = TP__ENVELOPE__INIT;

	n.type = TP__NOTIFICATION_TYPE__NOTIFY_CHAIN_STATE;
	n.height_known = c->height_known;
	n.best_height = c->height;
	n.best_hash = c->best_hash;
	n.chain_work = c->chain_work;
	n.miner = c->miner;
	n.fsm_state = (char *)kafka_chainmsg_fsm_name(c->fsm);
	n.tx_count = c->tx_count;
	n.subtree_count = c->subtree_count;
	n.storage = (char *)chain_storage(c);
	env.body_case = TP__ENVELOPE__BODY_LOCAL_NOTIFICATION;
	env.local_notification = &n;
	if (c->k->pub != NULL)
		ipc_publish(c->k->pub, &env);
}

/* ---- polls ---- */

/*
 * A connection that died without a reset (no FIN, no RST) leaves the
 * stream open for ever: polls that cannot reach the service three times in
 * a row end it, and the cycle starts again.
 */
static void
chain_poll_failed(struct kafka_chain *c, int code, const char *details)
{
	if (c->phase != KAFKA_CHAIN_SUBSCRIBED || (code !=
	    GRPC_STATUS_UNAVAILABLE && code != GRPC_STATUS_DEADLINE_EXCEEDED))
		return;
	if (++c->poll_failures < CHAIN_POLL_FAILURES)
		return;
	c->poll_failures = 0;
	kafka_rpc_cancel(c->call);
	kafka_chain_failed(c, "GetFSMCurrentState failed %d times in a row "
	    "(%d %s): the stream is presumed dead", CHAIN_POLL_FAILURES, code,
	    details);
}

static void
chain_malformed(struct kafka_chain *c, const char *what, const char *err)
{
	c->st.malformed++;
	log_warn("kafka: blockchain %s answered garbage: %s", what, err);
}

void
kafka_chain_best(struct kafka_chain *c, const struct kafka_chain_header *h)
{
	if (c->height_known && h->height < c->height)
		return;
	c->height_known = 1;
	c->height = h->height;
	memcpy(c->best_hash, h->hash, sizeof(c->best_hash));
	memcpy(c->chain_work, h->chain_work, sizeof(c->chain_work));
	memcpy(c->miner, h->miner, sizeof(c->miner));
}

static void
chain_on_best(void *arg, int code, const char *details, const uint8_t *msg,
    size_t len)
{
	struct kafka_chain		*c = arg;
	struct kafka_chain_header	 h;
	char				 err[256];

	if (c->stopping)
		return;

	if (code != 0 || msg == NULL) {
		log_debug("kafka: GetBestBlockHeader: %d %s", code, details);
		return;
	}
	if (kafka_chainmsg_header_decode(msg, len, &h, err, sizeof(err)) == -1) {
		chain_malformed(c, "GetBestBlockHeader", err);
		return;
	}
	/* the best header may go down (a reorg, InvalidateBlock) */
	c->height_known = 0;
	kafka_chain_best(c, &h);
	kafka_chain_publish_state(c);
}

static void
chain_on_fsm(void *arg, int code, const char *details, const uint8_t *msg,
    size_t len)
{
	struct kafka_chain	*c = arg;
	char			 err[256];
	int			 fsm;

	if (c->stopping)
		return;

	if (code != 0 || msg == NULL) {
		log_debug("kafka: GetFSMCurrentState: %d %s", code, details);
		chain_poll_failed(c, code, details);
		return;
	}
	c->poll_failures = 0;
	if (kafka_chainmsg_fsm_decode(msg, len, &fsm, err, sizeof(err)) == -1) {
		chain_malformed(c, "GetFSMCurrentState", err);
		return;
	}
	if (fsm != c->fsm)
		log_info("kafka: local FSM state %s", kafka_chainmsg_fsm_name(fsm));
	c->fsm = fsm;
	kafka_chain_publish_state(c);
}

static void
chain_on_persisted(void *arg, int code, const char *details,
    const uint8_t *msg, size_t len)
{
	struct kafka_chain	*c = arg;
	char			 err[256];
	uint32_t		 h;

	if (c->stopping)
		return;

	if (code != 0 || msg == NULL) {
		log_debug("kafka: GetState(BlockPersisterHeight): %d %s", code,
		    details);
		return;
	}
	if (kafka_chainmsg_persisted_decode(msg, len, &h, err,
	    sizeof(err)) == -1) {
		chain_malformed(c, "GetState(BlockPersisterHeight)", err);
		return;
	}
	c->persisted_known = 1;
	c->persisted = h;
	kafka_chain_publish_state(c);
}

static void
chain_on_assembly(void *arg, int code, const char *details,
    const uint8_t *msg, size_t len)
{
	struct kafka_chain	*c = arg;
	char			 err[256];

	if (c->stopping)
		return;

	if (code != 0 || msg == NULL) {
		log_debug("kafka: GetBlockAssemblyState: %d %s", code, details);
		return;
	}
	if (kafka_chainmsg_assembly_decode(msg, len, &c->tx_count,
	    &c->subtree_count, err, sizeof(err)) == -1) {
		chain_malformed(c, "GetBlockAssemblyState", err);
		return;
	}
	kafka_chain_publish_state(c);
}

void
kafka_chain_poll(struct kafka_chain *c)
{
	uint8_t	*req;
	size_t	 len;

	kafka_rpc_call(c->bc, BC("GetFSMCurrentState"), NULL, 0, CHAIN_CALL_MS,
	    0, NULL, chain_on_fsm, c);
	kafka_rpc_call(c->bc, BC("GetBestBlockHeader"), NULL, 0, CHAIN_CALL_MS,
	    0, NULL, chain_on_best, c);
	kafka_chainmsg_state_req_encode("BlockPersisterHeight", &req, &len);
	kafka_rpc_call(c->bc, BC("GetState"), req, len, CHAIN_CALL_MS, 0, NULL,
	    chain_on_persisted, c);
	free(req);
	if (c->ba != NULL)
		kafka_rpc_call(c->ba,
		    "/blockassembly_api.BlockAssemblyAPI/GetBlockAssemblyState",
		    NULL, 0, CHAIN_CALL_MS, 0, NULL, chain_on_assembly, c);
}

static void
chain_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_chain	*c = arg;

	(void)fd;
	(void)what;
	if (c->phase == KAFKA_CHAIN_SUBSCRIBED)
		kafka_chain_poll(c);
	kafka_chain_publish_state(c);	/* also for a restarted gossip worker */
	chain_after(c->poll_ev, c->poll_ms);
}

/* ---- the connection cycle ---- */

void
kafka_chain_failed(struct kafka_chain *c, const char *fmt, ...)
{
	va_list		ap;
	uint64_t	now = util_mono_ms(), delay;

	va_start(ap, fmt);
	vsnprintf(c->last_err, sizeof(c->last_err), fmt, ap);
	va_end(ap);
	c->call = NULL;
	c->phase = KAFKA_CHAIN_BACKOFF;
	c->up_since_ms = 0;
	c->fsm = KAFKA_FSM_UNKNOWN;
	c->st.failures++;
	c->attempts++;
	if (c->attempts <= c->max_retries) {
		delay = c->attempts * c->retry_sleep_ms;
		c->backoff_ms = delay;
	} else {
		c->backoff_ms = c->backoff_ms * 2 > CHAIN_BACKOFF_MAX_MS ?
		    CHAIN_BACKOFF_MAX_MS : c->backoff_ms * 2;
		if (c->backoff_ms == 0)
			c->backoff_ms = 1000;
		delay = c->backoff_ms;
	}
	if (c->attempts <= c->max_retries + 1 || now >= c->next_log_ms) {
		log_warn("kafka: blockchain service %s: %s; attempt %u, next in "
		    "%llu ms", kafka_rpc_chan_target(c->bc), c->last_err,
		    c->attempts, (unsigned long long)delay);
		c->next_log_ms = now + CHAIN_LOG_EVERY_MS;
	}
	kafka_chain_publish_state(c);
	chain_after(c->retry_ev, delay);
}

void
kafka_chain_subscribed(struct kafka_chain *c)
{
	c->phase = KAFKA_CHAIN_SUBSCRIBED;
	c->attempts = 0;
	c->backoff_ms = 0;
	c->up_since_ms = util_wall_ms();
	c->st.subscriptions++;
	log_info("kafka: subscribed to the blockchain service at %s as %s",
	    kafka_rpc_chan_target(c->bc), CHAIN_SOURCE);
	kafka_chain_poll(c);
}

static void
chain_on_stream_end(void *arg, int code, const char *details,
    const uint8_t *msg, size_t len)
{
	struct kafka_chain	*c = arg;

	(void)msg;
	(void)len;
	if (!c->stopping)
		kafka_chain_failed(c, "the notification stream ended (%d %s)",
		    code, details);
}

static void
chain_subscribe(struct kafka_chain *c)
{
	uint8_t	*req;
	size_t	 len;

	c->phase = KAFKA_CHAIN_SUBSCRIBING;
	kafka_chainmsg_subscribe_encode(CHAIN_SOURCE, &req, &len);
	c->call = kafka_rpc_call(c->bc, BC("Subscribe"), req, len, 0, 1,
	    kafka_chain_notify_msg, chain_on_stream_end, c);
	free(req);
	if (c->call == NULL)
		kafka_chain_failed(c, "Subscribe could not start");
}

static void
chain_on_wait(void *arg, int code, const char *details, const uint8_t *msg,
    size_t len)
{
	struct kafka_chain	*c = arg;

	if (c->stopping)
		return;

	(void)msg;
	(void)len;
	c->call = NULL;
	if (code != 0) {
		kafka_chain_failed(c, "WaitUntilFSMTransitionFromIdleState: "
		    "%d %s", code, details);
		return;
	}
	log_info("kafka: the blockchain FSM has left IDLE; local "
	    "announcements start");
	chain_subscribe(c);
}

static void
chain_on_health(void *arg, int code, const char *details,
    const uint8_t *msg, size_t len)
{
	struct kafka_chain	*c = arg;
	char			 why[256], err[256];
	int			 ok;

	if (c->stopping)
		return;

	c->call = NULL;
	if (code != 0) {
		kafka_chain_failed(c, "HealthGRPC: %d %s", code, details);
		return;
	}
	if (msg == NULL || kafka_chainmsg_health_decode(msg, len, &ok, why,
	    sizeof(why), err, sizeof(err)) == -1) {
		c->st.malformed++;
		kafka_chain_failed(c, "HealthGRPC answered garbage: %s",
		    msg == NULL ? "no message" : err);
		return;
	}
	if (!ok) {
		kafka_chain_failed(c, "HealthGRPC: not ok: %s", why);
		return;
	}
	c->phase = KAFKA_CHAIN_WAIT_FSM;
	log_info("kafka: blockchain service at %s is healthy; waiting for its "
	    "FSM to leave IDLE", kafka_rpc_chan_target(c->bc));
	c->call = kafka_rpc_call(c->bc, BC("WaitUntilFSMTransitionFromIdleState"),
	    NULL, 0, 0, 0, NULL, chain_on_wait, c);
	if (c->call == NULL)
		kafka_chain_failed(c, "WaitUntilFSMTransitionFromIdleState "
		    "could not start");
}

static void
chain_health(struct kafka_chain *c)
{
	c->phase = KAFKA_CHAIN_HEALTH;
	c->call = kafka_rpc_call(c->bc, BC("HealthGRPC"), NULL, 0,
	    CHAIN_CALL_MS, 0, NULL, chain_on_health, c);
	if (c->call == NULL)
		kafka_chain_failed(c, "HealthGRPC could not start");
}

static void
chain_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	chain_health(arg);
}

/* ---- start, stop, health ---- */

struct kafka_chain *
kafka_chain_start(struct kafka_ctx *k)
{
	const struct config	*cfg = k->p->cfg;
	const char		*bc = config_str(cfg, "blockchain_grpcAddress");
	const char		*ba = config_str(cfg, "blockassembly_grpcAddress");
	struct kafka_chain	*c;

	if (bc[0] == '\0') {
		log_info("kafka: blockchain_grpcAddress is empty: no blockchain "
		    "service; local announcements only through the REST API");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->k = k;
	c->fsm = KAFKA_FSM_UNKNOWN;
	c->max_retries = (unsigned)config_int(cfg, "blockchain_maxRetries");
	c->retry_sleep_ms = (uint64_t)config_int(cfg, "blockchain_retrySleep");
	c->poll_ms = config_duration_ms(cfg, "p2p_node_status_interval");
	if (c->poll_ms == 0)
		c->poll_ms = 10000;
	c->retention = (uint32_t)config_int(cfg, "global_blockHeightRetention");
	if (c->retention == 0)
		c->retention = 288;
	if ((c->loop = grpc_loop_new(k->p->base)) == NULL)
		fatal("cannot start the gRPC completion queue");
	c->bc = kafka_rpc_chan_open(grpc_loop_cq(c->loop), bc);
	if (ba[0] != '\0')
		c->ba = kafka_rpc_chan_open(grpc_loop_cq(c->loop), ba);
	c->retry_ev = evtimer_new(k->p->base, chain_retry_cb, c);
	c->poll_ev = evtimer_new(k->p->base, chain_poll_cb, c);
	chain_after(c->poll_ev, c->poll_ms);
	log_info("kafka: blockchain service %s, block assembly %s", bc,
	    ba[0] != '\0' ? ba : "(none)");
	chain_health(c);
	return c;
}

void
kafka_chain_stop(struct kafka_chain *c)
{
	if (c == NULL)
		return;
	c->stopping = 1;
	evtimer_del(c->retry_ev);
	evtimer_del(c->poll_ev);
	kafka_rpc_chan_close(c->bc);
	kafka_rpc_chan_close(c->ba);
	grpc_loop_free(c->loop);	/* the cancelled calls free themselves */
	event_free(c->retry_ev);
	event_free(c->poll_ev);
	free(c);
}

int
kafka_chain_syncing(const struct kafka_chain *c)
{
	return c != NULL && (c->fsm == KAFKA_FSM_CATCHINGBLOCKS ||
	    c->fsm == KAFKA_FSM_LEGACYSYNCING);
}

int
kafka_chain_health(struct kafka_chain *c, Tp__HealthRep *rep)
{
	char	d[512];
	int	up = c->phase == KAFKA_CHAIN_SUBSCRIBED;

	if (up)
		snprintf(d, sizeof(d), "%s: subscribed since %llu (unix ms)",
		    kafka_rpc_chan_target(c->bc),
		    (unsigned long long)c->up_since_ms);
	else
		snprintf(d, sizeof(d), "%s: %s", kafka_rpc_chan_target(c->bc),
		    c->phase == KAFKA_CHAIN_WAIT_FSM ? "waiting for the FSM to "
		    "leave IDLE" : c->last_err[0] != '\0' ? c->last_err :
		    "connecting");
	proc_health_dep(rep, "blockchain", up, d);
	proc_health_dep(rep, "FSM", c->fsm != KAFKA_FSM_UNKNOWN,
	    c->fsm != KAFKA_FSM_UNKNOWN ? kafka_chainmsg_fsm_name(c->fsm) :
	    "state not known");
	return up && c->fsm != KAFKA_FSM_UNKNOWN;
}

void
kafka_chain_stats(struct kafka_chain *c, struct proc_stats *st)
{
	proc_stat_add(st, "chain_up", c->phase == KAFKA_CHAIN_SUBSCRIBED);
	proc_stat_add(st, "chain_height", c->height_known ? (int64_t)c->height : -1);
	proc_stat_add(st, "chain_notifications", (int64_t)c->st.notifications);
	proc_stat_add(st, "chain_malformed", (int64_t)c->st.malformed);
	proc_stat_add(st, "chain_blocks_announced", (int64_t)c->st.blocks);
	proc_stat_add(st, "chain_subtrees_announced", (int64_t)c->st.subtrees);
	proc_stat_add(st, "chain_duplicates", (int64_t)c->st.duplicates);
	proc_stat_add(st, "chain_invalid_blocks", (int64_t)c->st.invalid);
	proc_stat_add(st, "chain_dropped_syncing", (int64_t)c->st.syncing);
	proc_stat_add(st, "chain_dropped_listen_only",
	    (int64_t)c->st.listen_only);
	proc_stat_add(st, "chain_catchup_failures",
	    (int64_t)c->st.catchup_failures);
	proc_stat_add(st, "chain_subscriptions", (int64_t)c->st.subscriptions);
	proc_stat_add(st, "chain_failures", (int64_t)c->st.failures);
	proc_stat_add(st, "chain_lookups_dropped", (int64_t)c->st.lookups_dropped);
}
