/*
 * Kafka bridge worker: its settings (KAFKA_HOSTS, the KAFKA_<topic> names,
 * Teranode's kafka_*Config URLs, TLS, SASL, queue and attribution-map
 * limits) read once at start into struct kafka_conf, and the librdkafka
 * configuration every client of this worker starts from.
 *
 * One cluster per node: the bootstrap servers are KAFKA_HOSTS, or when that
 * is empty/`embedded` the hosts of the kafka:// URLs (which must agree);
 * with neither, or a memory:// URL, the worker starts the embedded broker.
 * A URL's topic, partitions, replication and replay override the defaults.
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "config.h"
#include "kafka_bridge.h"
#include "log.h"
#include "proc.h"

static const struct {
	const char	*topic_key;
	const char	*url_key;
} kafka_conf_keys[KAFKA_T_COUNT] = {
	[KAFKA_T_BLOCKS] = { "KAFKA_BLOCKS", "kafka_blocksConfig" },
	[KAFKA_T_SUBTREES] = { "KAFKA_SUBTREES", "kafka_subtreesConfig" },
	[KAFKA_T_REJECTEDTX] = { "KAFKA_REJECTEDTX", "kafka_rejectedTxConfig" },
	[KAFKA_T_INVALID_BLOCKS] = { "KAFKA_INVALID_BLOCKS",
	    "kafka_invalidBlocksConfig" },
	[KAFKA_T_INVALID_SUBTREES] = { "KAFKA_INVALID_SUBTREES",
	    "kafka_invalidSubtreesConfig" },
};

static int
kafka_conf_topic_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > KAFKA_TOPIC_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789._-", s[i]) == NULL)
			return 0;
	return 1;
}

/* One topic from its name key and optional URL; url_hosts collects hosts. */
static int
kafka_conf_topic(const struct config *cfg, enum kafka_topic_id id,
    struct kafka_topic *t, char *url_hosts, size_t hostlen, int *memory,
    char *err, size_t errlen)
{
	const char	*name = config_str(cfg, kafka_conf_keys[id].topic_key);
	const char	*url = config_str(cfg, kafka_conf_keys[id].url_key);
	struct kafka_url u;
	char		 uerr[256];

	t->partitions = 1;
	t->replication = 1;
	t->replay = 0;
	if (url[0] != '\0') {
		if (kafka_codec_url_parse(url, &u, uerr, sizeof(uerr)) == -1) {
			snprintf(err, errlen, "%s: %s",
			    kafka_conf_keys[id].url_key, uerr);
			return -1;
		}
		if (strcmp(u.scheme, "memory") == 0)
			*memory = 1;
		else if (url_hosts[0] == '\0')
			snprintf(url_hosts, hostlen, "%s", u.hosts);
		else if (strcmp(url_hosts, u.hosts) != 0) {
			snprintf(err, errlen, "%s: hosts \"%s\" differ from "
			    "\"%s\" (one Kafka cluster per node)",
			    kafka_conf_keys[id].url_key, u.hosts, url_hosts);
			return -1;
		}
		name = u.topic;
		t->partitions = u.partitions;
		t->replication = u.replication;
		t->replay = u.replay == 1;
	}
	if (!kafka_conf_topic_ok(name)) {
		snprintf(err, errlen, "%s: \"%.80s\" is not a Kafka topic name",
		    kafka_conf_keys[id].topic_key, name);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	return 0;
}

int
kafka_conf_load(struct kafka_ctx *k, char *err, size_t errlen)
{
	const struct config	*cfg = k->p->cfg;
	struct kafka_conf	*c = &k->conf;
	const char		*hosts = config_str(cfg, "KAFKA_HOSTS");
	char			 url_hosts[512] = "";
	int			 memory = 0, i;

	for (i = 0; i < KAFKA_T_COUNT; i++)
		if (kafka_conf_topic(cfg, (enum kafka_topic_id)i, &c->topics[i],
		    url_hosts, sizeof(url_hosts), &memory, err, errlen) == -1)
			return -1;
	if (hosts[0] != '\0' && strcmp(hosts, "embedded") != 0)
		snprintf(c->bootstrap, sizeof(c->bootstrap), "%s", hosts);
	else if (url_hosts[0] != '\0' && !memory)
		snprintf(c->bootstrap, sizeof(c->bootstrap), "%s", url_hosts);
	else
		c->embedded = 1;
	snprintf(c->group, sizeof(c->group), "p2p.%s",
	    config_str(cfg, "clientName"));
	c->listen_only = strcmp(config_str(cfg, "listen_mode"),
	    "listen_only") == 0;
	c->queue_max = (size_t)config_int(cfg, "kafka_queue_max");
	c->probe_timeout_ms = config_duration_ms(cfg, "kafka_health_timeout");
	c->map_max = (size_t)config_int(cfg, "p2p_peer_map_max_size");
	c->map_ttl_ms = config_duration_ms(cfg, "p2p_peer_map_ttl");
	c->map_sweep_ms = config_duration_ms(cfg,
	    "p2p_peer_map_cleanup_interval");
	if (c->probe_timeout_ms == 0 || c->map_sweep_ms == 0) {
		snprintf(err, errlen, "kafka_health_timeout and "
		    "p2p_peer_map_cleanup_interval must be more than 0");
		return -1;
	}
	return 0;
}

int
kafka_conf_set(rd_kafka_conf_t *rc, const char *name, const char *value,
    char *err, size_t errlen)
{
	char	why[256];

	if (rd_kafka_conf_set(rc, name, value, why, sizeof(why)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "librdkafka %s=%s: %s", name, value, why);
		return -1;
	}
	return 0;
}

/* TLS and SASL as librdkafka offers them. */
static int
kafka_conf_security(const struct config *cfg, rd_kafka_conf_t *rc,
    char *err, size_t errlen)
{
	const char	*mech = config_str(cfg, "kafka_saslMechanism");
	int		 tls = config_bool(cfg, "kafka_enableTLS");
	int		 sasl = strcmp(mech, "none") != 0;
	static const char *files[][2] = {
		{ "kafka_tlsCAFile", "ssl.ca.location" },
		{ "kafka_tlsCertFile", "ssl.certificate.location" },
		{ "kafka_tlsKeyFile", "ssl.key.location" },
	};
	size_t		 i;

	if (kafka_conf_set(rc, "security.protocol", tls ? (sasl ?
	    "sasl_ssl" : "ssl") : (sasl ? "sasl_plaintext" : "plaintext"), err,
	    errlen) == -1)
		return -1;
	if (tls) {
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (config_str(cfg, files[i][0])[0] != '\0' &&
			    kafka_conf_set(rc, files[i][1], config_str(cfg,
			    files[i][0]), err, errlen) == -1)
				return -1;
		if (config_bool(cfg, "kafka_tlsSkipVerify") &&
		    (kafka_conf_set(rc, "enable.ssl.certificate.verification",
		    "false", err, errlen) == -1 ||
		    kafka_conf_set(rc, "ssl.endpoint.identification.algorithm",
		    "none", err, errlen) == -1))
			return -1;
	}
	if (sasl && (kafka_conf_set(rc, "sasl.mechanisms", mech, err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "sasl.username", config_str(cfg,
	    "kafka_saslUsername"), err, errlen) == -1 ||
	    kafka_conf_set(rc, "sasl.password", config_str(cfg,
	    "kafka_saslPassword"), err, errlen) == -1))
		return -1;
	return 0;
}

/* librdkafka's own lines, served on the loop thread (log.queue). */
static void
kafka_conf_log(const rd_kafka_t *rk, int level, const char *fac,
    const char *buf)
{
	(void)rk;
	if (level <= 3)
		log_error("librdkafka %s: %s", fac, buf);
	else if (level == 4)
		log_warn("librdkafka %s: %s", fac, buf);
	else if (level <= 6)
		log_info("librdkafka %s: %s", fac, buf);
	else
		log_debug("librdkafka %s: %s", fac, buf);
}

rd_kafka_conf_t *
kafka_conf_rd(struct kafka_ctx *k, char *err, size_t errlen)
{
	rd_kafka_conf_t	*rc = rd_kafka_conf_new();
	char		 id[300];

	snprintf(id, sizeof(id), "terap2p-%s", config_str(k->p->cfg,
	    "clientName"));
	if (kafka_conf_set(rc, "bootstrap.servers", k->conf.bootstrap, err,
	    errlen) == -1 ||
	    kafka_conf_set(rc, "client.id", id, err, errlen) == -1 ||
	    kafka_conf_set(rc, "reconnect.backoff.max.ms", "1000", err,
	    errlen) == -1 ||
	    (!k->conf.embedded && kafka_conf_security(k->p->cfg, rc, err,
	    errlen) == -1)) {
		rd_kafka_conf_destroy(rc);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(rc, kafka_conf_log);
	return rc;
}
