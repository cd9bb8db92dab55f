/*
 * Redaction of connection strings for display, used by every process that
 * shows a setting or a store URL (terap2pd -n, the ban manager's log and
 * Health detail, hence /health/readiness and /api/v1/status).  libpq
 * decides what is a secret: a parameter is shown only when libpq knows it
 * and does not mark it as a password (PQconninfoOption.dispchar "*"), so
 * password, sslpassword and any parameter libpq adds later stay hidden; a
 * parameter libpq does not know is hidden too.  The userinfo password of
 * any scheme://user:pw@host is masked.  Pure apart from libpq's tables.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "redact.h"

#define REDACT_MASK	"****"

struct redact_out {
	char	*s;
	size_t	 len, cap;
};

static void
redact_put(struct redact_out *o, const char *p, size_t n)
{
	size_t	room = o->cap - o->len - 1;

	if (n > room)
		n = room;
	memcpy(o->s + o->len, p, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static int
redact_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode n bytes (a URI parameter name) into out; -1 if malformed. */
static int
redact_pct(const char *in, size_t n, char *out, size_t outlen)
{
	size_t	o = 0;

	for (size_t i = 0; i < n; i++) {
		int	c = (unsigned char)in[i], hi, lo;

		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = redact_hex(in[i + 1])) < 0 ||
			    (lo = redact_hex(in[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		}
		if (o + 1 >= outlen || c == '\0')
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* 1 when libpq knows keyword and shows its value; 0 for secrets and unknowns. */
static int
redact_shown(const PQconninfoOption *defs, const char *keyword)
{
	for (const PQconninfoOption *d = defs; d != NULL && d->keyword != NULL;
	    d++)
		if (strcmp(d->keyword, keyword) == 0)
			return strchr(d->dispchar, '*') == NULL;
	return 0;
}

/* scheme://user:pw@rest -> scheme://user:****@rest; returns where rest starts. */
static const char *
redact_userinfo(struct redact_out *o, const char *in)
{
	const char	*auth = strstr(in, "://") + 3, *end, *at, *colon;

	end = auth + strcspn(auth, "/?#");
	for (at = NULL; (colon = memchr(auth, '@', (size_t)(end - auth))) !=
	    NULL; auth = colon + 1)
		at = colon;		/* the last '@' ends the userinfo */
	auth = strstr(in, "://") + 3;
	if (at == NULL || (colon = memchr(auth, ':', (size_t)(at - auth))) ==
	    NULL) {
		redact_put(o, in, (size_t)(end - in));
		return end;
	}
	redact_put(o, in, (size_t)(colon + 1 - in));
	redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
	redact_put(o, at, (size_t)(end - at));
	return end;
}

/* The path and "?k=v&k=v" of a postgres URI, values shown per libpq. */
static void
redact_pg_query(struct redact_out *o, const char *p,
    const PQconninfoOption *defs)
{
	const char	*q = strchr(p, '?'), *eq, *amp;
	char		 key[64];

	if (q == NULL) {
		redact_put(o, p, strlen(p));
		return;
	}
	redact_put(o, p, (size_t)(q + 1 - p));
	for (p = q + 1; *p != '\0'; p = *amp == '&' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL) {
			redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
		} else {
			redact_put(o, p, (size_t)(eq + 1 - p));
			if (redact_pct(p, (size_t)(eq - p), key, sizeof(key)) ==
			    0 && redact_shown(defs, key))
				redact_put(o, eq + 1, (size_t)(amp - eq - 1));
			else
				redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
		}
		if (*amp == '&')
			redact_put(o, "&", 1);
	}
}

/* "host=h password=x" (libpq's keyword/value form) rebuilt from its options. */
static void
redact_pg_keywords(struct redact_out *o, const PQconninfoOption *opts)
{
	int	first = 1;

	for (const PQconninfoOption *c = opts; c->keyword != NULL; c++) {
		if (c->val == NULL)
			continue;
		redact_put(o, " ", first ? 0 : 1);
		first = 0;
		redact_put(o, c->keyword, strlen(c->keyword));
		redact_put(o, "=", 1);
		if (strchr(c->dispchar, '*') != NULL)
			redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
		else
			redact_put(o, c->val, strlen(c->val));
	}
}

static int
redact_is_pg_uri(const char *s)
{
	return strncmp(s, "postgres://", 11) == 0 ||
	    strncmp(s, "postgresql://", 13) == 0;
}

void
redact_url(const char *in, char *out, size_t outlen)
{
	struct redact_out	 o = { out, 0, outlen };
	PQconninfoOption	*opts = NULL;
	const char		*rest;
	char			*errmsg = NULL;

	if (outlen == 0)
		return;
	out[0] = '\0';
	if (strstr(in, "://") == NULL) {
		/* keyword/value conninfo, or a plain value (path, name) */
		if (strchr(in, '=') != NULL &&
		    (opts = PQconninfoParse(in, &errmsg)) != NULL)
			redact_pg_keywords(&o, opts);
		else if (strchr(in, '=') != NULL && strchr(in, ' ') != NULL)
			redact_put(&o, REDACT_MASK, strlen(REDACT_MASK));
		else
			redact_put(&o, in, strlen(in));
		PQconninfoFree(opts);
		PQfreemem(errmsg);
		return;
	}
	rest = redact_userinfo(&o, in);
	if (!redact_is_pg_uri(in)) {
		redact_put(&o, rest, strlen(rest));
		return;
	}
	/* libpq would refuse it: nothing tells what in it is a secret */
	if ((opts = PQconninfoParse(in, &errmsg)) == NULL) {
		PQfreemem(errmsg);
		o.len = 0;
		redact_put(&o, in, (size_t)(strstr(in, "://") + 3 - in));
		redact_put(&o, REDACT_MASK, strlen(REDACT_MASK));
		return;
	}
	redact_pg_query(&o, rest, opts);
	PQconninfoFree(opts);
}
