/*
 * API worker: gRPC server reflection for PeerService, as Teranode registers
 * it for every gRPC server (grpc.reflection.v1 and v1alpha, the
 * bidirectional ServerReflectionInfo stream).  It answers list_services
 * (p2p_api.PeerService and the reflection services), file_by_filename and
 * file_containing_symbol from the FileDescriptorProtos of
 * proto/p2p_api.proto and its import, compiled in at build time (protoc-c
 * --descriptor_set_out, embed_desc.sh); extension queries get NOT_FOUND.
 * api_grpc_reflect_answer() is pure (fuzzed); the rest drives one stream
 * per call on the worker's loop: read a request, send its answer, until the
 * client half-closes, then OK.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>

#include "api.h"
#include "grpc_loop.h"
#include "grpc_reflection.pb-c.h"
#include "log.h"
#include "util.h"

#define API_GRPC_REFLECT_REQS	1000	/* requests one stream may make */
#define API_GRPC_REFLECT_FILES	8

extern const uint8_t	api_grpc_desc[];
extern const size_t	api_grpc_desc_len;

/* ---- the descriptor set (pure) ---- */

struct api_grpc_file {
	const uint8_t	*p;		/* one FileDescriptorProto */
	size_t		 len;
	char		 name[128], package[128];
};

static int
api_grpc_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t	b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* Fields 1 (name) and 2 (package) of a FileDescriptorProto. */
static void
api_grpc_file_names(struct api_grpc_file *f)
{
	const uint8_t	*p = f->p, *end = f->p + f->len;
	uint64_t	 key, len;

	while (p < end && api_grpc_varint(&p, end, &key) == 0) {
		if ((key & 7) != 2 || api_grpc_varint(&p, end, &len) == -1 ||
		    len > (uint64_t)(end - p))
			return;	/* name and package come first */
		if ((key >> 3) == 1 && len < sizeof(f->name))
			memcpy(f->name, p, len);
		if ((key >> 3) == 2 && len < sizeof(f->package))
			memcpy(f->package, p, len);
		p += len;
	}
}

/* Split the FileDescriptorSet (field 1, repeated) into files. */
static size_t
api_grpc_files(struct api_grpc_file *out, size_t cap)
{
	const uint8_t	*p = api_grpc_desc, *end = p + api_grpc_desc_len;
	uint64_t	 key, len;
	size_t		 n = 0;

	while (p < end && n < cap && api_grpc_varint(&p, end, &key) == 0 &&
	    key == 0x0a && api_grpc_varint(&p, end, &len) == 0 &&
	    len <= (uint64_t)(end - p)) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].p = p;
		out[n].len = (size_t)len;
		api_grpc_file_names(&out[n]);
		n++;
		p += len;
	}
	return n;
}

/* The file of a symbol: its package is a prefix ("p2p_api.GetPeerRequest"). */
static int
api_grpc_symbol_file(const struct api_grpc_file *f, size_t n, const char *sym)
{
	size_t	best = 0, l;
	int	found = -1;

	for (size_t i = 0; i < n; i++) {
		l = strlen(f[i].package);
		if (l > 0 && strncmp(sym, f[i].package, l) == 0 &&
		    sym[l] == '.' && l > best) {
			best = l;
			found = (int)i;
		}
	}
	return found;
}

