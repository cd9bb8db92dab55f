/*
 * API worker: the gRPC server of p2p_api.PeerService on gRPC core's C API.
 * It owns the grpc_server, its listening port (plaintext HTTP/2, or TLS
 * when security_level_grpc is 1, or 2 with client certificates) and one
 * object per call.  Completions come to the worker's libevent loop through
 * common/grpc_loop.c, so everything here runs on the loop thread.  Each PeerService method is registered with
 * its payload read by gRPC core; a few calls per method stay requested, and
 * each new one is requested again before it is handled.  Unknown methods
 * arrive as generic calls and get UNIMPLEMENTED.  A call is checked (the
 * admin key, then the request through api_grpc_codec.c), handed to its
 * handler in api_grpc_peer.c, which asks the ban manager or the gossip worker
 * over IPC and answers with api_grpc_reply() or api_grpc_fail().
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <sodium.h>

#include "api.h"
#include "config.h"
#include "grpc_loop.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define API_GRPC_REQUESTED_PER_METHOD	4
#define API_GRPC_MAX_CALLS		4096	/* handled at once */
#define API_GRPC_STOP_WAIT_MS		3000
#define API_GRPC_PEM_MAX		(1024 * 1024)

struct api_grpc_counters {
	uint64_t	calls, ok, failed, unauthenticated, invalid,
			unimplemented, busy, cancelled;
};

enum api_grpc_state {
	API_GRPC_S_REQUESTED = 0,	/* waiting for a client */
	API_GRPC_S_HANDLING,		/* in a handler or its IPC request */
	API_GRPC_S_SENDING		/* the final batch is out */
};

struct api_grpc_call {
	struct grpc_loop_tag	 tag;		/* first: cast from the tag */
	LIST_ENTRY(api_grpc_call) entry;
	struct api_grpc		*g;		/* borrowed */
	int			 m;		/* method, -1: generic */
	enum api_grpc_state	 state;
	grpc_call		*call;		/* owned ref */
	gpr_timespec		 deadline;
	grpc_metadata_array	 md;
	grpc_call_details	 details;	/* generic calls */
	grpc_byte_buffer	*payload;	/* owned */
	ProtobufCMessage	*req;		/* owned: decoded payload */
	grpc_byte_buffer	*out;		/* owned: the reply */
	grpc_slice		 status_msg;	/* owned */
	int			 cancelled;
	api_grpc_ipc_cb		*ipc_cb;
	int			 scratch[4];
	uint64_t		 scratch64;
};

struct api_grpc {
	struct api_ctx		*ctx;		/* borrowed */
	struct grpc_loop	*loop;		/* owned */
	grpc_server		*srv;		/* owned */
	void			*rm[API_GRPC_NREGISTERED];	/* registered methods */
	struct api_grpc_reflect_head reflect;	/* reflection streams */
	struct grpc_loop_tag	 shutdown_tag;
	int			 stopping, shut_down;
	int			 port;		/* bound port, 0: none */
	char			 key[1025];	/* grpc_admin_api_key or random */
	char			 detail[400];	/* listening on / why not */
	LIST_HEAD(, api_grpc_call) calls;	/* every live call */
	struct api_grpc_cache	*cache;		/* owned */
	size_t			 nhandling;
	struct api_grpc_counters n;
};

static void	api_grpc_on_event(struct grpc_loop_tag *, int);

/* ---- call objects ---- */

static struct api_grpc_call *
api_grpc_call_new(struct api_grpc *g, int m)
{
	struct api_grpc_call	*c = xcalloc(1, sizeof(*c));

	c->tag.fn = api_grpc_on_event;
	c->g = g;
	c->m = m;
	c->status_msg = grpc_empty_slice();
	grpc_metadata_array_init(&c->md);
	grpc_call_details_init(&c->details);
	LIST_INSERT_HEAD(&g->calls, c, entry);
	return c;
}

