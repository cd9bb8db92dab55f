/*
 * Unit tests of reading Teranode's settings files: every key of Teranode's
 * P2P settings (settings.conf and settings.go, including the keys it no
 * longer reads) checked one by one for its name, default and acceptance;
 * the context chain, SETTINGS_APPLICATION, ${} expansion, the environment
 * above every file, leniency for other services' keys and strictness for
 * p2p_* keys, all on settings texts in memory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

enum tn_status {
	TN_READ,	/* declared with Teranode's default */
	TN_DEAD,	/* declared (a terap2p extra), ignored in Teranode's files */
	TN_NOTICE,	/* not read: accepted with a notice */
	TN_SILENT	/* another service's key: accepted, nothing said */
};

struct tn_key {
	const char	*name;
	const char	*def;		/* expected embedded default (TN_READ) */
	enum tn_status	 status;
};

/*
 * Teranode's P2P keys with the default an operator gets.  Where terap2p's
 * default differs on purpose the comment says why.
 */
static const struct tn_key tn_keys[] = {
	{ "p2p_advertise_addresses", "", TN_READ },
	{ "p2p_allow_pruned_node_fallback", "true", TN_READ },
	{ "p2p_ban_duration", "24h", TN_READ },
	{ "p2p_ban_threshold", "100", TN_READ },
	{ "p2p_bestblock_topic", "", TN_DEAD },
	{ "p2p_block_topic", "block", TN_READ },	/* settings.conf value */
	{ "p2p_bootstrapAddresses", "", TN_READ },
	{ "p2p_bootstrap_persistent", NULL, TN_NOTICE },
	{ "p2p_dht_protocol_id", NULL, TN_NOTICE },
	{ "p2p_dht_use_private", NULL, TN_NOTICE },
	{ "p2p_dht_mode", "server", TN_READ },
	{ "p2p_dht_cleanup_interval", "24h", TN_READ },
	{ "p2p_enable_hole_punching", NULL, TN_NOTICE },
	{ "p2p_enable_nat_port_map", NULL, TN_NOTICE },
	{ "p2p_enable_nat_service", NULL, TN_NOTICE },
	{ "p2p_enable_relay", NULL, TN_NOTICE },
	{ "p2p_force_sync_peer", "", TN_READ },
	{ "p2p_grpcAddress", "localhost:9904", TN_READ },
	{ "p2p_grpcListenAddress", ":9904", TN_READ },
	{ "p2p_handshake_topic", "", TN_DEAD },
	{ "p2p_httpAddress", "localhost:9906", TN_READ },
	{ "p2p_httpListenAddress", "127.0.0.1:9906", TN_READ },	/* loopback: an admin API */
	{ "p2p_listen_addresses", "0.0.0.0", TN_READ },
	{ "p2p_mining_on_topic", "", TN_DEAD },
	{ "p2p_optimise_retries", "false", TN_DEAD },
	{ "p2p_peer_cache_dir", "", TN_READ },	/* empty: data_dir */
	{ "p2p_peer_id", "", TN_READ },
	{ "p2p_port", "9905", TN_READ },
	{ "p2p_port_coinbase", NULL, TN_SILENT },
	{ "p2p_private_key", "", TN_READ },
	{ "p2p_rejected_tx_topic", "rejected_tx", TN_READ },
	{ "p2p_share_private_addresses", "false", TN_READ },
	{ "p2p_shared_key", "", TN_DEAD },
	{ "p2p_static_peers", "", TN_READ },
	{ "p2p_subtree_topic", "subtree", TN_READ },
	{ "p2p_sync_stuck_retry_threshold", NULL, TN_NOTICE },
	{ "p2p_node_status_topic", "node_status", TN_READ },
	{ "p2p_relay_peers", NULL, TN_NOTICE },
	{ "p2p_enable_mdns", "false", TN_READ },
	{ "p2p_allow_private_ips", "false", TN_READ },
	{ "p2p_disable_nat", NULL, TN_NOTICE },
	{ "listen_mode", "full", TN_READ },
	{ "p2p_health_check_interval", "30s", TN_READ },
	{ "p2p_health_http_timeout", "5s", TN_READ },
	{ "p2p_health_remove_after_failures", "3", TN_READ },
	{ "p2p_bootstrap_peers", "", TN_READ },
	{ "p2p_enable_nat", "false", TN_READ },
	{ "p2p_peer_map_max_size", "10000", TN_READ },
	{ "p2p_peer_map_ttl", "10m", TN_READ },
	{ "p2p_peer_map_cleanup_interval", "1m", TN_READ },
	{ "p2p_seen_hash_max_size", "10000", TN_READ },
	{ "p2p_seen_hash_ttl", "2m", TN_READ },
	{ "p2p_seen_hash_max_publishers", "3", TN_READ },
	{ "p2p_max_unvalidated_advertised_height_lead", "10000", TN_READ },
	{ "p2p_max_unproven_sync_probes_per_backoff_window", "3", TN_READ },
	{ "p2p_full_storage_penalty_duration", "1h", TN_READ },
	{ "p2p_full_delivery_freshness_window", "24h", TN_READ },
	{ "p2p_sync_peer_no_progress_timeout", "5m", TN_READ },
	{ "p2p_enable_peer_scoring", "true", TN_READ },
	{ "p2p_enable_peer_exchange", "true", TN_READ },
	{ "p2p_peer_score_ip_colocation_threshold", "10", TN_READ },
	{ "p2p_sync_coordinator_periodic_evaluation_interval", "30s", TN_READ },
	{ "p2p_health_check_enabled", "true", TN_READ },
	{ "p2p_peer_registry_batch_interval", "1s", TN_READ },
	{ "p2p_gossip_handler_concurrency", "4", TN_READ },
	{ "p2p_websocket_max_connections", "1000", TN_READ },
	{ "p2p_websocket_max_connections_per_source", "0", TN_READ },
	{ "p2p_websocket_allowed_origins", "", TN_READ },
	{ "p2p_websocket_trusted_source_cidrs", "127.0.0.1/32|::1/128", TN_READ },
	/* the other keys Teranode's P2P service reads */
	{ "clientName", "terap2p", TN_READ },	/* a name of its own */
	{ "network", "mainnet", TN_READ },
	{ "asset_httpPublicAddress", "", TN_READ },
	{ "asset_httpAddress", "", TN_READ },	/* no invented localhost URL */
	{ "asset_propagation_public_url", "", TN_READ },
	{ "securityLevelHTTP", "0", TN_READ },
	{ "server_certFile", "", TN_READ },
	{ "server_keyFile", "", TN_READ },
	{ "subtreevalidation_blacklisted_baseurls", "", TN_READ },
	{ "minminingtxfee", "0.000005", TN_READ },
	{ "global_blockHeightRetention", "288", TN_READ },
	{ "KAFKA_BLOCKS", "blocks", TN_READ },
	{ "KAFKA_SUBTREES", "subtrees", TN_READ },
	{ "KAFKA_REJECTEDTX", "rejectedtx", TN_READ },
	{ "KAFKA_INVALID_BLOCKS", "invalid-blocks", TN_READ },
	{ "KAFKA_INVALID_SUBTREES", "invalid-subtrees", TN_READ },
	{ "KAFKA_HOSTS", "embedded", TN_READ },	/* a broker of its own */
	{ "KAFKA_PORT", "9092", TN_READ },
	{ "KAFKA_PARTITIONS", "1", TN_READ },
	{ "kafka_blocksConfig", "", TN_READ },
	{ "kafka_subtreesConfig", "", TN_READ },
	{ "kafka_rejectedTxConfig", "", TN_READ },
	{ "kafka_invalidBlocksConfig", "", TN_READ },
	{ "kafka_invalidSubtreesConfig", "", TN_READ },
	{ "KAFKA_ENABLE_TLS", "false", TN_READ },
	{ "KAFKA_TLS_SKIP_VERIFY", "false", TN_READ },
	{ "KAFKA_TLS_CA_FILE", "", TN_READ },
	{ "KAFKA_TLS_CERT_FILE", "", TN_READ },
	{ "KAFKA_TLS_KEY_FILE", "", TN_READ },
	{ "kafka_enable_debug_logging", "false", TN_READ },
	/* gRPC */
	{ "blockchain_grpcAddress", "localhost:8087", TN_READ },
	{ "blockassembly_grpcAddress", "localhost:8085", TN_READ },
	{ "grpc_admin_api_key", "", TN_READ },
	{ "security_level_grpc", "0", TN_READ },
	{ "securityLevelGRPC", NULL, TN_NOTICE },
	{ "grpc_max_retries", "40", TN_READ },
	{ "grpc_retry_backoff", "250ms", TN_READ },
	{ "blockassembly_grpcMaxRetries", "3", TN_READ },
	{ "blockassembly_grpcRetryBackoff", "2s", TN_READ },
	{ "grpc_resolver", "", TN_READ },
};

