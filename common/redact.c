/*
 * Redaction of connection strings for display, used by every process that
 * shows a setting or a store URL (terap2pd -n, the ban manager's log and
 * Health detail, hence /health/readiness and /api/v1/status).  libpq
 * decides what is a secret: a postgres URI or keyword/value string is
 * parsed with PQconninfoParse and shown rebuilt from its options, each
 * value libpq marks as a password (PQconninfoOption.dispchar "*":
 * password, sslpassword, any it adds later) masked; one libpq refuses is
 * hidden whole.  The userinfo password of any other scheme://user:pw@host
 * is masked.  Pure apart from libpq's tables.
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

/*
 * scheme://user:pw@rest -> scheme://user:****@rest; returns where rest
 * starts.  As in libpq, only '/' ends the part that may hold userinfo; the
 * last '@' before it ends the userinfo, so a password with '@' stays hidden.
 */
static const char *
redact_userinfo(struct redact_out *o, const char *in)
{
	const char	*auth = strstr(in, "://") + 3, *end, *at = NULL, *p;
	const char	*colon;

	end = auth + strcspn(auth, "/");
	for (p = auth; (p = memchr(p, '@', (size_t)(end - p))) != NULL; p++)
		at = p;
	if (at == NULL) {
		redact_put(o, in, (size_t)(auth - in));
		return auth;
	}
	if ((colon = memchr(auth, ':', (size_t)(at - auth))) == NULL) {
		redact_put(o, in, (size_t)(at - in));
		return at;
	}
	redact_put(o, in, (size_t)(colon + 1 - in));
	redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
	return at;
}

/* s percent-encoded but for RFC 3986 unreserved characters and keep. */
static void
redact_put_enc(struct redact_out *o, const char *s, const char *keep)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			e[3];

	for (; *s != '\0'; s++) {
		unsigned char	c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL ||
		    strchr(keep, c) != NULL) {
			redact_put(o, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		redact_put(o, e, 3);
	}
}

/* A keyword/value string's value, quoted as libpq reads it when needed. */
static void
redact_put_quoted(struct redact_out *o, const char *v)
{
	if (*v != '\0' && strpbrk(v, " \t\n\r\f\v'\\") == NULL) {
		redact_put(o, v, strlen(v));
		return;
	}
	redact_put(o, "'", 1);
	for (; *v != '\0'; v++) {
		if (*v == '\'' || *v == '\\')
			redact_put(o, "\\", 1);
		redact_put(o, v, 1);
	}
	redact_put(o, "'", 1);
}

static const char *
redact_opt(const PQconninfoOption *opts, const char *keyword)
{
	for (const PQconninfoOption *c = opts; c->keyword != NULL; c++)
		if (strcmp(c->keyword, keyword) == 0)
			return c->val != NULL && c->val[0] != '\0' ? c->val : NULL;
	return NULL;
}

static int
redact_secret(const PQconninfoOption *c)
{
	return strchr(c->dispchar, '*') != NULL;
}

/* One "?k=v" / "&k=v" pair, the value masked when it is a secret. */
static void
redact_param(struct redact_out *o, int *first, const char *k, const char *v,
    int secret)
{
	redact_put(o, *first ? "?" : "&", 1);
	*first = 0;
	redact_put(o, k, strlen(k));
	redact_put(o, "=", 1);
	if (secret)
		redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
	else
		redact_put_enc(o, v, ",/:");
}

/*
 * A postgres URI rebuilt from what libpq parsed out of it: what is shown is
 * exactly what libpq will use, and no reading of the text can differ from
 * libpq's on where a secret starts or ends.
 */
static void
redact_pg_uri(struct redact_out *o, const char *in,
    const PQconninfoOption *opts)
{
	const char	*user = redact_opt(opts, "user");
	const char	*host = redact_opt(opts, "host");
	const char	*port = redact_opt(opts, "port");
	const char	*db = redact_opt(opts, "dbname");
	int		 multi, first = 1;

	redact_put(o, in, (size_t)(strstr(in, "://") + 3 - in));
	if (user != NULL) {
		redact_put_enc(o, user, "");
		if (redact_opt(opts, "password") != NULL)
			redact_put(o, ":" REDACT_MASK, strlen(REDACT_MASK) + 1);
		redact_put(o, "@", 1);
	}
	/* several hosts or ports read best as parameters */
	multi = (host != NULL && strchr(host, ',') != NULL) ||
	    (port != NULL && strchr(port, ',') != NULL);
	if (host != NULL && !multi) {
		redact_put(o, "[", strchr(host, ':') != NULL ? 1 : 0);
		redact_put_enc(o, host, strchr(host, ':') != NULL ? ":" : "");
		redact_put(o, "]", strchr(host, ':') != NULL ? 1 : 0);
	}
	if (port != NULL && !multi) {
		redact_put(o, ":", 1);
		redact_put_enc(o, port, "");
	}
	if (db != NULL) {
		redact_put(o, "/", 1);
		redact_put_enc(o, db, "");
	}
	for (const PQconninfoOption *c = opts; c->keyword != NULL; c++) {
		if (c->val == NULL || strcmp(c->keyword, "dbname") == 0 ||
		    strcmp(c->keyword, "user") == 0 ||
		    (strcmp(c->keyword, "password") == 0 && user != NULL) ||
		    (!multi && (strcmp(c->keyword, "host") == 0 ||
		    strcmp(c->keyword, "port") == 0)))
			continue;
		redact_param(o, &first, c->keyword, c->val, redact_secret(c));
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
		if (redact_secret(c))
			redact_put(o, REDACT_MASK, strlen(REDACT_MASK));
		else
			redact_put_quoted(o, c->val);
	}
}

/* 1 when s starts with a URI scheme and "://" (RFC 3986 3.1). */
static int
redact_is_uri(const char *s)
{
	size_t	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	return n > 0 && ((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z') &&
	    strncmp(s + n, "://", 3) == 0;
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
	if (!redact_is_uri(in)) {
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
	if (!redact_is_pg_uri(in)) {
		rest = redact_userinfo(&o, in);
		redact_put(&o, rest, strlen(rest));
		return;
	}
	/* libpq would refuse it: nothing tells what in it is a secret */
	if ((opts = PQconninfoParse(in, &errmsg)) == NULL) {
		PQfreemem(errmsg);
		redact_put(&o, in, (size_t)(strstr(in, "://") + 3 - in));
		redact_put(&o, REDACT_MASK, strlen(REDACT_MASK));
		return;
	}
	redact_pg_uri(&o, in, opts);
	PQconninfoFree(opts);
}
