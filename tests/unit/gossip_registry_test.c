/*
 * Unit tests for registry.c and sync.c: the registry (defaults,
 * copies, updaters that ignore unknown peers, node_status and handshake,
 * connections, the size bound and the TTL sweep), SelectSyncPeer's cases of
 * Teranode's peer_selector_test.go, and the sync coordinator's scenarios of
 * sync_coordinator_test.go on a simulated clock.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "teranode/registry.h"

#define H1	"00000000000000000000000000000000000000000000000000000000000000a1"
#define H2	"00000000000000000000000000000000000000000000000000000000000000b2"
#define URL1	"https://a.example/api/v1"
#define URL2	"https://b.example/api/v1"

/* ---- registry ------------------------------------------------------------ */

START_TEST(test_registry_basics)
{
	struct tn_registry		 r;
	struct tn_registry_peer	*p, copy;
	struct tn_registry_peer	 list[4];
	char				 big[TN_REGISTRY_ID_MAX + 2];

	ck_assert_int_eq(tn_registry_init(&r, 0, 0), -1);
	ck_assert_int_eq(tn_registry_init(&r, 8, 0), 0);
	p = tn_registry_add(&r, "peerA", 1000);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->healthy, 1);
	ck_assert_int_eq(p->url_responsive, 0);
	ck_assert_uint_eq(p->connected_at_ms, 1000);
	ck_assert_uint_eq(p->last_message_ms, 1000);
	p->height = 5;
	/* adding again returns the entry as it is */
	ck_assert_ptr_eq(tn_registry_add(&r, "peerA", 2000), p);
	ck_assert_uint_eq(p->height, 5);
	ck_assert_uint_eq(p->connected_at_ms, 1000);
	ck_assert_ptr_null(tn_registry_add(&r, "", 0));
	ck_assert_ptr_null(tn_registry_add(&r, NULL, 0));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(tn_registry_add(&r, big, 0));

	/* updaters */
	ck_assert_int_eq(tn_registry_set_height(&r, "peerA", 10, H1), 0);
	ck_assert_int_eq(tn_registry_set_height(&r, "peerA", 11, NULL), 0);
	ck_assert_uint_eq(p->height, 11);
	ck_assert_str_eq(p->best_hash, H1);
	ck_assert_int_eq(tn_registry_set_block_hash(&r, "peerA", H2), 0);
	ck_assert_str_eq(p->best_hash, H2);
	ck_assert_int_eq(tn_registry_set_data_hub_url(&r, "peerA", URL1),
	    0);
	ck_assert_int_eq(tn_registry_set_data_hub_url(&r, "peerA", ""), 0);
	ck_assert_str_eq(p->data_hub_url, URL1);
	ck_assert_int_eq(tn_registry_set_health(&r, "peerA", 1, 42, 3000),
	    0);
	ck_assert_uint_eq(p->health_duration_ms, 42);
	ck_assert_uint_eq(p->last_health_check_ms, 3000);
	ck_assert_int_eq(tn_registry_set_health(&r, "peerA", 0, 42, 4000),
	    0);
	ck_assert_int_eq(p->healthy, 0);
	ck_assert_uint_eq(p->health_duration_ms, 0);
	ck_assert_int_eq(tn_registry_set_url_responsive(&r, "peerA", 1,
	    5000), 0);
	ck_assert_int_eq(p->url_responsive, 1);
	ck_assert_uint_eq(p->last_url_check_ms, 5000);
	ck_assert_int_eq(tn_registry_set_ban(&r, "peerA", 20, 0), 0);
	ck_assert_int_eq(p->ban_score, 20);
	ck_assert_int_eq(tn_registry_add_bytes(&r, "peerA", 100, 7), 0);
	ck_assert_int_eq(tn_registry_add_bytes(&r, "peerA", 1, 1), 0);
	ck_assert_uint_eq(p->bytes_in, 101);
	ck_assert_uint_eq(p->bytes_out, 8);
	ck_assert_int_eq(tn_registry_touch(&r, "peerA", 6000), 0);
	ck_assert_uint_eq(p->last_message_ms, 6000);
	ck_assert_int_eq(tn_registry_block_seen(&r, "peerA", 7000), 0);
	ck_assert_uint_eq(p->last_block_ms, 7000);
	ck_assert_uint_eq(p->last_message_ms, 7000);

	/* unknown peers: no-ops */
	ck_assert_int_eq(tn_registry_set_height(&r, "nope", 1, H1), -1);
	ck_assert_int_eq(tn_registry_set_block_hash(&r, "nope", H1), -1);
	ck_assert_int_eq(tn_registry_set_data_hub_url(&r, "nope", URL1),
	    -1);
	ck_assert_int_eq(tn_registry_set_health(&r, "nope", 1, 1, 1), -1);
	ck_assert_int_eq(tn_registry_set_url_responsive(&r, "nope", 1, 1),
	    -1);
	ck_assert_int_eq(tn_registry_set_ban(&r, "nope", 1, 1), -1);
	ck_assert_int_eq(tn_registry_add_bytes(&r, "nope", 1, 1), -1);
	ck_assert_int_eq(tn_registry_touch(&r, "nope", 1), -1);
	ck_assert_int_eq(tn_registry_block_seen(&r, "nope", 1), -1);
	ck_assert_int_eq(tn_registry_connected(&r, "nope", "/ip4/1.2.3.4",
	    0, 1), -1);
	ck_assert_int_eq(tn_registry_disconnected(&r, "nope"), -1);
	ck_assert_uint_eq(tn_registry_count(&r), 1);

	/* copies are copies */
	ck_assert_int_eq(tn_registry_copy(&r, "peerA", &copy), 0);
	copy.height = 999;
	ck_assert_uint_eq(p->height, 11);
	ck_assert_int_eq(tn_registry_copy(&r, "nope", &copy), -1);
	ck_assert_ptr_nonnull(tn_registry_add(&r, "peerB", 1));
	ck_assert_uint_eq(tn_registry_list(&r, list, 4), 2);
	ck_assert_uint_eq(tn_registry_list(&r, list, 1), 1);
	ck_assert_int_eq(tn_registry_remove(&r, "peerA"), 0);
	ck_assert_int_eq(tn_registry_remove(&r, "peerA"), -1);
	ck_assert_ptr_null(tn_registry_get(&r, "peerA"));
	ck_assert_ptr_nonnull(tn_registry_get(&r, "peerB"));
	ck_assert_uint_eq(tn_registry_count(&r), 1);
	tn_registry_fini(&r);
}
END_TEST

