/*
 * API worker: the peer registry and announcement endpoints, answered by the
 * gossip worker over gossip.rep (GetPeers, ConnectPeer, DisconnectPeer,
 * Publish).  Bodies are checked here; the gossip worker checks multiaddrs
 * and peer IDs against its registry.  While it does not answer a request
 * kind, the reply is a 502 saying so (api_rest_ipc_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "peerid.h"
#include "tp.h"
#include "util.h"

#define API_CONNECT_TIMEOUT_MS	12000

static void
api_rest_peer_done(struct api_call *call)
{
	const ipc_env	*r = api_rest_rep(call->conn, &call->slot[0],
			    TP__ENVELOPE__BODY_GET_PEERS_REP, "GetPeers");

	if (r == NULL)
		return;
	if (r->get_peers_rep->n_peers == 0) {
		api_conn_error(call->conn, 404, NULL, "no such peer");
		return;
	}
	api_conn_json(call->conn, 200, api_json_peer(r->get_peers_rep->peers[0]));
}

/* Peer IDs (12D3KooW..., Qm...) are decoded: refuse anything else. */
static int
api_rest_peer_id_ok(struct api_conn *c, const char *id, const char *field)
{
	char	why[128];

	if (peer_id_check(id, why, sizeof(why)) == 0)
		return 1;
	api_conn_error(c, 400, field, "invalid peer ID \"%.64s\": %s", id,
	    why);
	return 0;
}

void
api_rest_peers_get(struct api_conn *c)
{
	Tp__GetPeersReq	q = TP__GET_PEERS_REQ__INIT;
	ipc_env		req = TP__ENVELOPE__INIT;

	if (!api_rest_peer_id_ok(c, c->params[0], "peer_id"))
		return;
	q.peer_id = c->params[0];
	API_ENV(req, get_peers_req, TP__ENVELOPE__BODY_GET_PEERS_REQ, &q);
	api_rest_call1(c, "gossip.rep", &req, api_rest_peer_done);
}

static void
api_rest_done_ok(struct api_call *call)
{
	cJSON	*o;

	if (api_rest_rep(call->conn, &call->slot[0],
	    TP__ENVELOPE__BODY__NOT_SET, call->arg) == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	api_conn_json(call->conn, 200, o);
}

/* Start a one-request call answered {"ok":true}; what names it in errors. */
static void
api_rest_gossip_call(struct api_conn *c, const ipc_env *req, const char *what,
    int timeout_ms)
{
	struct api_call	*call = api_call_new(c, api_rest_done_ok);

	call->arg = xstrdup(what);
	api_call_add(call, "gossip.rep", req, timeout_ms);
	api_call_go(call);
}

static const struct api_field api_rest_connect_fields[] = {
	{ "multiaddr", cJSON_String, 1 },
};

void
api_rest_peers_connect(struct api_conn *c)
{
	Tp__ConnectPeerReq	 q = TP__CONNECT_PEER_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT;
	cJSON			*in;
	char			 err[256];

	if ((in = api_json_body(c->body, c->body_len, api_rest_connect_fields,
	    1, err, sizeof(err))) == NULL) {
		api_conn_error(c, 400, NULL, "%s", err);
		return;
	}
	q.multiaddr = (char *)api_json_str(in, "multiaddr");
	if (q.multiaddr[0] != '/' || strstr(q.multiaddr, "/p2p/") == NULL)
		api_conn_error(c, 400, "multiaddr", "multiaddr must look like "
		    "/ip4/1.2.3.4/tcp/9905/p2p/12D3KooW...");
	else {
		API_ENV(req, connect_peer_req,
		    TP__ENVELOPE__BODY_CONNECT_PEER_REQ, &q);
		/* the gossip worker answers with the dial's outcome, at
		 * most 10 s later */
		api_rest_gossip_call(c, &req, "ConnectPeer",
		    API_CONNECT_TIMEOUT_MS);
	}
	cJSON_Delete(in);
}

void
api_rest_peers_disconnect(struct api_conn *c)
{
	Tp__DisconnectPeerReq	q = TP__DISCONNECT_PEER_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	if (!api_rest_peer_id_ok(c, c->params[0], "peer_id"))
		return;
	q.peer_id = c->params[0];
	API_ENV(req, disconnect_peer_req,
	    TP__ENVELOPE__BODY_DISCONNECT_PEER_REQ, &q);
	api_rest_gossip_call(c, &req, "DisconnectPeer", API_CALL_TIMEOUT_MS);
}

void
api_rest_announce(struct api_conn *c)
{
	Tp__PublishReq	 q = TP__PUBLISH_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT;
	Tp__TopicKind	 kind;
	char		 err[256], *json;
	static const char *const kinds[] = { "block", "subtree", "mining_on",
		"rejected_tx" };
	int		 known = 0;

	for (size_t i = 0; i < TP_ARRAY_LEN(kinds); i++)
		known |= strcmp(kinds[i], c->params[0]) == 0;
	if (!known) {
		api_conn_error(c, 404, NULL, "no announcement kind \"%.32s\": "
		    "block, subtree, mining_on or rejected_tx", c->params[0]);
		return;
	}
	if ((json = api_json_announce(c->params[0], c->body, c->body_len, &kind,
	    err, sizeof(err))) == NULL) {
		api_conn_error(c, 400, NULL, "%s", err);
		return;
	}
	q.kind = kind;
	q.json = json;
	API_ENV(req, publish_req, TP__ENVELOPE__BODY_PUBLISH_REQ, &q);
	api_rest_gossip_call(c, &req, "Publish", API_CALL_TIMEOUT_MS);
	free(json);
}
