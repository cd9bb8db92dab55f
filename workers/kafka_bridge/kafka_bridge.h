/*
 * The Kafka bridge worker's private header: its context, shared by the
 * kafka_bridge_*.c files of this worker only.
 */
#ifndef KAFKA_BRIDGE_H
#define KAFKA_BRIDGE_H

#include "ipc.h"

struct proc;

struct kafka_ctx {
	struct proc	*p;		/* borrowed: the worker run-time */
	struct ipc_pub	*pub;		/* kafka.pub, owned by the IPC hub */
};

int	kafka_main(struct proc *);

#endif
