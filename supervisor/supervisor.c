/*
 * The supervisor process.  It owns the process table: it forks and
 * re-executes itself once per worker role, restarts a worker that dies
 * (with backoff), stops them all on SIGTERM/SIGINT (a Shutdown request over
 * IPC, then SIGTERM, then SIGKILL, each step logged), and reports `ready`
 * once every worker has said READY on supervisor.rep.  A worker that exits
 * with TP_EXIT_CONFIG is not respawned: the supervisor stops everything and
 * exits with that worker's message.  Under systemd (Type=notify) it sends
 * READY=1 and STOPPING=1 to $NOTIFY_SOCKET; on SIGHUP it re-reads the
 * settings for the log level and format (a broken file is refused whole)
 * and passes the signal on to every worker, which does the same (the api
 * worker also takes a new api_key).
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "ipc.h"
#include "log.h"
#include "supervisor.h"
#include "tp.h"
#include "util.h"

#define SUP_ERRMSG_MAX		512
#define SUP_SHUTDOWN_CALL_MS	1000

struct sup_ctx;

struct sup_worker {
	const struct proc_role	*role;		/* borrowed: sup_roles[] */
	struct sup_ctx		*sup;		/* borrowed */
	pid_t			 pid;		/* 0: not running */
	int			 status_fd;	/* read end of the status pipe */
	int			 ready;
	uint64_t		 started_mono, ready_mono, started_wall;
	uint32_t		 restarts;
	int			 last_exit;	/* code, or -signal */
	struct sup_backoff	 backoff;
	struct event		*restart_ev;	/* owned */
	struct event		*ready_ev;	/* owned: READY deadline */
	struct ipc_client	*rep;		/* <role>.rep */
};

struct sup_ctx {
	const struct sup_args	*args;		/* borrowed */
	struct config		*cfg;		/* owned */
	struct event_base	*base;		/* owned */
	struct ipc		*ipc;		/* owned */
	struct sup_worker	*w;		/* owned, sup_nroles entries */
	struct event		*sig[4];	/* owned */
	struct event		*stop_ev;	/* owned: escalation timer */
	int			 stopping;	/* 0, 1 (Shutdown sent), 2, 3 */
	int			 exit_code;
	int			 announced;	/* logged `ready` once */
	int			 lock_fd;
	uint64_t		 started_wall;
	char			 errmsg[SUP_ERRMSG_MAX + 64];
};

static void	sup_spawn(struct sup_worker *);
static void	sup_stop(struct sup_ctx *, const char *why);

static size_t
sup_running(const struct sup_ctx *sc)
{
	size_t	i, n = 0;

	for (i = 0; i < sup_nroles; i++)
		n += sc->w[i].pid != 0;
	return n;
}

static void
sup_restart_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sup_worker	*w = arg;

	(void)fd;
	(void)what;
	if (!w->sup->stopping && w->pid == 0)
		sup_spawn(w);
}

static void
sup_ready_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct sup_worker	*w = arg;

	(void)fd;
	(void)what;
	if (w->pid == 0 || w->ready || w->sup->stopping)
		return;
	log_error("worker %s (pid %d) not ready after %llu ms: killing it",
	    w->role->name, (int)w->pid, (unsigned long long)
	    config_duration_ms(w->sup->cfg, "worker_ready_timeout"));
	kill(w->pid, SIGKILL);
}

