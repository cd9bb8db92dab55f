/*
 * kafka_bench: block announcements per second and latency from a libp2p
 * peer's send to a message readable on Kafka `blocks`, through a real
 * daemon's gossip worker and Kafka bridge, next to a raw librdkafka
 * producer writing the same messages in the same run.
 *
 *   kafka_bench raw    <bootstrap> <n> <window>
 *   kafka_bench daemon <bootstrap> <n> <window> <terap2pd>
 *
 * raw produces KafkaBlockTopicMessage values itself (idempotent, acks=all,
 * linger.ms=2: the bridge's settings).  daemon starts a real terap2pd with
 * KAFKA_HOSTS = bootstrap and is a libp2p peer of it (bench_host.c): each
 * announcement is a Teranode block message signed by our identity and sent
 * over our gossipsub stream, so it goes the product's way: the gossip
 * worker verifies and decodes it and publishes BlockSeen, the Kafka bridge
 * produces it.  Either way a consumer assigned to the end of `blocks` reads
 * the messages back; each carries its send time in its DataHub URL, so
 * latency is send -> readable by a consumer.  At most `window`
 * announcements are in flight.  Prints one line: mode, n, msgs/s,
 * p50/p99/max latency in ms; exits 1 unless every announcement was read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <librdkafka/rdkafka.h>

#include "../workers/kafka_bridge/kafka_bridge.h"
#include "bench_daemon.h"
#include "bench_host.h"
#include "kafka_messages.pb-c.h"
#include "log.h"
#include "teranode/msg.h"

#define TOPIC	"teranode/bitcoin/1.0.0/mainnet-block"

struct bench {
	rd_kafka_t		*cons, *prod;
	struct daemon		 d;
	struct event_base	*base;
	struct bench_host	*g;
	struct p2p_stream	*out;	/* our gossipsub stream to the daemon */
	char			 dir[32];
	uint64_t		*lat_us;	/* one per message read back */
	size_t			 sent, got, n, read, foreign;
};

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
			b->read++;
			/* the bridge names the block's author: ours */
			if (b->g != NULL && strcmp(m->peer_id,
			    b->g->h.id.peer_id_text) != 0)
				b->foreign++;
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

/* A block message signed by our identity, on our gossipsub stream. */
static void
send_block(struct bench *b, uint32_t height, const char *hash,
    const char *url)
{
	const struct p2p_identity	*id = &b->g->h.id;
	struct tn_msg			 m;
	uint8_t				*msg, *rpc, pre[P2P_VARINT_MAX];
	char				*env;
	size_t				 envlen, msglen, rpclen;

	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_BLOCK;
	snprintf(m.u.block.peer_id, sizeof(m.u.block.peer_id), "%s",
	    id->peer_id_text);
	snprintf(m.u.block.client_name, sizeof(m.u.block.client_name), "bench");
	snprintf(m.u.block.data_hub_url, sizeof(m.u.block.data_hub_url), "%s",
	    url);
	snprintf(m.u.block.hash, sizeof(m.u.block.hash), "%s", hash);
	m.u.block.height = height;
	if (tn_msg_seal(&m, "bench", &env, &envlen) != TN_MSG_OK ||
	    ps_msg_sign(id, (const uint8_t *)TOPIC, strlen(TOPIC),
	    (const uint8_t *)env, envlen, height, &msg, &msglen) != 0 ||
	    ps_rpc_wrap(msg, msglen, &rpc, &rpclen) != 0)
		fatal("cannot build block %u", height);
	p2p_stream_write(b->out, pre, p2p_varint_encode(rpclen, pre));
	p2p_stream_write(b->out, rpc, rpclen);
	free(env);
	free(msg);
	free(rpc);
}

