/*
 * kafka_bench: announcements per second and latency from a gossip event to
 * a message readable on Kafka `blocks`, through the Kafka bridge, next to a
 * raw librdkafka producer writing the same messages in the same run.
 *
 *   kafka_bench raw    <bootstrap> <n> <window>
 *   kafka_bench bridge <bootstrap> <n> <window> <run_dir>
 *
 * raw produces KafkaBlockTopicMessage values itself (idempotent, acks=all,
 * linger.ms=2: the bridge's settings); bridge binds gossip.pub in run_dir,
 * as the gossip worker does, and publishes BlockSeen events for the bridge
 * to produce.  Either way a consumer assigned to the end of `blocks` reads
 * the messages back; each carries its send time in its URL, so latency is
 * send -> readable by a consumer.  At most `window` announcements are in
 * flight (the bridge's SUB socket buffers 128 events; beyond, nng drops).
 * Prints one line: mode, n, msgs/s, p50/p99/max latency in ms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>

#include "../workers/kafka_bridge/kafka_bridge.h"
#include "ipc.h"
#include "kafka_messages.pb-c.h"

struct bench {
	rd_kafka_t	*cons, *prod;
	nng_socket	 pub;
	int		 pipes;
	uint64_t	*lat_us;	/* one per message read back */
	size_t		 sent, got, n;
};

static uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static rd_kafka_t *
client(rd_kafka_type_t type, const char *bootstrap)
{
	rd_kafka_conf_t	*c = rd_kafka_conf_new();
	char		 err[256];
	rd_kafka_t	*rk;

	rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof(err));
	rd_kafka_conf_set(c, "log_level", "3", err, sizeof(err));
	if (type == RD_KAFKA_PRODUCER) {
		rd_kafka_conf_set(c, "enable.idempotence", "true", err,
		    sizeof(err));
		rd_kafka_conf_set(c, "acks", "all", err, sizeof(err));
		rd_kafka_conf_set(c, "linger.ms", "2", err, sizeof(err));
	} else {
		rd_kafka_conf_set(c, "group.id", "kafka-bench", err, sizeof(err));
		rd_kafka_conf_set(c, "fetch.wait.max.ms", "5", err, sizeof(err));
		rd_kafka_conf_set(c, "enable.partition.eof", "false", err,
		    sizeof(err));
	}
	if ((rk = rd_kafka_new(type, c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "kafka_bench: %s\n", err);
		exit(1);
	}
	return rk;
}

/* Read `blocks` from its current end, every partition. */
static void
consumer_start(struct bench *b, const char *bootstrap)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_partition_list_t	*l;
	rd_kafka_topic_t		*t;
	int64_t				 lo, hi;
	int				 i;

	b->cons = client(RD_KAFKA_CONSUMER, bootstrap);
	t = rd_kafka_topic_new(b->cons, "blocks", NULL);
	if (rd_kafka_metadata(b->cons, 0, t, &md, 10000) != 0 ||
	    md->topic_cnt != 1 || md->topics[0].partition_cnt < 1) {
		fprintf(stderr, "kafka_bench: no metadata for blocks\n");
		exit(1);
	}
	l = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
	for (i = 0; i < md->topics[0].partition_cnt; i++) {
		rd_kafka_query_watermark_offsets(b->cons, "blocks", i, &lo, &hi,
		    10000);
		rd_kafka_topic_partition_list_add(l, "blocks", i)->offset = hi;
	}
	rd_kafka_assign(b->cons, l);
	rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(t);
}

static void
consume_some(struct bench *b, int timeout_ms)
{
	Kafkamessage__KafkaBlockTopicMessage	*m;
	rd_kafka_message_t			*msg;
	uint64_t				 t;

	while ((msg = rd_kafka_consumer_poll(b->cons, timeout_ms)) != NULL) {
		timeout_ms = 0;
		m = msg->err != 0 ? NULL :
		    kafkamessage__kafka_block_topic_message__unpack(NULL,
		    msg->len, msg->payload);
		if (m != NULL) {
			if (sscanf(m->url, "http://bench/%" SCNu64, &t) == 1 &&
			    b->got < b->n)
				b->lat_us[b->got++] = now_us() - t;
			kafkamessage__kafka_block_topic_message__free_unpacked(m,
			    NULL);
		}
		rd_kafka_message_destroy(msg);
	}
}

static void
send_raw(struct bench *b, const char *hash, const char *url)
{
	uint8_t	*v;
	size_t	 len;

	kafka_codec_block_encode(hash, url, "12D3KooWbench", &v, &len);
	while (rd_kafka_producev(b->prod, RD_KAFKA_V_TOPIC("blocks"),
	    RD_KAFKA_V_KEY(hash, strlen(hash)), RD_KAFKA_V_VALUE(v, len),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE), RD_KAFKA_V_END) != 0)
		rd_kafka_poll(b->prod, 1);
	rd_kafka_poll(b->prod, 0);
}

