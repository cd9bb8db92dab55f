/*
 * Benchmark of the libp2p host: two gossip hosts in one process on one
 * core, connected over loopback TCP.
 *   - bulk stream throughput through Noise + yamux, next to the raw
 *     ChaCha20-Poly1305 encrypt+decrypt rate of the same bytes in the same
 *     run (the goal: at least 65% of it), as wall time and as CPU time;
 *   - full handshakes per second (TCP + multistream + Noise XX + yamux);
 *   - memory per idle connection, 1000 of them (goal: at most 64 KiB).
 * Usage: gossip_bench [MiB] [connections]
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "libp2p/libp2p.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "util.h"

struct bench {
	struct p2p_host	*a, *b;
	struct event_base	*base;
	uint64_t		 want, got, sent;
	uint8_t			 chunk[65536];
	int			 done;
};

static struct bench	*B;	/* the protocol callbacks find the run here */

static void
bulk_fill(struct p2p_stream *s)
{
	while (B->sent < B->want && evbuffer_get_length(s->out) < 262144) {
		size_t	n = sizeof(B->chunk);

		if (n > B->want - B->sent)
			n = (size_t)(B->want - B->sent);
		B->sent += n;
		p2p_stream_write(s, B->chunk, n);
	}
}

static void
bulk_open(struct p2p_stream *s)
{
	if (s->outbound)
		bulk_fill(s);
}

static void
bulk_data(struct p2p_stream *s)
{
	size_t	n = evbuffer_get_length(s->in);

	evbuffer_drain(s->in, n);
	B->got += n;
	if (B->got >= B->want) {
		B->done = 1;
		event_base_loopbreak(B->base);
	}
}

static const struct p2p_proto bulk_proto = {
	"/terap2p/bench/1.0.0", bulk_open, bulk_data, NULL, NULL, bulk_fill,
};

static struct p2p_host *
host_new(struct event_base *base, const char *dir, int port)
{
	struct p2p_host	*g = xcalloc(1, sizeof(*g));
	struct proc		*p = xcalloc(1, sizeof(*p));
	char			 conf[512], err[256], run[300];

	snprintf(conf, sizeof(conf), "data_dir = %s/%d\np2p_port = %d\n"
	    "p2p_listen_addresses = 127.0.0.1\np2p_max_inbound = 5000\n"
	    "p2p_max_outbound = 5000\np2p_max_per_ip = 5000\n"
	    "p2p_max_per_subnet = 5000\np2p_max_inbound_handshaking = 5000\n",
	    dir, port, port);
	p->cfg = config_load_text(conf, strlen(conf), "bench", 0, err,
	    sizeof(err));
	if (p->cfg == NULL)
		fatal("%s", err);
	p->base = base;
	p->role = "gossip";
	snprintf(run, sizeof(run), "%s/%d", dir, port);
	util_mkdirs(run, 0700);
	p->ipc = ipc_new(base, run, "gossip");
	g->p = p;
	if (p2p_host_start(g) == -1 ||
	    p2p_host_add_proto(g, &bulk_proto, NULL) == -1)
		fatal("cannot start a host on port %d", port);
	return g;
}

static struct p2p_conn *
first_open(struct p2p_host *g)
{
	struct p2p_conn	*c;

	TAILQ_FOREACH(c, &g->conns, entry)
		if (c->state == P2P_CONN_OPEN && c->info.identified)
			return c;
	return NULL;
}

static void
run_until(struct bench *b, int (*cond)(struct bench *), int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms;
	struct timeval	tv = { 0, 5000 };

	while (!cond(b) && util_mono_ms() < end) {
		event_base_loopexit(b->base, &tv);
		event_base_dispatch(b->base);
	}
}

static int
cond_connected(struct bench *b)
{
	return first_open(b->a) != NULL;
}

static int
cond_done(struct bench *b)
{
	return b->done;
}

static size_t	want_conns;

static int
cond_nconns(struct bench *b)
{
	return b->a->cnt.conns_open >= want_conns &&
	    b->b->cnt.conns_open >= want_conns;
}

static double
raw_aead_mibs(size_t mib)
{
	static uint8_t	plain[P2P_NOISE_PLAIN_MAX];
	static uint8_t	ct[P2P_NOISE_MSG_MAX];
	uint8_t		key[32], nonce[12] = { 0 };
	unsigned long long clen, plen;
	uint64_t	t0, total = (uint64_t)mib << 20, done = 0;

	randombytes_buf(key, sizeof(key));
	t0 = util_mono_ms();
	while (done < total) {
		crypto_aead_chacha20poly1305_ietf_encrypt(ct, &clen, plain,
		    sizeof(plain), NULL, 0, NULL, nonce, key);
		if (crypto_aead_chacha20poly1305_ietf_decrypt(plain, &plen, NULL,
		    ct, clen, NULL, 0, nonce, key) != 0)
			fatal("decrypt failed");
		nonce[0]++;
		done += sizeof(plain);
	}
	return (double)total / 1048576.0 /
	    ((double)(util_mono_ms() - t0 + 1) / 1000.0);
}

