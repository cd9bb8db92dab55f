# terap2p — one Makefile for the daemon, its tests, fuzzers and benchmarks.
#   make            build build/release/terap2pd
#   make run        install missing Debian packages (as root), build, run on etc/terap2p.conf
#   make test       install what the tests need, build release + ASan/UBSan, run every test
#   make fuzz       build the libFuzzer targets; make fuzz-smoke runs each briefly
#   make bench      run the benchmarks
#   make install    PREFIX=/usr/local DESTDIR= (keeps an edited terap2p.conf)
#   make uninstall  the same PREFIX/DESTDIR; leaves the settings file if edited
#   V=1             show commands

VARIANT	?= release
B	:= build/$(VARIANT)
GEN	:= build/gen
PREFIX	?= /usr/local
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),,$(PREFIX))/etc/terap2p
JOBS	?= $(shell nproc 2>/dev/null || echo 2)
VERSION	:= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.0.0-dev)

Q	:= $(if $(V),,@)
CC	?= cc
PKGS	:= libevent libsodium libprotobuf-c libpq sqlite3 libcjson rdkafka \
	   libevent_openssl openssl libcurl grpc libcares libsystemd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng -lpthread
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

WARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS	:= -std=c11 -D_GNU_SOURCE -g $(WARN) -Icommon -Iworkers/gossip -I$(GEN) $(PKG_CFLAGS) \
	   -DTP_VERSION='"$(VERSION)"' -DTP_CONF_DEFAULT='"$(SYSCONFDIR)/terap2p.conf"'
ifeq ($(VARIANT),asan)
CFLAGS	+= -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
else
CFLAGS	+= -O2
endif

# ---- sources, one per line ----

PROTOS = \
	proto/kafka_messages.proto \
	proto/ipc.proto \
	proto/libp2p_crypto.proto \
	proto/libp2p_noise.proto \
	proto/libp2p_identify.proto \
	proto/libp2p_pubsub.proto \
	proto/kad_dht.proto \
	proto/google/protobuf/empty.proto \
	proto/p2p_api.proto \
	proto/google/protobuf/timestamp.proto \
	proto/model/model.proto \
	proto/blockchain_api.proto \
	proto/blockassembly_api.proto \
	proto/grpc_reflection.proto

# Teranode's blockchain and block-assembly messages (the Kafka bridge's client)
CHAIN_PROTO_SRCS = \
	$(GEN)/blockchain_api.pb-c.c \
	$(GEN)/blockassembly_api.pb-c.c \
	$(GEN)/model/model.pb-c.c \
	$(GEN)/google/protobuf/empty.pb-c.c \
	$(GEN)/google/protobuf/timestamp.pb-c.c

COMMON_SRCS = \
	common/config.c \
	common/config_keys.c \
	common/config_src.c \
	common/grpc_loop.c \
	common/ipc.c \
	common/ipc_codec.c \
	common/log.c \
	common/peerid.c \
	common/proc.c \
	common/redact.c \
	common/util.c \
	$(GEN)/ipc.pb-c.c

SUP_SRCS = \
	supervisor/terap2pd.c \
	supervisor/supervisor.c \
	supervisor/supervisor_backoff.c

# the gossip worker's libp2p layer, its pure codecs (no common/ needed)
GOSSIP_WIRE_SRCS = \
	workers/gossip/libp2p/base58.c \
	workers/gossip/libp2p/identity.c \
	workers/gossip/libp2p/mss.c \
	workers/gossip/libp2p/multiaddr.c \
	workers/gossip/libp2p/noise.c \
	workers/gossip/libp2p/peerrecord.c \
	workers/gossip/libp2p/varint.c \
	workers/gossip/libp2p/yamux.c \
	$(GEN)/libp2p_crypto.pb-c.c \
	$(GEN)/libp2p_noise.pb-c.c

# the libp2p layer: host, connections, streams, identify, ping
GOSSIP_LIBP2P_SRCS = \
	workers/gossip/libp2p/conn.c \
	workers/gossip/libp2p/host.c \
	workers/gossip/libp2p/host_check.c \
	workers/gossip/libp2p/identify.c \
	workers/gossip/libp2p/negotiate.c \
	workers/gossip/libp2p/ping.c \
	workers/gossip/libp2p/pnet.c \
	workers/gossip/libp2p/static.c \
	workers/gossip/libp2p/stream.c \
	$(GEN)/libp2p_identify.pb-c.c \
	$(GOSSIP_WIRE_SRCS)

