/*
 * Interop tests of the libp2p host against real js-libp2p peers (Node,
 * tests/interop/peer.mjs) and between two terap2p daemons: js dials
 * terap2p and terap2p dials js; Noise, yamux, identify (what js learned
 * about us, what we learned about js) and ping both ways; a /p2p/ address
 * with the wrong peer ID is refused; garbage on a connection closes only
 * that connection.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"


struct node {
	struct daemon	d;
	char		peer_id[64];
	int		port;
	char		addr[160];	/* /ip4/127.0.0.1/tcp/<port>/p2p/<id> */
};

#define PSK_A	"5a1d8e3f0c2b4a6978e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7081"
#define PSK_B	"0000000000000000000000000000000000000000000000000000000000000001"

static void
node_start_with(struct node *n, const char *more)
{
	char		 extra[256];

	n->port = h_free_port();
	snprintf(extra, sizeof(extra), "p2p_port = %d\n%s", n->port,
	    more != NULL ? more : "");
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s",
	    n->port, n->peer_id);
}

static void
node_start(struct node *n)
{
	node_start_with(n, NULL);
}

/* A swarm.key file for js-libp2p's pnet. */
static void
write_swarm_key(const char *path, const char *hex)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "/key/swarm/psk/1.0.0/\n/base16/\n%s", hex);
	fclose(fp);
}

/* ConnectPeer over gossip.rep; returns the reply status. */
/* ConnectPeer: answered with the dial's outcome, at most 10 s later. */
static int
node_connect(struct node *n, const char *maddr)
{
	Tp__ConnectPeerReq	 c = TP__CONNECT_PEER_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep = NULL;
	char			 url[256], err[256];
	int			 status;

	c.multiaddr = (char *)maddr;
	req.body_case = TP__ENVELOPE__BODY_CONNECT_PEER_REQ;
	req.connect_peer_req = &c;
	ck_assert_int_eq(ipc_url(n->d.run_dir, "gossip.rep", url, sizeof(url)),
	    0);
	ck_assert_msg(ipc_call_sync(url, &req, 12000, &rep, err,
	    sizeof(err)) == 0, "ConnectPeer: %s", err);
	status = rep->status;
	ipc_env_free(rep);
	return status;
}

/* The agent of peer_id as our GetPeers reports it ("" if not connected). */
static void
node_peer_agent(struct node *n, const char *peer_id, char *agent, size_t len)
{
	Tp__GetPeersReq	 g = TP__GET_PEERS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	size_t		 i;

	agent[0] = '\0';
	req.body_case = TP__ENVELOPE__BODY_GET_PEERS_REQ;
	req.get_peers_req = &g;
	rep = h_call(&n->d, "gossip.rep", &req);
	ck_assert_ptr_nonnull(rep);
	for (i = 0; rep->get_peers_rep != NULL &&
	    i < rep->get_peers_rep->n_peers; i++)
		if (strcmp(rep->get_peers_rep->peers[i]->peer_id, peer_id) == 0)
			snprintf(agent, len, "%s",
			    rep->get_peers_rep->peers[i]->user_agent);
	ipc_env_free(rep);
}

static int
node_wait_agent(struct node *n, const char *peer_id, const char *want, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	char		agent[128];

	do {
		node_peer_agent(n, peer_id, agent, sizeof(agent));
		if (strstr(agent, want) != NULL)
			return 0;
		usleep(50000);
	} while (util_mono_ms() < end);
	return -1;
}

