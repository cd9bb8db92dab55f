/*
 * Kafka bridge worker: the embedded broker.  When KAFKA_HOSTS is empty or
 * `embedded` (the default, used by `make run`), this worker starts
 * librdkafka's mock cluster in its own process — a Kafka-protocol broker on
 * 127.0.0.1 with a random port — creates the configured topics on it and
 * logs the bootstrap address, so other local clients (kcat, the node under
 * test) can reach it.  The mock keeps data in memory only and dies with the
 * worker: for demos and tests, not production.
 *
 * The topics are created by a short-lived thread: in librdkafka 2.0.2 a
 * topic-creation request can wait up to a second for the mock's own thread
 * to notice it, and the worker must be READY well within that.  Until they
 * exist, a producer's metadata request creates a topic on the fly.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka_bridge.h"
#include "log.h"
#include "util.h"

struct kafka_mock {
	rd_kafka_t		*rk;	/* owned: the handle the cluster lives in */
	rd_kafka_mock_cluster_t	*mc;	/* owned */
	const struct kafka_conf	*conf;	/* borrowed: topics to create */
	pthread_t		 th;
	int			 th_started;
};

static void *
kafka_mock_topics(void *arg)
{
	struct kafka_mock	*m = arg;
	const struct kafka_topic *t;
	rd_kafka_resp_err_t	 e;
	int			 i;

	for (i = 0; i < KAFKA_T_COUNT; i++) {
		t = &m->conf->topics[i];
		e = rd_kafka_mock_topic_create(m->mc, t->name, t->partitions, 1);
		if (e != RD_KAFKA_RESP_ERR_NO_ERROR &&
		    e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
			log_warn("embedded broker: topic %s: %s", t->name,
			    rd_kafka_err2str(e));
	}
	return NULL;
}

struct kafka_mock *
kafka_mock_start(struct kafka_conf *conf, char *err, size_t errlen)
{
	struct kafka_mock	*m = xcalloc(1, sizeof(*m));
	rd_kafka_conf_t		*rc = rd_kafka_conf_new();
	char			 why[256];

	rd_kafka_conf_set(rc, "log_level", "3", why, sizeof(why));
	if ((m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, why,
	    sizeof(why))) == NULL) {
		rd_kafka_conf_destroy(rc);
		snprintf(err, errlen, "embedded broker: %s", why);
		free(m);
		return NULL;
	}
	if ((m->mc = rd_kafka_mock_cluster_new(m->rk, 1)) == NULL) {
		snprintf(err, errlen, "embedded broker: cannot start the mock "
		    "cluster");
		rd_kafka_destroy(m->rk);
		free(m);
		return NULL;
	}
	m->conf = conf;
	if (pthread_create(&m->th, NULL, kafka_mock_topics, m) == 0)
		m->th_started = 1;
	else
		log_warn("embedded broker: no thread to create the topics; "
		    "they are created on first use");
	snprintf(conf->bootstrap, sizeof(conf->bootstrap), "%s",
	    rd_kafka_mock_cluster_bootstraps(m->mc));
	log_info("embedded Kafka broker (librdkafka mock cluster) listening; "
	    "bootstrap=%s", conf->bootstrap);
	return m;
}

void
kafka_mock_stop(struct kafka_mock *m)
{
	if (m == NULL)
		return;
	if (m->th_started)
		pthread_join(m->th, NULL);
	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->rk);
	free(m);
}
