/*
 * Peer exchange through the real daemon.  js-libp2p gossipsub peer A
 * (doPX, a mesh of at most one) already meshes with js peer B; terap2p,
 * told only about A, GRAFTs A, is PRUNEd with PX naming B and B's signed
 * peer record, verifies it and dials B; B then holds terap2p's own signed
 * record (js-libp2p checked our signature).  With p2p_allow_private_ips
 * off the same PX is refused (B's addresses are loopback).  Two terap2p
 * daemons and js peer C: terap2p T1, connected only to T2, receives C's
 * messages through T2, asks T2 over /p2p-msg-bus/peer-addr-request/1.0.0
 * where C is, and dials C.  A js DHT client that turns server pushes
 * identify and terap2p's routing table hands it out; turning client again
 * is pushed too.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define TOPIC	"px-test-topic"
#define WAIT_MS	30000

static const char *const px_args[] = {
	"--gossip", "--px", "--mesh", "1,1,1", NULL,
};
static const char *const gossip_args[] = { "--gossip", NULL };

struct node {
	struct daemon	d;
	int		port;
	char		peer_id[64];
	char		addr[160];
};

static void
node_start_dht(struct node *n, int allow_private, const char *dht)
{
	char	extra[256];

	memset(n, 0, sizeof(*n));
	n->port = h_free_port();
	snprintf(extra, sizeof(extra), "p2p_port = %d\n"
	    "p2p_allow_private_ips = %s\np2p_dht_mode = %s\n", n->port,
	    allow_private ? "true" : "false", dht);
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s",
	    n->port, n->peer_id);
}

static void
node_start(struct node *n, int allow_private)
{
	node_start_dht(n, allow_private, "off");
}

static void
node_connect(struct node *n, const char *maddr)
{
	Tp__ConnectPeerReq	c = TP__CONNECT_PEER_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	c.multiaddr = (char *)maddr;
	req.body_case = TP__ENVELOPE__BODY_CONNECT_PEER_REQ;
	req.connect_peer_req = &c;
	ck_assert_int_eq(h_gossip_status(&n->d, &req), 0);
}

static void
js_sub(struct jspeer *j)
{
	const char	*line;

	line = jspeer_cmd(j, "subscribe", "\"topic\":\"" TOPIC "\"", 5000);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "\"ok\":true"));
}

/* A meshes with B, B knows nothing of terap2p. */
static void
js_pair(struct jspeer *a, struct jspeer *b)
{
	const char	*line;

	jspeer_start(a, px_args);
	jspeer_start(b, gossip_args);
	js_sub(a);
	js_sub(b);
	line = jspeer_dial(b, a->addr);
	ck_assert_ptr_nonnull(strstr(line, "\"ok\":true"));
	ck_assert_int_eq(jspeer_wait_mesh(a, TOPIC, b->peer_id, WAIT_MS), 0);
}

/* 1 if js peer j is connected to peer_id now. */
static int
js_connected(struct jspeer *j, const char *peer_id)
{
	const char	*line = jspeer_cmd(j, "peers", NULL, 5000);

	ck_assert_ptr_nonnull(line);
	return strstr(line, peer_id) != NULL;
}

START_TEST(px_prune_dials_the_offered_peer)
{
	struct jspeer	 a, b;
	struct node	 t;
	char		 want[256], extra[128];
	const char	*line;
	uint64_t	 end, start;

	js_pair(&a, &b);
	node_start(&t, 1);
	h_gossip_join(&t.d, TOPIC);
	ck_assert(!js_connected(&b, t.peer_id));
	start = util_mono_ms();
	node_connect(&t, a.addr);
	snprintf(want, sizeof(want), "px from %s: dialing", a.peer_id);
	ck_assert_msg(h_wait_log(&t.d, "gossip", want, WAIT_MS) == 0,
	    "no PX dial: %s", h_log_tail(&t.d));
	ck_assert_ptr_nonnull(jspeer_wait(&b, "\"connect\"", t.peer_id,
	    WAIT_MS));
	printf("  connected to the PX-offered peer %llu ms after dialing A\n",
	    (unsigned long long)(util_mono_ms() - start));
	ck_assert(js_connected(&b, t.peer_id));
	/* B took terap2p's signed record from identify and checked it */
	snprintf(extra, sizeof(extra), "\"peer\":\"%s\"", t.peer_id);
	end = util_mono_ms() + WAIT_MS;
	do {
		line = jspeer_cmd(&b, "record", extra, 5000);
		ck_assert_ptr_nonnull(line);
	} while (strstr(line, "\"record\":true") == NULL &&
	    util_mono_ms() < end && usleep(100 * 1000) == 0);
	ck_assert_msg(strstr(line, "\"record\":true") != NULL, "%s", line);
	snprintf(want, sizeof(want), "/ip4/127.0.0.1/tcp/%d\"", t.port);
	ck_assert_msg(strstr(line, want) != NULL, "%s", line);
	h_stop(&t.d);
	jspeer_stop(&a);
	jspeer_stop(&b);
}
END_TEST

