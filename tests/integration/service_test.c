/*
 * Integration tests of terap2p as a system service, against the real
 * terap2pd and the real Makefile: the supervisor's sd_notify READY=1 reaches
 * a NOTIFY_SOCKET the test listens on (as systemd's would); SIGHUP switches
 * the log level of the supervisor and of every worker, and a broken settings
 * file at SIGHUP is refused whole while the node keeps running; SIGHUP
 * gives the api worker a new api_key; `make
 * install` twice keeps an operator's edited settings and writes .dist beside
 * them, `make uninstall` removes what install wrote; the systemd unit passes
 * `systemd-analyze verify` when that tool is there.  terap2pd stays in the
 * foreground by default (the harness passes no flag; its lines arrive on
 * stderr) and `-D` daemonizes.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tp.h"
#include "util.h"

#define READY_MS	15000

static void
wait_ready(struct daemon *d)
{
	ck_assert_msg(h_wait_log(d, "supervisor", "msg=\"ready\"", READY_MS) == 0,
	    "daemon not ready; log:\n%s", d->log ? d->log : "");
}

/* Everything received on fd until a datagram containing want, or timeout. */
static int
recv_until(int fd, const char *want, int ms, char *all, size_t len)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		buf[512];
	ssize_t		n;

	all[0] = '\0';
	while (util_mono_ms() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		strncat(all, buf, len - strlen(all) - 2);
		strcat(all, "|");
		if (strstr(buf, want) != NULL)
			return 0;
	}
	return -1;
}

START_TEST(sd_notify_ready_reaches_notify_socket)
{
	struct sockaddr_un	sun;
	struct daemon		d;
	char			path[108], got[2048];
	int			fd;

	snprintf(path, sizeof(path), "/tmp/tp-notify-%d.sock", (int)getpid());
	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	h_env_pass("NOTIFY_SOCKET");
	h_start(&d, NULL);
	ck_assert_msg(recv_until(fd, "READY=1", READY_MS, got, sizeof(got))
	    == 0, "no READY=1 on NOTIFY_SOCKET; got '%s'; log:\n%s", got,
	    d.log ? d.log : "");
	wait_ready(&d);
	/* READY=1 only once every worker is ready: the log says so first */
	ck_assert_int_eq(h_count_log(&d, "supervisor", "worker api ready"), 1);
	kill(d.pid, SIGTERM);
	ck_assert_msg(recv_until(fd, "STOPPING=1", 10000, got, sizeof(got))
	    == 0, "no STOPPING=1; got '%s'", got);
	h_stop(&d);
	close(fd);
	unlink(path);
}
END_TEST

static const char	*procs[] = { "supervisor", "gossip", "kafka", "bans",
			    "api" };
#define NPROCS	5

/* Lines containing text, summed over the supervisor and every worker. */
static int
count_all(struct daemon *d, const char *text)
{
	int	i, n = 0;

	for (i = 0; i < NPROCS; i++)
		n += h_count_log(d, procs[i], text);
	return n;
}

static int
tcp_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Rewrite the daemon's settings with the line of key replaced. */
static void
conf_set(struct daemon *d, const char *key, const char *value)
{
	static char	 buf[16384];
	FILE		*fp = fopen(d->conf, "r");
	char		*at, *eol, want[128];
	size_t		 n;

	ck_assert_ptr_nonnull(fp);
	buf[0] = '\n';
	n = fread(buf + 1, 1, sizeof(buf) - 2, fp);
	buf[n + 1] = '\0';
	fclose(fp);
	snprintf(want, sizeof(want), "\n%s = ", key);
	at = strstr(buf, want);
	ck_assert_ptr_nonnull(at);
	eol = strchr(at + 1, '\n');
	ck_assert_ptr_nonnull(eol);
	fp = fopen(d->conf, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "%.*s%s%s%s", (int)(at + 1 - (buf + 1)), buf + 1, want + 1,
	    value, eol);
	fclose(fp);
}

