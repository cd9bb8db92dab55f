/*
 * Peer discovery end to end, against real js-libp2p nodes running
 * @libp2p/kad-dht 15 (tests/interop/peer.mjs --dht) and a misbehaving
 * Kademlia peer (tests/interop/kad_abuse.mjs, js-libp2p speaking raw
 * /ipfs/kad/1.0.0).  Three terap2p daemons and two js nodes, with no
 * static peers and only one js node as bootstrap, converge to one gossip
 * mesh through topic rendezvous: every node sees a message published by
 * every other.  Bad Kademlia input through the real daemon (malformed and
 * oversized messages, closer-peer lists of thousands of entries, a
 * provider flood from one peer, a lookup target that never answers) keeps
 * the gossip worker's memory bounded, scores the sender, and leaves the
 * daemon answering FIND_NODE.  Everything on 127.0.0.1.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define TOPIC	"teranode/bitcoin/1.0.0/regtest-converge"
#define NTP	3	/* terap2p daemons */
#define NJS	2	/* js nodes; js[0] is the bootstrap */

/*
 * What the gossip worker may grow by under the bad input (it grows by
 * ~1.5 MiB); AddressSanitizer's quarantine keeps up to 256 MiB of freed
 * memory resident on top.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_KIB	((256 + 32) * 1024)
#else
#define RSS_GROWTH_KIB	(32 * 1024)
#endif

static const char *const	dht_gossip_args[] = { "--dht", "server",
    "--gossip", NULL };

struct node {
	struct daemon	d;
	char		peer_id[64], addr[160];
	int		port;
	nng_socket	sub;		/* gossip.pub.msg: PubsubMessage */
	char		authors[NTP + NJS][64];	/* authors seen */
	int		nauthors;
};

/* Deadlines grow with the sanitizer build's Check timeouts. */
static int
scaled(int ms)
{
	const char	*m = getenv("CK_TIMEOUT_MULTIPLIER");

	return m != NULL && atoi(m) > 1 ? ms * atoi(m) : ms;
}

static void
node_start(struct node *n, const char *more)
{
	char	extra[1024];

	memset(n, 0, sizeof(*n));
	n->port = h_free_port();
	snprintf(extra, sizeof(extra), "p2p_port = %d\np2p_dht_mode = server\n"
	    "p2p_allow_private_ips = true\n%s", n->port, more);
	h_start(&n->d, extra);
}

/* After h_wait_ready: peer ID, address and the message subscription. */
static void
node_ready(struct node *n)
{
	char	url[256];
	uint8_t	tag[IPC_TAG_LEN];

	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s",
	    n->port, n->peer_id);
	ck_assert_int_eq(nng_sub0_open(&n->sub), 0);
	ipc_tag(TP__ENVELOPE__BODY_PUBSUB_MESSAGE, tag);
	ck_assert_int_eq(nng_socket_set(n->sub, NNG_OPT_SUB_SUBSCRIBE, tag,
	    sizeof(tag)), 0);
	nng_socket_set_ms(n->sub, NNG_OPT_RECVTIMEO, 20);
	nng_socket_set_int(n->sub, NNG_OPT_RECVBUF, IPC_EVENT_QUEUE);
	ipc_url(n->d.run_dir, "gossip.pub.msg", url, sizeof(url));
	ck_assert_int_eq(nng_dial(n->sub, url, NULL, 0), 0);
}

static void
node_publish(struct node *n, const char *data)
{
	Tp__PubsubPublishReq	p = TP__PUBSUB_PUBLISH_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	p.topic = (char *)TOPIC;
	p.data.data = (uint8_t *)data;
	p.data.len = strlen(data);
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_PUBLISH_REQ;
	req.pubsub_publish_req = &p;
	ck_assert_int_eq(h_gossip_status(&n->d, &req), 0);
}

/* Take in the PubsubMessage events waiting; remember their authors. */
static void
node_drain(struct node *n)
{
	nng_msg	*msg;
	ipc_env	*ev;
	char	 err[128];
	int	 i, known;

	while (nng_recvmsg(n->sub, &msg, 0) == 0) {
		ck_assert_int_eq(ipc_decode((uint8_t *)nng_msg_body(msg) +
		    IPC_TAG_LEN, nng_msg_len(msg) - IPC_TAG_LEN, &ev, err,
		    sizeof(err)), 0);
		nng_msg_free(msg);
		for (i = 0, known = 0; i < n->nauthors && !known; i++)
			known = strcmp(n->authors[i], ev->pubsub_message->author)
			    == 0;
		if (!known && n->nauthors < NTP + NJS)
			snprintf(n->authors[n->nauthors++], 64, "%s",
			    ev->pubsub_message->author);
		ipc_env_free(ev);
	}
}

