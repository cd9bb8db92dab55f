/*
 * Gossip worker: the libp2p host.  It loads the node's Ed25519 identity
 * (p2p_private_key, or <p2p_peer_cache_dir>/p2p.key created 0600 when
 * absent), listens on every p2p_listen_addresses entry at p2p_port (IPv4
 * and IPv6), works out the addresses it advertises, accepts within its
 * connection limits, and dials multiaddrs.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "libp2p/internal.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define HOST_ADVERTISE_MAX	32

/* A new connection's address is known: the layers above may refuse it. */
static void
host_dialing(struct p2p_host *h, struct p2p_conn *c)
{
	if (h->cbs.dialing != NULL)
		h->cbs.dialing(h->cbs.arg, c);
}

int
p2p_host_add_proto(struct p2p_host *h, const struct p2p_proto *proto,
    void *arg)
{
	if (h->nprotos >= P2P_PROTOS_MAX)
		return -1;
	h->protos[h->nprotos] = proto;
	h->proto_args[h->nprotos++] = arg;
	if (h->nconns > 0)
		(void)p2p_identify_push_all(h);
	return 0;
}

int
p2p_host_remove_proto(struct p2p_host *h, const struct p2p_proto *proto)
{
	size_t	i;

	for (i = 0; i < h->nprotos && h->protos[i] != proto; i++)
		;
	if (i == h->nprotos)
		return -1;
	memmove(&h->protos[i], &h->protos[i + 1],
	    (h->nprotos - i - 1) * sizeof(h->protos[0]));
	memmove(&h->proto_args[i], &h->proto_args[i + 1],
	    (h->nprotos - i - 1) * sizeof(h->proto_args[0]));
	h->nprotos--;
	(void)p2p_identify_push_all(h);
	return 0;
}

int
p2p_host_slot(struct p2p_host *h)
{
	return h->nslots < P2P_CONN_SLOTS ? (int)h->nslots++ : -1;
}

void
p2p_host_violation(struct p2p_host *h, struct p2p_conn *c,
    const char *why)
{
	h->cnt.protocol_violations++;
	if (h->cbs.violation != NULL)
		h->cbs.violation(h->cbs.arg, c, why);
}

/* The interval is over: one line for what was not logged one by one. */
static void
host_quiet_cb(evutil_socket_t fd, short what, void *arg)
{
	struct p2p_host	*h = arg;

	(void)fd;
	(void)what;
	if (h->quiet_dropped > 0)
		log_info("gossip: %llu more refused or failed inbound "
		    "connections in %d s (totals: %llu refused, %llu failed "
		    "handshakes)", (unsigned long long)h->quiet_dropped,
		    P2P_QUIET_INTERVAL_MS / 1000,
		    (unsigned long long)(h->cnt.refused_limit +
		    h->cnt.refused_banned),
		    (unsigned long long)h->cnt.handshake_failures);
	h->quiet_dropped = 0;
	h->quiet_lines = 0;
	h->quiet_start_ms = util_mono_ms();
}

void
p2p_host_log_refusal(struct p2p_host *h, const char *fmt, ...)
{
	struct timeval	 tv;
	uint64_t	 now = util_mono_ms(), left;
	char		 line[256];
	va_list		 ap;

	if (now - h->quiet_start_ms >= P2P_QUIET_INTERVAL_MS &&
	    h->quiet_dropped == 0) {
		h->quiet_start_ms = now;
		h->quiet_lines = 0;
	}
	if (h->quiet_lines < P2P_QUIET_LINES) {
		h->quiet_lines++;
		va_start(ap, fmt);
		vsnprintf(line, sizeof(line), fmt, ap);
		va_end(ap);
		log_info("gossip: %s", line);
		return;
	}
	if (h->quiet_dropped++ > 0 || h->quiet_timer == NULL)
		return;
	left = P2P_QUIET_INTERVAL_MS - (now - h->quiet_start_ms);
	if (left > P2P_QUIET_INTERVAL_MS)
		left = 0;
	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = (suseconds_t)(left % 1000 * 1000);
	evtimer_add(h->quiet_timer, &tv);
}

