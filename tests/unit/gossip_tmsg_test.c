/*
 * Unit tests for msg.c: golden JSON for every message kind with the
 * key names and order Go's encoding/json writes, round trips, the old
 * (go-p2p v1.2.4) key order, case-insensitive keys, unknown and duplicate
 * keys, JSON type and range errors, every payload cap, every field check,
 * the DataHub URL check (private addresses in their many spellings), Go's
 * string escaping and float formatting, and the {"name","data"} envelope.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teranode/msg.h"

#define PEER	"12D3KooWEyX7hgdqyRB4Fj5sKyx5Mgm3DKt8VPjyZ3rL4xnJuyYv"
#define PEER2	"12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo"
#define GHASH	"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
#define GHDR	"0100000000000000000000000000000000000000000000000000000000000000" \
		"000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa" \
		"4b1e5e4a29ab5f49ffff001d1dac2b7c"
#define URL	"https://teranode.example.com/api/v1"

static const char golden_block[] =
    "{\"PeerID\":\"" PEER "\",\"ClientName\":\"teranode\","
    "\"DataHubURL\":\"" URL "\",\"Hash\":\"" GHASH "\",\"Height\":123,"
    "\"Header\":\"" GHDR "\",\"Coinbase\":\"\"}";
static const char golden_subtree[] =
    "{\"PeerID\":\"" PEER "\",\"ClientName\":\"teranode\","
    "\"DataHubURL\":\"" URL "\",\"Hash\":\"" GHASH "\"}";
static const char golden_rejected_tx[] =
    "{\"PeerID\":\"" PEER "\",\"ClientName\":\"teranode\","
    "\"TxID\":\"" GHASH "\",\"Reason\":\"missing inputs\"}";
static const char golden_mining_on[] =
    "{\"Hash\":\"" GHASH "\",\"PreviousHash\":\"" GHASH "\","
    "\"DataHubURL\":\"" URL "\",\"PeerID\":\"" PEER "\",\"Height\":7,"
    "\"Miner\":\"/miner/\",\"SizeInBytes\":18446744073709549568,"
    "\"TxCount\":42}";
static const char golden_bestblock[] = "{\"PeerID\":\"" PEER "\"}";
static const char golden_handshake[] =
    "{\"type\":\"version\",\"peerID\":\"" PEER "\",\"bestHeight\":800000,"
    "\"bestHash\":\"" GHASH "\",\"dataHubURL\":\"" URL "\","
    "\"userAgent\":\"terap2p/bitcoin/1.0.0\",\"services\":1,"
    "\"topicPrefix\":\"teranode/bitcoin/1.0.0/mainnet\"}";
/* every omitempty field empty */
static const char golden_status_min[] =
    "{\"peer_id\":\"" PEER "\",\"client_name\":\"teranode\","
    "\"type\":\"node_status\",\"base_url\":\"\",\"version\":\"v0.11.0\","
    "\"commit_hash\":\"abc123\",\"best_block_hash\":\"" GHASH "\","
    "\"best_height\":1,\"fsm_state\":\"RUNNING\",\"start_time\":1700000000,"
    "\"uptime\":12.5,\"miner_name\":\"\",\"listen_mode\":\"listen_only\","
    "\"chain_work\":\"0000000000000000000000000000000000000000000000000000000100010001\"}";
/* every field set */
static const char golden_status_full[] =
    "{\"peer_id\":\"" PEER "\",\"client_name\":\"teranode\","
    "\"type\":\"node_status\",\"base_url\":\"" URL "\",\"version\":\"v0.11.0\","
    "\"commit_hash\":\"abc123\",\"best_block_hash\":\"" GHASH "\","
    "\"best_height\":900000,\"tx_count\":5000000000,\"subtree_count\":12,"
    "\"block_assembly_details\":{\"blockAssemblyState\":\"running\","
    "\"subtreeProcessorState\":\"running\",\"subtreeCount\":2,"
    "\"txCount\":1000,\"queueCount\":-1,\"currentHeight\":900000,"
    "\"currentHash\":\"" GHASH "\",\"removeMapCount\":3,"
    "\"subtrees\":[\"" GHASH "\",\"ab\"]},"
    "\"fsm_state\":\"CATCHINGBLOCKS\",\"start_time\":1700000000,"
    "\"uptime\":3600.123456,\"miner_name\":\"/Miner \\u003cA\\u0026B\\u003e/\","
    "\"listen_mode\":\"full\",\"chain_work\":\"ff\","
    "\"sync_peer_id\":\"" PEER2 "\",\"sync_peer_height\":900100,"
    "\"sync_peer_block_hash\":\"" GHASH "\",\"sync_connected_at\":1700000100,"
    "\"min_mining_tx_fee\":0,\"connected_peers_count\":8,"
    "\"storage\":\"full\"}";

