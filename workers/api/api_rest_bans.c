/*
 * API worker: the bans and scores endpoints, answered by the ban manager
 * over bans.rep.  IP/subnet bans (BanAddr), peer-ID bans (BanPeer), unban
 * of either (UnbanAddr), clear, check (IsBannedAddr / IsPeerBanned), and
 * the peer ban scores (ListScores, GetBanScore, AddBanScore,
 * ResetBanScore).  The ban manager validates addresses and peer IDs; its
 * INVALID replies become a 400 with its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "tp.h"
#include "util.h"

/* ---- GET /api/v1/bans ---- */

static void
api_rest_bans_list_done(struct api_call *call)
{
	const ipc_env	*r = api_rest_rep(call->conn, &call->slot[0],
			    TP__ENVELOPE__BODY_LIST_BANNED_REP, "ListBanned");
	cJSON		*o, *a;

	if (r == NULL)
		return;
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "bans");
	for (size_t i = 0; i < r->list_banned_rep->n_entries; i++)
		cJSON_AddItemToArray(a, api_json_ban_entry(
		    r->list_banned_rep->entries[i]));
	cJSON_AddNumberToObject(o, "total", r->list_banned_rep->total);
	api_conn_json(call->conn, 200, o);
}

void
api_rest_bans_list(struct api_conn *c)
{
	Tp__ListBannedReq	q = TP__LIST_BANNED_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	if (api_rest_paging(c, &q.offset, &q.limit) == -1)
		return;
	API_ENV(req, list_banned_req, TP__ENVELOPE__BODY_LIST_BANNED_REQ, &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_bans_list_done);
}

/* ---- POST /api/v1/bans ---- */

static const struct api_field api_rest_ban_fields[] = {
	{ "addr", cJSON_String, 0 },
	{ "peer_id", cJSON_String, 0 },
	{ "until", cJSON_Number, 0 },
	{ "duration", cJSON_String | cJSON_Number, 0 },
	{ "reason", cJSON_String, 0 },
	{ "force", cJSON_True | cJSON_False, 0 },
};

static void
api_rest_bans_add_done(struct api_call *call)
{
	const ipc_env	*r = api_rest_rep(call->conn, &call->slot[0],
			    TP__ENVELOPE__BODY__NOT_SET, "Ban");
	cJSON		*o;

	if (r == NULL)
		return;
	if (r->body_case == TP__ENVELOPE__BODY_IS_BANNED_REP) {
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "banned", r->is_banned_rep->banned);
		cJSON_AddStringToObject(o, "key", r->is_banned_rep->matched);
		cJSON_AddStringToObject(o, "kind", "address");
		cJSON_AddNumberToObject(o, "until_unix",
		    (double)r->is_banned_rep->until_unix);
	} else if (r->body_case == TP__ENVELOPE__BODY_BAN_SCORE_REP) {
		o = api_json_score(r->ban_score_rep);
		cJSON_AddStringToObject(o, "key", r->ban_score_rep->peer_id);
		cJSON_AddStringToObject(o, "kind", "peer");
	} else {
		api_conn_error(call->conn, 502, NULL, "Ban: unexpected reply %s",
		    ipc_body_name(r->body_case));
		return;
	}
	api_conn_json(call->conn, 201, o);
}

