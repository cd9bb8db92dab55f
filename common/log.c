/*
 * Logging for every terap2p process.  One line per call, naming the process
 * and its pid, as logfmt (`ts=… level=info proc=gossip pid=12 msg="…"`) or
 * JSON.  In foreground mode lines go to stderr, otherwise to syslog (which
 * adds its own timestamp, so only level, proc and message are sent there).
 * The only file-scope state is the logger's own settings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tp.h"

#define LOG_LINE_MAX	2048

static struct {
	char		proc[32];
	int		to_stderr;
	enum log_level	level;
	enum log_format	fmt;
} logger = { "terap2p", 1, LOG_LVL_INFO, LOG_FMT_LOGFMT };

static const char	*level_names[] = { "error", "warn", "info", "debug" };

void
log_init(const char *proc, int to_stderr, enum log_level level,
    enum log_format fmt)
{
	snprintf(logger.proc, sizeof(logger.proc), "%s", proc);
	logger.to_stderr = to_stderr;
	logger.level = level;
	logger.fmt = fmt;
	if (!to_stderr)
		openlog("terap2p", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_reopen(void)
{
	if (logger.to_stderr)
		return;
	closelog();
	openlog("terap2p", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	logger.level = level;
}

void
log_set_format(enum log_format fmt)
{
	logger.fmt = fmt;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t	i;

	for (i = 0; i < TP_ARRAY_LEN(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int
log_format_parse(const char *s, enum log_format *out)
{
	if (strcmp(s, "logfmt") == 0)
		*out = LOG_FMT_LOGFMT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_FMT_JSON;
	else
		return -1;
	return 0;
}

/* Quote msg for logfmt or JSON into out: escapes quotes, backslashes, controls. */
static void
log_quote(const char *msg, char *out, size_t outlen)
{
	size_t		o = 0;
	unsigned char	c;

	for (; *msg != '\0' && o + 7 < outlen; msg++) {
		c = (unsigned char)*msg;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static void
log_timestamp(char *out, size_t len)
{
	struct timeval	tv;
	struct tm	tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}

void
log_vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX], quoted[LOG_LINE_MAX * 2], ts[96];
	int	saved = errno;
	static const int	prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO,
				    LOG_DEBUG };

	if (lvl > logger.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_quote(msg, quoted, sizeof(quoted));
	if (!logger.to_stderr) {
		if (logger.fmt == LOG_FMT_JSON)
			syslog(prio[lvl], "{\"level\":\"%s\",\"proc\":\"%s\","
			    "\"msg\":\"%s\"}", level_names[lvl], logger.proc,
			    quoted);
		else
			syslog(prio[lvl], "level=%s proc=%s msg=\"%s\"",
			    level_names[lvl], logger.proc, quoted);
		errno = saved;
		return;
	}
	log_timestamp(ts, sizeof(ts));
	if (logger.fmt == LOG_FMT_JSON)
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"proc\":\"%s\","
		    "\"pid\":%d,\"msg\":\"%s\"}\n", ts, level_names[lvl],
		    logger.proc, (int)getpid(), quoted);
	else
		fprintf(stderr, "ts=%s level=%s proc=%s pid=%d msg=\"%s\"\n",
		    ts, level_names[lvl], logger.proc, (int)getpid(), quoted);
	fflush(stderr);
	errno = saved;
}

#define LOG_FN(name, lvl)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	va_start(ap, fmt);					\
	log_vlog(lvl, fmt, ap);					\
	va_end(ap);						\
}

LOG_FN(log_error, LOG_LVL_ERROR)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vlog(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(TP_EXIT_RUNTIME);
}

void
fatal_config(const char *fmt, ...)
{
	char		 msg[LOG_LINE_MAX];
	const char	*fdstr;
	va_list		 ap;
	int		 fd;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	if ((fdstr = getenv("TP_STATUS_FD")) != NULL &&
	    (fd = atoi(fdstr)) > 2) {
		if (write(fd, msg, strlen(msg)) < 0)
			log_warn("cannot hand the error to the supervisor: %s",
			    strerror(errno));
	}
	exit(TP_EXIT_CONFIG);
}