static int
host_identity(struct p2p_host *h)
{
	const struct config	*cfg = h->p->cfg;
	const char		*hex = config_str(cfg, "p2p_private_key");
	char			 path[1024];
	int			 rc, created = 0;

	if (hex[0] != '\0') {
		rc = p2p_identity_from_hex(&h->id, hex, strlen(hex));
		if (rc != P2P_IDENTITY_OK)
			fatal_config("p2p_private_key: %s",
			    p2p_identity_strerror(rc));
	} else {
		snprintf(path, sizeof(path), "%s/p2p.key",
		    config_str(cfg, "p2p_peer_cache_dir"));
		if (util_mkdirs(config_str(cfg, "p2p_peer_cache_dir"), 0700) == -1)
			fatal_config("p2p_peer_cache_dir %s: %s",
			    config_str(cfg, "p2p_peer_cache_dir"),
			    strerror(errno));
		rc = p2p_identity_load_or_create(&h->id, path, &created);
		if (rc != P2P_IDENTITY_OK)
			fatal_config("%s: %s", path,
			    rc == P2P_IDENTITY_EIO ? strerror(errno) :
			    p2p_identity_strerror(rc));
		if (created)
			log_info("gossip: created a new identity in %s", path);
	}
	log_info("gossip: peer ID %s", h->id.peer_id_text);
	return 0;
}

/* Parse a listen entry: "0.0.0.0", "::", "[::1]" or "/ip4/…[/tcp/…]". */
int
p2p_host_listen_sa(const char *entry, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN + 8];
	const char		*p;
	size_t			 n;

	memset(ss, 0, sizeof(*ss));
	if (strncmp(entry, "/ip4/", 5) == 0 || strncmp(entry, "/ip6/", 5) == 0) {
		p = strchr(entry + 5, '/');
		n = p != NULL ? (size_t)(p - entry - 5) : strlen(entry + 5);
		if (p != NULL && sscanf(p, "/tcp/%d", &port) != 1)
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)n, entry + 5);
	} else {
		n = strlen(entry);
		if (entry[0] == '[' && n > 2 && entry[n - 1] == ']')
			snprintf(host, sizeof(host), "%.*s", (int)n - 2, entry + 1);
		else
			snprintf(host, sizeof(host), "%s", entry);
	}
	if (port < 0 || port > 65535)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static size_t
host_conns_from(struct p2p_host *h, const struct sockaddr *sa)
{
	struct p2p_conn	*c;
	size_t			 n = 0;

	TAILQ_FOREACH(c, &h->conns, entry) {
		if (c->sa.ss_family != sa->sa_family)
			continue;
		if (sa->sa_family == AF_INET ?
		    ((struct sockaddr_in *)&c->sa)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)sa)->sin_addr.s_addr :
		    memcmp(&((struct sockaddr_in6 *)&c->sa)->sin6_addr,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, 16) == 0)
			n++;
	}
	return n;
}

/* Inbound connections from sa's IPv4 /24 or IPv6 /64. */
static size_t
host_inbound_from_subnet(struct p2p_host *h, const struct sockaddr *sa)
{
	struct p2p_conn	*c;
	const uint8_t		*a, *b;
	size_t			 n = 0, len;

	len = sa->sa_family == AF_INET ? 3 : 8;
	a = sa->sa_family == AF_INET ?
	    (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	TAILQ_FOREACH(c, &h->conns, entry) {
		if (!c->inbound || c->sa.ss_family != sa->sa_family)
			continue;
		b = sa->sa_family == AF_INET ?
		    (const uint8_t *)&((struct sockaddr_in *)&c->sa)->sin_addr :
		    (const uint8_t *)&((struct sockaddr_in6 *)&c->sa)->sin6_addr;
		if (memcmp(a, b, len) == 0)
			n++;
	}
	return n;
}

/*
 * The handshake budget is full: push out the oldest inbound connection
 * that has not sent a byte, so silent sockets cannot keep real peers out.
 * 0 if one went, -1 if every handshake in progress is talking.
 */
static int
host_evict_silent(struct p2p_host *h)
{
	struct p2p_conn	*c;

	TAILQ_FOREACH(c, &h->conns, entry)
		if (c->inbound && !c->opened && !c->got_byte) {
			h->cnt.evicted_silent++;
			p2p_conn_close(c, "silent, pushed out by a newer "
			    "connection");
			return 0;
		}
	return -1;
}

/* Why an inbound connection from sa is refused, or NULL to take it. */
static const char *
host_refusal(struct p2p_host *h, const struct sockaddr *sa)
{
	if (h->p->stopping)
		return "stopping";
	if (h->nin >= h->lim.max_in)
		return "connection limit";
	if (host_conns_from(h, sa) >= h->lim.max_per_ip)
		return "per-address connection limit";
	if (host_inbound_from_subnet(h, sa) >= h->lim.max_per_subnet)
		return "per-subnet connection limit";
	if (h->nin_hs >= h->lim.max_handshaking && host_evict_silent(h) == -1)
		return "handshake limit";
	return NULL;
}

/*
 * No Nagle: libp2p writes small messages (a protocol proposal, a yamux
 * window update) that must leave at once, not wait ~40 ms for an ACK.
 */
static void
host_nodelay(evutil_socket_t fd)
{
	int	on = 1;

	if (fd != -1 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof(on)) == -1)
		log_debug("gossip: TCP_NODELAY: %s", strerror(errno));
}

