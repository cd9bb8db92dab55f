/*
 * Unit tests for gossipsub peer exchange in the router (mesh.c): one router
 * and hand-driven peers on a fixed clock.  A GRAFT that overflows the mesh
 * is PRUNEd with PX naming other topic peers (never the pruned one, never
 * a negative-scored one, at most prune_peers_max, with the signed record
 * ops->peer_record gives); an unsubscribe PRUNE and do_px = 0 carry none.
 * PX received is handed up entry by entry (garbage IDs and our own ID
 * skipped, at most prune_peers_max), and ignored from a peer whose score
 * is under accept_px_threshold.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

#define TOPIC	"px-topic"
#define NPEERS	8

struct px_seen {
	char	from[P2P_PEER_ID_TEXT_MAX];
	uint8_t	id[P2P_PEER_ID_MAX];
	size_t	idlen;
	size_t	reclen;
};

struct world {
	struct p2p_identity	 me;
	struct p2p_identity	 peer[NPEERS];
	struct ps_router	*ps;
	/* the last RPC sent to each peer, decoded */
	Libp2pPubsub__RPC	*last[NPEERS];
	struct px_seen		 px[64];
	size_t			 npx;
	int			 record_of;	/* peer whose record we hold */
};

static struct world	*W;
static const uint8_t	 fake_record[] = "signed-envelope-bytes";

static int
w_send(void *arg, const char *peer, const uint8_t *rpc, size_t len)
{
	struct world		*w = arg;
	Libp2pPubsub__RPC	*r;
	int			 i;

	for (i = 0; i < NPEERS; i++) {
		if (strcmp(w->peer[i].peer_id_text, peer) != 0)
			continue;
		r = ps_rpc_decode(rpc, len);
		ck_assert_ptr_nonnull(r);
		if (r->control == NULL || r->control->n_prune == 0) {
			libp2p_pubsub__rpc__free_unpacked(r, NULL);
			return 0;
		}
		if (w->last[i] != NULL)
			libp2p_pubsub__rpc__free_unpacked(w->last[i], NULL);
		w->last[i] = r;
	}
	return 0;
}

static void
w_deliver(void *arg, const char *topic, const char *author, const char *from,
    const uint8_t *data, size_t len)
{
	(void)arg; (void)topic; (void)author; (void)from; (void)data;
	(void)len;
}

static void
w_penalize(void *arg, const char *peer, const char *reason)
{
	(void)arg; (void)peer; (void)reason;
}

static uint64_t
w_now(void *arg)
{
	(void)arg;
	return 5000000;
}

static size_t
w_record(void *arg, const char *peer, const uint8_t **rec)
{
	struct world	*w = arg;

	if (w->record_of < 0 ||
	    strcmp(peer, w->peer[w->record_of].peer_id_text) != 0)
		return 0;
	*rec = fake_record;
	return sizeof(fake_record);
}

static void
w_px(void *arg, const char *from, const uint8_t *id, size_t idlen,
    const uint8_t *rec, size_t reclen)
{
	struct world	*w = arg;
	struct px_seen	*s = &w->px[w->npx++];

	ck_assert_uint_le(w->npx, 64);
	ck_assert_uint_le(idlen, P2P_PEER_ID_MAX);
	snprintf(s->from, sizeof(s->from), "%s", from);
	memcpy(s->id, id, idlen);
	s->idlen = idlen;
	s->reclen = rec != NULL ? reclen : 0;
}

static const struct ps_ops w_ops = {
	w_send, w_deliver, w_penalize, w_now, w_record, w_px,
};

