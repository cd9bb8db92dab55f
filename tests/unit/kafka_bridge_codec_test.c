/*
 * Unit tests of the Kafka bridge's pure codec (kafka_bridge_codec.c): the
 * wire bytes of Teranode's kafkamessage protos (field numbers fixed), the
 * decoders of consumed values and what they refuse, hash canonicalisation,
 * the gossip JSON Teranode expects and the kafka_*Config URLs; and the
 * blockchain / block-assembly gRPC messages (kafka_bridge_chainmsg.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"
#include "blockassembly_api.pb-c.h"
#include "blockchain_api.pb-c.h"
#include "util.h"

#define H64 "00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778"

START_TEST(hash_canonical)
{
	char	out[KAFKA_HASH_HEX + 1];

	ck_assert_int_eq(kafka_codec_hash("ABcd", out), 0);
	ck_assert_str_eq(out, "000000000000000000000000000000000000000000000000"
	    "000000000000abcd");
	ck_assert_int_eq(kafka_codec_hash(H64, out), 0);
	ck_assert_str_eq(out, H64);
	ck_assert_int_eq(kafka_codec_hash("", out), -1);
	ck_assert_int_eq(kafka_codec_hash("0x12", out), -1);
	ck_assert_int_eq(kafka_codec_hash(H64 "0", out), -1);
	ck_assert_int_eq(kafka_codec_hash("12 4", out), -1);
}
END_TEST

/* Field numbers on the wire: hash = 1, URL = 2, peer_id = 3. */
START_TEST(block_message_wire_bytes)
{
	static const uint8_t	want[] = { 0x0a, 1, 'h', 0x12, 1, 'u', 0x1a, 1,
				    'p' };
	uint8_t			*v;
	size_t			 len;

	ck_assert_int_eq(kafka_codec_block_encode("h", "u", "p", &v, &len), 0);
	ck_assert_uint_eq(len, sizeof(want));
	ck_assert_mem_eq(v, want, len);
	free(v);
	ck_assert_int_eq(kafka_codec_subtree_encode("h", "u", "p", &v, &len), 0);
	ck_assert_mem_eq(v, want, len);
	free(v);
}
END_TEST

START_TEST(consumed_roundtrip)
{
	struct kafka_rejected_tx	r;
	struct kafka_invalid_block	b;
	struct kafka_invalid_subtree	s;
	uint8_t				*v;
	size_t				 len;
	char				 err[128];

	kafka_codec_rejected_tx_encode("AB", "double spend", "", &v, &len);
	ck_assert_int_eq(kafka_codec_rejected_tx_decode(v, len, &r, err,
	    sizeof(err)), 0);
	free(v);
	ck_assert_str_eq(r.txid + 62, "ab");
	ck_assert_str_eq(r.reason, "double spend");
	ck_assert_str_eq(r.peer_id, "");
	kafka_codec_invalid_block_encode(H64, "bad", &v, &len);
	/* blockHash = 1, reason = 2 */
	ck_assert_int_eq(v[0], 0x0a);
	ck_assert_int_eq(v[2 + 64], 0x12);
	ck_assert_int_eq(kafka_codec_invalid_block_decode(v, len, &b, err,
	    sizeof(err)), 0);
	free(v);
	ck_assert_str_eq(b.hash, H64);
	kafka_codec_invalid_subtree_encode(H64, "https://x/api", "r", &v, &len);
	ck_assert_int_eq(kafka_codec_invalid_subtree_decode(v, len, &s, err,
	    sizeof(err)), 0);
	free(v);
	ck_assert_str_eq(s.peer_url, "https://x/api");
}
END_TEST