/* Put a socket bufferevent under pnet; frees it on failure. */
static struct bufferevent *
host_pnet(struct p2p_host *h, struct bufferevent *under)
{
	struct bufferevent	*bev = p2p_pnet_wrap(under, h->psk);

	if (bev == NULL) {
		log_warn("gossip: cannot set up the private network layer");
		bufferevent_free(under);
	}
	return bev;
}

static void
host_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct p2p_host	*h = arg;
	struct bufferevent	*bev;
	const char		*why;

	(void)l;
	if ((why = host_refusal(h, sa)) != NULL) {
		h->cnt.refused_limit++;
		p2p_host_log_refusal(h, "refused a connection: %s", why);
		evutil_closesocket(fd);
		return;
	}
	host_nodelay(fd);
	bev = bufferevent_socket_new(h->p->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	if (h->has_psk && (bev = host_pnet(h, bev)) == NULL)
		return;
	host_dialing(h, p2p_conn_new(h, bev, 1, sa, (socklen_t)salen,
	    NULL));
}

static void
host_add_advertise(struct p2p_host *h, const char *text)
{
	size_t	i;

	for (i = 0; i < h->nadvertise; i++)
		if (strcmp(h->advertise[i], text) == 0)
			return;
	if (h->nadvertise >= HOST_ADVERTISE_MAX)
		return;
	h->advertise = xrealloc(h->advertise, (h->nadvertise + 1) *
	    sizeof(char *));
	h->advertise[h->nadvertise++] = xstrdup(text);
}

/* Interface addresses for a wildcard listener of family af. */
static void
host_advertise_wildcard(struct p2p_host *h, int af, int port)
{
	struct ifaddrs	*ifa, *i;
	char		 host[INET6_ADDRSTRLEN], text[P2P_ADDR_TEXT_MAX];
	const void	*ip;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != af)
			continue;
		ip = af == AF_INET ?
		    (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(
		    (const struct in6_addr *)ip))
			continue;
		inet_ntop(af, ip, host, sizeof(host));
		snprintf(text, sizeof(text), "/%s/%s/tcp/%d",
		    af == AF_INET ? "ip4" : "ip6", host, port);
		host_add_advertise(h, text);
	}
	freeifaddrs(ifa);
}

