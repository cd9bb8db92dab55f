/*
 * Benchmark of the API worker against a real daemon:
 *   - `wrk` on GET /api/v1/peers with 1000 registry entries (the whole
 *     list, a 304 for If-None-Match with its ETag, ?limit=100), next to
 *     GET /health in the same run.  The entries are real: 1000 node_status
 *     messages, each signed by its own Ed25519 identity, published through
 *     one gossipsub connection of ours (the daemon verifies every one).
 *   - WebSocket fan-out: 1000 block announcements a second, signed and
 *     sent over the same gossipsub connection, through the daemon's gossip
 *     worker to the api worker's /p2p-ws clients (100 of them,
 *     tests/interop/ws_fanout.mjs), with the p50/p99 delay from our send
 *     to a client's receipt.
 * Exits 1 unless every entry is registered and every client got every
 * notification.
 * Usage: api_bench TERAP2PD [entries] [clients] [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "teranode/msg.h"
#include "bench_daemon.h"
#include "bench_host.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define TOPIC	"teranode/bitcoin/1.0.0/mainnet-node_status"
#define BLOCK_TOPIC	"teranode/bitcoin/1.0.0/mainnet-block"
#define KEY	"benchkey"

/* One node_status signed by a fresh identity, as an RPC on our stream. */
static void
send_status(struct p2p_stream *out, uint32_t i)
{
	struct p2p_identity	 id;
	struct tn_msg	 m;
	uint8_t			*msg, *rpc, pre[P2P_VARINT_MAX];
	char			*env;
	size_t			 envlen, msglen, rpclen, n;

	p2p_identity_generate(&id);
	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_NODE_STATUS;
	snprintf(m.u.node_status.peer_id, sizeof(m.u.node_status.peer_id), "%s",
	    id.peer_id_text);
	snprintf(m.u.node_status.client_name,
	    sizeof(m.u.node_status.client_name), "bench-%u", i);
	snprintf(m.u.node_status.type, sizeof(m.u.node_status.type),
	    "node_status");
	m.u.node_status.best_height = i + 1;
	if (tn_msg_seal(&m, "bench", &env, &envlen) != TN_MSG_OK ||
	    ps_msg_sign(&id, (const uint8_t *)TOPIC, strlen(TOPIC),
	    (const uint8_t *)env, envlen, (uint64_t)i + 1, &msg, &msglen) != 0 ||
	    ps_rpc_wrap(msg, msglen, &rpc, &rpclen) != 0)
		fatal("cannot build message %u", i);
	n = p2p_varint_encode(rpclen, pre);
	p2p_stream_write(out, pre, n);
	p2p_stream_write(out, rpc, rpclen);
	free(env);
	free(msg);
	free(rpc);
	p2p_identity_fini(&id);
}

/* `wrk` for seconds on url (with extra options): requests/s and mean
 * latency (ms). */
static void
wrk(const char *url, const char *opts, int seconds, double *rps, double *lat)
{
	char	 cmd[768], line[512], unit[4];
	FILE	*fp;
	double	 v;

	*rps = *lat = -1;
	snprintf(cmd, sizeof(cmd), "wrk -t2 -c50 -d%ds %s %s 2>&1", seconds,
	    opts, url);
	if ((fp = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, " Requests/sec: %lf", &v) == 1)
			*rps = v;
		if (sscanf(line, " Latency %lf%3s", &v, unit) == 2)
			*lat = strcmp(unit, "us") == 0 ? v / 1000 :
			    strcmp(unit, "ms") == 0 ? v : v * 1000;
	}
	pclose(fp);
}

/* The ETag of url's answer now ("" if none). */
static void
etag_of(const char *url, char *out, size_t len)
{
	char	 cmd[512], line[512];
	FILE	*fp;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "curl -s -D - -o /dev/null %s", url);
	if ((fp = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncasecmp(line, "ETag: ", 6) == 0) {
			line[strcspn(line, "\r\n")] = '\0';
			if (strlen(line + 6) < len)
				memcpy(out, line + 6, strlen(line + 6) + 1);
		}
	pclose(fp);
}

/* n block announcements at rate/s, each signed by our identity and sent
 * over our gossipsub stream; the daemon's gossip worker verifies them and
 * the api worker turns each into a /p2p-ws "block" notification whose
 * base_url carries the send time (wall clock, µs). */
static void
publish_blocks(struct event_base *base, struct bench_host *g,
    struct p2p_stream *out, int n, int rate)
{
	struct tn_msg	 m;
	struct timespec	 ts;
	uint8_t		*msg, *rpc, pre[P2P_VARINT_MAX];
	char		*env;
	size_t		 envlen, msglen, rpclen;
	uint64_t	 t0 = now_us();
	int		 i;

	for (i = 0; i < n; i++) {
		while (now_us() - t0 < (uint64_t)i * 1000000 / (uint64_t)rate)
			bench_spin(base, 1);
		clock_gettime(CLOCK_REALTIME, &ts);
		memset(&m, 0, sizeof(m));
		m.kind = TN_MSG_BLOCK;
		snprintf(m.u.block.peer_id, sizeof(m.u.block.peer_id), "%s",
		    g->h.id.peer_id_text);
		snprintf(m.u.block.data_hub_url, sizeof(m.u.block.data_hub_url),
		    "http://bench/%llu", (unsigned long long)ts.tv_sec *
		    1000000 + (unsigned long long)ts.tv_nsec / 1000);
		snprintf(m.u.block.hash, sizeof(m.u.block.hash), "%064x", i + 1);
		m.u.block.height = (uint32_t)i + 1;
		if (tn_msg_seal(&m, "bench", &env, &envlen) != TN_MSG_OK ||
		    ps_msg_sign(&g->h.id, (const uint8_t *)BLOCK_TOPIC,
		    strlen(BLOCK_TOPIC), (const uint8_t *)env, envlen,
		    1000000 + (uint64_t)i, &msg, &msglen) != 0 ||
		    ps_rpc_wrap(msg, msglen, &rpc, &rpclen) != 0)
			fatal("cannot build block %d", i);
		p2p_stream_write(out, pre, p2p_varint_encode(rpclen, pre));
		p2p_stream_write(out, rpc, rpclen);
		free(env);
		free(msg);
		free(rpc);
	}
	bench_spin(base, 100);
}

