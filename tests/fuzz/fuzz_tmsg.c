/*
 * libFuzzer target for msg.c: the {"name","data"} envelope and the
 * message JSON of every topic.  The first byte picks the topic; the rest is
 * tried as a message and as an envelope.  A decoded message must encode,
 * and one more decode/encode cycle must give the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "teranode/msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
cycle(const struct gossip_tmsg *m, unsigned flags)
{
	struct gossip_tmsg	back;
	char			*out, *again;
	size_t			 len, len2;

	if (gossip_tmsg_encode(m, &out, &len) != GOSSIP_TMSG_OK)
		abort();
	if (gossip_tmsg_decode(m->kind, (uint8_t *)out, len, flags, &back) ==
	    GOSSIP_TMSG_OK) {
		if (gossip_tmsg_encode(&back, &again, &len2) != GOSSIP_TMSG_OK)
			abort();
		if (len2 != len || memcmp(out, again, len) != 0)
			abort();
		free(again);
		gossip_tmsg_fini(&back);
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gossip_tmsg	m;
	char			name[GOSSIP_TMSG_NAME_MAX + 1];
	enum gossip_tmsg_kind	kind;
	unsigned		flags;

	if (size < 1)
		return 0;
	kind = (enum gossip_tmsg_kind)(data[0] % GOSSIP_TMSG_KIND_MAX + 1);
	flags = data[0] & 0x80 ? GOSSIP_TMSG_ALLOW_PRIVATE : 0;
	data++;
	size--;
	if (gossip_tmsg_decode(kind, data, size, flags, &m) == GOSSIP_TMSG_OK) {
		cycle(&m, flags);
		gossip_tmsg_fini(&m);
	}
	if (gossip_tmsg_open(kind, data, size, flags, name, &m) ==
	    GOSSIP_TMSG_OK) {
		cycle(&m, flags);
		gossip_tmsg_fini(&m);
	}
	return 0;
}