START_TEST(test_registry_said)
{
	struct tn_registry		 r;
	struct tn_registry_peer	*p;
	struct tn_msg_node_status	 st;
	struct tn_msg_handshake	 hs;

	ck_assert_int_eq(tn_registry_init(&r, 4, 0), 0);
	p = tn_registry_add(&r, "peerA", 0);
	memset(&st, 0, sizeof(st));
	strcpy(st.client_name, "teranode");
	strcpy(st.version, "v0.11.0");
	strcpy(st.fsm_state, "RUNNING");
	strcpy(st.listen_mode, "full");
	strcpy(st.storage, "pruned");
	strcpy(st.base_url, URL1);
	strcpy(st.best_block_hash, H1);
	st.best_height = 100;
	ck_assert_int_eq(tn_registry_apply_status(&r, "peerA", &st, 50), 0);
	ck_assert_str_eq(p->client_name, "teranode");
	ck_assert_str_eq(p->version, "v0.11.0");
	ck_assert_str_eq(p->fsm_state, "RUNNING");
	ck_assert_str_eq(p->storage, "pruned");
	ck_assert_str_eq(p->data_hub_url, URL1);
	ck_assert_str_eq(p->best_hash, H1);
	ck_assert_uint_eq(p->height, 100);
	ck_assert_uint_eq(p->last_status_ms, 50);
	/* height 0 and no base_url (listen-only) leave what we knew */
	st.best_height = 0;
	st.base_url[0] = '\0';
	strcpy(st.best_block_hash, H2);
	ck_assert_int_eq(tn_registry_apply_status(&r, "peerA", &st, 60), 0);
	ck_assert_uint_eq(p->height, 100);
	ck_assert_str_eq(p->best_hash, H1);
	ck_assert_str_eq(p->data_hub_url, URL1);
	ck_assert_int_eq(tn_registry_apply_status(&r, "x", &st, 60), -1);

	memset(&hs, 0, sizeof(hs));
	strcpy(hs.type, "version");
	strcpy(hs.user_agent, "terap2p/bitcoin/1.0");
	strcpy(hs.topic_prefix, "teranode/bitcoin/1.0.0/mainnet");
	hs.services = 3;
	hs.best_height = 200;
	strcpy(hs.best_hash, H2);
	strcpy(hs.data_hub_url, URL2);
	ck_assert_int_eq(tn_registry_apply_handshake(&r, "peerA", &hs, 70),
	    0);
	ck_assert_str_eq(p->user_agent, "terap2p/bitcoin/1.0");
	ck_assert_str_eq(p->topic_prefix, "teranode/bitcoin/1.0.0/mainnet");
	ck_assert_uint_eq(p->services, 3);
	ck_assert_uint_eq(p->height, 200);
	ck_assert_str_eq(p->best_hash, H2);
	ck_assert_str_eq(p->data_hub_url, URL2);
	ck_assert_int_eq(tn_registry_apply_handshake(&r, "x", &hs, 70), -1);

	/* connections: addresses deduplicated, bounded, dropped with the last */
	ck_assert_int_eq(tn_registry_connected(&r, "peerA",
	    "/ip4/1.2.3.4/tcp/9905", 1, 80), 0);
	ck_assert_int_eq(tn_registry_connected(&r, "peerA",
	    "/ip4/1.2.3.4/tcp/9905", 0, 80), 0);
	ck_assert_int_eq(tn_registry_connected(&r, "peerA", "/ip4/5.6.7.8",
	    0, 80), 0);
	ck_assert_int_eq(tn_registry_connected(&r, "peerA", "/a", 0, 80), 0);
	ck_assert_int_eq(tn_registry_connected(&r, "peerA", "/b", 0, 80), 0);
	ck_assert_int_eq(tn_registry_connected(&r, "peerA", "/c", 0, 80), 0);
	ck_assert_int_eq(p->nconns, 6);
	ck_assert_uint_eq(p->naddrs, TN_REGISTRY_ADDRS_MAX);
	ck_assert_str_eq(p->addrs[1], "/ip4/5.6.7.8");
	ck_assert_int_eq(p->inbound, 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(tn_registry_disconnected(&r, "peerA"), 0);
	ck_assert_uint_eq(p->naddrs, TN_REGISTRY_ADDRS_MAX);
	ck_assert_int_eq(tn_registry_disconnected(&r, "peerA"), 0);
	ck_assert_int_eq(p->nconns, 0);
	ck_assert_uint_eq(p->naddrs, 0);
	ck_assert_int_eq(tn_registry_disconnected(&r, "peerA"), 0);
	ck_assert_int_eq(p->nconns, 0);
	tn_registry_fini(&r);
}
END_TEST

START_TEST(test_registry_bounds)
{
	struct tn_registry	r;

	ck_assert_int_eq(tn_registry_init(&r, 3, 60000), 0);
	ck_assert_ptr_nonnull(tn_registry_add(&r, "a", 100));
	ck_assert_ptr_nonnull(tn_registry_add(&r, "b", 50));
	ck_assert_ptr_nonnull(tn_registry_add(&r, "c", 200));
	ck_assert_int_eq(tn_registry_connected(&r, "b", "/x", 0, 50), 0);
	/* full: the longest-silent peer without a connection goes (a, not b) */
	ck_assert_ptr_nonnull(tn_registry_add(&r, "d", 300));
	ck_assert_uint_eq(tn_registry_count(&r), 3);
	ck_assert_ptr_null(tn_registry_get(&r, "a"));
	ck_assert_ptr_nonnull(tn_registry_get(&r, "b"));
	ck_assert_uint_eq(r.evicted, 1);
	/* every entry connected: nothing can come in */
	ck_assert_int_eq(tn_registry_connected(&r, "c", NULL, 0, 200), 0);
	ck_assert_int_eq(tn_registry_connected(&r, "d", NULL, 0, 300), 0);
	ck_assert_ptr_null(tn_registry_add(&r, "e", 400));
	ck_assert_ptr_nonnull(tn_registry_add(&r, "d", 400));

	/* TTL: silent and unconnected entries go, others stay */
	ck_assert_int_eq(tn_registry_disconnected(&r, "c"), 0);
	ck_assert_int_eq(tn_registry_disconnected(&r, "d"), 0);
	ck_assert_int_eq(tn_registry_touch(&r, "d", 30000), 0);
	ck_assert_uint_eq(tn_registry_sweep(&r, 60199), 0);
	ck_assert_uint_eq(tn_registry_sweep(&r, 60200), 1);	/* c */
	ck_assert_ptr_null(tn_registry_get(&r, "c"));
	ck_assert_uint_eq(tn_registry_sweep(&r, 10000000), 1);	/* d */
	ck_assert_ptr_nonnull(tn_registry_get(&r, "b"));	/* connected */
	ck_assert_uint_eq(r.expired, 2);
	/* a clock behind an entry's time removes nothing */
	ck_assert_ptr_nonnull(tn_registry_add(&r, "f", 90000));
	ck_assert_uint_eq(tn_registry_sweep(&r, 10), 0);
	tn_registry_fini(&r);

	/* no TTL: nothing expires */
	ck_assert_int_eq(tn_registry_init(&r, 2, 0), 0);
	ck_assert_ptr_nonnull(tn_registry_add(&r, "a", 0));
	ck_assert_uint_eq(tn_registry_sweep(&r, UINT64_MAX), 0);
	tn_registry_fini(&r);
}
END_TEST

/* ---- SelectSyncPeer (peer_selector_test.go) ------------------------------ */

static struct tn_registry_peer
eligible(const char *id, uint32_t height)
{
	struct tn_registry_peer	p;

	memset(&p, 0, sizeof(p));
	strcpy(p.id, id);
	p.height = height;
	p.healthy = 1;
	p.url_responsive = 1;
	strcpy(p.data_hub_url, URL1);
	strcpy(p.best_hash, H1);
	return p;
}

static int
sel(const struct tn_registry_peer *peers, size_t n, uint32_t local,
    const char *forced, const char *previous)
{
	struct tn_registry_select_opts	o = { local, forced, previous };

	return tn_registry_select(peers, n, &o);
}

START_TEST(test_select)
{
	struct tn_registry_peer	p[6];

	memset(p, 0, sizeof(p));
	ck_assert_int_eq(sel(p, 0, 0, NULL, NULL), -1);		/* no peers */
	p[0] = eligible("A", 100);
	ck_assert_int_eq(sel(p, 1, 50, NULL, NULL), 0);		/* basic */
	ck_assert_int_eq(sel(p, 1, 100, NULL, NULL), -1);	/* none ahead */
	ck_assert_int_eq(sel(p, 1, 150, "", ""), -1);

	/* each eligibility rule */
	p[0].healthy = 0;
	ck_assert_int_eq(sel(p, 1, 0, NULL, NULL), -1);
	p[0] = eligible("A", 100);
	p[0].data_hub_url[0] = '\0';
	ck_assert_int_eq(sel(p, 1, 0, NULL, NULL), -1);
	p[0] = eligible("A", 100);
	p[0].url_responsive = 0;
	ck_assert_int_eq(sel(p, 1, 0, NULL, NULL), -1);
	p[0] = eligible("A", 0);
	ck_assert_int_eq(sel(p, 1, 0, NULL, NULL), -1);
	p[0] = eligible("A", 100);
	p[0].banned = 1;
	ck_assert_int_eq(sel(p, 1, 0, NULL, NULL), -1);

	/* forced: present wins even if ineligible; absent gives none */
	ck_assert_int_eq(sel(p, 1, 500, "A", NULL), 0);
	ck_assert_int_eq(sel(p, 1, 0, "B", NULL), -1);

	/* a lower ban score beats a greater height */
	p[0] = eligible("A", 200);
	p[0].ban_score = 10;
	p[1] = eligible("B", 150);
	p[1].ban_score = 0;
	ck_assert_int_eq(sel(p, 2, 100, NULL, NULL), 1);
	/* equal scores: the highest */
	p[0].ban_score = 0;
	ck_assert_int_eq(sel(p, 2, 100, NULL, NULL), 0);
	/* equal heights: the fastest health check */
	p[1].height = 200;
	p[0].health_duration_ms = 30;
	p[1].health_duration_ms = 20;
	ck_assert_int_eq(sel(p, 2, 100, NULL, NULL), 1);
	/* all equal: the smallest ID, whatever the order */
	p[1].health_duration_ms = 30;
	ck_assert_int_eq(sel(p, 2, 100, NULL, NULL), 0);
	p[2] = p[0];
	p[0] = p[1];
	p[1] = p[2];
	ck_assert_int_eq(sel(p, 2, 100, NULL, NULL), 1);	/* "A" */
	/* previous top candidate skipped when there is another */
	ck_assert_int_eq(sel(p, 2, 100, NULL, "A"), 0);		/* "B" */
	ck_assert_int_eq(sel(p, 2, 100, NULL, "B"), 1);
	ck_assert_int_eq(sel(p + 1, 1, 100, NULL, "A"), 0);	/* alone */

	/* complex mix: only one is fully eligible */
	p[0] = eligible("P1", 300);
	p[0].healthy = 0;
	p[1] = eligible("P2", 300);
	p[1].banned = 1;
	p[2] = eligible("P3", 300);
	p[2].url_responsive = 0;
	p[3] = eligible("P4", 250);
	p[4] = eligible("P5", 90);	/* behind */
	p[5] = eligible("P6", 400);
	p[5].data_hub_url[0] = '\0';
	ck_assert_int_eq(sel(p, 6, 100, NULL, NULL), 3);
	ck_assert_int_eq(sel(p, 6, 100, NULL, "P4"), 3);
}
END_TEST

/* ---- the sync coordinator (sync_coordinator_test.go) --------------------- */

struct fix {
	struct tn_registry		r;
	struct tn_sync		s;
	struct tn_sync_actions	a;
};

static void
fix_init(struct fix *f, const char *forced)
{
	struct tn_sync_params	p;

	ck_assert_int_eq(tn_registry_init(&f->r, 16, 0), 0);
	tn_sync_params_default(&p);
	if (forced != NULL)
		strcpy(p.forced, forced);
	tn_sync_init(&f->s, &f->r, &p);
	f->a.n = 0;
}

static void
fix_peer(struct fix *f, const char *id, uint32_t height, const char *hash,
    const char *url, uint64_t now)
{
	struct tn_registry_peer	*p = tn_registry_add(&f->r, id, now);

	ck_assert_ptr_nonnull(p);
	p->height = height;
	if (hash != NULL)
		strcpy(p->best_hash, hash);
	if (url != NULL) {
		strcpy(p->data_hub_url, url);
		p->url_responsive = 1;
	}
}

/* Expect exactly these actions ("S:id", "T:id", "C:id", "N"), then reset. */
static void
expect(struct fix *f, const char *want)
{
	char	got[512] = "";
	size_t	i;

	for (i = 0; i < f->a.n; i++) {
		const struct tn_sync_action	*x = &f->a.a[i];

		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%c%s%s",
		    i > 0 ? " " : "",
		    x->kind == TN_SYNC_ACT_SELECT ? 'S' :
		    x->kind == TN_SYNC_ACT_TRIGGER ? 'T' :
		    x->kind == TN_SYNC_ACT_CLEAR ? 'C' : 'N',
		    x->peer[0] != '\0' ? ":" : "", x->peer);
	}
	ck_assert_str_eq(got, want);
	f->a.n = 0;
}