static void
sup_spawn(struct sup_worker *w)
{
	struct sup_ctx		*sc = w->sup;
	const struct sup_args	*a = sc->args;
	const char		*argv[12];
	char			 ppid[16];
	int			 pfd[2], n = 0;
	struct timeval		 tv;
	uint64_t		 ms;
	pid_t			 pid;

	if (pipe2(pfd, O_CLOEXEC) == -1)
		fatal("pipe2: %s", strerror(errno));
	argv[n++] = "terap2pd";
	argv[n++] = "-R";
	argv[n++] = w->role->name;
	if (a->o.conf_path != NULL) {
		argv[n++] = "-f";
		argv[n++] = a->o.conf_path;
	}
	if (a->o.settings_dir != NULL) {
		argv[n++] = "-s";
		argv[n++] = a->o.settings_dir;
	}
	/* workers log where the supervisor does: stderr, or syslog (-D) */
	argv[n++] = a->o.foreground ? "-d" : "-D";
	if (a->o.verbose)
		argv[n++] = "-v";
	argv[n] = NULL;
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	switch (pid = fork()) {
	case -1:
		log_error("fork for %s: %s", w->role->name, strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		tv.tv_sec = 1;
		tv.tv_usec = 0;
		evtimer_add(w->restart_ev, &tv);
		return;
	case 0:
		if (dup2(pfd[1], 3) == -1)
			_exit(TP_EXIT_RUNTIME);
		setenv("TP_STATUS_FD", "3", 1);
		setenv("TP_SUPERVISOR_PID", ppid, 1);
		execv(a->self_exe, (char *const *)argv);
		fprintf(stderr, "terap2pd: exec %s: %s\n", a->self_exe,
		    strerror(errno));
		_exit(TP_EXIT_RUNTIME);
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	w->status_fd = pfd[0];
	w->pid = pid;
	w->ready = 0;
	w->started_mono = util_mono_ms();
	w->started_wall = util_wall_ms();
	ms = config_duration_ms(sc->cfg, "worker_ready_timeout");
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	evtimer_add(w->ready_ev, &tv);
	log_info("started worker %s (pid %d)", w->role->name, (int)pid);
}

/* The line a worker wrote to its status pipe before exiting, if any. */
static void
sup_read_status(struct sup_worker *w, char *out, size_t len)
{
	ssize_t	n;

	out[0] = '\0';
	if (w->status_fd < 0)
		return;
	n = read(w->status_fd, out, len - 1);
	if (n > 0)
		out[n] = '\0';
	close(w->status_fd);
	w->status_fd = -1;
}

static void
sup_worker_exited(struct sup_ctx *sc, struct sup_worker *w, int status)
{
	char		msg[SUP_ERRMSG_MAX];
	uint64_t	healthy = 0;
	uint32_t	delay;
	struct timeval	tv;

	sup_read_status(w, msg, sizeof(msg));
	if (w->ready)
		healthy = util_mono_ms() - w->ready_mono;
	w->pid = 0;
	w->ready = 0;
	evtimer_del(w->ready_ev);
	if (WIFSIGNALED(status)) {
		w->last_exit = -WTERMSIG(status);
		/* a crash or a kill from outside is worth a warning; ours not */
		if (sc->stopping)
			log_info("worker %s killed by signal %d", w->role->name,
			    WTERMSIG(status));
		else
			log_warn("worker %s killed by signal %d (%s)",
			    w->role->name, WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
	} else {
		w->last_exit = WEXITSTATUS(status);
		log_info("worker %s exited with code %d", w->role->name,
		    w->last_exit);
	}
	if (sc->stopping) {
		if (sup_running(sc) == 0) {
			log_info("all workers stopped");
			event_base_loopexit(sc->base, NULL);
		}
		return;
	}
	if (WIFEXITED(status) && w->last_exit == TP_EXIT_CONFIG) {
		snprintf(sc->errmsg, sizeof(sc->errmsg), "worker %s: %s",
		    w->role->name, msg[0] ? msg : "configuration error");
		log_error("%s; not restarting", sc->errmsg);
		sc->exit_code = TP_EXIT_CONFIG;
		sup_stop(sc, "a worker has a configuration error");
		return;
	}
	delay = sup_backoff_next(&w->backoff, healthy);
	w->restarts++;
	log_info("restarting worker %s in %u ms (restart %u)", w->role->name,
	    delay, w->restarts);
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (suseconds_t)(delay % 1000) * 1000;
	evtimer_add(w->restart_ev, &tv);
}

static void
sup_reap(struct sup_ctx *sc)
{
	pid_t	pid;
	int	status;
	size_t	i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < sup_nroles; i++) {
			if (sc->w[i].pid == pid) {
				sup_worker_exited(sc, &sc->w[i], status);
				break;
			}
		}
	}
}

static void
sup_escalate(evutil_socket_t fd, short what, void *arg)
{
	struct sup_ctx	*sc = arg;
	struct timeval	 tv;
	uint64_t	 ms = config_duration_ms(sc->cfg, "shutdown_timeout");
	int		 sig = sc->stopping == 1 ? SIGTERM : SIGKILL;
	size_t		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < sup_nroles; i++) {
		if (sc->w[i].pid == 0)
			continue;
		log_warn("worker %s (pid %d) still running: sending %s",
		    sc->w[i].role->name, (int)sc->w[i].pid,
		    sig == SIGTERM ? "SIGTERM" : "SIGKILL");
		kill(sc->w[i].pid, sig);
	}
	if (sc->stopping++ == 1) {
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
		evtimer_add(sc->stop_ev, &tv);
	}
}