void
api_rest_bans_add(struct api_conn *c)
{
	Tp__BanAddrReq	 a = TP__BAN_ADDR_REQ__INIT;
	Tp__BanPeerReq	 p = TP__BAN_PEER_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT;
	cJSON		*in;
	char		 err[256];
	int64_t		 until;
	const char	*addr, *peer;

	if ((in = api_json_body(c->body, c->body_len, api_rest_ban_fields,
	    TP_ARRAY_LEN(api_rest_ban_fields), err, sizeof(err))) == NULL) {
		api_conn_error(c, 400, NULL, "%s", err);
		return;
	}
	addr = api_json_str(in, "addr");
	peer = api_json_str(in, "peer_id");
	if ((*addr == '\0') == (*peer == '\0')) {
		api_conn_error(c, 400, "addr", "give exactly one of addr (an IP "
		    "address or CIDR subnet) and peer_id");
	} else if (api_json_ban_until(in, (int64_t)time(NULL), &until, err,
	    sizeof(err)) == -1) {
		api_conn_error(c, 400, strstr(err, "until") != NULL ? "until" :
		    "duration", "%s", err);
	} else if (*addr != '\0') {
		a.addr = (char *)addr;
		a.until_unix = until;
		a.reason = (char *)api_json_str(in, "reason");
		a.force = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in,
		    "force"));
		API_ENV(req, ban_addr_req, TP__ENVELOPE__BODY_BAN_ADDR_REQ, &a);
		api_rest_call1(c, "bans.rep", &req, api_rest_bans_add_done);
	} else {
		p.peer_id = (char *)peer;
		p.until_unix = until;
		p.reason = (char *)api_json_str(in, "reason");
		API_ENV(req, ban_peer_req, TP__ENVELOPE__BODY_BAN_PEER_REQ, &p);
		api_rest_call1(c, "bans.rep", &req, api_rest_bans_add_done);
	}
	cJSON_Delete(in);
}

/* ---- DELETE /api/v1/bans[/{key}] ---- */

static void
api_rest_ok_done(struct api_call *call)
{
	const char	*what = call->arg != NULL ? call->arg : "ok";
	cJSON		*o;

	if (api_rest_rep(call->conn, &call->slot[0],
	    TP__ENVELOPE__BODY__NOT_SET, what) == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	api_conn_json(call->conn, 200, o);
}

void
api_rest_bans_clear(struct api_conn *c)
{
	Tp__ClearBannedReq	q = TP__CLEAR_BANNED_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	API_ENV(req, clear_banned_req, TP__ENVELOPE__BODY_CLEAR_BANNED_REQ, &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_ok_done);
	if (c->call != NULL)
		c->call->arg = xstrdup("ClearBanned");
}

void
api_rest_bans_remove(struct api_conn *c)
{
	Tp__UnbanAddrReq	q = TP__UNBAN_ADDR_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	q.addr = c->params[0];
	API_ENV(req, unban_addr_req, TP__ENVELOPE__BODY_UNBAN_ADDR_REQ, &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_ok_done);
	if (c->call != NULL)
		c->call->arg = xstrdup("Unban");
}

/* ---- GET /api/v1/bans/check?addr=|peer_id= ---- */

static void
api_rest_check_done(struct api_call *call)
{
	const struct api_call_slot	*s = &call->slot[0];
	const ipc_env			*r;
	cJSON				*o;

	/* IsBannedAddr answers INVALID with a body: still a 400. */
	if ((r = api_rest_rep(call->conn, s, TP__ENVELOPE__BODY__NOT_SET,
	    "IsBanned")) == NULL)
		return;
	o = cJSON_CreateObject();
	if (r->body_case == TP__ENVELOPE__BODY_IS_BANNED_REP) {
		cJSON_AddBoolToObject(o, "banned", r->is_banned_rep->banned);
		if (r->is_banned_rep->banned)
			cJSON_AddStringToObject(o, "matched",
			    r->is_banned_rep->matched);
		cJSON_AddNumberToObject(o, "until_unix",
		    (double)r->is_banned_rep->until_unix);
	} else if (r->body_case == TP__ENVELOPE__BODY_BAN_SCORE_REP) {
		cJSON_Delete(o);
		o = api_json_score(r->ban_score_rep);
	}
	api_conn_json(call->conn, 200, o);
}

void
api_rest_bans_check(struct api_conn *c)
{
	Tp__IsBannedAddrReq	a = TP__IS_BANNED_ADDR_REQ__INIT;
	Tp__IsPeerBannedReq	p = TP__IS_PEER_BANNED_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;
	char			addr[API_PARAM_MAX], peer[API_PARAM_MAX];
	int			ra, rp;

	ra = api_http_query(c->req.query, "addr", addr, sizeof(addr));
	rp = api_http_query(c->req.query, "peer_id", peer, sizeof(peer));
	if (ra == -2 || rp == -2) {
		api_conn_error(c, 400, ra == -2 ? "addr" : "peer_id",
		    "malformed or too long query parameter");
	} else if ((ra == 0) == (rp == 0)) {
		api_conn_error(c, 400, "addr", "give exactly one of ?addr= and "
		    "?peer_id=");
	} else if (ra == 0) {
		a.addr = addr;
		API_ENV(req, is_banned_addr_req,
		    TP__ENVELOPE__BODY_IS_BANNED_ADDR_REQ, &a);
		api_rest_call1(c, "bans.rep", &req, api_rest_check_done);
	} else {
		p.peer_id = peer;
		API_ENV(req, is_peer_banned_req,
		    TP__ENVELOPE__BODY_IS_PEER_BANNED_REQ, &p);
		api_rest_call1(c, "bans.rep", &req, api_rest_check_done);
	}
}

/* ---- scores ---- */

static void
api_rest_scores_list_done(struct api_call *call)
{
	const ipc_env	*r = api_rest_rep(call->conn, &call->slot[0],
			    TP__ENVELOPE__BODY_LIST_SCORES_REP, "ListScores");
	cJSON		*o, *a;

	if (r == NULL)
		return;
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "scores");
	for (size_t i = 0; i < r->list_scores_rep->n_scores; i++)
		cJSON_AddItemToArray(a, api_json_score(
		    r->list_scores_rep->scores[i]));
	cJSON_AddNumberToObject(o, "total", r->list_scores_rep->total);
	api_conn_json(call->conn, 200, o);
}

