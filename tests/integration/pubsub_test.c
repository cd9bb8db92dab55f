/*
 * Gossipsub interop: terap2p's router against real js-libp2p gossipsub
 * peers (@chainsafe/libp2p-gossipsub 14) and other terap2p daemons.
 * js publishes N and terap2p receives all N exactly once with verified
 * signatures; terap2p publishes N and js receives all N, signed; a mesh of
 * 3 terap2p and 2 js nodes, not fully connected, carries every message to
 * every node; a peer sending unsigned messages is penalised and dropped.
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

#define TOPIC	"teranode/bitcoin/1.0.0/regtest-test"
#define N	200

struct node {
	struct daemon	d;
	char		peer_id[64];
	char		addr[160];
	nng_socket	sub;		/* gossip.pub.msg: PubsubMessage */
	int		got;		/* messages seen */
	char		**seen;		/* distinct payloads */
	int		nseen;
};

static void
node_start(struct node *n)
{
	char		 extra[64], url[256];
	uint8_t		 tag[IPC_TAG_LEN];
	int		 port = h_free_port();

	memset(n, 0, sizeof(*n));
	snprintf(extra, sizeof(extra), "p2p_port = %d", port);
	h_start(&n->d, extra);
	h_wait_ready(&n->d);
	h_peer_id(&n->d, n->peer_id, sizeof(n->peer_id));
	snprintf(n->addr, sizeof(n->addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", port,
	    n->peer_id);
	ck_assert_int_eq(nng_sub0_open(&n->sub), 0);
	ipc_tag(TP__ENVELOPE__BODY_PUBSUB_MESSAGE, tag);
	ck_assert_int_eq(nng_socket_set(n->sub, NNG_OPT_SUB_SUBSCRIBE, tag,
	    sizeof(tag)), 0);
	nng_socket_set_ms(n->sub, NNG_OPT_RECVTIMEO, 50);
	nng_socket_set_int(n->sub, NNG_OPT_RECVBUF, IPC_EVENT_QUEUE);
	/* PubsubMessage events have a socket of their own */
	ipc_url(n->d.run_dir, "gossip.pub.msg", url, sizeof(url));
	ck_assert_int_eq(nng_dial(n->sub, url, NULL, 0), 0);
}

static void
node_stop(struct node *n)
{
	int	i;

	nng_close(n->sub);
	for (i = 0; i < n->nseen; i++)
		free(n->seen[i]);
	free(n->seen);
	h_stop(&n->d);
}

static void
node_publish(struct node *n, const char *topic, const char *data)
{
	Tp__PubsubPublishReq	p = TP__PUBSUB_PUBLISH_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	p.topic = (char *)topic;
	p.data.data = (uint8_t *)data;
	p.data.len = strlen(data);
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_PUBLISH_REQ;
	req.pubsub_publish_req = &p;
	ck_assert_int_eq(h_gossip_status(&n->d, &req), 0);
}

static void
node_connect(struct node *n, const char *maddr)
{
	Tp__ConnectPeerReq	c = TP__CONNECT_PEER_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	c.multiaddr = (char *)maddr;
	req.body_case = TP__ENVELOPE__BODY_CONNECT_PEER_REQ;
	req.connect_peer_req = &c;
	ck_assert_int_eq(h_gossip_status(&n->d, &req), 0);
}

/* Read PubsubMessage events for up to ms, until want have arrived. */
static void
node_collect(struct node *n, int want, int ms, const char *author)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	nng_msg		*msg;
	ipc_env		*ev;
	char		 err[128], text[256];
	int		 i, dup;

	while (n->got < want && util_mono_ms() < end) {
		if (nng_recvmsg(n->sub, &msg, 0) != 0)
			continue;
		ck_assert_int_eq(ipc_decode((uint8_t *)nng_msg_body(msg) +
		    IPC_TAG_LEN, nng_msg_len(msg) - IPC_TAG_LEN, &ev, err,
		    sizeof(err)), 0);
		nng_msg_free(msg);
		n->got++;
		if (author != NULL)
			ck_assert_str_eq(ev->pubsub_message->author, author);
		snprintf(text, sizeof(text), "%.*s",
		    (int)ev->pubsub_message->data.len,
		    ev->pubsub_message->data.data);
		for (i = 0, dup = 0; i < n->nseen && !dup; i++)
			dup = strcmp(n->seen[i], text) == 0;
		ck_assert_msg(!dup, "%s delivered twice", text);
		n->seen = realloc(n->seen, (size_t)(n->nseen + 1) * sizeof(char *));
		n->seen[n->nseen++] = strdup(text);
		ipc_env_free(ev);
	}
}

/* Let the mesh form: both sides subscribed and grafted (js's mesh of
 * TOPIC has peer). */
static void
settle(struct jspeer *js, const char *peer)
{
	ck_assert_msg(jspeer_wait_mesh(js, TOPIC, peer, 15000) == 0,
	    "%s not in js's mesh", peer);
}

/* Between two daemons nothing shows the mesh: heartbeats (1 s) and time. */
static void
settle_daemons(void)
{
	usleep((useconds_t)h_ms(1500) * 1000);
}