static void
api_grpc_call_free(struct api_grpc_call *c)
{
	if (c->state == API_GRPC_S_HANDLING)
		c->g->nhandling--;
	LIST_REMOVE(c, entry);
	if (c->call != NULL)
		grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->md);
	grpc_call_details_destroy(&c->details);
	if (c->payload != NULL)
		grpc_byte_buffer_destroy(c->payload);
	if (c->out != NULL)
		grpc_byte_buffer_destroy(c->out);
	if (c->req != NULL)
		protobuf_c_message_free_unpacked(c->req, NULL);
	grpc_slice_unref(c->status_msg);
	free(c);
}

/* Ask gRPC core for the next call of method m (-1: any unknown method). */
static void
api_grpc_request(struct api_grpc *g, int m)
{
	struct api_grpc_call	*c = api_grpc_call_new(g, m);
	grpc_completion_queue	*cq = grpc_loop_cq(g->loop);
	grpc_call_error		 e;

	if (m >= API_GRPC_NMETHODS)	/* reflection: a stream, no payload */
		e = grpc_server_request_registered_call(g->srv, g->rm[m],
		    &c->call, &c->deadline, &c->md, NULL, cq, cq, &c->tag);
	else if (m >= 0)
		e = grpc_server_request_registered_call(g->srv, g->rm[m],
		    &c->call, &c->deadline, &c->md, &c->payload, cq, cq,
		    &c->tag);
	else
		e = grpc_server_request_call(g->srv, &c->call, &c->details,
		    &c->md, cq, cq, &c->tag);
	if (e != GRPC_CALL_OK) {
		log_error("grpc: cannot request a call: error %d", (int)e);
		api_grpc_call_free(c);
	}
}

/* ---- answers ---- */

static void
api_grpc_send(struct api_grpc_call *c, grpc_status_code code,
    const char *msg)
{
	grpc_op		 ops[4], *op = ops;
	grpc_call_error	 e;

	if (c->state == API_GRPC_S_HANDLING)
		c->g->nhandling--;
	c->state = API_GRPC_S_SENDING;
	c->status_msg = grpc_slice_from_copied_string(msg);
	memset(ops, 0, sizeof(ops));
	op->op = GRPC_OP_SEND_INITIAL_METADATA;
	op++;
	if (c->out != NULL) {
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = c->out;
		op++;
	}
	op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	op->data.send_status_from_server.status = code;
	op->data.send_status_from_server.status_details = &c->status_msg;
	op++;
	op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op->data.recv_close_on_server.cancelled = &c->cancelled;
	op++;
	if (code == GRPC_STATUS_OK)
		c->g->n.ok++;
	else
		c->g->n.failed++;
	e = grpc_call_start_batch(c->call, ops, (size_t)(op - ops), &c->tag,
	    NULL);
	if (e != GRPC_CALL_OK) {
		log_warn("grpc: cannot answer a call: error %d", (int)e);
		api_grpc_call_free(c);
	}
}

void
api_grpc_reply(struct api_grpc_call *c, const ProtobufCMessage *msg)
{
	size_t		 len = protobuf_c_message_get_packed_size(msg);
	grpc_slice	 s = grpc_slice_malloc(len);

	protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(s));
	c->out = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	api_grpc_send(c, GRPC_STATUS_OK, "");
}

void
api_grpc_fail(struct api_grpc_call *c, grpc_status_code code,
    const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (code == GRPC_STATUS_INVALID_ARGUMENT)
		c->g->n.invalid++;
	api_grpc_send(c, code, msg);
}

const ProtobufCMessage *
api_grpc_req(const struct api_grpc_call *c)
{
	return c->req;
}

int *
api_grpc_scratch(struct api_grpc_call *c)
{
	return c->scratch;
}

uint64_t *
api_grpc_scratch64(struct api_grpc_call *c)
{
	return &c->scratch64;
}

struct api_grpc_cache *
api_grpc_cache_of(struct api_grpc_call *c)
{
	return c->g->cache;
}

/* ---- IPC on behalf of a call ---- */

static void
api_grpc_ipc_reply(void *arg, int err, const ipc_env *rep)
{
	struct api_grpc_call	*c = arg;

	c->ipc_cb(c, err, rep);
}

