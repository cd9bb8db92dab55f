/*
 * Benchmark of PeerService against a real daemon, on a C client built on
 * gRPC core (no grpc-js in the measurement): 8 concurrent callers, each with
 * one unary call in flight, for IsPeerUnhealthy and then GetPeer on peers
 * the daemon knows (a teranode_peer_registry.json of `peers` entries given
 * to it at start), with calls/s and p50/p99 latency; next to `wrk` with 8
 * connections on GET /health in the same run.  Teranode's block validation
 * calls these per block during catch-up: the goal is >= 10,000 calls/s with
 * a p99 under 2 ms.
 * Usage: grpc_bench TERAP2PD [peers] [seconds]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <sodium.h>

#include "libp2p/libp2p.h"
#include "bench_daemon.h"
#include "log.h"
#include "p2p_api.pb-c.h"
#include "util.h"

#define CALLERS		8
#define MAX_SAMPLES	(4u * 1024 * 1024)

struct caller {
	grpc_call		*call;
	grpc_byte_buffer	*out, *in;
	grpc_metadata_array	 md0, md1;
	grpc_status_code	 status;
	grpc_slice		 details;
	uint64_t		 t0;
};

struct run {
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	const char		*method;
	char			(*ids)[64];
	size_t			 nids;
	uint32_t		*lat;		/* microseconds */
	size_t			 n, errors, not_found;
	int			 failed;	/* a run with errors or no calls */
};

static void
peer_id_new(char out[64])
{
	uint8_t	mh[38] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };

	randombytes_buf(mh + 6, 32);
	if (p2p_base58_encode(mh, sizeof(mh), out, 64) == -1)
		fatal("base58");
}