START_TEST(test_sync_trigger)
{
	struct fix	f;

	fix_init(&f, NULL);
	tn_sync_set_local_height(&f.s, 100);
	/* nobody: no error, nothing changes */
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "N");
	ck_assert_ptr_null(tn_sync_peer(&f.s));
	fix_peer(&f, "A", 90, H1, URL1, 0);		/* behind */
	fix_peer(&f, "B", 150, H2, URL2, 0);
	fix_peer(&f, "C", 300, H1, NULL, 0);		/* no DataHub */
	tn_sync_trigger(&f.s, 10, &f.a);
	ck_assert_uint_eq(f.a.n, 2);
	ck_assert_int_eq(f.a.a[1].kind, TN_SYNC_ACT_TRIGGER);
	ck_assert_str_eq(f.a.a[1].hash, H2);
	ck_assert_str_eq(f.a.a[1].url, URL2);
	expect(&f, "S:B T:B");
	ck_assert_str_eq(tn_sync_peer(&f.s), "B");
	ck_assert_uint_eq(f.s.triggers, 1);
	/* the same best peer again: unchanged, nothing sent */
	tn_sync_trigger(&f.s, 20, &f.a);
	expect(&f, "");
	ck_assert_uint_eq(f.s.sync_start_ms, 10);

	/* a peer without a best hash is selected but cannot be sent */
	tn_registry_fini(&f.r);
	fix_init(&f, NULL);
	fix_peer(&f, "A", 10, NULL, URL1, 0);
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "S:A");
	tn_registry_fini(&f.r);
}
END_TEST