/* A router with D=2, Dlo=1, Dhi=3 and peers subscribed to TOPIC. */
static void
w_new(int do_px, size_t prune_peers_max, int npeers)
{
	struct ps_params	pp;
	struct ps_buf		w = { 0 };
	uint8_t			seed[32];
	char			ip[32];
	int			i;

	W = calloc(1, sizeof(*W));
	W->record_of = -1;
	memset(seed, 0x11, sizeof(seed));
	p2p_identity_from_seed(&W->me, seed);
	ps_params_default(&pp);
	pp.d = 2;
	pp.d_lo = 1;
	pp.d_hi = 3;
	pp.d_score = 1;
	pp.d_out = 0;
	pp.d_lazy = 2;
	pp.seed = 7;
	pp.do_px = do_px;
	pp.prune_peers_max = prune_peers_max;
	W->ps = ps_new(&w_ops, W, &W->me, &pp);
	ck_assert_ptr_nonnull(W->ps);
	ck_assert_int_eq(ps_join(W->ps, TOPIC), 0);
	ps_rpc_sub(&w, 1, TOPIC, strlen(TOPIC));
	for (i = 0; i < npeers; i++) {
		memset(seed, 0x40 + i, sizeof(seed));
		p2p_identity_from_seed(&W->peer[i], seed);
		snprintf(ip, sizeof(ip), "10.0.0.%d", i + 1);
		ck_assert_int_eq(ps_add_peer(W->ps, W->peer[i].peer_id_text,
		    PS_MESHSUB11, 0, ip), 0);
		ck_assert_int_eq(ps_recv(W->ps, W->peer[i].peer_id_text, w.b,
		    w.len), 0);
	}
	ps_buf_free(&w);
}

static void
w_free(void)
{
	int	i;

	for (i = 0; i < NPEERS; i++)
		if (W->last[i] != NULL)
			libp2p_pubsub__rpc__free_unpacked(W->last[i], NULL);
	ps_free(W->ps);
	free(W);
}

/* Peer i sends a control message: tag 0x1a GRAFT, 0x22 PRUNE with body. */
static void
w_control(int i, uint8_t tag, const struct ps_buf *body)
{
	struct ps_buf	c = { 0 }, w = { 0 };

	ps_buf_field(&c, tag, body->b, body->len);
	ps_buf_field(&w, 0x1a, c.b, c.len);
	ck_assert_int_eq(ps_recv(W->ps, W->peer[i].peer_id_text, w.b, w.len),
	    0);
	ps_buf_free(&c);
	ps_buf_free(&w);
}

static void
w_graft(int i)
{
	struct ps_buf	g = { 0 };

	ps_buf_field(&g, 0x0a, TOPIC, strlen(TOPIC));
	w_control(i, 0x1a, &g);
	ps_buf_free(&g);
	ps_heartbeat(W->ps);		/* flushes the pending PRUNE */
}

/* Index of the peer whose binary ID is id, or -1. */
static int
w_peer_of(const uint8_t *id, size_t len)
{
	int	i;

	for (i = 0; i < NPEERS; i++)
		if (W->peer[i].peer_id.len == len &&
		    memcmp(W->peer[i].peer_id.bytes, id, len) == 0)
			return i;
	return -1;
}

START_TEST(test_overflow_prune_carries_px)
{
	Libp2pPubsub__ControlPrune	*pr;
	size_t				 j;
	int				 i, k, with_record = 0;

	w_new(1, 16, 6);
	W->record_of = 1;
	for (i = 0; i < 3; i++)
		w_graft(i);
	ck_assert_uint_eq(ps_mesh_count(W->ps, TOPIC), 3);
	ck_assert_int_eq(ps_peer_misbehaved(W->ps, W->peer[4].peer_id_text,
	    20), 0);	/* negative: never offered */
	w_graft(3);	/* over Dhi and inbound: PRUNE with PX */
	ck_assert_ptr_nonnull(W->last[3]);
	pr = W->last[3]->control->prune[0];
	ck_assert(pr->has_backoff);
	ck_assert_uint_eq(pr->backoff, 60);
	ck_assert_uint_eq(pr->n_peers, 4);	/* 0, 1, 2, 5 */
	for (j = 0; j < pr->n_peers; j++) {
		k = w_peer_of(pr->peers[j]->peerid.data,
		    pr->peers[j]->peerid.len);
		ck_assert_int_ge(k, 0);
		ck_assert_int_ne(k, 3);
		ck_assert_int_ne(k, 4);
		if (pr->peers[j]->has_signedpeerrecord) {
			ck_assert_int_eq(k, 1);
			ck_assert_uint_eq(pr->peers[j]->signedpeerrecord.len,
			    sizeof(fake_record));
			with_record++;
		}
	}
	ck_assert_int_eq(with_record, 1);
	w_free();
}
END_TEST

