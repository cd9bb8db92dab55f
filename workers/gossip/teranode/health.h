/*
 * The gossip worker's DataHub health checker (health.c): libcurl's
 * multi interface on the worker's libevent loop.
 */
#ifndef TN_HEALTH_H
#define TN_HEALTH_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct tn_health;

#define TN_HEALTH_PEER_MAX	64
#define TN_HEALTH_PARALLEL	5

/*
 * Result of one check: healthy or not, the HTTP status (0: no response),
 * a short detail, and the time to the response headers (0 when unhealthy).
 * Strings are borrowed for the call.
 */
typedef void tn_health_fn(void *arg, const char *peer, int healthy,
    long status, const char *detail, uint64_t ms);

struct tn_health	*tn_health_new(struct event_base *,
			    uint64_t timeout_ms, size_t max_parallel,
			    const char *genesis_hash);
/* Cancels what is running (no callbacks). */
void			 tn_health_free(struct tn_health *);
/*
 * Check url (http or https, at most 2048 bytes) for peer; cb runs once, on
 * the loop.  -1 if the URL is refused or the queue is full.
 */
int	tn_health_check(struct tn_health *, const char *peer,
	    const char *url, tn_health_fn *cb, void *arg);
/* Checks running or waiting. */
size_t	tn_health_pending(const struct tn_health *);

#endif
