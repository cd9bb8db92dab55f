/*
 * libFuzzer target for the PeerService request decoders of
 * workers/api/api_grpc_codec.c: the first byte picks one of the 26 methods,
 * the rest is its request message as a gRPC client would send it (protobuf
 * unpack, then the peer ID, hash and length checks).  Also the admin key
 * check and the peer ID decoder on the raw bytes, and the JSON loader of
 * teranode_peer_registry.json (workers/gossip/teranode/catchup.c) and the
 * server reflection answers (workers/api/api_grpc_reflect.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/api/api.h"
#include "teranode/catchup.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ProtobufCMessage	*msg;
	struct tn_catchup	 c;
	char			 err[256], text[160];
	uint8_t			*ans;
	size_t			 alen;
	int			 m;

	if (size == 0)
		return 0;
	m = data[0] % (API_GRPC_NMETHODS + 1);	/* one out of range */
	if (api_grpc_codec_decode(m == API_GRPC_NMETHODS ? -1 : m, data + 1,
	    size - 1, &msg, err, sizeof(err)) == 0) {
		if (msg == NULL || m == API_GRPC_NMETHODS)
			abort();
		protobuf_c_message_free_unpacked(msg, NULL);
	} else if (msg != NULL || err[0] == '\0')
		abort();
	(void)api_grpc_codec_auth("fuzz-key", size, (const char *)data + 1,
	    size - 1);
	memcpy(text, data + 1, size - 1 < sizeof(text) - 1 ? size - 1 :
	    sizeof(text) - 1);
	text[size - 1 < sizeof(text) - 1 ? size - 1 : sizeof(text) - 1] = '\0';
	(void)api_grpc_codec_peer_id(text);
	if (api_grpc_reflect_answer(data + 1, size - 1, &ans, &alen) == 0)
		free(ans);
	if (data[0] == '{') {
		tn_catchup_init(&c, 8);
		(void)tn_catchup_from_json(&c, (const char *)data, size, err,
		    sizeof(err));
		if (c.n > c.max)
			abort();
		free(tn_catchup_to_json(&c, 0));
		tn_catchup_fini(&c);
	}
	return 0;
}
