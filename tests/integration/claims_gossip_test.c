/*
 * README claims about the gossip worker's connections, against the real
 * terap2pd and real js-libp2p peers, read where the README says they show:
 * a connection that sends nothing is closed after p2p_first_byte_timeout;
 * gossip.pub carries PeerConnected when a js peer connects, a
 * ProtocolViolation when it sends an unsigned message, and
 * PeerDisconnected when it goes silent for p2p_idle_timeout (SIGSTOPped:
 * no reply to our pings) or hangs up; a peer that reads nothing has its
 * pubsub queue capped at 1 MiB, RPCs that do not fit are dropped and
 * counted (pubsub_dropped_slow), and once its queue has stayed full for
 * 10 s it is disconnected.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define BLOCK	"teranode/bitcoin/1.0.0/mainnet-block"
#define SLOWTOP	"claims-slow"

static const char *const	gossip_args[] = { "--gossip", NULL };
static const char *const	nosign_args[] = { "--gossip", "--nosign", NULL };

struct node {
	struct daemon	d;
	char		peer_id[64], addr[160];
	int		port;
	nng_socket	sub;		/* gossip.pub */
};

static int
ms(int base)
{
	const char	*m = getenv("CK_TIMEOUT_MULTIPLIER");
	int		 k = m != NULL ? atoi(m) : 1;

	return base * (k > 1 ? k : 1);
}

static void
node_start(struct node *n, const char *more)
{
	char	extra[512], url[256];
	int	port = h_free_port();

	memset(n, 0, sizeof(*n));
	n->port = port;
	snprintf(extra, sizeof(extra), "p2p_port = %d\n%s", port,
	    more != NULL ? more : "");
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", port,
	    n->peer_id);
	ck_assert_int_eq(nng_sub0_open(&n->sub), 0);
	nng_socket_set(n->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_ms(n->sub, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_int(n->sub, NNG_OPT_RECVBUF, IPC_EVENT_QUEUE);
	ipc_url(n->d.run_dir, "gossip.pub", url, sizeof(url));
	ck_assert_int_eq(nng_dial(n->sub, url, NULL, 0), 0);
}

static void
node_stop(struct node *n)
{
	nng_close(n->sub);
	h_stop(&n->d);
}

/* The next gossip.pub event of kind about peer, within ms; NULL if none. */
static ipc_env *
node_event(struct node *n, Tp__Envelope__BodyCase kind, const char *peer,
    int wait_ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)wait_ms;
	nng_msg		*m;
	ipc_env		*ev;
	const char	*who;
	char		 err[128];

	while (util_mono_ms() < end) {
		if (nng_recvmsg(n->sub, &m, 0) != 0)
			continue;
		if (ipc_decode((uint8_t *)nng_msg_body(m) + IPC_TAG_LEN,
		    nng_msg_len(m) - IPC_TAG_LEN, &ev, err, sizeof(err)) != 0) {
			nng_msg_free(m);
			continue;
		}
		nng_msg_free(m);
		who = kind == TP__ENVELOPE__BODY_PEER_CONNECTED ?
		    ev->peer_connected->peer_id :
		    kind == TP__ENVELOPE__BODY_PEER_DISCONNECTED ?
		    ev->peer_disconnected->peer_id :
		    kind == TP__ENVELOPE__BODY_PROTOCOL_VIOLATION ?
		    ev->protocol_violation->peer_id : NULL;
		if (ev->body_case == kind && who != NULL &&
		    strcmp(who, peer) == 0)
			return ev;
		ipc_env_free(ev);
	}
	return NULL;
}

static int64_t
node_stat(struct node *n, const char *name)
{
	Tp__StatsReq	 s = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &s;
	rep = h_call(&n->d, "gossip.rep", &req);
	ck_assert_ptr_nonnull(rep);
	for (size_t i = 0; i < rep->stats_rep->n_stats; i++)
		if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
			v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

/* js joins topic and dials n; waits until n is in js's mesh of topic. */
static void
js_join(struct jspeer *js, const char *const *args, struct node *n,
    const char *topic)
{
	char		 extra[300];
	const char	*line;

	jspeer_start(js, args);
	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topic);
	ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
	line = jspeer_dial(js, n->addr);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
	ck_assert_int_eq(jspeer_wait_mesh(js, topic, n->peer_id, ms(15000)), 0);
}

