/*
 * Unit tests for api_grpc_codec.c: the method table against the paths
 * Teranode's clients call, request decoding (valid requests, malformed
 * protobuf, bad and missing peer IDs, hashes, oversized strings), the peer
 * ID decoder, Teranode's admin key messages, and the health rules
 * (IsPeerUnhealthy does not fail closed for unknown peers).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/api/api.h"

#define PID	"12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
#define QM	"QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"
#define HASH	"00000000000000000a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"

/* Pack msg into buf; its length. */
static size_t
pack(const ProtobufCMessage *msg, uint8_t *buf)
{
	ck_assert_uint_le(protobuf_c_message_get_packed_size(msg), 8192);
	return protobuf_c_message_pack(msg, buf);
}

START_TEST(test_methods)
{
	static const char *const paths[] = { "GetPeers", "BanPeer",
	    "UnbanPeer", "IsBanned", "ListBanned", "ClearBanned",
	    "AddBanScore", "ConnectPeer", "DisconnectPeer",
	    "RecordCatchupAttempt", "RecordCatchupSuccess",
	    "RecordCatchupFailure", "RecordCatchupMalicious",
	    "UpdateCatchupReputation", "UpdateCatchupError", "ResetReputation",
	    "GetPeersForCatchup", "ReportValidSubtree", "ReportValidBlock",
	    "ReportValidBlockHeaders", "ReportValidatedChainProgress",
	    "IsPeerMalicious", "IsPeerUnhealthy", "GetPeerRegistry",
	    "RecordBytesDownloaded", "GetPeer" };
	char	path[128];
	int	nauth = 0;

	ck_assert_int_eq(API_GRPC_NMETHODS, 26);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(path, sizeof(path), "/p2p_api.PeerService/%s", paths[i]);
		ck_assert_int_eq(api_grpc_codec_find(path, strlen(path)),
		    (int)i);
		nauth += (api_grpc_methods[i].flags & API_GRPC_F_AUTH) != 0;
	}
	ck_assert_int_eq(nauth, 7);	/* Teranode's newest protected set */
	snprintf(path, sizeof(path), "/p2p_api.PeerService/GetPeerCount");
	ck_assert_int_eq(api_grpc_codec_find(path, strlen(path)), -1);
	/* a prefix of a method's path is not that method */
	ck_assert_int_eq(api_grpc_codec_find(path, 20), -1);
}
END_TEST

START_TEST(test_peer_ids)
{
	ck_assert_int_eq(api_grpc_codec_peer_id(PID), 0);
	ck_assert_int_eq(api_grpc_codec_peer_id(QM), 0);	/* sha2-256 */
	ck_assert_int_eq(api_grpc_codec_peer_id(""), -1);
	ck_assert_int_eq(api_grpc_codec_peer_id("garbage"), -1);
	ck_assert_int_eq(api_grpc_codec_peer_id("12D3KooW0OIl"), -1);
	ck_assert_int_eq(api_grpc_codec_peer_id(PID "x"), -1);
	ck_assert_int_eq(api_grpc_codec_peer_id("1111111111"), -1);
}
END_TEST

