/*
 * The run-time every worker shares: configuration, logging, the libevent
 * loop, the IPC hub, signals, parent-death detection, and the control
 * messages every worker answers on "<role>.rep" (Health, Stats, Shutdown).
 * A worker's <role>_main() fills in the hooks, calls proc_serve() and
 * proc_ready(), then runs the loop with proc_run().
 */
#ifndef TP_PROC_H
#define TP_PROC_H

#include <stdint.h>

#include "config.h"
#include "ipc.h"

struct event_base;

struct proc_stats;	/* a StatsRep under construction */

struct proc {
	const char		*role;		/* borrowed: "gossip", "bans", ... */
	struct config		*cfg;		/* owned */
	struct event_base	*base;		/* owned */
	struct ipc		*ipc;		/* owned */
	const char		*run_dir;	/* borrowed from cfg */
	uint64_t		 started_ms;	/* monotonic */
	int			 supervised;	/* started by terap2pd */
	int			 stopping;

	/* Hooks set by the worker; all optional. */
	void	*hook_arg;
	/* Fill in health; return 1 when healthy, 0 when not. */
	int	(*health)(void *arg, Tp__HealthRep *rep);
	/* Add worker counters with proc_stat_add(). */
	void	(*stats)(void *arg, struct proc_stats *st);
	/* Begin a graceful stop; proc_run() returns when the loop empties. */
	void	(*stop)(void *arg);
	/*
	 * SIGHUP: the settings read again without error (log settings already
	 * applied).  cfg is freed after the call: copy what is kept.
	 */
	void	(*reload)(void *arg, const struct config *cfg);
	/* Requests that are not process-control messages. */
	ipc_serve_cb	*dispatch;
};

/* Add one counter to a stats reply. */
void	proc_stat_add(struct proc_stats *st, const char *name, int64_t value);
/* Add a dependency (ban store, Kafka) to a health reply; strings copied. */
void	proc_health_dep(Tp__HealthRep *rep, const char *name, int ok,
	    const char *detail);

/* Bind "<role>.rep" and answer control messages, passing others to dispatch. */
int	proc_serve(struct proc *);
/* Tell the supervisor this worker is ready (retried until acknowledged). */
void	proc_ready(struct proc *);
/* Run the loop until stopped; returns the exit code. */
int	proc_run(struct proc *);
/* Ask the loop to stop (from a handler): calls the stop hook, then exits. */
void	proc_shutdown(struct proc *, const char *why);

#endif
