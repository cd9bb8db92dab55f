/*
 * Benchmarks: a real terap2pd started in a private directory, and IPC
 * requests to it (shared by the bench programs).
 */
#ifndef BENCH_DAEMON_H
#define BENCH_DAEMON_H

#include <stdint.h>
#include <sys/types.h>

#include "ipc.h"

struct daemon {
	pid_t	pid;
	char	dir[64], run[128], peer[64];
	int	port;
};

/* Microseconds from a monotonic clock. */
uint64_t	 now_us(void);
/* A request to <run_dir>/<name>; fatal unless it is answered with 0. */
ipc_env		*call(struct daemon *d, const char *name, ipc_env *req);
/* One Stats counter of the worker at sock ("gossip.rep"); -1 if absent. */
int64_t		 stat_of(struct daemon *d, const char *sock, const char *name);
/* Start bin with p2p_port = port, the API on port + 1000, and extra lines;
 * returns once every worker is ready. */
void		 daemon_start(struct daemon *d, const char *bin, int port,
		    const char *extra);
void		 daemon_stop(struct daemon *d);

#endif
