/*
 * Gossip worker, Kademlia layer: the server side of /ipfs/kad/1.0.0.  One
 * decoded request in, one response out, following go-libp2p-kad-dht's
 * handlers (handlers.go): closer peers are the k closest routing-table
 * peers to sha256(key) for any key, minus the requester, with addresses
 * only; the peer whose ID is the key goes first when we know where it is
 * (go-libp2p's lookup check relies on that); provider records are only
 * accepted for the sender itself.  Values (PUT/GET_VALUE) are not stored:
 * GET_VALUE gets closer peers and no record, PUT_VALUE is refused.  Pure:
 * addresses come from ops->addrs (the host's peer store).
 */
#include <string.h>

#include "kad/kad.h"

static int
key_ok(const struct kad_msg *req)
{
	return req->key_len > 0 && req->key_len <= KAD_KEY_MAX;
}

/* The peer whose ID is the key, when it is a peer ID we have addresses for. */
static int
key_peer(const struct kad_server_ops *ops, void *arg, const uint8_t *from,
    size_t from_len, const struct kad_msg *req, struct kad_peer *p)
{
	if (kad_peer_id_check(req->key, req->key_len) == -1 ||
	    (req->key_len == from_len && memcmp(req->key, from, from_len) == 0))
		return -1;
	return ops->addrs(arg, req->key, req->key_len, p);
}

static void
add_closer(struct kad_table *t, const struct kad_server_ops *ops, void *arg,
    const uint8_t *from, size_t from_len, const struct kad_msg *req,
    struct kad_msg *resp)
{
	const struct kad_entry	*near[KAD_K];
	struct kad_peer		 p;
	size_t			 n, i;
	int			 have_key;

	have_key = key_peer(ops, arg, from, from_len, req, &p) == 0;
	if (have_key)
		(void)kad_msg_add_closer(resp, &p);
	n = kad_table_closest(t, req->key, req->key_len, from, from_len, near,
	    KAD_K);
	for (i = 0; i < n && resp->ncloser < KAD_K; i++) {
		if (have_key && near[i]->id_len == req->key_len &&
		    memcmp(near[i]->id, req->key, req->key_len) == 0)
			continue;
		if (ops->addrs(arg, near[i]->id, near[i]->id_len, &p) == 0)
			(void)kad_msg_add_closer(resp, &p);
	}
}

/* Store the sender's own records; *abuse: one was forged or over its cap. */
static size_t
add_providers(struct kad_providers *ps, const uint8_t *from, size_t from_len,
    const struct kad_msg *req, uint64_t now_ms, int *abuse)
{
	const struct kad_peer	*p;
	size_t			 i, rejected = 0;

	*abuse = 0;
	for (i = 0; i < req->nproviders; i++) {
		p = &req->providers[i];
		if (!kad_peer_id_equal(p, from, from_len)) {
			*abuse = 1;
			rejected++;
		} else if (p->naddrs == 0)
			rejected++;
		else {
			switch (kad_providers_add(ps, req->key, req->key_len,
			    p, now_ms)) {
			case KAD_PROV_EPEER:
				*abuse = 1;
				/* FALLTHROUGH */
			case KAD_PROV_EFULL:
			case KAD_PROV_EKEY:
			case KAD_PROV_ENOMEM:
				rejected++;
				break;
			default:
				break;
			}
		}
	}
	return rejected;
}

int
kad_server_handle(struct kad_table *t, struct kad_providers *ps,
    const struct kad_server_ops *ops, void *arg, const uint8_t *from,
    size_t from_len, const struct kad_msg *req, struct kad_msg *resp,
    size_t *rejected, uint64_t now_ms)
{
	struct kad_peer	provs[KAD_PROVIDERS_MAX];
	size_t		n, i;
	int		abuse;

	*rejected = 0;
	(void)kad_msg_init(resp, req->type, NULL, 0);
	switch (req->type) {
	case KAD_PING:
		return KAD_SERVE_REPLY;
	case KAD_FIND_NODE:
	case KAD_GET_VALUE:
		if (!key_ok(req))
			return KAD_SERVE_ERROR;
		if (req->type == KAD_GET_VALUE)
			(void)kad_msg_init(resp, req->type, req->key,
			    req->key_len);
		add_closer(t, ops, arg, from, from_len, req, resp);
		return KAD_SERVE_REPLY;
	case KAD_GET_PROVIDERS:
		if (!key_ok(req))
			return KAD_SERVE_ERROR;
		(void)kad_msg_init(resp, req->type, req->key, req->key_len);
		n = ps == NULL ? 0 : kad_providers_get(ps, req->key,
		    req->key_len, now_ms, provs, KAD_PROVIDERS_MAX);
		for (i = 0; i < n; i++)
			(void)kad_msg_add_provider(resp, &provs[i]);
		add_closer(t, ops, arg, from, from_len, req, resp);
		return KAD_SERVE_REPLY;
	case KAD_ADD_PROVIDER:
		if (!key_ok(req) || ps == NULL)
			return KAD_SERVE_ERROR;
		*rejected = add_providers(ps, from, from_len, req, now_ms,
		    &abuse);
		return abuse ? KAD_SERVE_ABUSE : KAD_SERVE_NONE;
	}
	return KAD_SERVE_ERROR;	/* PUT_VALUE: records are not stored */
}
