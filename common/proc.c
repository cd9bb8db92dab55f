/*
 * The worker run-time, shared by the four worker processes (see proc.h):
 * it loads the settings, sets up logging, the libevent loop and the IPC hub,
 * watches for the supervisor's death, answers the control messages every
 * worker serves on "<role>.rep" (Health, Stats, Shutdown) and tells the
 * supervisor when the worker is READY.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <nng/nng.h>

#include "log.h"
#include "proc.h"
#include "proc_main.h"
#include "tp.h"
#include "util.h"

#define PROC_READY_TIMEOUT_MS	2000
#define PROC_READY_RETRY_MS	200
#define PROC_PARENT_CHECK_MS	1000
#define PROC_EXIT_DELAY_MS	20	/* lets the Shutdown reply leave */

struct proc_stats {
	Tp__Stat	**v;	/* owned */
	size_t		  n;
};

struct proc_rt {
	struct proc		 p;
	struct proc_opts	 opts;		/* conf_path, settings_dir: argv */
	pid_t			 ppid;
	struct event		*sigterm, *sigint, *sighup, *parent_timer;
	struct event		*ready_timer;
	struct ipc_client	*sup;		/* supervisor.rep */
	int			 ready_acked;
	int			 exit_code;
};

void
proc_stat_add(struct proc_stats *st, const char *name, int64_t value)
{
	Tp__Stat	*s = xmalloc(sizeof(*s));

	tp__stat__init(s);
	s->name = xstrdup(name);
	s->value = value;
	st->v = xrealloc(st->v, (st->n + 1) * sizeof(*st->v));
	st->v[st->n++] = s;
}

static void
proc_stats_free(struct proc_stats *st)
{
	size_t	i;

	for (i = 0; i < st->n; i++) {
		free(st->v[i]->name);
		free(st->v[i]);
	}
	free(st->v);
}

void
proc_health_dep(Tp__HealthRep *rep, const char *name, int ok,
    const char *detail)
{
	Tp__Dependency	*d = xmalloc(sizeof(*d));

	tp__dependency__init(d);
	d->name = xstrdup(name);
	d->ok = ok != 0;
	d->detail = xstrdup(detail != NULL ? detail : "");
	rep->deps = xrealloc(rep->deps, (rep->n_deps + 1) * sizeof(*rep->deps));
	rep->deps[rep->n_deps++] = d;
}

static long
proc_rss_kib(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return ru.ru_maxrss;
}

static void
proc_on_health(struct proc *p, struct ipc_req *req)
{
	Tp__HealthRep	 h = TP__HEALTH_REP__INIT;
	ipc_env		 rep = TP__ENVELOPE__INIT;
	char		 detail[64];
	size_t		 i;
	int		 ok = 1;

	h.role = (char *)p->role;
	h.pid = (int32_t)getpid();
	h.uptime_ms = util_mono_ms() - p->started_ms;
	if (p->health != NULL)
		ok = p->health(p->hook_arg, &h);
	for (i = 0; i < h.n_deps; i++)
		ok = ok && h.deps[i]->ok;
	if (p->stopping) {
		ok = 0;
		snprintf(detail, sizeof(detail), "stopping");
		h.detail = detail;
	} else if (h.detail == NULL || h.detail == protobuf_c_empty_string) {
		snprintf(detail, sizeof(detail), ok ? "running" : "degraded");
		h.detail = detail;
	}
	h.ok = ok;
	rep.body_case = TP__ENVELOPE__BODY_HEALTH_REP;
	rep.health_rep = &h;
	ipc_reply(req, &rep);
	for (i = 0; i < h.n_deps; i++) {
		free(h.deps[i]->name);
		free(h.deps[i]->detail);
		free(h.deps[i]);
	}
	free(h.deps);
}

static void
proc_on_stats(struct proc *p, struct ipc_req *req)
{
	const struct ipc_counters	*c = ipc_counters(p->ipc);
	struct proc_stats		 st = { NULL, 0 };
	Tp__StatsRep			 s = TP__STATS_REP__INIT;
	ipc_env				 rep = TP__ENVELOPE__INIT;

	proc_stat_add(&st, "uptime_ms", (int64_t)(util_mono_ms() - p->started_ms));
	proc_stat_add(&st, "max_rss_kib", proc_rss_kib());
	proc_stat_add(&st, "ipc_requests", (int64_t)c->requests);
	proc_stat_add(&st, "ipc_calls", (int64_t)c->calls);
	proc_stat_add(&st, "ipc_call_errors", (int64_t)c->call_errors);
	proc_stat_add(&st, "ipc_events_in", (int64_t)c->events_in);
	proc_stat_add(&st, "ipc_events_out", (int64_t)c->events_out);
	proc_stat_add(&st, "ipc_decode_errors", (int64_t)c->decode_errors);
	if (p->stats != NULL)
		p->stats(p->hook_arg, &st);
	s.role = (char *)p->role;
	s.stats = st.v;
	s.n_stats = st.n;
	rep.body_case = TP__ENVELOPE__BODY_STATS_REP;
	rep.stats_rep = &s;
	ipc_reply(req, &rep);
	proc_stats_free(&st);
}