void
api_rest_scores_list(struct api_conn *c)
{
	Tp__ListScoresReq	q = TP__LIST_SCORES_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	if (api_rest_paging(c, &q.offset, &q.limit) == -1)
		return;
	API_ENV(req, list_scores_req, TP__ENVELOPE__BODY_LIST_SCORES_REQ, &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_scores_list_done);
}

static void
api_rest_score_done(struct api_call *call)
{
	const ipc_env	*r = api_rest_rep(call->conn, &call->slot[0],
			    TP__ENVELOPE__BODY_BAN_SCORE_REP, "BanScore");

	if (r != NULL)
		api_conn_json(call->conn, 200, api_json_score(r->ban_score_rep));
}

void
api_rest_scores_get(struct api_conn *c)
{
	Tp__GetBanScoreReq	q = TP__GET_BAN_SCORE_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	q.peer_id = c->params[0];
	API_ENV(req, get_ban_score_req, TP__ENVELOPE__BODY_GET_BAN_SCORE_REQ,
	    &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_score_done);
}

static const struct api_field api_rest_score_fields[] = {
	{ "peer_id", cJSON_String, 1 },
	{ "reason", cJSON_String, 1 },
};

void
api_rest_scores_add(struct api_conn *c)
{
	Tp__AddBanScoreReq	 q = TP__ADD_BAN_SCORE_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT;
	cJSON			*in;
	char			 err[256];

	if ((in = api_json_body(c->body, c->body_len, api_rest_score_fields,
	    TP_ARRAY_LEN(api_rest_score_fields), err, sizeof(err))) == NULL) {
		api_conn_error(c, 400, NULL, "%s", err);
		return;
	}
	q.peer_id = (char *)api_json_str(in, "peer_id");
	q.reason = (char *)api_json_str(in, "reason");
	API_ENV(req, add_ban_score_req, TP__ENVELOPE__BODY_ADD_BAN_SCORE_REQ,
	    &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_score_done);
	cJSON_Delete(in);
}

void
api_rest_scores_reset(struct api_conn *c)
{
	Tp__ResetBanScoreReq	q = TP__RESET_BAN_SCORE_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	q.peer_id = c->params[0];
	API_ENV(req, reset_ban_score_req,
	    TP__ENVELOPE__BODY_RESET_BAN_SCORE_REQ, &q);
	api_rest_call1(c, "bans.rep", &req, api_rest_ok_done);
	if (c->call != NULL)
		c->call->arg = xstrdup("ResetBanScore");
}
