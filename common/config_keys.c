/*
 * Every setting terap2p reads, declared once: name, type, embedded default,
 * flags and one line of meaning.  Teranode's key names where Teranode has
 * the setting (research/teranode-p2p.md §10), terap2p's own otherwise.  The
 * README's settings table and etc/terap2p.conf follow this table; adding a
 * setting is one line here.
 */
#include "config.h"
#include "tp.h"

#define STR(n, d, f, h)		{ n, CFG_STR, d, f, 0, 0, NULL, h }
#define INT(n, d, lo, hi, h)	{ n, CFG_INT, d, 0, lo, hi, NULL, h }
#define BOOL(n, d, h)		{ n, CFG_BOOL, d, 0, 0, 0, NULL, h }
#define DUR(n, d, h)		{ n, CFG_DURATION, d, 0, 0, 0, NULL, h }
#define LIST(n, d, f, h)	{ n, CFG_LIST, d, f, 0, 0, NULL, h }
#define ENUM(n, d, c, h)	{ n, CFG_ENUM, d, 0, 0, 0, c, h }

const struct cfg_key config_keys[] = {
	/* process tree, logging, storage */
	STR("data_dir", "/var/lib/terap2p", CFG_REQUIRED,
	    "directory for the ban store, keys and run files"),
	STR("run_dir", "", 0,
	    "IPC socket directory (empty: <data_dir>/run)"),
	ENUM("log_level", "info", "error|warn|info|debug",
	    "lowest level logged (-v forces debug)"),
	ENUM("log_format", "logfmt", "logfmt|json", "log line format"),
	DUR("shutdown_timeout", "5s",
	    "how long workers get to stop before SIGTERM, then as long again before SIGKILL"),
	DUR("worker_ready_timeout", "30s",
	    "a worker not READY this long after its start is killed and restarted"),

	/* node identity and network */
	STR("clientName", "terap2p", CFG_REQUIRED,
	    "name in the gossip envelope, node_status client_name, Kafka group p2p.<clientName>"),
	ENUM("network", "mainnet", "mainnet|testnet|regtest|stn|teratestnet|tstn",
	    "chain the node serves; selects the topic prefix"),
	STR("topic_prefix", "", 0,
	    "gossip topic prefix (empty: teranode/bitcoin/1.0.0/<network>)"),
	ENUM("listen_mode", "full", "full|listen_only",
	    "listen_only publishes nothing but node status"),

	/* libp2p host */
	LIST("p2p_listen_addresses", "0.0.0.0", CFG_REQUIRED,
	    "addresses the libp2p host listens on, |-separated"),
	INT("p2p_port", "9905", 1, 65535, "libp2p TCP port"),
	LIST("p2p_advertise_addresses", "", 0,
	    "addresses announced to peers: multiaddrs or host[:port]"),
	BOOL("p2p_share_private_addresses", "false",
	    "announce private/loopback listen addresses too"),
	LIST("p2p_static_peers", "", 0,
	    "multiaddrs dialed at start and redialed when lost"),
	LIST("p2p_bootstrapAddresses", "", 0, "bootstrap peers (multiaddrs)"),
	STR("p2p_peer_cache_dir", "", 0,
	    "directory of p2p.key and the peer cache (empty: data_dir)"),
	STR("p2p_private_key", "", CFG_SECRET,
	    "Ed25519 private key, hex (64 or 96 bytes); empty: <p2p_peer_cache_dir>/p2p.key"),
	STR("p2p_shared_key", "", CFG_SECRET,
	    "pnet pre-shared key (private network); empty: public network"),
	BOOL("p2p_optimise_retries", "false",
	    "shorter redial backoff for static peers"),
	INT("p2p_max_inbound", "128", 0, 100000,
	    "most inbound libp2p connections at once"),
	INT("p2p_max_outbound", "64", 0, 100000,
	    "most outbound libp2p connections at once"),
	INT("p2p_max_per_ip", "8", 1, 100000,
	    "most libp2p connections from one IP address"),
	DUR("p2p_dial_timeout", "10s", "outbound TCP connect time-out"),
	DUR("p2p_handshake_timeout", "10s",
	    "time allowed from TCP connect to an open yamux session"),
	DUR("p2p_idle_timeout", "2m",
	    "a connection silent this long (no reply to pings) is closed"),
	INT("p2p_max_message_size", "1048576", 1024, 16777216,
	    "largest gossipsub RPC accepted, bytes"),
	BOOL("p2p_allow_private_ips", "false",
	    "accept loopback/private DataHub URLs from peers"),

	/* gossip topics */
	STR("p2p_block_topic", "block", CFG_REQUIRED, "block topic suffix"),
	STR("p2p_subtree_topic", "subtree", CFG_REQUIRED,
	    "subtree topic suffix"),
	STR("p2p_rejected_tx_topic", "rejected_tx", CFG_REQUIRED,
	    "rejected transaction topic suffix"),
	STR("p2p_node_status_topic", "node_status", CFG_REQUIRED,
	    "node status topic suffix"),
	STR("p2p_mining_on_topic", "", 0,
	    "mining-on topic suffix (empty: not joined)"),
	STR("p2p_bestblock_topic", "", 0,
	    "best-block topic suffix (empty: not joined)"),
	STR("p2p_handshake_topic", "", 0,
	    "handshake topic, used verbatim (empty: no handshake)"),
	STR("asset_httpPublicAddress", "", 0,
	    "our DataHub URL, announced in block/subtree/node_status messages"),
	DUR("p2p_node_status_interval", "10s",
	    "how often our node_status is published"),
	LIST("subtreevalidation_blacklisted_baseurls", "", 0,
	    "DataHub URLs (or hosts) whose subtree announcements are dropped"),
	STR("p2p_force_sync_peer", "", 0,
	    "peer ID always chosen as the sync peer when connected"),
	STR("p2p_genesis_hash", "", 0,
	    "genesis block hash for DataHub health checks (empty: by network)"),
	DUR("p2p_health_check_interval", "30s",
	    "how often peers' DataHub URLs are checked"),
	DUR("p2p_health_http_timeout", "5s", "time-out of one DataHub check"),
	INT("p2p_peer_registry_max", "10000", 16, 1000000,
	    "most peers kept in the peer registry"),
	DUR("p2p_peer_registry_ttl", "1h",
	    "a peer not heard from this long leaves the registry"),
	DUR("p2p_handshake_refuse_duration", "10m",
	    "how long a peer of another network (topicPrefix) is refused"),

	/* bans */
	STR("ban_store_url", "", 0,
	    "postgres://... or sqlite:///path (empty: sqlite under data_dir)"),
	INT("p2p_ban_threshold", "100", 1, 1000000,
	    "ban score at which a peer is banned"),
	DUR("p2p_ban_duration", "24h", "how long a score ban lasts"),
	DUR("p2p_ban_default_duration", "24h",
	    "IP/subnet ban length when a request gives none"),
	INT("p2p_ban_max_entries", "100000", 1, 10000000,
	    "largest number of IP/subnet ban entries"),
	DUR("p2p_ban_decay_interval", "1m", "ban score decay period"),
	INT("p2p_ban_decay_points", "1", 0, 1000000,
	    "points a score loses each decay period"),
	DUR("p2p_ban_sweep_interval", "1m",
	    "how often expired bans leave memory and storage"),
	DUR("p2p_ban_reload_interval", "30s",
	    "how often bans are reloaded from a shared store (backstop)"),

	/* api */
	STR("p2p_httpListenAddress", ":9906", 0,
	    "REST/WebSocket listen address, host:port"),
	STR("api_key", "", CFG_SECRET,
	    "key required by mutating REST calls (empty: mutations refused)"),
	INT("securityLevelHTTP", "0", 0, 1, "1 serves HTTPS"),
	STR("server_certFile", "", 0, "TLS certificate (securityLevelHTTP=1)"),
	STR("server_keyFile", "", CFG_SECRET,
	    "TLS private key (securityLevelHTTP=1)"),
	INT("api_max_connections", "1024", 1, 100000,
	    "most HTTP connections open at once (more are closed at accept)"),
	INT("api_ws_max_clients", "100", 1, 10000,
	    "most /p2p-ws WebSocket clients at once (more get a 503)"),
	DUR("api_ws_ping_interval", "10s",
	    "how often /p2p-ws clients get a PING notification"),

	/* kafka */
	STR("KAFKA_HOSTS", "embedded", 0,
	    "Kafka bootstrap servers; empty or embedded: an in-process mock broker"),
	STR("kafka_blocksTopic", "blocks", 0, "blocks seen on the network"),
	STR("kafka_subtreesTopic", "subtrees", 0, "subtrees seen on the network"),
	STR("kafka_rejectedTxTopic", "rejectedtx", 0,
	    "locally rejected transactions to gossip"),
	STR("kafka_invalidBlocksTopic", "invalid-blocks", 0,
	    "invalid blocks, scored against the announcing peer"),
	STR("kafka_invalidSubtreesTopic", "invalid-subtrees", 0,
	    "invalid subtrees, scored against the announcing peer"),
	STR("kafka_blockchainNotificationsTopic", "blockchain-notifications", 0,
	    "the local node's own block/subtree/mining-on/FSM notifications"),
};

const size_t config_nkeys = TP_ARRAY_LEN(config_keys);
