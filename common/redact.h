/*
 * Connection strings made safe to show: every secret-bearing part (as
 * libpq marks it, plus any scheme's user:password@) replaced by "****".
 */
#ifndef TP_REDACT_H
#define TP_REDACT_H

#include <stddef.h>

/*
 * Copy in to out[outlen] with its secrets masked: postgres:// URIs and
 * libpq keyword/value strings are parsed with PQconninfoParse, and only
 * parameters libpq knows and displays are shown; other scheme:// URLs get
 * their userinfo password masked; anything else is copied as it is.
 */
void	redact_url(const char *in, char *out, size_t outlen);

#endif
