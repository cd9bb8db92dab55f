/*
 * Gossip worker: the field checks of Teranode's gossip messages
 * (as Teranode's services/p2p/gossip_field_validation.go checks them):
 * strict UTF-8 as Go decodes it, peer IDs,
 * hex, the cutting of free text (client names, reasons), and the DataHub
 * URL check against requests to loopback, private and link-local hosts.
 * Used by msg.c and the handlers.  Pure: no I/O, no logging.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#define TN_MSG_INTERNAL
#include "teranode/msg.h"

/* One strict UTF-8 sequence at s (as Go's utf8.DecodeRune); -1 if invalid. */
int
tn_msg_check_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		len, i;
	uint32_t	c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return -1;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return -1;
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (c >= 0xd800 && c <= 0xdfff) ||
	    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
		return -1;
	*cp = c;
	return (int)len;
}

static int
check_is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

int
tn_msg_check_is_hex(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Copy s into dst[size], dropping control characters and invalid UTF-8,
 * stopping before the first character that does not fit. */
void
tn_msg_check_cut(const char *s, char *dst, size_t size)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), o = 0;
	uint32_t		 c;
	int			 l;

	while (n > 0) {
		if ((l = tn_msg_check_utf8(p, n, &c)) < 0) {
			p++;
			n--;
			continue;
		}
		if (!check_is_control(c)) {
			if (o + (size_t)l >= size)
				break;
			memcpy(dst + o, p, (size_t)l);
			o += (size_t)l;
		}
		p += l;
		n -= (size_t)l;
	}
	dst[o] = '\0';
}

/* Go replaces each invalid UTF-8 byte of a decoded string with U+FFFD:
 * NULL if s is valid, else the repaired copy (malloc'ed, caller frees). */
char *
tn_msg_check_fix_utf8(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), o = 0;
	uint32_t		 c;
	char			*out = NULL;
	int			 l;

	for (; n > 0; p += l, n -= (size_t)l) {
		l = tn_msg_check_utf8(p, n, &c);
		if (l < 0 && out == NULL) {
			out = xmalloc(strlen(s) * 3 + 1);
			o = (size_t)(p - (const unsigned char *)s);
			memcpy(out, s, o);
		}
		if (l < 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			l = 1;
		} else if (out != NULL) {
			memcpy(out + o, p, (size_t)l);
			o += (size_t)l;
		}
	}
	if (out != NULL)
		out[o] = '\0';
	return out;
}

int
tn_msg_check_peer(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s);
	uint32_t		 c;
	int			 l;

	if (n > TN_MSG_PEER_ID_MAX)
		return TN_MSG_EPEERID;
	for (; n > 0; p += l, n -= (size_t)l)
		if ((l = tn_msg_check_utf8(p, n, &c)) < 0 ||
		    check_is_control(c))
			return TN_MSG_EPEERID;
	return TN_MSG_OK;
}

int
tn_msg_check_hash(const char *s)
{
	if (strlen(s) > TN_MSG_HASH_MAX || !tn_msg_check_is_hex(s))
		return TN_MSG_EHASH;
	return TN_MSG_OK;
}

/* ---- URLs ---------------------------------------------------------------- */

static int
check_v4_private(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	    (a >> 16) == 0xa9fe ||			/* 169.254/16 */
	    (a >> 20) == 0xac1 ||			/* 172.16/12 */
	    (a >> 16) == 0xc0a8 ||			/* 192.168/16 */
	    (a >> 8) == 0xe00000 ||			/* 224.0.0/24 */
	    a == 0xffffffffu;
}

static int
check_v6_private(const uint8_t *b)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	static const uint8_t	zero[15];

	if (memcmp(b, mapped, 12) == 0)
		return check_v4_private((uint32_t)b[12] << 24 |
		    (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	return (memcmp(b, zero, 15) == 0 && b[15] <= 1) ||	/* :: ::1 */
	    (b[0] & 0xfe) == 0xfc ||				/* fc00::/7 */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||		/* fe80::/10 */
	    (b[0] == 0xff && b[1] == 0x02);			/* ff02::/16 */
}

/* Is host (no brackets, no port) private?  IP literals and localhost only. */
static int
check_host_private(const char *host, int v6)
{
	struct in_addr	a4;
	uint8_t		a6[16];
	char		v4[256];
	size_t		n = strlen(host);

	if (v6)
		return inet_pton(AF_INET6, host, a6) != 1 ||
		    check_v6_private(a6);
	if (n > 0 && host[n - 1] == '.')
		n--;
	/* inet_aton: every form a resolver takes (127.1, 0x7f.1, 2130706433) */
	memcpy(v4, host, n);
	v4[n] = '\0';
	if (inet_aton(v4, &a4) != 0)
		return check_v4_private(ntohl(a4.s_addr));
	return (n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (n > 10 && strncasecmp(host + n - 10, ".localhost", 10) == 0);
}

static int
check_port_ok(const char *p, size_t n)
{
	size_t		i;
	unsigned long	v = 0;

	if (n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v <= 65535;
}

int
tn_msg_check_url(const char *url, unsigned flags)
{
	char		 host[256];
	uint8_t		 a6[16];
	const char	*a, *end, *at, *h, *colon;
	size_t		 n = strlen(url), hn;
	int		 v6 = 0;

	if (n == 0 || n > TN_MSG_URL_MAX)
		return TN_MSG_EURL;
	for (a = url; *a != '\0'; a++)	/* printable ASCII only */
		if ((unsigned char)*a <= 0x20 || (unsigned char)*a >= 0x7f)
			return TN_MSG_EURL;
	if (strncasecmp(url, "http://", 7) == 0)
		a = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		a = url + 8;
	else
		return TN_MSG_EURL;
	end = a + strcspn(a, "/?#");
	/* userinfo ends at the last @ */
	for (h = a, at = a; at < end; at++)
		if (*at == '@')
			h = at + 1;
	if (*h == '[') {
		colon = memchr(h, ']', (size_t)(end - h));
		if (colon == NULL)
			return TN_MSG_EURL;
		h++;
		hn = (size_t)(colon - h);
		colon++;
		if (colon < end && *colon != ':')
			return TN_MSG_EURL;
		v6 = 1;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hn = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (colon != NULL && colon < end &&
	    !check_port_ok(colon + 1, (size_t)(end - colon - 1)))
		return TN_MSG_EURL;
	if (hn == 0 || hn >= sizeof(host))
		return TN_MSG_EURL;
	memcpy(host, h, hn);
	host[hn] = '\0';
	if (v6 && strchr(host, '%') != NULL)	/* a zone: link-local */
		return (flags & TN_MSG_ALLOW_PRIVATE) ? TN_MSG_OK :
		    TN_MSG_EPRIVATE;
	if (v6 && inet_pton(AF_INET6, host, a6) != 1)
		return TN_MSG_EURL;
	if (!(flags & TN_MSG_ALLOW_PRIVATE) &&
	    check_host_private(host, v6))
		return TN_MSG_EPRIVATE;
	return TN_MSG_OK;
}

/* ---- hashes ------------------------------------------------------------ */

int
tn_msg_hash_canon(const char *s, char out[TN_MSG_HASH_MAX + 1])
{
	size_t	n = strlen(s), pad, i;

	if (tn_msg_check_hash(s) != TN_MSG_OK)
		return -1;
	pad = TN_MSG_HASH_MAX - n;
	memset(out, '0', pad);
	for (i = 0; i < n; i++)
		out[pad + i] = (char)tolower((unsigned char)s[i]);
	out[TN_MSG_HASH_MAX] = '\0';
	return 0;
}