int
api_grpc_ipc(struct api_grpc_call *c, const char *name, const ipc_env *req,
    api_grpc_ipc_cb *cb)
{
	c->ipc_cb = cb;
	if (ipc_call(api_client(c->g->ctx, name), req, API_CALL_TIMEOUT_MS,
	    api_grpc_ipc_reply, c) == -1) {
		c->g->ctx->n.ipc_errors++;
		api_grpc_fail(c, GRPC_STATUS_UNAVAILABLE, "%s is not reachable",
		    name);
		return -1;
	}
	return 0;
}

const ipc_env *
api_grpc_ipc_rep(struct api_grpc_call *c, int err, const ipc_env *rep,
    Tp__Envelope__BodyCase want, const char *what)
{
	grpc_status_code	code;

	if (err != 0 || rep == NULL) {
		c->g->ctx->n.ipc_errors++;
		api_grpc_fail(c, GRPC_STATUS_UNAVAILABLE, "%s: no answer from "
		    "the worker", what);
		return NULL;
	}
	if (rep->status == 0 && (want == 0 || rep->body_case == want))
		return rep;
	switch (rep->status) {
	case TP__IPC_STATUS__IPC_ERR_INVALID:
		code = GRPC_STATUS_INVALID_ARGUMENT;
		break;
	case TP__IPC_STATUS__IPC_ERR_NOT_FOUND:
		code = GRPC_STATUS_NOT_FOUND;
		break;
	case TP__IPC_STATUS__IPC_ERR_UNAVAILABLE:
		code = GRPC_STATUS_UNAVAILABLE;
		break;
	case TP__IPC_STATUS__IPC_ERR_FULL:
		code = GRPC_STATUS_RESOURCE_EXHAUSTED;
		break;
	case TP__IPC_STATUS__IPC_ERR_UNSUPPORTED:
		code = GRPC_STATUS_UNIMPLEMENTED;
		break;
	default:
		code = GRPC_STATUS_INTERNAL;
	}
	api_grpc_fail(c, code, "%s: %s", what, rep->status != 0 ? rep->error :
	    "unexpected reply");
	return NULL;
}

/* ---- a new call ---- */

/* The first x-api-key value and the metadata count, for the auth check. */
static const char *
api_grpc_auth(struct api_grpc_call *c)
{
	const grpc_metadata	*md = c->md.metadata;

	for (size_t i = 0; i < c->md.count; i++)
		if (grpc_slice_str_cmp(md[i].key, "x-api-key") == 0)
			return api_grpc_codec_auth(c->g->key, c->md.count,
			    (const char *)GRPC_SLICE_START_PTR(md[i].value),
			    GRPC_SLICE_LENGTH(md[i].value));
	return api_grpc_codec_auth(c->g->key, c->md.count, NULL, 0);
}

/* Decode the payload into c->req; -1 after answering INVALID_ARGUMENT. */
static int
api_grpc_decode(struct api_grpc_call *c)
{
	grpc_byte_buffer_reader	 rd;
	grpc_slice		 s;
	char			 err[256];
	int			 rc;

	if (c->payload == NULL) {
		api_grpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
		    "missing request message");
		return -1;
	}
	if (!grpc_byte_buffer_reader_init(&rd, c->payload)) {
		api_grpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT,
		    "unreadable (compressed?) request message");
		return -1;
	}
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	rc = api_grpc_codec_decode(c->m, GRPC_SLICE_START_PTR(s),
	    GRPC_SLICE_LENGTH(s), &c->req, err, sizeof(err));
	grpc_slice_unref(s);
	if (rc == -1)
		api_grpc_fail(c, GRPC_STATUS_INVALID_ARGUMENT, "%s", err);
	return rc;
}

