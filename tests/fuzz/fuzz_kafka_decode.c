/*
 * libFuzzer target for the Kafka bridge's decoders of consumed values
 * (workers/kafka_bridge/kafka_bridge_codec.c): rejectedtx, invalid-blocks,
 * invalid-subtrees and blockchain notifications, plus the gossip JSON built
 * from what decodes and the kafka_*Config URL parser.  Any input either
 * fails with a message or yields canonical 64-digit hashes, bounded
 * strings and JSON without raw control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/kafka_bridge/kafka_bridge.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_hash(const char *h, int may_be_empty)
{
	size_t	i, n = strlen(h);

	if (n == 0 && may_be_empty)
		return;
	if (n != KAFKA_HASH_HEX)
		abort();
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdef", h[i]) == NULL)
			abort();
}

static void
check_json(const char *json)
{
	for (; *json != '\0'; json++)
		if ((unsigned char)*json < 0x20 || *json == '<')
			abort();
}

static void
fuzz_notification(const uint8_t *data, size_t size)
{
	struct kafka_notification	n;
	char				err[256], *json;

	if (kafka_codec_notification_decode(data, size, &n, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	check_hash(n.hash, 1);
	if (strlen(n.base_url) > KAFKA_URL_MAX || n.nmeta > KAFKA_META_MAX)
		abort();
	if (kafka_codec_notification_json(&n, "12D3KooWfuzz", &json, err,
	    sizeof(err)) == 0) {
		check_json(json);
		free(json);
	}
	kafka_codec_notification_fini(&n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kafka_rejected_tx	r;
	struct kafka_invalid_block	b;
	struct kafka_invalid_subtree	s;
	struct kafka_url		u;
	char				err[256], *json, *text;

	if (kafka_codec_rejected_tx_decode(data, size, &r, err,
	    sizeof(err)) == 0) {
		check_hash(r.txid, 0);
		if (strlen(r.reason) > KAFKA_REASON_MAX ||
		    strlen(r.peer_id) > KAFKA_PEER_MAX)
			abort();
		kafka_codec_rejected_tx_json(&r, "", &json);
		check_json(json);
		free(json);
	}
	if (kafka_codec_invalid_block_decode(data, size, &b, err,
	    sizeof(err)) == 0)
		check_hash(b.hash, 0);
	if (kafka_codec_invalid_subtree_decode(data, size, &s, err,
	    sizeof(err)) == 0) {
		check_hash(s.hash, 0);
		if (strlen(s.peer_url) > KAFKA_URL_MAX)
			abort();
	}
	fuzz_notification(data, size);
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (kafka_codec_url_parse(text, &u, err, sizeof(err)) == 0 &&
	    (u.topic[0] == '\0' || u.partitions < 1))
		abort();
	free(text);
	return 0;
}