GOSSIP_SRCS = \
	workers/gossip/gossip.c \
	workers/gossip/gossip_check.c \
	workers/gossip/addrreq.c \
	workers/gossip/exchange.c \
	workers/gossip/connmgr.c \
	workers/gossip/connmgr_pick.c \
	workers/gossip/gate.c \
	workers/gossip/peers.c \
	workers/gossip/publish.c \
	workers/gossip/pubsub/meshsub.c \
	workers/gossip/teranode/catchup_ipc.c \
	workers/gossip/teranode/handlers.c \
	workers/gossip/teranode/health.c \
	workers/gossip/teranode/local.c \
	workers/gossip/kad/net.c \
	$(KAD_SRCS) \
	$(KAD_NET_SRCS) \
	$(GOSSIP_LIBP2P_SRCS) \
	$(GOSSIP_PUBSUB_SRCS) \
	$(GOSSIP_TERANODE_SRCS)

# the gossipsub router: pure, transport-independent
GOSSIP_PUBSUB_SRCS = \
	workers/gossip/pubsub/router.c \
	workers/gossip/pubsub/cache.c \
	workers/gossip/pubsub/mesh.c \
	workers/gossip/pubsub/params.c \
	workers/gossip/pubsub/rpc.c \
	workers/gossip/pubsub/score.c \
	$(GEN)/libp2p_pubsub.pb-c.c

# Teranode's messages, peer registry, selector and sync coordinator: pure
GOSSIP_TERANODE_SRCS = \
	workers/gossip/teranode/catchup.c \
	workers/gossip/teranode/registry.c \
	workers/gossip/teranode/sync.c \
	workers/gossip/teranode/msg.c \
	workers/gossip/teranode/msg_check.c \
	workers/gossip/teranode/msg_encode.c

# the Kademlia DHT: codec, routing table, provider store, lookups (pure)
KAD_SRCS = \
	workers/gossip/kad/codec.c \
	workers/gossip/kad/dht.c \
	workers/gossip/kad/lookup.c \
	workers/gossip/kad/providers.c \
	workers/gossip/kad/server.c \
	workers/gossip/kad/table.c \
	$(GEN)/kad_dht.pb-c.c

# the DHT's outside edges: /dnsaddr over c-ares, the peer cache file
KAD_NET_SRCS = \
	workers/gossip/kad/dnsaddr.c \
	workers/gossip/kad/peercache.c

KAFKA_SRCS = \
	workers/kafka_bridge/kafka_bridge.c \
	workers/kafka_bridge/kafka_bridge_attrib.c \
	workers/kafka_bridge/kafka_bridge_chain.c \
	workers/kafka_bridge/kafka_bridge_chain_notify.c \
	workers/kafka_bridge/kafka_bridge_chainmsg.c \
	workers/kafka_bridge/kafka_bridge_codec.c \
	workers/kafka_bridge/kafka_bridge_conf.c \
	workers/kafka_bridge/kafka_bridge_consumer.c \
	workers/kafka_bridge/kafka_bridge_mock.c \
	workers/kafka_bridge/kafka_bridge_producer.c \
	workers/kafka_bridge/kafka_bridge_rpc.c \
	$(GEN)/kafka_messages.pb-c.c \
	$(CHAIN_PROTO_SRCS)

BANS_SRCS = \
	workers/ban_manager/ban_manager.c \
	workers/ban_manager/ban_manager_addr.c \
	workers/ban_manager/ban_manager_check.c \
	workers/ban_manager/ban_manager_ops.c \
	workers/ban_manager/ban_manager_scores.c \
	workers/ban_manager/ban_manager_store.c \
	workers/ban_manager/ban_manager_store_pg.c \
	workers/ban_manager/ban_manager_store_sqlite.c \
	workers/ban_manager/ban_manager_trie.c \
	$(GEN)/bans_sql.c

API_PURE_SRCS = \
	workers/api/api_grpc_codec.c \
	workers/api/api_http.c \
	workers/api/api_json.c \
	workers/api/api_metrics.c \
	workers/api/api_route.c \
	workers/api/api_ws.c \
	$(GEN)/google/protobuf/empty.pb-c.c \
	$(GEN)/p2p_api.pb-c.c

