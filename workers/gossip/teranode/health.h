/*
 * The gossip worker's DataHub health checker (health.c): libcurl's
 * multi interface on the worker's libevent loop.
 */
#ifndef GOSSIP_HEALTH_H
#define GOSSIP_HEALTH_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gossip_health;

#define GOSSIP_HEALTH_PEER_MAX	64
#define GOSSIP_HEALTH_PARALLEL	5

/*
 * Result of one check: healthy or not, the HTTP status (0: no response),
 * a short detail, and the time to the response headers (0 when unhealthy).
 * Strings are borrowed for the call.
 */
typedef void gossip_health_cb(void *arg, const char *peer, int healthy,
    long status, const char *detail, uint64_t ms);

struct gossip_health	*gossip_health_new(struct event_base *,
			    uint64_t timeout_ms, size_t max_parallel,
			    const char *genesis_hash);
/* Cancels what is running (no callbacks). */
void			 gossip_health_free(struct gossip_health *);
/*
 * Check url (http or https, at most 2048 bytes) for peer; cb runs once, on
 * the loop.  -1 if the URL is refused or the queue is full.
 */
int	gossip_health_check(struct gossip_health *, const char *peer,
	    const char *url, gossip_health_cb *cb, void *arg);
/* Checks running or waiting. */
size_t	gossip_health_pending(const struct gossip_health *);

#endif
