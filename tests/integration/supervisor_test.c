/*
 * Integration tests of the process tree, against the real terap2pd: all
 * four workers READY and answering Health and Stats over IPC; each worker
 * killed with SIGKILL comes back ready in under a second while the others
 * keep their pids; SIGTERM stops everything with status 0 within 5 s; a
 * broken setting gives one clear line and exit code 2 with no respawn
 * loop; workers die with the supervisor; two supervisors with different
 * data_dir run side by side, and two with the same one do not.  `-n`
 * refuses, with exit 2 and one line naming the key, every value a worker
 * would refuse at start (tests/config/bad_n/, one bad value a file).  ps
 * shows each process as "terap2p: <role> [<settings file>]".
 */
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

static const char	*roles[] = { "gossip", "kafka", "bans", "api" };
#define NROLES	4
#define READY_MS	15000

static int
alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

static void
wait_ready(struct daemon *d)
{
	ck_assert_msg(h_wait_log(d, "supervisor", "msg=\"ready\"", READY_MS) == 0,
	    "daemon not ready; log:\n%s", d->log ? d->log : "");
}

START_TEST(all_workers_ready_and_answer)
{
	Tp__HealthReq	 hr = TP__HEALTH_REQ__INIT;
	Tp__StatsReq	 sr = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep, *st;
	struct daemon	 d;
	char		 name[32];
	pid_t		 pids[NROLES];
	size_t		 i, k;
	int		 status, found;

	h_start(&d, NULL);
	wait_ready(&d);
	st = h_status(&d);
	ck_assert_ptr_nonnull(st);
	ck_assert(st->sup_status_rep->ready);
	ck_assert_int_eq(st->sup_status_rep->pid, d.pid);
	ck_assert_uint_eq(st->sup_status_rep->n_workers, NROLES);
	ipc_env_free(st);
	for (i = 0; i < NROLES; i++) {
		pids[i] = h_worker_pid(&d, roles[i]);
		ck_assert_int_gt(pids[i], 0);
		snprintf(name, sizeof(name), "%s.rep", roles[i]);
		req.body_case = TP__ENVELOPE__BODY_HEALTH_REQ;
		req.health_req = &hr;
		rep = h_call(&d, name, &req);
		ck_assert_msg(rep != NULL, "%s did not answer Health", roles[i]);
		ck_assert_int_eq(rep->body_case, TP__ENVELOPE__BODY_HEALTH_REP);
		ck_assert_str_eq(rep->health_rep->role, roles[i]);
		ck_assert_int_eq(rep->health_rep->pid, pids[i]);
		ck_assert_str_eq(rep->sender, roles[i]);
		ipc_env_free(rep);
		req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
		req.stats_req = &sr;
		rep = h_call(&d, name, &req);
		ck_assert_ptr_nonnull(rep);
		for (k = 0, found = 0; k < rep->stats_rep->n_stats; k++) {
			Tp__Stat	*s = rep->stats_rep->stats[k];

			if (strcmp(s->name, "uptime_ms") == 0)
				found += s->value > 0;
			if (strcmp(s->name, "ipc_requests") == 0)
				found += s->value >= 2;	/* Health + Stats */
		}
		ck_assert_msg(found == 2, "%s: bad Stats", roles[i]);
		ipc_env_free(rep);
	}
	for (i = 0; i < NROLES; i++)
		for (k = i + 1; k < NROLES; k++)
			ck_assert_int_ne(pids[i], pids[k]);
	kill(d.pid, SIGTERM);
	status = h_wait_exit(&d, 5000);
	ck_assert_msg(status != -1, "still running 5 s after SIGTERM");
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	for (i = 0; i < NROLES; i++)
		ck_assert_msg(!alive(pids[i]), "%s outlived the supervisor",
		    roles[i]);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "asking every worker "
	    "to shut down"), 1);
	ck_assert_msg(h_count_log(&d, "supervisor", "exited with code 0") ==
	    NROLES, "not every worker exited 0:\n%s", h_log_tail(&d));
	h_cleanup(&d);
}
END_TEST

START_TEST(killed_workers_come_back_fast)
{
	struct daemon	d;
	pid_t		before[NROLES], now;
	uint64_t	t0, took;
	size_t		i, k;

	h_start(&d, NULL);
	wait_ready(&d);
	for (i = 0; i < NROLES; i++)
		before[i] = h_worker_pid(&d, roles[i]);
	for (i = 0; i < NROLES; i++) {
		ck_assert_int_eq(kill(before[i], SIGKILL), 0);
		t0 = util_mono_ms();
		do {
			usleep(10000);
			now = h_worker_pid(&d, roles[i]);
		} while ((now == 0 || now == before[i]) &&
		    util_mono_ms() - t0 < 5000);
		took = util_mono_ms() - t0;
		ck_assert_msg(now != 0 && now != before[i],
		    "%s not back", roles[i]);
		ck_assert_msg(took < 1000, "%s took %llu ms to be ready again",
		    roles[i], (unsigned long long)took);
		for (k = 0; k < NROLES; k++)
			if (k != i)
				ck_assert_int_eq(h_worker_pid(&d, roles[k]),
				    before[k]);
		before[i] = now;
		fprintf(stderr, "  %s back in %llu ms\n", roles[i],
		    (unsigned long long)took);
	}
	ck_assert_int_eq(h_count_log(&d, "supervisor", "killed by signal 9"),
	    NROLES);
	h_stop(&d);
}
END_TEST