/* 1 when a TCP connection to port that sends nothing is closed in time. */
static int
silent_socket_closed(int port, int wait_ms)
{
	struct sockaddr_in	sa;
	struct pollfd		p;
	char			b;
	int			fd = socket(AF_INET, SOCK_STREAM, 0), closed;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	p.fd = fd;
	p.events = POLLIN;
	closed = poll(&p, 1, wait_ms) == 1 && recv(fd, &b, 1, 0) <= 0;
	close(fd);
	return closed;
}

START_TEST(events_and_idle_timeout)
{
	struct node	 n;
	struct jspeer	 js, bad;
	ipc_env		*ev;
	uint64_t	 t0;

	/* the handshake deadline is far: only the first-byte one can act */
	node_start(&n, "p2p_idle_timeout = 3s\np2p_first_byte_timeout = 1s\n"
	    "p2p_handshake_timeout = 60s\n");
	ck_assert_msg(silent_socket_closed(n.port, ms(15000)), "a silent "
	    "connection outlived p2p_first_byte_timeout");
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "silent since connect",
	    ms(5000)), 0);
	js_join(&js, gossip_args, &n, BLOCK);
	ev = node_event(&n, TP__ENVELOPE__BODY_PEER_CONNECTED, js.peer_id,
	    ms(5000));
	ck_assert_msg(ev != NULL, "no PeerConnected for %s", js.peer_id);
	ck_assert(ev->peer_connected->inbound);
	ck_assert_ptr_nonnull(strstr(ev->peer_connected->addr, "/ip4/127.0.0.1"
	    "/tcp/"));
	ipc_env_free(ev);

	/* an unsigned message: a ProtocolViolation naming the sender */
	js_join(&bad, nosign_args, &n, BLOCK);
	ck_assert_ptr_nonnull(jspeer_cmd(&bad, "publish", "\"topic\":\"" BLOCK
	    "\",\"prefix\":\"unsigned\",\"n\":1", 5000));
	ev = node_event(&n, TP__ENVELOPE__BODY_PROTOCOL_VIOLATION, bad.peer_id,
	    ms(5000));
	ck_assert_msg(ev != NULL, "no ProtocolViolation:\n%s",
	    h_log_tail(&n.d));
	ck_assert_str_ne(ev->protocol_violation->reason, "");
	ck_assert_uint_eq(ev->protocol_violation->n_addrs, 1);
	ck_assert_str_eq(ev->protocol_violation->addrs[0], "127.0.0.1");
	ipc_env_free(ev);
	/* it hangs up: PeerDisconnected */
	jspeer_stop(&bad);
	ev = node_event(&n, TP__ENVELOPE__BODY_PEER_DISCONNECTED, bad.peer_id,
	    ms(5000));
	ck_assert_msg(ev != NULL, "no PeerDisconnected at hang-up");
	ipc_env_free(ev);

	/* js answers our pings: still connected after twice the time-out */
	ck_assert_ptr_null(node_event(&n, TP__ENVELOPE__BODY_PEER_DISCONNECTED,
	    js.peer_id, 6000));
	/* js silent (stopped): closed after p2p_idle_timeout */
	ck_assert_int_eq(kill(js.pid, SIGSTOP), 0);
	t0 = util_mono_ms();
	ev = node_event(&n, TP__ENVELOPE__BODY_PEER_DISCONNECTED, js.peer_id,
	    ms(15000));
	kill(js.pid, SIGCONT);
	ck_assert_msg(ev != NULL, "a silent peer was not closed:\n%s",
	    h_log_tail(&n.d));
	ck_assert_str_eq(ev->peer_disconnected->reason, "idle for 3 s");
	fprintf(stderr, "  silent peer closed %llu ms after SIGSTOP\n",
	    (unsigned long long)(util_mono_ms() - t0));
	ipc_env_free(ev);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

