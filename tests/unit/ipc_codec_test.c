/*
 * Unit tests of common/ipc_codec.c: envelopes survive a round trip, PUB
 * tags are the body kind, and oversized, truncated, garbage and body-less
 * input is rejected with an error, never a crash.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

static nng_msg *
encode_ok(const ipc_env *env, int tag)
{
	nng_msg	*msg;
	char	 err[160];

	ck_assert_msg(ipc_encode(env, tag, &msg, err, sizeof(err)) == 0, "%s",
	    err);
	return msg;
}

START_TEST(round_trip_ban_request)
{
	Tp__BanAddrReq	 b = TP__BAN_ADDR_REQ__INIT;
	ipc_env		 env = TP__ENVELOPE__INIT, *out;
	nng_msg		*msg;
	char		 err[160];

	b.addr = "10.0.0.0/8";
	b.until_unix = 1900000000;
	b.reason = "spam";
	env.id = 77;
	env.sender = "api";
	env.body_case = TP__ENVELOPE__BODY_BAN_ADDR_REQ;
	env.ban_addr_req = &b;
	msg = encode_ok(&env, 0);
	ck_assert_int_eq(ipc_decode(nng_msg_body(msg), nng_msg_len(msg), &out,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(out->id, 77);
	ck_assert_str_eq(out->sender, "api");
	ck_assert_int_eq(out->body_case, TP__ENVELOPE__BODY_BAN_ADDR_REQ);
	ck_assert_str_eq(out->ban_addr_req->addr, "10.0.0.0/8");
	ck_assert_int_eq(out->ban_addr_req->until_unix, 1900000000);
	ck_assert_str_eq(out->ban_addr_req->reason, "spam");
	ipc_env_free(out);
	nng_msg_free(msg);
}
END_TEST

START_TEST(round_trip_reply_with_status_and_repeated)
{
	Tp__Stat	 s1 = TP__STAT__INIT, s2 = TP__STAT__INIT, *v[2];
	Tp__StatsRep	 st = TP__STATS_REP__INIT;
	ipc_env		 env = TP__ENVELOPE__INIT, *out;
	nng_msg		*msg;
	char		 err[160];

	s1.name = "uptime_ms";
	s1.value = 1234;
	s2.name = "neg";
	s2.value = -5;
	v[0] = &s1;
	v[1] = &s2;
	st.role = "bans";
	st.stats = v;
	st.n_stats = 2;
	env.status = TP__IPC_STATUS__IPC_ERR_UNAVAILABLE;
	env.error = "ban store unavailable";
	env.body_case = TP__ENVELOPE__BODY_STATS_REP;
	env.stats_rep = &st;
	msg = encode_ok(&env, 0);
	ck_assert_int_eq(ipc_decode(nng_msg_body(msg), nng_msg_len(msg), &out,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(out->status, TP__IPC_STATUS__IPC_ERR_UNAVAILABLE);
	ck_assert_str_eq(out->error, "ban store unavailable");
	ck_assert_uint_eq(out->stats_rep->n_stats, 2);
	ck_assert_int_eq(out->stats_rep->stats[1]->value, -5);
	ipc_env_free(out);
	nng_msg_free(msg);
}
END_TEST

START_TEST(pub_tag_is_the_body_kind)
{
	Tp__BanEvent	 ev = TP__BAN_EVENT__INIT;
	ipc_env		 env = TP__ENVELOPE__INIT, *out;
	uint8_t		 tag[IPC_TAG_LEN];
	nng_msg		*msg;
	char		 err[160];

	ev.peer_id = "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB";
	env.body_case = TP__ENVELOPE__BODY_BANNED;
	env.banned = &ev;
	msg = encode_ok(&env, 1);
	ipc_tag(TP__ENVELOPE__BODY_BANNED, tag);
	ck_assert_mem_eq(nng_msg_body(msg), tag, IPC_TAG_LEN);
	ipc_tag(TP__ENVELOPE__BODY_UNBANNED, tag);
	ck_assert(memcmp(nng_msg_body(msg), tag, IPC_TAG_LEN) != 0);
	ck_assert_int_eq(ipc_decode((uint8_t *)nng_msg_body(msg) + IPC_TAG_LEN,
	    nng_msg_len(msg) - IPC_TAG_LEN, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out->banned->peer_id, ev.peer_id);
	ck_assert_str_eq(ipc_body_name(out->body_case), "banned");
	ipc_env_free(out);
	nng_msg_free(msg);
}
END_TEST

START_TEST(oversized_rejected_both_ways)
{
	Tp__BanAddrReq	 b = TP__BAN_ADDR_REQ__INIT;
	ipc_env		 env = TP__ENVELOPE__INIT, *out = NULL;
	nng_msg		*msg = NULL;
	char		*big, err[160];

	big = malloc(IPC_MAX_MSG + 1);
	memset(big, 'x', IPC_MAX_MSG);
	big[IPC_MAX_MSG] = '\0';
	b.addr = big;
	env.body_case = TP__ENVELOPE__BODY_BAN_ADDR_REQ;
	env.ban_addr_req = &b;
	ck_assert_int_eq(ipc_encode(&env, 0, &msg, err, sizeof(err)), -1);
	ck_assert_ptr_null(msg);
	ck_assert_ptr_nonnull(strstr(err, "exceeds"));
	ck_assert_int_eq(ipc_decode(big, IPC_MAX_MSG + 1, &out, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err, "exceeds"));
	free(big);
}
END_TEST

START_TEST(truncated_never_crashes)
{
	Tp__AddBanScoreReq	 a = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env			 env = TP__ENVELOPE__INIT, *out;
	char			*addrs[2] = { "1.2.3.4", "::1" }, err[160];
	nng_msg			*msg;
	size_t			 len, cut, rejected = 0;

	a.peer_id = "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB";
	a.reason = "spam";
	a.addrs = addrs;
	a.n_addrs = 2;
	env.id = 9;
	env.body_case = TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ;
	env.add_ban_score_req = &a;
	msg = encode_ok(&env, 0);
	len = nng_msg_len(msg);
	for (cut = 0; cut < len; cut++) {
		if (ipc_decode(nng_msg_body(msg), cut, &out, err,
		    sizeof(err)) == -1) {
			rejected++;
			ck_assert(err[0] != '\0');
			continue;
		}
		/* a prefix that parses is a different, smaller message */
		ck_assert(out->body_case != TP__ENVELOPE__BODY__NOT_SET);
		ipc_env_free(out);
	}
	/* every cut inside the body fields is an error */
	ck_assert_uint_ge(rejected, len - 4);
	nng_msg_free(msg);
}
END_TEST

START_TEST(garbage_and_empty_rejected)
{
	static const uint8_t	junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	static const uint8_t	only_id[] = { 0x08, 0x05 };
	ipc_env			*out, env = TP__ENVELOPE__INIT;
	nng_msg			*msg;
	char			 err[160];

	ck_assert_int_eq(ipc_decode(junk, sizeof(junk), &out, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(ipc_decode(only_id, sizeof(only_id), &out, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "without a body"));
	ck_assert_int_eq(ipc_decode("", 0, &out, err, sizeof(err)), -1);
	ck_assert_int_eq(ipc_encode(&env, 0, &msg, err, sizeof(err)), -1);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ipc_codec");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, round_trip_ban_request);
	tcase_add_test(tc, round_trip_reply_with_status_and_repeated);
	tcase_add_test(tc, pub_tag_is_the_body_kind);
	tcase_add_test(tc, oversized_rejected_both_ways);
	tcase_add_test(tc, truncated_never_crashes);
	tcase_add_test(tc, garbage_and_empty_rejected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
