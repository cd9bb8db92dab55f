/*
 * The connection manager through the real daemon, against real js-libp2p
 * peers: with low water 3 and high water 5, eight js peers connect (one of
 * them a static peer the daemon dials, which speaks no pubsub and so is
 * worth the least; two of them in the daemon's gossipsub mesh of a topic).
 * Nothing is closed while every connection is younger than the grace
 * period; once it is over the count falls to 3, and the three left are the
 * static peer and the two mesh peers.  The trims are counted in the gossip
 * worker's stats and logged.  With p2p_enable_mdns on, the daemon says once
 * that it does not do mDNS and goes on.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define TOPIC	"teranode/bitcoin/1.0.0/regtest-connmgr"
#define NJS	8
#define NMESH	2	/* js[1], js[2] */
#define LOW	3
#define HIGH	5

/* ASan and UBSan slow the daemon down several times. */
static int
scale(void)
{
	return strstr(h_binary(), "asan") != NULL ? 3 : 1;
}

/* The gossip worker's stat name, from the daemon's gossip.rep. */
static int64_t
gossip_stat(struct daemon *d, const char *name)
{
	Tp__StatsReq	 st = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &st;
	ck_assert_ptr_nonnull(rep = h_call(d, "gossip.rep", &req));
	for (size_t i = 0; i < rep->stats_rep->n_stats; i++)
		if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
			v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

static void
join(struct daemon *d, const char *topic)
{
	Tp__PubsubJoinReq	 j = TP__PUBSUB_JOIN_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;

	j.topic = (char *)topic;
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_JOIN_REQ;
	req.pubsub_join_req = &j;
	ck_assert_ptr_nonnull(rep = h_call(d, "gossip.rep", &req));
	ck_assert_int_eq(rep->status, 0);
	ipc_env_free(rep);
}

/* 1 if js lists peer among its connected peers. */
static int
js_has_peer(struct jspeer *js, const char *peer)
{
	const char	*line = jspeer_cmd(js, "peers", NULL, 5000);

	ck_assert_ptr_nonnull(line);
	return strstr(line, peer) != NULL;
}

/* 1 if js printed a disconnect event for peer, waiting up to ms for one
 * (the whole log: events before the last command's answer count too). */
static int
js_saw_disconnect(struct jspeer *js, const char *peer, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms;
	char		want[160];

	snprintf(want, sizeof(want), "{\"event\":\"disconnect\",\"peer\":"
	    "\"%s\"}", peer);
	for (;;) {
		if (js->log != NULL && strstr(js->log, want) != NULL)
			return 1;
		if (util_mono_ms() >= end)
			return 0;
		(void)jspeer_cmd(js, "peers", NULL, 1000);
		usleep(50 * 1000);
	}
}

/* Wait until the daemon's stat reaches want; its last value. */
static int64_t
wait_stat(struct daemon *d, const char *name, int64_t want, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)ms;
	int64_t		v;

	while ((v = gossip_stat(d, name)) != want && util_mono_ms() < end)
		usleep(100 * 1000);
	return v;
}

START_TEST(trims_to_low_water_after_grace_keeping_the_protected)
{
	static const char *const gossip[] = { "--gossip", NULL };
	struct jspeer	 js[NJS];
	struct daemon	 d;
	char		 conf[1024], me[64], sub[300], addr[256];
	const char	*line;
	uint64_t	 grace_ms = 10000 * (uint64_t)scale(), t0, t1;
	int64_t		 open, trimmed;
	int		 i, port = h_free_port();

	/* the static peer speaks no pubsub: the least valuable of all, so
	 * only its protection keeps it */
	jspeer_start(&js[0], NULL);
	for (i = 1; i < NJS; i++)
		jspeer_start(&js[i], gossip);
	snprintf(conf, sizeof(conf),
	    "network = regtest\np2p_dht_mode = off\np2p_port = %d\n"
	    "p2p_max_per_ip = 32\np2p_conn_low_water = %d\n"
	    "p2p_conn_high_water = %d\np2p_conn_grace_period = %llums\n"
	    "p2p_static_peers = %s\np2p_enable_mdns = true\n", port, LOW, HIGH,
	    (unsigned long long)grace_ms, js[0].addr);
	h_start(&d, conf);
	h_wait_ready(&d);
	h_peer_id(&d, me, sizeof(me));
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", port, me);
	ck_assert_int_eq(h_count_log(&d, "gossip", "connection manager: trim "
	    "to 3 when over 5 connections"), 1);
	/* mDNS is not supported: said once, and the daemon goes on */
	ck_assert_int_eq(h_count_log(&d, "gossip", "p2p_enable_mdns is set, "
	    "but terap2p does not do mDNS"), 1);
	/* the static peer: the daemon dials it */
	ck_assert_ptr_nonnull(jspeer_wait(&js[0], "\"connect\"", me,
	    10000 * scale()));
	join(&d, TOPIC);
	snprintf(sub, sizeof(sub), "\"topic\":\"%s\"", TOPIC);
	for (i = 1; i <= NMESH; i++)
		ck_assert_ptr_nonnull(jspeer_cmd(&js[i], "subscribe", sub,
		    5000));
	/* every other connection opens after t0 */
	t0 = util_mono_ms();
	for (i = 1; i < NJS; i++) {
		line = jspeer_dial(&js[i], addr);
		ck_assert_msg(line != NULL && strstr(line, "\"ok\":true") !=
		    NULL, "js[%d] cannot dial: %s", i, line ? line : "");
	}
	for (i = 1; i <= NMESH; i++)
		ck_assert_int_eq(jspeer_wait_mesh(&js[i], TOPIC, me,
		    (int)grace_ms / 2), 0);
	/* eight open and none closed while all are younger than grace */
	open = gossip_stat(&d, "connections");
	trimmed = gossip_stat(&d, "connmgr_trimmed");
	t1 = util_mono_ms();
	ck_assert_msg(t1 - t0 < grace_ms, "the machine is too slow to look "
	    "inside the grace period (%llu ms)", (unsigned long long)(t1 - t0));
	ck_assert_int_eq(trimmed, 0);
	ck_assert_int_eq(open, NJS);
	/* then down to low water */
	ck_assert_int_eq(wait_stat(&d, "connections", LOW, (int)grace_ms +
	    30000 * scale()), LOW);
	ck_assert_int_eq(gossip_stat(&d, "connmgr_trimmed"), NJS - LOW);
	ck_assert_int_ge(gossip_stat(&d, "connmgr_trims"), 1);
	ck_assert_int_ge(h_count_log(&d, "gossip", "connection manager closed"),
	    1);
	/* the static peer and the mesh peers stay, the rest went */
	for (i = 0; i < NJS; i++)
		ck_assert_msg(js_has_peer(&js[i], me) == (i <= NMESH),
		    "js[%d] %s", i, i <= NMESH ? "was trimmed" : "is still "
		    "connected");
	for (i = 0; i < NJS; i++)
		ck_assert_msg(js_saw_disconnect(&js[i], me, i <= NMESH ? 0 :
		    5000) == (i > NMESH), "js[%d]", i);
	for (i = 0; i < NJS; i++)
		jspeer_stop(&js[i]);
	h_stop(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("connmgr");
	TCase	*tc = tcase_create("trim");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, trims_to_low_water_after_grace_keeping_the_protected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