/* pid's command line as ps shows it: NULs between words as spaces. */
static void
cmdline(pid_t pid, char *out, size_t len)
{
	char	path[64];
	ssize_t	n;
	int	fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	n = read(fd, out, len - 1);
	close(fd);
	ck_assert_int_gt(n, 0);
	while (n > 0 && out[n - 1] == '\0')
		n--;
	out[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
}

/*
 * ps names every process for its role and the settings file it runs on,
 * a worker restarted after a crash too (the title borrows the room of the
 * environment, which the workers still read: they report READY).
 */
START_TEST(ps_titles_name_role_and_settings_file)
{
	struct daemon	d;
	char		conf_abs[PATH_MAX], want[PATH_MAX + 64];
	char		got[PATH_MAX + 64];
	pid_t		pid, old;
	size_t		i;
	uint64_t	t0;

	h_start(&d, NULL);
	wait_ready(&d);
	ck_assert_ptr_nonnull(realpath(d.conf, conf_abs));
	snprintf(want, sizeof(want), "terap2p: supervisor [%s]", conf_abs);
	cmdline(d.pid, got, sizeof(got));
	ck_assert_str_eq(got, want);
	for (i = 0; i < NROLES; i++) {
		snprintf(want, sizeof(want), "terap2p: %s [%s]", roles[i],
		    conf_abs);
		cmdline(h_worker_pid(&d, roles[i]), got, sizeof(got));
		ck_assert_str_eq(got, want);
	}
	old = h_worker_pid(&d, "gossip");
	ck_assert_int_eq(kill(old, SIGKILL), 0);
	t0 = util_mono_ms();
	while (((pid = h_worker_pid(&d, "gossip")) == 0 || pid == old) &&
	    util_mono_ms() - t0 < 5000)
		usleep(10000);
	ck_assert_msg(pid != 0 && pid != old, "gossip not back");
	snprintf(want, sizeof(want), "terap2p: gossip [%s]", conf_abs);
	cmdline(pid, got, sizeof(got));
	ck_assert_str_eq(got, want);
	h_stop(&d);
}
END_TEST

START_TEST(bad_setting_exits_2_with_one_line)
{
	struct daemon	d;
	int		status;

	h_start(&d, "p2p_port = abc");
	status = h_wait_exit(&d, 5000);
	ck_assert(status != -1 && WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_eq(h_count_log(&d, "supervisor",
	    "p2p_port: 'abc' is not an integer"), 1);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "started worker"), 0);
	ck_assert_ptr_nonnull(d.log);
	ck_assert_msg(strchr(d.log, '\n') == d.log + d.len - 1,
	    "want exactly one line, got:\n%s", d.log);
	h_cleanup(&d);
}
END_TEST

/*
 * The settings file goes bad while running (an operator's edit) and then a
 * worker dies: its replacement fails with exit code 2, so the supervisor
 * must not respawn it but stop everything and exit 2 with the message.
 */
START_TEST(worker_config_error_is_not_respawned)
{
	struct daemon	 d;
	FILE		*fp;
	pid_t		 gossip;
	int		 status;

	h_start(&d, NULL);
	wait_ready(&d);
	gossip = h_worker_pid(&d, "gossip");
	fp = fopen(d.conf, "a");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "p2p_block_topic =\n");
	fclose(fp);
	kill(gossip, SIGKILL);
	status = h_wait_exit(&d, 8000);
	ck_assert_msg(status != -1, "supervisor still running");
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_eq(h_count_log(&d, "supervisor",
	    "started worker gossip"), 2);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "worker gossip: "
	    "p2p_block_topic not set in config; not restarting"), 1);
	ck_assert_int_eq(h_count_log(&d, "supervisor", "stopped: worker "
	    "gossip: p2p_block_topic not set in config"), 1);
	h_cleanup(&d);
}
END_TEST