API_SRCS = \
	workers/api/api.c \
	workers/api/api_check.c \
	workers/api/api_conn.c \
	workers/api/api_dashboard.c \
	workers/api/api_grpc.c \
	workers/api/api_grpc_cache.c \
	workers/api/api_grpc_peer.c \
	workers/api/api_grpc_reflect.c \
	$(GEN)/grpc_reflection.pb-c.c \
	$(GEN)/api_grpc_desc.c \
	workers/api/api_hub.c \
	workers/api/api_rest.c \
	workers/api/api_rest_bans.c \
	workers/api/api_rest_peers.c \
	workers/api/api_peers_cache.c \
	$(API_PURE_SRCS) \
	$(GEN)/api_dashboard_html.c

CTL_SRCS = \
	tools/terap2pctl.c

# the generator of docs/settings.md's tables (make docs)
DOC_SRCS = \
	tools/settings_doc.c \
	tools/settings_doc_table.c

DAEMON_SRCS = $(COMMON_SRCS) $(SUP_SRCS) $(GOSSIP_SRCS) $(KAFKA_SRCS) \
	$(BANS_SRCS) $(API_SRCS)

# ---- unit tests: tests/unit/<name>_test.c + the module under test + common ----

UNIT_TESTS = \
	kafka_bridge_codec \
	kafka_bridge_attrib \
	api_pure \
	config \
	config_teranode \
	util \
	redact \
	ipc_codec \
	ipc \
	supervisor_backoff \
	ban_manager_addr \
	ban_manager_trie \
	ban_manager_scores \
	gossip_varint \
	gossip_base58 \
	gossip_identity \
	gossip_peerrecord \
	gossip_multiaddr \
	gossip_mss \
	gossip_noise \
	gossip_yamux \
	gossip_health \
	gossip_pubsub_rpc \
	gossip_pubsub_cache \
	gossip_pubsub_net \
	gossip_pubsub_px \
	gossip_addrreq \
	gossip_meshsub_slow \
	gossip_identify_push \
	gossip_tmsg \
	gossip_registry \
	kad_codec \
	kad_table \
	kad_providers \
	kad_lookup \
	kad_server \
	kad_dht \
	kad_refresh \
	kad_dnsaddr \
	kad_peercache \
	gossip_catchup \
	gossip_connmgr \
	api_grpc_codec

UNIT_config_SRCS = $(COMMON_SRCS) tools/settings_doc_table.c
UNIT_config_teranode_SRCS = $(COMMON_SRCS)
UNIT_api_pure_SRCS = $(COMMON_SRCS) $(API_PURE_SRCS)
UNIT_util_SRCS = $(COMMON_SRCS)
UNIT_redact_SRCS = $(COMMON_SRCS)
UNIT_ipc_codec_SRCS = $(COMMON_SRCS)
UNIT_ipc_SRCS = $(COMMON_SRCS)
UNIT_supervisor_backoff_SRCS = $(COMMON_SRCS) supervisor/supervisor_backoff.c
UNIT_ban_manager_addr_SRCS = $(COMMON_SRCS) workers/ban_manager/ban_manager_addr.c
UNIT_ban_manager_trie_SRCS = $(COMMON_SRCS) workers/ban_manager/ban_manager_trie.c \
	workers/ban_manager/ban_manager_addr.c
UNIT_ban_manager_scores_SRCS = $(COMMON_SRCS) workers/ban_manager/ban_manager_scores.c
UNIT_gossip_varint_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_base58_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_identity_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_peerrecord_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_multiaddr_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_mss_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_noise_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_yamux_SRCS = $(GOSSIP_WIRE_SRCS)
UNIT_gossip_health_SRCS = $(COMMON_SRCS) workers/gossip/teranode/health.c
UNIT_gossip_pubsub_rpc_SRCS = $(GOSSIP_PUBSUB_SRCS) $(GOSSIP_WIRE_SRCS)
UNIT_gossip_pubsub_cache_SRCS = $(GOSSIP_PUBSUB_SRCS) $(GOSSIP_WIRE_SRCS)
UNIT_gossip_pubsub_net_SRCS = $(GOSSIP_PUBSUB_SRCS) $(GOSSIP_WIRE_SRCS)
UNIT_gossip_pubsub_px_SRCS = $(GOSSIP_PUBSUB_SRCS) $(GOSSIP_WIRE_SRCS)
UNIT_gossip_addrreq_SRCS = workers/gossip/addrreq.c $(GOSSIP_WIRE_SRCS)
UNIT_gossip_identify_push_SRCS = $(COMMON_SRCS) $(GOSSIP_LIBP2P_SRCS)
UNIT_gossip_meshsub_slow_SRCS = $(COMMON_SRCS) $(GOSSIP_LIBP2P_SRCS) \
	$(GOSSIP_PUBSUB_SRCS) workers/gossip/pubsub/meshsub.c
