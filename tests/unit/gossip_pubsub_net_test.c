/*
 * Unit tests for the pubsub router as a whole: an in-memory network of
 * routers on a simulated clock (send enqueues into the receiver's inbox, a
 * loop pumps), plus "fake" peers whose RPCs the test writes by hand.
 * Covers mesh maintenance within Dlo..Dhi, backoff after PRUNE and the
 * penalty for grafting during it, IHAVE/IWANT recovery from the message
 * cache, the seen cache, invalid signatures down to the graylist, IP
 * colocation, floodsub peers, fanout, and every message of a not fully
 * connected graph reaching every node exactly once.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

#define NMAX	24
#define FMAX	16
#define MSGMAX	256
#define TOPIC	"teranode/bitcoin/1.0.0/regtest-block"

struct net;

struct node {
	struct net		*net;
	struct p2p_identity	 id;
	struct ps_router	*ps;
	int			 got[MSGMAX];
	int			 bad_author;
	int			 penalized;
};

struct fake {
	struct p2p_identity	id;
	int			nrx;		/* RPCs we got */
	int			ncontrol;	/* ... carrying control */
	int			npublish;	/* messages in them */
	int			ngraft, nprune, nihave;
};

struct pkt {
	int		 from, to;
	uint8_t		*b;
	size_t		 len;
};

struct net {
	struct node	 n[NMAX];
	int		 nn;
	struct fake	 f[FMAX];
	int		 nf;
	uint64_t	 now;
	struct pkt	*q;
	size_t		 qhead, qlen, qcap;
	int		 drop_pub[NMAX][NMAX];
};

static int
node_of(struct net *net, const char *peer)
{
	int	i;

	for (i = 0; i < net->nn; i++)
		if (strcmp(net->n[i].id.peer_id_text, peer) == 0)
			return i;
	return -1;
}

static void
fake_rx(struct fake *f, const uint8_t *rpc, size_t len)
{
	Libp2pPubsub__RPC	*r = ps_rpc_decode(rpc, len);

	ck_assert_ptr_nonnull(r);
	f->nrx++;
	f->npublish += (int)r->n_publish;
	if (r->control != NULL) {
		f->ncontrol++;
		f->ngraft += (int)r->control->n_graft;
		f->nprune += (int)r->control->n_prune;
		f->nihave += (int)r->control->n_ihave;
	}
	libp2p_pubsub__rpc__free_unpacked(r, NULL);
}

static int
net_send(void *arg, const char *peer, const uint8_t *rpc, size_t len)
{
	struct node	*src = arg;
	struct net	*net = src->net;
	int		 to = node_of(net, peer), from = (int)(src - net->n), i;

	if (to < 0) {
		for (i = 0; i < net->nf; i++)
			if (strcmp(net->f[i].id.peer_id_text, peer) == 0)
				fake_rx(&net->f[i], rpc, len);
		return 0;
	}
	/* drop_pub: 1 loses publish RPCs, 2 everything */
	if (net->drop_pub[from][to] == 2 ||
	    (net->drop_pub[from][to] && len > 0 && rpc[0] == 0x12))
		return 0;
	if (net->qhead + net->qlen == net->qcap) {
		net->qcap = net->qcap ? net->qcap * 2 : 1024;
		net->q = realloc(net->q, net->qcap * sizeof(*net->q));
	}
	net->q[net->qhead + net->qlen].from = from;
	net->q[net->qhead + net->qlen].to = to;
	net->q[net->qhead + net->qlen].b = malloc(len ? len : 1);
	memcpy(net->q[net->qhead + net->qlen].b, rpc, len);
	net->q[net->qhead + net->qlen].len = len;
	net->qlen++;
	return 0;
}

static void
net_deliver(void *arg, const char *topic, const char *author,
    const char *from, const uint8_t *data, size_t len)
{
	struct node	*n = arg;
	char		 buf[32];
	int		 k, pub;

	(void)from;
	ck_assert_str_eq(topic, TOPIC);
	ck_assert_uint_lt(len, sizeof(buf));
	memcpy(buf, data, len);
	buf[len] = '\0';
	ck_assert_int_eq(sscanf(buf, "m%d:%d", &k, &pub), 2);
	ck_assert_int_lt(k, MSGMAX);
	n->got[k]++;
	if (pub >= 0 && pub < n->net->nn &&
	    strcmp(author, n->net->n[pub].id.peer_id_text) != 0)
		n->bad_author++;
}

