/*
 * Unit tests for kad/dnsaddr.c: the TXT record filter, and whole
 * resolutions over c-ares on a libevent loop against a dnsmasq this test
 * starts on 127.0.0.1 (never the machine's resolver).
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "kad/kad.h"

#define ID_A	"12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B	"12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static pid_t	dns_pid;
static int	dns_waiting;	/* dnsmasq may not answer yet */
static char	dns_server[64];

struct answer {
	int	done, status;
	size_t	n;
	char	addrs[KAD_DNSADDR_RESULTS][KAD_PEERCACHE_ADDR_MAX];
	char	err[256];
	struct event_base *base;
};

static int
free_udp_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	int			fd, port;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void	resolve(const char *, struct answer *);

static void
dns_start(void)
{
	static struct answer	a;

	char	port[32];
	int	p = free_udp_port();

	snprintf(port, sizeof(port), "--port=%d", p);
	snprintf(dns_server, sizeof(dns_server), "127.0.0.1:%d", p);
	if ((dns_pid = fork()) == 0) {
		execl("/usr/sbin/dnsmasq", "dnsmasq", "-k", "--no-resolv",
		    "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
		    "--local=/test/",
		    port, "--listen-address=127.0.0.1", "--bind-interfaces",
		    "--txt-record=_dnsaddr.boot.test,dnsaddr=/ip4/127.0.0.1/"
		    "tcp/4001/p2p/" ID_A,
		    "--txt-record=_dnsaddr.boot.test,dnsaddr=/ip4/127.0.0.1/"
		    "tcp/4002/p2p/" ID_B,
		    "--txt-record=_dnsaddr.boot.test,dnsaddr=/dnsaddr/"
		    "nested.test/p2p/" ID_A,
		    "--txt-record=_dnsaddr.boot.test,unrelated=1",
		    "--txt-record=_dnsaddr.nested.test,dnsaddr=/ip6/::1/tcp/"
		    "4003/p2p/" ID_A,
		    "--txt-record=_dnsaddr.loop.test,dnsaddr=/dnsaddr/"
		    "loop.test",
		    "--txt-record=_dnsaddr.junk.test,dnsaddr=not a multiaddr",
		    (char *)NULL);
		_exit(127);
	}
	ck_assert_int_gt(dns_pid, 0);
	dns_waiting = 1;
	resolve("/dnsaddr/boot.test", &a);
	dns_waiting = 0;
}

static void
dns_stop(void)
{
	if (dns_pid > 0) {
		kill(dns_pid, SIGTERM);
		waitpid(dns_pid, NULL, 0);
		dns_pid = 0;
	}
}


static void
on_answer(void *arg, int status, char *const *addrs, size_t n,
    const char *err)
{
	struct answer	*a = arg;
	size_t		 i;

	a->done = 1;
	a->status = status;
	a->n = n;
	for (i = 0; i < n; i++)
		snprintf(a->addrs[i], sizeof(a->addrs[i]), "%s", addrs[i]);
	snprintf(a->err, sizeof(a->err), "%s", err ? err : "");
	event_base_loopbreak(a->base);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Resolve addr; retried while dnsmasq may still be starting up. */
static void
resolve(const char *addr, struct answer *a)
{
	struct event_base	*base = event_base_new();
	struct kad_dnsaddr	*r;
	struct event		*dl;
	struct timeval		 tv = { 10, 0 };
	char			 err[128];
	int			 tries;

	for (tries = 0; tries < 50; tries++) {
		memset(a, 0, sizeof(*a));
		a->base = base;
		r = kad_dnsaddr_new(base, dns_server, err, sizeof(err));
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(kad_dnsaddr_resolve(r, addr, on_answer, a), 0);
		ck_assert_int_eq(a->done, 0);	/* never from inside */
		dl = evtimer_new(base, on_deadline, base);
		evtimer_add(dl, &tv);
		event_base_dispatch(base);
		event_free(dl);
		kad_dnsaddr_free(r);
		ck_assert_int_eq(a->done, 1);
		if (!dns_waiting || a->status == 0)
			break;
		usleep(100000);
	}
	event_base_free(base);
}

static int
has(const struct answer *a, const char *addr)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->addrs[i], addr) == 0)
			return 1;
	return 0;
}