UNIT_gossip_tmsg_SRCS = $(COMMON_SRCS) $(GOSSIP_TERANODE_SRCS)
UNIT_gossip_registry_SRCS = $(COMMON_SRCS) $(GOSSIP_TERANODE_SRCS)
UNIT_kad_codec_SRCS = $(KAD_SRCS)
UNIT_kad_table_SRCS = $(KAD_SRCS)
UNIT_kad_providers_SRCS = $(KAD_SRCS)
UNIT_kad_lookup_SRCS = $(KAD_SRCS)
UNIT_kad_server_SRCS = $(KAD_SRCS)
UNIT_kad_dht_SRCS = $(KAD_SRCS)
UNIT_kad_refresh_SRCS = $(KAD_SRCS)
UNIT_kad_dnsaddr_SRCS = $(KAD_SRCS) $(KAD_NET_SRCS)
UNIT_kad_peercache_SRCS = $(KAD_SRCS) $(KAD_NET_SRCS)
UNIT_gossip_catchup_SRCS = $(COMMON_SRCS) $(GOSSIP_TERANODE_SRCS)
UNIT_gossip_connmgr_SRCS = workers/gossip/connmgr_pick.c
UNIT_api_grpc_codec_SRCS = $(COMMON_SRCS) $(API_PURE_SRCS)

UNIT_kafka_bridge_codec_SRCS = $(COMMON_SRCS) workers/kafka_bridge/kafka_bridge_codec.c \
	workers/kafka_bridge/kafka_bridge_chainmsg.c \
	$(GEN)/kafka_messages.pb-c.c $(CHAIN_PROTO_SRCS)
UNIT_kafka_bridge_attrib_SRCS = $(COMMON_SRCS) workers/kafka_bridge/kafka_bridge_attrib.c

# ---- integration tests: tests/integration/<name>_test.c, run against the daemon ----

INTEG_TESTS = \
	kafka_bridge \
	api_rest \
	api_harden \
	api_peers \
	api_ws \
	api_ctl \
	api_dashboard \
	supervisor \
	service \
	config \
	interop \
	inbound \
	pubsub \
	teranode \
	e2e \
	bans_store \
	bans \
	dht \
	discovery \
	px \
	grpc_peer \
	chain \
	connmgr \
	claims_supervisor \
	claims_api \
	claims_gossip \
	claims_kafka

INTEG_supervisor_SRCS = $(COMMON_SRCS)
INTEG_service_SRCS = $(COMMON_SRCS)
INTEG_config_SRCS = $(COMMON_SRCS)
INTEG_api_rest_SRCS = $(COMMON_SRCS)
INTEG_api_peers_SRCS = $(COMMON_SRCS)
INTEG_api_ws_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_api_harden_SRCS = $(COMMON_SRCS)
INTEG_api_ctl_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_api_dashboard_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c tests/integration/chainfake.c
INTEG_interop_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_inbound_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_pubsub_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_teranode_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_dht_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c tests/integration/kafka_harness.c \
	$(GEN)/kafka_messages.pb-c.c
INTEG_discovery_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_px_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_bans_SRCS = $(COMMON_SRCS)
INTEG_claims_supervisor_SRCS = $(COMMON_SRCS)
INTEG_claims_api_SRCS = $(COMMON_SRCS)
INTEG_claims_gossip_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_chain_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c tests/integration/chainfake.c
INTEG_grpc_peer_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_connmgr_SRCS = $(COMMON_SRCS) tests/integration/jspeer.c
INTEG_bans_store_SRCS = $(COMMON_SRCS) $(filter-out workers/ban_manager/ban_manager.c,$(BANS_SRCS))

INTEG_kafka_bridge_SRCS = $(COMMON_SRCS) workers/kafka_bridge/kafka_bridge_codec.c \
	$(GEN)/kafka_messages.pb-c.c $(CHAIN_PROTO_SRCS) tests/integration/kafka_harness.c \
	tests/integration/jspeer.c
INTEG_claims_kafka_SRCS = $(COMMON_SRCS) workers/kafka_bridge/kafka_bridge_codec.c \
	$(GEN)/kafka_messages.pb-c.c $(CHAIN_PROTO_SRCS) tests/integration/kafka_harness.c \
	tests/integration/jspeer.c