/* p2p_advertise_addresses: multiaddrs, or host[:port] (port defaults). */
static void
host_advertise_configured(struct p2p_host *h, const struct cfg_list *l,
    int port)
{
	struct p2p_multiaddr	 ma;
	struct in6_addr		 a6;
	char			 text[300], host[256];
	const char		*colon;
	size_t			 i;
	int			 p;

	for (i = 0; i < l->n; i++) {
		const char	*e = l->v[i];

		if (e[0] == '/') {
			if (p2p_multiaddr_parse(e, strlen(e), &ma) != 0)
				fatal_config("p2p_advertise_addresses: bad "
				    "multiaddr '%s'", e);
			host_add_advertise(h, e);
			continue;
		}
		p = port;
		colon = strrchr(e, ':');
		if (colon != NULL && strchr(e, ':') == colon) {
			snprintf(host, sizeof(host), "%.*s", (int)(colon - e), e);
			p = atoi(colon + 1);
		} else
			snprintf(host, sizeof(host), "%s", e);
		if (p <= 0 || p > 65535)
			fatal_config("p2p_advertise_addresses: bad port in '%s'", e);
		if (inet_pton(AF_INET6, host, &a6) == 1)
			snprintf(text, sizeof(text), "/ip6/%s/tcp/%d", host, p);
		else if (strspn(host, "0123456789.") == strlen(host))
			snprintf(text, sizeof(text), "/ip4/%s/tcp/%d", host, p);
		else
			snprintf(text, sizeof(text), "/dns/%s/tcp/%d", host, p);
		if (p2p_multiaddr_parse(text, strlen(text), &ma) != 0)
			fatal_config("p2p_advertise_addresses: bad entry '%s'", e);
		host_add_advertise(h, text);
	}
}

/* The kernel's accept-queue cap (net.core.somaxconn); 4096 if unreadable. */
static int
host_backlog(void)
{
	FILE	*f = fopen("/proc/sys/net/core/somaxconn", "r");
	int	 n = 0;

	if (f != NULL) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n > 0 ? n : 4096;
}

