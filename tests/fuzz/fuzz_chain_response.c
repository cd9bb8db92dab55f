/*
 * libFuzzer target for the Kafka bridge's decoders of what Teranode's
 * blockchain and block-assembly services answer over gRPC
 * (workers/kafka_bridge/kafka_bridge_chainmsg.c: GetBlockHeaderResponse,
 * GetFSMStateResponse, StateResponse, StateMessage, HealthResponse) and of
 * the Subscribe stream's Notification (kafka_bridge_codec.c).  Any input
 * either fails with a message or yields an 80-byte header with canonical
 * hashes, 64 hex digits of chain work, printable bounded text and a known
 * FSM state.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_hex(const char *h, size_t want)
{
	size_t	i, n = strlen(h);

	if (n != want)
		abort();
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdef", h[i]) == NULL)
			abort();
}

static void
check_text(const char *s, size_t max)
{
	size_t	i, n = strlen(s);

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			abort();
}

static void
fuzz_header(const uint8_t *data, size_t size)
{
	struct kafka_chain_header	h;
	char				err[256];

	if (kafka_chainmsg_header_decode(data, size, &h, err, sizeof(err)) != 0)
		return;
	check_hex(h.hash, KAFKA_HASH_HEX);
	check_hex(h.prev_hash, KAFKA_HASH_HEX);
	check_hex(h.chain_work, 64);
	check_hex(h.header_hex, 160);
	check_text(h.miner, KAFKA_MINER_MAX);
}

static void
fuzz_notification(const uint8_t *data, size_t size)
{
	struct kafka_notification	n;
	char				err[256];

	if (kafka_codec_notification_decode(data, size, &n, err,
	    sizeof(err)) != 0)
		return;
	if (n.hash[0] != '\0')
		check_hex(n.hash, KAFKA_HASH_HEX);
	if (n.nmeta > KAFKA_META_MAX)
		abort();
	(void)kafka_codec_meta(&n, "destination");
	kafka_codec_notification_fini(&n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		err[256], details[256];
	uint64_t	txs;
	uint32_t	u32;
	int		i;

	fuzz_header(data, size);
	if (kafka_chainmsg_fsm_decode(data, size, &i, err, sizeof(err)) == 0 &&
	    (i < KAFKA_FSM_IDLE || i > KAFKA_FSM_LEGACYSYNCING ||
	    kafka_chainmsg_fsm_name(i)[0] == '\0'))
		abort();
	(void)kafka_chainmsg_persisted_decode(data, size, &u32, err,
	    sizeof(err));
	(void)kafka_chainmsg_assembly_decode(data, size, &txs, &u32, err,
	    sizeof(err));
	if (kafka_chainmsg_health_decode(data, size, &i, details,
	    sizeof(details), err, sizeof(err)) == 0)
		check_text(details, sizeof(details) - 1);
	fuzz_notification(data, size);
	return 0;
}
