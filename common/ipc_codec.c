/*
 * The IPC codec: the only place that packs and unpacks the envelope of
 * proto/ipc.proto.  Size limits are enforced here, on both sides, so an
 * oversized or truncated message is an error, never a crash or an
 * unbounded allocation.
 */
#include <stdio.h>
#include <string.h>

#include "ipc.h"

void
ipc_tag(Tp__Envelope__BodyCase kind, uint8_t out[IPC_TAG_LEN])
{
	uint32_t	k = (uint32_t)kind;

	out[0] = (uint8_t)(k >> 24);
	out[1] = (uint8_t)(k >> 16);
	out[2] = (uint8_t)(k >> 8);
	out[3] = (uint8_t)k;
}

const char *
ipc_body_name(Tp__Envelope__BodyCase kind)
{
	const ProtobufCFieldDescriptor	*f;

	f = protobuf_c_message_descriptor_get_field(&tp__envelope__descriptor,
	    (unsigned)kind);
	return f != NULL ? f->name : "none";
}

int
ipc_encode(const ipc_env *env, int with_tag, nng_msg **out, char *err,
    size_t errlen)
{
	size_t	 len, off = with_tag ? IPC_TAG_LEN : 0;
	nng_msg	*msg;
	int	 rv;

	if (env->body_case == TP__ENVELOPE__BODY__NOT_SET) {
		snprintf(err, errlen, "envelope without a body");
		return -1;
	}
	len = tp__envelope__get_packed_size(env);
	if (len + off > IPC_MAX_MSG) {
		snprintf(err, errlen, "%s message of %zu bytes exceeds the "
		    "%u-byte IPC limit", ipc_body_name(env->body_case), len,
		    IPC_MAX_MSG);
		return -1;
	}
	if ((rv = nng_msg_alloc(&msg, len + off)) != 0) {
		snprintf(err, errlen, "nng_msg_alloc: %s", nng_strerror(rv));
		return -1;
	}
	if (with_tag)
		ipc_tag(env->body_case, nng_msg_body(msg));
	tp__envelope__pack(env, (uint8_t *)nng_msg_body(msg) + off);
	*out = msg;
	return 0;
}

int
ipc_decode(const void *buf, size_t len, ipc_env **out, char *err,
    size_t errlen)
{
	ipc_env	*env;

	if (len > IPC_MAX_MSG) {
		snprintf(err, errlen, "message of %zu bytes exceeds the %u-byte "
		    "IPC limit", len, IPC_MAX_MSG);
		return -1;
	}
	env = tp__envelope__unpack(NULL, len, buf);
	if (env == NULL) {
		snprintf(err, errlen, "undecodable envelope (%zu bytes)", len);
		return -1;
	}
	if (env->body_case == TP__ENVELOPE__BODY__NOT_SET) {
		tp__envelope__free_unpacked(env, NULL);
		snprintf(err, errlen, "envelope without a body (%zu bytes)", len);
		return -1;
	}
	*out = env;
	return 0;
}

void
ipc_env_free(ipc_env *env)
{
	if (env != NULL)
		tp__envelope__free_unpacked(env, NULL);
}