static int
node_saw(const struct node *n, const char *peer)
{
	int	i;

	for (i = 0; i < n->nauthors; i++)
		if (strcmp(n->authors[i], peer) == 0)
			return 1;
	return 0;
}

static void
node_stop(struct node *n)
{
	nng_close(n->sub);
	h_stop(&n->d);
}

/* The authors js has received messages from (its "received" answer). */
static const char *
js_authors(struct jspeer *js)
{
	const char	*r;

	r = jspeer_cmd(js, "received", "\"topic\":\"" TOPIC "\"", 5000);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* js provides TOPIC once its routing table has a peer (retried). */
static void
js_provide(struct jspeer *js)
{
	const char	*r = NULL;
	int		 i;

	for (i = 0; i < 50; i++) {
		r = jspeer_cmd(js, "provide", "\"topic\":\"" TOPIC "\"", 15000);
		if (r != NULL && strstr(r, "\"ok\":true") != NULL)
			return;
		usleep(200000);
	}
	ck_abort_msg("js could not provide: %s", r ? r : "(no answer)");
}

/* 1 when every node has seen a message from every other. */
static int
converged(struct node *tp, struct jspeer *js, int verbose)
{
	const char	*ids[NTP + NJS], *r;
	int		 i, j, ok = 1;

	for (i = 0; i < NTP; i++)
		ids[i] = tp[i].peer_id;
	for (i = 0; i < NJS; i++)
		ids[NTP + i] = js[i].peer_id;
	for (i = 0; i < NTP; i++) {
		node_drain(&tp[i]);
		for (j = 0; j < NTP + NJS; j++)
			if (j != i && !node_saw(&tp[i], ids[j])) {
				if (verbose)
					fprintf(stderr, "terap2p %d never saw "
					    "%s\n", i, ids[j]);
				ok = 0;
			}
	}
	for (i = 0; i < NJS; i++) {
		r = js_authors(&js[i]);
		for (j = 0; j < NTP + NJS; j++)
			if (j != NTP + i && strstr(r, ids[j]) == NULL) {
				if (verbose)
					fprintf(stderr, "js %d never saw %s\n",
					    i, ids[j]);
				ok = 0;
			}
	}
	return ok;
}

/*
 * js[0] is the bootstrap of everyone (the terap2p daemons know nothing
 * else); js[1] knows only js[0] and provides TOPIC; each terap2p daemon
 * joins TOPIC, provides it and dials the providers it finds.  Every node
 * publishes one message a round until each has seen one from each other.
 */
START_TEST(five_nodes_converge)
{
	static struct jspeer	js[NJS];
	static struct node	tp[NTP];
	char			more[512], data[160];
	uint64_t		t0, end;
	int			i, round, found;

	for (i = 0; i < NJS; i++) {
		jspeer_start(&js[i], dht_gossip_args);
		ck_assert_ptr_nonnull(jspeer_cmd(&js[i], "subscribe",
		    "\"topic\":\"" TOPIC "\"", 5000));
	}
	ck_assert_ptr_nonnull(strstr(jspeer_dial(&js[1], js[0].addr),
	    "\"ok\":true"));
	js_provide(&js[1]);
	t0 = util_mono_ms();
	snprintf(more, sizeof(more), "p2p_bootstrap_peers = %s\n", js[0].addr);
	for (i = 0; i < NTP; i++)
		node_start(&tp[i], more);
	for (i = 0; i < NTP; i++) {
		node_ready(&tp[i]);
		h_gossip_join(&tp[i].d, TOPIC);
	}
	end = util_mono_ms() + (uint64_t)scaled(60000);
	for (round = 0; !converged(tp, js, 0) && util_mono_ms() < end;
	    round++) {
		for (i = 0; i < NTP; i++) {
			snprintf(data, sizeof(data), "tp%d-round%d", i, round);
			node_publish(&tp[i], data);
		}
		for (i = 0; i < NJS; i++) {
			snprintf(data, sizeof(data), "\"topic\":\"" TOPIC "\","
			    "\"prefix\":\"js%d-round%d\",\"n\":1", i, round);
			ck_assert_ptr_nonnull(jspeer_cmd(&js[i], "publish",
			    data, 10000));
		}
		usleep(1000 * 1000);
	}
	if (!converged(tp, js, 1)) {
		for (i = 0; i < NTP; i++)
			fprintf(stderr, "== terap2p %d (%s)\n%s\n", i,
			    tp[i].peer_id, h_log_tail(&tp[i].d));
		ck_abort_msg("no single gossip mesh after %d rounds", round);
	}
	fprintf(stderr, "discovery: 3 terap2p + 2 js converged in %.1f s "
	    "(%d publish rounds)\n", (double)(util_mono_ms() - t0) / 1e3,
	    round);
	/* they found each other as providers (a node may only be dialed) */
	for (i = 0, found = 0; i < NTP; i++) {
		(void)h_wait_log(&tp[i].d, "gossip", "(read what is logged)", 100);
		found += h_count_log(&tp[i].d, "gossip", "kad: provider ");
	}
	ck_assert_int_ge(found, 1);
	for (i = 0; i < NTP; i++)
		node_stop(&tp[i]);
	for (i = 0; i < NJS; i++)
		jspeer_stop(&js[i]);
}
END_TEST

/* ---- bad Kademlia input ---- */

/*
 * A kad_abuse.mjs peer (args after the script), dialed to n; must_stay: the
 * connection must outlive the dial (the daemon may drop `huge` at once).
 */
static void
abuser_start(struct jspeer *a, const char *const *args, struct node *n,
    int must_stay)
{
	const char	*r;

	int		 i;

	jspeer_start_script(a, "tests/interop/kad_abuse.mjs", args);
	for (i = 0; i < 3; i++) {	/* a loaded machine drops a dial */
		r = jspeer_dial(a, n->addr);
		if (!must_stay || (r != NULL && strstr(r, "\"ok\":true")))
			break;
		fprintf(stderr, "discovery: dial again after %s\n",
		    r != NULL ? r : "(no answer)");
	}
	ck_assert_msg(!must_stay || (r != NULL && strstr(r, "\"ok\":true")),
	    "dial: %s\n%s", r != NULL ? r : "(no answer)", h_log_tail(&n->d));
}

/* The number after key in a's answer to cmd, -1 without one. */
static int
abuser_num(struct jspeer *a, const char *cmd, const char *extra,
    const char *key)
{
	const char	*r = jspeer_cmd(a, cmd, extra, 20000), *p;

	if (r == NULL || (p = strstr(r, key)) == NULL)
		return -1;
	return atoi(p + strlen(key));
}

/* Wait until the number after key in a's stats is at least (or at most) v. */
static int
abuser_wait(struct jspeer *a, const char *key, int v, int at_most, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)scaled(ms);
	int		got;

	do {
		got = abuser_num(a, "stats", NULL, key);
		if (got >= 0 && (at_most ? got <= v : got >= v))
			return got;
		usleep(200 * 1000);
	} while (util_mono_ms() < end);
	return got;
}

