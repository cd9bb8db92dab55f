/*
 * Kafka for integration tests (see kafka_harness.h).
 */
#include <sys/wait.h>

#include <check.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "kafka_harness.h"
#include "util.h"

/* ---- the broker daemon ---- */


void
broker_start(struct broker *b)
{
	int	in[2], out[2];
	char	path[PATH_MAX], dir[PATH_MAX], line[512];

	snprintf(dir, sizeof(dir), "%s", h_binary());
	snprintf(path, sizeof(path), "%s/tests/kafka_mock_broker", dirname(dir));
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	if ((b->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, "kafka_mock_broker", "-t", "blocks:2",
		    "-t", "subtrees", "-t", "rejectedtx", "-t", "invalid-blocks",
		    "-t", "invalid-subtrees", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	b->in = fdopen(in[1], "w");
	b->out = fdopen(out[0], "r");
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), b->out));
	ck_assert_msg(strncmp(line, "bootstrap=", 10) == 0, "broker: %s", line);
	line[strcspn(line, "\n")] = '\0';
	snprintf(b->bootstrap, sizeof(b->bootstrap), "%s", line + 10);
}

void
broker_cmd(struct broker *b, const char *cmd)
{
	char	line[64];

	fprintf(b->in, "%s\n", cmd);
	fflush(b->in);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), b->out));
	ck_assert_msg(strncmp(line, "ok", 2) == 0, "%s: %s", cmd, line);
}

void
broker_stop(struct broker *b)
{
	fclose(b->in);
	waitpid(b->pid, NULL, 0);
	fclose(b->out);
}

/* ---- Kafka from the outside: a producer of ours, kcat to read ---- */

rd_kafka_t *
kt_producer(const struct broker *b)
{
	rd_kafka_conf_t	*c = rd_kafka_conf_new();
	char		 err[256];
	rd_kafka_t	*rk;

	rd_kafka_conf_set(c, "bootstrap.servers", b->bootstrap, err,
	    sizeof(err));
	rd_kafka_conf_set(c, "linger.ms", "1", err, sizeof(err));
	rd_kafka_conf_set(c, "log_level", "3", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	ck_assert_msg(rk != NULL, "%s", err);
	return rk;
}

void
kt_produce(rd_kafka_t *rk, const char *topic, uint8_t *val, size_t len)
{
	ck_assert_int_eq(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_VALUE(val, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_FREE),
	    RD_KAFKA_V_END), 0);
}

void
kt_done(rd_kafka_t *rk)
{
	ck_assert_int_eq(rd_kafka_flush(rk, 10000), 0);
	rd_kafka_destroy(rk);
}


/*
 * Read a whole topic with kcat: `-f 'K%k|%S|%s'` gives key, value size and
 * the raw value, so binary protobuf values are cut by length.
 */
size_t
kt_read(const struct broker *b, const char *topic, size_t want,
    struct kmsg *out, size_t cap)
{
	const char	*argv[] = { "/usr/bin/kcat", "-C", "-b", b->bootstrap,
			    "-t", topic, "-o", "beginning", "-e", "-q", "-c", NULL,
			    "-f", "K%k|%S|%s", NULL };
	static char	 buf[1 << 20];
	char		 count[16], *p, *end, *bar;
	size_t		 n = 0, len;
	uint64_t	 deadline = util_mono_ms() + (uint64_t)h_ms(15000);

	snprintf(count, sizeof(count), "%zu", want);
	argv[11] = count;
	do {
		for (; n > 0; n--)
			free(out[n - 1].val);
		h_run(argv, buf, sizeof(buf));
		for (p = buf, end = buf + strlen(buf); p < end && n < cap &&
		    *p == 'K'; n++) {
			ck_assert_ptr_nonnull(bar = strchr(p, '|'));
			snprintf(out[n].key, sizeof(out[n].key), "%.*s",
			    (int)(bar - p - 1), p + 1);
			len = strtoul(bar + 1, &p, 10);
			ck_assert_int_eq(*p, '|');
			out[n].val = xmalloc(len + 1);
			memcpy(out[n].val, p + 1, len);
			out[n].len = len;
			p += 1 + len;
		}
		if (n >= want)
			break;
		usleep(200000);
	} while (util_mono_ms() < deadline);
	return n;
}

void
kt_free(struct kmsg *m, size_t n)
{
	while (n-- > 0)
		free(m[n].val);
}