int
main(int argc, char **argv)
{
	const char		*bin = argc > 1 ? argv[1] : "build/release/terap2pd";
	uint32_t		 entries = argc > 2 ? (uint32_t)atoi(argv[2]) : 1000;
	int			 clients = argc > 3 ? atoi(argv[3]) : 100;
	int			 secs = argc > 4 ? atoi(argv[4]) : 5, i;
	int			 port = 26000 + (int)(getpid() % 8000);
	struct daemon		 d;
	struct event_base	*base;
	struct bench_host	*g;
	struct p2p_conn	*c = NULL;
	struct p2p_stream	*out = NULL;
	char			 dir[] = "/tmp/tp-apib-XXXXXX", addr[200], url[256],
				 cmd[512], line[512];
	double			 prps, plat, hrps, hlat, p50 = -1, p99 = -1;
	double			 nrps, nlat, lrps, llat;
	char			 etag[96], opts[160];
	FILE			*fp;
	uint32_t		 k;
	int64_t			 reg = 0;
	long			 wsgot = 0;

	log_init("bench", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(line, sizeof(line), "api_key = " KEY "\n"
	    "api_max_connections_per_ip = %d\napi_ws_max_clients = %d\n",
	    clients + 64, clients + 8);
	daemon_start(&d, bin, port, line);
	base = event_base_new();
	g = bench_host_new(base, dir, port + 1, TOPIC);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d", port);
	if (p2p_host_dial(&g->h, addr, NULL, line, sizeof(line)) == -1)
		fatal("%s", line);
	for (i = 0; i < 200 && (out == NULL ||
	    out->state != P2P_STREAM_OPEN); i++) {
		bench_spin(base, 20);
		c = TAILQ_FIRST(&g->h.conns);
		out = c != NULL ? ps_meshsub_stream(&g->ms, c) : NULL;
	}
	if (out == NULL)
		fatal("no pubsub stream to the daemon");
	bench_spin(base, 1500);	/* subscriptions exchanged */
	for (k = 0; k < entries; k++) {
		send_status(out, k);
		if (k % 50 == 49)
			bench_spin(base, 10);
	}
	for (i = 0; i < 300 && (reg = stat_of(&d, "gossip.rep",
	    "registry_peers")) < (int64_t)entries; i++)
		bench_spin(base, 50);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/peers",
	    port + 1000);
	wrk(url, "", secs, &prps, &plat);
	etag_of(url, etag, sizeof(etag));
	snprintf(opts, sizeof(opts), "-H 'If-None-Match: %s'", etag);
	wrk(url, opts, secs, &nrps, &nlat);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/peers?limit=100",
	    port + 1000);
	wrk(url, "", secs, &lrps, &llat);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", port + 1000);
	wrk(url, "", secs, &hrps, &hlat);

	snprintf(cmd, sizeof(cmd), "node --no-warnings --experimental-websocket "
	    "tests/interop/ws_fanout.mjs ws://127.0.0.1:%d/p2p-ws %d %d",
	    port + 1000, clients, 1000 * 2);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL &&
		    strncmp(line, "ready", 5) == 0) {
			publish_blocks(base, g, out, 1000 * 2, 1000);
			if (fgets(line, sizeof(line), fp) != NULL) {
				char	*p;

				if ((p = strstr(line, "\"received\":")) != NULL)
					wsgot = atol(p + 11);
				if ((p = strstr(line, "\"p50\":")) != NULL)
					p50 = atof(p + 6);
				if ((p = strstr(line, "\"p99\":")) != NULL)
					p99 = atof(p + 6);
			}
		}
		pclose(fp);
	}
	printf("registry entries (signed node_status, verified): %lld\n",
	    (long long)reg);
	printf("GET /api/v1/peers (%lld entries): %8.0f req/s, mean %.2f ms\n",
	    (long long)reg, prps, plat);
	printf("GET /api/v1/peers, If-None-Match %s: %8.0f req/s, mean %.2f "
	    "ms = %.0f%% of /health\n", etag[0] != '\0' ? "(ETag given)" :
	    "(no ETag!)", nrps, nlat, hrps > 0 ? nrps * 100.0 / hrps : 0);
	printf("GET /api/v1/peers?limit=100:     %8.0f req/s, mean %.2f ms\n",
	    lrps, llat);
	printf("GET /api/v1/peers bodies built: %lld, reused: %lld\n",
	    (long long)stat_of(&d, "api.rep", "peers_body_rebuilds"),
	    (long long)stat_of(&d, "api.rep", "peers_body_reused"));
	printf("GET /health (same run):          %8.0f req/s, mean %.2f ms\n",
	    hrps, hlat);
	printf("/p2p-ws fan-out of gossiped blocks, 1000 msgs/s to %d clients "
	    "for 2 s: %ld of %d received, delay p50 %.2f ms, p99 %.2f ms, "
	    "%lld clients dropped as slow\n", clients, wsgot, clients * 2000,
	    p50, p99, (long long)stat_of(&d, "api.rep", "ws_dropped_slow"));
	p2p_host_stop(&g->h);
	daemon_stop(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 && reg >= (int64_t)entries &&
	    wsgot == (long)clients * 2000 ? 0 : 1;
}