int
api_grpc_reflect_answer(const uint8_t *req, size_t len, uint8_t **out,
    size_t *outlen)
{
	Grpc__Reflection__V1__ServerReflectionRequest	*q;
	Grpc__Reflection__V1__ServerReflectionResponse	 r =
	    GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__INIT;
	Grpc__Reflection__V1__FileDescriptorResponse	 fd =
	    GRPC__REFLECTION__V1__FILE_DESCRIPTOR_RESPONSE__INIT;
	Grpc__Reflection__V1__ListServiceResponse	 ls =
	    GRPC__REFLECTION__V1__LIST_SERVICE_RESPONSE__INIT;
	Grpc__Reflection__V1__ServiceResponse		 sv[3], *svp[3];
	Grpc__Reflection__V1__ErrorResponse		 er =
	    GRPC__REFLECTION__V1__ERROR_RESPONSE__INIT;
	static const char *const services[3] = { "p2p_api.PeerService",
	    "grpc.reflection.v1.ServerReflection",
	    "grpc.reflection.v1alpha.ServerReflection" };
	struct api_grpc_file	 f[API_GRPC_REFLECT_FILES];
	ProtobufCBinaryData	 bin[API_GRPC_REFLECT_FILES];
	size_t			 nf = api_grpc_files(f, API_GRPC_REFLECT_FILES);
	int			 k = -1;

	if ((q = grpc__reflection__v1__server_reflection_request__unpack(NULL,
	    len, req)) == NULL)
		return -1;
	r.valid_host = q->host;
	r.original_request = q;
	switch (q->message_request_case) {
	case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_LIST_SERVICES:
		for (size_t i = 0; i < 3; i++) {
			grpc__reflection__v1__service_response__init(&sv[i]);
			sv[i].name = (char *)services[i];
			svp[i] = &sv[i];
		}
		ls.service = svp;
		ls.n_service = 3;
		r.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_LIST_SERVICES_RESPONSE;
		r.list_services_response = &ls;
		break;
	case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_BY_FILENAME:
		for (size_t i = 0; i < nf; i++)
			if (strcmp(f[i].name, q->file_by_filename) == 0)
				k = (int)i;
		break;
	case GRPC__REFLECTION__V1__SERVER_REFLECTION_REQUEST__MESSAGE_REQUEST_FILE_CONTAINING_SYMBOL:
		k = api_grpc_symbol_file(f, nf, q->file_containing_symbol);
		break;
	default:
		break;
	}
	if (r.message_response_case == 0 && k >= 0) {
		/* the file first, then the rest (its import) */
		bin[0].data = (uint8_t *)(uintptr_t)f[k].p;
		bin[0].len = f[k].len;
		fd.n_file_descriptor_proto = 1;
		for (size_t i = 0; i < nf; i++)
			if ((int)i != k) {
				bin[fd.n_file_descriptor_proto].data =
				    (uint8_t *)(uintptr_t)f[i].p;
				bin[fd.n_file_descriptor_proto++].len = f[i].len;
			}
		fd.file_descriptor_proto = bin;
		r.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_FILE_DESCRIPTOR_RESPONSE;
		r.file_descriptor_response = &fd;
	} else if (r.message_response_case == 0) {
		er.error_code = GRPC_STATUS_NOT_FOUND;
		er.error_message = "not found";
		r.message_response_case = GRPC__REFLECTION__V1__SERVER_REFLECTION_RESPONSE__MESSAGE_RESPONSE_ERROR_RESPONSE;
		r.error_response = &er;
	}
	*outlen = grpc__reflection__v1__server_reflection_response__get_packed_size(&r);
	*out = xmalloc(*outlen + 1);
	grpc__reflection__v1__server_reflection_response__pack(&r, *out);
	grpc__reflection__v1__server_reflection_request__free_unpacked(q, NULL);
	return 0;
}

/* ---- one stream ---- */

struct api_grpc_reflect {
	struct grpc_loop_tag	 tag;		/* first */
	LIST_ENTRY(api_grpc_reflect) entry;
	grpc_call		*call;		/* owned ref */
	grpc_byte_buffer	*in, *out;	/* owned */
	grpc_slice		 status_msg;
	int			 cancelled, closing, nreqs;
};

static void
api_grpc_reflect_free(struct api_grpc_reflect *s)
{
	LIST_REMOVE(s, entry);
	if (s->in != NULL)
		grpc_byte_buffer_destroy(s->in);
	if (s->out != NULL)
		grpc_byte_buffer_destroy(s->out);
	grpc_slice_unref(s->status_msg);
	grpc_call_unref(s->call);
	free(s);
}