/* A request to gossip.rep that may be held (publisher push-back). */
static ipc_env *
gossip_call(struct node *n, const ipc_env *req)
{
	char	 url[256], err[256];
	ipc_env	*rep = NULL;

	ck_assert_int_eq(ipc_url(n->d.run_dir, "gossip.rep", url, sizeof(url)),
	    0);
	if (ipc_call_sync(url, req, ms(5000), &rep, err, sizeof(err)) == -1)
		ck_abort_msg("gossip.rep: %s", err);
	return rep;
}

/* PubsubPublishReq of len bytes on topic; the reply's status. */
static int
publish(struct node *n, const char *topic, size_t len, int seq)
{
	Tp__PubsubPublishReq	 p = TP__PUBSUB_PUBLISH_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	uint8_t			*data = xmalloc(len);
	int			 status;

	memset(data, 'a' + seq % 26, len);
	p.topic = (char *)topic;
	p.data.data = data;
	p.data.len = len;
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_PUBLISH_REQ;
	req.pubsub_publish_req = &p;
	rep = gossip_call(n, &req);
	free(data);
	ck_assert_ptr_nonnull(rep);
	status = rep->status;
	ipc_env_free(rep);
	return status;
}

START_TEST(slow_peer_dropped_then_disconnected)
{
	Tp__PubsubJoinReq	 j = TP__PUBSUB_JOIN_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep, *ev;
	struct node		 n;
	struct jspeer		 js;
	uint64_t		 t0, full_at = 0;
	int			 seq = 0;

	node_start(&n, NULL);
	j.topic = SLOWTOP;
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_JOIN_REQ;
	req.pubsub_join_req = &j;
	ck_assert_ptr_nonnull(rep = h_call(&n.d, "gossip.rep", &req));
	ck_assert_int_eq(rep->status, 0);
	ipc_env_free(rep);
	js_join(&js, gossip_args, &n, SLOWTOP);
	ck_assert_int_eq(node_stat(&n, "pubsub_dropped_slow"), 0);
	/* js reads nothing: 256 KiB of yamux window, then our 1 MiB queue */
	ck_assert_int_eq(kill(js.pid, SIGSTOP), 0);
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < (uint64_t)ms(30000)) {
		ck_assert_int_eq(publish(&n, SLOWTOP, 400 * 1024, seq++), 0);
		if (full_at == 0 && node_stat(&n, "pubsub_dropped_slow") > 0)
			full_at = util_mono_ms();
		if (full_at != 0 && util_mono_ms() - full_at > 500)
			break;
	}
	ck_assert_msg(full_at != 0, "nothing dropped after %d RPCs of 400 KiB "
	    "to a stopped peer", seq);
	fprintf(stderr, "  first drop after %d RPCs of 400 KiB\n", seq);
	ck_assert_int_ge(h_wait_log(&n.d, "gossip", "is slow:", ms(3000)), 0);
	/* still connected before 10 s of a full queue */
	ck_assert_ptr_null(node_event(&n, TP__ENVELOPE__BODY_PEER_DISCONNECTED,
	    js.peer_id, 1000));
	/* keep it full: disconnected once 10 s have passed */
	ev = NULL;
	while (ev == NULL && util_mono_ms() - full_at < (uint64_t)ms(25000)) {
		publish(&n, SLOWTOP, 400 * 1024, seq++);
		ev = node_event(&n, TP__ENVELOPE__BODY_PEER_DISCONNECTED,
		    js.peer_id, 500);
	}
	kill(js.pid, SIGCONT);
	ck_assert_msg(ev != NULL, "a peer full for long was kept:\n%s",
	    h_log_tail(&n.d));
	ck_assert_str_eq(ev->peer_disconnected->reason,
	    "pubsub queue full: slow peer");
	/* not at the first drop (full_at is seen late: a generous bound) */
	ck_assert_uint_ge(util_mono_ms() - full_at, 5000);
	ipc_env_free(ev);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

static Suite *
claims_gossip_suite(void)
{
	Suite	*s = suite_create("claims_gossip");
	TCase	*tc = tcase_create("gossip");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, events_and_idle_timeout);
	tcase_add_test(tc, slow_peer_dropped_then_disconnected);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(claims_gossip_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
