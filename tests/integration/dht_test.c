/*
 * Kademlia discovery against real js-libp2p nodes running @libp2p/kad-dht
 * 15 (tests/interop/peer.mjs --dht): terap2p, given only a js bootstrap
 * node, finds a js peer that provides the block topic (the key go-libp2p's
 * routing discovery uses) and connects to it, and a block that peer
 * announces reaches Kafka's `blocks` topic (the Kafka mock broker of
 * kafka_harness.c); a js node finds terap2p as a
 * provider of the topic; a restarted terap2p redials the peers of its peer
 * cache when no bootstrap is reachable; a /dnsaddr bootstrap entry is
 * resolved through a dnsmasq the test starts.  Everything on 127.0.0.1.
 */
#include <check.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "kafka_harness.h"
#include "kafka_messages.pb-c.h"
#include "util.h"

#define BLOCK	"teranode/bitcoin/1.0.0/mainnet-block"
#define HASH	"00000000000000000d15c0be7ed15c0be7ed15c0be7ed15c0be7ed15c0be7ed1"

static const char *const	dht_args[] = { "--dht", "server", NULL };
static const char *const	dht_gossip_args[] = { "--dht", "server",
    "--gossip", NULL };

struct node {
	struct daemon	d;
	char		peer_id[64], addr[160];
	int		port;
};

static void
node_start(struct node *n, const char *more)
{
	char	extra[1024];

	memset(n, 0, sizeof(*n));
	n->port = h_free_port();
	snprintf(extra, sizeof(extra), "p2p_port = %d\np2p_dht_mode = server\n"
	    "p2p_allow_private_ips = true\n%s", n->port, more);
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s",
	    n->port, n->peer_id);
}

/* js provides BLOCK once its routing table has a peer (retried). */
static void
js_provide(struct jspeer *js)
{
	const char	*r = NULL;
	int		 i;

	for (i = 0; i < 50; i++) {
		r = jspeer_cmd(js, "provide", "\"topic\":\"" BLOCK "\"", 15000);
		if (r != NULL && strstr(r, "\"ok\":true") != NULL)
			return;
		usleep(200000);
	}
	ck_abort_msg("js could not provide: %s", r ? r : "(no answer)");
}

/* The `blocks` message keyed hash on the broker, decoded; NULL after ms. */
static Kafkamessage__KafkaBlockTopicMessage *
blocks_find(const struct broker *b, const char *key, int ms)
{
	Kafkamessage__KafkaBlockTopicMessage	*m = NULL;
	struct kmsg				 msgs[16];
	uint64_t				 end = util_mono_ms() + (uint64_t)ms;
	size_t					 n, i, want = 1;

	do {
		n = kt_read(b, "blocks", want++, msgs, 16);
		for (i = 0; i < n && m == NULL; i++)
			if (strcmp(msgs[i].key, key) == 0)
				m = kafkamessage__kafka_block_topic_message__unpack(
				    NULL, msgs[i].len, msgs[i].val);
		kt_free(msgs, n);
	} while (m == NULL && util_mono_ms() < end);
	return m;
}

START_TEST(finds_js_provider_through_js_bootstrap)
{
	static struct jspeer	boot, prov;
	static struct node	n;
	struct broker		b;
	Kafkamessage__KafkaBlockTopicMessage *m;
	char			more[1024], found[256], json[512];

	broker_start(&b);
	jspeer_start(&boot, dht_args);
	jspeer_start(&prov, dht_gossip_args);
	ck_assert_ptr_nonnull(jspeer_cmd(&prov, "subscribe",
	    "\"topic\":\"" BLOCK "\"", 5000));
	ck_assert_ptr_nonnull(strstr(jspeer_dial(&prov, boot.addr),
	    "\"ok\":true"));
	js_provide(&prov);
	snprintf(more, sizeof(more), "p2p_bootstrap_peers = %s\n"
	    "KAFKA_HOSTS = %s\nkafka_session_timeout = 6s\n", boot.addr,
	    b.bootstrap);
	node_start(&n, more);
	/* terap2p dials the bootstrap, looks the topic up, finds prov */
	snprintf(found, sizeof(found), "provider %s of %s found", prov.peer_id,
	    BLOCK);
	if (h_wait_log(&n.d, "gossip", found, 60000) != 0) {
		fprintf(stderr, "%s\n", n.d.log);
		ck_abort_msg("terap2p never found the provider (log above)");
	}
	ck_assert_msg(jspeer_wait(&prov, "\"event\":\"connect\"", n.peer_id,
	    30000) != NULL, "terap2p never connected to the provider:\n%s",
	    n.d.log);
	/* the peer it found announces a block: it reaches Kafka */
	ck_assert_int_eq(jspeer_wait_mesh(&prov, BLOCK, n.peer_id, 20000), 0);
	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"js-node\",\"DataHubURL\":\"https://datahub.example.com/api/v1\","
	    "\"Hash\":\"" HASH "\",\"Height\":812345}", prov.peer_id);
	jspeer_send_envelope(&prov, BLOCK, json);
	m = blocks_find(&b, HASH, 20000);
	ck_assert_msg(m != NULL, "the block never reached Kafka:\n%s",
	    h_log_tail(&n.d));
	ck_assert_str_eq(m->hash, HASH);
	ck_assert_str_eq(m->peer_id, prov.peer_id);
	kafkamessage__kafka_block_topic_message__free_unpacked(m, NULL);
	h_stop(&n.d);
	jspeer_stop(&prov);
	jspeer_stop(&boot);
	broker_stop(&b);
}
END_TEST