static int
dec(enum tn_msg_kind kind, const char *json, unsigned flags,
    struct tn_msg *m)
{
	return tn_msg_decode(kind, (const uint8_t *)json, strlen(json),
	    flags, m);
}

/* decode, expect rc, release */
static int
dec_rc(enum tn_msg_kind kind, const char *json)
{
	struct tn_msg	m;
	int			rc = dec(kind, json, 0, &m);

	tn_msg_fini(&m);
	return rc;
}

static void
roundtrip(enum tn_msg_kind kind, const char *golden)
{
	struct tn_msg	m;
	char			*out;
	size_t			 len;

	ck_assert_int_eq(dec(kind, golden, 0, &m), TN_MSG_OK);
	ck_assert_int_eq(m.kind, kind);
	ck_assert_int_eq(tn_msg_encode(&m, &out, &len), TN_MSG_OK);
	ck_assert_str_eq(out, golden);
	ck_assert_uint_eq(len, strlen(golden));
	free(out);
	tn_msg_fini(&m);
}

START_TEST(test_golden_build)
{
	struct tn_msg	m;
	char			*out;

	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_BLOCK;
	strcpy(m.u.block.peer_id, PEER);
	strcpy(m.u.block.client_name, "teranode");
	strcpy(m.u.block.data_hub_url, URL);
	strcpy(m.u.block.hash, GHASH);
	m.u.block.height = 123;
	strcpy(m.u.block.header, GHDR);
	ck_assert_int_eq(tn_msg_encode(&m, &out, NULL), TN_MSG_OK);
	ck_assert_str_eq(out, golden_block);
	free(out);

	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_HANDSHAKE;
	strcpy(m.u.handshake.type, "version");
	strcpy(m.u.handshake.peer_id, PEER);
	m.u.handshake.best_height = 800000;
	strcpy(m.u.handshake.best_hash, GHASH);
	strcpy(m.u.handshake.data_hub_url, URL);
	strcpy(m.u.handshake.user_agent, "terap2p/bitcoin/1.0.0");
	m.u.handshake.services = 1;
	strcpy(m.u.handshake.topic_prefix, "teranode/bitcoin/1.0.0/mainnet");
	ck_assert_int_eq(tn_msg_encode(&m, &out, NULL), TN_MSG_OK);
	ck_assert_str_eq(out, golden_handshake);
	free(out);

	/* a zero message still writes every non-omitempty key */
	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_NODE_STATUS;
	ck_assert_int_eq(tn_msg_encode(&m, &out, NULL), TN_MSG_OK);
	ck_assert_str_eq(out, "{\"peer_id\":\"\",\"client_name\":\"\","
	    "\"type\":\"\",\"base_url\":\"\",\"version\":\"\","
	    "\"commit_hash\":\"\",\"best_block_hash\":\"\",\"best_height\":0,"
	    "\"fsm_state\":\"\",\"start_time\":0,\"uptime\":0,"
	    "\"miner_name\":\"\",\"listen_mode\":\"\",\"chain_work\":\"\"}");
	free(out);
	m.kind = TN_MSG_NONE;
	ck_assert_int_eq(tn_msg_encode(&m, &out, NULL), TN_MSG_EKIND);
}
END_TEST

