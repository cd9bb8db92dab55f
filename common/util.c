/*
 * Utilities shared by every terap2p process: allocation that cannot fail,
 * hex and base64 codecs, clocks, Go-style durations, mkdir -p.  The codecs
 * are pure functions over buffers; they reject bad input, never crash.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "util.h"

#define TP_DURATION_NOUNIT	((size_t)-1)

void *
xmalloc(size_t n)
{
	void	*p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t n)
{
	void	*p = calloc(nmemb ? nmemb : 1, n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", nmemb, n);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void	*q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		fatal("out of memory (strdup)");
	return p;
}

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
util_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

uint64_t
util_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

void
util_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
util_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
    size_t *outlen)
{
	size_t	i;
	int	hi, lo;

	if (inlen % 2 != 0 || inlen / 2 > outcap)
		return -1;
	for (i = 0; i < inlen / 2; i++) {
		hi = hex_nibble(in[2 * i]);
		lo = hex_nibble(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = inlen / 2;
	return 0;
}

static const char	b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
util_b64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

void
util_b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

static int
b64_value(char c)
{
	const char	*p;

	if (c == '\0')
		return -1;
	p = strchr(b64_alphabet, c);
	return p == NULL ? -1 : (int)(p - b64_alphabet);
}

int
util_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t outcap,
    size_t *outlen)
{
	size_t		i, o = 0, pad = 0;
	int		k, d;
	uint32_t	v;

	if (inlen % 4 != 0)
		return -1;
	if (inlen > 0 && in[inlen - 1] == '=')
		pad++;
	if (inlen > 1 && in[inlen - 2] == '=')
		pad++;
	if (inlen / 4 * 3 - pad > outcap)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == inlen &&
			    (size_t)k >= 4 - pad) {
				d = 0;
			} else if ((d = b64_value(in[i + k])) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (uint8_t)(v >> 16);
		if (i + 4 < inlen || pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (i + 4 < inlen || pad < 1)
			out[o++] = (uint8_t)v;
	}
	*outlen = o;
	return 0;
}

/* Units in microseconds so "1500us" works; results are rounded to ms. */
static const struct {
	const char	*name;
	uint64_t	 us;
} duration_units[] = {
	{ "ns", 0 }, { "us", 1 }, { "µs", 1 }, { "ms", 1000 },
	{ "s", 1000000 }, { "m", 60000000 }, { "h", 3600000000ULL },
};

int
util_duration_parse(const char *s, uint64_t *ms)
{
	uint64_t	 total_ns = 0, v, mul;
	const char	*p = s;
	char		*end;
	size_t		 i, best, blen, ulen;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || end == p)
			return -1;
		p = end;
		best = TP_DURATION_NOUNIT;
		blen = 0;
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
			ulen = strlen(duration_units[i].name);
			if (strncmp(p, duration_units[i].name, ulen) == 0 &&
			    ulen > blen) {
				best = i;
				blen = ulen;
			}
		}
		if (best == TP_DURATION_NOUNIT)
			return -1;
		p += blen;
		mul = duration_units[best].us * 1000;
		if (mul == 0)
			mul = 1;
		if (v > UINT64_MAX / mul || total_ns > UINT64_MAX - v * mul)
			return -1;
		total_ns += v * mul;
	}
	if (total_ns % 1000000 != 0)
		return -1;
	*ms = total_ns / 1000000;
	return 0;
}

void
util_duration_format(uint64_t ms, char *out, size_t outlen)
{
	uint64_t	h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60;
	uint64_t	rest = ms % 1000;
	size_t		o = 0;

	if (ms == 0) {
		snprintf(out, outlen, "0s");
		return;
	}
	out[0] = '\0';
	if (h)
		o += (size_t)snprintf(out + o, outlen - o, "%lluh", (unsigned long long)h);
	if (m && o < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "%llum", (unsigned long long)m);
	if (s && o < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "%llus", (unsigned long long)s);
	if (rest && o < outlen)
		snprintf(out + o, outlen - o, "%llums", (unsigned long long)rest);
}

/* Length of the UTF-8 sequence at s[0..n), 0 if it is not valid. */
static size_t
util_utf8_seq(const unsigned char *s, size_t n)
{
	size_t		len;
	uint32_t	cp, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
util_utf8_check(const char *s, size_t n, size_t *bad)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, l;

	while (i < n) {
		if ((l = util_utf8_seq(u + i, n - i)) == 0) {
			if (bad != NULL)
				*bad = i;
			return -1;
		}
		i += l;
	}
	return 0;
}

int
util_mkdirs(const char *path, unsigned mode)
{
	char	buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}