INTEG_e2e_SRCS = $(COMMON_SRCS) workers/kafka_bridge/kafka_bridge_codec.c \
	$(GEN)/kafka_messages.pb-c.c $(CHAIN_PROTO_SRCS) tests/integration/kafka_harness.c \
	tests/integration/jspeer.c tests/integration/chainfake.c

# ---- libFuzzer targets: tests/fuzz/fuzz_<name>.c (clang) ----

FUZZ_TARGETS = \
	kafka_decode \
	api_http \
	api_ws \
	api_json \
	redact \
	config \
	ipc_envelope \
	ban_addr \
	multiaddr \
	mss \
	noise \
	yamux \
	peerid \
	peerrecord \
	addrreq \
	pubsub_rpc \
	tmsg \
	kad \
	chain_response \
	grpc_peer

FUZZ_config_SRCS = $(COMMON_SRCS)
FUZZ_api_http_SRCS = $(COMMON_SRCS) $(API_PURE_SRCS)
FUZZ_api_ws_SRCS = $(COMMON_SRCS) $(API_PURE_SRCS)
FUZZ_api_json_SRCS = $(COMMON_SRCS) $(API_PURE_SRCS)
FUZZ_redact_SRCS = $(COMMON_SRCS)
FUZZ_ipc_envelope_SRCS = $(COMMON_SRCS)
FUZZ_ban_addr_SRCS = workers/ban_manager/ban_manager_addr.c common/util.c common/log.c
FUZZ_multiaddr_SRCS = $(GOSSIP_WIRE_SRCS)
FUZZ_mss_SRCS = $(GOSSIP_WIRE_SRCS)
FUZZ_noise_SRCS = $(GOSSIP_WIRE_SRCS)
FUZZ_yamux_SRCS = $(GOSSIP_WIRE_SRCS)
FUZZ_peerid_SRCS = $(GOSSIP_WIRE_SRCS) common/peerid.c
FUZZ_peerrecord_SRCS = $(GOSSIP_WIRE_SRCS)
FUZZ_addrreq_SRCS = workers/gossip/addrreq.c $(GOSSIP_WIRE_SRCS)
FUZZ_pubsub_rpc_SRCS = $(GOSSIP_PUBSUB_SRCS) $(GOSSIP_WIRE_SRCS)
FUZZ_tmsg_SRCS = $(COMMON_SRCS) $(GOSSIP_TERANODE_SRCS)
FUZZ_kad_SRCS = $(KAD_SRCS) $(KAD_NET_SRCS)
FUZZ_grpc_peer_SRCS = $(COMMON_SRCS) $(API_PURE_SRCS) \
	workers/gossip/teranode/catchup.c workers/api/api_grpc_reflect.c \
	$(GEN)/grpc_reflection.pb-c.c $(GEN)/api_grpc_desc.c

FUZZ_kafka_decode_SRCS = workers/kafka_bridge/kafka_bridge_codec.c common/util.c \
	common/log.c $(GEN)/kafka_messages.pb-c.c $(CHAIN_PROTO_SRCS)
FUZZ_chain_response_SRCS = workers/kafka_bridge/kafka_bridge_chainmsg.c \
	workers/kafka_bridge/kafka_bridge_codec.c common/util.c common/log.c \
	$(GEN)/kafka_messages.pb-c.c $(CHAIN_PROTO_SRCS)

# ---- rules ----

GEN_SRCS := $(patsubst proto/%.proto,$(GEN)/%.pb-c.c,$(PROTOS))
GEN_HDRS := $(GEN_SRCS:.c=.h)

obj = $(patsubst %.c,$(B)/obj/%.o,$(patsubst $(GEN)/%,gen/%,$(1)))

.PHONY: all docs run test unit integration fuzz fuzz-smoke bench bench-kafka bench-kafka-short install uninstall clean deps \
	deps-test test-variant check-layers
.DEFAULT_GOAL := all

all: $(B)/terap2pd

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN)
	@echo "  PROTOC  $<"
	$(Q)protoc-c --proto_path=proto --c_out=$(GEN) $<

# The ban store's migrations sql/NNN_*.sql, compiled into the daemon.
$(GEN)/bans_sql.c: sql/embed.sh $(sort $(wildcard sql/[0-9]*.sql))
	@mkdir -p $(GEN)
	@echo "  SQL     $@"
	$(Q)sh sql/embed.sh $(sort $(wildcard sql/[0-9]*.sql)) > $@