/* A real daemon producing to bootstrap, and our gossipsub stream to it. */
static void
daemon_open(struct bench *b, const char *bin, const char *bootstrap)
{
	char		 extra[600], addr[64], err[256];
	struct p2p_conn	*c;
	int		 i, port = 24000 + (int)(getpid() % 2000);

	snprintf(b->dir, sizeof(b->dir), "/tmp/tp-kbh-XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		fatal("mkdtemp");
	snprintf(extra, sizeof(extra), "KAFKA_HOSTS = %s\nclientName = bench",
	    bootstrap);
	daemon_start(&b->d, bin, port, extra);
	b->base = event_base_new();
	b->g = bench_host_new(b->base, b->dir, port + 3, TOPIC);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d", port);
	if (p2p_host_dial(&b->g->h, addr, NULL, err, sizeof(err)) == -1)
		fatal("%s", err);
	for (i = 0; i < 1000 && (b->out == NULL ||
	    b->out->state != P2P_STREAM_OPEN); i++) {
		bench_spin(b->base, 10);
		c = TAILQ_FIRST(&b->g->h.conns);
		b->out = c != NULL ? ps_meshsub_stream(&b->g->ms, c) : NULL;
	}
	if (b->out == NULL || b->out->state != P2P_STREAM_OPEN)
		fatal("no gossipsub stream to the daemon");
}

static void
daemon_close(struct bench *b)
{
	char	cmd[64];

	p2p_host_stop(&b->g->h);
	daemon_stop(&b->d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", b->dir);
}

/* Warm up (connections, the producer ID, the daemon's view of our
 * subscription): announcements until one is read back, not timed. */
static void
warm_up(struct bench *b, int raw)
{
	uint64_t	until = now_us() + 30 * 1000000ULL, next = 0;
	uint32_t	tries = 0;
	char		hash[65];

	while (b->read == 0 && now_us() < until) {
		/* a block that reaches the daemon before our subscription may
		 * not be forwarded: another one every second until one is read */
		if (now_us() >= next) {
			snprintf(hash, sizeof(hash), "%064x", ++tries);
			if (raw) {
				send_raw(b, hash, "http://bench/warm-up");
				rd_kafka_flush(b->prod, 10000);
			} else
				send_block(b, tries, hash, "http://bench/warm-up");
			next = now_us() + 1000000;
		}
		if (!raw)
			bench_spin(b->base, 5);
		consume_some(b, 5);
	}
	/* whatever else of the warm-up is still on its way */
	for (until = now_us() + 500000; now_us() < until; ) {
		if (!raw)
			bench_spin(b->base, 5);
		consume_some(b, 5);
	}
	if (b->read == 0) {
		fprintf(stderr, "kafka_bench: the warm-up never reached Kafka\n");
		exit(1);
	}
	b->read = b->got = b->foreign = 0;
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
	    "daemon") != 0 || argc < 6))) {
		fprintf(stderr, "usage: kafka_bench raw|daemon bootstrap n "
		    "window [terap2pd]\n");
		return 2;
	}
	log_init("bench", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	memset(&b, 0, sizeof(b));
	raw = strcmp(argv[1], "raw") == 0;
	b.n = strtoul(argv[3], NULL, 10);
	window = strtoul(argv[4], NULL, 10);
	b.lat_us = calloc(b.n, sizeof(*b.lat_us));
	consumer_start(&b, argv[2]);
	if (raw)
		b.prod = client(RD_KAFKA_PRODUCER, argv[2]);
	else
		daemon_open(&b, argv[5], argv[2]);
	warm_up(&b, raw);
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
				send_block(&b, 100 + (uint32_t)b.sent, hash, url);
			b.sent++;
		}
		if (raw)
			rd_kafka_poll(b.prod, 0);
		else
			bench_spin(b.base, 1);
		consume_some(&b, raw ? 1 : 0);
	}
	dt = now_us() - t0;
	qsort(b.lat_us, b.got, sizeof(*b.lat_us), cmp_u64);
	printf("%-6s n=%zu read=%zu window=%zu  %.0f msgs/s  latency p50 %.2f "
	    "ms  p99 %.2f ms  max %.2f ms\n", argv[1], b.n, b.got, window,
	    (double)b.got * 1e6 / (double)dt,
	    b.got ? b.lat_us[b.got / 2] / 1000.0 : 0,
	    b.got ? b.lat_us[b.got * 99 / 100] / 1000.0 : 0,
	    b.got ? b.lat_us[b.got - 1] / 1000.0 : 0);
	if (b.foreign != 0)
		fprintf(stderr, "kafka_bench: %zu messages on blocks name another "
		    "author than ours\n", b.foreign);
	if (raw) {
		rd_kafka_flush(b.prod, 10000);
		rd_kafka_destroy(b.prod);
	} else
		daemon_close(&b);
	rd_kafka_consumer_close(b.cons);
	rd_kafka_destroy(b.cons);
	free(b.lat_us);
	return b.got == b.n && b.foreign == 0 ? 0 : 1;
}
