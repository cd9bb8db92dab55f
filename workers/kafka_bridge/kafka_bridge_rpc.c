/*
 * Kafka bridge worker: gRPC calls on the core C API (libgrpc), for the
 * chain client (kafka_bridge_chain.c).  A channel per upstream service
 * (plaintext HTTP/2, as Teranode's default security_level_grpc 0); a call
 * is one request message and then either one response (unary) or a stream
 * of them (server streaming: Subscribe).  Batches complete on the
 * completion queue of common/grpc_loop.c, whose callbacks run on the
 * worker's libevent loop; so do the callbacks given here.  Received
 * messages are bounded by KAFKA_CHAIN_MSG_MAX (gRPC fails the call with
 * RESOURCE_EXHAUSTED beyond it), and a stream has one receive outstanding
 * at a time, so a flooding server is held back by HTTP/2 flow control.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include "grpc_loop.h"
#include "kafka_bridge.h"
#include "log.h"
#include "util.h"

/* A batch's tag: common/grpc_loop.c hands it back with the call. */
struct kafka_rpc_tag {
	struct grpc_loop_tag	 t;		/* first: the tag itself */
	struct kafka_rpc	*r;
};

struct kafka_rpc {
	struct kafka_rpc_chan	*chan;		/* borrowed */
	struct kafka_rpc	*prev, *next;	/* chan->calls */
	grpc_call		*call;		/* owned */
	struct kafka_rpc_tag	 t_start, t_msg, t_status;
	int			 pending;	/* batches not completed */
	int			 streaming;
	int			 recv_done;	/* no more messages */
	grpc_metadata_array	 md_init, md_trail;
	grpc_byte_buffer	*send_bb;	/* owned */
	grpc_byte_buffer	*recv_bb;	/* owned while set */
	grpc_status_code	 code;
	grpc_slice		 details;
	uint8_t			*msg;		/* unary: the response, owned */
	size_t			 msg_len;
	int			 has_msg;
	kafka_rpc_msg_cb	*on_msg;
	kafka_rpc_end_cb	*on_end;
	void			*arg;
};

struct kafka_rpc_chan {
	grpc_channel		*ch;		/* owned */
	grpc_completion_queue	*cq;		/* borrowed */
	struct kafka_rpc	*calls;		/* in flight */
	char			 target[KAFKA_CHAIN_ADDR_MAX + 1];
};

struct kafka_rpc_chan *
kafka_rpc_chan_open(grpc_completion_queue *cq, const char *target)
{
	struct kafka_rpc_chan		*c = xcalloc(1, sizeof(*c));
	grpc_channel_credentials	*cred = grpc_insecure_credentials_create();
	grpc_arg			 a[3];
	grpc_channel_args		 args = { 3, a };

	a[0].type = GRPC_ARG_INTEGER;
	a[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	a[0].value.integer = KAFKA_CHAIN_MSG_MAX;
	/* a restarted service is found within seconds, not gRPC's 2 min */
	a[1].type = GRPC_ARG_INTEGER;
	a[1].key = (char *)GRPC_ARG_MAX_RECONNECT_BACKOFF_MS;
	a[1].value.integer = 5000;
	a[2].type = GRPC_ARG_INTEGER;
	a[2].key = (char *)GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS;
	a[2].value.integer = 500;
	snprintf(c->target, sizeof(c->target), "%s", target);
	c->cq = cq;
	c->ch = grpc_channel_create(target, cred, &args);
	grpc_channel_credentials_release(cred);
	return c;
}

void
kafka_rpc_chan_close(struct kafka_rpc_chan *c)
{
	struct kafka_rpc	*r;

	if (c == NULL)
		return;
	/* the calls end (CANCELLED, callbacks called) through the loop */
	for (r = c->calls; r != NULL; r = r->next) {
		grpc_call_cancel(r->call, NULL);
		r->on_msg = NULL;
		r->chan = NULL;
	}
	c->calls = NULL;
	grpc_channel_destroy(c->ch);
	free(c);
}

/* ms from now; 0: no deadline. */
static gpr_timespec
kafka_rpc_deadline(uint64_t ms)
{
	if (ms == 0)
		return gpr_inf_future(GPR_CLOCK_MONOTONIC);
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis((int64_t)ms, GPR_TIMESPAN));
}

static void
kafka_rpc_free(struct kafka_rpc *r)
{
	if (r->chan != NULL) {
		if (r->prev != NULL)
			r->prev->next = r->next;
		else
			r->chan->calls = r->next;
		if (r->next != NULL)
			r->next->prev = r->prev;
	}
	grpc_metadata_array_destroy(&r->md_init);
	grpc_metadata_array_destroy(&r->md_trail);
	grpc_slice_unref(r->details);
	if (r->send_bb != NULL)
		grpc_byte_buffer_destroy(r->send_bb);
	if (r->recv_bb != NULL)
		grpc_byte_buffer_destroy(r->recv_bb);
	grpc_call_unref(r->call);
	free(r->msg);
	free(r);
}