static void
proc_dispatch(void *arg, struct ipc_req *req, const ipc_env *msg)
{
	struct proc	*p = arg;
	ipc_env		 rep = TP__ENVELOPE__INIT;

	switch (msg->body_case) {
	case TP__ENVELOPE__BODY_HEALTH_REQ:
		proc_on_health(p, req);
		break;
	case TP__ENVELOPE__BODY_STATS_REQ:
		proc_on_stats(p, req);
		break;
	case TP__ENVELOPE__BODY_SHUTDOWN_REQ:
		ipc_reply(req, &rep);
		proc_shutdown(p, msg->shutdown_req->reason[0] != '\0' ?
		    msg->shutdown_req->reason : "asked by the supervisor");
		break;
	default:
		if (p->dispatch != NULL) {
			p->dispatch(p->hook_arg, req, msg);
			break;
		}
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_UNSUPPORTED,
		    "%s does not handle %s", p->role,
		    ipc_body_name(msg->body_case));
	}
}

int
proc_serve(struct proc *p)
{
	char	name[IPC_NAME_MAX];

	snprintf(name, sizeof(name), "%s.rep", p->role);
	return ipc_serve(p->ipc, name, proc_dispatch, p);
}

static void	proc_ready_send(struct proc_rt *);

static void
proc_ready_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	proc_ready_send(arg);
}

static void
proc_ready_reply(void *arg, int err, const ipc_env *rep)
{
	struct proc_rt	*rt = arg;
	struct timeval	 tv = { 0, PROC_READY_RETRY_MS * 1000 };

	if (err == 0 && rep->status == 0) {
		rt->ready_acked = 1;
		log_info("ready");
		return;
	}
	if (err == 0)
		log_warn("supervisor refused READY: %s", rep->error);
	if (!rt->p.stopping)
		evtimer_add(rt->ready_timer, &tv);
}

static void
proc_ready_send(struct proc_rt *rt)
{
	Tp__Ready	r = TP__READY__INIT;
	ipc_env		env = TP__ENVELOPE__INIT;
	struct timeval	tv = { 0, PROC_READY_RETRY_MS * 1000 };

	r.role = (char *)rt->p.role;
	r.pid = (int32_t)getpid();
	env.body_case = TP__ENVELOPE__BODY_READY;
	env.ready = &r;
	if (ipc_call(rt->sup, &env, PROC_READY_TIMEOUT_MS, proc_ready_reply,
	    rt) == -1)
		evtimer_add(rt->ready_timer, &tv);
}

void
proc_ready(struct proc *p)
{
	struct proc_rt	*rt = (struct proc_rt *)p;

	if (!p->supervised) {
		log_info("ready (standalone, no supervisor)");
		return;
	}
	if ((rt->sup = ipc_client_open(p->ipc, "supervisor.rep")) == NULL)
		fatal("cannot reach the supervisor");
	rt->ready_timer = evtimer_new(p->base, proc_ready_retry, rt);
	proc_ready_send(rt);
}

void
proc_shutdown(struct proc *p, const char *why)
{
	struct timeval	tv = { 0, PROC_EXIT_DELAY_MS * 1000 };

	if (p->stopping)
		return;
	p->stopping = 1;
	log_info("stopping: %s", why);
	if (p->stop != NULL)
		p->stop(p->hook_arg);
	event_base_loopexit(p->base, &tv);
}

static void	proc_on_hup(struct proc_rt *);

