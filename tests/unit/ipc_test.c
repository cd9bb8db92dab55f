/*
 * Unit tests of common/ipc.c on a real libevent loop and real nng sockets
 * in a private run_dir: request/reply, replies out of order (several nng
 * contexts), error replies, call time-outs, PUB/SUB filtered by body kind,
 * and garbage from a foreign socket counted and dropped.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "ipc.h"
#include "util.h"

static char			 run_dir[64];
static struct event_base	*base;
static struct ipc		*srv_hub, *cli_hub;

static void
setup(void)
{
	snprintf(run_dir, sizeof(run_dir), "/tmp/tp-ipc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(run_dir));
	base = event_base_new();
	srv_hub = ipc_new(base, run_dir, "server");
	cli_hub = ipc_new(base, run_dir, "client");
}

static void
teardown(void)
{
	char	cmd[128];

	ipc_free(cli_hub);
	ipc_free(srv_hub);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", run_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Run the loop until *flag reaches want or ms pass; returns 0 on success. */
static int
run_until(const int *flag, int want, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms;
	struct timeval	tv = { 0, 10000 };

	while (*flag < want && util_mono_ms() < end) {
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return *flag >= want ? 0 : -1;
}

/* ---- server side ---- */

static struct ipc_req	*held[8];
static char		 held_addr[8][32];
static int		 nheld, hold_mode;

static void
echo_reply(struct ipc_req *req, const char *addr)
{
	Tp__IsBannedRep	r = TP__IS_BANNED_REP__INIT;
	ipc_env		rep = TP__ENVELOPE__INIT;

	r.banned = 1;
	r.matched = (char *)addr;
	rep.body_case = TP__ENVELOPE__BODY_IS_BANNED_REP;
	rep.is_banned_rep = &r;
	ipc_reply(req, &rep);
}

static void
serve_cb(void *arg, struct ipc_req *req, const ipc_env *msg)
{
	(void)arg;
	if (msg->body_case != TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED,
		    "no %s here", ipc_body_name(msg->body_case));
		return;
	}
	ck_assert_str_eq(msg->sender, "client");
	if (!hold_mode) {
		echo_reply(req, msg->is_banned_addr_req->addr);
		return;
	}
	snprintf(held_addr[nheld], sizeof(held_addr[0]), "%s",
	    msg->is_banned_addr_req->addr);
	held[nheld++] = req;
	if (nheld == 5)		/* answer newest first */
		while (nheld > 0) {
			nheld--;
			echo_reply(held[nheld], held_addr[nheld]);
		}
}

/* ---- client side ---- */

struct answer {
	int	done;
	int	err;
	int	status;
	char	text[64];
};

static void
reply_cb(void *arg, int err, const ipc_env *rep)
{
	struct answer	*a = arg;

	a->done = 1;
	a->err = err;
	if (err)
		return;
	a->status = rep->status;
	if (rep->body_case == TP__ENVELOPE__BODY_IS_BANNED_REP)
		snprintf(a->text, sizeof(a->text), "%s",
		    rep->is_banned_rep->matched);
	else
		snprintf(a->text, sizeof(a->text), "%s", rep->error);
}

static int
call(struct ipc_client *cl, const char *addr, int timeout, struct answer *a)
{
	Tp__IsBannedAddrReq	r = TP__IS_BANNED_ADDR_REQ__INIT;
	ipc_env			env = TP__ENVELOPE__INIT;

	r.addr = (char *)addr;
	env.body_case = TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ;
	env.is_banned_addr_req = &r;
	return ipc_call(cl, &env, timeout, reply_cb, a);
}

START_TEST(request_reply)
{
	struct ipc_client	*cl;
	struct answer		 a = { 0 };

	hold_mode = 0;
	ck_assert_int_eq(ipc_serve(srv_hub, "t.rep", serve_cb, NULL), 0);
	cl = ipc_client_open(cli_hub, "t.rep");
	ck_assert_ptr_nonnull(cl);
	ck_assert_int_eq(call(cl, "1.2.3.4", 2000, &a), 0);
	ck_assert_int_eq(run_until(&a.done, 1, 3000), 0);
	ck_assert_int_eq(a.err, 0);
	ck_assert_int_eq(a.status, 0);
	ck_assert_str_eq(a.text, "1.2.3.4");
	ck_assert_uint_eq(ipc_counters(srv_hub)->requests, 1);
	ck_assert_uint_eq(ipc_counters(cli_hub)->calls, 1);
}
END_TEST

static int	ndone;

static void
count_cb(void *arg, int err, const ipc_env *rep)
{
	reply_cb(arg, err, rep);
	ndone++;
}