START_TEST(test_golden_roundtrip)
{
	struct tn_msg	m;

	roundtrip(TN_MSG_BLOCK, golden_block);
	roundtrip(TN_MSG_SUBTREE, golden_subtree);
	roundtrip(TN_MSG_REJECTED_TX, golden_rejected_tx);
	roundtrip(TN_MSG_MINING_ON, golden_mining_on);
	roundtrip(TN_MSG_BESTBLOCK, golden_bestblock);
	roundtrip(TN_MSG_HANDSHAKE, golden_handshake);
	roundtrip(TN_MSG_NODE_STATUS, golden_status_min);
	roundtrip(TN_MSG_NODE_STATUS, golden_status_full);

	ck_assert_int_eq(dec(TN_MSG_NODE_STATUS, golden_status_full, 0,
	    &m), TN_MSG_OK);
	ck_assert_int_eq(m.u.node_status.has_block_assembly, 1);
	ck_assert_uint_eq(m.u.node_status.block_assembly.nsubtrees, 2);
	ck_assert_str_eq(m.u.node_status.block_assembly.subtrees[1], "ab");
	ck_assert_int_eq(m.u.node_status.block_assembly.queue_count, -1);
	ck_assert_str_eq(m.u.node_status.miner_name, "/Miner <A&B>/");
	ck_assert_int_eq(m.u.node_status.has_min_mining_tx_fee, 1);
	ck_assert_uint_eq(m.u.node_status.tx_count, 5000000000ull);
	tn_msg_fini(&m);

	ck_assert_int_eq(dec(TN_MSG_MINING_ON, golden_mining_on, 0, &m),
	    TN_MSG_OK);
	ck_assert_uint_eq(m.u.mining_on.size_in_bytes, 18446744073709549568ull);
	tn_msg_fini(&m);
}
END_TEST

START_TEST(test_decode_compat)
{
	struct tn_msg	m;

	/* go-p2p v1.2.4 order, no ClientName, no Header (services/p2p tests) */
	ck_assert_int_eq(dec(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Height\":1,\"DataHubURL\":\"http://peer.example:8090\","
	    "\"PeerID\":\"" PEER "\"}", 0, &m), TN_MSG_OK);
	ck_assert_uint_eq(m.u.block.height, 1);
	ck_assert_str_eq(m.u.block.client_name, "");
	ck_assert_ptr_null(m.u.block.coinbase);
	tn_msg_fini(&m);

	/* keys in any case, unknown keys skipped, the last duplicate wins */
	ck_assert_int_eq(dec(TN_MSG_BLOCK, " {\"hash\":\"00\",\"HEIGHT\":5,"
	    "\"datahuburl\":\"" URL "\",\"peerid\":\"" PEER "\","
	    "\"extra\":{\"x\":[1,2,{}]},\"HASH\":\"" GHASH "\","
	    "\"coinBASE\":\"01000000\",\"Height\":null}\n", 0, &m),
	    TN_MSG_OK);
	ck_assert_str_eq(m.u.block.hash, GHASH);
	ck_assert_uint_eq(m.u.block.height, 5);
	ck_assert_str_eq(m.u.block.data_hub_url, URL);
	ck_assert_str_eq(m.u.block.coinbase, "01000000");
	tn_msg_fini(&m);

	ck_assert_int_eq(dec(TN_MSG_NODE_STATUS, "{\"PEER_ID\":\"" PEER
	    "\",\"Best_Height\":9,\"min_mining_tx_fee\":0.5,"
	    "\"fee_policy\":{\"a\":1},\"block_assembly_details\":null}", 0, &m),
	    TN_MSG_OK);
	ck_assert_str_eq(m.u.node_status.peer_id, PEER);
	ck_assert_uint_eq(m.u.node_status.best_height, 9);
	ck_assert(m.u.node_status.min_mining_tx_fee == 0.5);
	ck_assert_int_eq(m.u.node_status.has_block_assembly, 0);
	tn_msg_fini(&m);

	/* the snapshot's int32 sync_peer_height and camelCase handshake keys */
	ck_assert_int_eq(dec(TN_MSG_HANDSHAKE, "{\"TYPE\":\"verack\","
	    "\"PeerId\":\"" PEER "\",\"BestHeight\":3}", 0, &m), TN_MSG_OK);
	ck_assert_str_eq(m.u.handshake.peer_id, PEER);
	ck_assert_uint_eq(m.u.handshake.best_height, 3);
	tn_msg_fini(&m);
}
END_TEST

