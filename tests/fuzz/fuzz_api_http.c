/*
 * libFuzzer target for the API worker's request handling that sees
 * network bytes before anything else: the HTTP/1.1 head parser
 * (api_http.c), routing of the parsed path (api_route.c), the query
 * decoder, and the strict JSON body checks and announce mapping
 * (api_json.c) on whatever follows the head.  Any input either fails with
 * a status in 400..505 or yields a head whose length fits the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../workers/api/api.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void	fz_h(struct api_conn *c) { (void)c; }

static const struct api_route fz_routes[] = {
	{ API_M_GET, "/api/v1/bans", 0, fz_h, "a" },
	{ API_M_DELETE, "/api/v1/bans/{*}", API_R_AUTH, fz_h, "b" },
	{ API_M_POST, "/api/v1/peers/{}/disconnect", API_R_AUTH, fz_h, "c" },
	{ API_M_POST, "/api/v1/announce/{}", API_R_AUTH, fz_h, "d" },
};

static const struct api_field fz_fields[] = {
	{ "addr", cJSON_String, 0 },
	{ "until", cJSON_Number, 0 },
	{ "duration", cJSON_String | cJSON_Number, 0 },
};

static void
fz_body(const char *body, size_t len)
{
	static const char *const kinds[] = { "block", "subtree", "mining_on",
		"rejected_tx" };
	Tp__TopicKind	 k;
	char		 err[256], *s;
	cJSON		*o;
	int64_t		 until;

	if ((o = api_json_body(body, len, fz_fields, 3, err, sizeof(err))) !=
	    NULL) {
		api_json_ban_until(o, 1700000000, &until, err, sizeof(err));
		cJSON_Delete(o);
	}
	for (size_t i = 0; i < 4; i++)
		if ((s = api_json_announce(kinds[i], body, len, &k, err,
		    sizeof(err))) != NULL)
			free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_http_req	 r;
	char			 err[128], allow[64], v[API_PARAM_MAX];
	char			 params[API_ROUTE_PARAMS][API_PARAM_MAX];
	int			 st;

	switch (api_http_parse((const char *)data, size, &r, &st, err,
	    sizeof(err))) {
	case API_HTTP_ERROR:
		if (st < 400 || st > 505)
			abort();
		return 0;
	case API_HTTP_AGAIN:
		return 0;
	case API_HTTP_OK:
		break;
	}
	if (r.head_len > size || r.path[0] != '/')
		abort();
	api_route_match(fz_routes, 4, r.method, r.path, params, &st, allow,
	    sizeof(allow));
	api_http_query(r.query, "addr", v, sizeof(v));
	api_route_auth("key", r.auth, r.api_key);
	fz_body((const char *)data + r.head_len, size - r.head_len);
	return 0;
}
