/*
 * Gossip worker: the peer registry and the sync peer selector
 * (Teranode's services/p2p/peer_registry.go and peer_selector.go: eligible
 * peers are healthy, unbanned, ahead of us with a responsive DataHub URL,
 * ordered by ban score, height, health-check time, peer ID).  The registry is one array of at
 * most max entries, searched linearly (a few hundred peers at most, looked
 * up once per gossip message); it is filled by the handlers (node_status,
 * blocks, handshakes), the host (connections, traffic), the health checker
 * and the ban manager's events, read by GetPeers and the sync coordinator.
 * Unlike Teranode's it is bounded: a TTL on silence and eviction of the
 * longest-silent unconnected peer when full.  Pure: no I/O, no logging.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "teranode/registry.h"

/* Copy src into dst[size] if it fits and is set; 0, or -1 if too long. */
static int
reg_set(char *dst, size_t size, const char *src)
{
	size_t	n;

	if (src == NULL || *src == '\0')
		return 0;
	if ((n = strlen(src)) >= size)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}
#define REG_SET(dst, src)	reg_set(dst, sizeof(dst), src)

int
tn_registry_init(struct tn_registry *r, size_t max_peers,
    uint64_t ttl_ms)
{
	memset(r, 0, sizeof(*r));
	if (max_peers == 0)
		return -1;
	r->peers = xcalloc(max_peers, sizeof(*r->peers));
	r->max = max_peers;
	r->ttl_ms = ttl_ms;
	return 0;
}

void
tn_registry_fini(struct tn_registry *r)
{
	free(r->peers);
	memset(r, 0, sizeof(*r));
}

static ssize_t
reg_find(const struct tn_registry *r, const char *id)
{
	size_t	i;

	if (id == NULL)
		return -1;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->peers[i].id, id) == 0)
			return (ssize_t)i;
	return -1;
}

static void
reg_drop(struct tn_registry *r, size_t i)
{
	if (i != r->n - 1)
		r->peers[i] = r->peers[r->n - 1];
	r->n--;
	r->gen++;
}

/* The unconnected entry heard from longest ago, or -1. */
static ssize_t
reg_victim(const struct tn_registry *r)
{
	ssize_t	v = -1;
	size_t	i;

	for (i = 0; i < r->n; i++) {
		if (r->peers[i].nconns > 0)
			continue;
		if (v < 0 || r->peers[i].last_message_ms <
		    r->peers[v].last_message_ms)
			v = (ssize_t)i;
	}
	return v;
}

struct tn_registry_peer *
tn_registry_add(struct tn_registry *r, const char *id,
    uint64_t now_ms)
{
	struct tn_registry_peer	*p;
	ssize_t				 i;

	if (id == NULL || *id == '\0' || strlen(id) > TN_REGISTRY_ID_MAX)
		return NULL;
	r->gen++;	/* the caller writes into the entry */
	if ((i = reg_find(r, id)) >= 0)
		return &r->peers[i];
	if (r->n == r->max) {
		if ((i = reg_victim(r)) < 0)
			return NULL;
		reg_drop(r, (size_t)i);
		r->evicted++;
	}
	p = &r->peers[r->n++];
	memset(p, 0, sizeof(*p));
	strcpy(p->id, id);
	p->healthy = 1;
	p->connected_at_ms = now_ms;
	p->last_message_ms = now_ms;
	return p;
}

struct tn_registry_peer *
tn_registry_get(struct tn_registry *r, const char *id)
{
	ssize_t	i = reg_find(r, id);

	r->gen++;	/* the caller may write into the entry */
	return i < 0 ? NULL : &r->peers[i];
}

int
tn_registry_copy(const struct tn_registry *r, const char *id,
    struct tn_registry_peer *out)
{
	ssize_t	i = reg_find(r, id);

	if (i < 0)
		return -1;
	*out = r->peers[i];
	return 0;
}

size_t
tn_registry_list(const struct tn_registry *r,
    struct tn_registry_peer *out, size_t cap)
{
	size_t	n = r->n < cap ? r->n : cap;

	if (n > 0)
		memcpy(out, r->peers, n * sizeof(*out));
	return n;
}

int
tn_registry_remove(struct tn_registry *r, const char *id)
{
	ssize_t	i = reg_find(r, id);

	if (i < 0)
		return -1;
	reg_drop(r, (size_t)i);
	return 0;
}

size_t
tn_registry_count(const struct tn_registry *r)
{
	return r->n;
}

size_t
tn_registry_sweep(struct tn_registry *r, uint64_t now_ms)
{
	size_t	i = 0, gone = 0;

	if (r->ttl_ms == 0)
		return 0;
	while (i < r->n) {
		if (r->peers[i].nconns == 0 &&
		    now_ms >= r->peers[i].last_message_ms &&
		    now_ms - r->peers[i].last_message_ms >= r->ttl_ms) {
			reg_drop(r, i);
			gone++;
		} else
			i++;
	}
	r->expired += gone;
	return gone;
}

/* ---- updaters ------------------------------------------------------------ */

int
tn_registry_set_height(struct tn_registry *r, const char *id,
    uint32_t height, const char *hash)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->height = height;
	return REG_SET(p->best_hash, hash);
}

int
tn_registry_set_block_hash(struct tn_registry *r, const char *id,
    const char *hash)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	return p == NULL ? -1 : REG_SET(p->best_hash, hash);
}

int
tn_registry_set_data_hub_url(struct tn_registry *r, const char *id,
    const char *url)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	return p == NULL ? -1 : REG_SET(p->data_hub_url, url);
}

