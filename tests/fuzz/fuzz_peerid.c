/*
 * libFuzzer target for varint.c, base58.c and the text and
 * key parsers of identity.c: varints, base58 text, peer ID text
 * (base58 and CIDv1), protobuf public keys and hex private keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_peer_id	id, back;
	struct p2p_identity	ident;
	uint8_t			buf[P2P_BASE58_IN_MAX], pk[32];
	uint8_t			enc[P2P_VARINT_MAX];
	char			text[P2P_PEER_ID_TEXT_MAX];
	uint64_t		v;
	size_t			n, used;

	if (p2p_varint_decode(data, size, &v, &used) == P2P_VARINT_OK &&
	    (p2p_varint_encode(v, enc) != used ||
	    memcmp(enc, data, used) != 0))
		abort();
	(void)p2p_base58_decode((const char *)data, size, buf, sizeof(buf),
	    &n);
	if (p2p_identity_peer_id_parse((const char *)data, size, &id) == 0) {
		if (p2p_identity_peer_id_check(id.bytes, id.len) != 0 ||
		    p2p_identity_peer_id_format(&id, text, sizeof(text)) != 0 ||
		    p2p_identity_peer_id_parse(text, strlen(text), &back) != 0 ||
		    !p2p_identity_peer_id_equal(&id, &back))
			abort();
		(void)p2p_identity_peer_id_pubkey(&id, pk);
	}
	(void)p2p_identity_peer_id_check(data, size);
	(void)p2p_identity_pubkey_decode(data, size, pk);
	if (p2p_identity_from_hex(&ident, (const char *)data, size) == 0)
		p2p_identity_fini(&ident);
	return 0;
}
