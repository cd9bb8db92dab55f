/*
 * Logging for every terap2p process.  Each line names the process
 * ("gossip", "supervisor") and its pid.  Lines go to stderr in foreground
 * mode (-d) and to syslog otherwise, as logfmt or JSON (log_format).
 */
#ifndef TP_LOG_H
#define TP_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };
enum log_format { LOG_FMT_LOGFMT, LOG_FMT_JSON };

/* Set up logging for this process; proc is the name shown on every line. */
void	log_init(const char *proc, int to_stderr, enum log_level level,
	    enum log_format fmt);
void	log_set_level(enum log_level level);
/* Reopen the log destination (syslog; stderr needs nothing). */
void	log_reopen(void);
void	log_set_format(enum log_format fmt);
int	log_level_parse(const char *s, enum log_level *out);
int	log_format_parse(const char *s, enum log_format *out);

void	log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_vlog(enum log_level lvl, const char *fmt, va_list ap);

/* Log and exit(1): start-up failures, out of memory, broken invariants. */
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/*
 * A configuration error: log it, hand the line to the supervisor through the
 * status pipe (TP_STATUS_FD) when supervised, and exit(TP_EXIT_CONFIG).
 */
void	fatal_config(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
