/*
 * Ban manager: parsing of the addresses and subnets that bans are keyed by.
 * Pure functions over a buffer, no I/O and no allocation, so the unit tests
 * and the libFuzzer target (tests/fuzz/fuzz_ban_addr.c) call them directly.
 * Input comes from the REST API and from other workers (the gossip worker's
 * remote multiaddrs), so every malformed form is rejected with a reason.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ban_manager.h"
#include "util.h"

static const char *const bans_addr_errs[] = {
	[BANS_ADDR_OK] = "ok",
	[BANS_ADDR_EMPTY] = "empty address",
	[BANS_ADDR_TOOLONG] = "address too long",
	[BANS_ADDR_BADIP] = "not an IP address or CIDR subnet",
	[BANS_ADDR_BADPREFIX] = "invalid subnet prefix length",
	[BANS_ADDR_BADPORT] = "invalid port",
	[BANS_ADDR_HOSTNAME] = "host names are not accepted, only IP addresses",
	[BANS_ADDR_ZONE] = "IPv6 zone identifiers are not accepted",
};

const char *
bans_addr_strerror(enum bans_addr_err e)
{
	if ((size_t)e >= sizeof(bans_addr_errs) / sizeof(bans_addr_errs[0]))
		return "unknown address error";
	return bans_addr_errs[e];
}

/* Decimal digits only, no sign, no leading blanks; -1 on anything else. */
static long
bans_addr_number(const char *s, size_t len, long max)
{
	long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v > max ? -1 : v;
}

static void
bans_addr_mask(struct bans_prefix *p)
{
	unsigned bytes = p->family == 4 ? 4 : 16;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned lo = i * 8;
		if (lo >= p->plen)
			p->addr[i] = 0;
		else if (p->plen - lo < 8)
			p->addr[i] &= (uint8_t)(0xff << (8 - (p->plen - lo)));
	}
	for (unsigned i = bytes; i < 16; i++)
		p->addr[i] = 0;
}

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address. */
static void
bans_addr_unmap(struct bans_prefix *p)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };

	if (p->family != 6 || p->plen < 96 || memcmp(p->addr, mapped, 12) != 0)
		return;
	memmove(p->addr, p->addr + 12, 4);
	memset(p->addr + 4, 0, 12);
	p->family = 4;
	p->plen -= 96;
}

/* A bare IP (no port, no prefix) of exactly len bytes. */
static enum bans_addr_err
bans_addr_ip(const char *s, size_t len, struct bans_prefix *out)
{
	char buf[BANS_ADDR_MAX + 1];

	if (len == 0)
		return BANS_ADDR_BADIP;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (memchr(buf, '%', len) != NULL)
		return BANS_ADDR_ZONE;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		out->plen = 32;
		return BANS_ADDR_OK;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		out->plen = 128;
		return BANS_ADDR_OK;
	}
	return BANS_ADDR_BADIP;
}

/* "/ip4/1.2.3.4/tcp/9905", "/ip6/::1", "/dns4/x" (refused). */
static enum bans_addr_err
bans_addr_multiaddr(const char *s, size_t len, struct bans_prefix *out)
{
	const char *proto = s + 1, *end = s + len, *slash, *val;

	slash = memchr(proto, '/', (size_t)(end - proto));
	if (slash == NULL)
		return BANS_ADDR_BADIP;
	val = slash + 1;
	if ((slash - proto == 4 && (memcmp(proto, "dns4", 4) == 0 ||
	    memcmp(proto, "dns6", 4) == 0)) ||
	    (slash - proto == 3 && memcmp(proto, "dns", 3) == 0) ||
	    (slash - proto == 7 && memcmp(proto, "dnsaddr", 7) == 0))
		return BANS_ADDR_HOSTNAME;
	if (slash - proto != 3 || (memcmp(proto, "ip4", 3) != 0 &&
	    memcmp(proto, "ip6", 3) != 0))
		return BANS_ADDR_BADIP;
	slash = memchr(val, '/', (size_t)(end - val));
	if (slash == NULL)
		slash = end;
	enum bans_addr_err e = bans_addr_ip(val, (size_t)(slash - val), out);
	if (e == BANS_ADDR_OK && out->family != (proto[2] == '4' ? 4 : 6))
		return BANS_ADDR_BADIP;
	return e;
}