static void
api_grpc_handle(struct api_grpc_call *c)
{
	struct api_grpc			*g = c->g;
	const struct api_grpc_method	*m;
	const char			*why;
	char				*path;

	g->n.calls++;
	c->state = API_GRPC_S_HANDLING;
	g->nhandling++;
	if (c->m < 0) {
		g->n.unimplemented++;
		path = grpc_slice_to_c_string(c->details.method);
		api_grpc_fail(c, GRPC_STATUS_UNIMPLEMENTED, "unknown method "
		    "%.200s", path);
		gpr_free(path);
		return;
	}
	if (c->m >= API_GRPC_NMETHODS) {	/* the stream takes the call */
		api_grpc_reflect_start(&g->reflect, c->call);
		c->call = NULL;
		api_grpc_call_free(c);
		return;
	}
	m = &api_grpc_methods[c->m];
	if ((m->flags & API_GRPC_F_AUTH) && (why = api_grpc_auth(c)) != NULL) {
		g->n.unauthenticated++;
		api_grpc_fail(c, GRPC_STATUS_UNAUTHENTICATED, "%s", why);
		return;
	}
	if (g->nhandling > API_GRPC_MAX_CALLS) {
		g->n.busy++;
		api_grpc_fail(c, GRPC_STATUS_RESOURCE_EXHAUSTED, "too many calls "
		    "in progress");
		return;
	}
	if (api_grpc_decode(c) == -1)
		return;
	api_grpc_peer_handlers[c->m](c);
}

static void
api_grpc_on_event(struct grpc_loop_tag *tag, int ok)
{
	struct api_grpc_call	*c = (struct api_grpc_call *)tag;
	struct api_grpc		*g = c->g;

	switch (c->state) {
	case API_GRPC_S_REQUESTED:
		if (!ok) {		/* the server is shutting down */
			api_grpc_call_free(c);
			return;
		}
		if (!g->stopping)
			api_grpc_request(g, c->m);
		api_grpc_handle(c);
		break;
	case API_GRPC_S_SENDING:
		if (!ok || c->cancelled)
			g->n.cancelled++;
		api_grpc_call_free(c);
		break;
	case API_GRPC_S_HANDLING:
		fatal("grpc: a completion for a call in its handler");
	}
}

static void
api_grpc_on_shutdown(struct grpc_loop_tag *tag, int ok)
{
	struct api_grpc	*g = (struct api_grpc *)(void *)((char *)tag -
			    offsetof(struct api_grpc, shutdown_tag));

	(void)ok;
	g->shut_down = 1;
}

/* ---- the server ---- */

static char *
api_grpc_read_pem(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		fatal_config("grpc: cannot read %s: %s", path, strerror(errno));
	buf = xmalloc(API_GRPC_PEM_MAX + 1);
	n = fread(buf, 1, API_GRPC_PEM_MAX, f);
	fclose(f);
	buf[n] = '\0';
	if (n == 0 || n == API_GRPC_PEM_MAX)
		fatal_config("grpc: %s is empty or larger than %d bytes", path,
		    API_GRPC_PEM_MAX);
	return buf;
}