static void
sup_shutdown_reply(void *arg, int err, const ipc_env *rep)
{
	struct sup_worker	*w = arg;

	if (err != 0 || rep->status != 0)
		log_warn("worker %s did not acknowledge Shutdown",
		    w->role->name);
}

static void
sup_stop(struct sup_ctx *sc, const char *why)
{
	Tp__ShutdownReq	 req = TP__SHUTDOWN_REQ__INIT;
	ipc_env		 env = TP__ENVELOPE__INIT;
	uint64_t	 ms = config_duration_ms(sc->cfg, "shutdown_timeout");
	struct timeval	 tv;
	char		 reason[160];
	size_t		 i;

	if (sc->stopping)
		return;
	sc->stopping = 1;
	sd_notify(0, "STOPPING=1");
	log_info("stopping (%s): asking every worker to shut down", why);
	snprintf(reason, sizeof(reason), "the supervisor is stopping (%s)", why);
	req.reason = reason;
	env.body_case = TP__ENVELOPE__BODY_SHUTDOWN_REQ;
	env.shutdown_req = &req;
	for (i = 0; i < sup_nroles; i++) {
		evtimer_del(sc->w[i].restart_ev);
		if (sc->w[i].pid == 0)
			continue;
		if (sc->w[i].ready)
			ipc_call(sc->w[i].rep, &env, SUP_SHUTDOWN_CALL_MS,
			    sup_shutdown_reply, &sc->w[i]);
		else
			kill(sc->w[i].pid, SIGTERM);	/* not serving IPC yet */
	}
	if (sup_running(sc) == 0) {
		event_base_loopexit(sc->base, NULL);
		return;
	}
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	evtimer_add(sc->stop_ev, &tv);
}

/* SIGHUP: new log settings here, then in every worker; none if broken. */
static void
sup_reload(struct sup_ctx *sc)
{
	size_t	i;

	if (proc_log_reload(&sc->args->o) == -1)
		return;
	for (i = 0; i < sup_nroles; i++)
		if (sc->w[i].pid != 0)
			kill(sc->w[i].pid, SIGHUP);
}

static void
sup_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct sup_ctx	*sc = arg;

	(void)what;
	switch (sig) {
	case SIGCHLD:
		sup_reap(sc);
		break;
	case SIGHUP:
		sup_reload(sc);
		break;
	default:
		sup_stop(sc, sig == SIGTERM ? "SIGTERM" : "SIGINT");
	}
}

static struct sup_worker *
sup_find(struct sup_ctx *sc, const char *role)
{
	size_t	i;

	for (i = 0; i < sup_nroles; i++)
		if (strcmp(sc->w[i].role->name, role) == 0)
			return &sc->w[i];
	return NULL;
}

static void
sup_on_ready(struct sup_ctx *sc, struct ipc_req *req, const Tp__Ready *r)
{
	struct sup_worker	*w = sup_find(sc, r->role);
	ipc_env			 rep = TP__ENVELOPE__INIT;
	size_t			 i, nready = 0;

	if (w == NULL || w->pid != r->pid) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_NOT_FOUND,
		    "no worker %s with pid %d", r->role, r->pid);
		return;
	}
	ipc_reply(req, &rep);
	if (w->ready)
		return;
	w->ready = 1;
	w->ready_mono = util_mono_ms();
	evtimer_del(w->ready_ev);
	log_info("worker %s ready (pid %d, %llu ms after start)", w->role->name,
	    (int)w->pid, (unsigned long long)(w->ready_mono - w->started_mono));
	for (i = 0; i < sup_nroles; i++)
		nready += sc->w[i].ready;
	if (nready == sup_nroles && !sc->announced) {
		sc->announced = 1;
		log_info("ready");
		sd_notify(0, "READY=1\nSTATUS=all workers ready");
	}
}