$(B)/obj/gen/bans_sql.o: CFLAGS += -Iworkers/ban_manager

# PeerService's descriptors for gRPC server reflection, compiled in.
$(GEN)/api_grpc_desc.c: workers/api/embed_desc.sh proto/p2p_api.proto \
	proto/google/protobuf/empty.proto
	@mkdir -p $(GEN)
	@echo "  DESC    $@"
	$(Q)protoc-c --proto_path=proto --include_imports \
	    --descriptor_set_out=$(GEN)/p2p_api.desc proto/p2p_api.proto
	$(Q)sh workers/api/embed_desc.sh $(GEN)/p2p_api.desc > $@

# The dashboard page, compiled into the daemon.
$(GEN)/api_dashboard_html.c: workers/api/embed_html.sh workers/api/dashboard.html
	@mkdir -p $(GEN)
	@echo "  HTML    $@"
	$(Q)sh workers/api/embed_html.sh workers/api/dashboard.html > $@

$(B)/obj/gen/%.o: $(GEN)/%.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Wno-missing-prototypes -MMD -MP -c -o $@ $<

$(B)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# terap2pctl, the admin CLI over the REST API (libcurl)
all tests: $(B)/terap2pctl
$(B)/terap2pctl: $(call obj,$(CTL_SRCS) $(COMMON_SRCS))
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# docs/settings.md's tables, generated from common/config_keys.c
$(B)/settings_doc: $(call obj,$(DOC_SRCS) common/config_keys.c)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

docs: $(B)/settings_doc
	$(Q)$(B)/settings_doc docs/settings.md

$(B)/terap2pd: $(call obj,$(DAEMON_SRCS))
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

define unit_rule
$(B)/tests/$(1)_test: $(call obj,tests/unit/$(1)_test.c $(sort $(UNIT_$(1)_SRCS)))
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $(CHECK_LIBS) $(PKG_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

define integ_rule
$(B)/tests/integ_$(1)_test: $(call obj,tests/integration/$(1)_test.c tests/integration/harness.c $(sort $(INTEG_$(1)_SRCS)))
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$(CC) $(LDFLAGS) -o $$@ $$^ $(CHECK_LIBS) $(PKG_LIBS)
endef
$(foreach t,$(INTEG_TESTS),$(eval $(call integ_rule,$(t))))

# The Kafka-protocol broker of the Kafka tests and bench (librdkafka's mock cluster).
$(B)/tests/kafka_mock_broker: $(call obj,tests/kafka_mock_broker.c)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)
tests: $(B)/tests/kafka_mock_broker

UNIT_BINS  := $(patsubst %,$(B)/tests/%_test,$(UNIT_TESTS))
INTEG_BINS := $(patsubst %,$(B)/tests/integ_%_test,$(INTEG_TESTS))

tests: $(B)/terap2pd $(UNIT_BINS) $(INTEG_BINS)

# Run every test of one variant; each binary appends its Check summary.
test-variant: tests
	$(Q)scripts/run-tests.sh $(VARIANT) $(UNIT_BINS) -- $(INTEG_BINS)

unit: $(UNIT_BINS)
	$(Q)scripts/run-tests.sh $(VARIANT) $(UNIT_BINS) --

integration: tests
	$(Q)scripts/run-tests.sh $(VARIANT) -- $(INTEG_BINS)

deps:
	$(Q)scripts/deps.sh run

deps-test:
	$(Q)scripts/deps.sh test

run: deps
	$(Q)$(MAKE) --no-print-directory VARIANT=release all
	./build/release/terap2pd -f etc/terap2p.conf

# the real js-libp2p peers of the interop tests (Node 20, pinned lock file)
INTEROP_STAMP := tests/interop/node_modules/.stamp
$(INTEROP_STAMP): tests/interop/package-lock.json
	@echo "  NPM     tests/interop"
	$(Q)cd tests/interop && npm ci --no-audit --no-fund --loglevel=error
	$(Q)touch $@

# the gossip worker's layers include only downward, through their doors
check-layers:
	$(Q)scripts/check-layers.sh

test: deps-test $(INTEROP_STAMP)
	$(Q)scripts/check-layers.sh
	$(Q)rm -f build/test-results.txt
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) VARIANT=release tests
	$(Q)scripts/test-lanes.sh "$(MAKE)" $(JOBS)
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) fuzz
	$(Q)$(MAKE) --no-print-directory fuzz-smoke
	$(Q)$(MAKE) --no-print-directory VARIANT=release bench-short
	$(Q)scripts/run-tests.sh --summary