/* This process's CPU time (user + system) in ms: the machine is shared, so
 * wall time also counts other work. */
static double
cpu_ms(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static long
rss_kib(void)
{
	FILE	*fp = fopen("/proc/self/statm", "r");
	long	 pages = 0, res = 0;

	if (fp != NULL) {
		if (fscanf(fp, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(fp);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int
main(int argc, char **argv)
{
	struct bench		 b;
	struct p2p_conn	*c;
	char			 dir[] = "/tmp/tp-bench-XXXXXX", err[256], addr[200];
	size_t			 mib = argc > 1 ? (size_t)atoi(argv[1]) : 256;
	size_t			 nconn = argc > 2 ? (size_t)atoi(argv[2]) : 1000;
	size_t			 i, hs;
	uint64_t		 t0, ms;
	double			 raw, got, cpu0, cpu_bulk, cpu_raw;
	long			 rss0;
	int			 pa = 23000 + (int)(getpid() % 20000), pb = pa + 1;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return 1;
	log_init("bench", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	memset(&b, 0, sizeof(b));
	B = &b;
	b.base = event_base_new();
	b.a = host_new(b.base, dir, pa);
	b.b = host_new(b.base, dir, pb);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", pb,
	    b.b->id.peer_id_text);

	/* bulk throughput */
	if (p2p_host_dial(b.a, addr, NULL, err, sizeof(err)) == -1)
		fatal("%s", err);
	run_until(&b, cond_connected, 5000);
	if ((c = first_open(b.a)) == NULL)
		fatal("no connection");
	b.want = (uint64_t)mib << 20;
	t0 = util_mono_ms();
	cpu0 = cpu_ms();
	p2p_stream_open(c, &bulk_proto);
	run_until(&b, cond_done, 120000);
	ms = util_mono_ms() - t0 + 1;
	cpu_bulk = cpu_ms() - cpu0 + 1;
	got = (double)b.got / 1048576.0 / ((double)ms / 1000.0);
	cpu0 = cpu_ms();
	raw = raw_aead_mibs(mib);
	cpu_raw = cpu_ms() - cpu0 + 1;
	printf("bulk stream (Noise+yamux, both ends on one core): %.0f MiB/s\n",
	    got);
	printf("raw ChaCha20-Poly1305 encrypt+decrypt, same core: %.0f MiB/s\n",
	    raw);
	printf("ratio: %.0f%% of raw wall time, %.0f%% of raw CPU time "
	    "(goal >= 65%%)\n", got * 100.0 / raw, cpu_raw * 100.0 / cpu_bulk);

	/* handshakes and idle memory */
	p2p_host_disconnect(b.a, b.b->id.peer_id_text);
	rss0 = rss_kib();
	want_conns = nconn;
	t0 = util_mono_ms();
	for (i = 0; i < nconn; i++)
		if (p2p_host_dial(b.a, addr, NULL, err, sizeof(err)) == -1)
			fatal("dial %zu: %s", i, err);
	run_until(&b, cond_nconns, 60000);
	ms = util_mono_ms() - t0 + 1;
	hs = b.a->cnt.conns_open < nconn ? b.a->cnt.conns_open : nconn;
	printf("handshakes: %zu in %llu ms = %.0f/s (TCP+multistream+Noise XX+"
	    "yamux+identify, both ends)\n", hs, (unsigned long long)ms,
	    (double)hs * 1000.0 / (double)ms);
	printf("memory: %.1f KiB per idle connection (both ends counted, "
	    "goal <= 64 KiB)\n", (double)(rss_kib() - rss0) / (double)hs);
	p2p_host_stop(b.a);
	p2p_host_stop(b.b);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	/* the figures mean nothing unless the work was all done */
	if (!b.done)
		fprintf(stderr, "gossip_bench: the bulk transfer did not finish "
		    "(%llu of %llu bytes)\n", (unsigned long long)b.got,
		    (unsigned long long)b.want);
	if (hs < nconn)
		fprintf(stderr, "gossip_bench: %zu of %zu connections opened\n",
		    hs, nconn);
	return system(err) == 0 && b.done && hs == nconn ? 0 : 1;
}
