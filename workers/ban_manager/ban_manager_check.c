/*
 * The ban manager's settings check for `terap2pd -n` (called in the
 * supervisor binary, see supervisor.h): the ban store URL's scheme, with
 * the same test bans_store_open() applies, and a PostgreSQL URL libpq can
 * parse.  Nothing is opened or connected.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "ban_manager.h"
#include "config.h"

int
bans_check(const struct config *cfg, char *err, size_t errlen)
{
	const char		*url = config_str(cfg, "ban_store_url");
	PQconninfoOption	*opts;
	char			*msg = NULL;

	if (bans_store_check_url(url, err, errlen) == -1)
		return -1;
	if (strncmp(url, "postgres", 8) != 0)
		return 0;
	if ((opts = PQconninfoParse(url, &msg)) == NULL) {
		/* libpq's message names the part, never the password */
		snprintf(err, errlen, "ban_store_url: %s",
		    msg != NULL ? strtok(msg, "\n") : "not a valid URI");
		PQfreemem(msg);
		return -1;
	}
	PQconninfoFree(opts);
	return 0;
}