static void
net_penalize(void *arg, const char *peer, const char *reason)
{
	struct node	*n = arg;

	(void)peer;
	ck_assert_str_eq(reason, PS_PENALTY);
	n->penalized++;
}

static uint64_t
net_now(void *arg)
{
	struct node	*n = arg;

	return n->net->now;
}

static const struct ps_ops net_ops = {
	net_send, net_deliver, net_penalize, net_now, NULL, NULL
};

static struct net *
net_new(int nn, int nf, const struct ps_params *pp)
{
	struct ps_params	 def;
	struct net			*net = calloc(1, sizeof(*net));
	uint8_t				 seed[32];
	int				 i;

	ps_params_default(&def);
	net->now = 1000000;
	net->nn = nn;
	net->nf = nf;
	for (i = 0; i < nn; i++) {
		memset(seed, i + 1, sizeof(seed));
		p2p_identity_from_seed(&net->n[i].id, seed);
		net->n[i].net = net;
		def.seed = (uint64_t)i + 1;
		def.seqno_start = 1000;	/* same start: IDs differ by author */
		net->n[i].ps = ps_new(&net_ops, &net->n[i],
		    &net->n[i].id, pp != NULL && i == 0 ? pp : &def);
		ck_assert_ptr_nonnull(net->n[i].ps);
	}
	for (i = 0; i < nf; i++) {
		memset(seed, 0x80 + i, sizeof(seed));
		p2p_identity_from_seed(&net->f[i].id, seed);
	}
	return net;
}

static void
net_free(struct net *net)
{
	int	i;

	for (i = 0; i < net->nn; i++)
		ps_free(net->n[i].ps);
	for (; net->qlen > 0; net->qlen--, net->qhead++)
		free(net->q[net->qhead].b);
	free(net->q);
	free(net);
}

static void
net_pump(struct net *net)
{
	struct pkt	p;
	size_t		guard = 0;

	while (net->qlen > 0) {
		ck_assert_uint_lt(guard++, 10000000);
		p = net->q[net->qhead++];
		net->qlen--;
		if (net->qlen == 0)
			net->qhead = 0;
		ck_assert_int_eq(ps_recv(net->n[p.to].ps,
		    net->n[p.from].id.peer_id_text, p.b, p.len), 0);
		free(p.b);
	}
}

/* a dials b; each node has its own IP (no colocation penalty) */
static void
net_connect(struct net *net, int a, int b)
{
	char	ipa[32], ipb[32];

	snprintf(ipa, sizeof(ipa), "10.0.0.%d", a + 1);
	snprintf(ipb, sizeof(ipb), "10.0.0.%d", b + 1);
	ck_assert_int_eq(ps_add_peer(net->n[a].ps,
	    net->n[b].id.peer_id_text, PS_MESHSUB11, 1, ipb), 0);
	ck_assert_int_eq(ps_add_peer(net->n[b].ps,
	    net->n[a].id.peer_id_text, PS_MESHSUB11, 0, ipa), 0);
	net_pump(net);
}

static void
net_tick(struct net *net, int seconds)
{
	int	s, i;

	for (s = 0; s < seconds; s++) {
		net->now += 1000;
		for (i = 0; i < net->nn; i++)
			ps_heartbeat(net->n[i].ps);
		net_pump(net);
	}
}

static void
net_join_all(struct net *net)
{
	int	i;

	for (i = 0; i < net->nn; i++)
		ck_assert_int_eq(ps_join(net->n[i].ps, TOPIC), 0);
	net_pump(net);
}

static void
publish(struct net *net, int i, int k)
{
	char	buf[32];

	snprintf(buf, sizeof(buf), "m%d:%d", k, i);
	ck_assert_int_eq(ps_publish(net->n[i].ps, TOPIC,
	    (const uint8_t *)buf, strlen(buf)), 0);
	net_pump(net);
}

/* ---- hand-written RPCs from fake peers ---- */

static void
fake_recv(struct net *net, int f, int to, struct ps_buf *w)
{
	(void)ps_recv(net->n[to].ps, net->f[f].id.peer_id_text,
	    w->b, w->len);
	ps_buf_free(w);
	net_pump(net);
}

