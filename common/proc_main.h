/*
 * How the binary enters a role: the supervisor's table of roles and the
 * options it passes when it re-executes itself with `-R <role>`.
 */
#ifndef TP_PROC_MAIN_H
#define TP_PROC_MAIN_H

#include "config.h"

struct proc;

struct proc_role {
	const char	*name;			/* -R name, IPC prefix, log name */
	const char	*title;			/* ps name: "terap2p: gossip" */
	int		(*main)(struct proc *);	/* the worker's <role>_main() */
};

struct proc_opts {
	const char	*conf_path;		/* NULL: embedded defaults only */
	const char	*settings_dir;		/* -s: Teranode's settings folder */
	int		 foreground;		/* -d: log to stderr */
	int		 verbose;		/* -v: debug logging */
};

/* Run one worker role in this process; returns its exit code. */
int	proc_main(const struct proc_role *, const struct proc_opts *);
/* Apply log_level/log_format from the settings (-v forces debug). */
void	proc_log_setup(const struct config *, int verbose);
/* SIGHUP: re-read the settings for logging; -1 (logged) if they are broken. */
int	proc_log_reload(const struct proc_opts *);

#endif
