/*
 * Benchmark of gossipsub ingest: two real terap2pd daemons on loopback
 * (separate processes, as deployed); A publishes N signed 200-byte
 * messages, B verifies and delivers them.  Printed next to, from the same
 * run: this machine's Ed25519 verify rate on one core (the ceiling of
 * ingest) and js-libp2p -> js-libp2p (tests/interop/pubsub_bench.mjs).
 * The N messages go once one per request and once 32 per PublishBatchReq
 * (a daemon without it, for before/after, skips that run).  Then one-hop
 * latency, one message at a time, from A's publish request to B's delivery
 * event (both over IPC), beside its floor measured in the same run: three
 * cross-process wakeups plus one Ed25519 sign and verify.  Goals: >= 75% of
 * the verify rate, >= 5x js-libp2p, latency p50 <= 0.3 ms, p99 <= 1 ms.
 * Usage: pubsub_bench TERAP2PD [N] [samples]
 */
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <sodium.h>

#include "bench_daemon.h"
#include "ipc.h"
#include "log.h"
#include "util.h"

#define TOPIC	"bench"
#define BATCH	32	/* messages per PublishBatchReq */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
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

/* Publish over one long-lived REQ socket to A's gossip.rep. */
static void
publish(nng_socket s, uint32_t i)
{
	Tp__PubsubPublishReq	 p = TP__PUBSUB_PUBLISH_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	uint8_t			 data[200];
	nng_msg			*m;
	char			 err[128];

	memset(data, 'a', sizeof(data));
	memcpy(data, &i, sizeof(i));
	p.topic = TOPIC;
	p.data.data = data;
	p.data.len = sizeof(data);
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_PUBLISH_REQ;
	req.pubsub_publish_req = &p;
	if (ipc_encode(&req, 0, &m, err, sizeof(err)) == -1 ||
	    nng_sendmsg(s, m, 0) != 0 || nng_recvmsg(s, &m, 0) != 0)
		fatal("publish %u failed", i);
	if (ipc_decode(nng_msg_body(m), nng_msg_len(m), &rep, err,
	    sizeof(err)) == -1 || rep->status != 0)
		fatal("publish %u refused", i);
	ipc_env_free(rep);
	nng_msg_free(m);
}

/* Publish count messages from first in one PublishBatchReq. */
static void
publish_batch(nng_socket s, uint32_t first, uint32_t count)
{
	Tp__PubsubPublishReq	 p[BATCH], *pp[BATCH];
	Tp__PublishBatchReq	 b = TP__PUBLISH_BATCH_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	uint8_t			 data[BATCH][200];
	nng_msg			*m;
	char			 err[128];
	uint32_t		 k;

	for (k = 0; k < count; k++) {
		tp__pubsub_publish_req__init(&p[k]);
		memset(data[k], 'a', sizeof(data[k]));
		memcpy(data[k], &(uint32_t){ first + k }, sizeof(uint32_t));
		p[k].topic = TOPIC;
		p[k].data.data = data[k];
		p[k].data.len = sizeof(data[k]);
		pp[k] = &p[k];
	}
	b.raw = pp;
	b.n_raw = count;
	req.body_case = TP__ENVELOPE__BODY_PUBLISH_BATCH_REQ;
	req.publish_batch_req = &b;
	if (ipc_encode(&req, 0, &m, err, sizeof(err)) == -1 ||
	    nng_sendmsg(s, m, 0) != 0 || nng_recvmsg(s, &m, 0) != 0)
		fatal("publish batch at %u failed", first);
	if (ipc_decode(nng_msg_body(m), nng_msg_len(m), &rep, err,
	    sizeof(err)) == -1 || rep->status != 0 ||
	    rep->body_case != TP__ENVELOPE__BODY_PUBLISH_BATCH_REP ||
	    rep->publish_batch_rep->n_status != count)
		fatal("publish batch at %u refused", first);
	for (k = 0; k < count; k++)
		if (rep->publish_batch_rep->status[k] != 0)
			fatal("message %u refused: %s", first + k,
			    rep->publish_batch_rep->error[k]);
	ipc_env_free(rep);
	nng_msg_free(m);
}

#define SENDERS	8