/* teranode_peer_registry.json with n peers, in dir. */
static void
registry_file(const char *dir, char (*ids)[64], size_t n)
{
	char	path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/teranode_peer_registry.json", dir);
	if ((fp = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fprintf(fp, "{\"version\":\"1.0\",\"last_updated\":"
	    "\"2026-01-01T00:00:00Z\",\"peers\":{");
	for (size_t i = 0; i < n; i++) {
		peer_id_new(ids[i]);
		fprintf(fp, "%s\"%s\":{\"interaction_attempts\":10,"
		    "\"interaction_successes\":9,\"interaction_failures\":1,"
		    "\"reputation_score\":74,\"avg_response_ms\":120,"
		    "\"height\":%zu,\"data_hub_url\":\"http://peer%zu.example/"
		    "api/v1\",\"catchup_attempts\":3}", i ? "," : "", ids[i],
		    800000 + i, i);
	}
	fprintf(fp, "}}\n");
	fclose(fp);
}

/* The gossip worker's pid and readiness from the supervisor. */
static pid_t
gossip_pid(struct daemon *d)
{
	Tp__SupStatusReq	 s = TP__SUP_STATUS_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	pid_t			 pid = 0;

	req.body_case = TP__ENVELOPE__BODY_SUP_STATUS_REQ;
	req.sup_status_req = &s;
	rep = call(d, "supervisor.rep", &req);
	for (size_t i = 0; i < rep->sup_status_rep->n_workers; i++) {
		Tp__WorkerStatus	*w = rep->sup_status_rep->workers[i];

		if (strcmp(w->role, "gossip") == 0 && w->ready)
			pid = w->pid;
	}
	ipc_env_free(rep);
	return pid;
}

/* Give the running daemon the registry file: the gossip worker loads it
 * when it starts again. */
static void
gossip_reload(struct daemon *d, const char *dir)
{
	char	cmd[512];
	pid_t	pid = gossip_pid(d), now;

	snprintf(cmd, sizeof(cmd), "cp %s/teranode_peer_registry.json %s/data/",
	    dir, d->dir);
	if (pid <= 0 || system(cmd) != 0 || kill(pid, SIGTERM) == -1)
		fatal("cannot hand the registry file to the gossip worker");
	for (int i = 0; i < 400; i++) {
		usleep(50000);
		if ((now = gossip_pid(d)) > 0 && now != pid)
			return;
	}
	fatal("the gossip worker did not come back");
}

static void
caller_start(struct run *r, struct caller *c)
{
	P2pApi__GetPeerRequest	 q = P2P_API__GET_PEER_REQUEST__INIT;
	grpc_op			 ops[6];
	grpc_slice		 s, m = grpc_slice_from_static_string(r->method);

	/* IsPeerUnhealthyRequest and GetPeerRequest: { string peer_id = 1 } */
	q.peer_id = r->ids[(size_t)randombytes_uniform((uint32_t)r->nids)];
	s = grpc_slice_malloc(p2p_api__get_peer_request__get_packed_size(&q));
	p2p_api__get_peer_request__pack(&q, GRPC_SLICE_START_PTR(s));
	c->out = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	grpc_metadata_array_init(&c->md0);
	grpc_metadata_array_init(&c->md1);
	c->in = NULL;
	c->call = grpc_channel_create_call(r->ch, NULL, GRPC_PROPAGATE_DEFAULTS,
	    r->cq, m, NULL, gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
	    gpr_time_from_seconds(5, GPR_TIMESPAN)), NULL);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->out;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->md0;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &c->in;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &c->md1;
	ops[5].data.recv_status_on_client.status = &c->status;
	ops[5].data.recv_status_on_client.status_details = &c->details;
	c->t0 = now_us();
	if (grpc_call_start_batch(c->call, ops, 6, c, NULL) != GRPC_CALL_OK)
		fatal("grpc_call_start_batch");
}

/* GetPeer must find the peer; IsPeerUnhealthy must say it is healthy. */
static int
answer_ok(struct run *r, struct caller *c)
{
	grpc_byte_buffer_reader	 rd;
	grpc_slice		 s;
	int			 ok = 0;

	if (c->status != GRPC_STATUS_OK || c->in == NULL ||
	    !grpc_byte_buffer_reader_init(&rd, c->in))
		return 0;
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	if (strstr(r->method, "GetPeer") != NULL) {
		P2pApi__GetPeerResponse *g = p2p_api__get_peer_response__unpack(
		    NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));

		ok = g != NULL && g->found && g->peer != NULL &&
		    g->peer->interaction_attempts == 10;
		p2p_api__get_peer_response__free_unpacked(g, NULL);
	} else {
		P2pApi__IsPeerUnhealthyResponse *u =
		    p2p_api__is_peer_unhealthy_response__unpack(NULL,
		    GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));

		ok = u != NULL && !u->is_unhealthy && u->reputation_score > 70;
		p2p_api__is_peer_unhealthy_response__free_unpacked(u, NULL);
	}
	grpc_slice_unref(s);
	return ok;
}