START_TEST(test_decode_types)
{
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Height\":\"1\"}"), TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Height\":-1}"), TN_MSG_ERANGE);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Height\":4294967296}"), TN_MSG_ERANGE);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Height\":4294967295}"), TN_MSG_OK);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Height\":1.5}"), TN_MSG_ERANGE);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":5}"),
	    TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":null}"),
	    TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"PeerID\":true}"), TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH "\","
	    "\"Coinbase\":[]}"), TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"uptime\":\"1\"}"), TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"block_assembly_details\":[]}"), TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"block_assembly_details\":{\"subtrees\":[1]}}"),
	    TN_MSG_ETYPE);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"block_assembly_details\":{\"subtrees\":[\"zz\"]}}"),
	    TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"start_time\":-5}"), TN_MSG_OK);
	/* not one JSON object */
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, ""), TN_MSG_EJSON);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "[]"), TN_MSG_EJSON);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "null"), TN_MSG_EJSON);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"00\"} x"),
	    TN_MSG_EJSON);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"00\""),
	    TN_MSG_EJSON);
	ck_assert_int_eq(dec_rc(TN_MSG_NONE, "{}"), TN_MSG_EKIND);
	ck_assert_int_eq(dec_rc(8, "{}"), TN_MSG_EKIND);
}
END_TEST

/* A valid message of exactly len bytes for kind, padded in a string field. */
static char *
sized(enum tn_msg_kind kind, size_t len)
{
	const char	*head;
	char		*s = malloc(len + 1);
	size_t		 h;

	switch (kind) {
	case TN_MSG_BLOCK:
		head = "{\"Hash\":\"00\",\"Coinbase\":\"";
		break;
	case TN_MSG_NODE_STATUS:
		head = "{\"ignored\":\"";
		break;
	case TN_MSG_HANDSHAKE:
		head = "{\"type\":\"version\",\"x\":\"";
		break;
	case TN_MSG_BESTBLOCK:
		head = "{\"x\":\"";
		break;
	default:
		head = "{\"Hash\":\"00\",\"TxID\":\"00\",\"x\":\"";
	}
	h = strlen(head);
	memcpy(s, head, h);
	memset(s + h, 'a', len - h - 2);
	memcpy(s + len - 2, "\"}", 3);
	return s;
}

START_TEST(test_caps)
{
	static const size_t	caps[] = { 0, 32768, 32768, 16384, 16384,
				    65536, 16384, 16384 };
	struct tn_msg	m;
	char			*s;
	int			 k;

	for (k = 1; k <= TN_MSG_KIND_MAX; k++) {
		ck_assert_uint_eq(tn_msg_cap(k), caps[k]);
		s = sized(k, caps[k]);
		ck_assert_int_eq(dec(k, s, 0, &m), TN_MSG_OK);
		tn_msg_fini(&m);
		free(s);
		s = sized(k, caps[k] + 1);
		ck_assert_int_eq(dec(k, s, 0, &m), TN_MSG_ETOOBIG);
		free(s);
	}
	ck_assert_str_eq(tn_msg_kind_name(TN_MSG_REJECTED_TX),
	    "rejected_tx");
	ck_assert_str_eq(tn_msg_kind_name(9), "none");
}
END_TEST

