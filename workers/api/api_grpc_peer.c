/*
 * API worker: the handlers of p2p_api.PeerService.  Bans go to the ban
 * manager (bans.rep): BanPeer, UnbanPeer, IsBanned, ListBanned,
 * ClearBanned, AddBanScore.  Peers and the catch-up reputation go to the
 * gossip worker (gossip.rep): GetPeers, ConnectPeer, DisconnectPeer
 * (GetPeers / ConnectPeer / DisconnectPeer requests), the Record*, Report*,
 * UpdateCatchup* and ResetReputation reports (CatchupReportReq) and the
 * registry reads (PeerRegistryReq).  Requests arrive decoded and checked
 * (api_grpc_codec.c); answers follow Teranode's services/p2p/Server.go:
 * ConnectPeer and DisconnectPeer report failures in-band, GetPeer answers
 * found=false for unknown peers, IsPeerUnhealthy does not hold an unknown
 * peer against it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "tp.h"
#include "util.h"

#define REQ(c, type)	((const type *)(const void *)api_grpc_req(c))
#define REPLY(c, m)	api_grpc_reply((c), (const ProtobufCMessage *)(m))
#define ENV(env, field, kind, val)	API_ENV(env, field, kind, val)

/* ---- bans (bans.rep) ---- */

static void
api_grpc_peer_ok_done(struct api_grpc_call *c, int err, const ipc_env *rep)
{
	/* the four { bool ok = 1 } replies have the same layout */
	P2pApi__BanPeerResponse	out = P2P_API__BAN_PEER_RESPONSE__INIT;

	api_grpc_cache_clear(api_grpc_cache_of(c));
	if (api_grpc_ipc_rep(c, err, rep, 0, "bans") == NULL)
		return;
	out.ok = 1;
	REPLY(c, &out);
}

static void
api_grpc_peer_ban(struct api_grpc_call *c)
{
	const P2pApi__BanPeerRequest	*r = REQ(c, P2pApi__BanPeerRequest);
	Tp__BanAddrReq			 q = TP__BAN_ADDR_REQ__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;

	q.addr = r->addr;
	q.until_unix = r->until;
	q.reason = "grpc BanPeer";
	ENV(env, ban_addr_req, TP__ENVELOPE__BODY_BAN_ADDR_REQ, &q);
	api_grpc_cache_clear(api_grpc_cache_of(c));
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_ok_done);
}

/* Not banned is not an error (Teranode deletes nothing and says ok). */
static void
api_grpc_peer_unban_done(struct api_grpc_call *c, int err, const ipc_env *rep)
{
	P2pApi__UnbanPeerResponse out = P2P_API__UNBAN_PEER_RESPONSE__INIT;

	api_grpc_cache_clear(api_grpc_cache_of(c));
	if (err == 0 && rep != NULL &&
	    rep->status == TP__IPC_STATUS__IPC_ERR_NOT_FOUND) {
		out.ok = 1;
		REPLY(c, &out);
		return;
	}
	api_grpc_peer_ok_done(c, err, rep);
}

static void
api_grpc_peer_unban(struct api_grpc_call *c)
{
	const P2pApi__UnbanPeerRequest	*r = REQ(c, P2pApi__UnbanPeerRequest);
	Tp__UnbanAddrReq		 q = TP__UNBAN_ADDR_REQ__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;

	q.addr = r->addr;
	ENV(env, unban_addr_req, TP__ENVELOPE__BODY_UNBAN_ADDR_REQ, &q);
	api_grpc_cache_clear(api_grpc_cache_of(c));
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_unban_done);
}

static void
api_grpc_peer_is_banned_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__IsBannedResponse out = P2P_API__IS_BANNED_RESPONSE__INIT;

	if ((rep = api_grpc_ipc_rep(c, err, rep, 0, "IsBanned")) == NULL)
		return;
	if (rep->body_case == TP__ENVELOPE__BODY_IS_BANNED_REP)
		out.isbanned = rep->is_banned_rep->banned;
	else if (rep->body_case == TP__ENVELOPE__BODY_BAN_SCORE_REP)
		out.isbanned = rep->ban_score_rep->banned;
	REPLY(c, &out);
}