static void
proc_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct proc	*p = arg;

	(void)what;
	if (sig == SIGHUP) {
		proc_on_hup((struct proc_rt *)(void *)p);
		return;
	}
	proc_shutdown(p, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void
proc_parent_check(evutil_socket_t fd, short what, void *arg)
{
	struct proc_rt	*rt = arg;

	(void)fd;
	(void)what;
	if (getppid() != rt->ppid)
		proc_shutdown(&rt->p, "the supervisor is gone");
}

/* Die with the supervisor: PDEATHSIG, plus a check for a parent already gone. */
static void
proc_watch_parent(struct proc_rt *rt)
{
	const char	*s = getenv("TP_SUPERVISOR_PID");
	struct timeval	 tv = { PROC_PARENT_CHECK_MS / 1000, 0 };

	if (s == NULL)
		return;
	rt->p.supervised = 1;
	rt->ppid = (pid_t)atoi(s);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		log_warn("prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (getppid() != rt->ppid) {
		log_info("the supervisor is gone before start; exiting");
		exit(TP_EXIT_OK);
	}
	rt->parent_timer = event_new(rt->p.base, -1, EV_PERSIST,
	    proc_parent_check, rt);
	event_add(rt->parent_timer, &tv);
}

static void
proc_signals(struct proc_rt *rt)
{
	struct event_base	*b = rt->p.base;

	signal(SIGPIPE, SIG_IGN);
	rt->sigterm = evsignal_new(b, SIGTERM, proc_on_signal, &rt->p);
	rt->sigint = evsignal_new(b, SIGINT, proc_on_signal, &rt->p);
	rt->sighup = evsignal_new(b, SIGHUP, proc_on_signal, &rt->p);
	if (rt->sigterm == NULL || rt->sigint == NULL || rt->sighup == NULL ||
	    evsignal_add(rt->sigterm, NULL) == -1 ||
	    evsignal_add(rt->sigint, NULL) == -1 ||
	    evsignal_add(rt->sighup, NULL) == -1)
		fatal("cannot install signal handlers");
}

int
proc_run(struct proc *p)
{
	if (event_base_dispatch(p->base) == -1) {
		log_error("event loop failed");
		return TP_EXIT_RUNTIME;
	}
	return TP_EXIT_OK;
}

/* Apply log_level/log_format from the settings (-v wins). */
void
proc_log_setup(const struct config *cfg, int verbose)
{
	enum log_level	lvl = LOG_LVL_INFO;
	enum log_format	fmt = LOG_FMT_LOGFMT;

	log_level_parse(config_str(cfg, "log_level"), &lvl);
	log_format_parse(config_str(cfg, "log_format"), &fmt);
	log_set_level(verbose ? LOG_LVL_DEBUG : lvl);
	log_set_format(fmt);
}

/*
 * SIGHUP: read the settings again and apply log_level and log_format; a
 * file that no longer loads is refused whole and the old settings stay.
 * Syslog is reopened (stderr needs nothing).  Returns the new settings
 * (the caller frees them) or NULL.
 */
static struct config *
proc_settings_reload(const struct proc_opts *o)
{
	struct config	*cfg;
	char		 err[512];

	if ((cfg = config_open(&(struct config_opts){ o->conf_path,
	    o->settings_dir, 1 }, err, sizeof(err))) == NULL) {
		log_error("SIGHUP: settings not reloaded, keeping the old "
		    "ones: %s", err);
		return NULL;
	}
	log_reopen();
	proc_log_setup(cfg, o->verbose);
	log_info("SIGHUP: log settings reloaded (log_level %s%s)",
	    config_str(cfg, "log_level"), o->verbose ? ", -v wins" : "");
	return cfg;
}

int
proc_log_reload(const struct proc_opts *o)
{
	struct config	*cfg = proc_settings_reload(o);

	config_free(cfg);
	return cfg != NULL ? 0 : -1;
}

/* A worker's SIGHUP: log settings, then what the worker's hook takes. */
static void
proc_on_hup(struct proc_rt *rt)
{
	struct config	*cfg = proc_settings_reload(&rt->opts);

	if (cfg == NULL)
		return;
	if (rt->p.reload != NULL)
		rt->p.reload(rt->p.hook_arg, cfg);
	config_free(cfg);
}

int
proc_main(const struct proc_role *role, const struct proc_opts *o)
{
	struct proc_rt	*rt = xcalloc(1, sizeof(*rt));
	struct proc	*p = &rt->p;
	char		 err[512];
	int		 code;

	log_init(role->name, o->foreground, o->verbose ? LOG_LVL_DEBUG :
	    LOG_LVL_INFO, LOG_FMT_LOGFMT);
	prctl(PR_SET_NAME, role->title);
	rt->opts = *o;
	p->role = role->name;
	p->started_ms = util_mono_ms();
	if ((p->cfg = config_open(&(struct config_opts){ o->conf_path,
	    o->settings_dir, 1 }, err, sizeof(err))) == NULL)
		fatal_config("%s", err);
	proc_log_setup(p->cfg, o->verbose);
	p->run_dir = config_str(p->cfg, "run_dir");
	if ((p->base = event_base_new()) == NULL)
		fatal("event_base_new failed");
	proc_watch_parent(rt);
	proc_signals(rt);
	p->ipc = ipc_new(p->base, p->run_dir, role->name);
	log_debug("starting %s (pid %d)", role->name, (int)getpid());
	code = role->main(p);
	log_info("stopped (exit %d)", code);
	ipc_free(p->ipc);
	/*
	 * Every socket is closed: let nng stop its threads and free what they
	 * still held (messages in flight), so that a leak checker sees only ours.
	 */
	nng_fini();
	if (rt->ready_timer != NULL)
		event_free(rt->ready_timer);
	if (rt->parent_timer != NULL)
		event_free(rt->parent_timer);
	event_free(rt->sigterm);
	event_free(rt->sigint);
	event_free(rt->sighup);
	event_base_free(p->base);
	config_free(p->cfg);
	free(rt);
	return code;
}
