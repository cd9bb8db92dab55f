/*
 * libFuzzer target: the IPC envelope decoder (ipc_decode) on arbitrary
 * bytes, and a re-encode of whatever decodes.
 */
#include <stdint.h>

#include "ipc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ipc_env	*env;
	nng_msg	*msg;
	char	 err[160];

	if (ipc_decode(data, size, &env, err, sizeof(err)) == -1)
		return 0;
	if (ipc_encode(env, 1, &msg, err, sizeof(err)) == 0)
		nng_msg_free(msg);
	ipc_env_free(env);
	return 0;
}