/* An IP or subnet goes to the address list, a peer ID to the score bans. */
static void
api_grpc_peer_is_banned(struct api_grpc_call *c)
{
	const P2pApi__IsBannedRequest	*r = REQ(c, P2pApi__IsBannedRequest);
	Tp__IsBannedAddrReq		 a = TP__IS_BANNED_ADDR_REQ__INIT;
	Tp__IsPeerBannedReq		 p = TP__IS_PEER_BANNED_REQ__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;

	if (r->iporsubnet[0] == '\0') {
		api_grpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "ipOrSubnet is "
		    "required");
		return;
	}
	if (api_grpc_codec_peer_id(r->iporsubnet) == 0) {
		p.peer_id = r->iporsubnet;
		ENV(env, is_peer_banned_req,
		    TP__ENVELOPE__BODY_IS_PEER_BANNED_REQ, &p);
	} else {
		a.addr = r->iporsubnet;
		ENV(env, is_banned_addr_req,
		    TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ, &a);
	}
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_is_banned_done);
}

static void
api_grpc_peer_list_banned_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__ListBannedResponse out = P2P_API__LIST_BANNED_RESPONSE__INIT;
	const Tp__ListBannedRep	*l;

	if ((rep = api_grpc_ipc_rep(c, err, rep,
	    TP__ENVELOPE__BODY_LIST_BANNED_REP, "ListBanned")) == NULL)
		return;
	l = rep->list_banned_rep;
	out.banned = xcalloc(l->n_entries + 1, sizeof(char *));
	for (size_t i = 0; i < l->n_entries; i++)
		out.banned[out.n_banned++] = l->entries[i]->key;
	REPLY(c, &out);
	free(out.banned);
}

static void
api_grpc_peer_list_banned(struct api_grpc_call *c)
{
	Tp__ListBannedReq	q = TP__LIST_BANNED_REQ__INIT;
	ipc_env			env = TP__ENVELOPE__INIT;

	ENV(env, list_banned_req, TP__ENVELOPE__BODY_LIST_BANNED_REQ, &q);
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_list_banned_done);
}

static void
api_grpc_peer_clear_banned(struct api_grpc_call *c)
{
	Tp__ClearBannedReq	q = TP__CLEAR_BANNED_REQ__INIT;
	ipc_env			env = TP__ENVELOPE__INIT;

	ENV(env, clear_banned_req, TP__ENVELOPE__BODY_CLEAR_BANNED_REQ, &q);
	api_grpc_cache_clear(api_grpc_cache_of(c));
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_ok_done);
}

static void
api_grpc_peer_add_ban_score(struct api_grpc_call *c)
{
	const P2pApi__AddBanScoreRequest *r = REQ(c, P2pApi__AddBanScoreRequest);
	Tp__AddBanScoreReq		 q = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;

	q.peer_id = r->peer_id;
	q.reason = r->reason;
	ENV(env, add_ban_score_req, TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ, &q);
	api_grpc_cache_clear(api_grpc_cache_of(c));
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_ok_done);
}

/* ---- peers (gossip.rep) ---- */

static void
api_grpc_peer_get_peers_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__GetPeersResponse out = P2P_API__GET_PEERS_RESPONSE__INIT;
	const Tp__GetPeersRep	*l;
	P2pApi__Peer		*v;
	const Tp__PeerInfo	*pi;

	if ((rep = api_grpc_ipc_rep(c, err, rep,
	    TP__ENVELOPE__BODY_GET_PEERS_REP, "GetPeers")) == NULL)
		return;
	l = rep->get_peers_rep;
	v = xcalloc(l->n_peers + 1, sizeof(*v));
	out.peers = xcalloc(l->n_peers + 1, sizeof(*out.peers));
	for (size_t i = 0; i < l->n_peers; i++) {
		pi = l->peers[i];
		p2p_api__peer__init(&v[i]);
		v[i].id = pi->peer_id;
		v[i].addr = pi->n_addrs > 0 ? pi->addrs[0] : "";
		v[i].subver = pi->user_agent;
		v[i].currentheight = pi->height;
		v[i].banscore = pi->ban_score;
		v[i].inbound = pi->inbound;
		v[i].bytesreceived = pi->bytes_in;
		v[i].bytessent = pi->bytes_out;
		v[i].conntime = (int64_t)(pi->connected_since_unix_ms / 1000);
		out.peers[out.n_peers++] = &v[i];
	}
	REPLY(c, &out);
	free(out.peers);
	free(v);
}

