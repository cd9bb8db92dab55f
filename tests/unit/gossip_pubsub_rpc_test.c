/*
 * Unit tests for rpc.c: the StrictSign vector of
 * libp2p-wire.md C6 (deterministic Ed25519 with the C1 key), the
 * subscribe and GRAFT RPC bytes of C6 as the router sends them, the
 * verification rules (unsigned, bad signature, key field, seqno, author)
 * and garbage RPCs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

#define C1_SEED	"7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
#define C1_PUB	"080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
#define C6_TOPIC "teranode/bitcoin/1.0.0/mainnet-node_status"
#define C6_DATA	"{\"name\":\"c-node\",\"data\":\"eyJoZWxsbyI6IndvcmxkIn0=\"}"
#define C6_SEQNO 0x187b2c3d4e5f6071ull
#define C6_UNSIGNED "0a260024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e12337b226e616d65223a22632d6e6f6465222c2264617461223a2265794a6f5a57787362794936496e6476636d786b496e303d227d1a08187b2c3d4e5f6071222a746572616e6f64652f626974636f696e2f312e302e302f6d61696e6e65742d6e6f64655f737461747573"
#define C6_SIG	"23a614e43a19d3af97b30978facc9819d308589885096c37eb74d95347f4f4eb5cdec578b68a93e6db07b8891d83dc501434aa845af92205a1a7270ae37ae505"
#define C6_SUB	"0a2e0801122a746572616e6f64652f626974636f696e2f312e302e302f6d61696e6e65742d6e6f64655f737461747573"
#define C6_GRAFT "1a2e1a2c0a2a746572616e6f64652f626974636f696e2f312e302e302f6d61696e6e65742d6e6f64655f737461747573"

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t	i, n = strlen(s) / 2;

	for (i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

static void
c1_identity(struct p2p_identity *id)
{
	uint8_t	seed[32];

	unhex(C1_SEED, seed);
	ck_assert_int_eq(p2p_identity_from_seed(id, seed), 0);
}

/* The signed C6 message as an RPC{publish}, malloc'd. */
static uint8_t *
c6_rpc(size_t *len)
{
	struct p2p_identity	id;
	uint8_t			*msg, *rpc;
	size_t			 n;

	c1_identity(&id);
	ck_assert_int_eq(ps_msg_sign(&id,
	    (const uint8_t *)C6_TOPIC, strlen(C6_TOPIC),
	    (const uint8_t *)C6_DATA, strlen(C6_DATA), C6_SEQNO, &msg, &n), 0);
	ps_rpc_wrap(msg, n, &rpc, len);
	free(msg);
	return rpc;
}

START_TEST(test_c6_vector)
{
	uint8_t		want[512], *rpc;
	size_t		n, len;

	rpc = c6_rpc(&len);
	/* 12 d501 || unsigned || 2a40 || signature */
	n = 0;
	want[n++] = 0x12;
	want[n++] = 0xd5;
	want[n++] = 0x01;
	n += unhex(C6_UNSIGNED, want + n);
	want[n++] = 0x2a;
	want[n++] = 0x40;
	n += unhex(C6_SIG, want + n);
	ck_assert_uint_eq(len, n);
	ck_assert_uint_eq(len, 0xd8);	/* framed with varint d801 */
	ck_assert_mem_eq(rpc, want, n);
	free(rpc);
}
END_TEST

/* Decode rpc's first message, let edit change it, verify it. */
static int
verify_edited(void (*edit)(struct ps_msg *m, uint8_t *buf))
{
	Libp2pPubsub__RPC		*r;
	struct ps_msg	 m;
	uint8_t				*rpc, scratch[1024], buf[128];
	size_t				 len;
	int				 rc;

	rpc = c6_rpc(&len);
	r = ps_rpc_decode(rpc, len);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n_publish, 1);
	ps_msg_view(r->publish[0], &m);
	if (edit != NULL)
		edit(&m, buf);
	rc = ps_msg_verify(&m, scratch, sizeof(scratch));
	libp2p_pubsub__rpc__free_unpacked(r, NULL);
	free(rpc);
	return rc;
}

static void
edit_data(struct ps_msg *m, uint8_t *buf)
{
	memcpy(buf, m->data, m->data_len);
	buf[3] ^= 1;
	m->data = buf;
}

static void
edit_nosig(struct ps_msg *m, uint8_t *buf)
{
	(void)buf;
	m->has_sig = 0;
}

static void
edit_seqno(struct ps_msg *m, uint8_t *buf)
{
	(void)buf;
	m->seqno_len = 7;
}

static void
edit_key_ok(struct ps_msg *m, uint8_t *buf)
{
	m->key_len = unhex(C1_PUB, buf);
	m->key = buf;
	m->has_key = 1;
}

static void
edit_key_bad(struct ps_msg *m, uint8_t *buf)
{
	edit_key_ok(m, buf);
	buf[10] ^= 1;
}

static void
edit_author(struct ps_msg *m, uint8_t *buf)
{
	/* a sha2-256 peer ID: no key inside */
	m->from_len = unhex("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9", buf);
	m->from = buf;
}

static void
edit_topic(struct ps_msg *m, uint8_t *buf)
{
	(void)buf;
	m->has_topic = 0;
}

START_TEST(test_verify_rules)
{
	ck_assert_int_eq(verify_edited(NULL), PS_OK);
	ck_assert_int_eq(verify_edited(edit_data), PS_ESIG);
	ck_assert_int_eq(verify_edited(edit_nosig), PS_ENOSIG);
	ck_assert_int_eq(verify_edited(edit_seqno), PS_EMALFORMED);
	ck_assert_int_eq(verify_edited(edit_key_ok), PS_OK);
	ck_assert_int_eq(verify_edited(edit_key_bad), PS_EKEY);
	ck_assert_int_eq(verify_edited(edit_author), PS_EAUTHOR);
	ck_assert_int_eq(verify_edited(edit_topic), PS_EMALFORMED);
	ck_assert_str_ne(ps_strerror(PS_ESIG), "");
}
END_TEST