static const struct cfg_key *
declared(const char *name)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/* Load one settings.conf text (Teranode's, not our own) in context ctx. */
static struct config *
tn_load(const char *text, const char *ctx, char *err, size_t errlen)
{
	struct config_text	t = { "settings.conf", text, strlen(text), 0 };

	return config_load_texts(&t, 1, 0, ctx, err, errlen);
}

static int
has_notice(const struct config *cfg, const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < config_nnotices(cfg); i++)
		if (strncmp(config_notice(cfg, i), name, n) == 0 &&
		    config_notice(cfg, i)[n] == ':')
			return 1;
	return 0;
}

/* A value of the key's type that differs from most defaults. */
static const char *
sample(const struct cfg_key *k)
{
	static char	buf[32];

	switch (k->type) {
	case CFG_INT:
		snprintf(buf, sizeof(buf), "%lld", k->max != 0 ? k->max : 7);
		return buf;
	case CFG_BOOL:
		return "true";
	case CFG_DURATION:
		return "3s";
	case CFG_ENUM:
		return strcmp(k->name, "network") == 0 ? "regtest" :
		    strcmp(k->name, "p2p_dht_mode") == 0 ? "client" :
		    strcmp(k->name, "listen_mode") == 0 ? "listen_only" : "x";
	default:
		return "x";
	}
}