START_TEST(js_dials_terap2p)
{
	struct node	 n;
	struct jspeer	 js;
	const char	*line;
	char		 extra[256];

	node_start(&n);
	jspeer_start(&js, NULL);
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);
	line = jspeer_cmd(&js, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "js could not dial: %s", line ? line : js.log);
	line = jspeer_wait(&js, "\"identify\"", n.peer_id, 10000);
	ck_assert_msg(line != NULL, "js got no identify: %s", js.log);
	ck_assert_ptr_nonnull(strstr(line, "\"agentVersion\":\"terap2p/"));
	ck_assert_ptr_nonnull(strstr(line,
	    "\"protocolVersion\":\"/teranode/bitcoin/mainnet/1.0.0\""));
	ck_assert_ptr_nonnull(strstr(line, "\"/ipfs/id/1.0.0\""));
	ck_assert_ptr_nonnull(strstr(line, "\"/ipfs/ping/1.0.0\""));
	snprintf(extra, sizeof(extra), "/ip4/127.0.0.1/tcp/%d\"", n.port);
	ck_assert_msg(strstr(line, extra) != NULL, "listen addr missing: %s",
	    line);
	ck_assert_ptr_nonnull(strstr(line, "\"observedAddr\":\"/ip4/127.0.0.1/tcp/"));
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);
	line = jspeer_cmd(&js, "ping", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"rtt\":"), "js ping: %s",
	    line ? line : "");
	/* and our side: identify of js, our ping round */
	ck_assert_int_eq(node_wait_agent(&n, js.peer_id, "js-libp2p/", 5000), 0);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "gossip: ping ", 5000), 0);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

START_TEST(terap2p_dials_js)
{
	struct node	 n;
	struct jspeer	 js;
	const char	*line;

	node_start(&n);
	jspeer_start(&js, NULL);
	ck_assert_int_eq(node_connect(&n, js.addr), 0);
	line = jspeer_wait(&js, "\"connect\"", n.peer_id, 10000);
	ck_assert_msg(line != NULL, "js saw no connection: %s", js.log);
	line = jspeer_wait(&js, "\"identify\"", n.peer_id, 10000);
	ck_assert_msg(line != NULL && strstr(line, "terap2p/"),
	    "js identify: %s", js.log);
	ck_assert_int_eq(node_wait_agent(&n, js.peer_id, "js-libp2p/", 5000), 0);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "gossip: ping ", 5000), 0);
	ck_assert_int_eq(h_count_log(&n.d, "gossip", "(outbound"), 1);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

START_TEST(wrong_peer_id_is_refused)
{
	struct node	 n;
	struct jspeer	 js;
	char		 wrong[256], agent[128], *p;

	node_start(&n);
	jspeer_start(&js, NULL);
	/* js's address with another (valid) peer ID */
	snprintf(wrong, sizeof(wrong), "%s", js.addr);
	p = strstr(wrong, "/p2p/");
	ck_assert_ptr_nonnull(p);
	snprintf(p, sizeof(wrong) - (size_t)(p - wrong),
	    "/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");
	/* the dial's outcome is the answer */
	ck_assert_int_eq(node_connect(&n, wrong),
	    TP__IPC_STATUS__IPC_ERR_UNAVAILABLE);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "closed during handshake",
	    10000), 0);
	ck_assert_int_eq(h_count_log(&n.d, "gossip", "peer id mismatch"), 1);
	node_peer_agent(&n, js.peer_id, agent, sizeof(agent));
	ck_assert_str_eq(agent, "");
	/* and a bad multiaddr is an error reply, not a dial */
	ck_assert_int_eq(node_connect(&n, "/ip4/1.2.3.4/udp/1"),
	    TP__IPC_STATUS__IPC_ERR_INVALID);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