static void
fake_add(struct net *net, int f, int to, enum ps_proto proto,
    const char *ip)
{
	struct ps_buf	w = { 0 };

	ck_assert_int_eq(ps_add_peer(net->n[to].ps,
	    net->f[f].id.peer_id_text, proto, 0, ip), 0);
	ps_rpc_sub(&w, 1, TOPIC, strlen(TOPIC));
	fake_recv(net, f, to, &w);
}

/* control{tag{topic [, backoff]}}: tag 0x1a GRAFT, 0x22 PRUNE */
static void
fake_control(struct net *net, int f, int to, uint8_t tag, int backoff)
{
	struct ps_buf	in = { 0 }, c = { 0 }, w = { 0 };
	uint8_t				b = 0x18;

	ps_buf_field(&in, 0x0a, TOPIC, strlen(TOPIC));
	if (backoff >= 0) {
		ps_buf_put(&in, &b, 1);
		ps_buf_varint(&in, (uint64_t)backoff);
	}
	ps_buf_field(&c, tag, in.b, in.len);
	ps_buf_field(&w, 0x1a, c.b, c.len);
	ps_buf_free(&in);
	ps_buf_free(&c);
	fake_recv(net, f, to, &w);
}

/* f forwards message k authored by `author`; sig_bad flips a bit. */
static void
fake_message(struct net *net, int f, int to,
    const struct p2p_identity *author, int k, uint64_t seqno,
    int sig_bad)
{
	struct ps_buf	 w = { 0 };
	uint8_t				*msg;
	size_t				 len;
	char				 buf[32];

	snprintf(buf, sizeof(buf), "m%d:-1", k);
	ck_assert_int_eq(ps_msg_sign(author,
	    (const uint8_t *)TOPIC, strlen(TOPIC), (const uint8_t *)buf,
	    strlen(buf), seqno, &msg, &len), 0);
	if (sig_bad)
		msg[len - 5] ^= 0x10;	/* inside the signature */
	ps_buf_field(&w, 0x12, msg, len);
	free(msg);
	fake_recv(net, f, to, &w);
}

static double
score_of(struct net *net, int at, const char *peer)
{
	double	s = 0;

	ck_assert_int_eq(ps_peer_score(net->n[at].ps, peer, &s),
	    0);
	return s;
}

static struct ps_stats
stats(struct net *net, int i)
{
	struct ps_stats	st;

	ps_stats(net->n[i].ps, &st);
	return st;
}

START_TEST(test_mesh_bounds)
{
	struct net	*net = net_new(16, 0, NULL);
	int		 i, j, a, b;
	size_t		 m;

	for (i = 0; i < 16; i++)
		for (j = i + 1; j < 16; j++)
			net_connect(net, i, j);
	net_join_all(net);
	net_tick(net, 10);
	for (i = 0; i < 16; i++) {
		m = ps_mesh_count(net->n[i].ps, TOPIC);
		ck_assert_uint_ge(m, 5);
		ck_assert_uint_le(m, 12);
		for (j = 0; j < 16; j++) {
			if (i == j)
				continue;
			a = ps_in_mesh(net->n[i].ps, TOPIC,
			    net->n[j].id.peer_id_text);
			b = ps_in_mesh(net->n[j].ps, TOPIC,
			    net->n[i].id.peer_id_text);
			ck_assert_int_eq(a, b);	/* links are symmetric */
		}
	}
	/* node 0 leaves: nobody keeps it in a mesh */
	ck_assert_int_eq(ps_leave(net->n[0].ps, TOPIC), 0);
	net_pump(net);
	for (i = 1; i < 16; i++)
		ck_assert_int_eq(ps_in_mesh(net->n[i].ps, TOPIC,
		    net->n[0].id.peer_id_text), 0);
	ck_assert_uint_eq(ps_mesh_count(net->n[0].ps, TOPIC), 0);
	net_tick(net, 3);
	for (i = 1; i < 16; i++) {
		m = ps_mesh_count(net->n[i].ps, TOPIC);
		ck_assert_uint_ge(m, 5);
		ck_assert_uint_le(m, 12);
	}
	net_free(net);
}
END_TEST

