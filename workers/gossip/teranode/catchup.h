/*
 * The catch-up reputation of Teranode peers (Teranode's
 * services/p2p/peer_registry.go reputation half): what block validation
 * reported through PeerService (attempts, successes, failures, malicious
 * behaviour, response times, bytes downloaded, the last error) and the
 * reputation score computed from it, per peer ID, bounded.  Pure but for
 * tn_catchup_save/load, which keep it in teranode_peer_registry.json
 * (Teranode's SavePeerRegistryCache format: version "1.0", last_updated,
 * peers by ID; written to a temporary file and renamed).  Times are unix
 * seconds from the caller.
 */
#ifndef TN_CATCHUP_H
#define TN_CATCHUP_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define TN_CATCHUP_MAX		2048	/* peers remembered */
#define TN_CATCHUP_ID_MAX		128
#define TN_CATCHUP_ERR_MAX		256	/* bytes of the last error kept */
#define TN_CATCHUP_FILE		"teranode_peer_registry.json"
#define TN_CATCHUP_FILE_MAX		(16u * 1024 * 1024)
#define TN_CATCHUP_NEW_SCORE	50.0

struct tn_catchup_rec {
	char		id[TN_CATCHUP_ID_MAX + 1];
	int64_t		attempts, successes, failures;	/* interactions */
	int64_t		last_attempt, last_success, last_failure;
	double		score;				/* 0-100 */
	int64_t		malicious;
	int64_t		avg_ms;				/* EMA of durations */
	uint64_t	bytes;				/* downloaded over HTTP */
	char		last_error[TN_CATCHUP_ERR_MAX + 1];
	int64_t		last_error_time;
	int64_t		c_attempts, c_successes, c_failures; /* catch-ups */
	/* what the registry said when last saved, for peers not heard yet */
	uint32_t	height;
	char		hash[65];
	char		*url;				/* owned, NULL: none */
	char		client[129];
	char		storage[33];
	int64_t		touched;			/* last change */
};

struct tn_catchup {
	struct tn_catchup_rec	*v;		/* owned, [0, n) */
	size_t				 n, max;
	int				 dirty;		/* changed since saved */
};

void	tn_catchup_init(struct tn_catchup *, size_t max);
void	tn_catchup_fini(struct tn_catchup *);
/* The record of id, or NULL. */
struct tn_catchup_rec *tn_catchup_get(struct tn_catchup *,
	    const char *id);
/* The record of id, created (score 50) when absent, the least recently
 * changed one evicted when full; NULL if id is empty or too long. */
struct tn_catchup_rec *tn_catchup_add(struct tn_catchup *,
	    const char *id, int64_t now);
/*
 * Apply one report.  known: the peer is in the registry (reports about
 * peers heard of neither there nor here are ignored, as Teranode's).
 * Returns 1 when kept, 0 when ignored; *reset counts CATCHUP_RESET peers.
 */
int	tn_catchup_apply(struct tn_catchup *,
	    const Tp__CatchupReportReq *r, int known, int64_t now, int *reset);
/* Teranode's reputation formula for a record at time now. */
double	tn_catchup_score(const struct tn_catchup_rec *, int64_t now);

/* The JSON text of the file (caller frees) / load it (records replaced). */
char	*tn_catchup_to_json(const struct tn_catchup *, int64_t now);
int	tn_catchup_from_json(struct tn_catchup *, const char *text,
	    size_t len, char *err, size_t errlen);
/* dir/teranode_peer_registry.json, atomically; -1 with err. */
int	tn_catchup_save(struct tn_catchup *, const char *dir,
	    int64_t now, char *err, size_t errlen);
/* Load it; 0 also when there is no file; -1 with err (kept empty). */
int	tn_catchup_load(struct tn_catchup *, const char *dir,
	    char *err, size_t errlen);

#endif
