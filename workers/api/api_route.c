/*
 * API worker: matching a request to the routing table, and the api key
 * check.  Pure (no I/O, no context), so unit tests and the fuzz target call
 * it directly; api_conn.c calls it for every request and api_rest.c holds
 * the table.
 *
 * Patterns are "/"-separated: a literal segment, "{}" (exactly one
 * non-empty segment) or a trailing "{*}" (the rest of the path, slashes
 * included, for keys such as "10.0.0.0/8").  Parameters are
 * percent-decoded after matching, so "%2F" stays inside one segment.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "api.h"

/* Does path match pattern?  Raw (encoded) segments go to raw[]. */
static int
api_route_try(const char *pattern, const char *path,
    const char *raw[API_ROUTE_PARAMS], size_t rawlen[API_ROUTE_PARAMS])
{
	const char	*pp = pattern, *sp = path, *pe, *se;
	size_t		 np = 0;

	while (*pp != '\0' && *sp != '\0') {
		if (*pp != '/' || *sp != '/')
			return 0;
		pp++;
		sp++;
		pe = strchr(pp, '/');
		pe = pe != NULL ? pe : pp + strlen(pp);
		se = strchr(sp, '/');
		se = se != NULL ? se : sp + strlen(sp);
		if (pe - pp == 3 && memcmp(pp, "{*}", 3) == 0 && *pe == '\0') {
			se = sp + strlen(sp);
			if (se == sp || np >= API_ROUTE_PARAMS)
				return 0;
			raw[np] = sp;
			rawlen[np++] = (size_t)(se - sp);
		} else if (pe - pp == 2 && memcmp(pp, "{}", 2) == 0) {
			if (se == sp || np >= API_ROUTE_PARAMS)
				return 0;
			raw[np] = sp;
			rawlen[np++] = (size_t)(se - sp);
		} else if (pe - pp != se - sp ||
		    memcmp(pp, sp, (size_t)(pe - pp)) != 0)
			return 0;
		pp = pe;
		sp = se;
	}
	for (; np < API_ROUTE_PARAMS; np++)
		raw[np] = NULL;
	return *pp == '\0' && *sp == '\0';
}

static void
api_route_allow(char *allow, size_t allowlen, enum api_method m)
{
	const char	*name = api_http_method_name(m);
	size_t		 used = strlen(allow);

	if (strstr(allow, name) != NULL)
		return;
	snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "",
	    name);
}

const struct api_route *
api_route_match(const struct api_route *routes, size_t n,
    enum api_method method, const char *path,
    char params[API_ROUTE_PARAMS][API_PARAM_MAX], int *status, char *allow,
    size_t allowlen)
{
	const char	*raw[API_ROUTE_PARAMS];
	size_t		 rawlen[API_ROUTE_PARAMS];
	enum api_method	 want = method == API_M_HEAD ? API_M_GET : method;
	int		 known = 0;

	allow[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!api_route_try(routes[i].pattern, path, raw, rawlen))
			continue;
		if (routes[i].method != want) {
			known = 1;
			api_route_allow(allow, allowlen, routes[i].method);
			continue;
		}
		for (size_t k = 0; k < API_ROUTE_PARAMS; k++) {
			params[k][0] = '\0';
			if (raw[k] != NULL && api_http_pct_decode(raw[k],
			    rawlen[k], params[k], API_PARAM_MAX) == -1) {
				*status = 400;
				return NULL;
			}
		}
		*status = 200;
		return &routes[i];
	}
	*status = known ? 405 : 404;
	return NULL;
}

/* Strip "Bearer " (any case, any spacing) from an Authorization value. */
static const char *
api_route_bearer(const char *authz)
{
	if (authz == NULL || strncasecmp(authz, "Bearer", 6) != 0 ||
	    (authz[6] != ' ' && authz[6] != '\t'))
		return NULL;
	authz += 6;
	while (*authz == ' ' || *authz == '\t')
		authz++;
	return *authz != '\0' ? authz : NULL;
}

/* Compare two strings in time independent of where they differ or their lengths. */
static int
api_route_key_eq(const char *a, const char *b)
{
	unsigned char	ha[crypto_hash_sha256_BYTES], hb[sizeof(ha)];

	crypto_hash_sha256(ha, (const unsigned char *)a, strlen(a));
	crypto_hash_sha256(hb, (const unsigned char *)b, strlen(b));
	return sodium_memcmp(ha, hb, sizeof(ha)) == 0;
}

enum api_auth_rc
api_route_auth(const char *key, const char *authz, const char *x_api_key)
{
	const char	*given = api_route_bearer(authz);

	if (key == NULL || *key == '\0')
		return API_AUTH_DISABLED;
	if (given == NULL && x_api_key != NULL && *x_api_key != '\0')
		given = x_api_key;
	if (given == NULL)
		return API_AUTH_MISSING;
	return api_route_key_eq(key, given) ? API_AUTH_OK : API_AUTH_WRONG;
}
