/*
 * IPC between terap2p processes over nng, carrying the one protobuf
 * envelope of proto/ipc.proto.  Sockets live at ipc://<run_dir>/<name>:
 * a process serves requests on "<role>.rep" (REP, several nng contexts so a
 * slow request does not block others) and emits events on "<role>.pub" (PUB,
 * each message prefixed with a 4-byte tag = the envelope's body case so SUB
 * sockets filter by kind).  Others dial; nng redials, so start order does
 * not matter.
 *
 * Event-loop integration: SUB sockets are watched through NNG_OPT_RECVFD and
 * drained with NNG_FLAG_NONBLOCK; context (REQ/REP) completions arrive on
 * nng's threads, are queued and handed to the libevent loop through an
 * eventfd.  Every callback below runs on the loop thread.
 */
#ifndef TP_IPC_H
#define TP_IPC_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

#include "ipc.pb-c.h"

struct event_base;

#define IPC_MAX_MSG		(4u * 1024 * 1024)	/* bytes, envelope + tag */
#define IPC_TAG_LEN		4
#define IPC_REP_CONTEXTS	8
#define IPC_NAME_MAX		32
#define IPC_EVENT_QUEUE		8192	/* messages queued per subscriber (nng max) */

typedef Tp__Envelope ipc_env;

/* ---- codec (common/ipc_codec.c: the only caller of pack/unpack) ---- */

/*
 * Encode env into a new nng message, after a tag prefix when with_tag.
 * -1 (err filled) when the result would exceed IPC_MAX_MSG.
 */
int	ipc_encode(const ipc_env *env, int with_tag, nng_msg **out, char *err,
	    size_t errlen);
/*
 * Decode len bytes (after any tag) into a new envelope that the caller frees
 * with ipc_env_free.  Rejects oversized, truncated or body-less input.
 */
int	ipc_decode(const void *buf, size_t len, ipc_env **out, char *err,
	    size_t errlen);
void	ipc_env_free(ipc_env *env);
/* The tag a PUB message of this kind starts with. */
void	ipc_tag(Tp__Envelope__BodyCase kind, uint8_t out[IPC_TAG_LEN]);
const char	*ipc_body_name(Tp__Envelope__BodyCase kind);

/* ---- the per-process hub ---- */

struct ipc;
struct ipc_req;
struct ipc_client;
struct ipc_pub;
struct ipc_sub;

/* self is this process's role name, copied into every envelope's sender. */
struct ipc	*ipc_new(struct event_base *base, const char *run_dir,
		    const char *self);
/* Stops every outstanding operation (no callbacks after), closes sockets. */
void		 ipc_free(struct ipc *);

/* ---- serving requests ---- */

/*
 * Called for each request.  The handler (or something it schedules) must
 * answer exactly once with ipc_reply or ipc_reply_error.  msg is borrowed
 * and valid only during the call.
 */
typedef void ipc_serve_cb(void *arg, struct ipc_req *req, const ipc_env *msg);

/* Bind "<name>" (e.g. "bans.rep") and serve it. */
int	ipc_serve(struct ipc *, const char *name, ipc_serve_cb *cb, void *arg);
/* Send rep (its id, status and sender are filled in); frees req. */
void	ipc_reply(struct ipc_req *req, ipc_env *rep);
/* Reply with a status and message only; frees req. */
void	ipc_reply_error(struct ipc_req *req, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* The request's body kind (for logs after the message is gone). */
Tp__Envelope__BodyCase	ipc_req_kind(const struct ipc_req *req);

/* ---- calling another process ---- */

/*
 * rep is NULL when err is set (-1: timeout, peer gone, undecodable reply);
 * rep is borrowed for the call.
 */
typedef void ipc_reply_cb(void *arg, int err, const ipc_env *rep);

/* A REQ socket dialed to "<name>" (e.g. "bans.rep"); redials forever. */
struct ipc_client	*ipc_client_open(struct ipc *, const char *name);
/*
 * Send req; cb runs once with the reply or an error after timeout_ms.
 * req is borrowed (encoded before return).  cb may be NULL.
 */
int	ipc_call(struct ipc_client *, const ipc_env *req, int timeout_ms,
	    ipc_reply_cb *cb, void *arg);

/*
 * Blocking request for tools and tests only (never in an event loop): dial
 * url ("ipc:///path"), send, wait up to timeout_ms.  *rep to be freed with
 * ipc_env_free.
 */
int	ipc_call_sync(const char *url, const ipc_env *req, int timeout_ms,
	    ipc_env **rep, char *err, size_t errlen);

/* ---- events ---- */

struct ipc_pub	*ipc_pub_open(struct ipc *, const char *name);
/* Publish ev to every subscriber of its kind; drops (counted) on overflow. */
int		 ipc_publish(struct ipc_pub *, const ipc_env *ev);

/* ev is borrowed for the call. */
typedef void ipc_event_cb(void *arg, const ipc_env *ev);

/* A SUB socket dialed to "<name>" (e.g. "bans.pub"); redials forever. */
struct ipc_sub	*ipc_sub_open(struct ipc *, const char *name, ipc_event_cb *cb,
		    void *arg);
int		 ipc_subscribe(struct ipc_sub *, Tp__Envelope__BodyCase kind);
/* Close a SUB socket before its callback's arg goes away (not from inside
 * that callback); NULL is ignored. */
void		 ipc_sub_close(struct ipc_sub *);

/* Counters for Stats. */
struct ipc_counters {
	uint64_t	requests;	/* served */
	uint64_t	calls;		/* made */
	uint64_t	call_errors;
	uint64_t	events_in;
	uint64_t	events_out;
	uint64_t	decode_errors;
};
const struct ipc_counters	*ipc_counters(const struct ipc *);

/* Build the url "ipc://<run_dir>/<name>" into out; -1 if too long. */
int	ipc_url(const char *run_dir, const char *name, char *out, size_t len);

#endif
