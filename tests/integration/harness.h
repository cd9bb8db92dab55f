/*
 * Integration-test harness: starts the real terap2pd ($TERAP2PD) in a
 * private directory with a generated settings file, collects what it logs,
 * and talks to it over its real IPC sockets.  Like Redis's start_server.
 */
#ifndef HARNESS_H
#define HARNESS_H

#include <sys/types.h>

#include "ipc.h"

struct daemon {
	pid_t	 pid;
	int	 out_fd;		/* its stderr (and stdout) */
	char	 dir[64];		/* private temporary directory */
	char	 conf[128];
	char	 run_dir[128];
	char	*log;			/* everything it printed so far */
	size_t	 len, cap, seen;	/* seen: where the last match ended */
};

/* The daemon binary under test. */
const char	*h_binary(void);
/* Give daemons started from now on the test's value of variable name. */
void	h_env_pass(const char *name);
/* Write dir/terap2p.conf (data_dir = dir/data, then extra) and start it. */
void	h_start(struct daemon *, const char *extra_conf);
/* Start in an existing daemon struct's dir again (same data_dir). */
void	h_start_in(struct daemon *, const char *dir, const char *extra_conf);
/*
 * A deadline of ms scaled for the build under test: times
 * $CK_TIMEOUT_MULTIPLIER (scripts/run-tests.sh sets 2 for ASan), as Check
 * scales its own time-outs.  The waits below (and jspeer's) apply it.
 */
int	h_ms(int ms);
/* Wait for a log line of proc containing text (after the last match). */
int	h_wait_log(struct daemon *, const char *proc, const char *text, int ms);
/*
 * Wait until the supervisor says ready (H_READY_MS, longer than the
 * supervisor's own 30 s worker_ready_timeout so that a slow start on a
 * loaded machine ends in the supervisor's verdict); fails the test with the
 * log's tail otherwise.
 */
#define H_READY_MS	40000
void	h_wait_ready(struct daemon *);
/* The last 3000 bytes of what it printed (Check's messages are bounded). */
const char *h_log_tail(const struct daemon *);
/* How many lines of proc contain text, in everything logged so far. */
int	h_count_log(struct daemon *, const char *proc, const char *text);
/* Wait for the supervisor to exit; returns its wait status or -1. */
int	h_wait_exit(struct daemon *, int ms);
/* A request over IPC to "<name>" under the daemon's run_dir. */
ipc_env	*h_call(struct daemon *, const char *name, const ipc_env *req);
/* The supervisor's status (to free with ipc_env_free), NULL if none. */
ipc_env	*h_status(struct daemon *);
/* pid of a ready worker, 0 if it is not ready. */
pid_t	 h_worker_pid(struct daemon *, const char *role);
/* SIGTERM, wait, remove the directory. */
void	h_stop(struct daemon *);
void	h_cleanup(struct daemon *);
/* The gossip worker's peer ID, from its log (after "ready"). */
void	h_peer_id(const struct daemon *, char *out, size_t len);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
int	h_free_port(void);
/* Run a command with an empty environment, capture stdout; exit status. */
int	h_run(const char *const argv[], char *out, size_t outlen);

/* A request to the gossip worker's gossip.rep (asserted answered): its status. */
int		 h_gossip_status(struct daemon *d, ipc_env *req);
/* Join topic on the gossip worker (asserted accepted). */
void		 h_gossip_join(struct daemon *d, const char *topic);

#endif
