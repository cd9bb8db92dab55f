/*
 * terap2p: definitions shared by every process — exit codes, version,
 * role names.  Exit codes are a contract between the supervisor and its
 * workers: 0 = asked to stop, 1 = runtime failure (restart me),
 * 2 = configuration failure (do not respawn; the supervisor stops too).
 */
#ifndef TP_H
#define TP_H

#define TP_EXIT_OK	0
#define TP_EXIT_RUNTIME	1
#define TP_EXIT_CONFIG	2

#ifndef TP_VERSION
#define TP_VERSION "0.0.0-dev"
#endif

#define TP_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#endif