/* Until the local height is known, nothing is sent to Kafka (RUNNING or
 * not, on a trigger or on the FSM timer). */
START_TEST(test_sync_no_trigger_without_local_height)
{
	struct fix	f;

	fix_init(&f, NULL);
	fix_peer(&f, "A", 200, H1, URL1, 0);
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_RUNNING);
	tn_sync_start(&f.s, 0);
	tn_sync_tick(&f.s, 60000, &f.a);
	expect(&f, "");
	tn_sync_trigger(&f.s, 60000, &f.a);
	expect(&f, "S:A");
	ck_assert_uint_eq(f.s.triggers, 0);
	tn_sync_set_local_height(&f.s, 10);
	tn_sync_tick(&f.s, 120000, &f.a);
	expect(&f, "T:A");
	tn_registry_fini(&f.r);
}
END_TEST

START_TEST(test_sync_disconnect_ban_failure)
{
	struct fix	f;

	fix_init(&f, NULL);
	fix_peer(&f, "A", 200, H1, URL1, 0);
	fix_peer(&f, "B", 150, H2, URL2, 0);
	fix_peer(&f, "C", 120, H2, URL2, 0);
	tn_sync_set_local_height(&f.s, 0);
	tn_sync_start(&f.s, 0);
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "S:A T:A");
	/* a peer that is not the sync peer leaves: nothing changes */
	tn_sync_peer_removed(&f.s, "C", 100, &f.a);
	expect(&f, "");
	ck_assert_ptr_null(tn_registry_get(&f.r, "C"));
	/* the sync peer leaves: cleared now, replaced a second later */
	tn_sync_peer_removed(&f.s, "A", 1000, &f.a);
	expect(&f, "C:A");
	ck_assert_ptr_null(tn_registry_get(&f.r, "A"));
	ck_assert_ptr_null(tn_sync_peer(&f.s));
	tn_sync_tick(&f.s, 1999, &f.a);
	expect(&f, "");
	tn_sync_tick(&f.s, 2000, &f.a);	/* the FSM is not RUNNING */
	expect(&f, "S:B T:B");
	tn_sync_tick(&f.s, 3000, &f.a);
	expect(&f, "");

	/* banned: replaced at once; a ban on another peer changes nothing */
	fix_peer(&f, "D", 140, H1, URL1, 3000);
	tn_sync_peer_banned(&f.s, "D", 50, 0, 3000, &f.a);
	expect(&f, "");
	ck_assert_int_eq(tn_registry_get(&f.r, "D")->ban_score, 50);
	tn_sync_peer_banned(&f.s, "B", 100, 1, 3000, &f.a);
	expect(&f, "C:B S:D T:D");
	ck_assert_int_eq(tn_registry_get(&f.r, "B")->banned, 1);

	/* catch-up failure: marked unhealthy, replaced */
	fix_peer(&f, "E", 130, H2, URL2, 3000);
	tn_sync_catchup_failure(&f.s, 4000, &f.a);
	expect(&f, "C:D S:E T:E");
	ck_assert_int_eq(tn_registry_get(&f.r, "D")->healthy, 0);
	tn_sync_catchup_failure(&f.s, 4000, &f.a);
	expect(&f, "C:E N");
	tn_registry_fini(&f.r);
}
END_TEST

