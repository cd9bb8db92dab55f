/*
 * API worker: GET /api/v1/peers from a cached body.  The serialized list
 * is kept with the version the gossip worker gave it (GetPeersRep.version)
 * and an ETag; every request asks gossip.rep whether that version still
 * holds (a reply without peers when it does), requests arriving while that
 * question is out wait for its answer, and the body is rebuilt only when
 * the registry changed.  ?offset=&limit= serve a slice of the same body;
 * If-None-Match with the current ETag is answered 304.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "proc.h"
#include "util.h"

#define PEERS_HEAD	"{\"peers\":["

/* A body shared by the cache and the responses still being sent. */
struct peers_body {
	size_t	refs;
	char	text[];
};

struct api_peers_cache {
	uint64_t		 version;	/* of body; 0: none yet */
	struct peers_body	*body;		/* one reference: the whole list */
	size_t			 len;
	size_t			*off, *ilen;	/* each peer's JSON in body */
	size_t			 n;
	uint64_t		 hash;		/* of body: the ETag */
	struct api_call		**wait;		/* owned array of owned calls */
	size_t			 nwait, capwait;
	int			 asking;	/* a GetPeersReq is out */
	uint64_t		 rebuilds, hits;
};

static void
peers_body_unref(const void *data, size_t len, void *arg)
{
	struct peers_body	*b = arg;

	(void)data;
	(void)len;
	if (b != NULL && --b->refs == 0)
		free(b);
}

/* A growing text buffer. */
struct peers_buf {
	char	*p;
	size_t	 len, cap;
};