static void
api_grpc_peer_get_peers(struct api_grpc_call *c)
{
	Tp__GetPeersReq	q = TP__GET_PEERS_REQ__INIT;
	ipc_env		env = TP__ENVELOPE__INIT;

	ENV(env, get_peers_req, TP__ENVELOPE__BODY_GET_PEERS_REQ, &q);
	api_grpc_ipc(c, "gossip.rep", &env, api_grpc_peer_get_peers_done);
}

/* Connect and Disconnect answer { success, error } in-band. */
static void
api_grpc_peer_inband(struct api_grpc_call *c, const char *error)
{
	/* ConnectPeerResponse and DisconnectPeerResponse have one layout */
	P2pApi__ConnectPeerResponse out = P2P_API__CONNECT_PEER_RESPONSE__INIT;

	out.success = error == NULL;
	out.error = (char *)(error != NULL ? error : "");
	REPLY(c, &out);
}

static void
api_grpc_peer_inband_done(struct api_grpc_call *c, int err, const ipc_env *rep)
{
	api_grpc_cache_clear(api_grpc_cache_of(c));
	if (err != 0 || rep == NULL)
		api_grpc_peer_inband(c, "the gossip worker did not answer");
	else
		api_grpc_peer_inband(c, rep->status == 0 ? NULL : rep->error);
}

static void
api_grpc_peer_connect(struct api_grpc_call *c)
{
	const P2pApi__ConnectPeerRequest *r = REQ(c, P2pApi__ConnectPeerRequest);
	Tp__ConnectPeerReq		 q = TP__CONNECT_PEER_REQ__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;
	const char			*id;

	id = strstr(r->peer_address, "/p2p/");
	if (r->peer_address[0] != '/' || id == NULL ||
	    api_grpc_codec_peer_id(id + 5) == -1) {
		api_grpc_peer_inband(c, "peer_address must be a multiaddr "
		    "ending in /p2p/<peer ID>");
		return;
	}
	q.multiaddr = r->peer_address;
	ENV(env, connect_peer_req, TP__ENVELOPE__BODY_CONNECT_PEER_REQ, &q);
	api_grpc_cache_clear(api_grpc_cache_of(c));
	api_grpc_ipc(c, "gossip.rep", &env, api_grpc_peer_inband_done);
}

static void
api_grpc_peer_disconnect(struct api_grpc_call *c)
{
	const P2pApi__DisconnectPeerRequest *r =
	    REQ(c, P2pApi__DisconnectPeerRequest);
	Tp__DisconnectPeerReq	q = TP__DISCONNECT_PEER_REQ__INIT;
	ipc_env			env = TP__ENVELOPE__INIT;

	if (api_grpc_codec_peer_id(r->peer_id) == -1) {
		api_grpc_peer_inband(c, "invalid peer ID");
		return;
	}
	q.peer_id = r->peer_id;
	ENV(env, disconnect_peer_req, TP__ENVELOPE__BODY_DISCONNECT_PEER_REQ,
	    &q);
	api_grpc_cache_clear(api_grpc_cache_of(c));
	api_grpc_ipc(c, "gossip.rep", &env, api_grpc_peer_inband_done);
}

/* ---- catch-up reports (gossip.rep CatchupReportReq) ---- */

typedef char *api_grpc_str;

/* The peer_id of a report request ("" when it has none). */
static const char *
api_grpc_report_peer(const ProtobufCMessage *r)
{
	const ProtobufCFieldDescriptor	*f;

	f = protobuf_c_message_descriptor_get_field_by_name(r->descriptor,
	    "peer_id");
	return f != NULL ? *(const api_grpc_str *)(const void *)
	    ((const char *)r + f->offset) : "";
}