static grpc_server_credentials *
api_grpc_creds(const struct config *cfg)
{
	grpc_ssl_pem_key_cert_pair	 pair;
	grpc_server_credentials		*cr;
	char				*cert, *key;

	long long			 level = config_int(cfg,
					    "security_level_grpc");

	if (level < 1)
		return grpc_insecure_server_credentials_create();
	/* Teranode's level 3 verifies client certificates against a CA that
	 * no setting names: refuse it rather than accept unverified ones */
	if (level > 2)
		fatal_config("security_level_grpc=%lld (verified client "
		    "certificates) is not supported; use 1 or 2", level);
	if (config_str(cfg, "server_certFile")[0] == '\0' ||
	    config_str(cfg, "server_keyFile")[0] == '\0')
		fatal_config("security_level_grpc=%lld needs server_certFile "
		    "and server_keyFile", level);
	cert = api_grpc_read_pem(config_str(cfg, "server_certFile"));
	key = api_grpc_read_pem(config_str(cfg, "server_keyFile"));
	pair.private_key = key;
	pair.cert_chain = cert;
	/* level 2: a client certificate is required, any will do (Go's
	 * tls.RequireAnyClientCert) */
	cr = grpc_ssl_server_credentials_create_ex(NULL, &pair, 1, level == 2 ?
	    GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY :
	    GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
	sodium_memzero(key, strlen(key));
	free(key);
	free(cert);
	if (cr == NULL)
		fatal_config("grpc: cannot use server_certFile/server_keyFile");
	return cr;
}

/* Teranode's key, whitespace trimmed; empty: a random one (refuses all). */
static void
api_grpc_key(struct api_grpc *g, const char *key)
{
	uint8_t	rnd[32];
	size_t	n;

	while (*key == ' ' || *key == '\t')
		key++;
	n = strcspn(key, " \t\r\n");
	if (n > 0 && n < sizeof(g->key)) {
		memcpy(g->key, key, n);
		g->key[n] = '\0';
		return;
	}
	if (n > 0)
		fatal_config("grpc_admin_api_key is longer than %zu bytes",
		    sizeof(g->key) - 1);
	randombytes_buf(rnd, sizeof(rnd));
	util_hex_encode(rnd, sizeof(rnd), g->key);
	log_warn("grpc_admin_api_key is not set: a random key was generated, "
	    "PeerService admin methods (BanPeer, UnbanPeer, ClearBanned, "
	    "AddBanScore, ResetReputation, ConnectPeer, DisconnectPeer) are "
	    "refused");
}

/* ":9904" is every interface, as Go reads it. */
static void
api_grpc_addr(const char *in, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%s", in[0] == ':' ? "[::]" : "", in);
}

static grpc_server *
api_grpc_server_new(const struct config *cfg)
{
	grpc_arg		 args[3];
	grpc_channel_args	 ca = { 3, args };
	char			 k0[] = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	char			 k1[] = GRPC_ARG_ALLOW_REUSEPORT;
	char			 k2[] = GRPC_ARG_MAX_CONCURRENT_STREAMS;

	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = k0;
	args[0].value.integer = (int)config_int(cfg, "p2p_grpc_max_recv_size");
	args[1].type = GRPC_ARG_INTEGER;
	args[1].key = k1;
	args[1].value.integer = 0;	/* a busy port must fail */
	args[2].type = GRPC_ARG_INTEGER;
	args[2].key = k2;
	args[2].value.integer = 1000;
	return grpc_server_create(&ca, NULL);
}

void
api_grpc_start(struct api_ctx *ctx)
{
	const struct config		*cfg = ctx->p->cfg;
	const char			*listen = config_str(cfg,
					    "p2p_grpcListenAddress");
	struct api_grpc			*g;
	grpc_server_credentials		*creds;
	char				 addr[300];

	if (listen[0] == '\0') {
		log_info("grpc: p2p_grpcListenAddress is empty: PeerService off");
		return;
	}
	g = ctx->grpc = xcalloc(1, sizeof(*g));
	g->ctx = ctx;
	LIST_INIT(&g->calls);
	LIST_INIT(&g->reflect);
	g->cache = api_grpc_cache_new();
	g->shutdown_tag.fn = api_grpc_on_shutdown;
	api_grpc_key(g, config_str(cfg, "grpc_admin_api_key"));
	if ((g->loop = grpc_loop_new(ctx->p->base)) == NULL)
		fatal("grpc: cannot start the completion queue");
	g->srv = api_grpc_server_new(cfg);
	grpc_server_register_completion_queue(g->srv, grpc_loop_cq(g->loop),
	    NULL);
	for (int m = 0; m < API_GRPC_NMETHODS; m++)
		g->rm[m] = grpc_server_register_method(g->srv,
		    api_grpc_methods[m].path, NULL,
		    GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
	g->rm[API_GRPC_REFLECT_V1] = grpc_server_register_method(g->srv,
	    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", NULL,
	    GRPC_SRM_PAYLOAD_NONE, 0);
	g->rm[API_GRPC_REFLECT_V1A] = grpc_server_register_method(g->srv,
	    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
	    NULL, GRPC_SRM_PAYLOAD_NONE, 0);
	api_grpc_addr(listen, addr, sizeof(addr));
	creds = api_grpc_creds(cfg);
	g->port = grpc_server_add_http2_port(g->srv, addr, creds);
	grpc_server_credentials_release(creds);
	if (g->port == 0) {
		snprintf(g->detail, sizeof(g->detail), "cannot listen on %s "
		    "(bad address or port in use)", addr);
		log_error("grpc: %s", g->detail);
	} else {
		snprintf(g->detail, sizeof(g->detail), "%s%s", listen,
		    config_int(cfg, "security_level_grpc") ? " (TLS)" : "");
		log_info("grpc: PeerService on %s", g->detail);
	}
	grpc_server_start(g->srv);
	for (int m = 0; m < API_GRPC_NMETHODS; m++)
		for (int i = 0; i < API_GRPC_REQUESTED_PER_METHOD; i++)
			api_grpc_request(g, m);
	api_grpc_request(g, API_GRPC_REFLECT_V1);
	api_grpc_request(g, API_GRPC_REFLECT_V1A);
	api_grpc_request(g, -1);
	api_grpc_request(g, -1);
}

void
api_grpc_stop(struct api_ctx *ctx)
{
	struct api_grpc	*g = ctx->grpc;

	if (g == NULL || g->stopping)
		return;
	g->stopping = 1;
	grpc_server_shutdown_and_notify(g->srv, grpc_loop_cq(g->loop),
	    &g->shutdown_tag);
	grpc_server_cancel_all_calls(g->srv);
}

void
api_grpc_free(struct api_ctx *ctx)
{
	struct api_grpc		*g = ctx->grpc;
	struct api_grpc_call	*c, *next;
	uint64_t		 until;

	if (g == NULL)
		return;
	api_grpc_stop(ctx);
	/* calls waiting for IPC will never hear back: the loop is over */
	for (c = LIST_FIRST(&g->calls); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->state == API_GRPC_S_HANDLING)
			api_grpc_call_free(c);
	}
	api_grpc_reflect_free_all(&g->reflect);
	until = util_mono_ms() + API_GRPC_STOP_WAIT_MS;
	while (!g->shut_down && util_mono_ms() < until)
		grpc_loop_poll(g->loop, 100);
	if (g->shut_down)
		grpc_server_destroy(g->srv);
	else
		log_warn("grpc: the server did not shut down in time");
	grpc_loop_free(g->loop);
	while ((c = LIST_FIRST(&g->calls)) != NULL)
		api_grpc_call_free(c);
	sodium_memzero(g->key, sizeof(g->key));
	api_grpc_cache_free(g->cache);
	free(g);
	ctx->grpc = NULL;
}

int
api_grpc_listening(const struct api_ctx *ctx, const char **detail)
{
	if (ctx->grpc == NULL) {
		*detail = "off (p2p_grpcListenAddress is empty)";
		return 1;
	}
	*detail = ctx->grpc->detail;
	return ctx->grpc->port != 0;
}

void
api_grpc_stats(const struct api_ctx *ctx, struct proc_stats *st)
{
	const struct api_grpc_counters	*n;
	uint64_t			 hits, misses;

	if (ctx->grpc == NULL)
		return;
	n = &ctx->grpc->n;
	proc_stat_add(st, "grpc_calls", (int64_t)n->calls);
	proc_stat_add(st, "grpc_ok", (int64_t)n->ok);
	proc_stat_add(st, "grpc_failed", (int64_t)n->failed);
	proc_stat_add(st, "grpc_unauthenticated", (int64_t)n->unauthenticated);
	proc_stat_add(st, "grpc_invalid", (int64_t)n->invalid);
	proc_stat_add(st, "grpc_unimplemented", (int64_t)n->unimplemented);
	proc_stat_add(st, "grpc_busy", (int64_t)n->busy);
	proc_stat_add(st, "grpc_cancelled", (int64_t)n->cancelled);
	proc_stat_add(st, "grpc_in_progress", (int64_t)ctx->grpc->nhandling);
	api_grpc_cache_counts(ctx->grpc->cache, &hits, &misses);
	proc_stat_add(st, "grpc_cache_hits", (int64_t)hits);
	proc_stat_add(st, "grpc_cache_misses", (int64_t)misses);
}