START_TEST(test_fields)
{
	struct tn_msg	m;
	char			buf[4096], big[2100];

	/* hashes: ≤64 hex, any case, required where the message needs one */
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"" GHASH
	    "0\"}"), TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"0x12\"}"),
	    TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"ABCdef\"}"),
	    TN_MSG_OK);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, "{\"Hash\":\"\"}"),
	    TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_SUBTREE, "{}"), TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_REJECTED_TX, "{\"TxID\":\"g\"}"),
	    TN_MSG_EHASH);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"best_block_hash\":\"\"}"), TN_MSG_OK);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"sync_peer_block_hash\":\"q\"}"), TN_MSG_EHASH);
	/* header ≤160 hex */
	snprintf(buf, sizeof(buf), "{\"Hash\":\"00\",\"Header\":\"%s00\"}",
	    GHDR);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, buf), TN_MSG_EHEADER);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK,
	    "{\"Hash\":\"00\",\"Header\":\"0g\"}"), TN_MSG_EHEADER);
	/* PeerID: ≤128 printable UTF-8 */
	memset(big, 'p', 129);
	big[129] = '\0';
	snprintf(buf, sizeof(buf), "{\"Hash\":\"00\",\"PeerID\":\"%s\"}", big);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, buf), TN_MSG_EPEERID);
	big[128] = '\0';
	snprintf(buf, sizeof(buf), "{\"Hash\":\"00\",\"PeerID\":\"%s\"}", big);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK, buf), TN_MSG_OK);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK,
	    "{\"Hash\":\"00\",\"PeerID\":\"a\\nb\"}"), TN_MSG_EPEERID);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK,
	    "{\"Hash\":\"00\",\"PeerID\":\"a\xff\"}"), TN_MSG_EPEERID);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"sync_peer_id\":\"\\u0085\"}"), TN_MSG_EPEERID);
	ck_assert_int_eq(dec_rc(TN_MSG_BLOCK,
	    "{\"Hash\":\"00\",\"PeerID\":\"p\xc3\xa9\"}"), TN_MSG_OK);
	/* client names and reasons are cut and cleaned, never refused */
	memset(big, 'n', 300);
	big[300] = '\0';
	snprintf(buf, sizeof(buf), "{\"TxID\":\"00\",\"ClientName\":"
	    "\"a\\u0001\\tb%s\",\"Reason\":\"bad\\r\\n tx\"}", big);
	ck_assert_int_eq(dec(TN_MSG_REJECTED_TX, buf, 0, &m),
	    TN_MSG_OK);
	ck_assert_uint_eq(strlen(m.u.rejected_tx.client_name),
	    TN_MSG_NAME_MAX);
	ck_assert(strncmp(m.u.rejected_tx.client_name, "abnn", 4) == 0);
	ck_assert_str_eq(m.u.rejected_tx.reason, "bad tx");
	tn_msg_fini(&m);
	/* a cut never splits a UTF-8 sequence */
	memset(big, 'n', 127);
	strcpy(big + 127, "\xc3\xa9");
	snprintf(buf, sizeof(buf), "{\"Hash\":\"00\",\"ClientName\":\"%s\"}",
	    big);
	ck_assert_int_eq(dec(TN_MSG_SUBTREE, buf, 0, &m), TN_MSG_OK);
	ck_assert_uint_eq(strlen(m.u.subtree.client_name), 127);
	tn_msg_fini(&m);
	/* other strings over 256 bytes are refused */
	memset(big, 'v', 257);
	big[257] = '\0';
	snprintf(buf, sizeof(buf), "{\"version\":\"%s\"}", big);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS, buf),
	    TN_MSG_ETOOLONG);
	big[256] = '\0';
	snprintf(buf, sizeof(buf), "{\"version\":\"%s\"}", big);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS, buf), TN_MSG_OK);
	/* invalid UTF-8 becomes U+FFFD, as Go decodes it */
	ck_assert_int_eq(dec(TN_MSG_MINING_ON, "{\"Hash\":\"00\","
	    "\"Miner\":\"a\xff\xc3\"}", 0, &m), TN_MSG_OK);
	ck_assert_str_eq(m.u.mining_on.miner, "a\xef\xbf\xbd\xef\xbf\xbd");
	tn_msg_fini(&m);
	/* handshake type */
	ck_assert_int_eq(dec_rc(TN_MSG_HANDSHAKE, "{\"type\":\"hello\"}"),
	    TN_MSG_EHANDSHAKE);
	ck_assert_int_eq(dec_rc(TN_MSG_HANDSHAKE, "{}"),
	    TN_MSG_EHANDSHAKE);
	/* URLs in messages; empty allowed (listen-only node_status) */
	ck_assert_int_eq(dec_rc(TN_MSG_SUBTREE, "{\"Hash\":\"00\","
	    "\"DataHubURL\":\"ftp://x.example/\"}"), TN_MSG_EURL);
	ck_assert_int_eq(dec_rc(TN_MSG_SUBTREE, "{\"Hash\":\"00\","
	    "\"DataHubURL\":\"http://10.1.2.3:8090/api/v1\"}"),
	    TN_MSG_EPRIVATE);
	ck_assert_int_eq(dec(TN_MSG_SUBTREE, "{\"Hash\":\"00\","
	    "\"DataHubURL\":\"http://10.1.2.3:8090/api/v1\"}",
	    TN_MSG_ALLOW_PRIVATE, &m), TN_MSG_OK);
	tn_msg_fini(&m);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"base_url\":\"http://[::1]:8090\"}"), TN_MSG_EPRIVATE);
	ck_assert_int_eq(dec_rc(TN_MSG_HANDSHAKE, "{\"type\":\"version\","
	    "\"dataHubURL\":\"http://localhost:8090\"}"), TN_MSG_EPRIVATE);
	ck_assert_int_eq(dec_rc(TN_MSG_NODE_STATUS,
	    "{\"base_url\":\"\"}"), TN_MSG_OK);
}
END_TEST

