/*
 * Drives tests/interop/peer.mjs (js-libp2p on Node) over pipes: one JSON
 * line per command and per event.  Lines are matched by substring, which
 * is enough for the fields the tests check.
 */
#include <sys/wait.h>

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
#include "jspeer.h"
#include "util.h"

static int
jspeer_pump(struct jspeer *j, int ms)
{
	struct pollfd	pfd = { j->out_fd, POLLIN, 0 };
	ssize_t		n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (j->cap - j->len < 4096) {
		j->cap = j->cap * 2 + 8192;
		j->log = realloc(j->log, j->cap);
	}
	n = read(j->out_fd, j->log + j->len, j->cap - j->len - 1);
	if (n <= 0)
		return -1;
	j->len += (size_t)n;
	j->log[j->len] = '\0';
	return 1;
}

const char *
jspeer_wait(struct jspeer *j, const char *a, const char *b, int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	static char	 line[8192];
	const char	*p, *nl;

	for (;;) {
		for (p = j->log != NULL ? j->log + j->seen : NULL; p != NULL &&
		    (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
			snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
			if (strstr(line, a) != NULL &&
			    (b == NULL || strstr(line, b) != NULL)) {
				j->seen = (size_t)(nl + 1 - j->log);
				return line;
			}
		}
		if (util_mono_ms() >= end || jspeer_pump(j, 50) == -1)
			return NULL;
	}
}

void
jspeer_start(struct jspeer *j, const char *const *args)
{
	jspeer_start_script(j, "tests/interop/peer.mjs", args);
}

void
jspeer_start_script(struct jspeer *j, const char *script,
    const char *const *args)
{
	const char	*argv[16];
	const char	*line, *p;
	int		 in[2], out[2], n = 0;

	memset(j, 0, sizeof(*j));
	argv[n++] = "node";
	argv[n++] = script;
	while (args != NULL && *args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	if ((j->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execvp("node", (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	j->in_fd = in[1];
	j->out_fd = out[0];
	line = jspeer_wait(j, "\"listening\"", NULL, 20000);
	ck_assert_msg(line != NULL, "js peer did not start: %s",
	    j->log != NULL ? j->log : "");
	p = strstr(line, "\"peer\":\"");
	ck_assert_ptr_nonnull(p);
	sscanf(p + 8, "%63[^\"]", j->peer_id);
	p = strstr(line, "\"addrs\":[\"");
	ck_assert_ptr_nonnull(p);
	sscanf(p + 10, "%159[^\"]", j->addr);
}

/* Pipes take big commands in pieces. */
static void
jspeer_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_int_gt(n, 0);
		buf += n;
		len -= (size_t)n;
	}
}

const char *
jspeer_cmd(struct jspeer *j, const char *cmd, const char *extra, int ms)
{
	char	*buf, tag[32];
	size_t	 cap = 128 + (extra != NULL ? strlen(extra) : 0);
	int	n;

	buf = malloc(cap);
	n = snprintf(buf, cap, "{\"id\":%d,\"cmd\":\"%s\"%s%s}\n",
	    ++j->next_id, cmd, extra != NULL ? "," : "",
	    extra != NULL ? extra : "");
	jspeer_write_all(j->in_fd, buf, (size_t)n);
	free(buf);
	snprintf(tag, sizeof(tag), "{\"id\":%d,", j->next_id);
	return jspeer_wait(j, tag, NULL, ms);
}

void
jspeer_stop(struct jspeer *j)
{
	uint64_t	end = util_mono_ms() + (uint64_t)h_ms(3000);
	int		status;

	if (j->pid > 0) {
		/* stdin EOF: the peer stops itself; a stop that hangs is killed */
		close(j->in_fd);
		kill(j->pid, SIGTERM);
		while (waitpid(j->pid, &status, WNOHANG) == 0) {
			if (util_mono_ms() >= end) {
				kill(j->pid, SIGKILL);
				waitpid(j->pid, &status, 0);
				break;
			}
			usleep(20000);
		}
	}
	close(j->out_fd);
	free(j->log);
	j->log = NULL;
	j->pid = 0;
}

const char *
jspeer_dial(struct jspeer *j, const char *addr)
{
	char	extra[256];

	snprintf(extra, sizeof(extra), "\"addr\":\"%s\"", addr);
	return jspeer_cmd(j, "dial", extra, 15000);
}

void
jspeer_send_envelope(struct jspeer *j, const char *topic, const char *json)
{
	size_t		 len = strlen(json);
	char		*b64 = malloc(util_b64_encoded_len(len) + 1);
	char		*cmd = malloc(util_b64_encoded_len(len) + 256);
	const char	*line;

	util_b64_encode((const uint8_t *)json, len, b64);
	sprintf(cmd, "\"topic\":\"%s\",\"data\":\"{\\\"name\\\":"
	    "\\\"js-node\\\",\\\"data\\\":\\\"%s\\\"}\"", topic, b64);
	line = jspeer_cmd(j, "publishraw", cmd, 10000);
	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true"),
	    "publishraw: %s", line ? line : "");
	free(cmd);
	free(b64);
}

int
jspeer_wait_mesh(struct jspeer *j, const char *topic, const char *peer_id,
    int ms)
{
	uint64_t	 end = util_mono_ms() + (uint64_t)h_ms(ms);
	char		 extra[256];
	const char	*line;

	snprintf(extra, sizeof(extra), "\"topic\":\"%s\"", topic);
	do {
		line = jspeer_cmd(j, "meshpeers", extra, 5000);
		if (line != NULL && strstr(line, peer_id) != NULL)
			return 0;
		usleep(50 * 1000);
	} while (util_mono_ms() < end);
	return -1;
}