START_TEST(every_teranode_key_by_name_default_and_acceptance)
{
	const struct tn_key	*t = &tn_keys[_i];
	const struct cfg_key	*k = declared(t->name);
	struct config		*cfg;
	char			 text[256], err[512], want[128];

	if (t->status == TN_READ || t->status == TN_DEAD) {
		ck_assert_msg(k != NULL, "%s is not declared", t->name);
		ck_assert_msg(strcmp(k->def, t->def) == 0, "%s: default '%s', "
		    "want '%s'", t->name, k->def, t->def);
		ck_assert_int_eq((k->flags & CFG_TN_DEAD) != 0,
		    t->status == TN_DEAD);
	} else
		ck_assert_msg(k == NULL, "%s is declared", t->name);
	snprintf(text, sizeof(text), "%s = %s\n%s.docker = %s\n", t->name,
	    k != NULL ? sample(k) : "1", t->name, k != NULL ? sample(k) : "1");
	cfg = tn_load(text, "docker", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s refused: %s", t->name, err);
	ck_assert_int_eq(has_notice(cfg, t->name),
	    t->status == TN_DEAD || t->status == TN_NOTICE);
	/* the context line wins over the base line */
	snprintf(want, sizeof(want), "settings.conf:2 %s.docker", t->name);
	if (t->status == TN_READ)
		ck_assert_str_eq(config_origin(cfg, t->name), want);
	if (t->status == TN_DEAD)
		ck_assert_str_eq(config_str(cfg, t->name), t->def);
	config_free(cfg);
}
END_TEST

START_TEST(context_chain_and_application)
{
	static const char	text[] =
	    "p2p_port = 1\n"
	    "p2p_port.docker = 2\n"
	    "p2p_port.docker.host = 3\n"
	    "p2p_port.docker.host.teranode1 = 4\n"
	    "p2p_port.docker.host.p2p = 5\n"
	    "clientName.docker.host = host\n";
	struct config		*cfg;
	char			 err[512];

	cfg = tn_load(text, "docker.host.teranode1", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 4);
	ck_assert_str_eq(config_str(cfg, "clientName"), "host");
	config_free(cfg);
	cfg = tn_load(text, "docker.host.teranode2", err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 3);
	config_free(cfg);
	cfg = tn_load(text, "docker.m", err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 2);
	ck_assert_str_eq(config_str(cfg, "clientName"), "terap2p");
	config_free(cfg);
	cfg = tn_load(text, "operator", err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 1);
	config_free(cfg);
	/* SETTINGS_APPLICATION: each round tries <candidate>.<app> first */
	setenv("SETTINGS_CONTEXT", "docker.host", 1);
	setenv("SETTINGS_APPLICATION", "p2p", 1);
	cfg = config_load_texts(&(struct config_text){ "settings.conf", text,
	    strlen(text), 0 }, 1, 1, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 5);
	ck_assert_str_eq(config_origin(cfg, "p2p_port"),
	    "settings.conf:5 p2p_port.docker.host.p2p");
	config_free(cfg);
	unsetenv("SETTINGS_CONTEXT");
	unsetenv("SETTINGS_APPLICATION");
}
END_TEST

START_TEST(later_files_and_lines_win_context_first)
{
	struct config_text	t[2] = {
		{ "settings.conf", "p2p_port = 1\np2p_port = 2\n"
		    "clientName.dev = a\nnetwork = testnet\n", 0, 0 },
		{ "settings_local.conf", "p2p_port = 3\nclientName = b\n", 0, 0 },
	};
	struct config		*cfg;
	char			 err[512];

	t[0].len = strlen(t[0].text);
	t[1].len = strlen(t[1].text);
	cfg = config_load_texts(t, 1, 0, NULL, err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 2);
	config_free(cfg);
	cfg = config_load_texts(t, 2, 0, NULL, err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 3);
	ck_assert_str_eq(config_origin(cfg, "p2p_port"),
	    "settings_local.conf:1");
	/* the default context is dev: clientName.dev beats a later base line */
	ck_assert_str_eq(config_str(cfg, "clientName"), "a");
	ck_assert_str_eq(config_str(cfg, "topic_prefix"),
	    "teranode/bitcoin/1.0.0/testnet");
	config_free(cfg);
}
END_TEST

START_TEST(expansion)
{
	static const char	text[] =
	    "P2P_PORT = 9905\n"
	    "PORT_PREFIX =\n"
	    "PORT_PREFIX.docker.host = 1\n"
	    "p2p_port = ${PORT_PREFIX}${P2P_PORT}\n"
	    "DATADIR = /data\n"
	    "p2p_peer_cache_dir = ${DATADIR}/${clientName}\n"
	    "p2p_bootstrap_peers = /dnsaddr/${network}.example | /ip4/127.0.0.1/tcp/${P2P_PORT}\n";
	struct config		*cfg;
	const struct cfg_list	*l;
	char			 err[512];

	cfg = tn_load(text, "docker.host", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 19905);
	/* a declared key's default stands in where no file sets it */
	ck_assert_str_eq(config_str(cfg, "p2p_peer_cache_dir"), "/data/terap2p");
	l = config_list(cfg, "p2p_bootstrap_peers");
	ck_assert_uint_eq(l->n, 2);
	ck_assert_str_eq(l->v[0], "/dnsaddr/mainnet.example");
	ck_assert_str_eq(l->v[1], "/ip4/127.0.0.1/tcp/9905");
	config_free(cfg);
	cfg = tn_load(text, "dev", err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 9905);
	config_free(cfg);
	/* the environment feeds ${} too, and its values are expanded */
	setenv("P2P_PORT", "7000", 1);
	setenv("p2p_port", "${P2P_PORT}", 1);
	cfg = config_load_texts(&(struct config_text){ "settings.conf", text,
	    strlen(text), 0 }, 1, 1, "dev", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 7000);
	ck_assert_str_eq(config_origin(cfg, "p2p_port"), "environment");
	config_free(cfg);
	unsetenv("P2P_PORT");
	unsetenv("p2p_port");
	/* unknown names, cycles and open ${ are refused for keys we read */
	ck_assert_ptr_null(tn_load("p2p_port = ${NOPE}\n", "dev", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "p2p_port: ${NOPE} is not set");
	ck_assert_ptr_null(tn_load("A = ${B}\nB = ${A}\nclientName = ${A}\n",
	    "dev", err, sizeof(err)));
	ck_assert_str_eq(err, "clientName: ${} expansion deeper than 8 (a cycle?)");
	/* but another service's broken value does not matter */
	cfg = tn_load("validator_x = ${NOPE}\nA = ${A}\n", "dev", err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	config_free(cfg);
}
END_TEST

START_TEST(environment_above_every_file)
{
	static const char	text[] = "p2p_port.dev = 1\n"
				    "p2p_ban_threshold = 7\n";
	struct config		*cfg;
	char			 err[512];

	setenv("p2p_port", "4242", 1);
	setenv("logLevel", "DEBUG", 1);
	setenv("kafka_tlsSkipVerify", "T", 1);
	setenv("p2p_ban_threshold", "", 1);		/* empty: unset */
	setenv("p2p_not_a_key", "1", 1);		/* unknown: ignored */
	cfg = config_load_texts(&(struct config_text){ "settings.conf", text,
	    strlen(text), 0 }, 1, 1, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 4242);
	ck_assert_int_eq(config_int(cfg, "p2p_ban_threshold"), 7);
	/* Teranode's spelling INFO/DEBUG, stored as our choice */
	ck_assert_str_eq(config_str(cfg, "log_level"), "debug");
	ck_assert_str_eq(config_origin(cfg, "log_level"),
	    "environment logLevel");
	/* workers may still ask by the older name */
	ck_assert_int_eq(config_bool(cfg, "kafka_tlsSkipVerify"), 1);
	ck_assert_int_eq(config_bool(cfg, "KAFKA_TLS_SKIP_VERIFY"), 1);
	config_free(cfg);
	unsetenv("p2p_port");
	unsetenv("logLevel");
	unsetenv("kafka_tlsSkipVerify");
	unsetenv("p2p_ban_threshold");
	unsetenv("p2p_not_a_key");
}
END_TEST

START_TEST(strict_for_p2p_keys_lenient_for_others)
{
	struct config	*cfg;
	char		 err[512];

	cfg = tn_load("blockvalidation_x = 1\nno equals sign here\n"
	    "alert_protocol_id = \"/bitcoin/alert-system/1.0.0\"\n"
	    "coinbase_x = \"open\n", "dev", err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(config_nnotices(cfg), 0);
	config_free(cfg);
	ck_assert_ptr_null(tn_load("p2p_bootstrap_peer = x\n", "dev", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "settings.conf:1: unknown setting "
	    "'p2p_bootstrap_peer' (did you mean p2p_bootstrap_peers?)");
	ck_assert_ptr_null(tn_load("p2p_frobnicate.dev = x\n", "dev", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "settings.conf:1: unknown setting "
	    "'p2p_frobnicate'");
	ck_assert_ptr_null(tn_load("p2p_ban_persist_path = /x\n", "dev", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "settings.conf:1: p2p_ban_persist_path is no "
	    "longer read: bans are stored at ban_store_url (sqlite:///path "
	    "or postgres://...)");
	/* values cannot hold '#' in Teranode's syntax */
	cfg = tn_load("clientName = a#b\np2p_block_topic = \"blk\"  # c\n",
	    "dev", err, sizeof(err));
	ck_assert_str_eq(config_str(cfg, "clientName"), "a");
	ck_assert_str_eq(config_str(cfg, "p2p_block_topic"), "blk");
	config_free(cfg);
	/* a typed key left empty in Teranode's files takes its default */
	cfg = tn_load("p2p_port =\np2p_enable_mdns =\n", "dev", err,
	    sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 9905);
	config_free(cfg);
}
END_TEST

START_TEST(dead_keys_only_from_our_own_file)
{
	struct config_text	t[2] = {
		{ "settings.conf", "p2p_shared_key = abc\n"
		    "p2p_handshake_topic = handshake\n", 0, 0 },
		{ "terap2p.conf", "p2p_handshake_topic = hs\n", 0, 1 },
	};
	struct config		*cfg;
	char			 err[512];

	t[0].len = strlen(t[0].text);
	t[1].len = strlen(t[1].text);
	cfg = config_load_texts(t, 2, 0, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(config_str(cfg, "p2p_shared_key"), "");
	ck_assert_str_eq(config_str(cfg, "p2p_handshake_topic"), "hs");
	ck_assert_int_eq(has_notice(cfg, "p2p_shared_key"), 1);
	ck_assert_int_eq(has_notice(cfg, "p2p_handshake_topic"), 1);
	config_free(cfg);
}
END_TEST

START_TEST(asset_http_address_is_the_datahub_fallback)
{
	struct config	*cfg;
	char		 err[512];

	cfg = tn_load("asset_httpAddress = http://localhost:8090/api/v1\n",
	    "dev", err, sizeof(err));
	ck_assert_str_eq(config_str(cfg, "asset_httpPublicAddress"),
	    "http://localhost:8090/api/v1");
	config_free(cfg);
	cfg = tn_load("asset_httpAddress = http://a/api/v1\n"
	    "asset_httpPublicAddress = https://pub/api/v1\n", "dev", err,
	    sizeof(err));
	ck_assert_str_eq(config_str(cfg, "asset_httpPublicAddress"),
	    "https://pub/api/v1");
	config_free(cfg);
	cfg = tn_load("", "dev", err, sizeof(err));
	ck_assert_str_eq(config_str(cfg, "asset_httpPublicAddress"), "");
	config_free(cfg);
}
END_TEST

/* Teranode loads $SETTINGS_ENV_FILE (else ./.env) into the environment. */
START_TEST(environment_file)
{
	char			 path[] = "/tmp/tp-env-XXXXXX", err[512];
	struct config_opts	 o = { NULL, "none", 1 };
	struct config		*cfg;
	FILE			*fp;
	int			 fd;

	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "w"));
	fputs("# dotenv\nexport clientName=\"from env file\"\n"
	    "p2p_ban_threshold=9 # comment\nBAD-NAME=1\nnot an assignment\n"
	    "p2p_port='7100'\n", fp);
	fclose(fp);
	setenv("SETTINGS_ENV_FILE", path, 1);
	setenv("p2p_ban_threshold", "5", 1);		/* the real one wins */
	cfg = config_open(&o, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(config_str(cfg, "clientName"), "from env file");
	ck_assert_str_eq(config_origin(cfg, "clientName"), "environment");
	ck_assert_int_eq(config_int(cfg, "p2p_ban_threshold"), 5);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 7100);
	ck_assert_ptr_null(getenv("BAD-NAME"));
	ck_assert_ptr_nonnull(strstr(config_sources(cfg),
	    "; environment file: /tmp/tp-env-"));
	config_free(cfg);
	unlink(path);
	unsetenv("SETTINGS_ENV_FILE");
	unsetenv("clientName");
	unsetenv("p2p_ban_threshold");
	unsetenv("p2p_port");
}
END_TEST

START_TEST(suggestions)
{
	ck_assert_str_eq(config_suggest("p2p_prot"), "p2p_port");
	ck_assert_str_eq(config_suggest("P2P_HTTPLISTENADDRESS"),
	    "p2p_httpListenAddress");
	ck_assert_str_eq(config_suggest("p2p_grpc_listen_addres"),
	    "p2p_grpcListenAddress");
	ck_assert_ptr_null(config_suggest("p2p_frobnicate"));
	ck_assert_ptr_null(config_suggest(""));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config (Teranode settings)");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	unsetenv("SETTINGS_CONTEXT");
	unsetenv("SETTINGS_APPLICATION");
	tcase_add_loop_test(tc, every_teranode_key_by_name_default_and_acceptance,
	    0, (int)(sizeof(tn_keys) / sizeof(tn_keys[0])));
	tcase_add_test(tc, context_chain_and_application);
	tcase_add_test(tc, later_files_and_lines_win_context_first);
	tcase_add_test(tc, expansion);
	tcase_add_test(tc, environment_above_every_file);
	tcase_add_test(tc, strict_for_p2p_keys_lenient_for_others);
	tcase_add_test(tc, dead_keys_only_from_our_own_file);
	tcase_add_test(tc, asset_http_address_is_the_datahub_fallback);
	tcase_add_test(tc, environment_file);
	tcase_add_test(tc, suggestions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