static void
conf_set_level(struct daemon *d, const char *level)
{
	conf_set(d, "log_level", level);
}

START_TEST(sighup_changes_the_log_level)
{
	struct daemon		 d;
	uint64_t		 end;
	char			 extra[128];
	int			 port = h_free_port(), fd;

	snprintf(extra, sizeof(extra), "log_level = info\np2p_port = %d", port);
	h_start(&d, extra);
	wait_ready(&d);
	ck_assert_int_eq(count_all(&d, "level=debug"), 0);
	/* a broken file is refused whole: still info, still running */
	conf_set_level(&d, "loud");
	kill(d.pid, SIGHUP);
	ck_assert_msg(h_wait_log(&d, "supervisor", "settings not reloaded",
	    5000) == 0, "no refusal; log:\n%s", d.log);
	ck_assert_int_eq(kill(d.pid, 0), 0);
	close(tcp_connect(port));
	ck_assert_int_eq(count_all(&d, "level=debug"), 0);
	/* a good file: debug lines from the supervisor and every worker */
	conf_set_level(&d, "debug");
	kill(d.pid, SIGHUP);
	ck_assert_msg(h_wait_log(&d, "supervisor", "log settings reloaded",
	    5000) == 0, "no reload; log:\n%s", d.log);
	end = util_mono_ms() + (uint64_t)h_ms(5000);
	while (count_all(&d, "reloaded (log_level debug") < NPROCS &&
	    util_mono_ms() < end)
		h_wait_log(&d, "supervisor", "no such line", 100);
	ck_assert_msg(count_all(&d, "reloaded (log_level debug") == NPROCS,
	    "not every process reloaded; log:\n%s", d.log);
	/* an inbound TCP connection is a debug line of gossip's */
	fd = tcp_connect(port);
	ck_assert_msg(h_wait_log(&d, "gossip", "inbound connection from",
	    5000) == 0, "no debug line after SIGHUP");
	close(fd);
	h_stop(&d);
}
END_TEST

/* POST a ban with key; the HTTP status. */
static int
post_ban(int port, const char *key, const char *addr)
{
	char		 url[64], hdr[96], body[96], out[64];
	const char	*argv[] = { "/usr/bin/curl", "-s", "-o", "/dev/null",
			    "-w", "%{http_code}", "-m", "10", "-H", hdr, "-d",
			    body, url, NULL };

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/bans", port);
	snprintf(hdr, sizeof(hdr), "x-api-key: %s", key);
	snprintf(body, sizeof(body), "{\"addr\":\"%s\"}", addr);
	ck_assert_int_eq(h_run(argv, out, sizeof(out)), 0);
	return atoi(out);
}

/*
 * SIGHUP gives the api worker a new api_key at once: the old key is refused
 * from then on, the new one accepted; a broken file changes nothing.
 */
START_TEST(sighup_reloads_the_api_key)
{
	struct daemon	d;
	char		extra[160];
	int		port = h_free_port();

	snprintf(extra, sizeof(extra), "log_level = info\napi_key = old-key\n"
	    "p2p_httpListenAddress = 127.0.0.1:%d", port);
	h_start(&d, extra);
	wait_ready(&d);
	ck_assert_int_eq(post_ban(port, "old-key", "192.0.2.1"), 201);
	ck_assert_int_eq(post_ban(port, "new-key", "192.0.2.2"), 401);
	conf_set(&d, "api_key", "new-key");
	kill(d.pid, SIGHUP);
	ck_assert_msg(h_wait_log(&d, "api", "SIGHUP: api_key changed", 5000) ==
	    0, "no api_key reload; log:\n%s", d.log);
	ck_assert_int_eq(post_ban(port, "old-key", "192.0.2.3"), 401);
	ck_assert_int_eq(post_ban(port, "new-key", "192.0.2.4"), 201);
	/* a file that does not load: the key stays */
	conf_set(&d, "api_key", "newest-key");
	conf_set_level(&d, "loud");
	kill(d.pid, SIGHUP);
	ck_assert_msg(h_wait_log(&d, "supervisor", "settings not reloaded",
	    5000) == 0, "no refusal; log:\n%s", d.log);
	ck_assert_int_eq(post_ban(port, "newest-key", "192.0.2.5"), 401);
	ck_assert_int_eq(post_ban(port, "new-key", "192.0.2.6"), 201);
	h_stop(&d);
}
END_TEST