START_TEST(two_terap2p_nodes)
{
	struct node	a, b;
	char		dns[200];

	node_start(&a);
	node_start(&b);
	/* by name: /dns4/localhost resolves from the hosts file */
	snprintf(dns, sizeof(dns), "/dns4/localhost/tcp/%d/p2p/%s", b.port,
	    b.peer_id);
	ck_assert_int_eq(node_connect(&a, dns), 0);
	ck_assert_int_eq(h_wait_log(&a.d, "gossip", "resolving /dns4/localhost",
	    5000), 0);
	ck_assert_int_eq(node_wait_agent(&a, b.peer_id, "terap2p/", 5000), 0);
	ck_assert_int_eq(node_wait_agent(&b, a.peer_id, "terap2p/", 5000), 0);
	ck_assert_int_eq(h_wait_log(&a.d, "gossip", "gossip: ping ", 5000), 0);
	ck_assert_int_eq(h_wait_log(&b.d, "gossip", "gossip: ping ", 5000), 0);
	h_stop(&a.d);
	h_stop(&b.d);
}
END_TEST

START_TEST(garbage_closes_only_that_connection)
{
	/* a valid security negotiation, then a Noise message too short */
	static const char	junk[] = "\x13/multistream/1.0.0\n\x07/noise\n"
				    "\x00\x05hello";
	struct sockaddr_in	sin;
	struct node		n;
	struct jspeer		js;
	const char		*line;
	char			extra[256];
	int			fd;

	node_start(&n);
	/* a second connection, held open across the garbage */
	jspeer_start(&js, NULL);
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);
	line = jspeer_cmd(&js, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "dial: %s", line ? line : "");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)n.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(write(fd, junk, sizeof(junk) - 1),
	    (ssize_t)sizeof(junk) - 1);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "closed during handshake",
	    10000), 0);
	close(fd);
	/* js's connection is still up and carries a ping */
	line = jspeer_cmd(&js, "peers", NULL, 5000);
	ck_assert_msg(line != NULL && strstr(line, strstr(n.addr, "/p2p/") +
	    5) != NULL, "js lost its connection: %s", line ? line : "");
	ck_assert_int_eq(h_count_log(&n.d, "gossip", "closed during "
	    "handshake"), 1);
	line = jspeer_cmd(&js, "ping", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "ping after garbage: %s", line ? line : "");
	ck_assert_int_eq(h_count_log(&n.d, "supervisor", "exited"), 0);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

START_TEST(pnet_same_key_connects_other_keys_do_not)
{
	struct node	 n;
	struct jspeer	 good, bad, none;
	const char	*line, *args[3];
	char		 extra[256], keyfile[128], badfile[128];

	node_start_with(&n, "p2p_shared_key = " PSK_A);
	ck_assert_int_eq(h_count_log(&n.d, "gossip", "private network (pnet) on"),
	    1);
	snprintf(keyfile, sizeof(keyfile), "%s/swarm.key", n.d.dir);
	snprintf(badfile, sizeof(badfile), "%s/other.key", n.d.dir);
	write_swarm_key(keyfile, PSK_A);
	write_swarm_key(badfile, PSK_B);
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);

	args[0] = "--psk";
	args[1] = keyfile;
	args[2] = NULL;
	jspeer_start(&good, args);
	line = jspeer_cmd(&good, "dial", extra, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "same key: %s", line ? line : good.log);
	ck_assert_ptr_nonnull(jspeer_wait(&good, "\"identify\"", "terap2p/",
	    10000));
	ck_assert_int_eq(node_wait_agent(&n, good.peer_id, "js-libp2p/", 5000),
	    0);
	/* and we dial a pnet js peer too */
	jspeer_stop(&good);

	args[1] = badfile;
	jspeer_start(&bad, args);
	line = jspeer_cmd(&bad, "dial", extra, 15000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":false"),
	    "other key connected: %s", line ? line : "no answer");
	jspeer_start(&none, NULL);
	line = jspeer_cmd(&none, "dial", extra, 15000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":false"),
	    "no key connected: %s", line ? line : "no answer");
	ck_assert_int_eq(h_count_log(&n.d, "gossip", "connected to "), 1);
	jspeer_stop(&bad);
	jspeer_stop(&none);
	h_stop(&n.d);
}
END_TEST