static int
api_grpc_reflect_batch(struct api_grpc_reflect *s, grpc_op *ops, size_t n)
{
	if (grpc_call_start_batch(s->call, ops, n, &s->tag, NULL) ==
	    GRPC_CALL_OK)
		return 0;
	api_grpc_reflect_free(s);
	return -1;
}

static void
api_grpc_reflect_close(struct api_grpc_reflect *s, grpc_status_code code,
    const char *msg)
{
	grpc_op	ops[2];

	memset(ops, 0, sizeof(ops));
	s->closing = 1;
	s->status_msg = grpc_slice_from_copied_string(msg);
	ops[0].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[0].data.send_status_from_server.status = code;
	ops[0].data.send_status_from_server.status_details = &s->status_msg;
	ops[1].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[1].data.recv_close_on_server.cancelled = &s->cancelled;
	api_grpc_reflect_batch(s, ops, 2);
}

/* Answer the request in s->in, then read the next one. */
static void
api_grpc_reflect_step(struct api_grpc_reflect *s)
{
	grpc_byte_buffer_reader	 rd;
	grpc_slice		 sl;
	uint8_t			*ans;
	size_t			 alen;
	grpc_op			 ops[2];
	int			 rc = -1;

	if (grpc_byte_buffer_reader_init(&rd, s->in)) {
		sl = grpc_byte_buffer_reader_readall(&rd);
		grpc_byte_buffer_reader_destroy(&rd);
		rc = api_grpc_reflect_answer(GRPC_SLICE_START_PTR(sl),
		    GRPC_SLICE_LENGTH(sl), &ans, &alen);
		grpc_slice_unref(sl);
	}
	grpc_byte_buffer_destroy(s->in);
	s->in = NULL;
	if (rc == -1 || ++s->nreqs > API_GRPC_REFLECT_REQS) {
		api_grpc_reflect_close(s, rc == -1 ?
		    GRPC_STATUS_INVALID_ARGUMENT : GRPC_STATUS_RESOURCE_EXHAUSTED,
		    rc == -1 ? "malformed ServerReflectionRequest" :
		    "too many requests on one stream");
		return;
	}
	sl = grpc_slice_new(ans, alen, free);
	if (s->out != NULL)
		grpc_byte_buffer_destroy(s->out);
	s->out = grpc_raw_byte_buffer_create(&sl, 1);
	grpc_slice_unref(sl);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_MESSAGE;
	ops[0].data.send_message.send_message = s->out;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &s->in;
	api_grpc_reflect_batch(s, ops, 2);
}

static void
api_grpc_reflect_on_event(struct grpc_loop_tag *tag, int ok)
{
	struct api_grpc_reflect	*s = (struct api_grpc_reflect *)tag;

	if (!ok || s->closing) {
		api_grpc_reflect_free(s);
		return;
	}
	if (s->in == NULL)		/* the client is done */
		api_grpc_reflect_close(s, GRPC_STATUS_OK, "");
	else
		api_grpc_reflect_step(s);
}

void
api_grpc_reflect_start(struct api_grpc_reflect_head *live, grpc_call *call)
{
	struct api_grpc_reflect	*s = xcalloc(1, sizeof(*s));
	grpc_op			 ops[2];

	s->tag.fn = api_grpc_reflect_on_event;
	s->call = call;
	s->status_msg = grpc_empty_slice();
	LIST_INSERT_HEAD(live, s, entry);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &s->in;
	api_grpc_reflect_batch(s, ops, 2);
}

void
api_grpc_reflect_free_all(struct api_grpc_reflect_head *live)
{
	struct api_grpc_reflect	*s;

	while ((s = LIST_FIRST(live)) != NULL)
		api_grpc_reflect_free(s);
}
