/*
 * Integration-test harness (see harness.h).  Starts the daemon with a
 * clean environment so the host's variables cannot change its settings.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

extern char	**environ;

int
h_ms(int ms)
{
	const char	*m = getenv("CK_TIMEOUT_MULTIPLIER");
	double		 f = m != NULL ? atof(m) : 1.0;

	return f > 1.0 && f < 100.0 ? (int)(ms * f) : ms;
}

const char *
h_binary(void)
{
	const char	*b = getenv("TERAP2PD");

	return b != NULL ? b : "build/release/terap2pd";
}

/* Names h_env_pass() added to the daemon's environment. */
static const char	*h_passed[8];
static size_t		 h_npassed;

void
h_env_pass(const char *name)
{
	ck_assert_uint_lt(h_npassed, sizeof(h_passed) / sizeof(h_passed[0]));
	h_passed[h_npassed++] = name;
}

/* A minimal environment: PATH, the sanitizers' options, h_env_pass names. */
static char **
h_env(void)
{
	static char	*env[16];
	static char	 buf[16][512];
	static const char *keep[] = { "PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS",
			    "LSAN_OPTIONS" };
	size_t		 i, n = 0;
	const char	*v, *name;

	for (i = 0; i < 4 + h_npassed; i++) {
		name = i < 4 ? keep[i] : h_passed[i - 4];
		if ((v = getenv(name)) == NULL)
			continue;
		snprintf(buf[n], sizeof(buf[n]), "%s=%s", name, v);
		env[n] = buf[n];
		n++;
	}
	env[n] = NULL;
	return env;
}

int
h_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	/*
	 * A port free on every address: some tests listen on 0.0.0.0 (to be
	 * reached from 127.0.0.5 and friends), and a port free on 127.0.0.1
	 * may be some connection's local port on another loopback address.
	 * Only bound for a moment, never listened on: nothing can reach it.
	 */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

static void
h_spawn(struct daemon *d)
{
	int	pfd[2];

	ck_assert_int_eq(pipe(pfd), 0);
	d->pid = fork();
	ck_assert_int_ne(d->pid, -1);
	if (d->pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		close(pfd[1]);
		execle(h_binary(), "terap2pd", "-d", "-f", d->conf, (char *)NULL,
		    h_env());
		_exit(127);
	}
	close(pfd[1]);
	d->out_fd = pfd[0];
	fcntl(d->out_fd, F_SETFL, O_NONBLOCK);
}

void
h_start_in(struct daemon *d, const char *dir, const char *extra)
{
	FILE	*fp;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(d->conf, sizeof(d->conf), "%s/terap2p.conf", d->dir);
	snprintf(d->run_dir, sizeof(d->run_dir), "%s/data/run", d->dir);
	if (access(d->conf, F_OK) != 0 || extra != NULL) {
		if (extra == NULL)
			extra = "";
		fp = fopen(d->conf, "w");
		ck_assert_ptr_nonnull(fp);
		fprintf(fp, "data_dir = %s/data\nshutdown_timeout = 2s\n", d->dir);
		/* loopback and free ports, unless the test sets its own */
		if (strstr(extra, "p2p_listen_addresses") == NULL)
			fprintf(fp, "p2p_listen_addresses = 127.0.0.1\n");
		if (strstr(extra, "p2p_port") == NULL)
			fprintf(fp, "p2p_port = %d\n", h_free_port());
		if (strstr(extra, "p2p_httpListenAddress") == NULL)
			fprintf(fp, "p2p_httpListenAddress = 127.0.0.1:%d\n",
			    h_free_port());
		/* no Teranode services unless the test brings (fakes of) them */
		if (strstr(extra, "blockchain_grpcAddress") == NULL)
			fprintf(fp, "blockchain_grpcAddress =\n");
		if (strstr(extra, "blockassembly_grpcAddress") == NULL)
			fprintf(fp, "blockassembly_grpcAddress =\n");
		if (strstr(extra, "p2p_grpcListenAddress") == NULL)
			fprintf(fp, "p2p_grpcListenAddress = 127.0.0.1:%d\n",
			    h_free_port());
		fprintf(fp, "%s\n", extra);
		fclose(fp);
	}
	h_spawn(d);
}