static void
caller_done(struct run *r, struct caller *c)
{
	if (r->n < MAX_SAMPLES)
		r->lat[r->n++] = (uint32_t)(now_us() - c->t0);
	if (c->status != GRPC_STATUS_OK)
		r->errors++;
	else if (!answer_ok(r, c))
		r->not_found++;
	grpc_byte_buffer_destroy(c->out);
	if (c->in != NULL)
		grpc_byte_buffer_destroy(c->in);
	grpc_metadata_array_destroy(&c->md0);
	grpc_metadata_array_destroy(&c->md1);
	grpc_slice_unref(c->details);
	grpc_call_unref(c->call);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Keep CALLERS calls in flight on r->method for secs; print the figures. */
static double
measure(struct run *r, int secs, double *p99_ms)
{
	struct caller	 c[CALLERS];
	uint64_t	 t0 = now_us(), end = t0 + (uint64_t)secs * 1000000;
	size_t		 live = CALLERS;
	grpc_event	 ev;
	double		 rate;

	r->n = r->errors = r->not_found = 0;
	for (int i = 0; i < CALLERS; i++)
		caller_start(r, &c[i]);
	while (live > 0) {
		ev = grpc_completion_queue_next(r->cq,
		    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			fatal("completion queue: %d", ev.type);
		caller_done(r, ev.tag);
		if (now_us() < end)
			caller_start(r, ev.tag);
		else
			live--;
	}
	rate = (double)r->n / ((double)(now_us() - t0) / 1e6);
	if (r->n == 0 || r->errors != 0 || r->not_found != 0)
		r->failed = 1;
	qsort(r->lat, r->n, sizeof(*r->lat), cmp_u32);
	*p99_ms = r->n ? r->lat[r->n * 99 / 100] / 1000.0 : -1;
	printf("%-34s %8.0f calls/s, p50 %.2f ms, p99 %.2f ms, %zu errors, "
	    "%zu wrong answers\n", r->method + strlen("/p2p_api.PeerService/"),
	    rate, r->n ? r->lat[r->n / 2] / 1000.0 : -1, *p99_ms, r->errors,
	    r->not_found);
	return rate;
}

/* `wrk` with CALLERS connections on url: requests/s and p99 (ms). */
static void
wrk_health(const char *url, int secs)
{
	char	 cmd[512], line[512], unit[4];
	FILE	*fp;
	double	 v, rps = -1, p99 = -1;

	snprintf(cmd, sizeof(cmd), "wrk -t2 -c%d -d%ds --latency %s 2>&1",
	    CALLERS, secs, url);
	if ((fp = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, " Requests/sec: %lf", &v) == 1)
			rps = v;
		if (sscanf(line, " 99%% %lf%3s", &v, unit) == 2)
			p99 = strcmp(unit, "us") == 0 ? v / 1000 :
			    strcmp(unit, "ms") == 0 ? v : v * 1000;
	}
	pclose(fp);
	printf("%-34s %8.0f req/s,   p99 %.2f ms (wrk, %d connections)\n",
	    "GET /health (REST, same run)", rps, p99, CALLERS);
}

int
main(int argc, char **argv)
{
	struct daemon		 d;
	struct run		 r;
	grpc_channel_credentials *cr;
	char			 dir[64] = "/tmp/tp-grpcb-XXXXXX";
	char			 target[64], url[128];
	size_t			 npeers = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	int			 secs = argc > 3 ? atoi(argv[3]) : 5;
	int			 port = 20000 + (int)(getpid() % 10000);
	double			 rate[2], p99[2];
	int			 met;

	if (argc < 2 || npeers == 0 || secs <= 0) {
		fprintf(stderr, "usage: grpc_bench TERAP2PD [peers] [seconds]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() == -1 || mkdtemp(dir) == NULL)
		fatal("setup");
	memset(&r, 0, sizeof(r));
	r.ids = xcalloc(npeers, sizeof(*r.ids));
	r.nids = npeers;
	r.lat = xcalloc(MAX_SAMPLES, sizeof(*r.lat));
	registry_file(dir, r.ids, npeers);
	daemon_start(&d, argv[1], port, "");
	gossip_reload(&d, dir);
	grpc_init();
	cr = grpc_insecure_credentials_create();
	snprintf(target, sizeof(target), "127.0.0.1:%d", port + 2000);
	r.ch = grpc_channel_create(target, cr, NULL);
	grpc_channel_credentials_release(cr);
	r.cq = grpc_completion_queue_create_for_next(NULL);
	printf("PeerService, %d concurrent callers, %zu known peers, %d s each\n",
	    CALLERS, npeers, secs);
	r.method = "/p2p_api.PeerService/IsPeerUnhealthy";
	measure(&r, 1, &p99[0]);		/* warm-up: connection, caches */
	r.failed = 0;
	rate[0] = measure(&r, secs, &p99[0]);
	r.method = "/p2p_api.PeerService/GetPeer";
	rate[1] = measure(&r, secs, &p99[1]);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", port + 1000);
	wrk_health(url, secs);
	met = rate[0] >= 10000 && rate[1] >= 10000 && p99[0] < 2 && p99[1] < 2;
	printf("goal >= 10000 calls/s with p99 < 2 ms: %s\n", met ? "met" :
	    "NOT met");
	grpc_channel_destroy(r.ch);
	grpc_completion_queue_shutdown(r.cq);
	while (grpc_completion_queue_next(r.cq, gpr_inf_future(
	    GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(r.cq);
	grpc_shutdown();
	daemon_stop(&d);
	snprintf(url, sizeof(url), "rm -rf %s", dir);
	if (system(url) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(r.lat);
	free(r.ids);
	return r.failed ? 1 : 0;
}