static void
send_event(struct bench *b, const char *hash, const char *url)
{
	Tp__BlockSeen	 s = TP__BLOCK_SEEN__INIT;
	ipc_env		 ev = TP__ENVELOPE__INIT;
	nng_msg		*m;
	char		 err[128];

	s.hash = (char *)hash;
	s.data_hub_url = (char *)url;
	s.peer_id = "12D3KooWbench";
	ev.body_case = TP__ENVELOPE__BODY_BLOCK_SEEN;
	ev.block_seen = &s;
	ev.sender = "gossip";
	if (ipc_encode(&ev, 1, &m, err, sizeof(err)) == -1 ||
	    nng_sendmsg(b->pub, m, 0) != 0) {
		fprintf(stderr, "kafka_bench: publish failed\n");
		exit(1);
	}
}

static void
pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	(void)ev;
	((struct bench *)arg)->pipes++;
}

static void
bridge_open(struct bench *b, const char *run_dir)
{
	char	url[512];
	int	i;

	if (nng_pub0_open(&b->pub) != 0 ||
	    ipc_url(run_dir, "gossip.pub", url, sizeof(url)) == -1) {
		fprintf(stderr, "kafka_bench: cannot open gossip.pub\n");
		exit(1);
	}
	/* nng's default of 16 queued messages per pipe drops bursts. */
	nng_socket_set_int(b->pub, NNG_OPT_SENDBUF, 1024);
	nng_pipe_notify(b->pub, NNG_PIPE_EV_ADD_POST, pipe_added, b);
	if (nng_listen(b->pub, url, NULL, 0) != 0) {
		fprintf(stderr, "kafka_bench: cannot bind %s\n", url);
		exit(1);
	}
	for (i = 0; i < 1000 && b->pipes == 0; i++)
		usleep(10000);
	if (b->pipes == 0) {
		fprintf(stderr, "kafka_bench: the bridge never connected\n");
		exit(1);
	}
	usleep(200000);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct bench	 b;
	size_t		 window;
	uint64_t	 t0, dt, deadline;
	char		 hash[65], url[64];
	int		 raw;

	if (argc < 5 || (strcmp(argv[1], "raw") != 0 && (strcmp(argv[1],
	    "bridge") != 0 || argc < 6))) {
		fprintf(stderr, "usage: kafka_bench raw|bridge bootstrap n "
		    "window [run_dir]\n");
		return 2;
	}
	memset(&b, 0, sizeof(b));
	raw = strcmp(argv[1], "raw") == 0;
	b.n = strtoul(argv[3], NULL, 10);
	window = strtoul(argv[4], NULL, 10);
	b.lat_us = calloc(b.n, sizeof(*b.lat_us));
	consumer_start(&b, argv[2]);
	/* Warm up: connections and the idempotent producer ID, not timed. */
	if (raw) {
		b.prod = client(RD_KAFKA_PRODUCER, argv[2]);
		send_raw(&b, "ff", "http://bench/warm-up");
		rd_kafka_flush(b.prod, 10000);
	} else {
		bridge_open(&b, argv[5]);
		send_event(&b, "ff", "http://bench/warm-up");
	}
	consume_some(&b, 500);
	t0 = now_us();
	deadline = t0 + 30 * 1000000ULL;
	while (b.got < b.n && now_us() < deadline) {
		while (b.sent < b.n && b.sent - b.got < window) {
			snprintf(hash, sizeof(hash), "%s%056zx", raw ? "00000000" :
			    "00000001", b.sent + 1);
			snprintf(url, sizeof(url), "http://bench/%" PRIu64,
			    now_us());
			if (raw)
				send_raw(&b, hash, url);
			else
				send_event(&b, hash, url);
			b.sent++;
		}
		if (raw)
			rd_kafka_poll(b.prod, 0);
		consume_some(&b, 1);
	}
	dt = now_us() - t0;
	qsort(b.lat_us, b.got, sizeof(*b.lat_us), cmp_u64);
	printf("%-6s n=%zu read=%zu window=%zu  %.0f msgs/s  latency p50 %.2f "
	    "ms  p99 %.2f ms  max %.2f ms\n", argv[1], b.n, b.got, window,
	    (double)b.got * 1e6 / (double)dt,
	    b.got ? b.lat_us[b.got / 2] / 1000.0 : 0,
	    b.got ? b.lat_us[b.got * 99 / 100] / 1000.0 : 0,
	    b.got ? b.lat_us[b.got - 1] / 1000.0 : 0);
	if (raw) {
		rd_kafka_flush(b.prod, 10000);
		rd_kafka_destroy(b.prod);
	} else
		nng_close(b.pub);
	rd_kafka_consumer_close(b.cons);
	rd_kafka_destroy(b.cons);
	free(b.lat_us);
	return b.got == b.n ? 0 : 1;
}
