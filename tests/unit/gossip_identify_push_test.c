/*
 * Unit test of identify's signed peer record and identify push: two real
 * libp2p hosts in one process over loopback TCP.  After identify each
 * holds the other's record (checked: it names that peer).  When B starts
 * serving a new protocol it pushes identify and A sees the protocol (and
 * its identified callback runs again); when B stops serving it, A sees
 * that too.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <sodium.h>

#include "libp2p/libp2p.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define EXTRA	"/terap2p-test/push/1.0.0"

struct node {
	struct p2p_host	 h;
	struct proc	 p;
	int		 identified;
};

static const struct p2p_proto	extra_proto = {
	EXTRA, NULL, NULL, NULL, NULL, NULL,
};

static void
on_identified(void *arg, struct p2p_conn *c)
{
	(void)c;
	((struct node *)arg)->identified++;
}

/* A loopback TCP port nobody listens on now (the kernel's pick). */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
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
	ck_assert_int_eq(p2p_host_start(&n->h), 0);
}

static void
node_stop(struct node *n)
{
	p2p_host_stop(&n->h);
	ipc_free(n->p.ipc);
	config_free(n->p.cfg);
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
		if (c->state == P2P_CONN_OPEN && c->info.identified)
			return c;
	return NULL;
}

static int
lists(const struct p2p_conn *c, const char *proto)
{
	size_t	i;

	for (i = 0; i < c->info.nprotocols; i++)
		if (strcmp(c->info.protocols[i], proto) == 0)
			return 1;
	return 0;
}

START_TEST(test_record_and_push)
{
	struct event_base	*base = event_base_new();
	struct node		*a = xcalloc(1, sizeof(*a));
	struct node		*b = xcalloc(1, sizeof(*b));
	char			 dir[] = "/tmp/tp-push-XXXXXX", addr[200], cmd[300];
	struct p2p_peer_record	 r;
	struct p2p_conn		*ca;
	int			 pa, pb, i;

	ck_assert_int_eq(sodium_init() >= 0, 1);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	pa = free_port();
	node_start(a, base, dir, pa);
	pb = free_port();
	node_start(b, base, dir, pb);
	snprintf(addr, sizeof(addr), "/ip4/127.0.0.1/tcp/%d/p2p/%s", pb,
	    b->h.id.peer_id_text);
	ck_assert_int_eq(p2p_host_dial(&a->h, addr, NULL, cmd, sizeof(cmd)), 0);
	for (i = 0; i < 500 && (open_conn(&a->h) == NULL ||
	    open_conn(&b->h) == NULL); i++)
		spin(base, 10);
	ca = open_conn(&a->h);
	ck_assert_ptr_nonnull(ca);
	ck_assert_ptr_nonnull(open_conn(&b->h));
	/* each holds the other's checked record, with B's listen address */
	ck_assert_ptr_nonnull(ca->info.record);
	ck_assert_int_eq(p2p_record_open(ca->info.record, ca->info.record_len,
	    &r), P2P_RECORD_OK);
	ck_assert(p2p_identity_peer_id_equal(&r.peer, &b->h.id.peer_id));
	ck_assert_uint_ge(r.naddrs, 1);
	ck_assert_ptr_nonnull(open_conn(&b->h)->info.record);
	ck_assert(lists(ca, P2P_IDENTIFY_PUSH_ID));
	ck_assert(!lists(ca, EXTRA));
	ck_assert_int_eq(a->identified, 1);

	/* B serves one more protocol: A hears of it by push */
	ck_assert_int_eq(p2p_host_add_proto(&b->h, &extra_proto, NULL), 0);
	for (i = 0; i < 500 && !lists(ca, EXTRA); i++)
		spin(base, 10);
	ck_assert(lists(ca, EXTRA));
	ck_assert_int_eq(a->identified, 2);
	ck_assert_uint_eq(a->h.cnt.identify_pushes, 1);
	ck_assert_ptr_nonnull(ca->info.record);
	ck_assert_str_eq(ca->info.agent, b->h.agent);

	/* and when B stops serving it */
	ck_assert_int_eq(p2p_host_remove_proto(&b->h, &extra_proto), 0);
	ck_assert_int_eq(p2p_host_remove_proto(&b->h, &extra_proto), -1);
	for (i = 0; i < 500 && lists(ca, EXTRA); i++)
		spin(base, 10);
	ck_assert(!lists(ca, EXTRA));
	ck_assert_int_eq(a->identified, 3);

	node_stop(a);
	node_stop(b);
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
	Suite	*s = suite_create("gossip_identify_push");
	TCase	*tc = tcase_create("push");
	SRunner	*sr;
	int	 failed;

	log_init("test", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_record_and_push);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