START_TEST(test_backoff)
{
	struct net	*net = net_new(1, 1, NULL);
	const char	*fid = net->f[0].id.peer_id_text;
	int		 i;

	ck_assert_int_eq(ps_join(net->n[0].ps, TOPIC), 0);
	fake_add(net, 0, 0, PS_MESHSUB11, "10.0.0.2");
	fake_control(net, 0, 0, 0x1a, -1);		/* GRAFT */
	ck_assert_int_eq(ps_in_mesh(net->n[0].ps, TOPIC, fid), 1);
	fake_control(net, 0, 0, 0x22, 60);		/* PRUNE, 60 s */
	ck_assert_int_eq(ps_in_mesh(net->n[0].ps, TOPIC, fid), 0);
	net_tick(net, 59);
	ck_assert_int_eq(net->f[0].ngraft, 0);		/* backoff respected */
	ck_assert_int_eq(ps_in_mesh(net->n[0].ps, TOPIC, fid), 0);
	net_tick(net, 4);				/* + 2 heartbeats slack */
	ck_assert_int_eq(net->f[0].ngraft, 1);
	ck_assert_int_eq(ps_in_mesh(net->n[0].ps, TOPIC, fid), 1);
	ck_assert_double_eq(score_of(net, 0, fid), 0);
	/* grafting back during the backoff: PRUNE and P7, twice when fast */
	for (i = 0; i < 5; i++) {
		fake_control(net, 0, 0, 0x22, 60);
		fake_control(net, 0, 0, 0x1a, -1);
	}
	ck_assert_int_eq(net->f[0].nprune, 5);
	ck_assert_uint_eq(stats(net, 0).graft_rejected, 5);
	ck_assert_double_lt(score_of(net, 0, fid), 0);	/* P7 10 > 6 */
	ck_assert_int_eq(ps_in_mesh(net->n[0].ps, TOPIC, fid), 0);
	net_free(net);
}
END_TEST

START_TEST(test_ihave_iwant_recovery)
{
	struct ps_params	 pp;
	struct net			*net;
	double				 s;

	/* node 0 keeps no mesh, so all it tells node 1 goes by gossip */
	ps_params_default(&pp);
	pp.d = pp.d_lo = pp.d_hi = pp.d_score = pp.d_out = 0;
	pp.seed = 9;
	net = net_new(2, 0, &pp);
	net_connect(net, 1, 0);		/* 1 dials 0: inbound at 0 */
	net_join_all(net);
	net_tick(net, 1);
	ck_assert_uint_eq(ps_mesh_count(net->n[0].ps, TOPIC), 0);
	net->drop_pub[0][1] = 1;	/* the publish itself is lost */
	publish(net, 0, 7);
	ck_assert_int_eq(net->n[1].got[7], 0);
	net->drop_pub[0][1] = 0;
	net_tick(net, 1);		/* IHAVE -> IWANT -> message */
	ck_assert_int_eq(net->n[1].got[7], 1);
	ck_assert_uint_eq(stats(net, 0).iwant_served, 1);
	net_tick(net, 6);		/* more IHAVEs: already seen */
	ck_assert_int_eq(net->n[1].got[7], 1);
	ck_assert_uint_eq(stats(net, 0).iwant_served, 1);
	ck_assert_int_eq(net->n[1].bad_author, 0);
	ck_assert_int_eq(ps_peer_score(net->n[1].ps,
	    net->n[0].id.peer_id_text, &s), 0);
	ck_assert_double_eq(s, 0);	/* the promise was kept */
	/* after history_gossip windows the message is no longer advertised */
	net->drop_pub[0][1] = 2;
	publish(net, 0, 8);
	net_tick(net, 3);
	net->drop_pub[0][1] = 0;
	net_tick(net, 3);
	ck_assert_int_eq(net->n[1].got[8], 0);
	net_free(net);
}
END_TEST

START_TEST(test_seen_cache)
{
	struct net		*net = net_new(1, 2, NULL);
	struct p2p_identity	*x = &net->f[1].id;

	ck_assert_int_eq(ps_join(net->n[0].ps, TOPIC), 0);
	fake_add(net, 0, 0, PS_MESHSUB11, NULL);
	fake_message(net, 0, 0, x, 3, 42, 0);
	fake_message(net, 0, 0, x, 3, 42, 0);
	ck_assert_int_eq(net->n[0].got[3], 1);
	ck_assert_uint_eq(stats(net, 0).msg_duplicate, 1);
	net_tick(net, 119);
	fake_message(net, 0, 0, x, 3, 42, 0);
	ck_assert_int_eq(net->n[0].got[3], 1);
	net_tick(net, 2);		/* TTL 120 s over */
	fake_message(net, 0, 0, x, 3, 42, 0);
	ck_assert_int_eq(net->n[0].got[3], 2);
	/* our own message coming back is not delivered */
	fake_message(net, 0, 0, &net->n[0].id, 4, 1, 0);
	ck_assert_int_eq(net->n[0].got[4], 0);
	ck_assert_uint_eq(stats(net, 0).msg_self, 1);
	ck_assert_int_eq(net->n[0].penalized, 0);
	net_free(net);
}
END_TEST