struct sender {
	pthread_t	t;
	char		url[256];
	uint32_t	first, count;
	int		batched;	/* BATCH messages per request */
};

/* One of SENDERS threads, each on its own REQ socket to A: pipelining. */
static void *
sender_run(void *arg)
{
	struct sender	*sd = arg;
	nng_socket	 s;
	uint32_t	 k;

	nng_req0_open(&s);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
	if (nng_dial(s, sd->url, NULL, 0) != 0)
		fatal("dial %s", sd->url);
	for (k = 0; k < sd->count; k += sd->batched ? BATCH : 1)
		if (!sd->batched)
			publish(s, sd->first + k);
		else
			publish_batch(s, sd->first + k, sd->count - k < BATCH ?
			    sd->count - k : BATCH);
	nng_close(s);
	return NULL;
}

/*
 * B's rate of delivered messages while SENDERS threads publish n at A (one
 * per request, or batched), from first on; *got: how many arrived.
 */
static double
run(struct daemon *b, const char *url, uint32_t n, uint32_t first,
    int batched, int64_t *got)
{
	struct sender	snd[SENDERS];
	int64_t		base;
	uint64_t	t0, t1;
	int		i;

	base = stat_of(b, "gossip.rep", "pubsub_msg_delivered");
	t0 = util_mono_ms();
	for (i = 0; i < SENDERS; i++) {
		snprintf(snd[i].url, sizeof(snd[i].url), "%s", url);
		snd[i].first = first + (uint32_t)i * (n / SENDERS);
		snd[i].count = i == SENDERS - 1 ? n - (uint32_t)i *
		    (n / SENDERS) : n / SENDERS;
		snd[i].batched = batched;
		pthread_create(&snd[i].t, NULL, sender_run, &snd[i]);
	}
	for (i = 0; i < SENDERS; i++)
		pthread_join(snd[i].t, NULL);
	do {
		*got = stat_of(b, "gossip.rep", "pubsub_msg_delivered") - base;
		t1 = util_mono_ms();
		if (*got < (int64_t)n)
			usleep(2000);
	} while (*got < (int64_t)n && t1 - t0 < 60000);
	return (double)*got * 1000.0 / (double)(t1 - t0 + 1);
}

/* Relay bytes from p[k] to p[k + 1] until the ring closes (a child). */
static void
relay(int p[3][2], int k)
{
	char	c;
	int	i, in = p[k][0], out = p[k + 1][1];

	for (i = 0; i < 3; i++) {
		if (p[i][0] != in)
			close(p[i][0]);
		if (p[i][1] != out)
			close(p[i][1]);
	}
	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			break;
	_exit(0);
}

/*
 * The floor of one-hop latency on this machine, now: a byte around a ring
 * of three processes (us -> A -> B -> us, as publish -> gossip A -> gossip
 * B -> event), i.e. three cross-process wakeups, plus one Ed25519 sign and
 * verify.  p50 and p99 in us into out[2].
 */