/* Everything completed: report the end once, then free. */
static void
kafka_rpc_finish(struct kafka_rpc *r)
{
	char	details[256];
	size_t	n;

	if (r->pending > 0)
		return;
	n = GRPC_SLICE_LENGTH(r->details);
	if (n >= sizeof(details))
		n = sizeof(details) - 1;
	memcpy(details, GRPC_SLICE_START_PTR(r->details), n);
	details[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (details[i] < 0x20 || details[i] >= 0x7f)
			details[i] = '?';
	if (r->on_end != NULL)
		r->on_end(r->arg, (int)r->code, details, r->has_msg ? r->msg :
		    NULL, r->msg_len);
	kafka_rpc_free(r);
}

static int
kafka_rpc_arm_recv(struct kafka_rpc *r)
{
	grpc_op	op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &r->recv_bb;
	if (grpc_call_start_batch(r->call, &op, 1, &r->t_msg, NULL) !=
	    GRPC_CALL_OK)
		return -1;
	r->pending++;
	return 0;
}

/* Flatten the received buffer into *out (owned by the caller). */
static void
kafka_rpc_take(struct kafka_rpc *r, uint8_t **out, size_t *len)
{
	grpc_byte_buffer_reader	rd;
	grpc_slice		s;

	*out = NULL;
	*len = 0;
	if (!grpc_byte_buffer_reader_init(&rd, r->recv_bb))
		return;
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	*len = GRPC_SLICE_LENGTH(s);
	*out = xmalloc(*len + 1);
	memcpy(*out, GRPC_SLICE_START_PTR(s), *len);
	grpc_slice_unref(s);
}

static void
kafka_rpc_on_msg(struct grpc_loop_tag *tag, int ok)
{
	struct kafka_rpc	*r = ((struct kafka_rpc_tag *)tag)->r;
	uint8_t			*m;
	size_t			 len;

	r->pending--;
	if (!ok || r->recv_bb == NULL) {
		r->recv_done = 1;
		kafka_rpc_finish(r);
		return;
	}
	kafka_rpc_take(r, &m, &len);
	grpc_byte_buffer_destroy(r->recv_bb);
	r->recv_bb = NULL;
	if (!r->streaming) {
		free(r->msg);
		r->msg = m;
		r->msg_len = len;
		r->has_msg = 1;
		kafka_rpc_finish(r);
		return;
	}
	if (r->on_msg != NULL)
		r->on_msg(r->arg, m, len);
	free(m);
	if (r->on_msg == NULL || kafka_rpc_arm_recv(r) == -1) {
		/* cancelled meanwhile (a NULL hook) or the call is over */
		grpc_call_cancel(r->call, NULL);
		kafka_rpc_finish(r);
	}
}

static void
kafka_rpc_on_done(struct grpc_loop_tag *tag, int ok)
{
	struct kafka_rpc	*r = ((struct kafka_rpc_tag *)tag)->r;

	(void)ok;
	r->pending--;
	kafka_rpc_finish(r);
}

static int
kafka_rpc_start(struct kafka_rpc *r, const uint8_t *req, size_t len)
{
	grpc_op		ops[4], st;
	grpc_slice	s = grpc_slice_from_copied_buffer(len > 0 ? (const char *)req :
			    "", len);

	r->send_bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = r->send_bb;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &r->md_init;
	if (grpc_call_start_batch(r->call, ops, 4, &r->t_start, NULL) !=
	    GRPC_CALL_OK)
		return -1;
	r->pending++;
	memset(&st, 0, sizeof(st));
	st.op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	st.data.recv_status_on_client.trailing_metadata = &r->md_trail;
	st.data.recv_status_on_client.status = &r->code;
	st.data.recv_status_on_client.status_details = &r->details;
	if (grpc_call_start_batch(r->call, &st, 1, &r->t_status, NULL) !=
	    GRPC_CALL_OK)
		return -1;
	r->pending++;
	return kafka_rpc_arm_recv(r);
}

struct kafka_rpc *
kafka_rpc_call(struct kafka_rpc_chan *c, const char *method,
    const uint8_t *req, size_t len, uint64_t timeout_ms, int streaming,
    kafka_rpc_msg_cb *on_msg, kafka_rpc_end_cb *on_end, void *arg)
{
	struct kafka_rpc	*r = xcalloc(1, sizeof(*r));
	grpc_slice		 m = grpc_slice_from_static_string(method);

	r->chan = c;
	r->streaming = streaming;
	r->on_msg = on_msg;
	r->on_end = on_end;
	r->arg = arg;
	r->code = GRPC_STATUS_UNKNOWN;
	r->details = grpc_empty_slice();
	r->t_start.t.fn = kafka_rpc_on_done;
	r->t_start.r = r;
	r->t_status.t.fn = kafka_rpc_on_done;
	r->t_status.r = r;
	r->t_msg.t.fn = kafka_rpc_on_msg;
	r->t_msg.r = r;
	grpc_metadata_array_init(&r->md_init);
	grpc_metadata_array_init(&r->md_trail);
	r->call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS,
	    c->cq, m, NULL, kafka_rpc_deadline(timeout_ms), NULL);
	r->next = c->calls;
	if (c->calls != NULL)
		c->calls->prev = r;
	c->calls = r;
	if (kafka_rpc_start(r, req, len) == -1) {
		/* batches already started complete through the loop */
		log_error("kafka: gRPC %s on %s could not start", method,
		    c->target);
		r->on_end = NULL;
		r->on_msg = NULL;
		grpc_call_cancel(r->call, NULL);
		if (r->pending == 0)
			kafka_rpc_free(r);
		return NULL;
	}
	return r;
}

void
kafka_rpc_cancel(struct kafka_rpc *r)
{
	if (r == NULL)
		return;
	r->on_msg = NULL;
	r->on_end = NULL;
	grpc_call_cancel(r->call, NULL);
}

const char *
kafka_rpc_chan_target(const struct kafka_rpc_chan *c)
{
	return c->target;
}