static void
peers_buf_add(struct peers_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap != 0 ? b->cap * 2 : 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static uint64_t
peers_fnv(const char *s, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ull;

	while (n-- > 0)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

/* The body for rep: the peers as api_json_peer writes them. */
static void
peers_rebuild(struct api_peers_cache *pc, const Tp__GetPeersRep *rep)
{
	struct peers_buf	b = { NULL, 0, 0 };
	char			 tail[64], *s;
	cJSON			*item;
	size_t			 i, n = rep->n_peers;

	free(pc->off);
	free(pc->ilen);
	pc->off = xcalloc(n + 1, sizeof(*pc->off));
	pc->ilen = xcalloc(n + 1, sizeof(*pc->ilen));
	peers_buf_add(&b, PEERS_HEAD, strlen(PEERS_HEAD));
	for (i = 0; i < n; i++) {
		if (i > 0)
			peers_buf_add(&b, ",", 1);
		item = api_json_peer(rep->peers[i]);
		s = cJSON_PrintUnformatted(item);
		pc->off[i] = b.len;
		pc->ilen[i] = strlen(s);
		peers_buf_add(&b, s, pc->ilen[i]);
		free(s);
		cJSON_Delete(item);
	}
	snprintf(tail, sizeof(tail), "],\"count\":%zu,\"total\":%zu}", n, n);
	peers_buf_add(&b, tail, strlen(tail));
	peers_body_unref(NULL, 0, pc->body);
	pc->body = xmalloc(sizeof(*pc->body) + b.len + 1);
	pc->body->refs = 1;
	memcpy(pc->body->text, b.p, b.len + 1);
	free(b.p);
	pc->len = b.len;
	pc->n = n;
	pc->version = rep->version;
	pc->hash = peers_fnv(pc->body->text, pc->len);
	pc->rebuilds++;
}

/* 1 if the If-None-Match header names etag (or is "*"). */
static int
peers_etag_match(const char *inm, const char *etag)
{
	while (*inm == ' ')
		inm++;
	if (strcmp(inm, "*") == 0)
		return 1;
	return *inm != '\0' && strstr(inm, etag) != NULL;
}

/* Answer c from the cache: the whole list or ?offset=&limit= of it. */
static void
peers_serve(struct api_peers_cache *pc, struct api_conn *c)
{
	char		 etag[80], hdr[100], tail[64];
	uint32_t	 offset, limit;
	size_t		 a, z, from, to;
	int		 whole;
	struct peers_buf b = { NULL, 0, 0 };

	if (api_rest_paging(c, &offset, &limit) == -1)
		return;
	a = offset < pc->n ? offset : pc->n;
	z = limit == 0 || pc->n - a < limit ? pc->n : a + limit;
	whole = offset == 0 && limit == 0;
	if (whole)
		snprintf(etag, sizeof(etag), "\"%016" PRIx64 "\"", pc->hash);
	else
		snprintf(etag, sizeof(etag), "\"%016" PRIx64 "-%zu-%zu\"",
		    pc->hash, a, z - a);
	snprintf(hdr, sizeof(hdr), "ETag: %s\r\n", etag);
	if (peers_etag_match(c->req.if_none_match, etag)) {
		api_conn_reply(c, 304, "application/json", NULL, 0, hdr);
		return;
	}
	if (whole) {
		/* by reference: no copy of the whole list per response */
		pc->body->refs++;
		api_conn_reply_ref(c, 200, "application/json", pc->body->text,
		    pc->len, hdr, peers_body_unref, pc->body);
		return;
	}
	peers_buf_add(&b, PEERS_HEAD, strlen(PEERS_HEAD));
	if (z > a) {
		from = pc->off[a];
		to = pc->off[z - 1] + pc->ilen[z - 1];
		peers_buf_add(&b, pc->body->text + from, to - from);
	}
	snprintf(tail, sizeof(tail), "],\"count\":%zu,\"total\":%zu}", z - a,
	    pc->n);
	peers_buf_add(&b, tail, strlen(tail));
	api_conn_reply(c, 200, "application/json", b.p, b.len, hdr);
	free(b.p);
}

/* gossip.rep answered (or not): serve everyone who waited for it. */
static void
peers_answered(void *arg, int err, const ipc_env *rep)
{
	struct api_ctx		*ctx = arg;
	struct api_peers_cache	*pc = ctx->peers;
	struct api_call_slot	 slot;
	struct api_call		**wait;
	size_t			 i, n;
	int			 ok;

	if (pc == NULL)
		return;		/* stopping */
	wait = pc->wait;
	n = pc->nwait;
	pc->asking = 0;
	pc->wait = NULL;
	pc->nwait = pc->capwait = 0;
	ok = err == 0 && rep != NULL && rep->status == 0 &&
	    rep->body_case == TP__ENVELOPE__BODY_GET_PEERS_REP;
	if (ok && rep->get_peers_rep->unchanged &&
	    rep->get_peers_rep->version == pc->version && pc->body != NULL)
		pc->hits++;
	else if (ok && !rep->get_peers_rep->unchanged)
		peers_rebuild(pc, rep->get_peers_rep);
	else
		ok = 0;
	memset(&slot, 0, sizeof(slot));
	snprintf(slot.name, sizeof(slot.name), "gossip.rep");
	slot.rep = (ipc_env *)rep;
	slot.err = err != 0 || rep == NULL ? -1 : 0;
	if (err != 0)
		ctx->n.ipc_errors++;
	for (i = 0; i < n; i++) {
		struct api_conn	*c = wait[i]->conn;

		if (c == NULL)
			;		/* the client left meanwhile */
		else if (ok)
			peers_serve(pc, c);
		else if (!api_rest_ipc_error(c, &slot, "GetPeers"))
			api_conn_error(c, 502, NULL, "GetPeers: unexpected "
			    "reply %s", ipc_body_name(rep->body_case));
		api_call_free(wait[i]);
	}
	free(wait);
}

void
api_peers_cache_list(struct api_conn *c)
{
	struct api_ctx		*ctx = c->ctx;
	struct api_peers_cache	*pc;
	Tp__GetPeersReq		 q = TP__GET_PEERS_REQ__INIT;
	ipc_env			 req = TP__ENVELOPE__INIT;
	uint32_t		 offset, limit;

	if (api_rest_paging(c, &offset, &limit) == -1)
		return;
	if (ctx->peers == NULL)
		ctx->peers = xcalloc(1, sizeof(*ctx->peers));
	pc = ctx->peers;
	/* one waiter per connection at most: c->call is set until answered */
	if (pc->nwait == pc->capwait) {
		pc->capwait = pc->capwait != 0 ? pc->capwait * 2 : 16;
		pc->wait = xrealloc(pc->wait, pc->capwait * sizeof(*pc->wait));
	}
	pc->wait[pc->nwait++] = api_call_new(c, NULL);
	if (pc->asking)
		return;
	q.if_version = pc->version;
	API_ENV(req, get_peers_req, TP__ENVELOPE__BODY_GET_PEERS_REQ, &q);
	pc->asking = 1;
	if (ipc_call(api_client(ctx, "gossip.rep"), &req, API_CALL_TIMEOUT_MS,
	    peers_answered, ctx) == -1)
		peers_answered(ctx, -1, NULL);
}

void
api_peers_cache_stats(struct api_ctx *ctx, struct proc_stats *st)
{
	if (ctx->peers == NULL)
		return;
	proc_stat_add(st, "peers_body_rebuilds", (int64_t)ctx->peers->rebuilds);
	proc_stat_add(st, "peers_body_reused", (int64_t)ctx->peers->hits);
}

void
api_peers_cache_free(struct api_ctx *ctx)
{
	struct api_peers_cache	*pc = ctx->peers;

	if (pc == NULL)
		return;
	for (size_t i = 0; i < pc->nwait; i++)
		api_call_free(pc->wait[i]);
	free(pc->wait);
	peers_body_unref(NULL, 0, pc->body);
	free(pc->off);
	free(pc->ilen);
	free(pc);
	ctx->peers = NULL;
}