START_TEST(px_private_address_refused)
{
	struct jspeer	 a, b;
	struct node	 t;
	char		 want[256];

	js_pair(&a, &b);
	node_start(&t, 0);
	h_gossip_join(&t.d, TOPIC);
	node_connect(&t, a.addr);
	snprintf(want, sizeof(want), "px from %s: %s has no address we may "
	    "dial", a.peer_id, b.peer_id);
	ck_assert_msg(h_wait_log(&t.d, "gossip", want, WAIT_MS) == 0,
	    "PX not refused: %s", h_log_tail(&t.d));
	snprintf(want, sizeof(want), "px from %s: dialing", a.peer_id);
	ck_assert_int_eq(h_count_log(&t.d, "gossip", want), 0);
	ck_assert(!js_connected(&b, t.peer_id));
	h_stop(&t.d);
	jspeer_stop(&a);
	jspeer_stop(&b);
}
END_TEST

START_TEST(addr_request_finds_an_author)
{
	struct jspeer	 c;
	struct node	 t1, t2;
	char		 want[256], extra[128];
	const char	*line;
	uint64_t	 end;
	int		 i, found = -1;

	node_start(&t1, 1);
	node_start(&t2, 1);
	h_gossip_join(&t1.d, TOPIC);
	h_gossip_join(&t2.d, TOPIC);
	jspeer_start(&c, gossip_args);
	js_sub(&c);
	line = jspeer_dial(&c, t2.addr);
	ck_assert_ptr_nonnull(strstr(line, "\"ok\":true"));
	ck_assert_int_eq(jspeer_wait_mesh(&c, TOPIC, t2.peer_id, WAIT_MS), 0);
	node_connect(&t1, t2.addr);
	ck_assert(!js_connected(&c, t1.peer_id));
	/* C publishes until one of its messages reaches T1 through T2 */
	snprintf(want, sizeof(want), "peer-addr-request to %s: dialing",
	    t2.peer_id);
	end = util_mono_ms() + WAIT_MS;
	for (i = 0; found != 0 && util_mono_ms() < end; i++) {
		snprintf(extra, sizeof(extra), "\"topic\":\"" TOPIC "\","
		    "\"prefix\":\"m%d\"", i);
		ck_assert_ptr_nonnull(jspeer_cmd(&c, "publish", extra, 5000));
		found = h_wait_log(&t1.d, "gossip", want, 500);
	}
	ck_assert_msg(found == 0, "T1 did not find C: %s", h_log_tail(&t1.d));
	ck_assert_ptr_nonnull(jspeer_wait(&c, "\"connect\"", t1.peer_id,
	    WAIT_MS));
	printf("  author found through peer-addr-request after %d publish "
	    "rounds, %llu ms\n", i, (unsigned long long)(util_mono_ms() -
	    (end - WAIT_MS)));
	ck_assert(js_connected(&c, t1.peer_id));
	jspeer_stop(&c);
	h_stop(&t1.d);
	h_stop(&t2.d);
}
END_TEST

/* The peers js client d reaches looking up target through terap2p. */
static int
js_reaches(struct jspeer *d, const char *target)
{
	char		 extra[160];
	const char	*line;

	snprintf(extra, sizeof(extra), "\"peer\":\"%s\",\"ms\":10000", target);
	line = jspeer_cmd(d, "closest", extra, 15000);
	ck_assert_ptr_nonnull(line);
	ck_assert_ptr_nonnull(strstr(line, "\"ok\":true"));
	return strstr(line, target) != NULL;
}

START_TEST(identify_push_brings_a_dht_server_into_the_table)
{
	static const char *const client[] = {
		"--dht", "client", "--push", NULL,
	};
	struct jspeer	 b, d;
	struct node	 t;
	char		 want[160];
	const char	*line;
	uint64_t	 end;

	node_start_dht(&t, 1, "server");
	jspeer_start(&b, client);
	jspeer_start(&d, client);
	line = jspeer_dial(&b, t.addr);
	ck_assert_ptr_nonnull(strstr(line, "\"ok\":true"));
	line = jspeer_dial(&d, t.addr);
	ck_assert_ptr_nonnull(strstr(line, "\"ok\":true"));
	/* B is a DHT client: terap2p's table leaves it out */
	ck_assert(!js_reaches(&d, b.peer_id));
	ck_assert_ptr_nonnull(strstr(jspeer_cmd(&b, "dhtmode",
	    "\"mode\":\"server\"", 5000), "\"ok\":true"));
	snprintf(want, sizeof(want), "%s pushed identify", b.peer_id);
	ck_assert_msg(h_wait_log(&t.d, "gossip", want, WAIT_MS) == 0,
	    "no push");
	end = util_mono_ms() + WAIT_MS;
	while (!js_reaches(&d, b.peer_id))
		ck_assert_msg(util_mono_ms() < end, "B never in the table");
	/* back to client: pushed again (that the table then drops it is
	 * kad_refresh_test's; js gives no view of terap2p's answers) */
	ck_assert_ptr_nonnull(strstr(jspeer_cmd(&b, "dhtmode",
	    "\"mode\":\"client\"", 5000), "\"ok\":true"));
	ck_assert_msg(h_wait_log(&t.d, "gossip", want, WAIT_MS) == 0,
	    "no second push: %s", h_log_tail(&t.d));
	jspeer_stop(&b);
	jspeer_stop(&d);
	h_stop(&t.d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("peer exchange (PX, peer-addr-request)");
	TCase	*tc = tcase_create("px");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, px_prune_dials_the_offered_peer);
	tcase_add_test(tc, px_private_address_refused);
	tcase_add_test(tc, addr_request_finds_an_author);
	tcase_add_test(tc, identify_push_brings_a_dht_server_into_the_table);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