START_TEST(workers_die_with_the_supervisor)
{
	struct daemon	d;
	pid_t		pids[NROLES];
	uint64_t	t0;
	size_t		i, left;

	h_start(&d, NULL);
	wait_ready(&d);
	for (i = 0; i < NROLES; i++)
		pids[i] = h_worker_pid(&d, roles[i]);
	kill(d.pid, SIGKILL);
	waitpid(d.pid, NULL, 0);
	d.pid = 0;
	t0 = util_mono_ms();
	do {
		usleep(20000);
		for (i = 0, left = 0; i < NROLES; i++)
			left += alive(pids[i]);
	} while (left > 0 && util_mono_ms() - t0 < 3000);
	ck_assert_msg(left == 0, "%zu workers outlived a killed supervisor",
	    left);
	h_cleanup(&d);
}
END_TEST

START_TEST(two_supervisors_side_by_side)
{
	struct daemon	a, b, c;
	int		status;

	h_start(&a, NULL);
	h_start(&b, NULL);
	wait_ready(&a);
	wait_ready(&b);
	ck_assert_int_ne(h_worker_pid(&a, "bans"), h_worker_pid(&b, "bans"));
	/* a third on a's data_dir is refused (2: do not restart it), and a
	 * keeps running */
	h_start_in(&c, a.dir, NULL);
	status = h_wait_exit(&c, 5000);
	ck_assert(status != -1 && WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 2);
	ck_assert_int_eq(h_count_log(&c, "supervisor", "already uses"), 1);
	free(c.log);
	if (c.out_fd >= 0)
		close(c.out_fd);
	ck_assert_int_gt(h_worker_pid(&a, "gossip"), 0);
	h_stop(&a);
	ck_assert_int_gt(h_worker_pid(&b, "gossip"), 0);
	h_stop(&b);
}
END_TEST

START_TEST(print_config_matches_golden)
{
	const char	*argv[] = { h_binary(), "-n", "-f",
			    "tests/config/2.conf", NULL };
	const char	*bad[] = { h_binary(), "-n", "-f",
			    "tests/config/bad/listen_mode.conf", NULL };
	static char	 out[16384], want[16384];
	FILE		*fp;
	size_t		 n;
	int		 status;

	status = h_run(argv, out, sizeof(out));
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fp = fopen("tests/config/2.expected", "r");
	ck_assert_ptr_nonnull(fp);
	n = fread(want, 1, sizeof(want) - 1, fp);
	want[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(out, want);
	status = h_run(bad, out, sizeof(out));
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	ck_assert_str_eq(out, "");
}
END_TEST

/* terap2pd -n -s none -f path: its stderr in err; the exit status. */
static int
check_file(const char *path, char *err, size_t len)
{
	int	pfd[2], status;
	size_t	n = 0;
	ssize_t	r;
	pid_t	pid;

	ck_assert_int_eq(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execl(h_binary(), "terap2pd", "-n", "-s", "none", "-f", path,
		    (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (n + 1 < len && (r = read(pfd[0], err + n, len - n - 1)) > 0)
		n += (size_t)r;
	err[n] = '\0';
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(check_refuses_what_workers_refuse)
{
	DIR		*dir = opendir("tests/config/bad_n");
	struct dirent	*de;
	char		 path[300], want[600], err[1024];
	FILE		*fp;
	int		 n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir)) != NULL) {
		if (strstr(de->d_name, ".conf") == NULL)
			continue;
		snprintf(path, sizeof(path), "tests/config/bad_n/%s",
		    de->d_name);
		fp = fopen(path, "r");
		ck_assert_ptr_nonnull(fp);
		ck_assert_ptr_nonnull(fgets(want, sizeof(want), fp));
		fclose(fp);
		ck_assert_msg(strncmp(want, "# expect: ", 10) == 0,
		    "%s lacks '# expect:'", path);
		want[strcspn(want, "\n")] = '\0';
		ck_assert_msg(check_file(path, err, sizeof(err)) == 2,
		    "%s: -n did not exit 2 (%s)", path, err);
		/* one line, "terap2pd: " and the expected text (a prefix:
		 * OpenSSL's own words vary with its version) */
		ck_assert_msg(strncmp(err, "terap2pd: ", 10) == 0 &&
		    strncmp(err + 10, want + 10, strlen(want + 10)) == 0,
		    "%s: got '%s', want '%s'", path, err, want + 10);
		ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
		ck_assert_ptr_null(strstr(err, "s3cret"));
		n++;
	}
	closedir(dir);
	ck_assert_int_ge(n, 11);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("supervisor (integration)");
	TCase	*tc = tcase_create("process tree");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, all_workers_ready_and_answer);
	tcase_add_test(tc, killed_workers_come_back_fast);
	tcase_add_test(tc, ps_titles_name_role_and_settings_file);
	tcase_add_test(tc, bad_setting_exits_2_with_one_line);
	tcase_add_test(tc, worker_config_error_is_not_respawned);
	tcase_add_test(tc, workers_die_with_the_supervisor);
	tcase_add_test(tc, two_supervisors_side_by_side);
	tcase_add_test(tc, print_config_matches_golden);
	tcase_add_test(tc, check_refuses_what_workers_refuse);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