START_TEST(pnet_between_terap2p_nodes)
{
	struct node	a, b, c;
	char		agent[128];

	node_start_with(&a, "p2p_shared_key = " PSK_A);
	node_start_with(&b, "p2p_shared_key = /key/swarm/psk/1.0.0/\\n"
	    "/base16/\\n" PSK_A);
	node_start_with(&c, "p2p_shared_key = " PSK_B);
	ck_assert_int_eq(node_connect(&a, b.addr), 0);
	ck_assert_int_eq(node_wait_agent(&a, b.peer_id, "terap2p/", 5000), 0);
	ck_assert_int_eq(node_connect(&a, c.addr),
	    TP__IPC_STATUS__IPC_ERR_UNAVAILABLE);
	ck_assert_int_eq(h_wait_log(&a.d, "gossip", "closed during handshake",
	    12000), 0);
	node_peer_agent(&a, c.peer_id, agent, sizeof(agent));
	ck_assert_str_eq(agent, "");
	h_stop(&a.d);
	h_stop(&b.d);
	h_stop(&c.d);
}
END_TEST

START_TEST(bad_keys_exit_2)
{
	struct daemon	d;
	int		status;

	h_start(&d, "p2p_private_key = 00112233");
	status = h_wait_exit(&d, 8000);
	ck_assert(status != -1 && WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_eq(h_count_log(&d, "supervisor",
	    "worker gossip: p2p_private_key: "), 2);
	h_cleanup(&d);
	h_start(&d, "p2p_shared_key = nothex");
	status = h_wait_exit(&d, 8000);
	ck_assert(status != -1 && WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_eq(h_count_log(&d, "supervisor",
	    "worker gossip: p2p_shared_key: expected 64 hex digits"), 2);
	h_cleanup(&d);
}
END_TEST

/* A request to bans.rep; returns the reply status. */
static int
node_bans(struct node *n, ipc_env *req)
{
	ipc_env	*rep = h_call(&n->d, "bans.rep", req);
	int	 status;

	ck_assert_ptr_nonnull(rep);
	status = rep->status;
	ipc_env_free(rep);
	return status;
}

START_TEST(ban_gate_drops_and_refuses)
{
	Tp__BanAddrReq	 ban = TP__BAN_ADDR_REQ__INIT;
	Tp__UnbanAddrReq unban = TP__UNBAN_ADDR_REQ__INIT;
	Tp__BanPeerReq	 bp = TP__BAN_PEER_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT;
	struct node	 n;
	struct jspeer	 js;
	const char	*line;
	int		 i;

	node_start(&n);
	jspeer_start(&js, NULL);
	line = jspeer_dial(&js, n.addr);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "%s",
	    line ? line : "");
	ck_assert_int_eq(node_wait_agent(&n, js.peer_id, "js-libp2p/", 5000), 0);
	/* a subnet ban drops the live connection ... */
	ban.addr = "127.0.0.0/8";
	ban.reason = "test";
	req.body_case = TP__ENVELOPE__BODY_BAN_ADDR_REQ;
	req.ban_addr_req = &ban;
	ck_assert_int_eq(node_bans(&n, &req), 0);
	ck_assert_ptr_nonnull(jspeer_wait(&js, "\"disconnect\"", n.peer_id,
	    5000));
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "banned: test", 5000), 0);
	/* ... and refuses the next one */
	line = jspeer_dial(&js, n.addr);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "banned (127.0.0.0/8)",
	    5000), 0);
	unban.addr = "127.0.0.0/8";
	req.body_case = TP__ENVELOPE__BODY_UNBAN_ADDR_REQ;
	req.unban_addr_req = &unban;
	ck_assert_int_eq(node_bans(&n, &req), 0);
	/* js may still be tearing down the refused attempt: try a few times */
	for (i = 0; i < 5; i++) {
		line = jspeer_dial(&js, n.addr);
		if (line != NULL && strstr(line, "\"ok\":true") != NULL)
			break;
		usleep(300 * 1000);
	}
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "after unban: %s", line ? line : "");
	ck_assert_int_eq(node_wait_agent(&n, js.peer_id, "js-libp2p/", 5000), 0);
	/* a peer-ID ban drops it too */
	bp.peer_id = js.peer_id;
	bp.reason = "peer test";
	req.body_case = TP__ENVELOPE__BODY_BAN_PEER_REQ;
	req.ban_peer_req = &bp;
	ck_assert_int_eq(node_bans(&n, &req), 0);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "banned: peer test", 5000),
	    0);
	jspeer_stop(&js);
	h_stop(&n.d);
}
END_TEST