static void
sup_on_status(struct sup_ctx *sc, struct ipc_req *req)
{
	Tp__SupStatusRep	 s = TP__SUP_STATUS_REP__INIT;
	Tp__WorkerStatus	*ws, **v;
	ipc_env			 rep = TP__ENVELOPE__INIT;
	size_t			 i, nready = 0;

	ws = xcalloc(sup_nroles, sizeof(*ws));
	v = xcalloc(sup_nroles, sizeof(*v));
	for (i = 0; i < sup_nroles; i++) {
		tp__worker_status__init(&ws[i]);
		ws[i].role = (char *)sc->w[i].role->name;
		ws[i].pid = (int32_t)sc->w[i].pid;
		ws[i].ready = sc->w[i].ready;
		ws[i].restarts = sc->w[i].restarts;
		ws[i].started_unix_ms = sc->w[i].started_wall;
		ws[i].last_exit = sc->w[i].last_exit;
		nready += sc->w[i].ready;
		v[i] = &ws[i];
	}
	s.version = (char *)TP_VERSION;
	s.pid = (int32_t)getpid();
	s.started_unix_ms = sc->started_wall;
	s.ready = nready == sup_nroles;
	s.workers = v;
	s.n_workers = sup_nroles;
	rep.body_case = TP__ENVELOPE__BODY_SUP_STATUS_REP;
	rep.sup_status_rep = &s;
	ipc_reply(req, &rep);
	free(v);
	free(ws);
}

static void
sup_dispatch(void *arg, struct ipc_req *req, const ipc_env *msg)
{
	struct sup_ctx	*sc = arg;

	switch (msg->body_case) {
	case TP__ENVELOPE__BODY_READY:
		sup_on_ready(sc, req, msg->ready);
		break;
	case TP__ENVELOPE__BODY_SUP_STATUS_REQ:
		sup_on_status(sc, req);
		break;
	case TP__ENVELOPE__BODY_HEALTH_REQ: {
		Tp__HealthRep	h = TP__HEALTH_REP__INIT;
		ipc_env		rep = TP__ENVELOPE__INIT;

		h.role = (char *)"supervisor";
		h.pid = (int32_t)getpid();
		h.ok = sc->announced && !sc->stopping;
		rep.body_case = TP__ENVELOPE__BODY_HEALTH_REP;
		rep.health_rep = &h;
		ipc_reply(req, &rep);
		break;
	}
	default:
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED,
		    "the supervisor does not handle %s",
		    ipc_body_name(msg->body_case));
	}
}