START_TEST(test_sync_forced)
{
	struct fix	f;

	fix_init(&f, "F");
	fix_peer(&f, "A", 200, H1, URL1, 0);
	tn_sync_set_local_height(&f.s, 100);
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "N");			/* forced peer absent */
	fix_peer(&f, "F", 50, H2, NULL, 0);	/* behind, no URL: still it */
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "S:F T:F");
	ck_assert_str_eq(f.a.a[1].url, "");
	tn_registry_fini(&f.r);
}
END_TEST

START_TEST(test_sync_fsm)
{
	struct fix	f;

	fix_init(&f, NULL);
	tn_sync_set_local_height(&f.s, 100);
	tn_sync_set_fsm(&f.s, tn_sync_fsm_parse("RUNNING"));
	ck_assert_int_eq(f.s.fsm, TN_SYNC_FSM_RUNNING);
	tn_sync_tick(&f.s, 5000, &f.a);	/* not started */
	expect(&f, "");
	tn_sync_start(&f.s, 0);
	/* caught up: the FSM is looked at again only 15 s later */
	ck_assert_int_eq(tn_sync_caught_up(&f.s), 1);
	tn_sync_tick(&f.s, 1999, &f.a);
	ck_assert_uint_eq(f.s.next_fsm_ms, 2000);
	tn_sync_tick(&f.s, 2000, &f.a);
	ck_assert_uint_eq(f.s.next_fsm_ms, 17000);
	fix_peer(&f, "A", 200, H1, URL1, 2000);
	ck_assert_int_eq(tn_sync_caught_up(&f.s), 0);
	tn_sync_tick(&f.s, 16999, &f.a);
	expect(&f, "");
	/* behind while RUNNING: select and trigger, look again in 2 s */
	tn_sync_tick(&f.s, 17000, &f.a);
	expect(&f, "S:A T:A");
	ck_assert_uint_eq(f.s.next_fsm_ms, 19000);
	/* still RUNNING and still behind it: the trigger is sent again */
	tn_sync_tick(&f.s, 19000, &f.a);
	expect(&f, "T:A");
	/* catching up: nothing is re-sent */
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_CATCHINGBLOCKS);
	tn_sync_tick(&f.s, 21000, &f.a);
	expect(&f, "");
	/* a better peer shows up while RUNNING and behind A: move to it */
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_RUNNING);
	fix_peer(&f, "B", 300, H2, URL2, 21000);
	tn_sync_tick(&f.s, 23000, &f.a);
	expect(&f, "C:A S:B T:B");
	/* caught up with B while A is still ahead of us: on to A */
	tn_sync_set_local_height(&f.s, 300);
	tn_registry_get(&f.r, "A")->height = 301;
	tn_sync_tick(&f.s, 25000, &f.a);
	expect(&f, "C:B S:A T:A");
	/* the sync peer vanished from the registry (Teranode dereferenced
	 * nil here) */
	ck_assert_int_eq(tn_registry_remove(&f.r, "A"), 0);
	fix_peer(&f, "C", 400, H1, URL1, 25000);
	tn_sync_tick(&f.s, 27000, &f.a);
	expect(&f, "C:A S:C T:C");
	ck_assert_int_eq(tn_sync_fsm_parse("catchingblocks"),
	    TN_SYNC_FSM_CATCHINGBLOCKS);
	ck_assert_int_eq(tn_sync_fsm_parse("bogus"),
	    TN_SYNC_FSM_UNKNOWN);
	tn_registry_fini(&f.r);
}
END_TEST

