/*
 * Unit tests for kad/dht.c: a network of DHT nodes in one process whose
 * requests travel as encoded bytes through a queue (the codec on both
 * ends), so topic rendezvous, provider lookups, refresh and the low-peers
 * callback run as they would over streams, with a simulated clock.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

#define NODES	30
#define QMAX	20000
#define TOPIC	"teranode/bitcoin/1.0.0/regtest-block"

struct sim;

struct node {
	struct sim	*sim;
	int		 idx;
	uint8_t		 id[38];
	struct kad_dht	*dht;
	int		 found[NODES];	/* providers reported, by node */
	int		 want_peers;
	int		 silent;	/* drops every request */
};

struct wire {
	int		 from, to;
	uint64_t	 token;
	uint8_t		*bytes;		/* owned, length-prefixed */
	size_t		 len;
};

struct sim {
	struct node	nodes[NODES];
	struct wire	q[QMAX];
	size_t		nq;
	uint64_t	now;
};

static int
node_of(struct sim *s, const uint8_t *id, size_t len)
{
	int	i;

	for (i = 0; i < NODES; i++)
		if (len == 38 && memcmp(s->nodes[i].id, id, 38) == 0)
			return i;
	return -1;
}

static int
s_request(void *arg, const struct kad_peer *p, const struct kad_msg *req,
    uint64_t token)
{
	struct node	*n = arg;
	struct sim	*s = n->sim;
	struct wire	*w;
	int		 to = node_of(s, p->id, p->id_len);

	ck_assert_int_ge(to, 0);
	ck_assert_uint_gt(p->naddrs, 0);	/* dialable */
	ck_assert_uint_lt(s->nq, QMAX);
	w = &s->q[s->nq++];
	w->from = n->idx;
	w->to = to;
	w->token = token;
	ck_assert_int_eq(kad_msg_encode(req, &w->bytes, &w->len), 0);
	return 0;
}

static void
s_found(void *arg, const char *topic, const struct kad_peer *p)
{
	struct node	*n = arg;
	int		 who = node_of(n->sim, p->id, p->id_len);

	ck_assert_str_eq(topic, TOPIC);
	ck_assert_int_ge(who, 0);
	ck_assert_int_ne(who, n->idx);
	ck_assert_uint_gt(p->naddrs, 0);
	n->found[who]++;
}

static int
s_addrs(void *arg, const uint8_t *id, size_t len, struct kad_peer *p)
{
	struct node	*n = arg;
	uint8_t		 addr[] = { 0x04, 127, 0, 0, 1, 0x06, 0x10, 0 };
	int		 who = node_of(n->sim, id, len);

	if (who < 0)
		return -1;
	addr[7] = (uint8_t)who;
	(void)kad_peer_set(p, id, len);
	return kad_peer_add_addr(p, addr, sizeof(addr));
}

static void
s_want_peers(void *arg)
{
	((struct node *)arg)->want_peers++;
}

static const struct kad_dht_ops s_ops = {
	s_request, s_found, s_addrs, s_want_peers
};

/* Decode one request at its target, serve it, carry the answer back. */
static void
deliver(struct sim *s, struct wire *w)
{
	struct node	*to = &s->nodes[w->to], *from = &s->nodes[w->from];
	struct kad_msg	 req, resp, back;
	const uint8_t	*body;
	uint8_t		*out;
	size_t		 blen, used, olen;
	int		 rc;

	ck_assert_int_eq(kad_frame_next(w->bytes, w->len, &body, &blen, &used),
	    0);
	ck_assert_int_eq(kad_msg_decode(body, blen, &req), 0);
	if (to->silent) {
		if (w->token)
			kad_dht_failed(from->dht, w->token, to->id, 38, s->now);
		kad_msg_fini(&req);
		return;
	}
	rc = kad_dht_serve(to->dht, from->id, 38, &req, &resp, s->now);
	if (w->token != 0 && rc == KAD_SERVE_REPLY) {
		ck_assert_int_eq(kad_msg_encode(&resp, &out, &olen), 0);
		ck_assert_int_eq(kad_frame_next(out, olen, &body, &blen, &used),
		    0);
		ck_assert_int_eq(kad_msg_decode(body, blen, &back), 0);
		kad_dht_answer(from->dht, w->token, to->id, 38, &back, s->now);
		kad_msg_fini(&back);
		free(out);
	} else if (w->token != 0)
		kad_dht_failed(from->dht, w->token, to->id, 38, s->now);
	kad_msg_fini(&resp);
	kad_msg_fini(&req);
}

static void
drain(struct sim *s)
{
	struct wire	w;

	while (s->nq > 0) {
		w = s->q[0];
		memmove(&s->q[0], &s->q[1], --s->nq * sizeof(s->q[0]));
		deliver(s, &w);
		free(w.bytes);
	}
}

static void
make_id(uint8_t id[38], uint32_t n)
{
	static const uint8_t	pre[] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20 };
	uint32_t		x = n * 2654435761u + 11;
	int			i;

	memcpy(id, pre, sizeof(pre));
	for (i = 0; i < 32; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		id[6 + i] = (uint8_t)x;
	}
}