static void
api_grpc_peer_report_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__ResetReputationResponse	 rr =
	    P2P_API__RESET_REPUTATION_RESPONSE__INIT;
	P2pApi__ReportValidBlockResponse vr =
	    P2P_API__REPORT_VALID_BLOCK_RESPONSE__INIT;
	static const char *const what[] = {
		[API_GRPC_VALID_SUBTREE] = "subtree validation recorded",
		[API_GRPC_VALID_BLOCK] = "block validation recorded",
		[API_GRPC_VALID_HEADERS] = "block headers recorded",
		[API_GRPC_CHAIN_PROGRESS] = "chain progress recorded",
	};
	int	m = api_grpc_scratch(c)[0];

	api_grpc_cache_drop(api_grpc_cache_of(c),
	    api_grpc_report_peer(api_grpc_req(c)));
	if ((rep = api_grpc_ipc_rep(c, err, rep,
	    TP__ENVELOPE__BODY_CATCHUP_REPORT_REP, "catch-up report")) == NULL)
		return;
	switch (m) {
	case API_GRPC_VALID_SUBTREE:
	case API_GRPC_VALID_BLOCK:
	case API_GRPC_VALID_HEADERS:
	case API_GRPC_CHAIN_PROGRESS:
		/* every { success, message } reply has this layout */
		vr.success = 1;
		vr.message = (char *)what[m];
		REPLY(c, &vr);
		break;
	default:
		/* { ok } replies share the first field with this one */
		rr.ok = 1;
		rr.peers_reset = rep->catchup_report_rep->peers_reset;
		if (m == API_GRPC_RESET_REPUTATION)
			REPLY(c, &rr);
		else {
			P2pApi__RecordCatchupAttemptResponse o =
			    P2P_API__RECORD_CATCHUP_ATTEMPT_RESPONSE__INIT;

			o.ok = 1;
			REPLY(c, &o);
		}
	}
}

/* The request's fields into a report of kind (absent fields stay zero). */
static void
api_grpc_peer_report(struct api_grpc_call *c, Tp__CatchupKind kind)
{
	const ProtobufCMessage	*r = api_grpc_req(c);
	Tp__CatchupReportReq	 q = TP__CATCHUP_REPORT_REQ__INIT;
	ipc_env			 env = TP__ENVELOPE__INIT;
	const ProtobufCFieldDescriptor *f;
	const char		*base = (const char *)r;

#define FIELD(name)	protobuf_c_message_descriptor_get_field_by_name( \
			    r->descriptor, name)
#define AT(type)	(*(const type *)(const void *)(base + f->offset))
	q.kind = kind;
	q.peer_id = (f = FIELD("peer_id")) != NULL ? AT(api_grpc_str) : "";
	if ((f = FIELD("duration_ms")) != NULL)
		q.duration_ms = AT(int64_t);
	if ((f = FIELD("error_msg")) != NULL || (f = FIELD("failure_kind")))
		q.text = AT(api_grpc_str);
	if ((f = FIELD("block_hash")) != NULL || (f = FIELD("subtree_hash")))
		q.hash = AT(api_grpc_str);
	if ((f = FIELD("score")) != NULL)
		q.score = AT(double);
	if ((f = FIELD("bytes_downloaded")) != NULL)
		q.bytes = AT(uint64_t);
	if ((f = FIELD("height")) != NULL)
		q.height = AT(uint32_t);
#undef FIELD
#undef AT
	api_grpc_scratch(c)[0] = -1;
	for (int m = 0; m < API_GRPC_NMETHODS; m++)
		if (api_grpc_methods[m].req == r->descriptor)
			api_grpc_scratch(c)[0] = m;
	ENV(env, catchup_report_req, TP__ENVELOPE__BODY_CATCHUP_REPORT_REQ, &q);
	api_grpc_cache_drop(api_grpc_cache_of(c), q.peer_id);
	api_grpc_ipc(c, "gossip.rep", &env, api_grpc_peer_report_done);
}

#define REPORT_HANDLER(fn, kind)					\
static void								\
fn(struct api_grpc_call *c)						\
{									\
	api_grpc_peer_report(c, kind);					\
}
REPORT_HANDLER(api_grpc_peer_attempt, TP__CATCHUP_KIND__CATCHUP_ATTEMPT)
REPORT_HANDLER(api_grpc_peer_success, TP__CATCHUP_KIND__CATCHUP_SUCCESS)
REPORT_HANDLER(api_grpc_peer_failure, TP__CATCHUP_KIND__CATCHUP_FAILURE)
REPORT_HANDLER(api_grpc_peer_malicious, TP__CATCHUP_KIND__CATCHUP_MALICIOUS)
REPORT_HANDLER(api_grpc_peer_reputation, TP__CATCHUP_KIND__CATCHUP_REPUTATION)
REPORT_HANDLER(api_grpc_peer_error, TP__CATCHUP_KIND__CATCHUP_ERROR)
REPORT_HANDLER(api_grpc_peer_reset, TP__CATCHUP_KIND__CATCHUP_RESET)
REPORT_HANDLER(api_grpc_peer_subtree, TP__CATCHUP_KIND__CATCHUP_VALID_SUBTREE)
REPORT_HANDLER(api_grpc_peer_block, TP__CATCHUP_KIND__CATCHUP_VALID_BLOCK)
REPORT_HANDLER(api_grpc_peer_headers, TP__CATCHUP_KIND__CATCHUP_VALID_HEADERS)
REPORT_HANDLER(api_grpc_peer_progress,
    TP__CATCHUP_KIND__CATCHUP_CHAIN_PROGRESS)