START_TEST(test_url)
{
	static const char *const priv[] = {
		"http://127.0.0.1/", "http://127.0.0.1:8090/api/v1",
		"https://10.0.0.1", "http://172.16.0.1", "http://172.31.255.255",
		"http://192.168.1.1", "http://169.254.169.254/latest/meta-data",
		"http://0.0.0.0:80", "http://127.1", "http://2130706433/",
		"http://0x7f000001/", "http://0177.0.0.1/", "http://127.0.0.1./",
		"http://[::1]/", "http://[::]/", "http://[fe80::1]/",
		"http://[fe80::1%25eth0]/", "http://[fd00::1]:8090/",
		"http://[fc00::1]/", "http://[::ffff:127.0.0.1]/",
		"http://[::ffff:10.0.0.1]/", "http://LOCALHOST/",
		"http://foo.localhost./", "http://user:pw@127.0.0.1/",
		"http://evil.com@192.168.0.1/", "http://255.255.255.255/",
		"http://224.0.0.1/",
	};
	static const char *const pub[] = {
		"http://8.8.8.8/", "https://teranode.example.com/api/v1",
		"http://172.32.0.1/", "http://172.15.0.1/", "http://11.0.0.1",
		"http://[2001:db8::1]:8090/x", "https://node:443",
		"HTTPS://Node.Example/", "http://localhost.example.com/",
		"http://127.0.0.1@example.com/", "http://[::ffff:8.8.8.8]/",
		"http://node?x=127.0.0.1", "http://100.64.0.1/",
	};
	static const char *const bad[] = {
		"", "ftp://example.com/", "example.com", "http://", "http:///x",
		"http://a b/", "http://[::1/", "http://[zz::1]/", "http://h:99999/",
		"http://h:12a/", "http://[::1]x/", "javascript:alert(1)",
		"http://h/\x7f", "file:///etc/passwd", "http://h\xc3\xa9/",
	};
	char	big[TN_MSG_URL_MAX + 2];
	size_t	i;

	for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		ck_assert_msg(tn_msg_check_url(priv[i], 0) ==
		    TN_MSG_EPRIVATE, "%s", priv[i]);
		ck_assert_msg(tn_msg_check_url(priv[i],
		    TN_MSG_ALLOW_PRIVATE) == TN_MSG_OK, "%s", priv[i]);
	}
	for (i = 0; i < sizeof(pub) / sizeof(pub[0]); i++)
		ck_assert_msg(tn_msg_check_url(pub[i], 0) ==
		    TN_MSG_OK, "%s", pub[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(tn_msg_check_url(bad[i],
		    TN_MSG_ALLOW_PRIVATE) == TN_MSG_EURL, "%s", bad[i]);
	/* 2048 bytes pass, 2049 do not */
	strcpy(big, "https://example.com/");
	memset(big + 20, 'a', TN_MSG_URL_MAX - 20);
	big[TN_MSG_URL_MAX] = '\0';
	ck_assert_int_eq(tn_msg_check_url(big, 0), TN_MSG_OK);
	big[TN_MSG_URL_MAX] = 'a';
	big[TN_MSG_URL_MAX + 1] = '\0';
	ck_assert_int_eq(tn_msg_check_url(big, 0), TN_MSG_EURL);
}
END_TEST

START_TEST(test_go_encoding)
{
	struct tn_msg	m;
	char			*out;
	static const struct {
		double		v;
		const char	*s;
	} fl[] = {
		{ 12.5, "12.5" }, { 0.1, "0.1" }, { 1, "1" }, { -2.25, "-2.25" },
		{ 1e21, "1e+21" }, { 1e20, "100000000000000000000" },
		{ 1e-7, "1e-7" }, { 1.5e-10, "1.5e-10" }, { 0.000001, "0.000001" },
		{ 123456789.125, "123456789.125" }, { 1.0 / 3, "0.3333333333333333" },
		{ 2.5e300, "2.5e+300" }, { 123456789012345678.0, "123456789012345680" },
	};
	char			want[256];
	size_t			i;

	memset(&m, 0, sizeof(m));
	m.kind = TN_MSG_REJECTED_TX;
	strcpy(m.u.rejected_tx.tx_id, "00");
	strcpy(m.u.rejected_tx.reason, "<a href=\"x\">&\\\b\f\n\r\t\x01\x7f"
	    "\xe2\x80\xa8\xe2\x80\xa9\xff\xc3\xa9");
	ck_assert_int_eq(tn_msg_encode(&m, &out, NULL), TN_MSG_OK);
	ck_assert_str_eq(out, "{\"PeerID\":\"\",\"ClientName\":\"\","
	    "\"TxID\":\"00\",\"Reason\":\"\\u003ca href=\\\"x\\\"\\u003e"
	    "\\u0026\\\\\\b\\f\\n\\r\\t\\u0001\x7f\\u2028\\u2029\\ufffd"
	    "\xc3\xa9\"}");
	free(out);

	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.kind = TN_MSG_NODE_STATUS;
		m.u.node_status.uptime = fl[i].v;
		m.u.node_status.has_min_mining_tx_fee = 1;
		m.u.node_status.min_mining_tx_fee = fl[i].v;
		ck_assert_int_eq(tn_msg_encode(&m, &out, NULL),
		    TN_MSG_OK);
		snprintf(want, sizeof(want), "\"uptime\":%s,", fl[i].s);
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
		snprintf(want, sizeof(want), "\"min_mining_tx_fee\":%s}",
		    fl[i].s);
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
		free(out);
	}
}
END_TEST