START_TEST(replies_out_of_order)
{
	Tp__IsBannedAddrReq	 r = TP__IS_BANNED_ADDR_REQ__INIT;
	ipc_env			 env = TP__ENVELOPE__INIT;
	struct ipc_client	*cl;
	struct answer		 a[5];
	char			 addr[5][24];
	int			 i;

	hold_mode = 1;
	nheld = ndone = 0;
	memset(a, 0, sizeof(a));
	ck_assert_int_eq(ipc_serve(srv_hub, "t.rep", serve_cb, NULL), 0);
	cl = ipc_client_open(cli_hub, "t.rep");
	env.body_case = TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ;
	env.is_banned_addr_req = &r;
	for (i = 0; i < 5; i++) {
		snprintf(addr[i], sizeof(addr[i]), "10.0.0.%d", i);
		r.addr = addr[i];
		ck_assert_int_eq(ipc_call(cl, &env, 3000, count_cb, &a[i]), 0);
	}
	ck_assert_int_eq(run_until(&ndone, 5, 4000), 0);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(a[i].err, 0);
		ck_assert_str_eq(a[i].text, addr[i]);
	}
}
END_TEST

START_TEST(error_reply)
{
	Tp__HealthReq		 h = TP__HEALTH_REQ__INIT;
	ipc_env			 env = TP__ENVELOPE__INIT;
	struct ipc_client	*cl;
	struct answer		 a = { 0 };

	hold_mode = 0;
	ck_assert_int_eq(ipc_serve(srv_hub, "t.rep", serve_cb, NULL), 0);
	cl = ipc_client_open(cli_hub, "t.rep");
	env.body_case = TP__ENVELOPE__BODY_HEALTH_REQ;
	env.health_req = &h;
	ck_assert_int_eq(ipc_call(cl, &env, 2000, reply_cb, &a), 0);
	ck_assert_int_eq(run_until(&a.done, 1, 3000), 0);
	ck_assert_int_eq(a.err, 0);
	ck_assert_int_eq(a.status, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED);
	ck_assert_str_eq(a.text, "no health_req here");
}
END_TEST

START_TEST(call_times_out_without_server)
{
	struct ipc_client	*cl = ipc_client_open(cli_hub, "nobody.rep");
	struct answer		 a = { 0 };
	uint64_t		 t0 = util_mono_ms();

	ck_assert_int_eq(call(cl, "1.1.1.1", 200, &a), 0);
	ck_assert_int_eq(run_until(&a.done, 1, 3000), 0);
	ck_assert_int_eq(a.err, -1);
	ck_assert_uint_ge(util_mono_ms() - t0, 150);
	ck_assert_uint_eq(ipc_counters(cli_hub)->call_errors, 1);
}
END_TEST

static int	nbanned, nunbanned;

static void
event_cb(void *arg, const ipc_env *ev)
{
	(void)arg;
	if (ev->body_case == TP__ENVELOPE__BODY_BANNED) {
		ck_assert_str_eq(ev->banned->addr, "10.0.0.0/8");
		ck_assert_str_eq(ev->sender, "server");
		nbanned++;
	} else
		nunbanned++;
}

START_TEST(pub_sub_filters_by_kind)
{
	Tp__BanEvent	 b = TP__BAN_EVENT__INIT;
	ipc_env		 ban = TP__ENVELOPE__INIT, unban = TP__ENVELOPE__INIT;
	struct ipc_pub	*pub = ipc_pub_open(srv_hub, "t.pub");
	struct ipc_sub	*sub = ipc_sub_open(cli_hub, "t.pub", event_cb, NULL);
	int		 i;

	ck_assert_ptr_nonnull(pub);
	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(ipc_subscribe(sub, TP__ENVELOPE__BODY_BANNED), 0);
	b.addr = "10.0.0.0/8";
	ban.body_case = TP__ENVELOPE__BODY_BANNED;
	ban.banned = &b;
	unban.body_case = TP__ENVELOPE__BODY_UNBANNED;
	unban.unbanned = &b;
	nbanned = nunbanned = 0;
	/* PUB drops until the SUB has connected: publish until one arrives */
	for (i = 0; i < 100 && nbanned == 0; i++) {
		ck_assert_int_eq(ipc_publish(pub, &unban), 0);
		ck_assert_int_eq(ipc_publish(pub, &ban), 0);
		run_until(&nbanned, 1, 20);
	}
	ck_assert_int_ge(nbanned, 1);
	ck_assert_int_eq(nunbanned, 0);
	ck_assert_uint_ge(ipc_counters(cli_hub)->events_in, 1);
}
END_TEST

static int	nmsg;

static void
msg_cb(void *arg, const ipc_env *ev)
{
	(void)arg;
	if (ev->body_case == TP__ENVELOPE__BODY_PUBSUB_MESSAGE)
		nmsg++;
}