void
h_start(struct daemon *d, const char *extra)
{
	char	dir[64];

	snprintf(dir, sizeof(dir), "/tmp/tp-it-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	h_start_in(d, dir, extra != NULL ? extra : "");
}

/* Read what is there; wait up to ms for more. Returns 0 at EOF. */
static int
h_pump(struct daemon *d, int ms)
{
	struct pollfd	pfd = { d->out_fd, POLLIN, 0 };
	ssize_t		n;

	if (d->out_fd < 0)
		return 0;
	if (poll(&pfd, 1, ms) <= 0)
		return 1;
	for (;;) {
		if (d->cap - d->len < 4096) {
			d->cap = d->cap * 2 + 8192;
			d->log = realloc(d->log, d->cap);
		}
		n = read(d->out_fd, d->log + d->len, d->cap - d->len - 1);
		if (n > 0) {
			d->len += (size_t)n;
			d->log[d->len] = '\0';
			continue;
		}
		if (n == 0) {
			close(d->out_fd);
			d->out_fd = -1;
			return 0;
		}
		return 1;
	}
}

/* Find a complete line of proc containing text, from offset *from. */
static const char *
h_find(struct daemon *d, size_t *from, const char *proc, const char *text)
{
	char		 tag[48];
	const char	*line, *nl;

	snprintf(tag, sizeof(tag), "proc=%s ", proc);
	for (line = d->log + *from; d->log != NULL && *line != '\0';
	    line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			return NULL;
		if (memmem(line, (size_t)(nl - line), tag, strlen(tag)) &&
		    memmem(line, (size_t)(nl - line), text, strlen(text))) {
			*from = (size_t)(nl + 1 - d->log);
			return line;
		}
	}
	return NULL;
}

int
h_wait_log(struct daemon *d, const char *proc, const char *text, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	size_t		from;

	do {
		from = d->seen;
		if (d->log != NULL && h_find(d, &from, proc, text) != NULL) {
			d->seen = from;
			return 0;
		}
		if (!h_pump(d, 20) && d->out_fd < 0) {
			from = d->seen;
			if (d->log != NULL && h_find(d, &from, proc, text)) {
				d->seen = from;
				return 0;
			}
			return -1;
		}
	} while (util_mono_ms() < end);
	return -1;
}

const char *
h_log_tail(const struct daemon *d)
{
	if (d->log == NULL)
		return "";
	return d->len > 3000 ? d->log + d->len - 3000 : d->log;
}

void
h_wait_ready(struct daemon *d)
{
	ck_assert_msg(h_wait_log(d, "supervisor", "msg=\"ready\"",
	    H_READY_MS) == 0, "not ready:\n%s", h_log_tail(d));
}

int
h_count_log(struct daemon *d, const char *proc, const char *text)
{
	size_t	from = 0;
	int	n = 0;

	h_pump(d, 0);
	while (d->log != NULL && h_find(d, &from, proc, text) != NULL)
		n++;
	return n;
}

int
h_wait_exit(struct daemon *d, int ms)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(ms);
	int		status;
	pid_t		r;

	do {
		h_pump(d, 10);
		if ((r = waitpid(d->pid, &status, WNOHANG)) == d->pid) {
			while (h_pump(d, 50))
				;
			d->pid = 0;
			return status;
		}
	} while (util_mono_ms() < end);
	return -1;
}

ipc_env *
h_call(struct daemon *d, const char *name, const ipc_env *req)
{
	char	 url[256], err[256];
	ipc_env	*rep = NULL;

	ck_assert_int_eq(ipc_url(d->run_dir, name, url, sizeof(url)), 0);
	if (ipc_call_sync(url, req, 1000, &rep, err, sizeof(err)) == -1)
		return NULL;
	return rep;
}

ipc_env *
h_status(struct daemon *d)
{
	Tp__SupStatusReq	s = TP__SUP_STATUS_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	req.body_case = TP__ENVELOPE__BODY_SUP_STATUS_REQ;
	req.sup_status_req = &s;
	return h_call(d, "supervisor.rep", &req);
}

pid_t
h_worker_pid(struct daemon *d, const char *role)
{
	ipc_env	*st = h_status(d);
	pid_t	 pid = 0;
	size_t	 i;

	if (st == NULL)
		return 0;
	for (i = 0; i < st->sup_status_rep->n_workers; i++) {
		Tp__WorkerStatus	*w = st->sup_status_rep->workers[i];

		if (strcmp(w->role, role) == 0 && w->ready)
			pid = w->pid;
	}
	ipc_env_free(st);
	return pid;
}

void
h_cleanup(struct daemon *d)
{
	char	cmd[128];

	if (d->out_fd >= 0)
		close(d->out_fd);
	free(d->log);
	d->log = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d->dir);
}

void
h_stop(struct daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (h_wait_exit(d, 10000) == -1) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, NULL, 0);
		}
	}
	h_cleanup(d);
}

int
h_run(const char *const argv[], char *out, size_t outlen)
{
	int	pfd[2], status;
	size_t	len = 0;
	ssize_t	n;
	pid_t	pid;

	ck_assert_int_eq(pipe(pfd), 0);
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execve(argv[0], (char *const *)argv, h_env());
		_exit(127);
	}
	close(pfd[1]);
	while (len + 1 < outlen &&
	    (n = read(pfd[0], out + len, outlen - len - 1)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return status;
}

void
h_peer_id(const struct daemon *d, char *out, size_t len)
{
	const char	*p = d->log != NULL ? strstr(d->log, "gossip: peer ID ") :
			    NULL;
	size_t		 n;

	ck_assert_msg(p != NULL, "no peer ID logged yet");
	p += strlen("gossip: peer ID ");
	n = strcspn(p, "\"");
	ck_assert_uint_lt(n, len);
	memcpy(out, p, n);
	out[n] = '\0';
}

int
h_gossip_status(struct daemon *d, ipc_env *req)
{
	ipc_env	*rep = h_call(d, "gossip.rep", req);
	int	 status;

	ck_assert_ptr_nonnull(rep);
	status = rep->status;
	ipc_env_free(rep);
	return status;
}

void
h_gossip_join(struct daemon *d, const char *topic)
{
	Tp__PubsubJoinReq	j = TP__PUBSUB_JOIN_REQ__INIT;
	ipc_env			req = TP__ENVELOPE__INIT;

	j.topic = (char *)topic;
	req.body_case = TP__ENVELOPE__BODY_PUBSUB_JOIN_REQ;
	req.pubsub_join_req = &j;
	ck_assert_int_eq(h_gossip_status(d, &req), 0);
}
