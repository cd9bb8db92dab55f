/*
 * Unit test of the pubsub streams' slow-peer handling: two real libp2p
 * hosts with the pubsub layer in one process over loopback TCP.  B stops
 * reading its socket; A publishes far more than a peer's queue holds.  A
 * must drop what does not fit (counted), hold local publishers back (busy)
 * and keep the connection; once B reads again A's queue drains, the
 * publishers are released and B has received messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "libp2p/libp2p.h"
#include "pubsub/pubsub.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define TOPIC	"slow"

struct node {
	struct p2p_host		 h;
	struct ps_meshsub	 ms;
	struct proc		 p;
	uint64_t		 got;		/* messages delivered */
	int			 unbusy;	/* times publishers were released */
};

static enum ps_verdict
on_message(void *arg, const char *topic, const char *author,
    const char *from, const uint8_t *data, size_t len)
{
	(void)topic;
	(void)author;
	(void)from;
	(void)data;
	(void)len;
	((struct node *)arg)->got++;
	return PS_ACCEPT;
}

static void
on_identified(void *arg, struct p2p_conn *c)
{
	ps_meshsub_attach(&((struct node *)arg)->ms, c);
}

static void
on_closed(void *arg, struct p2p_conn *c)
{
	ps_meshsub_detach(&((struct node *)arg)->ms, c);
}

static void
on_unbusy(void *arg)
{
	((struct node *)arg)->unbusy++;
}

static void
node_start(struct node *n, struct event_base *base, const char *dir, int port)
{
	char	conf[512], err[256], run[300];

	memset(n, 0, sizeof(*n));
	snprintf(conf, sizeof(conf), "data_dir = %s/%d\np2p_port = %d\n"
	    "p2p_listen_addresses = 127.0.0.1\n", dir, port, port);
	n->p.cfg = config_load_text(conf, strlen(conf), "test", 0, err,
	    sizeof(err));
	ck_assert_msg(n->p.cfg != NULL, "%s", err);
	n->p.base = base;
	n->p.role = "gossip";
	snprintf(run, sizeof(run), "%s/%d", dir, port);
	util_mkdirs(run, 0700);
	n->p.ipc = ipc_new(base, run, "gossip");
	n->h.p = &n->p;
	n->h.cbs.arg = n;
	n->h.cbs.identified = on_identified;
	n->h.cbs.closed = on_closed;
	ck_assert_int_eq(p2p_host_start(&n->h), 0);
	n->ms.unbusy = on_unbusy;
	n->ms.unbusy_arg = n;
	ck_assert_int_eq(ps_meshsub_start(&n->ms, &n->h, on_message, n), 0);
}

static void
spin(struct event_base *base, int ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static struct p2p_conn *
open_conn(struct p2p_host *h)
{
	struct p2p_conn	*c;

	TAILQ_FOREACH(c, &h->conns, entry)
		if (c->state == P2P_CONN_OPEN)
			return c;
	return NULL;
}

START_TEST(test_slow_peer_dropped_not_disconnected)
{
	struct event_base	*base = event_base_new();
	struct node		*a = xcalloc(1, sizeof(*a));
	struct node		*b = xcalloc(1, sizeof(*b));
	char			 dir[] = "/tmp/tp-slow-XXXXXX", addr[200], cmd[300];
	static uint8_t		 data[4096];
	struct p2p_conn		*cb;
	int			 pa, i, sent = 0;
	uint64_t		 conn_id;

	ck_assert_int_eq(sodium_init() >= 0, 1);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	pa = 26000 + (int)(getpid() % 10000);
	node_start(a, base, dir, pa);
	node_start(b, base, dir, pa + 1);
	ck_assert_int_eq(ps_join(b->ms.ps, TOPIC), 0);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", pa + 1,
	    b->h.id.peer_id_text);
	ck_assert_int_eq(p2p_host_dial(&a->h, addr, NULL, cmd, sizeof(cmd)), 0);
	/* connected, identified, B's subscription known to A */
	for (i = 0; i < 500 && (open_conn(&b->h) == NULL ||
	    ps_publish(a->ms.ps, TOPIC, (const uint8_t *)"x", 1) == -1 ||
	    b->got == 0); i++)
		spin(base, 10);
	ck_assert_msg(b->got > 0, "no message reached B");
	conn_id = open_conn(&a->h)->id;

	/* B stops reading; A publishes 8 MiB, far past a peer's queue */
	cb = open_conn(&b->h);
	bufferevent_disable(cb->bev, EV_READ);
	for (i = 0; i < 2048; i++) {
		data[0] = (uint8_t)i;
		data[1] = (uint8_t)(i >> 8);
		if (ps_publish(a->ms.ps, TOPIC, data, sizeof(data)) == 0)
			sent++;
		if (i % 64 == 63)
			spin(base, 1);
	}
	spin(base, 50);
	ck_assert_int_gt(sent, 0);
	ck_assert_msg(a->ms.dropped_slow > 0, "nothing dropped");
	ck_assert_int_eq(ps_meshsub_busy(&a->ms), 1);
	ck_assert_msg(p2p_host_find_id(&a->h, conn_id) != NULL,
	    "the slow peer was disconnected");

	/* B reads again: A's queue drains, publishers are released */
	bufferevent_enable(cb->bev, EV_READ);
	for (i = 0; i < 1000 && ps_meshsub_busy(&a->ms); i++)
		spin(base, 10);
	ck_assert_int_eq(ps_meshsub_busy(&a->ms), 0);
	ck_assert_int_ge(a->unbusy, 1);
	ck_assert_msg(p2p_host_find_id(&a->h, conn_id) != NULL,
	    "disconnected after draining");
	ck_assert_uint_gt(b->got, 1);

	ps_meshsub_stop(&a->ms);
	ps_meshsub_stop(&b->ms);
	p2p_host_stop(&a->h);
	p2p_host_stop(&b->h);
	ipc_free(a->p.ipc);
	ipc_free(b->p.ipc);
	config_free(a->p.cfg);
	config_free(b->p.cfg);
	free(a);
	free(b);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("gossip_meshsub_slow");
	TCase	*tc = tcase_create("slow");
	SRunner	*sr;
	int	 failed;

	log_init("test", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_slow_peer_dropped_not_disconnected);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