START_TEST(test_bad_signatures_graylist)
{
	struct net		*net = net_new(1, 2, NULL);
	struct p2p_identity	*x = &net->f[1].id;
	const char		*fid = net->f[0].id.peer_id_text;
	struct ps_buf w = { 0 }, c = { 0 }, ih = { 0 };
	uint8_t			 id[46];
	int			 i;

	ck_assert_int_eq(ps_join(net->n[0].ps, TOPIC), 0);
	fake_add(net, 0, 0, PS_MESHSUB11, NULL);
	for (i = 0; i < 5; i++)
		fake_message(net, 0, 0, x, 10 + i, 100 + (uint64_t)i, 1);
	ck_assert_int_eq(net->n[0].penalized, 5);
	ck_assert_uint_eq(stats(net, 0).msg_bad_sig, 5);
	ck_assert_double_lt(score_of(net, 0, fid), -2000);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(net->n[0].got[10 + i], 0);
	/* below the gossip threshold: its IHAVE gets no IWANT */
	memset(id, 0x11, sizeof(id));
	ps_buf_field(&ih, 0x0a, TOPIC, strlen(TOPIC));
	ps_buf_field(&ih, 0x12, id, sizeof(id));
	ps_buf_field(&c, 0x0a, ih.b, ih.len);
	ps_buf_field(&w, 0x1a, c.b, c.len);
	ps_buf_free(&ih);
	ps_buf_free(&c);
	i = net->f[0].nrx;
	fake_recv(net, 0, 0, &w);
	ck_assert_int_eq(net->f[0].nrx, i);
	ck_assert_uint_eq(stats(net, 0).ihave_ignored, 1);
	/* four more bad signatures: below the graylist threshold */
	for (i = 0; i < 4; i++)
		fake_message(net, 0, 0, x, 20 + i, 200 + (uint64_t)i, 1);
	ck_assert_double_lt(score_of(net, 0, fid), -8000);
	/* graylisted: ignored, not even verified */
	i = net->n[0].penalized;
	fake_message(net, 0, 0, x, 30, 300, 1);
	fake_message(net, 0, 0, x, 31, 301, 0);
	ck_assert_int_eq(net->n[0].penalized, i);
	ck_assert_int_eq(net->n[0].got[31], 0);
	ck_assert_uint_eq(stats(net, 0).rpc_graylisted, 2);
	/* reconnecting keeps the score */
	ps_remove_peer(net->n[0].ps, fid);
	fake_add(net, 0, 0, PS_MESHSUB11, NULL);
	ck_assert_double_lt(score_of(net, 0, fid), -8000);
	/* and it decays */
	net_tick(net, 12 * 70);
	ck_assert_double_eq(score_of(net, 0, fid), 0);
	fake_message(net, 0, 0, x, 32, 302, 0);
	ck_assert_int_eq(net->n[0].got[32], 1);
	net_free(net);
}
END_TEST