REPORT_HANDLER(api_grpc_peer_bytes, TP__CATCHUP_KIND__CATCHUP_BYTES)

/* ---- registry reads (gossip.rep PeerRegistryReq) ---- */

/*
 * Ask the gossip worker for its registry: one peer (answered from the
 * cache when it has a fresh entry, synchronously) or all of them.
 * scratch[1] says whether the reply is to be cached.
 */
static void
api_grpc_peer_registry_ask(struct api_grpc_call *c, const char *peer_id,
    int for_catchup, api_grpc_ipc_cb *cb)
{
	struct api_grpc_cache	*cache = api_grpc_cache_of(c);
	Tp__PeerRegistryReq	 q = TP__PEER_REGISTRY_REQ__INIT;
	Tp__PeerRegistryRep	 hit = TP__PEER_REGISTRY_REP__INIT;
	Tp__RegistryPeer	*one[1];
	const Tp__RegistryPeer	*p;
	ipc_env			 env = TP__ENVELOPE__INIT;

	api_grpc_scratch(c)[1] = 0;
	if (peer_id[0] != '\0' && !for_catchup) {
		if (api_grpc_cache_get(cache, peer_id, util_mono_ms(),
		    &p) == 0) {
			one[0] = (Tp__RegistryPeer *)p;
			hit.peers = one;
			hit.n_peers = p != NULL;
			ENV(env, peer_registry_rep,
			    TP__ENVELOPE__BODY_PEER_REGISTRY_REP, &hit);
			cb(c, 0, &env);
			return;
		}
		api_grpc_scratch(c)[1] = 1;
		*api_grpc_scratch64(c) = api_grpc_cache_gen(cache);
	}
	q.peer_id = (char *)peer_id;
	q.for_catchup = for_catchup;
	ENV(env, peer_registry_req, TP__ENVELOPE__BODY_PEER_REGISTRY_REQ, &q);
	api_grpc_ipc(c, "gossip.rep", &env, cb);
}

static const Tp__PeerRegistryRep *
api_grpc_peer_registry(struct api_grpc_call *c, int err, const ipc_env *rep)
{
	const Tp__PeerRegistryRep	*r;

	if ((rep = api_grpc_ipc_rep(c, err, rep,
	    TP__ENVELOPE__BODY_PEER_REGISTRY_REP, "PeerRegistry")) == NULL)
		return NULL;
	r = rep->peer_registry_rep;
	/* GetPeer, IsPeerUnhealthy, IsPeerMalicious: { string peer_id = 1 } */
	if (api_grpc_scratch(c)[1])
		api_grpc_cache_put(api_grpc_cache_of(c), *api_grpc_scratch64(c),
		    REQ(c, P2pApi__GetPeerRequest)->peer_id, r->n_peers > 0 ?
		    r->peers[0] : NULL, util_mono_ms());
	return r;
}

static void
api_grpc_peer_get_peer_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__GetPeerResponse	 out = P2P_API__GET_PEER_RESPONSE__INIT;
	P2pApi__PeerRegistryInfo info;
	const Tp__PeerRegistryRep *r;

	if ((r = api_grpc_peer_registry(c, err, rep)) == NULL)
		return;
	if (r->n_peers > 0) {
		api_grpc_codec_info(r->peers[0], &info);
		out.peer = &info;
		out.found = 1;
	}
	REPLY(c, &out);
}

static void
api_grpc_peer_get_peer(struct api_grpc_call *c)
{
	const P2pApi__GetPeerRequest	*r = REQ(c, P2pApi__GetPeerRequest);
	P2pApi__GetPeerResponse		 out = P2P_API__GET_PEER_RESPONSE__INIT;

	if (api_grpc_codec_peer_id(r->peer_id) == -1) {
		REPLY(c, &out);		/* found = false, never an error */
		return;
	}
	api_grpc_peer_registry_ask(c, r->peer_id, 0,
	    api_grpc_peer_get_peer_done);
}

