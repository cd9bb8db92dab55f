/*
 * API worker: the HTTP/1.1 request-head parser.  A pure function over a
 * buffer (no I/O), so the unit tests and the libFuzzer target call it
 * directly; api_conn.c feeds it what a connection has received.  It keeps
 * only the headers the API uses and bounds every field; bodies are framed
 * by Content-Length only (chunked uploads are refused with 411/501).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "tp.h"

#define API_HTTP_HEADERS_MAX	64

static const struct {
	int		 code;
	const char	*reason;
} api_http_reasons[] = {
	{ 101, "Switching Protocols" }, { 200, "OK" }, { 201, "Created" },
	{ 204, "No Content" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
	{ 411, "Length Required" }, { 413, "Content Too Large" },
	{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 426, "Upgrade Required" }, { 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
};

static const struct {
	const char	*name;
	enum api_method	 m;
} api_http_methods[] = {
	{ "GET", API_M_GET }, { "HEAD", API_M_HEAD }, { "POST", API_M_POST },
	{ "PUT", API_M_PUT }, { "DELETE", API_M_DELETE },
	{ "OPTIONS", API_M_OPTIONS },
};

const char *
api_http_reason(int status)
{
	for (size_t i = 0; i < TP_ARRAY_LEN(api_http_reasons); i++)
		if (api_http_reasons[i].code == status)
			return api_http_reasons[i].reason;
	return "Unknown";
}

const char *
api_http_method_name(enum api_method m)
{
	for (size_t i = 0; i < TP_ARRAY_LEN(api_http_methods); i++)
		if (api_http_methods[i].m == m)
			return api_http_methods[i].name;
	return "OTHER";
}

static int
api_http_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
api_http_pct_decode(const char *in, size_t n, char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		char	c = in[i];

		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			hi = api_http_hexval((unsigned char)in[i + 1]);
			lo = api_http_hexval((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	if (outlen == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

int
api_http_query(const char *query, const char *key, char *out, size_t outlen)
{
	size_t		 klen = strlen(key);
	const char	*p = query, *amp, *eq;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp != NULL ? (size_t)(amp - p) : strlen(p));
		if (eq != NULL && (size_t)(eq - p) == klen &&
		    memcmp(p, key, klen) == 0) {
			size_t	vlen = amp != NULL ? (size_t)(amp - eq - 1) :
			    strlen(eq + 1);

			return api_http_pct_decode(eq + 1, vlen, out, outlen) ==
			    0 ? 0 : -2;
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return -1;
}

static int
api_http_fail(int *status, int code, char *err, size_t errlen,
    const char *msg)
{
	*status = code;
	snprintf(err, errlen, "%s", msg);
	return API_HTTP_ERROR;
}

/* Does a comma-separated header value hold token (case-insensitive)? */
static int
api_http_has_token(const char *v, size_t n, const char *token)
{
	size_t	tl = strlen(token), i = 0, s, e;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, token, tl) == 0)
			return 1;
	}
	return 0;
}

static int
api_http_copy(char *dst, size_t dstlen, const char *v, size_t n)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

struct api_http_hstate {
	int	conn_close, conn_keep, conn_upgrade, upgrade_ws, chunked;
};

/* One header line name: value (value trimmed). */
static enum api_http_rc
api_http_header(struct api_http_req *r, struct api_http_hstate *hs,
    const char *name, size_t nl, const char *v, size_t vl, int *status,
    char *err, size_t errlen)
{
	char		 num[24];
	char		*end;

#define IS(s)	(nl == sizeof(s) - 1 && strncasecmp(name, s, nl) == 0)
	if (IS("Content-Length")) {
		if (vl == 0 || vl >= sizeof(num) || r->has_length)
			return api_http_fail(status, 400, err, errlen,
			    "bad or repeated Content-Length");
		memcpy(num, v, vl);
		num[vl] = '\0';
		if (strspn(num, "0123456789") != vl)
			return api_http_fail(status, 400, err, errlen,
			    "bad Content-Length");
		r->content_length = strtoull(num, &end, 10);
		r->has_length = 1;
	} else if (IS("Transfer-Encoding")) {
		hs->chunked = 1;
	} else if (IS("Connection")) {
		hs->conn_close |= api_http_has_token(v, vl, "close");
		hs->conn_keep |= api_http_has_token(v, vl, "keep-alive");
		hs->conn_upgrade |= api_http_has_token(v, vl, "upgrade");
	} else if (IS("Upgrade")) {
		hs->upgrade_ws |= api_http_has_token(v, vl, "websocket");
	} else if (IS("Expect")) {
		if (vl == 12 && strncasecmp(v, "100-continue", 12) == 0)
			r->expect_continue = 1;
	} else if (IS("If-None-Match")) {
		/* a validator list too long to keep is as good as none */
		if (api_http_copy(r->if_none_match, sizeof(r->if_none_match), v,
		    vl) == -1)
			r->if_none_match[0] = '\0';
	} else if ((IS("Authorization") &&
	    api_http_copy(r->auth, sizeof(r->auth), v, vl) == -1) ||
	    (IS("x-api-key") &&
	    api_http_copy(r->api_key, sizeof(r->api_key), v, vl) == -1) ||
	    (IS("Sec-WebSocket-Key") &&
	    api_http_copy(r->ws_key, sizeof(r->ws_key), v, vl) == -1) ||
	    (IS("Sec-WebSocket-Version") &&
	    api_http_copy(r->ws_version, sizeof(r->ws_version), v, vl) == -1) ||
	    (IS("Content-Type") &&
	    api_http_copy(r->content_type, sizeof(r->content_type), v, vl) ==
	    -1))
		return api_http_fail(status, 431, err, errlen,
		    "a header value is too long");
#undef IS
	return API_HTTP_OK;
}