START_TEST(js_finds_terap2p_as_provider)
{
	static struct jspeer	boot, seeker;
	static struct node	n;
	const char		*r = NULL;
	char			more[512];
	int			i;

	jspeer_start(&boot, dht_args);
	snprintf(more, sizeof(more), "p2p_bootstrap_peers = %s\n", boot.addr);
	node_start(&n, more);
	jspeer_start(&seeker, dht_args);
	ck_assert_ptr_nonnull(strstr(jspeer_dial(&seeker, boot.addr),
	    "\"ok\":true"));
	for (i = 0; i < 30; i++) {
		r = jspeer_cmd(&seeker, "findproviders", "\"topic\":\"" BLOCK
		    "\",\"ms\":3000", 10000);
		if (r != NULL && strstr(r, n.peer_id) != NULL)
			break;
		usleep(500000);
	}
	ck_assert_msg(r != NULL && strstr(r, n.peer_id) != NULL,
	    "js never found terap2p as a provider: %s", r ? r : "");
	h_stop(&n.d);
	jspeer_stop(&seeker);
	jspeer_stop(&boot);
}
END_TEST

/* A restart with no bootstrap reachable reconnects from the peer cache. */
START_TEST(peer_cache_reconnects)
{
	static struct jspeer	js;
	static struct node	n;
	static const char *const gossip_args[] = { "--gossip", NULL };
	char			dir[64], extra[512];

	jspeer_start(&js, gossip_args);
	jspeer_cmd(&js, "subscribe", "\"topic\":\"" BLOCK "\"", 5000);
	node_start(&n, "");
	ck_assert_ptr_nonnull(strstr(jspeer_dial(&js, n.addr), "\"ok\":true"));
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "peer cache", 5000), 0);
	/* stop, and start again in the same directory with a dead bootstrap */
	snprintf(dir, sizeof(dir), "%s", n.d.dir);
	ck_assert_int_eq(kill(n.d.pid, SIGTERM), 0);
	ck_assert_int_ge(h_wait_exit(&n.d, 10000), 0);
	close(n.d.out_fd);
	free(n.d.log);
	ck_assert_ptr_nonnull(jspeer_wait(&js, "\"event\":\"disconnect\"",
	    n.peer_id, 10000));
	snprintf(extra, sizeof(extra), "p2p_port = %d\np2p_dht_mode = server\n"
	    "p2p_allow_private_ips = true\np2p_bootstrap_peers = "
	    "/ip4/127.0.0.1/tcp/%d/p2p/%s\n", n.port, h_free_port(),
	    js.peer_id);
	h_start_in(&n.d, dir, extra);
	if (h_wait_log(&n.d, "gossip", "kad: 1 peers from", 15000) != 0 ||
	    jspeer_wait(&js, "\"event\":\"connect\"", n.peer_id,
	    30000) == NULL) {
		h_wait_log(&n.d, "gossip", "(flush)", 100);
		fprintf(stderr, "%s\n", n.d.log ? n.d.log : "");
		ck_abort_msg("no reconnection from the peer cache (log above)");
	}
	h_stop(&n.d);
	jspeer_stop(&js);
}
END_TEST

/* /dnsaddr/boot.test/p2p/<id> through dnsmasq on 127.0.0.1, never resolv.conf. */
START_TEST(dnsaddr_bootstrap)
{
	static struct jspeer	boot;
	static struct node	n;
	char			txt[512], port[32], more[512];
	pid_t			dns;
	int			dport = h_free_port();

	jspeer_start(&boot, dht_args);
	snprintf(txt, sizeof(txt), "--txt-record=_dnsaddr.boot.test,dnsaddr=%s",
	    boot.addr);
	snprintf(port, sizeof(port), "--port=%d", dport);
	if ((dns = fork()) == 0) {
		execl("/usr/sbin/dnsmasq", "dnsmasq", "-k", "--no-resolv",
		    "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
		    "--local=/test/", port, "--listen-address=127.0.0.1",
		    "--bind-interfaces", txt, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(dns, 0);
	snprintf(more, sizeof(more), "p2p_bootstrap_peers = /dnsaddr/boot.test"
	    "/p2p/%s\ndnsaddr_servers = 127.0.0.1:%d\n", boot.peer_id, dport);
	node_start(&n, more);
	ck_assert_msg(jspeer_wait(&boot, "\"event\":\"connect\"", n.peer_id,
	    30000) != NULL, "terap2p never dialed the /dnsaddr bootstrap");
	(void)h_wait_log(&n.d, "gossip", "(read what is logged)", 200);
	ck_assert_int_eq(h_count_log(&n.d, "gossip", "/dnsaddr gave 1 "), 1);
	h_stop(&n.d);
	kill(dns, SIGTERM);
	waitpid(dns, NULL, 0);
	jspeer_stop(&boot);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("integ_dht");
	TCase	*tc = tcase_create("dht");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, finds_js_provider_through_js_bootstrap);
	tcase_add_test(tc, js_finds_terap2p_as_provider);
	tcase_add_test(tc, peer_cache_reconnects);
	tcase_add_test(tc, dnsaddr_bootstrap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
