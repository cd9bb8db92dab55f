/*
 * terap2pd: the one binary of terap2p.  Without -R it is the supervisor;
 * with `-R <role>` it is one worker, re-executed by the supervisor (or run
 * alone for debugging: `terap2pd -R bans -f etc/terap2p.conf`).  The
 * table of roles below is the only place that lists the workers.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "proc_main.h"
#include "supervisor.h"
#include "tp.h"
#include "util.h"

#ifndef TP_CONF_DEFAULT
#define TP_CONF_DEFAULT	"/etc/terap2p/terap2p.conf"
#endif

const struct proc_role sup_roles[] = {
	{ "gossip",	"terap2p: gossip",	gossip_main },
	{ "kafka",	"terap2p: kafka",	kafka_main },
	{ "bans",	"terap2p: bans",	bans_main },
	{ "api",	"terap2p: api",		api_main },
};
const size_t sup_nroles = TP_ARRAY_LEN(sup_roles);

/* To stdout with exit 0 when asked for (-h), else to stderr with exit 2. */
static void
usage(FILE *out, int code)
{
	fprintf(out,
	    "usage: terap2pd [-dDhnvV] [-f file] [-s dir] [-R role]\n"
	    "  -f file  settings file (default %s if it exists,\n"
	    "           else the embedded defaults)\n"
	    "  -s dir   folder of Teranode's settings.conf and settings_local.conf\n"
	    "           (default: teranode_settings_dir, else searched from the\n"
	    "           executable's and the working folder upwards; none: skip)\n"
	    "  -D       daemonize and log to syslog (default: stay in the\n"
	    "           foreground and log to stderr, as systemd expects)\n"
	    "  -d       foreground (the default; kept for old scripts)\n"
	    "  -v       verbose (debug) logging\n"
	    "  -n       check the settings, print each with its origin (secrets\n"
	    "           masked), exit\n"
	    "  -R role  run one worker: gossip, kafka, bans or api\n"
	    "  -V, --version  print the version\n"
	    "  -h, --help     print this help\n", TP_CONF_DEFAULT);
	exit(code);
}

static const struct proc_role *
role_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sup_nroles; i++)
		if (strcmp(sup_roles[i].name, name) == 0)
			return &sup_roles[i];
	return NULL;
}

/*
 * Overwrite argv so `ps` shows "title [settings file]" (the file made
 * absolute; no file: the title alone).  The room is argv's strings plus the
 * environment strings right after them, once the environment is copied to
 * the heap (as nginx and PostgreSQL do); a title that still does not fit is
 * cut.  Nothing may point into argv or the original environment after this.
 */
static void
set_title(int argc, char **argv, const char *title, const char *conf)
{
	extern char	**environ;
	static char	**heap_env;	/* stays reachable if setenv() swaps it */
	static char	  conf_abs[PATH_MAX];
	char		 *end = argv[argc - 1] + strlen(argv[argc - 1]);
	char		**env, full[PATH_MAX + 64];
	size_t		  i, n, room;

	if (conf != NULL && realpath(conf, conf_abs) != NULL)
		conf = conf_abs;
	for (n = 0; environ[n] != NULL; n++)
		;
	env = xcalloc(n + 1, sizeof(*env));
	for (i = 0; i < n; i++) {
		if (environ[i] == end + 1)
			end = environ[i] + strlen(environ[i]);
		env[i] = xstrdup(environ[i]);
	}
	environ = heap_env = env;
	if (conf != NULL)
		snprintf(full, sizeof(full), "%s [%s]", title, conf);
	else
		snprintf(full, sizeof(full), "%s", title);
	room = (size_t)(end - argv[0]);
	memset(argv[0], 0, room);
	memcpy(argv[0], full, strlen(full) < room ? strlen(full) : room);
}

static int
check_config(const struct proc_opts *o)
{
	struct config	*cfg;
	char		 err[512];

	if ((cfg = config_open(&(struct config_opts){ o->conf_path,
	    o->settings_dir, 1 }, err, sizeof(err))) == NULL) {
		fprintf(stderr, "terap2pd: %s\n", err);
		return TP_EXIT_CONFIG;
	}
	/* what the workers would refuse after every one of them started */
	if (gossip_check(cfg, err, sizeof(err)) == -1 ||
	    bans_check(cfg, err, sizeof(err)) == -1 ||
	    api_check(cfg, err, sizeof(err)) == -1) {
		fprintf(stderr, "terap2pd: %s\n", err);
		config_free(cfg);
		return TP_EXIT_CONFIG;
	}
	config_print(cfg, stdout);
	config_free(cfg);
	return TP_EXIT_OK;
}

int
main(int argc, char **argv)
{
	struct sup_args		 a;
	const struct proc_role	*role = NULL;
	static char		 exe[PATH_MAX], conf[PATH_MAX], sdir[PATH_MAX];
	ssize_t			 n;
	int			 ch, check = 0;

	memset(&a, 0, sizeof(a));
	a.o.foreground = 1;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0)
			usage(stdout, TP_EXIT_OK);
		if (strcmp(argv[i], "--version") == 0) {
			printf("terap2pd %s\n", TP_VERSION);
			return TP_EXIT_OK;
		}
	}
	while ((ch = getopt(argc, argv, "dDf:hnR:s:vV")) != -1) {
		switch (ch) {
		case 'd':
			a.o.foreground = 1;
			break;
		case 'D':
			a.o.foreground = 0;
			break;
		case 'f':
			/* argv is overwritten by set_title: keep a copy */
			snprintf(conf, sizeof(conf), "%s", optarg);
			a.o.conf_path = conf;
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			snprintf(sdir, sizeof(sdir), "%s", optarg);
			a.o.settings_dir = sdir;
			break;
		case 'R':
			if ((role = role_find(optarg)) == NULL) {
				fprintf(stderr, "terap2pd: unknown role '%s' "
				    "(gossip, kafka, bans, api)\n", optarg);
				return TP_EXIT_CONFIG;
			}
			break;
		case 'v':
			a.o.verbose = 1;
			break;
		case 'V':
			printf("terap2pd %s\n", TP_VERSION);
			return TP_EXIT_OK;
		case 'h':
			usage(stdout, TP_EXIT_OK);
			break;
		default:
			usage(stderr, TP_EXIT_CONFIG);
		}
	}
	if (optind != argc)
		usage(stderr, TP_EXIT_CONFIG);
	if (a.o.conf_path == NULL && access(TP_CONF_DEFAULT, F_OK) == 0)
		a.o.conf_path = TP_CONF_DEFAULT;
	if (check)
		return check_config(&a.o);
	if (role != NULL) {
		set_title(argc, argv, role->title, a.o.conf_path);
		return proc_main(role, &a.o);
	}
	log_init("supervisor", 1, a.o.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO,
	    LOG_FMT_LOGFMT);
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1) {
		log_error("readlink /proc/self/exe: %s", strerror(errno));
		return TP_EXIT_RUNTIME;
	}
	exe[n] = '\0';
	a.self_exe = exe;
	set_title(argc, argv, "terap2p: supervisor", a.o.conf_path);
	return supervisor_main(&a);
}
