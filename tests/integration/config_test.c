/*
 * Integration tests of drop-in configuration, against the real terap2pd: it
 * starts on a Teranode operator's settings.conf + settings_local.conf (found
 * through teranode_settings_dir), with values picked along the
 * SETTINGS_CONTEXT chain, ${} references filled from the files and the
 * environment, and an environment variable above every file; every worker
 * is READY and listens where the operator's files say.  Keys Teranode no
 * longer reads are logged once by the supervisor; an unknown p2p_* key in
 * the operator's file stops start-up with exit 2 and a "did you mean".
 * `terap2pd -n` shows where each value came from.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define READY_MS	15000

/* dir/teranode/{settings.conf,settings_local.conf}; returns the folder. */
static void
write_pair(const char *dir, const char *local_extra, char *tn, size_t len)
{
	char	 path[256];
	FILE	*fp;

	snprintf(tn, len, "%s/teranode", dir);
	ck_assert_int_eq(mkdir(tn, 0755), 0);
	snprintf(path, sizeof(path), "%s/settings.conf", tn);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs("# shared by every Teranode service\n"
	    "P2P_PORT = 9905\n"
	    "KAFKA_PORT = 9092\n"
	    "clientName = teranode\n"
	    "clientName.itest.node1 = it-node-one\n"
	    "network = mainnet\n"
	    "network.itest = regtest\n"
	    "listen_mode = full\n"
	    "logLevel = INFO\n"
	    "validator_sendBatchSize = 100\n"
	    "alert_protocol_id = \"/bitcoin/alert-system/1.0.0\"\n"
	    "KAFKA_HOSTS = localhost:${KAFKA_PORT}\n"
	    "KAFKA_REJECTEDTX = rejectedtx\n"
	    "KAFKA_REJECTEDTX.itest = rejectedtx-${clientName}\n"
	    "p2p_port = ${P2P_PORT}\n"
	    "p2p_port.itest = ${IT_P2P_PORT}\n"
	    "p2p_listen_addresses = 0.0.0.0\n"
	    "p2p_listen_addresses.itest = 127.0.0.1\n"
	    "p2p_httpListenAddress = :9906\n"
	    "p2p_httpListenAddress.itest = 127.0.0.1:${IT_HTTP_PORT}\n"
	    "p2p_grpcListenAddress = :9904\n"
	    "p2p_grpcListenAddress.itest = 127.0.0.1:${IT_GRPC_PORT}\n"
	    "p2p_bootstrap_peers = /dnsaddr/${network}.bootstrap.teranode.bsvb.tech\n"
	    "p2p_bootstrap_peers.itest =\n"
	    "p2p_dht_mode = off\n"
	    "p2p_ban_duration = 24h\n"
	    "p2p_shared_key = 285b49e6d910726a70f205086c39cbac6d8dcc47839053a21b1f614773bbc137\n"
	    "p2p_handshake_topic = handshake\n"
	    "p2p_enable_relay = true\n"
	    "p2p_port_coinbase = ${P2P_PORT}\n"
	    "grpc_admin_api_key = testkey\n"
	    "blockchain_grpcAddress = localhost:8087\n", fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/settings_local.conf", tn);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "# the operator's overrides\n"
	    "KAFKA_PORT = 19092\n"
	    "p2p_ban_duration = 1h30m\n%s", local_extra);
	fclose(fp);
}

static void
setenv_port(const char *name, int *port)
{
	char	buf[16];

	*port = h_free_port();
	snprintf(buf, sizeof(buf), "%d", *port);
	setenv(name, buf, 1);
	h_env_pass(name);
}