START_TEST(test_envelope)
{
	struct tn_msg_envelope	env;
	struct tn_msg		m, back;
	char				*out, name[TN_MSG_NAME_MAX + 1];
	size_t				 len;

	ck_assert_int_eq(tn_msg_envelope_encode("teranode",
	    (const uint8_t *)"{\"PeerID\":\"x\"}", 14, &out, &len),
	    TN_MSG_OK);
	ck_assert_str_eq(out,
	    "{\"name\":\"teranode\",\"data\":\"eyJQZWVySUQiOiJ4In0=\"}");
	ck_assert_int_eq(tn_msg_envelope_decode((uint8_t *)out, len, 100,
	    &env), TN_MSG_OK);
	ck_assert_str_eq(env.name, "teranode");
	ck_assert_uint_eq(env.len, 14);
	ck_assert(memcmp(env.data, "{\"PeerID\":\"x\"}", 14) == 0);
	tn_msg_envelope_fini(&env);
	ck_assert_int_eq(tn_msg_envelope_decode((uint8_t *)out, len, 13,
	    &env), TN_MSG_ETOOBIG);
	ck_assert_ptr_null(env.data);
	free(out);

#define ENV(s, cap) tn_msg_envelope_decode((const uint8_t *)(s), \
	strlen(s), cap, &env)
	ck_assert_int_eq(ENV("{\"NAME\":\"a\",\"Data\":\"e30=\"}", 10),
	    TN_MSG_OK);
	ck_assert_str_eq(env.name, "a");
	tn_msg_envelope_fini(&env);
	ck_assert_int_eq(ENV("{\"name\":\"a\"}", 10), TN_MSG_EENVELOPE);
	ck_assert_int_eq(ENV("{\"data\":null}", 10), TN_MSG_EENVELOPE);
	ck_assert_int_eq(ENV("{\"data\":\"e30\"}", 10), TN_MSG_EENVELOPE);
	ck_assert_int_eq(ENV("{\"data\":\"!!!!\"}", 10), TN_MSG_EENVELOPE);
	ck_assert_int_eq(ENV("{\"data\":5}", 10), TN_MSG_EENVELOPE);
	ck_assert_int_eq(ENV("{\"name\":5,\"data\":\"e30=\"}", 10),
	    TN_MSG_ETYPE);
	ck_assert_int_eq(ENV("{\"data\":\"e30=\"", 10), TN_MSG_EJSON);
	ck_assert_int_eq(ENV("\"e30=\"", 10), TN_MSG_EJSON);

	/* seal and open */
	ck_assert_int_eq(dec(TN_MSG_BLOCK, golden_block, 0, &m),
	    TN_MSG_OK);
	ck_assert_int_eq(tn_msg_seal(&m, "terap2p", &out, &len),
	    TN_MSG_OK);
	ck_assert_int_eq(tn_msg_open(TN_MSG_BLOCK, (uint8_t *)out,
	    len, 0, name, &back), TN_MSG_OK);
	ck_assert_str_eq(name, "terap2p");
	ck_assert_str_eq(back.u.block.hash, GHASH);
	ck_assert_str_eq(back.u.block.header, GHDR);
	tn_msg_fini(&back);
	/* the right envelope, the wrong topic: no Hash */
	ck_assert_int_eq(tn_msg_open(TN_MSG_REJECTED_TX,
	    (uint8_t *)out, len, 0, NULL, &back), TN_MSG_EHASH);
	ck_assert_int_eq(tn_msg_open(TN_MSG_NONE, (uint8_t *)out,
	    len, 0, NULL, &back), TN_MSG_EKIND);
	free(out);
	tn_msg_fini(&m);
}
END_TEST