START_TEST(daemonizes_with_D)
{
	struct daemon	 d;
	char		 path[256], buf[32], cmd[512];
	int		 status, i;
	pid_t		 pid, daemon_pid = 0;
	FILE		*fp;

	/* write the settings, stop the foreground node, start it with -D */
	h_start(&d, NULL);
	wait_ready(&d);
	kill(d.pid, SIGTERM);
	ck_assert_int_ne(h_wait_exit(&d, 10000), -1);
	snprintf(path, sizeof(path), "%s/terap2pd.pid", d.run_dir);
	unlink(path);
	snprintf(cmd, sizeof(cmd), "%s -D -f %s >%s/out 2>&1", h_binary(),
	    d.conf, d.dir);
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 150 && daemon_pid <= 0; i++) {
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(buf, sizeof(buf), fp) != NULL)
				daemon_pid = (pid_t)atoi(buf);
			fclose(fp);
		}
		if (daemon_pid <= 0)
			usleep(100000);
	}
	ck_assert_int_gt(daemon_pid, 0);
	ck_assert_int_eq(kill(daemon_pid, 0), 0);
	ck_assert_int_ne(daemon_pid, pid);
	ck_assert_int_eq(kill(daemon_pid, SIGTERM), 0);
	for (i = 0; i < 100 && kill(daemon_pid, 0) == 0; i++)
		usleep(100000);
	ck_assert_int_ne(kill(daemon_pid, 0), 0);
	/* after daemon() nothing is written to the old stderr */
	snprintf(path, sizeof(path), "%s/out", d.dir);
	fp = fopen(path, "r");
	ck_assert_ptr_nonnull(fp);
	i = (int)fread(cmd, 1, sizeof(cmd) - 1, fp);
	cmd[i > 0 ? i : 0] = '\0';
	fclose(fp);
	ck_assert_msg(strstr(cmd, "ready") == NULL, "logged to stderr: %s", cmd);
	h_cleanup(&d);
}
END_TEST

/* make -s <target> PREFIX=/usr/local DESTDIR=dir VARIANT=<ours>; status. */
static int
run_make(const char *target, const char *destdir)
{
	char	cmd[1024], variant[64] = "release";
	const char *b = h_binary(), *v;

	/* build/<variant>/terap2pd: install what is being tested */
	if ((v = strstr(b, "build/")) != NULL)
		sscanf(v + 6, "%63[^/]", variant);
	snprintf(cmd, sizeof(cmd), "make -s --no-print-directory %s "
	    "VARIANT=%s PREFIX=/usr/local DESTDIR=%s >/dev/null", target,
	    variant, destdir);
	return system(cmd);
}

static int
exists(const char *dir, const char *rel)
{
	char	path[512];

	snprintf(path, sizeof(path), "%s%s", dir, rel);
	return access(path, F_OK) == 0;
}

