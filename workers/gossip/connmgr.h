/*
 * The gossip worker's connection manager (connmgr.c, glue) and its pure
 * choice of whom to close (connmgr_pick.c).  The pure half knows no
 * connection, router or loop: it sorts candidates that the glue filled in,
 * so unit tests call it directly.  It includes nothing of the layers.
 */
#ifndef GOSSIP_CONNMGR_H
#define GOSSIP_CONNMGR_H

#include <stddef.h>
#include <stdint.h>

/* Why a connection is never trimmed (bits of gossip_cm_cand.protect). */
#define GOSSIP_CM_STATIC	0x1	/* a static or bootstrap peer */
#define GOSSIP_CM_SYNC		0x2	/* the sync peer */
#define GOSSIP_CM_MESH		0x4	/* among a topic's best mesh peers */

/* What a topic peer is worth (go-p2p-message-bus tags topic peers 100). */
#define GOSSIP_CM_VALUE_MESH	100.0	/* per topic whose mesh holds it */
#define GOSSIP_CM_VALUE_DHT	5.0	/* a DHT server (kbucket tag 5) */
#define GOSSIP_CM_VALUE_PUBSUB	1.0	/* speaks pubsub at all */

/* One open connection as the manager sees it. */
struct gossip_cm_cand {
	uint64_t	id;		/* p2p_conn.id */
	uint64_t	opened_ms;	/* monotonic */
	int		inbound;
	unsigned	protect;	/* GOSSIP_CM_* */
	double		score;		/* the peer's gossipsub score */
	double		value;		/* higher: kept longer */
};

/*
 * Protect (GOSSIP_CM_MESH) the d candidates with the highest score among
 * those whose member[i] is non-zero: one topic's mesh.
 */
void	gossip_connmgr_protect_best(struct gossip_cm_cand *c, size_t n,
	    const unsigned char *member, size_t d);
/*
 * Choose whom to close so that the n open connections fall to low.  Sorts
 * c so that the chosen come first and returns how many they are: never a
 * protected one nor one younger than grace_ms at now_ms; the least
 * valuable first, on a tie inbound before outbound, then the youngest.
 * Fewer than n - low when too many are protected or young.
 */
size_t	gossip_connmgr_pick(struct gossip_cm_cand *c, size_t n, size_t low,
	    uint64_t grace_ms, uint64_t now_ms);

#endif
