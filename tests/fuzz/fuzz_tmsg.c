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
cycle(const struct tn_msg *m, unsigned flags)
{
	struct tn_msg	back;
	char			*out, *again;
	size_t			 len, len2;

	if (tn_msg_encode(m, &out, &len) != TN_MSG_OK)
		abort();
	if (tn_msg_decode(m->kind, (uint8_t *)out, len, flags, &back) ==
	    TN_MSG_OK) {
		if (tn_msg_encode(&back, &again, &len2) != TN_MSG_OK)
			abort();
		if (len2 != len || memcmp(out, again, len) != 0)
			abort();
		free(again);
		tn_msg_fini(&back);
	}
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_msg	m;
	char			name[TN_MSG_NAME_MAX + 1];
	enum tn_msg_kind	kind;
	unsigned		flags;

	if (size < 1)
		return 0;
	kind = (enum tn_msg_kind)(data[0] % TN_MSG_KIND_MAX + 1);
	flags = data[0] & 0x80 ? TN_MSG_ALLOW_PRIVATE : 0;
	data++;
	size--;
	if (tn_msg_decode(kind, data, size, flags, &m) == TN_MSG_OK) {
		cycle(&m, flags);
		tn_msg_fini(&m);
	}
	if (tn_msg_open(kind, data, size, flags, name, &m) ==
	    TN_MSG_OK) {
		cycle(&m, flags);
		tn_msg_fini(&m);
	}
	return 0;
}
