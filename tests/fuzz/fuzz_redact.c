/*
 * libFuzzer target for the connection-string redactor (common/redact.c):
 * any input, any output size; the output is always terminated and within
 * its buffer, and when libpq can read the output, every secret in it
 * (password, sslpassword, ...) is the mask.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "redact.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	PQconninfoOption	*opts;
	char			*in, out[1024], *err = NULL;
	size_t			 outlen;

	if (size > 512)
		return 0;
	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	outlen = size > 0 && data[0] < 16 ? 1 + data[0] : sizeof(out);
	memset(out, 'x', sizeof(out));
	redact_url(in, out, outlen);
	if (memchr(out, '\0', outlen) == NULL)
		abort();
	if (outlen == sizeof(out) && (opts = PQconninfoParse(out, &err)) !=
	    NULL) {
		for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
			if (o->val != NULL && o->val[0] != '\0' &&
			    strchr(o->dispchar, '*') != NULL &&
			    strcmp(o->val, "****") != 0)
				abort();
		PQconninfoFree(opts);
	}
	PQfreemem(err);
	free(in);
	return 0;
}