START_TEST(daemon_starts_on_an_operators_settings_pair)
{
	struct daemon	 d;
	char		 dir[64] = "/tmp/tp-it-XXXXXX", tn[128], extra[256];
	char		 want[512];
	int		 p2p, http, grpc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_pair(dir, "", tn, sizeof(tn));
	setenv("SETTINGS_CONTEXT", "itest.node1", 1);
	h_env_pass("SETTINGS_CONTEXT");
	setenv_port("IT_P2P_PORT", &p2p);
	setenv_port("IT_HTTP_PORT", &http);
	setenv_port("IT_GRPC_PORT", &grpc);
	/* the environment beats settings_local.conf's Kafka at localhost */
	setenv("KAFKA_HOSTS", "embedded", 1);
	h_env_pass("KAFKA_HOSTS");
	/* our own file only names the folder; the pair says everything else */
	snprintf(extra, sizeof(extra), "teranode_settings_dir = %s\n", tn);
	h_start_in(&d, dir, extra);
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", READY_MS)
	    == 0, "daemon not ready; log:\n%s", d.log ? d.log : "");
	snprintf(want, sizeof(want), "SETTINGS_CONTEXT itest.node1; files: "
	    "%s/settings.conf, %s/settings_local.conf", tn, tn);
	ck_assert_int_eq(h_count_log(&d, "supervisor", want), 1);
	/* p2p_port.itest = ${IT_P2P_PORT}, p2p_listen_addresses.itest */
	snprintf(want, sizeof(want), "listening on /ip4/127.0.0.1/tcp/%d", p2p);
	ck_assert_int_eq(h_count_log(&d, "gossip", want), 1);
	ck_assert_int_eq(h_count_log(&d, "gossip", "listening on /ip4/0.0.0.0"),
	    0);
	/* clientName.itest.node1 through the chain, ${clientName} in a topic */
	ck_assert_int_eq(h_count_log(&d, "kafka", "consumer group "
	    "p2p.it-node-one on rejectedtx-it-node-one"), 1);
	/* Teranode's dead keys: one notice each, from the supervisor only */
	ck_assert_int_eq(h_count_log(&d, "supervisor", "p2p_shared_key: "
	    "Teranode no longer reads this key"), 1);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "p2p_enable_relay: "
	    "not read"), 1);
	ck_assert_int_eq(h_count_log(&d, "gossip", "p2p_shared_key"), 0);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "p2p_port_coinbase"), 0);
	h_stop(&d);
	unsetenv("SETTINGS_CONTEXT");
	unsetenv("KAFKA_HOSTS");
}
END_TEST

START_TEST(unknown_p2p_key_in_the_operators_file_exits_2)
{
	struct daemon	 d;
	char		 dir[64] = "/tmp/tp-it-XXXXXX", tn[128], extra[256];
	int		 status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_pair(dir, "p2p_bootstrap_peer = /ip4/127.0.0.1/tcp/1\n", tn,
	    sizeof(tn));
	snprintf(extra, sizeof(extra), "teranode_settings_dir = %s\n", tn);
	h_start_in(&d, dir, extra);
	status = h_wait_exit(&d, 5000);
	ck_assert(status != -1 && WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "settings_local.conf:4: "
	    "unknown setting 'p2p_bootstrap_peer' (did you mean "
	    "p2p_bootstrap_peers?)"), 1);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "started worker"), 0);
	h_cleanup(&d);
}
END_TEST

START_TEST(print_config_names_each_origin)
{
	char		 dir[64] = "/tmp/tp-it-XXXXXX", tn[128], want[512];
	const char	*argv[] = { h_binary(), "-n", "-s", tn, NULL };
	static char	 out[32768];
	int		 status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_pair(dir, "p2p_listen_addresses.dev = 127.0.0.2\n"
	    "api_key = s3cret\n", tn, sizeof(tn));
	/* h_run's environment is empty: Teranode's default context dev */
	status = h_run(argv, out, sizeof(out));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out);
	snprintf(want, sizeof(want), "# SETTINGS_CONTEXT dev (default); files: "
	    "%s/settings.conf, %s/settings_local.conf\n", tn, tn);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "%s", out);
	snprintf(want, sizeof(want), "\np2p_listen_addresses = 127.0.0.2  # "
	    "%s/settings_local.conf:4 p2p_listen_addresses.dev\n", tn);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in\n%s", want, out);
	snprintf(want, sizeof(want), "\np2p_ban_duration = 1h30m  # "
	    "%s/settings_local.conf:3\n", tn);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in\n%s", want, out);
	snprintf(want, sizeof(want), "\nKAFKA_HOSTS = localhost:19092  # "
	    "%s/settings.conf:12\n", tn);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in\n%s", want, out);
	snprintf(want, sizeof(want), "\napi_key = ********  # "
	    "%s/settings_local.conf:5\n", tn);
	ck_assert_msg(strstr(out, want) != NULL, "no '%s' in\n%s", want, out);
	ck_assert_ptr_null(strstr(out, "s3cret"));
	ck_assert_ptr_null(strstr(out, "testkey"));
	ck_assert_ptr_nonnull(strstr(out, "\np2p_peer_cache_dir = "
	    "/var/lib/terap2p  # derived from data_dir\n"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config (integration)");
	TCase	*tc = tcase_create("drop-in settings");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, daemon_starts_on_an_operators_settings_pair);
	tcase_add_test(tc, unknown_p2p_key_in_the_operators_file_exits_2);
	tcase_add_test(tc, print_config_names_each_origin);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