static void
api_grpc_peer_registry_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__GetPeerRegistryResponse out =
	    P2P_API__GET_PEER_REGISTRY_RESPONSE__INIT;
	const Tp__PeerRegistryRep	*r;
	P2pApi__PeerRegistryInfo	*v;

	if ((r = api_grpc_peer_registry(c, err, rep)) == NULL)
		return;
	v = xcalloc(r->n_peers + 1, sizeof(*v));
	out.peers = xcalloc(r->n_peers + 1, sizeof(*out.peers));
	for (size_t i = 0; i < r->n_peers; i++) {
		api_grpc_codec_info(r->peers[i], &v[i]);
		out.peers[out.n_peers++] = &v[i];
	}
	REPLY(c, &out);
	free(out.peers);
	free(v);
}

static void
api_grpc_peer_get_registry(struct api_grpc_call *c)
{
	api_grpc_peer_registry_ask(c, "", 0, api_grpc_peer_registry_done);
}

static void
api_grpc_peer_for_catchup_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__GetPeersForCatchupResponse out =
	    P2P_API__GET_PEERS_FOR_CATCHUP_RESPONSE__INIT;
	const Tp__PeerRegistryRep	*r;
	P2pApi__PeerInfoForCatchup	*v;

	if ((r = api_grpc_peer_registry(c, err, rep)) == NULL)
		return;
	v = xcalloc(r->n_peers + 1, sizeof(*v));
	out.peers = xcalloc(r->n_peers + 1, sizeof(*out.peers));
	for (size_t i = 0; i < r->n_peers; i++) {
		const Tp__RegistryPeer	*p = r->peers[i];

		p2p_api__peer_info_for_catchup__init(&v[i]);
		v[i].id = p->id;
		v[i].height = p->height;
		v[i].block_hash = p->block_hash;
		v[i].data_hub_url = p->data_hub_url;
		v[i].catchup_reputation_score = p->reputation_score;
		v[i].catchup_attempts = p->catchup_attempts;
		v[i].catchup_successes = p->catchup_successes;
		v[i].catchup_failures = p->catchup_failures;
		out.peers[out.n_peers++] = &v[i];
	}
	REPLY(c, &out);
	free(out.peers);
	free(v);
}

static void
api_grpc_peer_for_catchup(struct api_grpc_call *c)
{
	api_grpc_peer_registry_ask(c, "", 1, api_grpc_peer_for_catchup_done);
}

static void
api_grpc_peer_unhealthy_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__IsPeerUnhealthyResponse out =
	    P2P_API__IS_PEER_UNHEALTHY_RESPONSE__INIT;
	const Tp__PeerRegistryRep	*r;
	const Tp__RegistryPeer		*p;
	const char			*why;

	if ((r = api_grpc_peer_registry(c, err, rep)) == NULL)
		return;
	p = r->n_peers > 0 ? r->peers[0] : NULL;
	out.is_unhealthy = api_grpc_codec_unhealthy(p, &why);
	out.reason = (char *)why;
	out.reputation_score = p != NULL ? (float)p->reputation_score : 50.0f;
	REPLY(c, &out);
}

static void
api_grpc_peer_unhealthy(struct api_grpc_call *c)
{
	const P2pApi__IsPeerUnhealthyRequest *r =
	    REQ(c, P2pApi__IsPeerUnhealthyRequest);
	P2pApi__IsPeerUnhealthyResponse out =
	    P2P_API__IS_PEER_UNHEALTHY_RESPONSE__INIT;

	if (r->peer_id[0] == '\0') {
		out.is_unhealthy = 1;
		out.reason = "empty peer ID";
		REPLY(c, &out);
		return;
	}
	api_grpc_peer_registry_ask(c, r->peer_id, 0,
	    api_grpc_peer_unhealthy_done);
}

/* The registry says whether the peer misbehaved; the ban manager has the
 * final word on a ban (its ID ban outlives a registry entry). */
static void
api_grpc_peer_malicious_ban_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__IsPeerMaliciousResponse out =
	    P2P_API__IS_PEER_MALICIOUS_RESPONSE__INIT;

	if ((rep = api_grpc_ipc_rep(c, err, rep,
	    TP__ENVELOPE__BODY_BAN_SCORE_REP, "IsPeerBanned")) == NULL)
		return;
	out.is_malicious = rep->ban_score_rep->banned;
	out.reason = out.is_malicious ? "peer is banned" : "";
	REPLY(c, &out);
}