static void
wakeup_floor(int samples, uint64_t out[2])
{
	int		p[3][2], i;
	pid_t		c1, c2;
	uint64_t	*lat = calloc((size_t)samples, sizeof(*lat)), t0;
	uint8_t		pk[32], sk[64], msg[300], sig[64];
	char		ch = 'x';

	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	for (i = 0; i < 3; i++)
		if (pipe(p[i]) == -1)
			fatal("pipe");
	if ((c1 = fork()) == 0)
		relay(p, 0);
	if ((c2 = fork()) == 0)
		relay(p, 1);
	for (i = 0; i < samples; i++) {
		t0 = now_us();
		crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
		if (write(p[0][1], &ch, 1) != 1 || read(p[2][0], &ch, 1) != 1)
			fatal("ring");
		if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
			fatal("verify");
		lat[i] = now_us() - t0;
	}
	for (i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	waitpid(c1, NULL, 0);
	waitpid(c2, NULL, 0);
	qsort(lat, (size_t)samples, sizeof(*lat), cmp_u64);
	out[0] = lat[samples / 2];
	out[1] = lat[samples * 99 / 100];
	free(lat);
}

/* pubsub_bench --nng-echo URL: answer every request with itself. */
static int
nng_echo_serve(const char *url)
{
	nng_socket	 r;
	nng_msg		*m;

	if (nng_rep0_open(&r) != 0 || nng_listen(r, url, NULL, 0) != 0)
		return 1;
	while (nng_recvmsg(r, &m, 0) == 0)
		if (nng_sendmsg(r, m, 0) != 0)
			nng_msg_free(m);
	return 0;
}

/*
 * nng's own share of the path: a REQ/REP round trip over ipc:// to a
 * process that only echoes (no terap2p code), p50 and p99 in us into
 * out[2].  A reference beside the figure, like the pipe ring above: it
 * serves no socket of ours (its own name, in a directory of its own) and
 * stands in for no worker; the daemons' path is measured for real.
 * The one-hop path crosses nng twice one way (the publish request into
 * A, the event out of B), so about one of these round trips.
 */
static void
nng_echo_rtt(const char *self, int samples, uint64_t out[2])
{
	char		 url[300], dir[] = "/tmp/nng-echo-XXXXXX";
	nng_socket	 s;
	nng_msg		*m;
	uint64_t	*lat = calloc((size_t)samples, sizeof(*lat)), t0;
	pid_t		 c;
	int		 i, ok = 1;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(url, sizeof(url), "ipc://%s/echo", dir);
	/* a new program: nng may not be used in a forked child */
	if ((c = fork()) == 0) {
		execl(self, self, "--nng-echo", url, (char *)NULL);
		_exit(127);
	}
	if (nng_req0_open(&s) != 0)
		fatal("nng echo");
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 2000);
	for (i = 0; i < 50 && nng_dial(s, url, NULL, 0) != 0; i++)
		usleep(20000);
	for (i = 0; i < samples && ok; i++) {
		if (nng_msg_alloc(&m, 64) != 0)
			fatal("nng echo");
		t0 = now_us();
		if (nng_sendmsg(s, m, 0) != 0 || nng_recvmsg(s, &m, 0) != 0)
			ok = 0;
		else
			nng_msg_free(m);
		lat[i] = now_us() - t0;
	}
	nng_close(s);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	(void)unlink(url + strlen("ipc://"));
	(void)rmdir(dir);
	if (!ok)
		fatal("nng echo: no answer");
	qsort(lat, (size_t)samples, sizeof(*lat), cmp_u64);
	out[0] = lat[samples / 2];
	out[1] = lat[samples * 99 / 100];
	free(lat);
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

int
main(int argc, char **argv)
{
	struct daemon		 a, b;
	Tp__ConnectPeerReq	 c = TP__CONNECT_PEER_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT;
	const char		*bin = argc > 1 ? argv[1] : "build/release/terap2pd";
	uint32_t		 n = argc > 2 ? (uint32_t)atoi(argv[2]) : 20000;
	int			 samples = argc > 3 ? atoi(argv[3]) : 200, i;
	uint64_t		*lat, t0, floor_us[2], echo_us[2];
	int64_t			 got, got_b, dropped, held;
	double			 vr, rate, rate_b, js_rate = 0, js_p50 = 0, js_p99 = 0;
	char			 addr[200], url[256], cmd[256], line[512];
	nng_socket		 sub, req_sock;
	uint8_t			 tag[IPC_TAG_LEN];
	nng_msg			*m;
	FILE			*fp;
	int			 port = 24000 + (int)(getpid() % 10000);

	if (argc == 3 && strcmp(argv[1], "--nng-echo") == 0)
		return nng_echo_serve(argv[2]);
	if (sodium_init() < 0)
		return 1;
	log_init("bench", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	vr = verify_rate();
	daemon_start(&a, bin, port, "");
	daemon_start(&b, bin, port + 1, "");
	join(&a);
	join(&b);
	/* no /p2p/ part: the bench does not need to know B's peer ID */
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d", b.port);
	c.multiaddr = addr;
	req.body_case = TP__ENVELOPE__BODY_CONNECT_PEER_REQ;
	req.connect_peer_req = &c;
	ipc_env_free(call(&a, "gossip.rep", &req));
	for (i = 0; i < 100 && stat_of(&b, "gossip.rep", "pubsub_peers") < 1; i++)
		usleep(50000);
	sleep(2);	/* subscriptions exchanged, mesh grafted */

	nng_req0_open(&req_sock);
	nng_socket_set_ms(req_sock, NNG_OPT_RECVTIMEO, 5000);
	ipc_url(a.run, "gossip.rep", url, sizeof(url));
	if (nng_dial(req_sock, url, NULL, 0) != 0)
		fatal("dial %s", url);
	rate = run(&b, url, n, 0, 0, &got);
	/* a daemon without PublishBatchReq (an older build, for before/after) */
	rate_b = got_b = 0;
	if (stat_of(&a, "gossip.rep", "publish_batches") >= 0)
		rate_b = run(&b, url, n, n + (uint32_t)samples, 1, &got_b);
	else
		got_b = n;

	nng_sub0_open(&sub);
	ipc_tag(TP__ENVELOPE__BODY_PUBSUB_MESSAGE, tag);
	nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, tag, sizeof(tag));
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 2000);
	ipc_url(b.run, "gossip.pub.msg", url, sizeof(url));	/* PubsubMessage */
	nng_dial(sub, url, NULL, 0);
	usleep(200000);
	lat = calloc((size_t)samples, sizeof(*lat));
	for (i = 0; i < samples; i++) {
		t0 = now_us();
		publish(req_sock, n + (uint32_t)i);
		if (nng_recvmsg(sub, &m, 0) == 0)
			nng_msg_free(m);
		lat[i] = now_us() - t0;
	}
	qsort(lat, (size_t)samples, sizeof(*lat), cmp_u64);
	wakeup_floor(samples * 5, floor_us);
	nng_echo_rtt(argv[0], samples * 5, echo_us);
	dropped = stat_of(&a, "gossip.rep", "pubsub_dropped_slow");
	held = stat_of(&a, "gossip.rep", "publish_held");
	nng_close(sub);
	nng_close(req_sock);
	daemon_stop(&a);
	daemon_stop(&b);

	snprintf(cmd, sizeof(cmd), "node tests/interop/pubsub_bench.mjs %u %d",
	    n < 5000 ? n : 5000, samples);
	if ((fp = popen(cmd, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL) {
			char	*p;

			if ((p = strstr(line, "\"rate\":")) != NULL)
				js_rate = atof(p + 7);
			if ((p = strstr(line, "\"p50\":")) != NULL)
				js_p50 = atof(p + 6);
			if ((p = strstr(line, "\"p99\":")) != NULL)
				js_p99 = atof(p + 6);
		}
		pclose(fp);
	}
	printf("Ed25519 verify, one core:              %8.0f /s\n", vr);
	printf("terap2p -> terap2p ingest (200 B, N=%u): %8.0f msgs/s = %.0f%% "
	    "of verify (goal >= 75%%)\n", n, rate, rate * 100.0 / vr);
	printf("same, %d messages per PublishBatchReq:  %8.0f msgs/s = %.0f%% "
	    "of verify\n", BATCH, rate_b, rate_b * 100.0 / vr);
	printf("sender: %lld RPCs dropped to a slow peer, %lld publish "
	    "replies held back\n", (long long)dropped, (long long)held);
	printf("js-libp2p -> js-libp2p (same run):     %8.0f msgs/s; terap2p is "
	    "%.1fx, batched %.1fx (goal >= 5x)\n", js_rate,
	    js_rate > 0 ? rate / js_rate : 0, js_rate > 0 ? rate_b / js_rate : 0);
	printf("one-hop latency terap2p (IPC publish -> IPC event): p50 %.2f ms, "
	    "p99 %.2f ms\n", (double)lat[samples / 2] / 1000.0,
	    (double)lat[samples * 99 / 100] / 1000.0);
	printf("floor, same run (3 process wakeups + sign + verify): p50 "
	    "%.2f ms, p99 %.2f ms\n", (double)floor_us[0] / 1000.0,
	    (double)floor_us[1] / 1000.0);
	printf("nng REQ/REP round trip over ipc://, echo only (same run): "
	    "p50 %.2f ms, p99 %.2f ms\n", (double)echo_us[0] / 1000.0,
	    (double)echo_us[1] / 1000.0);
	printf("one-hop latency js-libp2p (in process):             p50 %.2f ms, "
	    "p99 %.2f ms\n", js_p50, js_p99);
	free(lat);
	return got == (int64_t)n && got_b == (int64_t)n ? 0 : 1;
}