int
tn_registry_set_health(struct tn_registry *r, const char *id,
    int healthy, uint64_t duration_ms, uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->healthy = healthy != 0;
	p->health_duration_ms = healthy ? duration_ms : 0;
	p->last_health_check_ms = now_ms;
	return 0;
}

int
tn_registry_set_url_responsive(struct tn_registry *r, const char *id,
    int responsive, uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->url_responsive = responsive != 0;
	p->last_url_check_ms = now_ms;
	return 0;
}

int
tn_registry_set_ban(struct tn_registry *r, const char *id, int score,
    int banned)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->ban_score = score;
	p->banned = banned != 0;
	return 0;
}

int
tn_registry_add_bytes(struct tn_registry *r, const char *id,
    uint64_t in, uint64_t out)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->bytes_in += in;
	p->bytes_out += out;
	return 0;
}

int
tn_registry_touch(struct tn_registry *r, const char *id,
    uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->last_message_ms = now_ms;
	return 0;
}

int
tn_registry_block_seen(struct tn_registry *r, const char *id,
    uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	p->last_block_ms = now_ms;
	p->last_message_ms = now_ms;
	return 0;
}

int
tn_registry_connected(struct tn_registry *r, const char *id,
    const char *addr, int inbound, uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);
	size_t				 i;

	if (p == NULL)
		return -1;
	p->nconns++;
	p->inbound = inbound != 0;
	p->last_message_ms = now_ms;
	if (addr == NULL || *addr == '\0' ||
	    strlen(addr) > TN_REGISTRY_ADDR_MAX)
		return 0;
	for (i = 0; i < p->naddrs; i++)
		if (strcmp(p->addrs[i], addr) == 0)
			return 0;
	if (p->naddrs < TN_REGISTRY_ADDRS_MAX)
		strcpy(p->addrs[p->naddrs++], addr);
	return 0;
}

int
tn_registry_disconnected(struct tn_registry *r, const char *id)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	if (p->nconns > 0)
		p->nconns--;
	if (p->nconns == 0)
		p->naddrs = 0;
	return 0;
}

/* A state word, cut to fit (the registry only shows it). */
static void
reg_word(char *dst, size_t size, const char *src)
{
	size_t	n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
tn_registry_apply_status(struct tn_registry *r, const char *id,
    const struct tn_msg_node_status *st, uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	(void)REG_SET(p->client_name, st->client_name);
	(void)REG_SET(p->version, st->version);
	reg_word(p->fsm_state, sizeof(p->fsm_state), st->fsm_state);
	reg_word(p->listen_mode, sizeof(p->listen_mode), st->listen_mode);
	reg_word(p->storage, sizeof(p->storage), st->storage);
	if (st->best_height > 0) {
		p->height = st->best_height;
		(void)REG_SET(p->best_hash, st->best_block_hash);
	}
	(void)REG_SET(p->data_hub_url, st->base_url);
	p->last_status_ms = now_ms;
	return 0;
}

int
tn_registry_apply_handshake(struct tn_registry *r, const char *id,
    const struct tn_msg_handshake *hs, uint64_t now_ms)
{
	struct tn_registry_peer	*p = tn_registry_get(r, id);

	if (p == NULL)
		return -1;
	(void)REG_SET(p->user_agent, hs->user_agent);
	(void)REG_SET(p->topic_prefix, hs->topic_prefix);
	p->services = hs->services;
	if (hs->best_height > 0) {
		p->height = hs->best_height;
		(void)REG_SET(p->best_hash, hs->best_hash);
	}
	(void)REG_SET(p->data_hub_url, hs->data_hub_url);
	p->last_message_ms = now_ms;
	return 0;
}

/* ---- SelectSyncPeer ------------------------------------------------------ */

static int
reg_eligible(const struct tn_registry_peer *p, uint32_t local)
{
	return !p->banned && p->healthy && p->data_hub_url[0] != '\0' &&
	    p->url_responsive && p->height > 0 && p->height > local;
}

/* <0 if a sorts first: ban score ↑, height ↓, check duration ↑, ID ↑ */
static int
reg_order(const struct tn_registry_peer *a,
    const struct tn_registry_peer *b)
{
	if (a->ban_score != b->ban_score)
		return a->ban_score < b->ban_score ? -1 : 1;
	if (a->height != b->height)
		return a->height > b->height ? -1 : 1;
	if (a->health_duration_ms != b->health_duration_ms)
		return a->health_duration_ms < b->health_duration_ms ? -1 : 1;
	return strcmp(a->id, b->id);
}

int
tn_registry_select(const struct tn_registry_peer *peers, size_t n,
    const struct tn_registry_select_opts *o)
{
	const char	*prev = o->previous;
	int		 first = -1, second = -1;
	size_t		 i;

	if (o->forced != NULL && o->forced[0] != '\0') {
		for (i = 0; i < n; i++)
			if (strcmp(peers[i].id, o->forced) == 0 &&
			    peers[i].nconns > 0)
				return (int)i;
		return -1;
	}
	/* the two first of the sorted candidates, without sorting */
	for (i = 0; i < n; i++) {
		if (!reg_eligible(&peers[i], o->local_height))
			continue;
		if (first < 0 || reg_order(&peers[i], &peers[first]) < 0) {
			second = first;
			first = (int)i;
		} else if (second < 0 ||
		    reg_order(&peers[i], &peers[second]) < 0)
			second = (int)i;
	}
	if (first >= 0 && second >= 0 && prev != NULL &&
	    strcmp(peers[first].id, prev) == 0)
		return second;
	return first;
}