static int
host_listen_one(struct p2p_host *h, const char *entry, int port)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	evutil_socket_t		 fd;
	struct evconnlistener	*l;
	char			 host[INET6_ADDRSTRLEN], text[P2P_ADDR_TEXT_MAX];
	int			 on = 1, af;
	const void		*ip;

	if (p2p_host_listen_sa(entry, port, &ss, &len) == -1)
		fatal_config("p2p_listen_addresses: cannot parse '%s'", entry);
	if (h->nlisteners == P2P_LISTENERS_MAX)
		fatal_config("p2p_listen_addresses: more than %d entries",
		    P2P_LISTENERS_MAX);
	af = ss.ss_family;
	if ((fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (af == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		log_error("gossip: cannot listen on %s port %d: %s", entry, port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	l = evconnlistener_new(h->p->base, host_accept, h,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, host_backlog(), fd);
	if (l == NULL)
		fatal("evconnlistener_new failed");
	h->listeners[h->nlisteners++] = l;
	ip = af == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
	    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
	inet_ntop(af, ip, host, sizeof(host));
	log_info("gossip: listening on /%s/%s/tcp/%d", af == AF_INET ? "ip4" :
	    "ip6", host, port);
	if ((af == AF_INET && ((struct sockaddr_in *)&ss)->sin_addr.s_addr ==
	    htonl(INADDR_ANY)) || (af == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(
	    &((struct sockaddr_in6 *)&ss)->sin6_addr)))
		host_advertise_wildcard(h, af, port);
	else {
		snprintf(text, sizeof(text), "/%s/%s/tcp/%d",
		    af == AF_INET ? "ip4" : "ip6", host, port);
		host_add_advertise(h, text);
	}
	return 0;
}

int
p2p_host_start(struct p2p_host *h)
{
	const struct config	*cfg = h->p->cfg;
	const struct cfg_list	*l = config_list(cfg, "p2p_listen_addresses");
	const struct cfg_list	*adv = config_list(cfg, "p2p_advertise_addresses");
	int			 port = (int)config_int(cfg, "p2p_port");
	size_t			 i;

	TAILQ_INIT(&h->conns);
	/*
	 * A busy connection allocates and frees a ~128 KiB evbuffer chunk
	 * per Noise frame; take them from the heap and keep freed memory
	 * there rather than map and unmap (or brk and fault) every time.
	 */
	mallopt(M_MMAP_THRESHOLD, P2P_HEAP_MMAP_MIN);
	mallopt(M_TRIM_THRESHOLD, P2P_HEAP_KEEP);
	if (p2p_host_add_proto(h, &p2p_identify_proto, NULL) == -1 ||
	    p2p_host_add_proto(h, &p2p_identify_push_proto, NULL) == -1 ||
	    p2p_host_add_proto(h, &p2p_ping_proto, NULL) == -1)
		return -1;
	h->share_private = config_bool(cfg, "p2p_share_private_addresses");
	h->lim.max_in = (size_t)config_int(cfg, "p2p_max_inbound");
	h->lim.max_out = (size_t)config_int(cfg, "p2p_max_outbound");
	h->lim.max_per_ip = (size_t)config_int(cfg, "p2p_max_per_ip");
	h->lim.max_per_subnet = (size_t)config_int(cfg, "p2p_max_per_subnet");
	h->lim.max_handshaking = (size_t)config_int(cfg,
	    "p2p_max_inbound_handshaking");
	h->lim.first_byte_ms = config_duration_ms(cfg, "p2p_first_byte_timeout");
	h->quiet_timer = evtimer_new(h->p->base, host_quiet_cb, h);
	h->lim.dial_ms = config_duration_ms(cfg, "p2p_dial_timeout");
	h->lim.handshake_ms = config_duration_ms(cfg, "p2p_handshake_timeout");
	h->lim.idle_ms = config_duration_ms(cfg, "p2p_idle_timeout");
	snprintf(h->agent, sizeof(h->agent), "terap2p/%s", TP_VERSION);
	if (h->protocol_version[0] == '\0')	/* else go-libp2p's default */
		snprintf(h->protocol_version, sizeof(h->protocol_version),
		    "ipfs/0.1.0");
	host_identity(h);
	/* resolv.conf and /etc/hosts; a machine without name servers still
	 * resolves what its hosts file names */
	if ((h->dns = evdns_base_new(h->p->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (h->dns = evdns_base_new(h->p->base, 0)) != NULL)
		evdns_base_load_hosts(h->dns, NULL);
	if (config_str(cfg, "p2p_shared_key")[0] != '\0') {
		if (p2p_pnet_parse_key(config_str(cfg, "p2p_shared_key"),
		    h->psk) == -1)
			fatal_config("p2p_shared_key: expected 64 hex digits or "
			    "/key/swarm/psk/1.0.0/\\n/base16/\\n<64 hex digits>");
		h->has_psk = 1;
		log_info("gossip: private network (pnet) on");
	}
	if (adv->n > 0)
		host_advertise_configured(h, adv, port);
	for (i = 0; i < l->n; i++)
		if (host_listen_one(h, l->v[i], port) == -1)
			return -1;
	if (adv->n > 0) {
		/* configured addresses replace the interface list */
		for (i = adv->n; i < h->nadvertise; i++)
			free(h->advertise[i]);
		h->nadvertise = adv->n;
	}
	p2p_identify_seal(h);
	return 0;
}

void
p2p_host_stop(struct p2p_host *h)
{
	struct p2p_conn	*c;
	size_t			 i;

	if (h->dns != NULL) {
		evdns_base_free(h->dns, 1);	/* pending: cancelled */
		h->dns = NULL;
	}
	while ((c = TAILQ_FIRST(&h->conns)) != NULL)
		p2p_conn_close(c, "shutting down");
	for (i = 0; i < h->nlisteners; i++)
		evconnlistener_free(h->listeners[i]);
	if (h->quiet_timer != NULL) {
		event_free(h->quiet_timer);
		h->quiet_timer = NULL;
	}
	h->nlisteners = 0;
	for (i = 0; i < h->nadvertise; i++)
		free(h->advertise[i]);
	free(h->advertise);
	h->advertise = NULL;
	h->nadvertise = 0;
	p2p_identify_unseal(h);
	p2p_identity_fini(&h->id);
}

/* Split /ip4|ip6/<addr>/tcp/<port>[/p2p/<id>] into a sockaddr and peer ID. */
static int
host_dial_target(const char *maddr, struct sockaddr_storage *ss,
    socklen_t *len, struct p2p_peer_id *pid, int *has_pid, char *err,
    size_t errlen)
{
	struct p2p_multiaddr		 ma;
	struct p2p_multiaddr_part	 part;
	size_t				 off = 0;
	int				 rc, have_ip = 0, have_port = 0;

	*has_pid = 0;
	memset(ss, 0, sizeof(*ss));
	if (p2p_multiaddr_parse(maddr, strlen(maddr), &ma) != 0) {
		snprintf(err, errlen, "not a multiaddr: %s", maddr);
		return -1;
	}
	while ((rc = p2p_multiaddr_next(ma.bytes, ma.len, &off, &part)) == 1) {
		if (part.code == P2P_MA_IP4 && !have_ip) {
			struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, part.value, 4);
			*len = sizeof(*sin);
			have_ip = 1;
		} else if (part.code == P2P_MA_IP6 && !have_ip) {
			struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, part.value, 16);
			*len = sizeof(*sin6);
			have_ip = 1;
		} else if (part.code == P2P_MA_TCP && have_ip && !have_port) {
			uint16_t	port = (uint16_t)(part.value[0] << 8 |
					    part.value[1]);

			if (ss->ss_family == AF_INET)
				((struct sockaddr_in *)ss)->sin_port = htons(port);
			else
				((struct sockaddr_in6 *)ss)->sin6_port =
				    htons(port);
			have_port = 1;
		} else if (part.code == P2P_MA_P2P && have_port) {
			if (part.value_len > sizeof(pid->bytes)) {
				snprintf(err, errlen, "peer ID too long");
				return -1;
			}
			memcpy(pid->bytes, part.value, part.value_len);
			pid->len = part.value_len;
			*has_pid = 1;
		} else {
			snprintf(err, errlen, "unsupported multiaddr %s (want "
			    "/ip4|ip6/…/tcp/…[/p2p/…])", maddr);
			return -1;
		}
	}
	if (rc != 0 || !have_port) {
		snprintf(err, errlen, "unsupported multiaddr %s (want "
		    "/ip4|ip6/…/tcp/…[/p2p/…])", maddr);
		return -1;
	}
	return 0;
}

/* Connect to a resolved address; the connection belongs to the host. */
static int
host_dial_sa(struct p2p_host *h, const char *maddr,
    const struct sockaddr *sa, socklen_t len, const struct p2p_peer_id *pid,
    struct p2p_static *stat, char *err, size_t errlen)
{
	struct bufferevent	*bev, *under;
	struct p2p_conn	*c;

	if (h->nout >= h->lim.max_out) {
		snprintf(err, errlen, "outbound connection limit (%zu) reached",
		    h->lim.max_out);
		return -1;
	}
	under = bufferevent_socket_new(h->p->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (under == NULL) {
		snprintf(err, errlen, "cannot create a socket");
		return -1;
	}
	bev = under;
	if (h->has_psk && (bev = host_pnet(h, under)) == NULL) {
		snprintf(err, errlen, "cannot set up the private network layer");
		return -1;
	}
	c = p2p_conn_new(h, bev, 0, sa, len, pid);
	c->stat = stat;
	if (bufferevent_socket_connect(under, sa, (int)len) == -1) {
		snprintf(err, errlen, "connect %s: %s", maddr, strerror(errno));
		c->stat = NULL;		/* the caller hears of it from -1 */
		p2p_conn_close(c, "connect failed");
		return -1;
	}
	host_nodelay(bufferevent_getfd(under));
	log_info("gossip: dialing %s", maddr);
	host_dialing(h, c);
	return 0;
}

/* A /dns, /dns4 or /dns6 multiaddr waiting for its name to resolve. */
struct host_resolve {
	struct p2p_host	*h;
	struct p2p_static	*stat;
	char			 maddr[P2P_MULTIADDR_TEXT_MAX];
	uint16_t		 port;
	struct p2p_peer_id	 pid;
	int			 has_pid;
};

static void
host_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct host_resolve	*r = arg;
	char			 err[256];

	if (result == EVUTIL_EAI_CANCEL) {
		free(r);
		return;
	}
	if (result != 0 || res == NULL) {
		log_warn("gossip: cannot resolve %s: %s", r->maddr,
		    evutil_gai_strerror(result));
		if (r->stat != NULL)
			p2p_static_down(r->stat);
	} else {
		if (res->ai_family == AF_INET)
			((struct sockaddr_in *)res->ai_addr)->sin_port =
			    htons(r->port);
		else
			((struct sockaddr_in6 *)res->ai_addr)->sin6_port =
			    htons(r->port);
		if (host_dial_sa(r->h, r->maddr, res->ai_addr,
		    (socklen_t)res->ai_addrlen, r->has_pid ? &r->pid : NULL,
		    r->stat, err, sizeof(err)) == -1) {
			log_warn("gossip: %s", err);
			if (r->stat != NULL)
				p2p_static_down(r->stat);
		}
	}
	if (res != NULL)
		evutil_freeaddrinfo(res);
	free(r);
}

/* /dns[46]?/NAME/tcp/PORT[/p2p/ID]: 1 and a started resolution, 0 if
 * maddr is not a DNS multiaddr, -1 with err. */
static int
host_dial_dns(struct p2p_host *h, const char *maddr,
    struct p2p_static *stat, char *err, size_t errlen)
{
	struct p2p_multiaddr		 ma;
	struct p2p_multiaddr_part	 part;
	struct evutil_addrinfo		 hints;
	struct host_resolve		*r;
	char				 name[256];
	size_t				 off = 0;
	int				 step = 0, family = AF_UNSPEC;

	if (p2p_multiaddr_parse(maddr, strlen(maddr), &ma) != 0 ||
	    p2p_multiaddr_next(ma.bytes, ma.len, &off, &part) != 1 ||
	    (part.code != P2P_MA_DNS && part.code != P2P_MA_DNS4 &&
	    part.code != P2P_MA_DNS6))
		return 0;
	if (part.value_len >= sizeof(name)) {
		snprintf(err, errlen, "DNS name too long in %s", maddr);
		return -1;
	}
	memcpy(name, part.value, part.value_len);
	name[part.value_len] = '\0';
	family = part.code == P2P_MA_DNS4 ? AF_INET :
	    part.code == P2P_MA_DNS6 ? AF_INET6 : AF_UNSPEC;
	r = xcalloc(1, sizeof(*r));
	r->h = h;
	r->stat = stat;
	snprintf(r->maddr, sizeof(r->maddr), "%s", maddr);
	while (p2p_multiaddr_next(ma.bytes, ma.len, &off, &part) == 1) {
		if (part.code == P2P_MA_TCP && step == 0) {
			r->port = (uint16_t)(part.value[0] << 8 | part.value[1]);
			step = 1;
		} else if (part.code == P2P_MA_P2P && step == 1 &&
		    part.value_len <= sizeof(r->pid.bytes)) {
			memcpy(r->pid.bytes, part.value, part.value_len);
			r->pid.len = part.value_len;
			r->has_pid = 1;
			step = 2;
		} else
			step = -1;
	}
	if (step < 1 || h->dns == NULL) {
		snprintf(err, errlen, h->dns == NULL ? "no DNS resolver for %s" :
		    "unsupported multiaddr %s (want /dns*/…/tcp/…[/p2p/…])",
		    maddr);
		free(r);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	log_info("gossip: resolving %s", maddr);
	evdns_getaddrinfo(h->dns, name, NULL, &hints, host_resolved, r);
	return 1;
}

int
p2p_host_dial(struct p2p_host *h, const char *maddr,
    struct p2p_static *stat, char *err, size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct p2p_peer_id	 pid;
	socklen_t		 len = 0;
	int			 has_pid, rc;

	if ((rc = host_dial_dns(h, maddr, stat, err, errlen)) != 0)
		return rc == 1 ? 0 : -1;
	if (host_dial_target(maddr, &ss, &len, &pid, &has_pid, err,
	    errlen) == -1)
		return -1;
	return host_dial_sa(h, maddr, (struct sockaddr *)&ss, len,
	    has_pid ? &pid : NULL, stat, err, errlen);
}

struct p2p_conn *
p2p_host_find(struct p2p_host *h, const char *peer_id)
{
	struct p2p_conn	*c;

	TAILQ_FOREACH(c, &h->conns, entry)
		if (c->state == P2P_CONN_OPEN &&
		    strcmp(c->peer_text, peer_id) == 0)
			return c;
	return NULL;
}

int
p2p_host_disconnect(struct p2p_host *h, const char *peer_id)
{
	struct p2p_conn	*c;
	int			 n = 0;

	while ((c = p2p_host_find(h, peer_id)) != NULL) {
		p2p_conn_close(c, "disconnect requested");
		n++;
	}
	return n;
}

struct p2p_conn *
p2p_host_find_id(struct p2p_host *h, uint64_t id)
{
	struct p2p_conn	*c;

	TAILQ_FOREACH(c, &h->conns, entry)
		if (c->id == id)
			return c;
	return NULL;
}