static void
api_grpc_peer_malicious_done(struct api_grpc_call *c, int err,
    const ipc_env *rep)
{
	P2pApi__IsPeerMaliciousResponse out =
	    P2P_API__IS_PEER_MALICIOUS_RESPONSE__INIT;
	const Tp__PeerRegistryRep	*r;
	const Tp__RegistryPeer		*p;
	Tp__IsPeerBannedReq		 q = TP__IS_PEER_BANNED_REQ__INIT;
	ipc_env				 env = TP__ENVELOPE__INIT;
	const char			*why;

	if ((r = api_grpc_peer_registry(c, err, rep)) == NULL)
		return;
	p = r->n_peers > 0 ? r->peers[0] : NULL;
	if (api_grpc_codec_malicious(p, p != NULL && p->banned, &why)) {
		out.is_malicious = 1;
		out.reason = (char *)why;
		REPLY(c, &out);
		return;
	}
	q.peer_id = (char *)REQ(c, P2pApi__IsPeerMaliciousRequest)->peer_id;
	ENV(env, is_peer_banned_req, TP__ENVELOPE__BODY_IS_PEER_BANNED_REQ, &q);
	api_grpc_ipc(c, "bans.rep", &env, api_grpc_peer_malicious_ban_done);
}

static void
api_grpc_peer_malicious_q(struct api_grpc_call *c)
{
	const P2pApi__IsPeerMaliciousRequest *r =
	    REQ(c, P2pApi__IsPeerMaliciousRequest);
	P2pApi__IsPeerMaliciousResponse out =
	    P2P_API__IS_PEER_MALICIOUS_RESPONSE__INIT;

	if (r->peer_id[0] == '\0') {
		out.reason = "empty peer ID";
		REPLY(c, &out);
		return;
	}
	api_grpc_peer_registry_ask(c, r->peer_id, 0,
	    api_grpc_peer_malicious_done);
}

api_grpc_handler *const api_grpc_peer_handlers[API_GRPC_NMETHODS] = {
	[API_GRPC_GET_PEERS] = api_grpc_peer_get_peers,
	[API_GRPC_BAN_PEER] = api_grpc_peer_ban,
	[API_GRPC_UNBAN_PEER] = api_grpc_peer_unban,
	[API_GRPC_IS_BANNED] = api_grpc_peer_is_banned,
	[API_GRPC_LIST_BANNED] = api_grpc_peer_list_banned,
	[API_GRPC_CLEAR_BANNED] = api_grpc_peer_clear_banned,
	[API_GRPC_ADD_BAN_SCORE] = api_grpc_peer_add_ban_score,
	[API_GRPC_CONNECT_PEER] = api_grpc_peer_connect,
	[API_GRPC_DISCONNECT_PEER] = api_grpc_peer_disconnect,
	[API_GRPC_CATCHUP_ATTEMPT] = api_grpc_peer_attempt,
	[API_GRPC_CATCHUP_SUCCESS] = api_grpc_peer_success,
	[API_GRPC_CATCHUP_FAILURE] = api_grpc_peer_failure,
	[API_GRPC_CATCHUP_MALICIOUS] = api_grpc_peer_malicious,
	[API_GRPC_UPDATE_REPUTATION] = api_grpc_peer_reputation,
	[API_GRPC_UPDATE_ERROR] = api_grpc_peer_error,
	[API_GRPC_RESET_REPUTATION] = api_grpc_peer_reset,
	[API_GRPC_PEERS_FOR_CATCHUP] = api_grpc_peer_for_catchup,
	[API_GRPC_VALID_SUBTREE] = api_grpc_peer_subtree,
	[API_GRPC_VALID_BLOCK] = api_grpc_peer_block,
	[API_GRPC_VALID_HEADERS] = api_grpc_peer_headers,
	[API_GRPC_CHAIN_PROGRESS] = api_grpc_peer_progress,
	[API_GRPC_IS_MALICIOUS] = api_grpc_peer_malicious_q,
	[API_GRPC_IS_UNHEALTHY] = api_grpc_peer_unhealthy,
	[API_GRPC_GET_REGISTRY] = api_grpc_peer_get_registry,
	[API_GRPC_BYTES_DOWNLOADED] = api_grpc_peer_bytes,
	[API_GRPC_GET_PEER] = api_grpc_peer_get_peer,
};