START_TEST(per_ip_limit)
{
	struct node	 n;
	struct jspeer	 a, b;
	const char	*line;

	node_start_with(&n, "p2p_max_per_ip = 1");
	jspeer_start(&a, NULL);
	jspeer_start(&b, NULL);
	line = jspeer_dial(&a, n.addr);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "%s",
	    line ? line : "");
	line = jspeer_dial(&b, n.addr);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":false"),
	    "second connection from 127.0.0.1 accepted: %s", line ? line : "");
	ck_assert_int_ge(h_count_log(&n.d, "gossip", "connection limit"), 1);
	jspeer_stop(&a);
	jspeer_stop(&b);
	h_stop(&n.d);
}
END_TEST

/* A static peer is dialed at start and redialed after it comes back. */
START_TEST(static_peer_redialed)
{
	struct node	a, b;
	char		more[256];
	pid_t		bg;
	uint64_t	t0;

	node_start(&b);
	snprintf(more, sizeof(more), "p2p_static_peers = /dns4/localhost/tcp/"
	    "%d/p2p/%s\np2p_optimise_retries = true", b.port, b.peer_id);
	node_start_with(&a, more);
	ck_assert_int_eq(node_wait_agent(&a, b.peer_id, "terap2p/", 10000), 0);
	bg = h_worker_pid(&b.d, "gossip");
	ck_assert_int_gt(bg, 0);
	kill(bg, SIGKILL);
	ck_assert_int_eq(h_wait_log(&a.d, "gossip", "disconnected", 5000), 0);
	t0 = util_mono_ms();
	ck_assert_int_eq(h_wait_log(&a.d, "gossip", "connected to", 10000), 0);
	ck_assert_int_eq(node_wait_agent(&a, b.peer_id, "terap2p/", 5000), 0);
	fprintf(stderr, "  static peer back in %llu ms\n",
	    (unsigned long long)(util_mono_ms() - t0));
	h_stop(&a.d);
	h_stop(&b.d);
}
END_TEST

START_TEST(bootstrap_peer_dialed_at_start)
{
	struct node	a, b;
	char		more[256];

	node_start(&b);
	snprintf(more, sizeof(more), "p2p_bootstrapAddresses = %s", b.addr);
	node_start_with(&a, more);
	ck_assert_int_eq(node_wait_agent(&a, b.peer_id, "terap2p/", 10000), 0);
	h_stop(&a.d);
	h_stop(&b.d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("interop (js-libp2p)");
	TCase	*tc = tcase_create("libp2p host");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, js_dials_terap2p);
	tcase_add_test(tc, terap2p_dials_js);
	tcase_add_test(tc, wrong_peer_id_is_refused);
	tcase_add_test(tc, two_terap2p_nodes);
	tcase_add_test(tc, garbage_closes_only_that_connection);
	tcase_add_test(tc, pnet_same_key_connects_other_keys_do_not);
	tcase_add_test(tc, pnet_between_terap2p_nodes);
	tcase_add_test(tc, bad_keys_exit_2);
	tcase_add_test(tc, ban_gate_drops_and_refuses);
	tcase_add_test(tc, per_ip_limit);
	tcase_add_test(tc, static_peer_redialed);
	tcase_add_test(tc, bootstrap_peer_dialed_at_start);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