static int
js_count(struct jspeer *js, const char *key)
{
	char		 extra[128];
	const char	*line, *p;

	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", TOPIC);
	line = jspeer_cmd(js, "received", extra, 5000);
	ck_assert_ptr_nonnull(line);
	p = strstr(line, key);
	ck_assert_ptr_nonnull(p);
	return atoi(p + strlen(key));
}

static int
js_wait_count(struct jspeer *js, int want, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	int		n;

	while ((n = js_count(js, "\"count\":")) < want &&
	    util_mono_ms() < end)
		usleep(100 * 1000);
	return n;
}

static void
js_sub(struct jspeer *js)
{
	char	extra[128];

	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", TOPIC);
	ck_assert_ptr_nonnull(jspeer_cmd(js, "subscribe", extra, 5000));
}

static void
js_pub(struct jspeer *js, const char *prefix, int n)
{
	char		 extra[160];
	const char	*line;

	snprintf(extra, sizeof(extra), "\"topic\":\"%s\",\"prefix\":\"%s\","
	    "\"n\":%d", TOPIC, prefix, n);
	line = jspeer_cmd(js, "publish", extra, 60000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "publish: %s",
	    line ? line : "");
}

static void
js_dial(struct jspeer *js, const char *addr)
{
	const char	*line = jspeer_dial(js, addr);

	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"), "dial: %s",
	    line ? line : "");
}

static const char *const	gossip_args[] = { "--gossip", NULL };

