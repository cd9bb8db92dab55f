/*
 * The supervisor (parent) process: the table of worker roles, the process
 * table with restart state, and the restart backoff arithmetic.
 */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc_main.h"

#define SUP_BACKOFF_FIRST_MS	100
#define SUP_BACKOFF_MAX_MS	30000
#define SUP_HEALTHY_RESET_MS	60000

/* Restart backoff of one worker: 0 (at once), 100 ms, 200 ms, ... 30 s. */
struct sup_backoff {
	uint32_t	next_ms;	/* delay before the next restart */
};

/*
 * The delay before restarting a worker that was healthy (READY) for
 * healthy_ms before it died; advances the backoff.  A worker healthy for
 * SUP_HEALTHY_RESET_MS or more has its history forgotten.
 */
uint32_t	sup_backoff_next(struct sup_backoff *, uint64_t healthy_ms);

/* The workers' entry points, each in workers/<role>/<role>.c. */
struct proc;
int	gossip_main(struct proc *);
int	kafka_main(struct proc *);
int	bans_main(struct proc *);
int	api_main(struct proc *);
/*
 * terap2pd -n: what each worker would refuse at start, checked without
 * binding, connecting or creating anything.  -1 with err naming the key.
 */
struct config;
int	gossip_check(const struct config *, char *err, size_t errlen);
int	bans_check(const struct config *, char *err, size_t errlen);
int	api_check(const struct config *, char *err, size_t errlen);

extern const struct proc_role	sup_roles[];
extern const size_t		sup_nroles;

struct sup_args {
	struct proc_opts	 o;
	const char		*self_exe;	/* path to re-execute */
};

/* Run the supervisor until stopped; returns the process exit code. */
int	supervisor_main(const struct sup_args *);

#endif
