/*
 * Benchmark of one daemon's gossipsub ingest alone: a real terap2pd joins
 * a topic; this process is a libp2p peer of it that signs N 200-byte
 * messages first (outside the timed part) and then floods them over its
 * pubsub stream.  The daemon's rate of verified, delivered messages is
 * printed next to this machine's Ed25519 verify rate on one core, measured
 * in the same run just before and after, the higher of the two (the goal:
 * at least 70% of it; the machine's load varies, so the ratio is the
 * figure to compare).
 * Usage: ingest_bench TERAP2PD [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "bench_daemon.h"
#include "bench_host.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define TOPIC		"bench"
#define INFLIGHT	(512 * 1024)	/* our stream's queue, at most */

/* N signed messages, each a length-prefixed RPC, back to back. */
static struct evbuffer *
presign(const struct p2p_identity *id, uint32_t n)
{
	struct evbuffer	*all = evbuffer_new();
	uint8_t		 data[200], *msg, *rpc, pre[P2P_VARINT_MAX];
	size_t		 msglen, rpclen;
	uint32_t	 i;

	for (i = 0; i < n; i++) {
		memset(data, 'a', sizeof(data));
		memcpy(data, &i, sizeof(i));
		if (ps_msg_sign(id, (const uint8_t *)TOPIC, strlen(TOPIC), data,
		    sizeof(data), (uint64_t)i + 1, &msg, &msglen) != 0 ||
		    ps_rpc_wrap(msg, msglen, &rpc, &rpclen) != 0)
			fatal("cannot build message %u", i);
		evbuffer_add(all, pre, p2p_varint_encode(rpclen, pre));
		evbuffer_add(all, rpc, rpclen);
		free(msg);
		free(rpc);
	}
	return all;
}

static double
verify_rate(void)
{
	uint8_t		pk[32], sk[64], msg[300], sig[64];
	uint64_t	t0 = util_mono_ms(), n = 0;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	while (util_mono_ms() - t0 < 1000) {
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
			fatal("verify");
		n++;
	}
	return (double)n * 1000.0 / (double)(util_mono_ms() - t0);
}

static void
join(struct daemon *d)
{
	Tp__PubsubJoinReq	j = TP__PUBSUB_JOIN_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	j.topic = TOPIC;
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_JOIN_REQ;
	req.pubsub_join_req = &j;
	ipc_env_free(call(d, "gossip.rep", &req));
}

int
main(int argc, char **argv)
{
	struct daemon		 d;
	struct event_base	*base;
	struct bench_host	*g;
	struct p2p_stream	*out = NULL;
	struct p2p_conn		*c;
	struct evbuffer		*all;
	const char		*bin = argc > 1 ? argv[1] : "build/release/terap2pd";
	uint32_t		 n = argc > 2 ? (uint32_t)atoi(argv[2]) : 20000;
	char			 dir[] = "/tmp/tp-ingb-XXXXXX", addr[200], cmd[300];
	int64_t			 base_n, got = 0;
	uint64_t		 t0, t1;
	double			 vr, vr2, rate;
	size_t			 chunk;
	int			 i, port = 28000 + (int)(getpid() % 10000);

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	log_init("bench", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	vr = verify_rate();
	daemon_start(&d, bin, port, "");
	join(&d);
	base = event_base_new();
	g = bench_host_new(base, dir, port + 2, TOPIC);
	all = presign(&g->h.id, n);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d", port);
	if (p2p_host_dial(&g->h, addr, NULL, cmd, sizeof(cmd)) == -1)
		fatal("%s", cmd);
	for (i = 0; i < 500 && (out == NULL ||
	    out->state != P2P_STREAM_OPEN); i++) {
		bench_spin(base, 10);
		c = TAILQ_FIRST(&g->h.conns);
		out = c != NULL ? ps_meshsub_stream(&g->ms, c) : NULL;
	}
	if (out == NULL)
		fatal("no pubsub stream to the daemon");
	bench_spin(base, 1500);	/* subscriptions exchanged */

	base_n = stat_of(&d, "gossip.rep", "pubsub_msg_delivered");
	t0 = util_mono_ms();
	while (got < (int64_t)n && util_mono_ms() - t0 < 60000) {
		while (evbuffer_get_length(all) > 0 &&
		    evbuffer_get_length(out->out) < INFLIGHT) {
			chunk = evbuffer_get_length(all) < 65536 ?
			    evbuffer_get_length(all) : 65536;
			p2p_stream_write(out, evbuffer_pullup(all,
			    (ev_ssize_t)chunk), chunk);
			evbuffer_drain(all, chunk);
		}
		bench_spin(base, 5);
		if (evbuffer_get_length(all) == 0)
			got = stat_of(&d, "gossip.rep", "pubsub_msg_delivered") -
			    base_n;
	}
	t1 = util_mono_ms();
	rate = (double)got * 1000.0 / (double)(t1 - t0 + 1);
	vr2 = verify_rate();
	if (vr2 > vr)
		vr = vr2;
	printf("Ed25519 verify, one core:                 %8.0f /s\n", vr);
	printf("receiver ingest, pre-signed 200 B (N=%u): %8.0f msgs/s = %.0f%% "
	    "of verify (goal >= 70%%)\n", n, rate, rate * 100.0 / vr);
	evbuffer_free(all);
	p2p_host_stop(&g->h);
	daemon_stop(&d);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 && got == (int64_t)n ? 0 : 1;
}