/* "a.b.c.d/n" or "x::/n". */
static enum bans_addr_err
bans_addr_cidr_parse(const char *s, size_t len, const char *slash,
    struct bans_prefix *out)
{
	enum bans_addr_err e;
	size_t iplen = (size_t)(slash - s);
	long plen;

	if ((e = bans_addr_ip(s, iplen, out)) != BANS_ADDR_OK)
		return e;
	plen = bans_addr_number(slash + 1, len - iplen - 1,
	    out->family == 4 ? 32 : 128);
	if (plen < 0)
		return BANS_ADDR_BADPREFIX;
	out->plen = (uint8_t)plen;
	return BANS_ADDR_OK;
}

/* "[v6]:port", "[v6]", "v4:port" — returns the bare IP span. */
static enum bans_addr_err
bans_addr_strip_port(const char *s, size_t len, const char **ip,
    size_t *iplen)
{
	const char *colon, *close;

	if (s[0] == '[') {
		close = memchr(s, ']', len);
		if (close == NULL)
			return BANS_ADDR_BADIP;
		*ip = s + 1;
		*iplen = (size_t)(close - s - 1);
		if ((size_t)(close - s) + 1 == len)
			return BANS_ADDR_OK;
		if (close[1] != ':')
			return BANS_ADDR_BADIP;
		colon = close + 1;
	} else {
		colon = memchr(s, ':', len);
		*ip = s;
		*iplen = len;
		/* Two or more colons: a bare IPv6 address, no port. */
		if (colon == NULL || memchr(colon + 1, ':',
		    len - (size_t)(colon - s) - 1) != NULL)
			return BANS_ADDR_OK;
		*iplen = (size_t)(colon - s);
	}
	if (bans_addr_number(colon + 1, len - (size_t)(colon - s) - 1,
	    65535) < 0)
		return BANS_ADDR_BADPORT;
	return BANS_ADDR_OK;
}

enum bans_addr_err
bans_addr_parse(const char *s, size_t len, struct bans_prefix *out)
{
	enum bans_addr_err e;
	const char *slash, *ip;
	size_t iplen;

	memset(out, 0, sizeof(*out));
	if (s == NULL || len == 0)
		return BANS_ADDR_EMPTY;
	if (len > BANS_ADDR_MAX)
		return BANS_ADDR_TOOLONG;
	if (memchr(s, '\0', len) != NULL)
		return BANS_ADDR_BADIP;
	if (s[0] == '/')
		e = bans_addr_multiaddr(s, len, out);
	else if ((slash = memchr(s, '/', len)) != NULL)
		e = bans_addr_cidr_parse(s, len, slash, out);
	else if ((e = bans_addr_strip_port(s, len, &ip, &iplen)) ==
	    BANS_ADDR_OK)
		e = bans_addr_ip(ip, iplen, out);
	if (e != BANS_ADDR_OK) {
		memset(out, 0, sizeof(*out));
		return e;
	}
	bans_addr_unmap(out);
	bans_addr_mask(out);
	return BANS_ADDR_OK;
}

void
bans_addr_cidr(const struct bans_prefix *p, char out[BANS_KEY_MAX])
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, ip,
	    sizeof(ip));
	snprintf(out, BANS_KEY_MAX, "%s/%u", ip, p->plen);
}

void
bans_addr_key(const struct bans_prefix *p, char out[BANS_KEY_MAX])
{
	if (p->plen == (p->family == 4 ? 32 : 128))
		inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, out,
		    BANS_KEY_MAX);
	else
		bans_addr_cidr(p, out);
}

int
bans_addr_contains(const struct bans_prefix *net, const struct bans_prefix *p)
{
	unsigned full, rest;

	if (net->family != p->family || net->plen > p->plen)
		return 0;
	full = net->plen / 8;
	rest = net->plen % 8;
	if (memcmp(net->addr, p->addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((net->addr[full] ^ p->addr[full]) & (0xff << (8 - rest))) == 0;
}

int
bans_addr_is_peer_id(const char *s)
{
	static const char b58[] =
	    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > BANS_PEER_MAX)
		return 0;
	return strspn(s, b58) == n;
}

int
bans_addr_too_broad(const struct bans_prefix *p)
{
	return p->plen < (p->family == 4 ? BANS_MIN_PLEN4 : BANS_MIN_PLEN6);
}

int
bans_addr_reason_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > BANS_REASON_MAX || util_utf8_check(s, n, NULL) == -1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}
