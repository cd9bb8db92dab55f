/*
 * libFuzzer target for the pubsub router's receive path: the input is one
 * RPC (no length prefix).  It is decoded and every message checked with
 * the pure codec of rpc.c, then handed to a small router that
 * has joined a topic and knows the sender, followed by a heartbeat, so the
 * subscription, message, IHAVE/IWANT/GRAFT/PRUNE handlers all see it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pubsub/internal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
f_send(void *arg, const char *peer, const uint8_t *rpc, size_t len)
{
	Libp2pPubsub__RPC	*r;

	(void)arg;
	(void)peer;
	/* everything the router writes must decode */
	if ((r = ps_rpc_decode(rpc, len)) == NULL)
		abort();
	libp2p_pubsub__rpc__free_unpacked(r, NULL);
	return 0;
}

static void
f_deliver(void *arg, const char *topic, const char *author, const char *from,
    const uint8_t *data, size_t len)
{
	(void)arg; (void)topic; (void)author; (void)from; (void)data;
	(void)len;
}

static void
f_penalize(void *arg, const char *peer, const char *reason)
{
	(void)arg; (void)peer; (void)reason;
}

static uint64_t
f_now(void *arg)
{
	(void)arg;
	return 5000000;
}

/* PX entries handed up must be checked peer IDs. */
static void
f_px(void *arg, const char *from, const uint8_t *id, size_t idlen,
    const uint8_t *rec, size_t reclen)
{
	(void)arg;
	(void)from;
	(void)rec;
	(void)reclen;
	if (p2p_identity_peer_id_check(id, idlen) != 0)
		abort();
}

static const struct ps_ops f_ops = {
	f_send, f_deliver, f_penalize, f_now, NULL, f_px
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct p2p_identity		 me, peer;
	struct ps_params	 pp;
	struct ps_msg	 m;
	struct ps_router		*ps;
	Libp2pPubsub__RPC		*r;
	uint8_t				 seed[32], id[PS_MSGID_MAX];
	uint8_t				*scratch;
	size_t				 i, idlen;

	if (size > (1 << 20))
		return 0;
	if ((r = ps_rpc_decode(data, size)) != NULL) {
		scratch = malloc(size + 64);
		for (i = 0; i < r->n_publish; i++) {
			ps_msg_view(r->publish[i], &m);
			(void)ps_msg_verify(&m, scratch, size + 64);
			(void)ps_msg_id(&m, id, &idlen);
		}
		free(scratch);
		libp2p_pubsub__rpc__free_unpacked(r, NULL);
	}
	memset(seed, 1, sizeof(seed));
	p2p_identity_from_seed(&me, seed);
	memset(seed, 2, sizeof(seed));
	p2p_identity_from_seed(&peer, seed);
	ps_params_default(&pp);
	pp.max_peers = 4;
	pp.max_topics = 4;
	pp.seen_max = 64;
	pp.mcache_max = 64;
	pp.max_promises = 8;
	pp.retain_max = 4;
	pp.seed = 1;
	ps = ps_new(&f_ops, NULL, &me, &pp);
	if (ps == NULL)
		abort();
	(void)ps_join(ps, "t");
	(void)ps_add_peer(ps, peer.peer_id_text,
	    PS_MESHSUB11, 0, "10.0.0.1");
	(void)ps_recv(ps, peer.peer_id_text, data, size);
	ps_heartbeat(ps);
	(void)ps_recv(ps, peer.peer_id_text, data, size);
	ps_free(ps);
	p2p_identity_fini(&me);
	p2p_identity_fini(&peer);
	return 0;
}
