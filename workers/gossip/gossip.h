/*
 * The gossip worker's private header: its context, shared by the
 * gossip_*.c files of this worker only.
 */
#ifndef GOSSIP_H
#define GOSSIP_H

#include "ipc.h"

struct proc;

struct gossip_ctx {
	struct proc	*p;		/* borrowed: the worker run-time */
	struct ipc_pub	*pub;		/* gossip.pub, owned by the IPC hub */
};

int	gossip_main(struct proc *);

#endif