/* One supervisor per data_dir: an exclusive lock on <run_dir>/terap2pd.pid. */
static int
sup_lock(struct sup_ctx *sc, const char *run_dir)
{
	char	path[4200], buf[32];
	int	n;

	snprintf(path, sizeof(path), "%s/terap2pd.pid", run_dir);
	if ((sc->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(sc->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		n = (int)read(sc->lock_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		log_error("another terap2pd (pid %s) already uses %s",
		    n > 0 ? strtok(buf, "\n") : "?", run_dir);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(sc->lock_fd, 0) == -1 || write(sc->lock_fd, buf,
	    (size_t)n) != n)
		log_warn("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static void
sup_setup_dirs(struct sup_ctx *sc)
{
	const char	*data_dir = config_str(sc->cfg, "data_dir");
	const char	*run_dir = config_str(sc->cfg, "run_dir");
	char		 url[256];

	if (util_mkdirs(data_dir, 0750) == -1) {
		log_error("cannot create data_dir %s: %s", data_dir,
		    strerror(errno));
		exit(TP_EXIT_CONFIG);
	}
	if (util_mkdirs(run_dir, 0700) == -1) {
		log_error("cannot create run_dir %s: %s", run_dir,
		    strerror(errno));
		exit(TP_EXIT_CONFIG);
	}
	if (ipc_url(run_dir, "supervisor.rep", url, sizeof(url)) == -1) {
		log_error("run_dir %s is too long for IPC socket paths "
		    "(at most ~90 bytes)", run_dir);
		exit(TP_EXIT_CONFIG);
	}
}

static void
sup_init(struct sup_ctx *sc)
{
	static const int	sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	size_t			i;
	char			name[IPC_NAME_MAX];

	if ((sc->base = event_base_new()) == NULL)
		fatal("event_base_new failed");
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < TP_ARRAY_LEN(sigs); i++) {
		sc->sig[i] = evsignal_new(sc->base, sigs[i], sup_on_signal, sc);
		if (sc->sig[i] == NULL || evsignal_add(sc->sig[i], NULL) == -1)
			fatal("cannot install signal handlers");
	}
	sc->stop_ev = evtimer_new(sc->base, sup_escalate, sc);
	sc->ipc = ipc_new(sc->base, config_str(sc->cfg, "run_dir"),
	    "supervisor");
	if (ipc_serve(sc->ipc, "supervisor.rep", sup_dispatch, sc) == -1)
		fatal("cannot serve supervisor.rep");
	sc->w = xcalloc(sup_nroles, sizeof(*sc->w));
	for (i = 0; i < sup_nroles; i++) {
		sc->w[i].role = &sup_roles[i];
		sc->w[i].sup = sc;
		sc->w[i].status_fd = -1;
		sc->w[i].restart_ev = evtimer_new(sc->base, sup_restart_cb,
		    &sc->w[i]);
		sc->w[i].ready_ev = evtimer_new(sc->base, sup_ready_deadline,
		    &sc->w[i]);
		snprintf(name, sizeof(name), "%s.rep", sup_roles[i].name);
		if ((sc->w[i].rep = ipc_client_open(sc->ipc, name)) == NULL)
			fatal("cannot dial %s", name);
	}
}

static void
sup_fini(struct sup_ctx *sc)
{
	size_t	i;

	ipc_free(sc->ipc);
	for (i = 0; i < sup_nroles; i++) {
		event_free(sc->w[i].restart_ev);
		event_free(sc->w[i].ready_ev);
		if (sc->w[i].status_fd >= 0)
			close(sc->w[i].status_fd);
	}
	for (i = 0; i < TP_ARRAY_LEN(sc->sig); i++)
		event_free(sc->sig[i]);
	event_free(sc->stop_ev);
	event_base_free(sc->base);
	free(sc->w);
	config_free(sc->cfg);
	close(sc->lock_fd);
}

int
supervisor_main(const struct sup_args *a)
{
	struct sup_ctx	sc;
	char		err[512];
	size_t		i;
	int		code;

	memset(&sc, 0, sizeof(sc));
	sc.args = a;
	if ((sc.cfg = config_open(&(struct config_opts){ a->o.conf_path,
	    a->o.settings_dir, 1 }, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		return TP_EXIT_CONFIG;
	}
	proc_log_setup(sc.cfg, a->o.verbose);
	sup_setup_dirs(&sc);
	if (!a->o.foreground) {
		if (daemon(1, 0) == -1)
			fatal("daemon: %s", strerror(errno));
		log_init("supervisor", 0, LOG_LVL_INFO, LOG_FMT_LOGFMT);
		proc_log_setup(sc.cfg, a->o.verbose);
	}
	if (sup_lock(&sc, config_str(sc.cfg, "run_dir")) == -1) {
		/* restarting would not help: another node owns data_dir */
		config_free(sc.cfg);
		return TP_EXIT_CONFIG;
	}
	sc.started_wall = util_wall_ms();
	log_info("terap2pd %s starting (config %s, data_dir %s)", TP_VERSION,
	    a->o.conf_path != NULL ? a->o.conf_path : "embedded defaults",
	    config_str(sc.cfg, "data_dir"));
	log_info("settings: %s", config_sources(sc.cfg));
	for (i = 0; i < config_nnotices(sc.cfg); i++)
		log_info("settings: %s", config_notice(sc.cfg, i));
	sup_init(&sc);
	for (i = 0; i < sup_nroles; i++)
		sup_spawn(&sc.w[i]);
	event_base_dispatch(sc.base);
	code = sc.exit_code;
	if (code == TP_EXIT_CONFIG)
		log_error("stopped: %s", sc.errmsg);
	else
		log_info("stopped");
	sup_fini(&sc);
	return code;
}
