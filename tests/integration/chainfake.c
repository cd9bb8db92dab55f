/*
 * Drives tests/interop/fake_blockchain.mjs (Teranode's blockchain and
 * block-assembly gRPC services on @grpc/grpc-js) over pipes, with the
 * line matching of jspeer.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chainfake.h"

int
chainfake_start(struct jspeer *j, int port, int height, const char *fsm)
{
	char		 ports[16], heights[16];
	const char	*argv[] = { "node", "tests/interop/fake_blockchain.mjs",
			    "--port", ports, "--height", heights, "--fsm", fsm,
			    NULL };
	const char	*line, *p;
	int		 in[2], out[2];

	memset(j, 0, sizeof(*j));
	snprintf(ports, sizeof(ports), "%d", port);
	snprintf(heights, sizeof(heights), "%d", height);
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
	ck_assert_msg(line != NULL, "fake blockchain did not start: %s",
	    j->log != NULL ? j->log : "");
	p = strstr(line, "\"port\":");
	ck_assert_ptr_nonnull(p);
	port = atoi(p + 7);
	snprintf(j->addr, sizeof(j->addr), "127.0.0.1:%d", port);
	return port;
}

const char *
chainfake_cmd(struct jspeer *j, const char *cmd, const char *extra)
{
	const char	*line = jspeer_cmd(j, cmd, extra, 5000);

	ck_assert_msg(line != NULL && strstr(line, "\"ok\":true") != NULL,
	    "fake blockchain %s: %s", cmd, line != NULL ? line : "no answer");
	return line;
}

void
chainfake_block(struct jspeer *j, int invalid, char hash[65])
{
	const char	*line = chainfake_cmd(j, "block", invalid ?
			    "\"invalid\":true" : NULL);
	const char	*p = strstr(line, "\"hash\":\"");

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sscanf(p + 8, "%64[0-9a-f]", hash), 1);
}