START_TEST(test_decode)
{
	P2pApi__RecordCatchupSuccessRequest s =
	    P2P_API__RECORD_CATCHUP_SUCCESS_REQUEST__INIT;
	P2pApi__ReportValidBlockRequest b =
	    P2P_API__REPORT_VALID_BLOCK_REQUEST__INIT;
	P2pApi__IsPeerUnhealthyRequest u =
	    P2P_API__IS_PEER_UNHEALTHY_REQUEST__INIT;
	ProtobufCMessage	*out;
	uint8_t			 buf[8192];
	char			 err[256], *big;
	size_t			 n;

	s.peer_id = PID;
	s.duration_ms = 250;
	n = pack(&s.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_CATCHUP_SUCCESS, buf, n,
	    &out, err, sizeof(err)), 0);
	ck_assert_int_eq(((P2pApi__RecordCatchupSuccessRequest *)(void *)out)->
	    duration_ms, 250);
	protobuf_c_message_free_unpacked(out, NULL);
	/* truncated protobuf */
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_CATCHUP_SUCCESS, buf,
	    n - 5, &out, err, sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err, "malformed"));
	/* a peer ID that does not decode, a missing one */
	s.peer_id = "nope";
	n = pack(&s.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_CATCHUP_SUCCESS, buf, n,
	    &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "invalid peer ID"));
	s.peer_id = "";
	n = pack(&s.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_CATCHUP_SUCCESS, buf, n,
	    &out, err, sizeof(err)), -1);
	/* IsPeerUnhealthy takes "" (a defined answer, not an error) */
	u.peer_id = "";
	n = pack(&u.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_IS_UNHEALTHY, buf, n,
	    &out, err, sizeof(err)), 0);
	protobuf_c_message_free_unpacked(out, NULL);
	/* hashes: required, 64 hex digits */
	b.peer_id = PID;
	n = pack(&b.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_VALID_BLOCK, buf, n,
	    &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "block_hash"));
	b.block_hash = "xyz";
	n = pack(&b.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_VALID_BLOCK, buf, n,
	    &out, err, sizeof(err)), -1);
	b.block_hash = HASH;
	n = pack(&b.base, buf);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_VALID_BLOCK, buf, n,
	    &out, err, sizeof(err)), 0);
	protobuf_c_message_free_unpacked(out, NULL);
	/* an oversized string field */
	big = malloc(API_GRPC_STR_MAX + 2);
	memset(big, 'a', API_GRPC_STR_MAX + 1);
	big[API_GRPC_STR_MAX + 1] = '\0';
	{
		P2pApi__UpdateCatchupErrorRequest e =
		    P2P_API__UPDATE_CATCHUP_ERROR_REQUEST__INIT;
		uint8_t	*large = malloc(API_GRPC_STR_MAX + 256);

		e.peer_id = PID;
		e.error_msg = big;
		n = protobuf_c_message_pack(&e.base, large);
		ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_UPDATE_ERROR,
		    large, n, &out, err, sizeof(err)), -1);
		ck_assert_ptr_nonnull(strstr(err, "error_msg"));
		free(large);
	}
	free(big);
	/* empty requests decode; out of range methods do not */
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_GET_PEERS, buf, 0, &out,
	    err, sizeof(err)), 0);
	protobuf_c_message_free_unpacked(out, NULL);
	ck_assert_int_eq(api_grpc_codec_decode(API_GRPC_NMETHODS, buf, 0, &out,
	    err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_auth)
{
	ck_assert_str_eq(api_grpc_codec_auth("k", 0, NULL, 0),
	    "missing metadata");
	ck_assert_str_eq(api_grpc_codec_auth("k", 2, NULL, 0),
	    "missing API key");
	ck_assert_str_eq(api_grpc_codec_auth("key", 2, "kex", 3),
	    "invalid API key");
	ck_assert_str_eq(api_grpc_codec_auth("key", 2, "key2", 4),
	    "invalid API key");
	ck_assert_str_eq(api_grpc_codec_auth("", 2, "", 0), "invalid API key");
	ck_assert_ptr_null(api_grpc_codec_auth("key", 2, "key", 3));
}
END_TEST

START_TEST(test_health_rules)
{
	Tp__RegistryPeer	p = TP__REGISTRY_PEER__INIT;
	const char		*why;

	/* unknown: healthy, not malicious */
	ck_assert_int_eq(api_grpc_codec_unhealthy(NULL, &why), 0);
	ck_assert_int_eq(api_grpc_codec_malicious(NULL, 0, &why), 0);
	ck_assert_int_eq(api_grpc_codec_malicious(NULL, 1, &why), 1);
	p.reputation_score = 50;
	ck_assert_int_eq(api_grpc_codec_unhealthy(&p, &why), 0);
	p.reputation_score = 39;
	ck_assert_int_eq(api_grpc_codec_unhealthy(&p, &why), 1);
	p.reputation_score = 60;
	p.interaction_successes = 5;
	p.interaction_failures = 6;
	ck_assert_int_eq(api_grpc_codec_unhealthy(&p, &why), 1);
	ck_assert_str_eq(why, "low success rate");
	p.reputation_score = 19;
	ck_assert_int_eq(api_grpc_codec_malicious(&p, 0, &why), 1);
	p.reputation_score = 60;
	p.malicious_count = 1;
	ck_assert_int_eq(api_grpc_codec_malicious(&p, 0, &why), 1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_grpc_codec");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_methods);
	tcase_add_test(tc, test_peer_ids);
	tcase_add_test(tc, test_decode);
	tcase_add_test(tc, test_auth);
	tcase_add_test(tc, test_health_rules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