START_TEST(install_keeps_edited_config_and_uninstalls)
{
	static const char	*files[] = { "/usr/local/sbin/terap2pd",
	    "/usr/local/bin/terap2pctl",
	    "/usr/local/lib/systemd/system/terap2p.service",
	    "/usr/local/share/doc/terap2p/LICENSE",
	    "/usr/local/etc/terap2p/terap2p.conf" };
	char	dir[] = "/tmp/tp-install-XXXXXX", conf[512];
	static char buf[65536];
	FILE	*fp;
	size_t	i, n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(run_make("install", dir), 0);
	for (i = 0; i < TP_ARRAY_LEN(files); i++)
		ck_assert_msg(exists(dir, files[i]), "%s missing", files[i]);
	ck_assert(!exists(dir, "/usr/local/etc/terap2p/terap2p.conf.dist"));
	/* unedited: a second install changes nothing and writes no .dist */
	ck_assert_int_eq(run_make("install", dir), 0);
	ck_assert(!exists(dir, "/usr/local/etc/terap2p/terap2p.conf.dist"));
	snprintf(conf, sizeof(conf), "%s/usr/local/etc/terap2p/terap2p.conf",
	    dir);
	fp = fopen(conf, "a");
	ck_assert_ptr_nonnull(fp);
	fputs("log_level = debug # the operator's edit\n", fp);
	fclose(fp);
	ck_assert_int_eq(run_make("install", dir), 0);
	fp = fopen(conf, "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	ck_assert_ptr_nonnull(strstr(buf, "the operator's edit"));
	ck_assert(exists(dir, "/usr/local/etc/terap2p/terap2p.conf.dist"));
	/* the installed binary reads the installed settings by default */
	ck_assert_ptr_nonnull(strstr(buf, "data_dir = /var/lib/terap2p"));
	ck_assert_int_eq(run_make("uninstall", dir), 0);
	for (i = 0; i + 1 < TP_ARRAY_LEN(files); i++)
		ck_assert_msg(!exists(dir, files[i]), "%s left", files[i]);
	ck_assert(!exists(dir, "/usr/local/etc/terap2p/terap2p.conf.dist"));
	ck_assert_msg(exists(dir, files[4]), "the edited settings went");
	unlink(conf);
	ck_assert_int_eq(run_make("install", dir), 0);
	ck_assert_int_eq(run_make("uninstall", dir), 0);
	ck_assert_msg(!exists(dir, files[4]), "unedited settings left");
	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	ck_assert_int_eq(system(buf), 0);
}
END_TEST

START_TEST(installed_binary_finds_installed_config)
{
	char	out[4096];
	const char *argv[] = { NULL, "-h", NULL };

	argv[0] = h_binary();
	ck_assert_int_eq(h_run(argv, out, sizeof(out)), 0);
	/* PREFIX=/usr/local: the default the Makefile built in */
	ck_assert_msg(strstr(out, "/usr/local/etc/terap2p/terap2p.conf")
	    != NULL, "help: %s", out);
}
END_TEST

START_TEST(systemd_unit_verifies)
{
	char	dir[] = "/tmp/tp-unit-XXXXXX", cmd[1024];
	int	rc;

	if (system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
		printf("systemd-analyze not found: unit not verified\n");
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(run_make("install", dir), 0);
	/* point ExecStart at the DESTDIR copy so verify finds the binary */
	snprintf(cmd, sizeof(cmd), "sed -i 's|=/usr/local/|=%s/usr/local/|' "
	    "%s/usr/local/lib/systemd/system/terap2p.service && "
	    "systemd-analyze verify %s/usr/local/lib/systemd/system/"
	    "terap2p.service", dir, dir, dir);
	rc = system(cmd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(rc == 0, "systemd-analyze verify failed (%d)", rc);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("service (integration)");
	TCase	*tc = tcase_create("systemd, SIGHUP, install");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sd_notify_ready_reaches_notify_socket);
	tcase_add_test(tc, sighup_changes_the_log_level);
	tcase_add_test(tc, sighup_reloads_the_api_key);
	tcase_add_test(tc, install_keeps_edited_config_and_uninstalls);
	tcase_add_test(tc, installed_binary_finds_installed_config);
	tcase_add_test(tc, systemd_unit_verifies);
	tcase_add_test(tc, daemonizes_with_D);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