/* The gossip worker's resident memory in KiB. */
static long
worker_rss_kib(struct daemon *d)
{
	char	path[64], line[256];
	FILE	*f;
	long	kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status",
	    (int)h_worker_pid(d, "gossip"));
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int
ban_score(struct daemon *d, const char *peer)
{
	Tp__GetBanScoreReq	 q = TP__GET_BAN_SCORE_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	int			 score = -1;

	q.peer_id = (char *)peer;
	req.body_case = TP__ENVELOPE__BODY_GET_BAN_SCORE_REQ;
	req.get_ban_score_req = &q;
	if ((rep = h_call(d, "bans.rep", &req)) == NULL)
		return -1;
	if (rep->status == 0 &&
	    rep->body_case == TP__ENVELOPE__BODY_BAN_SCORE_REP)
		score = rep->ban_score_rep->score;
	else if (rep->status == TP__IPC_STATUS__IPC_ERR_NOT_FOUND)
		score = 0;
	ipc_env_free(rep);
	return score;
}

/* The ban manager hears of violations a moment later. */
static int
ban_score_wait(struct daemon *d, const char *peer, int want)
{
	uint64_t	end = util_mono_ms() + (uint64_t)scaled(5000);
	int		got;

	while ((got = ban_score(d, peer)) < want && util_mono_ms() < end)
		usleep(100 * 1000);
	return got;
}

/* raw bytes (hex) on a fresh kad stream: 1 if the daemon reset it. */
static int
raw_refused(struct jspeer *a, const struct node *n, const char *hex)
{
	char		 extra[512];
	const char	*r;

	snprintf(extra, sizeof(extra), "\"addr\":\"%s\",\"hex\":\"%s\"",
	    n->addr, hex);
	r = jspeer_cmd(a, "raw", extra, 20000);
	return r != NULL && strstr(r, "\"reset\":true") != NULL;
}

/*
 * One daemon against four misbehaving DHT servers: `huge` answers every
 * request with 3,000 closer peers (over the codec's 1,000 entries),
 * `many` with 900 (decoded, 20 kept), `silent` never answers; `raw`
 * sends malformed and oversized messages, `flood` 3,000 provider records.
 */