START_TEST(test_sync_evaluate)
{
	struct fix	f;
	uint64_t	t;

	fix_init(&f, NULL);
	tn_sync_set_local_height(&f.s, 100);
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_CATCHINGBLOCKS);
	fix_peer(&f, "A", 200, H1, URL1, 0);
	fix_peer(&f, "B", 150, H2, URL2, 0);
	tn_sync_start(&f.s, 0);
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "S:A T:A");
	/* A keeps talking: not stuck, whatever the time syncing */
	for (t = 30000; t <= 600000; t += 30000) {
		tn_registry_touch(&f.r, "A", t);
		tn_registry_touch(&f.r, "B", t);
		tn_sync_tick(&f.s, t, &f.a);
		expect(&f, "");
	}
	/* A falls silent: stuck after > 1 min of silence (> 5 min syncing) */
	tn_registry_touch(&f.r, "B", 700000);
	tn_sync_tick(&f.s, 630000, &f.a);
	expect(&f, "");
	tn_sync_tick(&f.s, 660000, &f.a);
	expect(&f, "");
	tn_sync_tick(&f.s, 690000, &f.a);
	expect(&f, "C:A S:B T:B");
	ck_assert_int_eq(tn_registry_get(&f.r, "A")->healthy, 0);

	/* unhealthy sync peer: replaced at the next evaluation */
	fix_peer(&f, "C", 140, H1, URL1, 700000);
	tn_registry_set_health(&f.r, "B", 0, 0, 700000);
	tn_sync_tick(&f.s, 720000, &f.a);
	expect(&f, "C:B S:C T:C");

	/* caught up with the sync peer: moved to one still ahead */
	tn_registry_set_health(&f.r, "B", 1, 5, 720000);
	tn_sync_set_local_height(&f.s, 140);
	tn_registry_touch(&f.r, "C", 750000);
	tn_sync_tick(&f.s, 750000, &f.a);
	expect(&f, "C:C S:B T:B");
	/* caught up with everyone: the sync peer stays */
	tn_sync_set_local_height(&f.s, 150);
	tn_registry_touch(&f.r, "B", 780000);
	tn_sync_tick(&f.s, 780000, &f.a);
	expect(&f, "");
	ck_assert_str_eq(tn_sync_peer(&f.s), "B");
	/* the sync peer gone from the registry: cleared at the evaluation */
	tn_registry_remove(&f.r, "B");
	tn_sync_tick(&f.s, 810000, &f.a);
	expect(&f, "C:B N");
	tn_registry_fini(&f.r);
}
END_TEST