START_TEST(js_publishes_terap2p_receives)
{
	struct node	n;
	struct jspeer	js;

	node_start(&n);
	h_gossip_join(&n.d, TOPIC);
	jspeer_start(&js, gossip_args);
	js_sub(&js);
	js_dial(&js, n.addr);
	settle(&js, n.peer_id);
	js_pub(&js, "js", N);
	node_collect(&n, N, 20000, js.peer_id);
	ck_assert_int_eq(n.got, N);
	ck_assert_int_eq(n.nseen, N);
	node_collect(&n, N + 1, 500, NULL);	/* and nothing more */
	ck_assert_int_eq(n.got, N);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

START_TEST(terap2p_publishes_js_receives)
{
	struct node	n;
	struct jspeer	js;
	char		data[32], key[96];
	int		i;

	node_start(&n);
	h_gossip_join(&n.d, TOPIC);
	jspeer_start(&js, gossip_args);
	js_sub(&js);
	node_connect(&n, js.addr);
	settle(&js, n.peer_id);
	for (i = 0; i < N; i++) {
		snprintf(data, sizeof(data), "c-%d", i);
		node_publish(&n, TOPIC, data);
	}
	ck_assert_int_eq(js_wait_count(&js, N, 20000), N);
	ck_assert_int_eq(js_count(&js, "\"unique\":"), N);
	ck_assert_int_eq(js_count(&js, "\"signed\":"), N);
	snprintf(key, sizeof(key), "\"authors\":[\"%s\"]", n.peer_id);
	ck_assert_ptr_nonnull(strstr(jspeer_cmd(&js, "received",
	    "\"topic\":\"" TOPIC "\"", 5000), key));
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

/*
 * One PublishBatchReq of N raw messages and two refused announcements: one
 * outcome per item, in order, and js receives the N, each once and signed.
 */
START_TEST(terap2p_publishes_a_batch_js_receives)
{
	struct node		 n;
	struct jspeer		 js;
	Tp__PubsubPublishReq	 raw[N], *rv[N];
	Tp__PublishReq		 bad[2], *bv[2];
	Tp__PublishBatchReq	 b = TP__PUBLISH_BATCH_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT, *rep;
	const Tp__PublishBatchRep *r;
	char			 data[N][32];
	int			 i;

	node_start(&n);
	h_gossip_join(&n.d, TOPIC);
	jspeer_start(&js, gossip_args);
	js_sub(&js);
	node_connect(&n, js.addr);
	settle(&js, n.peer_id);
	for (i = 0; i < N; i++) {
		tp__pubsub_publish_req__init(&raw[i]);
		snprintf(data[i], sizeof(data[i]), "b-%d", i);
		raw[i].topic = TOPIC;
		raw[i].data.data = (uint8_t *)data[i];
		raw[i].data.len = strlen(data[i]);
		rv[i] = &raw[i];
	}
	for (i = 0; i < 2; i++) {
		tp__publish_req__init(&bad[i]);
		bv[i] = &bad[i];
	}
	bad[0].kind = TP__TOPIC_KIND__TOPIC_NODE_STATUS;	/* ours alone */
	bad[0].json = "{}";
	bad[1].kind = TP__TOPIC_KIND__TOPIC_BLOCK;
	bad[1].json = "not json";
	b.items = bv;
	b.n_items = 2;
	b.raw = rv;
	b.n_raw = N;
	req.body_case = TP__ENVELOPE__BODY_PUBLISH_BATCH_REQ;
	req.publish_batch_req = &b;
	rep = h_call(&n.d, "gossip.rep", &req);
	ck_assert_ptr_nonnull(rep);
	ck_assert_int_eq(rep->status, 0);
	ck_assert_int_eq(rep->body_case, TP__ENVELOPE__BODY_PUBLISH_BATCH_REP);
	r = rep->publish_batch_rep;
	ck_assert_uint_eq(r->n_status, N + 2);
	ck_assert_uint_eq(r->n_error, N + 2);
	ck_assert_int_ne(r->status[0], 0);
	ck_assert_ptr_nonnull(strstr(r->error[0], "cannot be published"));
	ck_assert_int_ne(r->status[1], 0);
	ck_assert_ptr_nonnull(strstr(r->error[1], "invalid block"));
	for (i = 2; i < N + 2; i++) {
		ck_assert_int_eq(r->status[i], 0);
		ck_assert_str_eq(r->error[i], "");
	}
	ipc_env_free(rep);
	ck_assert_int_eq(js_wait_count(&js, N, 20000), N);
	ck_assert_int_eq(js_count(&js, "\"unique\":"), N);
	ck_assert_int_eq(js_count(&js, "\"signed\":"), N);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

/*
 * J1 - A - B - C - J2 (and J1 - J2 not linked): every message published
 * anywhere reaches every other node exactly once.
 */
START_TEST(mixed_mesh_of_five)
{
	struct node	a, b, c;
	struct jspeer	j1, j2;
	char		data[32];
	int		i, per = 20;

	node_start(&a);
	node_start(&b);
	node_start(&c);
	jspeer_start(&j1, gossip_args);
	jspeer_start(&j2, gossip_args);
	h_gossip_join(&a.d, TOPIC);
	h_gossip_join(&b.d, TOPIC);
	h_gossip_join(&c.d, TOPIC);
	js_sub(&j1);
	js_sub(&j2);
	node_connect(&a, b.addr);
	node_connect(&b, c.addr);
	js_dial(&j1, a.addr);
	node_connect(&c, j2.addr);
	settle(&j1, a.peer_id);
	settle(&j2, c.peer_id);
	settle_daemons();
	for (i = 0; i < per; i++) {
		snprintf(data, sizeof(data), "a-%d", i);
		node_publish(&a, TOPIC, data);
		snprintf(data, sizeof(data), "c-%d", i);
		node_publish(&c, TOPIC, data);
	}
	js_pub(&j1, "j1", per);
	js_pub(&j2, "j2", per);
	/* each terap2p node gets the 3 * per messages of the others */
	node_collect(&a, 3 * per, 20000, NULL);
	node_collect(&b, 4 * per, 20000, NULL);
	node_collect(&c, 3 * per, 20000, NULL);
	if (b.got != 4 * per) {
		const char	*pre[] = { "a-", "c-", "j1-", "j2-" };
		int		 k, x, found;

		for (k = 0; k < 4; k++)
			for (x = 0; x < per; x++) {
				snprintf(data, sizeof(data), "%s%d", pre[k], x);
				for (i = 0, found = 0; i < b.nseen; i++)
					found |= strcmp(b.seen[i], data) == 0;
				if (!found)
					fprintf(stderr, "b is missing %s\n", data);
			}
	}
	ck_assert_int_eq(a.got, 3 * per);
	ck_assert_int_eq(b.got, 4 * per);
	ck_assert_int_eq(c.got, 3 * per);
	ck_assert_int_eq(js_wait_count(&j1, 3 * per, 20000), 3 * per);
	ck_assert_int_eq(js_wait_count(&j2, 3 * per, 20000), 3 * per);
	ck_assert_int_eq(js_count(&j1, "\"unique\":"), 3 * per);
	ck_assert_int_eq(js_count(&j2, "\"unique\":"), 3 * per);
	jspeer_stop(&j1);
	jspeer_stop(&j2);
	node_stop(&a);
	node_stop(&b);
	node_stop(&c);
}
END_TEST

START_TEST(unsigned_messages_penalised_and_dropped)
{
	static const char *const	nosign[] = { "--gossip", "--nosign", NULL };
	struct node			n;
	struct jspeer			js;

	node_start(&n);
	h_gossip_join(&n.d, TOPIC);
	jspeer_start(&js, nosign);
	js_sub(&js);
	js_dial(&js, n.addr);
	settle(&js, n.peer_id);
	js_pub(&js, "bad", 10);
	node_collect(&n, 1, 3000, NULL);
	ck_assert_int_eq(n.got, 0);		/* nothing unsigned delivered */
	ck_assert_int_ge(h_count_log(&n.d, "gossip", "protocol violation by"),
	    1);
	/* five violations cross the ban threshold: the peer is dropped */
	ck_assert_int_eq(h_wait_log(&n.d, "gossip", "banned", 10000), 0);
	jspeer_stop(&js);
	node_stop(&n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pubsub interop (js-libp2p gossipsub)");
	TCase	*tc = tcase_create("gossipsub");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, js_publishes_terap2p_receives);
	tcase_add_test(tc, terap2p_publishes_js_receives);
	tcase_add_test(tc, terap2p_publishes_a_batch_js_receives);
	tcase_add_test(tc, mixed_mesh_of_five);
	tcase_add_test(tc, unsigned_messages_penalised_and_dropped);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