static int
api_http_tchar(int c)
{
	return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The request line: METHOD SP target SP HTTP/1.x */
static enum api_http_rc
api_http_line(struct api_http_req *r, const char *p, size_t n, int *status,
    char *err, size_t errlen)
{
	const char	*sp1, *sp2, *q;
	size_t		 ml, tl;

	if ((sp1 = memchr(p, ' ', n)) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - p))) == NULL)
		return api_http_fail(status, 400, err, errlen,
		    "malformed request line");
	ml = (size_t)(sp1 - p);
	r->method = API_M_OTHER;
	for (size_t i = 0; i < ml; i++)
		if (!isupper((unsigned char)p[i]))
			return api_http_fail(status, 400, err, errlen,
			    "malformed method");
	for (size_t i = 0; i < TP_ARRAY_LEN(api_http_methods); i++)
		if (strlen(api_http_methods[i].name) == ml &&
		    memcmp(api_http_methods[i].name, p, ml) == 0)
			r->method = api_http_methods[i].m;
	if (ml == 0)
		return api_http_fail(status, 400, err, errlen, "no method");
	if ((size_t)(p + n - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return api_http_fail(status, sp2[1] == 'H' ? 505 : 400, err,
		    errlen, "not HTTP/1.x");
	if (sp2[8] != '0' && sp2[8] != '1')
		return api_http_fail(status, 505, err, errlen,
		    "HTTP version not supported");
	r->minor = sp2[8] - '0';
	tl = (size_t)(sp2 - sp1 - 1);
	if (tl == 0 || sp1[1] != '/')
		return api_http_fail(status, 400, err, errlen,
		    "request target must be an absolute path");
	if (tl >= API_HTTP_TARGET_MAX)
		return api_http_fail(status, 414, err, errlen,
		    "request target too long");
	for (size_t i = 0; i < tl; i++)
		if ((unsigned char)sp1[1 + i] <= ' ' ||
		    (unsigned char)sp1[1 + i] >= 0x7f)
			return api_http_fail(status, 400, err, errlen,
			    "bad character in the request target");
	q = memchr(sp1 + 1, '?', tl);
	/* Raw: segments are decoded after routing, so "%2F" stays in one. */
	api_http_copy(r->path, sizeof(r->path), sp1 + 1,
	    q != NULL ? (size_t)(q - sp1 - 1) : tl);
	if (q != NULL)
		api_http_copy(r->query, sizeof(r->query), q + 1,
		    tl - (size_t)(q - sp1));
	return API_HTTP_OK;
}

static void
api_http_finish(struct api_http_req *r, const struct api_http_hstate *hs)
{
	r->keep_alive = r->minor == 1 ? !hs->conn_close : hs->conn_keep &&
	    !hs->conn_close;
	r->upgrade_ws = hs->upgrade_ws && hs->conn_upgrade;
}

enum api_http_rc
api_http_parse(const char *buf, size_t len, struct api_http_req *r,
    int *status, char *err, size_t errlen)
{
	struct api_http_hstate	 hs = { 0, 0, 0, 0, 0 };
	const char		*end, *p, *eol, *colon, *v;
	size_t			 scan = len < API_HTTP_HEAD_MAX ? len :
				    API_HTTP_HEAD_MAX, nh = 0, vl;
	enum api_http_rc	 rc;

	memset(r, 0, sizeof(*r));
	*status = 0;
	err[0] = '\0';
	if ((end = memmem(buf, scan, "\r\n\r\n", 4)) == NULL)
		return len >= API_HTTP_HEAD_MAX ? api_http_fail(status, 431,
		    err, errlen, "request head too large") : API_HTTP_AGAIN;
	r->head_len = (size_t)(end - buf) + 4;
	eol = memmem(buf, (size_t)(end - buf) + 2, "\r\n", 2);
	if ((rc = api_http_line(r, buf, (size_t)(eol - buf), status, err,
	    errlen)) != API_HTTP_OK)
		return rc;
	for (p = eol + 2; p < end + 2; p = eol + 2) {
		eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		if (++nh > API_HTTP_HEADERS_MAX)
			return api_http_fail(status, 431, err, errlen,
			    "too many headers");
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    colon == p)
			return api_http_fail(status, 400, err, errlen,
			    "malformed header line");
		for (const char *c = p; c < colon; c++)
			if (!api_http_tchar((unsigned char)*c))
				return api_http_fail(status, 400, err, errlen,
				    "malformed header name");
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (vl = (size_t)(eol - v); vl > 0 && (v[vl - 1] == ' ' ||
		    v[vl - 1] == '\t'); vl--)
			;
		for (size_t i = 0; i < vl; i++)
			if (v[i] == '\0' || v[i] == '\r' || v[i] == '\n')
				return api_http_fail(status, 400, err, errlen,
				    "bad character in a header value");
		if ((rc = api_http_header(r, &hs, p, (size_t)(colon - p), v, vl,
		    status, err, errlen)) != API_HTTP_OK)
			return rc;
	}
	if (hs.chunked)
		return api_http_fail(status, r->method == API_M_POST ? 411 :
		    501, err, errlen, "chunked bodies are not accepted; send "
		    "Content-Length");
	api_http_finish(r, &hs);
	return API_HTTP_OK;
}