START_TEST(test_resolve_filtered)
{
	static struct answer	a;

	resolve("/dnsaddr/boot.test/p2p/" ID_A, &a);
	ck_assert_msg(a.status == 0, "%s", a.err);
	ck_assert_uint_eq(a.n, 2);
	ck_assert(has(&a, "/ip4/127.0.0.1/tcp/4001/p2p/" ID_A));
	ck_assert(has(&a, "/ip6/::1/tcp/4003/p2p/" ID_A));
}
END_TEST

START_TEST(test_resolve_all)
{
	static struct answer	a;

	resolve("/dnsaddr/boot.test", &a);
	ck_assert_msg(a.status == 0, "%s", a.err);
	ck_assert_uint_eq(a.n, 3);
	ck_assert(has(&a, "/ip4/127.0.0.1/tcp/4002/p2p/" ID_B));
}
END_TEST

START_TEST(test_resolve_bad)
{
	static struct answer	a;
	struct event_base	*base = event_base_new();
	struct kad_dnsaddr	*r;
	char			 err[128];

	resolve("/dnsaddr/loop.test", &a);
	ck_assert_int_eq(a.status, -1);
	ck_assert_msg(strstr(a.err, "nested") != NULL, "%s", a.err);
	resolve("/dnsaddr/missing.test", &a);
	ck_assert_int_eq(a.status, -1);
	ck_assert_msg(strstr(a.err, "not found") != NULL, "%s", a.err);
	resolve("/dnsaddr/junk.test", &a);
	ck_assert_int_eq(a.status, -1);
	ck_assert_str_eq(a.err, "no dnsaddr records");
	r = kad_dnsaddr_new(base, dns_server, err, sizeof(err));
	ck_assert_int_eq(kad_dnsaddr_resolve(r, "/ip4/127.0.0.1/tcp/1",
	    on_answer, &a), -1);
	ck_assert_int_eq(kad_dnsaddr_resolve(r, "/dnsaddr/a b/p2p/x",
	    on_answer, &a), -1);
	/* freeing with a resolution in flight never calls back */
	a.done = 0;
	ck_assert_int_eq(kad_dnsaddr_resolve(r, "/dnsaddr/boot.test",
	    on_answer, &a), 0);
	kad_dnsaddr_free(r);
	ck_assert_int_eq(a.done, 0);
	ck_assert_ptr_null(kad_dnsaddr_new(base, "not an address", err,
	    sizeof(err)));
	event_base_free(base);
}
END_TEST

START_TEST(test_txt)
{
	char	out[128];

#define TXT(s)	(const uint8_t *)(s), strlen(s)
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/"
	    ID_A), ID_A, out, sizeof(out)), 1);
	ck_assert_str_eq(out, "/ip4/1.2.3.4/tcp/1/p2p/" ID_A);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/ip4/1.2.3.4/tcp/1/ipfs/"
	    ID_A), ID_A, out, sizeof(out)), 1);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/"
	    ID_B), ID_A, out, sizeof(out)), 0);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/ip4/1.2.3.4/tcp/1"),
	    ID_A, out, sizeof(out)), 0);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/ip4/1.2.3.4/tcp/1"),
	    NULL, out, sizeof(out)), 1);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("v=spf1"), NULL, out,
	    sizeof(out)), 0);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=ip4"), NULL, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/a b"), NULL, out,
	    sizeof(out)), -1);
	ck_assert_int_eq(kad_dnsaddr_txt(TXT("dnsaddr=/ip4/1.2.3.4/tcp/1/p2p/"
	    ID_A), NULL, out, 16), -1);
	ck_assert(kad_dnsaddr_is("/dnsaddr/x"));
	ck_assert(!kad_dnsaddr_is("/dns4/x"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_dnsaddr");
	TCase	*tc = tcase_create("dnsaddr");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, dns_start, dns_stop);
	tcase_add_test(tc, test_txt);
	tcase_add_test(tc, test_resolve_filtered);
	tcase_add_test(tc, test_resolve_all);
	tcase_add_test(tc, test_resolve_bad);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