START_TEST(bad_kademlia_input)
{
	static const char *const huge_args[] = { "--serve", "huge", "3000",
	    NULL };
	static const char *const many_args[] = { "--serve", "huge", "900",
	    NULL };
	static const char *const silent_args[] = { "--serve", "silent", NULL };
	static struct jspeer	 huge, many, silent, raw, flood;
	static struct node	 n;
	char			 extra[512];
	long			 rss0, rss1;
	int			 got;

	node_start(&n, "");
	node_ready(&n);
	rss0 = worker_rss_kib(&n.d);
	abuser_start(&many, many_args, &n, 1);
	abuser_start(&silent, silent_args, &n, 1);
	abuser_start(&raw, NULL, &n, 1);
	abuser_start(&flood, NULL, &n, 1);
	/* a rendezvous: FIND_NODE and GET_PROVIDERS lookups through them */
	h_gossip_join(&n.d, TOPIC "-abuse-1");
	ck_assert_int_ge(abuser_wait(&many, "\"requests\":", 1, 0, 15000), 1);
	ck_assert_int_ge(abuser_wait(&silent, "\"opened\":", 1, 0, 15000), 1);
	/* malformed: a varint of 11 bytes, a frame of 300,000 bytes, a body
	 * that is no protobuf, a FIND_NODE whose key has 100 bytes; each is
	 * a violation (20 points: the ban threshold of 100 is not reached,
	 * as a ban takes in the address, 127.0.0.1, of every peer here) */
	ck_assert(raw_refused(&raw, &n, "ffffffffffffffffffff01"));
	ck_assert(raw_refused(&raw, &n, "e0a71200000000"));
	ck_assert(raw_refused(&raw, &n, "03ffffff"));
	ck_assert(raw_refused(&raw, &n, "6808041264"
	    "00000000000000000000000000000000000000000000000000"
	    "00000000000000000000000000000000000000000000000000"
	    "00000000000000000000000000000000000000000000000000"
	    "00000000000000000000000000000000000000000000000000"));
	ck_assert_int_eq(ban_score_wait(&n.d, raw.peer_id, 80), 80);
	/* a provider flood: the store keeps the peer's first 1,000 records,
	 * the next one is a violation and resets the stream (the writes
	 * already under way may still go out) */
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\",\"n\":3000", n.addr);
	got = abuser_num(&flood, "flood", extra, "\"sent\":");
	ck_assert_msg(got >= 1000, "flood: only %d records sent", got);
	ck_assert_int_eq(ban_score_wait(&n.d, flood.peer_id, 20), 20);
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\",\"i\":0", n.addr);
	ck_assert_int_eq(abuser_num(&flood, "getproviders", extra,
	    "\"providers\":"), 1);
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\",\"i\":2999", n.addr);
	ck_assert_int_eq(abuser_num(&flood, "getproviders", extra,
	    "\"providers\":"), 0);
	/* the silent peer's streams are reset once the query time is up */
	got = abuser_wait(&silent, "\"open\":", 0, 1, 25000);
	ck_assert_msg(got == 0, "%d streams to the silent peer still open",
	    got);
	/* lookups go on: a new rendezvous reaches the peers again */
	got = abuser_num(&many, "stats", NULL, "\"requests\":");
	h_gossip_join(&n.d, TOPIC "-abuse-2");
	ck_assert_int_gt(abuser_wait(&many, "\"requests\":", got + 1, 0,
	    15000), got);
	/* and FIND_NODE is still answered, with the servers it knows */
	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", n.addr);
	ck_assert_int_ge(abuser_num(&flood, "findnode", extra, "\"closer\":"),
	    1);
	rss1 = worker_rss_kib(&n.d);
	fprintf(stderr, "discovery: gossip worker RSS %ld KiB before the bad "
	    "input, %ld KiB after\n", rss0, rss1);
	ck_assert_int_lt(rss1 - rss0, RSS_GROWTH_KIB);
	/* last (its ban takes 127.0.0.1 in): every answer of `huge` is a
	 * violation; it may be dropped before its dial returns */
	abuser_start(&huge, huge_args, &n, 0);
	h_gossip_join(&n.d, TOPIC "-abuse-3");
	ck_assert_int_ge(abuser_wait(&huge, "\"requests\":", 1, 0, 15000), 1);
	snprintf(extra, sizeof(extra), "Kademlia answer from %s: ",
	    huge.peer_id);
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", extra, scaled(10000)), 0);
	ck_assert_int_ge(ban_score_wait(&n.d, huge.peer_id, 20), 20);
	jspeer_stop(&huge);
	jspeer_stop(&many);
	jspeer_stop(&silent);
	jspeer_stop(&raw);
	jspeer_stop(&flood);
	node_stop(&n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("integ_discovery");
	TCase	*tc = tcase_create("discovery");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, five_nodes_converge);
	tcase_add_test(tc, bad_kademlia_input);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
