/*
 * Kafka bridge worker: the producer.  One idempotent librdkafka producer
 * (acks=all, retries without end: message.timeout.ms=0) writes the blocks
 * and subtrees seen on the network and the sync coordinator's triggers.
 * While the brokers are unreachable, messages wait in librdkafka's queue,
 * bounded by kafka_queue_max; when it is full a message is refused, and
 * the drop is counted and logged (rate-limited, never silent).  Delivery
 * reports, errors and librdkafka's own log lines arrive on the main queue,
 * which wakes the libevent loop through a pipe (rd_kafka_queue_io_event_
 * enable) and is served there with rd_kafka_poll(rk, 0): nothing blocks
 * the loop.
 *
 * Also the health probe: a thread of ours that asks the brokers for
 * metadata every second with kafka_health_timeout and stores the answer
 * in atomics the loop reads for Health and Status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <librdkafka/rdkafka.h>

#include "kafka_bridge.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define KAFKA_POLL_MS		100	/* backstop for the queue wake-up */
#define KAFKA_POLL_BATCH	10000	/* events served per wake-up */
#define KAFKA_PROBE_EVERY_MS	1000
#define KAFKA_DROP_LOG_MS	1000

/* ---- the main queue: delivery reports, errors, logs ---- */

static void
kafka_producer_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *arg)
{
	struct kafka_ctx	*k = arg;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		k->pn.delivered++;
		return;
	}
	k->pn.failed++;
	log_error("kafka: delivery to %s failed for good: %s",
	    rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
}

static void
kafka_producer_error(rd_kafka_t *rk, int err, const char *reason, void *arg)
{
	struct kafka_ctx	*k = arg;
	char			 why[256];

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, why, sizeof(why));
		log_error("kafka: producer fatal error: %s; restarting", why);
		k->fatal = 1;
		proc_shutdown(k->p, "Kafka producer fatal error");
		return;
	}
	/* Transient: librdkafka reconnects and retries by itself. */
	log_warn("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err),
	    reason);
}

/* Wake-up pipe of a queue: make both ends non-blocking, close on exec. */
int
kafka_producer_pipe(int fd[2])
{
	int	i;

	if (pipe(fd) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(fd[i], F_SETFL, fcntl(fd[i], F_GETFL) | O_NONBLOCK);
		fcntl(fd[i], F_SETFD, FD_CLOEXEC);
	}
	return 0;
}

void
kafka_producer_drain_fd(int fd)
{
	char	buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void
kafka_producer_serve(evutil_socket_t fd, short what, void *arg)
{
	struct kafka_ctx	*k = arg;
	int			 n = 0;

	(void)what;
	if (fd >= 0)
		kafka_producer_drain_fd(fd);
	while (k->prod != NULL && n < KAFKA_POLL_BATCH &&
	    rd_kafka_poll(k->prod, 0) > 0)
		n++;
}

/* ---- the health probe thread ---- */

static void *
kafka_producer_probe(void *arg)
{
	struct kafka_ctx		*k = arg;
	const struct rd_kafka_metadata	*md;
	struct timespec			 ts;
	rd_kafka_resp_err_t		 e;

	pthread_mutex_lock(&k->probe_mu);
	while (!k->probe_stop) {
		pthread_mutex_unlock(&k->probe_mu);
		e = rd_kafka_metadata(k->prod, 0, NULL, &md,
		    (int)k->conf.probe_timeout_ms);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
			atomic_store(&k->probe_nbrokers, md->broker_cnt);
			atomic_store(&k->probe_ok_ms, util_mono_ms());
			rd_kafka_metadata_destroy(md);
		}
		atomic_store(&k->brokers_up, e == RD_KAFKA_RESP_ERR_NO_ERROR);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += KAFKA_PROBE_EVERY_MS / 1000;
		pthread_mutex_lock(&k->probe_mu);
		if (!k->probe_stop)
			pthread_cond_timedwait(&k->probe_cv, &k->probe_mu, &ts);
	}
	pthread_mutex_unlock(&k->probe_mu);
	return NULL;
}

int
kafka_producer_brokers_up(struct kafka_ctx *k, char *detail, size_t len)
{
	uint64_t	ok = atomic_load(&k->probe_ok_ms);
	uint64_t	now = util_mono_ms();
	uint64_t	fresh = KAFKA_PROBE_EVERY_MS * 2 +
			    k->conf.probe_timeout_ms;

	if (atomic_load(&k->brokers_up) && ok != 0 && now - ok <= fresh) {
		snprintf(detail, len, "%d broker(s) answered metadata at %s",
		    atomic_load(&k->probe_nbrokers), k->conf.bootstrap);
		return 1;
	}
	if (ok == 0)
		snprintf(detail, len, "no metadata answer yet from %s within "
		    "%llu ms", k->conf.bootstrap,
		    (unsigned long long)k->conf.probe_timeout_ms);
	else
		snprintf(detail, len, "no metadata answer from %s for %llu ms",
		    k->conf.bootstrap, (unsigned long long)(now - ok));
	return 0;
}

/* ---- start / stop ---- */