/* Every node knows node 0 (the bootstrap) and node 0 knows everyone. */
static void
sim_init(struct sim *s, int mode)
{
	int	i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < NODES; i++) {
		s->nodes[i].sim = s;
		s->nodes[i].idx = i;
		make_id(s->nodes[i].id, (uint32_t)i);
	}
	for (i = 0; i < NODES; i++) {
		s->nodes[i].dht = kad_dht_new(i == 0 ? KAD_MODE_SERVER : mode,
		    s->nodes[i].id, 38, &s_ops, &s->nodes[i], 0);
		ck_assert_ptr_nonnull(s->nodes[i].dht);
		if (i > 0) {
			ck_assert_int_eq(kad_dht_peer_identified(
			    s->nodes[i].dht, s->nodes[0].id, 38, 1, 0), 0);
			(void)kad_dht_peer_identified(s->nodes[0].dht,
			    s->nodes[i].id, 38, mode == KAD_MODE_SERVER, 0);
		}
	}
}

static void
sim_run(struct sim *s, uint64_t until)
{
	int	i;

	for (; s->now <= until; s->now += 1000) {
		for (i = 0; i < NODES; i++)
			kad_dht_tick(s->nodes[i].dht, s->now);
		drain(s);
	}
}

static void
sim_fini(struct sim *s)
{
	int	i;

	for (i = 0; i < NODES; i++)
		kad_dht_free(s->nodes[i].dht);
}

/* Two nodes that only know the bootstrap find each other on a topic. */
START_TEST(test_rendezvous)
{
	static struct sim	s;
	struct kad_dht_stats	st;

	sim_init(&s, KAD_MODE_SERVER);
	ck_assert_int_eq(kad_dht_topic_add(s.nodes[5].dht, TOPIC, 0), 0);
	ck_assert_int_eq(kad_dht_topic_add(s.nodes[20].dht, TOPIC, 0), 0);
	sim_run(&s, 2000);
	/* provide and the first lookup ran; the later joiner sees the first */
	ck_assert_int_eq(kad_dht_topic_add(s.nodes[27].dht, TOPIC, s.now), 0);
	sim_run(&s, 40000);
	ck_assert_int_gt(s.nodes[20].found[5], 0);
	ck_assert_int_gt(s.nodes[5].found[20], 0);
	ck_assert_int_gt(s.nodes[27].found[5], 0);
	ck_assert_int_gt(s.nodes[27].found[20], 0);
	ck_assert_int_eq(s.nodes[3].found[5], 0);	/* not subscribed */
	kad_dht_stats(s.nodes[5].dht, &st);
	ck_assert_uint_ge(st.provides, 1);
	ck_assert_uint_gt(st.add_provider_sent, 0);
	ck_assert_uint_eq(st.failures, 0);
	/* lookups filled the tables beyond the bootstrap */
	ck_assert_uint_gt(kad_dht_table(s.nodes[5].dht)->size, 1);
	kad_dht_topic_remove(s.nodes[27].dht, TOPIC);
	kad_dht_topic_remove(s.nodes[27].dht, "never joined");
	sim_fini(&s);
}
END_TEST

/* Client-mode nodes use the servers but answer nothing themselves. */
START_TEST(test_client_mode)
{
	static struct sim	s;
	struct kad_msg		req, resp;

	sim_init(&s, KAD_MODE_CLIENT);
	ck_assert_int_eq(kad_dht_mode(s.nodes[4].dht), KAD_MODE_CLIENT);
	kad_msg_init(&req, KAD_FIND_NODE, s.nodes[1].id, 38);
	ck_assert_int_eq(kad_dht_serve(s.nodes[4].dht, s.nodes[1].id, 38, &req,
	    &resp, 0), KAD_SERVE_ERROR);
	kad_msg_fini(&resp);
	/* the bootstrap did not put clients in its table */
	ck_assert_uint_eq(kad_dht_table(s.nodes[0].dht)->size, 0);
	ck_assert_int_eq(kad_mode_parse("server"), KAD_MODE_SERVER);
	ck_assert_int_eq(kad_mode_parse("client"), KAD_MODE_CLIENT);
	ck_assert_int_eq(kad_mode_parse("off"), KAD_MODE_OFF);
	ck_assert_int_eq(kad_mode_parse("auto"), -1);
	ck_assert_ptr_null(kad_dht_new(KAD_MODE_OFF, s.nodes[1].id, 38,
	    &s_ops, NULL, 0));
	sim_fini(&s);
}
END_TEST

/* A bootstrap that never answers: lookups fail, the table asks for peers. */
START_TEST(test_silent_bootstrap)
{
	static struct sim	s;
	struct kad_dht_stats	st;

	sim_init(&s, KAD_MODE_SERVER);
	s.nodes[0].silent = 1;
	ck_assert_int_eq(kad_dht_topic_add(s.nodes[7].dht, TOPIC, 0), 0);
	sim_run(&s, KAD_REFRESH_MS + 1000);
	kad_dht_stats(s.nodes[7].dht, &st);
	ck_assert_uint_gt(st.failures, 0);
	ck_assert_uint_eq(st.answers, 0);
	ck_assert_uint_eq(st.provides, 0);
	ck_assert_int_gt(s.nodes[7].want_peers, 0);
	sim_fini(&s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_dht");
	TCase	*tc = tcase_create("dht");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_rendezvous);
	tcase_add_test(tc, test_client_mode);
	tcase_add_test(tc, test_silent_bootstrap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