START_TEST(test_msg_id)
{
	struct ps_msg	m;
	uint8_t				id[PS_MSGID_MAX], want[64];
	uint8_t				from[38], sq[8];
	size_t				n;

	memset(&m, 0, sizeof(m));
	m.from_len = unhex("0024" C1_PUB, from);
	unhex("187b2c3d4e5f6071", sq);
	m.from = from;
	m.seqno = sq;
	m.seqno_len = 8;
	m.has_from = m.has_seqno = 1;
	ck_assert_int_eq(ps_msg_id(&m, id, &n), 0);
	ck_assert_uint_eq(n, 46);
	unhex("0024" C1_PUB "187b2c3d4e5f6071", want);
	ck_assert_mem_eq(id, want, 46);
}
END_TEST

/* ---- the router's first RPCs, on the wire ---- */

struct capture {
	uint8_t	 rpc[4096];
	size_t	 len;
	int	 nsent, npenalized;
};

static int
cap_send(void *arg, const char *peer, const uint8_t *rpc, size_t len)
{
	struct capture	*c = arg;

	(void)peer;
	ck_assert_uint_le(len, sizeof(c->rpc));
	memcpy(c->rpc, rpc, len);
	c->len = len;
	c->nsent++;
	return 0;
}

static void
cap_deliver(void *arg, const char *topic, const char *author,
    const char *from, const uint8_t *data, size_t len)
{
	(void)arg; (void)topic; (void)author; (void)from; (void)data;
	(void)len;
}

static void
cap_penalize(void *arg, const char *peer, const char *reason)
{
	struct capture	*c = arg;

	(void)peer;
	ck_assert_str_eq(reason, PS_PENALTY);
	c->npenalized++;
}

static uint64_t
cap_now(void *arg)
{
	(void)arg;
	return 1000000;
}

static const struct ps_ops cap_ops = {
	cap_send, cap_deliver, cap_penalize, cap_now, NULL, NULL
};

START_TEST(test_sub_graft_bytes)
{
	struct p2p_identity		 id, peer;
	struct ps_params	 pp;
	struct ps_router		*ps;
	struct capture			 c = { 0 };
	struct ps_stats	 st;
	uint8_t				 want[256], seed[32];
	size_t				 n;

	c1_identity(&id);
	memset(seed, 7, sizeof(seed));
	p2p_identity_from_seed(&peer, seed);
	ps_params_default(&pp);
	pp.seed = 1;
	ps = ps_new(&cap_ops, &c, &id, &pp);
	ck_assert_ptr_nonnull(ps);
	ck_assert_int_eq(ps_add_peer(ps, peer.peer_id_text,
	    PS_MESHSUB11, 1, "10.0.0.1"), 0);
	ck_assert_int_eq(c.nsent, 0);	/* no topics yet: no hello */
	/* the peer subscribes; we join: subscribe + GRAFT in one RPC */
	n = unhex(C6_SUB, want);
	ck_assert_int_eq(ps_recv(ps, peer.peer_id_text, want, n), 0);
	ck_assert_int_eq(ps_join(ps, C6_TOPIC), 0);
	ck_assert_int_eq(c.nsent, 1);
	n = unhex(C6_SUB C6_GRAFT, want);
	ck_assert_uint_eq(c.len, n);
	ck_assert_mem_eq(c.rpc, want, n);
	ck_assert_uint_eq(ps_mesh_count(ps, C6_TOPIC), 1);
	/* a new peer gets the hello with our subscription */
	ps_remove_peer(ps, peer.peer_id_text);
	ck_assert_int_eq(ps_add_peer(ps, peer.peer_id_text,
	    PS_MESHSUB10, 0, NULL), 0);
	n = unhex(C6_SUB, want);
	ck_assert_uint_eq(c.len, n);
	ck_assert_mem_eq(c.rpc, want, n);
	/* garbage: -1, counted, penalized */
	want[0] = 0xff;
	ck_assert_int_eq(ps_recv(ps, peer.peer_id_text, want, 3),
	    -1);
	ck_assert_int_eq(c.npenalized, 1);
	ck_assert_int_eq(ps_recv(ps, "nobody", want, 3), -1);
	ps_stats(ps, &st);
	ck_assert_uint_eq(st.rpc_garbage, 1);
	ck_assert_uint_eq(st.rpc_unknown_peer, 1);
	ck_assert_int_eq(ps_add_peer(ps, "not-a-peer-id",
	    PS_MESHSUB11, 0, NULL), -1);
	ps_free(ps);
}
END_TEST

START_TEST(test_params_checked)
{
	struct p2p_identity		id;
	struct ps_params	pp;
	struct capture			c;

	c1_identity(&id);
	ps_params_default(&pp);
	pp.d_lo = 7;	/* above D */
	ck_assert_ptr_null(ps_new(&cap_ops, &c, &id, &pp));
	ps_params_default(&pp);
	pp.graylist_threshold = -1;	/* above publish */
	ck_assert_ptr_null(ps_new(&cap_ops, &c, &id, &pp));
	ck_assert_str_eq(ps_proto_id(PS_MESHSUB11),
	    "/meshsub/1.1.0");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ps_rpc");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_c6_vector);
	tcase_add_test(tc, test_verify_rules);
	tcase_add_test(tc, test_msg_id);
	tcase_add_test(tc, test_sub_graft_bytes);
	tcase_add_test(tc, test_params_checked);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