static rd_kafka_conf_t *
kafka_producer_conf(struct kafka_ctx *k, char *err, size_t errlen)
{
	rd_kafka_conf_t	*rc;
	char		 qmax[32];

	if ((rc = kafka_conf_rd(k, err, errlen)) == NULL)
		return NULL;
	snprintf(qmax, sizeof(qmax), "%zu", k->conf.queue_max);
	if (kafka_conf_set(rc, "enable.idempotence", "true", err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "acks", "all", err, errlen) == -1 ||
	    kafka_conf_set(rc, "message.timeout.ms", "0", err, errlen) == -1 ||
	    kafka_conf_set(rc, "queue.buffering.max.messages", qmax, err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "linger.ms", "2", err, errlen) == -1 ||
	    kafka_conf_set(rc, "log.queue", "true", err, errlen) == -1) {
		rd_kafka_conf_destroy(rc);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(rc, kafka_producer_dr);
	rd_kafka_conf_set_error_cb(rc, kafka_producer_error);
	rd_kafka_conf_set_opaque(rc, k);
	return rc;
}

int
kafka_producer_start(struct kafka_ctx *k, char *err, size_t errlen)
{
	struct timeval	 tv = { 0, KAFKA_POLL_MS * 1000 };
	rd_kafka_conf_t	*rc;
	char		 why[256];

	if ((rc = kafka_producer_conf(k, err, errlen)) == NULL)
		return -1;
	if ((k->prod = rd_kafka_new(RD_KAFKA_PRODUCER, rc, why,
	    sizeof(why))) == NULL) {
		rd_kafka_conf_destroy(rc);
		snprintf(err, errlen, "Kafka producer: %s", why);
		return -1;
	}
	rd_kafka_set_log_queue(k->prod, NULL);	/* logs to the main queue */
	k->prod_q = rd_kafka_queue_get_main(k->prod);
	if (kafka_producer_pipe(k->prod_fd) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	rd_kafka_queue_io_event_enable(k->prod_q, k->prod_fd[1], "p", 1);
	k->prod_ev = event_new(k->p->base, k->prod_fd[0], EV_READ | EV_PERSIST,
	    kafka_producer_serve, k);
	k->prod_timer = event_new(k->p->base, -1, EV_PERSIST,
	    kafka_producer_serve, k);
	event_add(k->prod_ev, NULL);
	event_add(k->prod_timer, &tv);
	pthread_mutex_init(&k->probe_mu, NULL);
	pthread_cond_init(&k->probe_cv, NULL);
	if (pthread_create(&k->probe, NULL, kafka_producer_probe, k) != 0) {
		snprintf(err, errlen, "cannot start the health probe thread");
		return -1;
	}
	k->probe_running = 1;
	log_info("kafka: producer to %s (idempotent, acks=all, queue %zu)",
	    k->conf.bootstrap, k->conf.queue_max);
	return 0;
}

void
kafka_producer_stop(struct kafka_ctx *k, int timeout_ms)
{
	size_t	left;

	if (k->probe_running) {
		pthread_mutex_lock(&k->probe_mu);
		k->probe_stop = 1;
		pthread_cond_signal(&k->probe_cv);
		pthread_mutex_unlock(&k->probe_mu);
		pthread_join(k->probe, NULL);
		k->probe_running = 0;
	}
	if (k->prod == NULL)
		return;
	if (!k->fatal)
		rd_kafka_flush(k->prod, timeout_ms);
	if ((left = (size_t)rd_kafka_outq_len(k->prod)) > 0)
		log_warn("kafka: stopping with %zu message(s) not acknowledged",
		    left);
	if (k->prod_ev != NULL)
		event_free(k->prod_ev);
	if (k->prod_timer != NULL)
		event_free(k->prod_timer);
	rd_kafka_queue_io_event_enable(k->prod_q, -1, NULL, 0);
	rd_kafka_queue_destroy(k->prod_q);
	rd_kafka_destroy(k->prod);
	k->prod = NULL;
	close(k->prod_fd[0]);
	close(k->prod_fd[1]);
}

/* ---- producing ---- */

static void
kafka_producer_dropped(struct kafka_ctx *k, const char *topic,
    const char *why)
{
	uint64_t	now = util_mono_ms();

	k->pn.dropped++;
	if (k->drop_logged_ms != 0 && now - k->drop_logged_ms <
	    KAFKA_DROP_LOG_MS)
		return;
	log_error("kafka: dropped a message for %s: %s (%llu dropped so far, "
	    "%llu since the last report; queue %zu)", topic, why,
	    (unsigned long long)k->pn.dropped,
	    (unsigned long long)(k->pn.dropped - k->drop_logged_n),
	    kafka_producer_queued(k));
	k->drop_logged_ms = now;
	k->drop_logged_n = k->pn.dropped;
}

int
kafka_producer_block(struct kafka_ctx *k, enum kafka_topic_id t,
    const char *hash, const char *url, const char *peer_id, int *status)
{
	const char		*topic = k->conf.topics[t].name;
	uint8_t			*val;
	size_t			 len;
	rd_kafka_resp_err_t	 e;

	if (t == KAFKA_T_SUBTREES)
		kafka_codec_subtree_encode(hash, url, peer_id, &val, &len);
	else
		kafka_codec_block_encode(hash, url, peer_id, &val, &len);
	/* librdkafka takes ownership of val (F_FREE) only on success. */
	e = rd_kafka_producev(k->prod, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_KEY(hash, strlen(hash)), RD_KAFKA_V_VALUE(val, len),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END);
	if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
		k->pn.enqueued++;
		return 0;
	}
	free(val);
	*status = e == RD_KAFKA_RESP_ERR__QUEUE_FULL ?
	    TP__IPC_STATUS__IPC_ERR_FULL : TP__IPC_STATUS__IPC_ERR_UNAVAILABLE;
	kafka_producer_dropped(k, topic, rd_kafka_err2str(e));
	return -1;
}

size_t
kafka_producer_queued(struct kafka_ctx *k)
{
	return k->prod != NULL ? (size_t)rd_kafka_outq_len(k->prod) : 0;
}
