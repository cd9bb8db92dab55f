/*
 * libFuzzer target for the ban manager's address/CIDR parser
 * (workers/ban_manager/ban_manager_addr.c): any input either fails with a
 * named error or yields a prefix whose canonical text parses back to the
 * same prefix, with no bits set past its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/ban_manager/ban_manager.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bans_prefix p, q;
	char key[BANS_KEY_MAX], cidr[BANS_KEY_MAX];
	enum bans_addr_err e;

	e = bans_addr_parse((const char *)data, size, &p);
	if (bans_addr_strerror(e) == NULL)
		abort();
	if (e != BANS_ADDR_OK)
		return 0;
	if ((p.family != 4 && p.family != 6) ||
	    p.plen > (p.family == 4 ? 32 : 128))
		abort();
	bans_addr_key(&p, key);
	bans_addr_cidr(&p, cidr);
	if (bans_addr_parse(key, strlen(key), &q) != BANS_ADDR_OK ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	if (bans_addr_parse(cidr, strlen(cidr), &q) != BANS_ADDR_OK ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	if (!bans_addr_contains(&p, &q))
		abort();
	return 0;
}