START_TEST(consumed_refused)
{
	struct kafka_rejected_tx	r;
	struct kafka_invalid_block	b;
	static const uint8_t		junk[] = { 0xff, 0xff, 0xff };
	char				 peer[300], reason[3000], err[128];
	uint8_t				*v;
	size_t				 len;

	ck_assert_int_eq(kafka_codec_rejected_tx_decode(junk, sizeof(junk), &r,
	    err, sizeof(err)), -1);
	kafka_codec_rejected_tx_encode("not-hex", "", "", &v, &len);
	ck_assert_int_eq(kafka_codec_rejected_tx_decode(v, len, &r, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "txHash"));
	free(v);
	memset(peer, 'p', sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = '\0';
	kafka_codec_rejected_tx_encode("ab", "", peer, &v, &len);
	ck_assert_int_eq(kafka_codec_rejected_tx_decode(v, len, &r, err,
	    sizeof(err)), -1);
	free(v);
	/* A long reason is cut, not refused. */
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	kafka_codec_invalid_block_encode("ab", reason, &v, &len);
	ck_assert_int_eq(kafka_codec_invalid_block_decode(v, len, &b, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(strlen(b.reason), KAFKA_REASON_MAX);
	free(v);
	/* An empty value decodes to an empty hash: refused. */
	ck_assert_int_eq(kafka_codec_invalid_block_decode("", 0, &b, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(notification_wire_and_decode)
{
	static const char *kv[] = { "height", "12", "header", "ab" };
	struct kafka_notification	n;
	uint8_t				*v;
	size_t				 len;
	char				 err[128];

	ck_assert_int_eq(kafka_codec_notification_encode(KAFKA_NOTIFY_BLOCK,
	    H64, "https://me/api/v1", kv, 4, &v, &len), 0);
	/* type = 1 (varint 2), hash = 2 (32 bytes, internal order) */
	ck_assert_int_eq(v[0], 0x08);
	ck_assert_int_eq(v[1], 2);
	ck_assert_int_eq(v[2], 0x12);
	ck_assert_int_eq(v[3], 32);
	ck_assert_int_eq(v[4], 0x78);	/* last display byte first */
	ck_assert_int_eq(v[4 + 31], 0x00);
	ck_assert_int_eq(v[4 + 32], 0x1a);	/* base_URL = 3 */
	ck_assert_int_eq(kafka_codec_notification_decode(v, len, &n, err,
	    sizeof(err)), 0);
	free(v);
	ck_assert_int_eq(n.type, KAFKA_NOTIFY_BLOCK);
	ck_assert_str_eq(n.hash, H64);
	ck_assert_str_eq(n.base_url, "https://me/api/v1");
	ck_assert_uint_eq(n.nmeta, 2);
	ck_assert_str_eq(kafka_codec_meta(&n, "height"), "12");
	ck_assert_ptr_null(kafka_codec_meta(&n, "nope"));
	kafka_codec_notification_fini(&n);
}
END_TEST

START_TEST(notification_json)
{
	static const char *bad[] = { "height", "12x" };
	static const char *mine[] = { "height", "5", "miner", "<m&m>",
	    "previous_hash", "aa", "size_in_bytes", "100", "tx_count", "3" };
	struct kafka_notification	n;
	uint8_t				*v;
	size_t				 len;
	char				*json, err[128];

	kafka_codec_notification_encode(KAFKA_NOTIFY_SUBTREE, "ab", "u\"1", NULL,
	    0, &v, &len);
	ck_assert_int_eq(kafka_codec_notification_decode(v, len, &n, err,
	    sizeof(err)), 0);
	free(v);
	ck_assert_int_eq(kafka_codec_notification_json(&n, "P", &json, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(json, "{\"Hash\":\"00000000000000000000000000000000000"
	    "000000000000000000000000000ab\",\"DataHubURL\":\"u\\\"1\","
	    "\"PeerID\":\"P\"}");
	free(json);
	kafka_codec_notification_fini(&n);

	kafka_codec_notification_encode(KAFKA_NOTIFY_BLOCK, "ab", "u", bad, 2,
	    &v, &len);
	kafka_codec_notification_decode(v, len, &n, err, sizeof(err));
	free(v);
	ck_assert_int_eq(kafka_codec_notification_json(&n, "P", &json, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "height"));
	kafka_codec_notification_fini(&n);

	kafka_codec_notification_encode(KAFKA_NOTIFY_MINING_ON, "ab", "u", mine,
	    10, &v, &len);
	kafka_codec_notification_decode(v, len, &n, err, sizeof(err));
	free(v);
	ck_assert_int_eq(kafka_codec_notification_json(&n, "P", &json, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"PreviousHash\":\"aa\","));
	ck_assert_ptr_nonnull(strstr(json, "\"Height\":5,\"Miner\":"
	    "\"\\u003cm\\u0026m\\u003e\",\"SizeInBytes\":100,\"TxCount\":3}"));
	free(json);
	kafka_codec_notification_fini(&n);

	/* FSMState is forwarded, never gossiped; no hash, no JSON. */
	kafka_codec_notification_encode(KAFKA_NOTIFY_FSM_STATE, "", "", NULL, 0,
	    &v, &len);
	kafka_codec_notification_decode(v, len, &n, err, sizeof(err));
	free(v);
	ck_assert_str_eq(n.hash, "");
	ck_assert_int_eq(kafka_codec_notification_json(&n, "P", &json, err,
	    sizeof(err)), -1);
	kafka_codec_notification_fini(&n);
}
END_TEST

START_TEST(notification_bad_hash_length)
{
	/* type=2, hash of 3 bytes */
	static const uint8_t	v[] = { 0x08, 2, 0x12, 3, 1, 2, 3 };
	struct kafka_notification	n;
	char				err[128];

	ck_assert_int_eq(kafka_codec_notification_decode(v, sizeof(v), &n, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not 32"));
}
END_TEST

START_TEST(rejected_json_escapes)
{
	struct kafka_rejected_tx	r;
	char				*json;

	memset(&r, 0, sizeof(r));
	strcpy(r.txid, "ab");
	strcpy(r.reason, "a\nb\x01<\\");
	kafka_codec_rejected_tx_json(&r, "", &json);
	ck_assert_str_eq(json, "{\"TxID\":\"ab\",\"Reason\":\"a\\nb\\u0001"
	    "\\u003c\\\\\",\"PeerID\":\"\"}");
	free(json);
}
END_TEST

START_TEST(config_urls)
{
	struct kafka_url	u;
	char			err[128];

	ck_assert_int_eq(kafka_codec_url_parse("kafka://k1:9092,k2:9092/blocks"
	    "?partitions=8&replication=3&retention=600000&replay=1", &u, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(u.scheme, "kafka");
	ck_assert_str_eq(u.hosts, "k1:9092,k2:9092");
	ck_assert_str_eq(u.topic, "blocks");
	ck_assert_int_eq(u.partitions, 8);
	ck_assert_int_eq(u.replication, 3);
	ck_assert_int_eq(u.replay, 1);
	ck_assert_int_eq(kafka_codec_url_parse("memory://x/t", &u, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(u.partitions, 1);
	ck_assert_int_eq(u.replay, -1);
	ck_assert_int_eq(kafka_codec_url_parse("http://x/t", &u, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(kafka_codec_url_parse("kafka://x", &u, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(kafka_codec_url_parse("kafka://x/", &u, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(kafka_codec_url_parse("kafka://x/t?partitions=0", &u,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(kafka_codec_url_parse("kafka://x/t?replay=2", &u, err,
	    sizeof(err)), -1);
}
END_TEST

/* Bitcoin's genesis block header and hash (display order). */
#define GENESIS_HDR "0100000000000000000000000000000000000000000000000000000000" \
	"000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa" \
	"4b1e5e4a29ab5f49ffff001d1dac2b7c"
#define GENESIS "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"

static size_t
pack_header(uint8_t *buf, const uint8_t *hdr, size_t hlen, const uint8_t *cw,
    size_t cwlen, const char *miner, int invalid)
{
	BlockchainApi__GetBlockHeaderResponse	m =
	    BLOCKCHAIN_API__GET_BLOCK_HEADER_RESPONSE__INIT;

	m.blockheader.data = (uint8_t *)hdr;
	m.blockheader.len = hlen;
	m.height = 812345;
	m.chain_work.data = (uint8_t *)cw;
	m.chain_work.len = cwlen;
	m.miner = (char *)miner;
	m.invalid = invalid;
	return blockchain_api__get_block_header_response__pack(&m, buf);
}

START_TEST(chain_header_decode)
{
	struct kafka_chain_header	h;
	uint8_t				hdr[80], buf[512], cw[40] = { 0 };
	size_t				n, len;
	char				err[128];

	ck_assert_int_eq(util_hex_decode(GENESIS_HDR, 160, hdr, sizeof(hdr),
	    &n), 0);
	cw[0] = 0x01;
	cw[1] = 0x02;
	len = pack_header(buf, hdr, 80, cw, 2, "miner\x01\xff", 1);
	ck_assert_int_eq(kafka_chainmsg_header_decode(buf, len, &h, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(h.hash, GENESIS);
	ck_assert_str_eq(h.prev_hash, "0000000000000000000000000000000000000000"
	    "000000000000000000000000");
	ck_assert_str_eq(h.header_hex, GENESIS_HDR);
	ck_assert_uint_eq(h.height, 812345);
	ck_assert_int_eq(h.invalid, 1);
	/* 2 big-endian bytes, left-padded to 32 */
	ck_assert_str_eq(h.chain_work, "000000000000000000000000000000000000000"
	    "0000000000000000000000102");
	ck_assert_str_eq(h.miner, "miner??");
	/* refused: a 79-byte header, 33 bytes of chain work, not protobuf */
	len = pack_header(buf, hdr, 79, cw, 2, "", 0);
	ck_assert_int_eq(kafka_chainmsg_header_decode(buf, len, &h, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "block header of 79 bytes, not 80");
	len = pack_header(buf, hdr, 80, cw, 33, "", 0);
	ck_assert_int_eq(kafka_chainmsg_header_decode(buf, len, &h, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(kafka_chainmsg_header_decode("\xff\xff\xff", 3, &h,
	    err, sizeof(err)), -1);
}
END_TEST

START_TEST(chain_small_responses)
{
	BlockchainApi__GetFSMStateResponse	f =
	    BLOCKCHAIN_API__GET_FSMSTATE_RESPONSE__INIT;
	BlockchainApi__StateResponse		st =
	    BLOCKCHAIN_API__STATE_RESPONSE__INIT;
	BlockassemblyApi__StateMessage		ba =
	    BLOCKASSEMBLY_API__STATE_MESSAGE__INIT;
	uint8_t					buf[256], le[5] = { 0x10, 0x27,
						    0, 0, 9 };
	size_t					len;
	uint64_t				txs;
	uint32_t				u;
	char					err[128];
	int					state;

	f.state = BLOCKCHAIN_API__FSMSTATE_TYPE__CATCHINGBLOCKS;
	len = blockchain_api__get_fsmstate_response__pack(&f, buf);
	ck_assert_int_eq(kafka_chainmsg_fsm_decode(buf, len, &state, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(state, KAFKA_FSM_CATCHINGBLOCKS);
	ck_assert_str_eq(kafka_chainmsg_fsm_name(state), "CATCHINGBLOCKS");
	ck_assert_int_eq(kafka_chainmsg_fsm_parse("LEGACYSYNCING"),
	    KAFKA_FSM_LEGACYSYNCING);
	ck_assert_int_eq(kafka_chainmsg_fsm_parse("running"), KAFKA_FSM_UNKNOWN);
	f.state = 7;
	len = blockchain_api__get_fsmstate_response__pack(&f, buf);
	ck_assert_int_eq(kafka_chainmsg_fsm_decode(buf, len, &state, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(state, KAFKA_FSM_UNKNOWN);
	/* BlockPersisterHeight: exactly 4 bytes, little-endian */
	st.data.data = le;
	st.data.len = 4;
	len = blockchain_api__state_response__pack(&st, buf);
	ck_assert_int_eq(kafka_chainmsg_persisted_decode(buf, len, &u, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(u, 10000);
	st.data.len = 5;
	len = blockchain_api__state_response__pack(&st, buf);
	ck_assert_int_eq(kafka_chainmsg_persisted_decode(buf, len, &u, err,
	    sizeof(err)), -1);
	/* StateMessage: subtreeCount 3, txCount 5 (Teranode's numbers) */
	ba.subtreecount = 7;
	ba.subtreesize = 1024;
	ba.txcount = 4242;
	len = blockassembly_api__state_message__pack(&ba, buf);
	ck_assert_uint_eq(buf[0], (3 << 3) | 0);
	ck_assert_int_eq(kafka_chainmsg_assembly_decode(buf, len, &txs, &u, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(txs, 4242);
	ck_assert_uint_eq(u, 7);
}
END_TEST

START_TEST(chain_requests)
{
	BlockchainApi__GetBlockHeaderRequest	*r;
	uint8_t					*buf;
	size_t					 len;

	ck_assert_int_eq(kafka_chainmsg_header_req_encode(GENESIS, &buf, &len),
	    0);
	r = blockchain_api__get_block_header_request__unpack(NULL, len, buf);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->blockhash.len, 32);
	/* internal byte order: the display hex reversed */
	ck_assert_uint_eq(r->blockhash.data[0], 0x6f);
	ck_assert_uint_eq(r->blockhash.data[31], 0x00);
	blockchain_api__get_block_header_request__free_unpacked(r, NULL);
	free(buf);
	ck_assert_int_eq(kafka_chainmsg_header_req_encode("xyz", &buf, &len),
	    -1);
	kafka_chainmsg_subscribe_encode("p2pServer", &buf, &len);
	ck_assert_uint_eq(len, 11);
	ck_assert_int_eq(memcmp(buf, "\x0a\x09p2pServer", 11), 0);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kafka_bridge_codec");
	TCase	*tc = tcase_create("codec");
	SRunner	*sr;
	int	 nfail;

	tcase_add_test(tc, hash_canonical);
	tcase_add_test(tc, block_message_wire_bytes);
	tcase_add_test(tc, consumed_roundtrip);
	tcase_add_test(tc, consumed_refused);
	tcase_add_test(tc, notification_wire_and_decode);
	tcase_add_test(tc, notification_json);
	tcase_add_test(tc, notification_bad_hash_length);
	tcase_add_test(tc, rejected_json_escapes);
	tcase_add_test(tc, config_urls);
	tcase_add_test(tc, chain_header_decode);
	tcase_add_test(tc, chain_small_responses);
	tcase_add_test(tc, chain_requests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? 0 : 1;
}