START_TEST(test_sync_skip_block)
{
	struct fix	f;

	fix_init(&f, NULL);
	fix_peer(&f, "A", 100, H1, URL1, 0);
	fix_peer(&f, "B", 90, H1, URL1, 0);
	tn_sync_set_local_height(&f.s, 0);
	/* no sync peer: nothing skipped */
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_CATCHINGBLOCKS);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "B", 5), 0);
	tn_sync_trigger(&f.s, 0, &f.a);
	expect(&f, "S:A T:A");
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "B", 200), 1);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, NULL, 200), 1);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "A", 99), 1);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "A", 100), 0);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "A", 101), 0);
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_LEGACYSYNCING);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "B", 200), 1);
	/* RUNNING: everything passes */
	tn_sync_set_fsm(&f.s, TN_SYNC_FSM_RUNNING);
	ck_assert_int_eq(tn_sync_skip_block(&f.s, "B", 1), 0);
	tn_registry_fini(&f.r);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tn_registry");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_registry_basics);
	tcase_add_test(tc, test_registry_said);
	tcase_add_test(tc, test_registry_bounds);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_sync_trigger);
	tcase_add_test(tc, test_sync_no_trigger_without_local_height);
	tcase_add_test(tc, test_sync_disconnect_ban_failure);
	tcase_add_test(tc, test_sync_forced);
	tcase_add_test(tc, test_sync_fsm);
	tcase_add_test(tc, test_sync_evaluate);
	tcase_add_test(tc, test_sync_skip_block);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