# The benchmarks in a short mode, so that they are known to run (figures
# from a loaded CI machine are printed, not judged).
bench-short: $(B)/bench/gossip_bench $(B)/bench/pubsub_bench $(B)/bench/api_bench \
	$(B)/bench/kad_bench \
	$(B)/bench/ingest_bench \
	$(B)/bench/grpc_bench $(B)/terap2pd $(INTEROP_STAMP)
	@echo "== benchmarks, short mode"
	$(Q)ulimit -n 4096 && $(B)/bench/gossip_bench 16 100
	$(Q)$(B)/bench/pubsub_bench $(B)/terap2pd 2000 50
	$(Q)$(B)/bench/ingest_bench $(B)/terap2pd 2000
	$(Q)$(B)/bench/api_bench $(B)/terap2pd 200 20 2
	$(Q)ulimit -n 4096 && $(B)/bench/kad_bench 50 30 3
	$(Q)$(B)/bench/grpc_bench $(B)/terap2pd 100 1

# ---- fuzzing (always clang, its own build dir) ----

FUZZ_B      := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Icommon -Iworkers/gossip -I$(GEN) $(PKG_CFLAGS) \
	       -fsanitize=fuzzer,address,undefined -DTP_VERSION='"fuzz"'

define fuzz_rule
$(FUZZ_B)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(sort $(FUZZ_$(1)_SRCS)) | $(GEN_HDRS)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZ    $$@"
	$(Q)clang $(FUZZ_CFLAGS) -o $$@ $$^ $(PKG_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

FUZZ_BINS := $(patsubst %,$(FUZZ_B)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 10

fuzz: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)scripts/fuzz-smoke.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

BENCH_gossip_SRCS = bench/gossip_bench.c $(COMMON_SRCS) \
	$(filter-out workers/gossip/gossip.c,$(GOSSIP_SRCS)) workers/gossip/gossip.c
$(B)/bench/gossip_bench: $(call obj,$(BENCH_gossip_SRCS))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/bench/api_bench: $(call obj,bench/api_bench.c bench/bench_daemon.c bench/bench_host.c \
	$(COMMON_SRCS) $(GOSSIP_SRCS))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/bench/ingest_bench: $(call obj,bench/ingest_bench.c bench/bench_daemon.c bench/bench_host.c \
	$(COMMON_SRCS) $(GOSSIP_LIBP2P_SRCS) $(GOSSIP_PUBSUB_SRCS) \
	workers/gossip/pubsub/meshsub.c)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/bench/kad_bench: $(call obj,bench/kad_bench.c $(KAD_SRCS))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/bench/grpc_bench: $(call obj,bench/grpc_bench.c bench/bench_daemon.c \
	$(COMMON_SRCS) $(GOSSIP_WIRE_SRCS) $(GEN)/p2p_api.pb-c.c \
	$(GEN)/google/protobuf/empty.pb-c.c)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/bench/pubsub_bench: $(call obj,bench/pubsub_bench.c bench/bench_daemon.c $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

BENCH_MIB ?= 256
BENCH_MSGS ?= 20000
BENCH_CONNS ?= 1000

bench: $(B)/bench/gossip_bench $(B)/bench/pubsub_bench $(B)/bench/api_bench \
	$(B)/bench/kad_bench \
	$(B)/bench/ingest_bench \
	$(B)/bench/grpc_bench $(B)/terap2pd $(INTEROP_STAMP)
	@echo "== libp2p host ($$(date -u +%F))"
	$(Q)ulimit -n 8192 && $(B)/bench/gossip_bench $(BENCH_MIB) $(BENCH_CONNS)
	@echo "== gossipsub ingest ($$(date -u +%F))"
	$(Q)$(B)/bench/pubsub_bench $(B)/terap2pd $(BENCH_MSGS)
	@echo "== gossipsub ingest of one daemon, pre-signed messages ($$(date -u +%F))"
	$(Q)$(B)/bench/ingest_bench $(B)/terap2pd $(BENCH_MSGS)
	@echo "== API: wrk on /api/v1/peers and /health, /p2p-ws fan-out ($$(date -u +%F))"
	$(Q)$(B)/bench/api_bench $(B)/terap2pd 1000 100 5
	@echo "== Kademlia: table and provider memory, lookups in 50 simulated nodes beside 50 js kad-dht hosts ($$(date -u +%F))"
	$(Q)ulimit -n 8192 && $(B)/bench/kad_bench 500 50 20
	@echo "== gRPC PeerService: IsPeerUnhealthy, GetPeer, 8 callers ($$(date -u +%F))"
	$(Q)$(B)/bench/grpc_bench $(B)/terap2pd 1000 5

bench: bench-kafka

# Gossip event -> Kafka through the bridge, next to a raw librdkafka producer.
bench-kafka: $(B)/terap2pd $(B)/tests/kafka_mock_broker $(B)/bench/kafka_bench
	$(Q)bench/kafka_bench.sh $(B)
bench-short: bench-kafka-short
bench-kafka-short: $(B)/terap2pd $(B)/tests/kafka_mock_broker $(B)/bench/kafka_bench
	$(Q)bench/kafka_bench.sh $(B) 2000 100
$(B)/bench/kafka_bench: $(call obj,bench/kafka_bench.c bench/bench_daemon.c bench/bench_host.c \
	$(sort $(COMMON_SRCS) $(GOSSIP_SRCS) \
	workers/kafka_bridge/kafka_bridge_codec.c $(GEN)/kafka_messages.pb-c.c \
	$(CHAIN_PROTO_SRCS)))
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The binaries have the settings path built in: rebuild them when it changes.
SYSCONF_STAMP := $(B)/sysconfdir.$(subst /,_,$(SYSCONFDIR))
$(SYSCONF_STAMP):
	@mkdir -p $(dir $@)
	$(Q)rm -f $(B)/sysconfdir.* && touch $@
$(call obj,supervisor/terap2pd.c tools/terap2pctl.c): $(SYSCONF_STAMP)

# An edited settings file is never overwritten: the new one goes beside it
# as terap2p.conf.dist (as Debian's dpkg does with .dpkg-dist).
CONF_DST := $(DESTDIR)$(SYSCONFDIR)/terap2p.conf
UNIT_DST := $(DESTDIR)$(PREFIX)/lib/systemd/system/terap2p.service
install: $(B)/terap2pd $(B)/terap2pctl
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(SYSCONFDIR) $(dir $(UNIT_DST)) \
		$(DESTDIR)$(PREFIX)/share/terap2p/sql \
		$(DESTDIR)$(PREFIX)/share/doc/terap2p
	install -m 0755 $(B)/terap2pd $(DESTDIR)$(PREFIX)/sbin/terap2pd
	install -m 0755 $(B)/terap2pctl $(DESTDIR)$(PREFIX)/bin/terap2pctl
	sed "s|^data_dir = ./data|data_dir = /var/lib/terap2p|" etc/terap2p.conf \
		> $(CONF_DST).new
	chmod 0644 $(CONF_DST).new
	if [ ! -e $(CONF_DST) ] || cmp -s $(CONF_DST).new $(CONF_DST); then \
		mv -f $(CONF_DST).new $(CONF_DST); rm -f $(CONF_DST).dist; \
	else \
		mv -f $(CONF_DST).new $(CONF_DST).dist; \
		echo "kept the edited $(CONF_DST); the new one is $(CONF_DST).dist"; \
	fi
	sed 's|@PREFIX@|$(PREFIX)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' etc/terap2p.service \
		> $(UNIT_DST)
	chmod 0644 $(UNIT_DST)
	install -m 0644 sql/*.sql $(DESTDIR)$(PREFIX)/share/terap2p/sql/ 2>/dev/null || true
	install -m 0644 LICENSE $(DESTDIR)$(PREFIX)/share/doc/terap2p/LICENSE

# The settings file goes only if it is the one install wrote (unedited).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/terap2pd $(DESTDIR)$(PREFIX)/bin/terap2pctl \
		$(UNIT_DST) $(CONF_DST).dist \
		$(DESTDIR)$(PREFIX)/share/doc/terap2p/LICENSE
	rm -rf $(DESTDIR)$(PREFIX)/share/terap2p/sql
	sed "s|^data_dir = ./data|data_dir = /var/lib/terap2p|" etc/terap2p.conf \
		| cmp -s - $(CONF_DST) && rm -f $(CONF_DST) || true
	-rmdir $(DESTDIR)$(PREFIX)/share/terap2p $(DESTDIR)$(PREFIX)/share/doc/terap2p \
		$(DESTDIR)$(SYSCONFDIR) 2>/dev/null
	@if [ -e $(CONF_DST) ]; then echo "kept the edited $(CONF_DST)"; fi

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