START_TEST(test_misc)
{
	char	canon[TN_MSG_HASH_MAX + 1];
	int	i, j;

	ck_assert_int_eq(tn_msg_hash_canon("ABc", canon), 0);
	ck_assert_str_eq(canon,
	    "0000000000000000000000000000000000000000000000000000000000000abc");
	ck_assert_int_eq(tn_msg_hash_canon(GHASH, canon), 0);
	ck_assert_str_eq(canon, GHASH);
	ck_assert_int_eq(tn_msg_hash_canon("x", canon), -1);
	ck_assert_int_eq(tn_msg_hash_canon(GHASH "1", canon), -1);
	for (i = 0; i <= TN_MSG_ERR_MAX; i++) {
		ck_assert_str_ne(tn_msg_strerror(i), "unknown");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(tn_msg_strerror(i),
			    tn_msg_strerror(j));
	}
	ck_assert_str_eq(tn_msg_strerror(TN_MSG_EPRIVATE),
	    "private_url");
	ck_assert_str_eq(tn_msg_strerror(-1), "unknown");
	ck_assert_str_eq(tn_msg_strerror(TN_MSG_ERR_MAX + 1),
	    "unknown");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tn_msg");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_golden_build);
	tcase_add_test(tc, test_golden_roundtrip);
	tcase_add_test(tc, test_decode_compat);
	tcase_add_test(tc, test_decode_types);
	tcase_add_test(tc, test_caps);
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_go_encoding);
	tcase_add_test(tc, test_envelope);
	tcase_add_test(tc, test_misc);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
