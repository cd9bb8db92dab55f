/*
 * libFuzzer target for the API worker's request-body checks (api_json.c):
 * a body must be one JSON object of strict UTF-8 with no \u0000 and nothing
 * after it; an accepted object must hold only the listed fields, and every
 * string in it must be valid UTF-8 of the length cJSON reports.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../workers/api/api.h"
#include "tp.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct api_field	fields[] = {
		{ "addr", cJSON_String, 0 },
		{ "reason", cJSON_String, 0 },
		{ "duration", cJSON_String | cJSON_Number, 0 },
		{ "force", cJSON_True | cJSON_False, 0 },
	};
	char	 err[256];
	cJSON	*o, *c;

	o = api_json_body((const char *)data, size, fields,
	    TP_ARRAY_LEN(fields), err, sizeof(err));
	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o))
		abort();
	for (c = o->child; c != NULL; c = c->next)
		if (cJSON_IsString(c) && util_utf8_check(c->valuestring,
		    strlen(c->valuestring), NULL) == -1)
			abort();
	cJSON_Delete(o);
	return 0;
}