START_TEST(test_unsigned_message)
{
	struct net			*net = net_new(1, 2, NULL);
	struct ps_msg	 m;
	struct ps_buf	 w = { 0 };
	uint8_t				 sq[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t				 buf[256];
	size_t				 n;

	ck_assert_int_eq(ps_join(net->n[0].ps, TOPIC), 0);
	fake_add(net, 0, 0, PS_MESHSUB11, NULL);
	memset(&m, 0, sizeof(m));
	m.from = net->f[1].id.peer_id.bytes;
	m.from_len = net->f[1].id.peer_id.len;
	m.data = (const uint8_t *)"m5:-1";
	m.data_len = 5;
	m.seqno = sq;
	m.seqno_len = sizeof(sq);
	m.topic = (const uint8_t *)TOPIC;
	m.topic_len = strlen(TOPIC);
	m.has_from = m.has_data = m.has_seqno = m.has_topic = 1;
	n = ps_msg_encode(&m, 1, buf);
	ps_buf_field(&w, 0x12, buf, n);
	fake_recv(net, 0, 0, &w);
	ck_assert_int_eq(net->n[0].got[5], 0);
	ck_assert_int_eq(net->n[0].penalized, 1);
	ck_assert_uint_eq(stats(net, 0).msg_bad_sig, 1);
	/* a 7-byte seqno is malformed */
	m.seqno_len = 7;
	n = ps_msg_encode(&m, 1, buf);
	ps_buf_field(&w, 0x12, buf, n);
	fake_recv(net, 0, 0, &w);
	ck_assert_int_eq(net->n[0].penalized, 2);
	ck_assert_uint_eq(stats(net, 0).msg_invalid, 2);
	net_free(net);
}
END_TEST

START_TEST(test_sparse_exactly_once)
{
	struct net	*net = net_new(14, 0, NULL);
	int		 i, k, pub;

	for (i = 0; i < 14; i++) {
		net_connect(net, i, (i + 1) % 14);
		net_connect(net, i, (i + 3) % 14);
	}
	net_join_all(net);
	net_tick(net, 5);
	for (k = 0; k < 14 * 4; k++)
		publish(net, k % 14, k);
	net_tick(net, 6);
	for (i = 0; i < 14; i++) {
		for (k = 0; k < 14 * 4; k++) {
			pub = k % 14;
			ck_assert_int_eq(net->n[i].got[k], pub == i ? 0 : 1);
		}
		ck_assert_int_eq(net->n[i].bad_author, 0);
		ck_assert_int_eq(net->n[i].penalized, 0);
	}
	net_free(net);
}
END_TEST

START_TEST(test_floodsub_peer)
{
	struct net	*net = net_new(1, 2, NULL);

	ck_assert_int_eq(ps_join(net->n[0].ps, TOPIC), 0);
	fake_add(net, 0, 0, PS_FLOODSUB, NULL);
	fake_add(net, 1, 0, PS_MESHSUB10, NULL);
	net_tick(net, 2);
	publish(net, 0, 1);
	ck_assert_int_eq(net->f[0].npublish, 1);
	/* a message from the floodsub peer is delivered and forwarded */
	fake_message(net, 0, 0, &net->f[1].id, 2, 77, 0);
	ck_assert_int_eq(net->n[0].got[2], 1);
	net_tick(net, 2);
	ck_assert_int_eq(net->f[0].ncontrol, 0);	/* never control */
	ck_assert_int_eq(net->f[1].ngraft, 1);		/* v1.0 is meshed */
	net_free(net);
}
END_TEST

START_TEST(test_ip_colocation)
{
	struct net	*net = net_new(1, 12, NULL);
	int		 i;

	for (i = 0; i < 12; i++)
		fake_add(net, i, 0, PS_MESHSUB11, "10.1.1.1");
	/* 12 on one IP, threshold 10: -35 * 2^2 */
	ck_assert_double_eq_tol(score_of(net, 0, net->f[3].id.peer_id_text),
	    -140, 1e-9);
	ps_remove_peer(net->n[0].ps, net->f[0].id.peer_id_text);
	ps_remove_peer(net->n[0].ps, net->f[1].id.peer_id_text);
	ck_assert_double_eq(score_of(net, 0, net->f[3].id.peer_id_text), 0);
	net_free(net);
}
END_TEST

START_TEST(test_fanout)
{
	struct net	*net = net_new(3, 0, NULL);

	net_connect(net, 0, 1);
	net_connect(net, 0, 2);
	ck_assert_int_eq(ps_join(net->n[1].ps, TOPIC), 0);
	ck_assert_int_eq(ps_join(net->n[2].ps, TOPIC), 0);
	net_pump(net);
	publish(net, 0, 1);		/* 0 has not joined */
	ck_assert_int_eq(net->n[1].got[1], 1);
	ck_assert_int_eq(net->n[2].got[1], 1);
	net_tick(net, 61);		/* fanout TTL over */
	publish(net, 0, 2);
	ck_assert_int_eq(net->n[1].got[2], 1);
	ck_assert_int_eq(net->n[0].got[2], 0);
	net_free(net);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ps_net");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mesh_bounds);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_ihave_iwant_recovery);
	tcase_add_test(tc, test_seen_cache);
	tcase_add_test(tc, test_bad_signatures_graylist);
	tcase_add_test(tc, test_unsigned_message);
	tcase_add_test(tc, test_sparse_exactly_once);
	tcase_add_test(tc, test_floodsub_peer);
	tcase_add_test(tc, test_ip_colocation);
	tcase_add_test(tc, test_fanout);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