START_TEST(test_prune_peers_max_and_no_px)
{
	w_new(1, 2, 8);
	w_graft(0);
	w_graft(1);
	w_graft(2);
	w_graft(3);
	ck_assert_uint_eq(W->last[3]->control->prune[0]->n_peers, 2);
	/* an unsubscribe PRUNE carries no PX */
	ck_assert_int_eq(ps_leave(W->ps, TOPIC), 0);
	ps_heartbeat(W->ps);
	ck_assert_ptr_nonnull(W->last[0]);
	ck_assert_uint_eq(W->last[0]->control->prune[0]->n_peers, 0);
	ck_assert_uint_eq(W->last[0]->control->prune[0]->backoff, 10);
	w_free();
	/* do_px off: none either */
	w_new(0, 16, 6);
	w_graft(0);
	w_graft(1);
	w_graft(2);
	w_graft(3);
	ck_assert_ptr_nonnull(W->last[3]);
	ck_assert_uint_eq(W->last[3]->control->prune[0]->n_peers, 0);
	w_free();
}
END_TEST

/* Peer `from` PRUNEs us on TOPIC offering ids (NULL: garbage). */
static void
w_prune_px(int from, const struct p2p_peer_id *const *ids, size_t n)
{
	struct ps_buf	pr = { 0 }, pi = { 0 };
	size_t		i;

	ps_buf_field(&pr, 0x0a, TOPIC, strlen(TOPIC));
	for (i = 0; i < n; i++) {
		pi.len = 0;
		if (ids[i] != NULL)
			ps_buf_field(&pi, 0x0a, ids[i]->bytes, ids[i]->len);
		else
			ps_buf_field(&pi, 0x0a, "junk", 4);
		ps_buf_field(&pi, 0x12, "rec", 3);
		ps_buf_field(&pr, 0x12, pi.b, pi.len);
	}
	w_control(from, 0x22, &pr);
	ps_buf_free(&pr);
	ps_buf_free(&pi);
}

START_TEST(test_px_received)
{
	const struct p2p_peer_id	*ids[5];
	struct ps_stats			 st;

	w_new(1, 16, 4);
	ids[0] = &W->peer[2].peer_id;
	ids[1] = NULL;			/* not a peer ID */
	ids[2] = &W->me.peer_id;	/* ourselves */
	ids[3] = &W->peer[3].peer_id;
	w_prune_px(0, ids, 4);
	ck_assert_uint_eq(W->npx, 2);
	ck_assert_str_eq(W->px[0].from, W->peer[0].peer_id_text);
	ck_assert_int_eq(w_peer_of(W->px[0].id, W->px[0].idlen), 2);
	ck_assert_int_eq(w_peer_of(W->px[1].id, W->px[1].idlen), 3);
	ck_assert_uint_eq(W->px[1].reclen, 3);
	ps_stats(W->ps, &st);
	ck_assert_uint_eq(st.px_in, 2);
	ck_assert_uint_eq(st.px_refused, 0);
	w_free();
}
END_TEST

START_TEST(test_px_capped)
{
	const struct p2p_peer_id	*ids[40];
	size_t				 i;

	w_new(1, 3, 4);
	for (i = 0; i < 40; i++)
		ids[i] = &W->peer[2 + i % 2].peer_id;
	w_prune_px(0, ids, 40);
	ck_assert_uint_eq(W->npx, 3);
	w_free();
}
END_TEST

START_TEST(test_px_from_low_score_ignored)
{
	const struct p2p_peer_id	*ids[1];
	struct ps_stats			 st;
	double				 score;

	w_new(1, 16, 4);
	ids[0] = &W->peer[2].peer_id;
	ck_assert_int_eq(ps_peer_misbehaved(W->ps, W->peer[1].peer_id_text,
	    10), 0);
	ck_assert_int_eq(ps_peer_score(W->ps, W->peer[1].peer_id_text,
	    &score), 0);
	ck_assert(score < 0);
	w_prune_px(1, ids, 1);
	ck_assert_uint_eq(W->npx, 0);
	ps_stats(W->ps, &st);
	ck_assert_uint_eq(st.px_refused, 1);
	/* the same offer from a peer at 0 is heeded */
	w_prune_px(0, ids, 1);
	ck_assert_uint_eq(W->npx, 1);
	w_free();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("pubsub peer exchange");
	TCase	*tc = tcase_create("px");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_overflow_prune_carries_px);
	tcase_add_test(tc, test_prune_peers_max_and_no_px);
	tcase_add_test(tc, test_px_received);
	tcase_add_test(tc, test_px_capped);
	tcase_add_test(tc, test_px_from_low_score_ignored);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
