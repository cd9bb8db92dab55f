/*
 * libFuzzer target for the Kademlia layer's parsers of peer input: the
 * input is one length-prefixed /ipfs/kad/1.0.0 Message (the framing is
 * fuzzed too).  A message that decodes must re-encode and decode to the
 * same peers; its providers go into a small provider store and the whole
 * message is fed to a lookup as an answer and to the server as a request,
 * as a DHT node would use it.
 * The same bytes also go through the peer cache parser and the dnsaddr
 * TXT filter, the other two outside inputs of the layer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kad/kad.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
f_query(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	(void)arg; (void)lk; (void)p;
	return 0;
}

static void
f_provider(void *arg, struct kad_lookup *lk, const struct kad_peer *p)
{
	(void)arg; (void)lk;
	if (kad_peer_id_check(p->id, p->id_len) == -1)
		abort();
}

static const struct kad_lookup_ops f_ops = { f_query, f_provider };

static int
f_addrs(void *arg, const uint8_t *id, size_t len, struct kad_peer *p)
{
	static const uint8_t	addr[] = { 0x04, 127, 0, 0, 1, 0x06, 1, 2 };

	(void)arg;
	if (kad_peer_set(p, id, len) == -1)
		return -1;
	return kad_peer_add_addr(p, addr, sizeof(addr));
}

static const struct kad_server_ops f_server_ops = { f_addrs };

/* Serve m as a request from the first provider entry (or a fixed peer). */
static void
serve(const struct kad_msg *m)
{
	static const uint8_t	 me[38] = { 0x00, 0x24, 0x08, 0x01, 0x12, 0x20,
	    1 };
	static const uint8_t	 other[38] = { 0x00, 0x24, 0x08, 0x01, 0x12,
	    0x20, 2 };
	struct kad_table	 t;
	struct kad_providers	*ps = kad_providers_new(8, 4);
	struct kad_msg		 resp;
	const uint8_t		*from = other;
	size_t			 from_len = sizeof(other), i, rej;
	uint8_t			*buf;
	size_t			 len;

	(void)kad_table_init(&t, me, sizeof(me));
	(void)kad_table_add(&t, other, sizeof(other), 1, 0);
	for (i = 0; i < m->ncloser; i++)
		(void)kad_table_add(&t, m->closer[i].id, m->closer[i].id_len,
		    1, 0);
	if (m->nproviders > 0) {
		from = m->providers[0].id;
		from_len = m->providers[0].id_len;
	}
	if (kad_server_handle(&t, ps, &f_server_ops, NULL, from, from_len, m,
	    &resp, &rej, 0) == KAD_SERVE_REPLY) {
		if (kad_msg_encode(&resp, &buf, &len) != KAD_CODEC_OK)
			abort();
		free(buf);
	}
	kad_msg_fini(&resp);
	kad_providers_free(ps);
	kad_table_fini(&t);
}

static void
check_roundtrip(const struct kad_msg *m)
{
	struct kad_msg	 d;
	const uint8_t	*body;
	uint8_t		*buf;
	size_t		 len, blen, used;

	if (kad_msg_encode(m, &buf, &len) != KAD_CODEC_OK)
		abort();
	if (kad_frame_next(buf, len, &body, &blen, &used) != KAD_CODEC_OK ||
	    used != len || kad_msg_decode(body, blen, &d) != KAD_CODEC_OK ||
	    d.ncloser != m->ncloser || d.nproviders != m->nproviders ||
	    d.key_len != m->key_len || d.dropped != 0)
		abort();
	kad_msg_fini(&d);
	free(buf);
}

static void
use(const struct kad_msg *m)
{
	static const uint8_t	 seed_id[38] = { 0x00, 0x24, 0x08, 0x01, 0x12,
	    0x20, 9 };
	struct kad_providers	*ps = kad_providers_new(16, 4);
	struct kad_lookup	*lk;
	struct kad_peer		 seed, out[4];
	size_t			 i;

	for (i = 0; i < m->nproviders; i++)
		(void)kad_providers_add(ps, m->key, m->key_len,
		    &m->providers[i], i);
	(void)kad_providers_get(ps, m->key, m->key_len, 1, out, 4);
	(void)kad_providers_sweep(ps, KAD_PROVIDE_VALIDITY_MS + 100);
	if (kad_providers_count(ps) != 0)
		abort();
	kad_providers_free(ps);
	lk = kad_lookup_new(KAD_GET_PROVIDERS, (const uint8_t *)"k", 1, NULL,
	    &f_ops, NULL, 0);
	(void)kad_peer_set(&seed, seed_id, sizeof(seed_id));
	(void)kad_lookup_seed(lk, &seed);
	(void)kad_lookup_step(lk, 0);
	if (kad_lookup_reply(lk, seed_id, sizeof(seed_id), m, 1) < 0)
		abort();
	(void)kad_lookup_step(lk, 2);
	kad_lookup_free(lk);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kad_msg		 m;
	struct kad_cache_peer	*peers;
	const uint8_t		*body;
	size_t			 blen, used, n, skipped;
	char			 err[128], out[256];

	if (kad_frame_next(data, size, &body, &blen, &used) == KAD_CODEC_OK &&
	    kad_msg_decode(body, blen, &m) == KAD_CODEC_OK) {
		if (m.ncloser > KAD_CLOSER_MAX ||
		    m.nproviders > KAD_PROVIDERS_MAX)
			abort();
		check_roundtrip(&m);
		use(&m);
		serve(&m);
		kad_msg_fini(&m);
	}
	if (kad_peercache_parse((const char *)data, size, 1796000000,
	    KAD_PEERCACHE_TTL_S, &peers, &n, &skipped, err, sizeof(err)) == 0)
		kad_peercache_free(peers, n);
	(void)kad_dnsaddr_txt(data, size, "12D3KooWA", out, sizeof(out));
	return 0;
}