/* A frequent kind goes out on its own socket: only its subscribers get it. */
START_TEST(frequent_kinds_on_their_own_socket)
{
	Tp__PubsubMessage pm = TP__PUBSUB_MESSAGE__INIT;
	Tp__BanEvent	 b = TP__BAN_EVENT__INIT;
	ipc_env		 msg = TP__ENVELOPE__INIT, ban = TP__ENVELOPE__INIT, *e;
	struct ipc_pub	*pub = ipc_pub_open(srv_hub, "c.pub");
	struct ipc_sub	*sub = ipc_sub_open(cli_hub, "c.pub", msg_cb, NULL);
	nng_socket	 raw;
	nng_msg		*m;
	char		 url[256], err[128];
	int		 i, nban = 0, nother = 0, zero = 0;

	ck_assert_ptr_nonnull(pub);
	ck_assert_ptr_nonnull(sub);
	ck_assert_int_eq(ipc_subscribe(sub, TP__ENVELOPE__BODY_PUBSUB_MESSAGE),
	    0);
	/* a raw subscriber of everything on the main socket */
	ipc_url(run_dir, "c.pub", url, sizeof(url));
	ck_assert_int_eq(nng_sub0_open(&raw), 0);
	ck_assert_int_eq(nng_socket_set(raw, NNG_OPT_SUB_SUBSCRIBE, "", 0), 0);
	ck_assert_int_eq(nng_dial(raw, url, NULL, NNG_FLAG_NONBLOCK), 0);
	pm.topic = "t";
	msg.body_case = TP__ENVELOPE__BODY_PUBSUB_MESSAGE;
	msg.pubsub_message = &pm;
	b.addr = "10.0.0.0/8";
	ban.body_case = TP__ENVELOPE__BODY_BANNED;
	ban.banned = &b;
	nmsg = 0;
	for (i = 0; i < 100 && (nmsg == 0 || nban == 0); i++) {
		ck_assert_int_eq(ipc_publish(pub, &msg), 0);
		ck_assert_int_eq(ipc_publish(pub, &ban), 0);
		run_until(&zero, 1, 20);
		while (nng_recvmsg(raw, &m, NNG_FLAG_NONBLOCK) == 0) {
			/* events start with their kind's tag */
			ck_assert_int_eq(ipc_decode((uint8_t *)nng_msg_body(m) +
			    IPC_TAG_LEN, nng_msg_len(m) - IPC_TAG_LEN, &e, err,
			    sizeof(err)), 0);
			if (e->body_case == TP__ENVELOPE__BODY_BANNED)
				nban++;
			else
				nother++;
			ipc_env_free(e);
			nng_msg_free(m);
		}
	}
	ck_assert_int_ge(nmsg, 1);
	ck_assert_int_ge(nban, 1);
	ck_assert_int_eq(nother, 0);
	nng_close(raw);
}
END_TEST

START_TEST(garbage_request_dropped)
{
	nng_socket	 s;
	char		 url[128];
	static const uint8_t junk[] = { 0xde, 0xad, 0xbe, 0xef, 0xff };
	nng_msg		*msg;
	int		 zero = 0, i;
	struct answer	 a = { 0 };

	hold_mode = 0;
	ck_assert_int_eq(ipc_serve(srv_hub, "t.rep", serve_cb, NULL), 0);
	ipc_url(run_dir, "t.rep", url, sizeof(url));
	ck_assert_int_eq(nng_req0_open(&s), 0);
	ck_assert_int_eq(nng_dial(s, url, NULL, 0), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 300);
	ck_assert_int_eq(nng_send(s, (void *)junk, sizeof(junk), 0), 0);
	for (i = 0; i < 50 && ipc_counters(srv_hub)->decode_errors == 0; i++)
		run_until(&zero, 1, 20);
	ck_assert_uint_eq(ipc_counters(srv_hub)->decode_errors, 1);
	ck_assert_int_ne(nng_recvmsg(s, &msg, 0), 0);	/* no reply to junk */
	nng_close(s);
	/* and the server still answers good requests */
	ck_assert_int_eq(call(ipc_client_open(cli_hub, "t.rep"), "::1", 2000,
	    &a), 0);
	ck_assert_int_eq(run_until(&a.done, 1, 3000), 0);
	ck_assert_str_eq(a.text, "::1");
}
END_TEST

START_TEST(long_run_dir_refused)
{
	char	url[256], longdir[200];

	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[sizeof(longdir) - 1] = '\0';
	ck_assert_int_eq(ipc_url(longdir, "bans.rep", url, sizeof(url)), -1);
	ck_assert_int_eq(ipc_url("/run/x", "bans.rep", url, sizeof(url)), 0);
	ck_assert_str_eq(url, "ipc:///run/x/bans.rep");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ipc");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, request_reply);
	tcase_add_test(tc, replies_out_of_order);
	tcase_add_test(tc, error_reply);
	tcase_add_test(tc, call_times_out_without_server);
	tcase_add_test(tc, pub_sub_filters_by_kind);
	tcase_add_test(tc, frequent_kinds_on_their_own_socket);
	tcase_add_test(tc, garbage_request_dropped);
	tcase_add_test(tc, long_run_dir_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
