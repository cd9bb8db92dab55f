/*
 * Kafka bridge worker: the blockchain service's notification stream
 * (Subscribe), handled as Teranode's P2P service does
 * (services/p2p/Server.go, blockchain notification handler), with two
 * differences: a hash is announced at most once (every new subscription
 * starts with the current tip, which Teranode re-announces), and only a
 * PeerFailure with failure_type "catchup" is a catch-up failure.
 *   Block        -> GetBlockHeader; unless invalid: gossip Publish(block)
 *                   with its header and height (the gossip worker then
 *                   sends our node_status)
 *   Subtree      -> gossip Publish(subtree)
 *   FSMState     -> the cached FSM state (metadata "destination")
 *   PeerFailure  -> catchup: kafka.pub LocalNotification NOTIFY_PEER_FAILURE
 *   BlockPersisted -> the persisted height (node_status storage)
 * While the FSM is CATCHINGBLOCKS or LEGACYSYNCING everything but
 * PeerFailure is dropped; in listen_only nothing is announced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_bridge.h"
#include "log.h"
#include "util.h"

#define NOTIFY_IPC_TIMEOUT_MS	2000
#define NOTIFY_IPC_TRIES	5

/* A Publish request to gossip, retried while gossip does not answer. */
struct notify_pub {
	struct kafka_chain	*c;		/* borrowed */
	Tp__TopicKind		 kind;
	char			*json;		/* owned */
	char			 hash[KAFKA_HASH_HEX + 1];
	int			 tries;
};

/* ---- announced hashes ---- */

static int
notify_seen(const struct kafka_chain *c, const char *hash)
{
	size_t	i;

	for (i = 0; i < KAFKA_CHAIN_SEEN; i++)
		if (strcmp(c->seen[i], hash) == 0)
			return 1;
	return 0;
}

static void
notify_remember(struct kafka_chain *c, const char *hash)
{
	memcpy(c->seen[c->seen_next], hash, KAFKA_HASH_HEX + 1);
	c->seen_next = (c->seen_next + 1) % KAFKA_CHAIN_SEEN;
}

static void
notify_forget(struct kafka_chain *c, const char *hash)
{
	size_t	i;

	for (i = 0; i < KAFKA_CHAIN_SEEN; i++)
		if (strcmp(c->seen[i], hash) == 0)
			c->seen[i][0] = '\0';
}

/* ---- gossip Publish ---- */

static void	notify_send(struct notify_pub *);

static void
notify_pub_free(struct notify_pub *p)
{
	free(p->json);
	free(p);
}

static void
notify_reply(void *arg, int err, const ipc_env *rep)
{
	struct notify_pub	*p = arg;
	struct kafka_chain	*c = p->c;
	const char		*what = p->kind == TP__TOPIC_KIND__TOPIC_BLOCK ?
				    "block" : "subtree";

	if (err != 0 && ++p->tries < NOTIFY_IPC_TRIES) {
		notify_send(p);
		return;
	}
	if (err != 0 || rep->status != 0) {
		log_warn("kafka: local %s %s not announced: %s", what, p->hash,
		    err != 0 ? "gossip did not answer" : rep->error);
		notify_forget(c, p->hash);
	} else {
		if (p->kind == TP__TOPIC_KIND__TOPIC_BLOCK)
			c->st.blocks++;
		else
			c->st.subtrees++;
		log_info("kafka: local %s %s announced", what, p->hash);
	}
	notify_pub_free(p);
}

static void
notify_send(struct notify_pub *p)
{
	ipc_env		env = TP__ENVELOPE__INIT;
	Tp__PublishReq	pub = TP__PUBLISH_REQ__INIT;

	pub.kind = p->kind;
	pub.json = p->json;
	env.body_case = TP__ENVELOPE__BODY_PUBLISH_REQ;
	env.publish_req = &pub;
	if (ipc_call(p->c->k->gossip, &env, NOTIFY_IPC_TIMEOUT_MS, notify_reply,
	    p) == -1)
		notify_reply(p, -1, NULL);
}

/*
 * Announce n (Block: with height and header in its metadata) through the
 * gossip worker, which fills in our peer ID, client name and DataHub URL.
 */
static void
notify_announce(struct kafka_chain *c, const struct kafka_notification *n)
{
	struct notify_pub	*p = xcalloc(1, sizeof(*p));
	char			 err[256];

	p->c = c;
	p->kind = n->type == KAFKA_NOTIFY_BLOCK ? TP__TOPIC_KIND__TOPIC_BLOCK :
	    TP__TOPIC_KIND__TOPIC_SUBTREE;
	memcpy(p->hash, n->hash, sizeof(p->hash));
	if (kafka_codec_notification_json(n, "", &p->json, err,
	    sizeof(err)) == -1) {
		log_error("kafka: local %s: %s", n->hash, err);
		notify_forget(c, n->hash);
		notify_pub_free(p);
		return;
	}
	notify_send(p);
}

/* ---- Block: GetBlockHeader first ---- */

struct notify_lookup {
	struct kafka_chain	*c;		/* borrowed */
	char			 hash[KAFKA_HASH_HEX + 1];
};

static void
notify_on_header(void *arg, int code, const char *details,
    const uint8_t *msg, size_t len)
{
	struct notify_lookup		*l = arg;
	struct kafka_chain		*c = l->c;
	struct kafka_chain_header	 h;
	struct kafka_notification	 n;
	char				 err[256], height[16];

	c->lookups--;
	if (c->stopping)
		;
	else if (code != 0 || msg == NULL) {
		log_warn("kafka: GetBlockHeader %s: %d %s", l->hash, code,
		    details);
		notify_forget(c, l->hash);
	} else if (kafka_chainmsg_header_decode(msg, len, &h, err,
	    sizeof(err)) == -1 || strcmp(h.hash, l->hash) != 0) {
		c->st.malformed++;
		log_warn("kafka: GetBlockHeader %s answered garbage: %s",
		    l->hash, h.hash[0] != '\0' ? "another block's header" : err);
		notify_forget(c, l->hash);
	} else if (h.invalid) {
		c->st.invalid++;
		log_info("kafka: local block %s is invalid: not announced",
		    l->hash);
	} else {
		kafka_chain_best(c, &h);
		kafka_chain_publish_state(c);
		memset(&n, 0, sizeof(n));
		n.type = KAFKA_NOTIFY_BLOCK;
		memcpy(n.hash, h.hash, sizeof(n.hash));
		snprintf(height, sizeof(height), "%u", h.height);
		n.meta[0].key = (char *)"height";
		n.meta[0].value = height;
		n.meta[1].key = (char *)"header";
		n.meta[1].value = h.header_hex;
		n.nmeta = 2;
		notify_announce(c, &n);
	}
	free(l);
}

static void
notify_block(struct kafka_chain *c, const struct kafka_notification *n)
{
	struct notify_lookup	*l;
	uint8_t			*req;
	size_t			 len;

	if (c->lookups >= KAFKA_CHAIN_LOOKUPS) {
		c->st.lookups_dropped++;
		log_warn("kafka: local block %s dropped: %d header lookups "
		    "already in flight", n->hash, c->lookups);
		return;
	}
	if (kafka_chainmsg_header_req_encode(n->hash, &req, &len) == -1)
		return;
	l = xcalloc(1, sizeof(*l));
	l->c = c;
	memcpy(l->hash, n->hash, sizeof(l->hash));
	notify_remember(c, n->hash);
	c->lookups++;
	if (kafka_rpc_call(c->bc, "/blockchain_api.BlockchainAPI/GetBlockHeader",
	    req, len, 5000, 0, NULL, notify_on_header, l) == NULL) {
		c->lookups--;
		notify_forget(c, n->hash);
		free(l);
	}
	free(req);
}

/* ---- the other kinds ---- */

static void
notify_fsm(struct kafka_chain *c, const struct kafka_notification *n)
{
	const char	*dest = kafka_codec_meta(n, "destination");
	int		 fsm;

	if (dest == NULL || (fsm = kafka_chainmsg_fsm_parse(dest)) ==
	    KAFKA_FSM_UNKNOWN) {
		c->st.malformed++;
		log_warn("kafka: FSMState notification without a known "
		    "destination state");
		return;
	}
	if (fsm != c->fsm)
		log_info("kafka: local FSM state %s", dest);
	c->fsm = fsm;
	kafka_chain_publish_state(c);
}

static void
notify_peer_failure(struct kafka_chain *c, const struct kafka_notification *n)
{
	Tp__LocalNotification			 ln = TP__LOCAL_NOTIFICATION__INIT;
	Tp__LocalNotification__MetadataEntry	 e[KAFKA_META_MAX];
	Tp__LocalNotification__MetadataEntry	*pe[KAFKA_META_MAX];
	ipc_env					 env = TP__ENVELOPE__INIT;
	const char				*type = kafka_codec_meta(n,
						    "failure_type");
	size_t					 i;

	if (type == NULL || strcmp(type, "catchup") != 0) {
		c->st.other_failures++;
		log_debug("kafka: peer failure of type %s: not a catch-up "
		    "failure", type != NULL ? type : "(none)");
		return;
	}
	c->st.catchup_failures++;
	log_info("kafka: catch-up failure of peer %s: %s",
	    kafka_codec_meta(n, "peer_id") != NULL ?
	    kafka_codec_meta(n, "peer_id") : "?",
	    kafka_codec_meta(n, "reason") != NULL ?
	    kafka_codec_meta(n, "reason") : "");
	ln.type = TP__NOTIFICATION_TYPE__NOTIFY_PEER_FAILURE;
	ln.hash = (char *)n->hash;
	ln.base_url = (char *)n->base_url;
	for (i = 0; i < n->nmeta; i++) {
		tp__local_notification__metadata_entry__init(&e[i]);
		e[i].key = n->meta[i].key;
		e[i].value = n->meta[i].value;
		pe[i] = &e[i];
	}
	ln.n_metadata = n->nmeta;
	ln.metadata = pe;
	env.body_case = TP__ENVELOPE__BODY_LOCAL_NOTIFICATION;
	env.local_notification = &ln;
	ipc_publish(c->k->pub, &env);
}

static void
notify_persisted(struct kafka_chain *c, const struct kafka_notification *n)
{
	const char	*v = kafka_codec_meta(n, "height");
	char		*end;
	unsigned long	 h;

	if (v == NULL || v[0] < '0' || v[0] > '9' ||
	    (h = strtoul(v, &end, 10)) > UINT32_MAX || *end != '\0')
		return;
	c->persisted_known = 1;
	c->persisted = (uint32_t)h;
	kafka_chain_publish_state(c);
}

/* Block / Subtree: announce once, never while syncing or in listen_only. */
static void
notify_local(struct kafka_chain *c, const struct kafka_notification *n)
{
	if (c->k->conf.listen_only) {
		c->st.listen_only++;
		return;
	}
	if (notify_seen(c, n->hash)) {
		c->st.duplicates++;
		log_debug("kafka: local %s %s already announced",
		    kafka_codec_notify_name(n->type), n->hash);
		return;
	}
	if (n->type == KAFKA_NOTIFY_BLOCK)
		notify_block(c, n);
	else {
		notify_remember(c, n->hash);
		notify_announce(c, n);
	}
}

static void
notify_dispatch(struct kafka_chain *c, const struct kafka_notification *n)
{
	int	needs_hash = n->type == KAFKA_NOTIFY_BLOCK ||
		    n->type == KAFKA_NOTIFY_SUBTREE;

	if (n->type == KAFKA_NOTIFY_FSM_STATE) {
		notify_fsm(c, n);
		return;
	}
	if (n->type == KAFKA_NOTIFY_PEER_FAILURE) {
		notify_peer_failure(c, n);
		return;
	}
	if (kafka_chain_syncing(c)) {
		c->st.syncing++;
		return;
	}
	if (needs_hash && n->hash[0] == '\0') {
		c->st.malformed++;
		log_warn("kafka: %s notification without a 32-byte hash",
		    kafka_codec_notify_name(n->type));
		return;
	}
	if (needs_hash)
		notify_local(c, n);
	else if (n->type == KAFKA_NOTIFY_BLOCK_PERSISTED)
		notify_persisted(c, n);
	else
		log_debug("kafka: %s notification ignored",
		    kafka_codec_notify_name(n->type));
}

void
kafka_chain_notify_msg(void *arg, const uint8_t *msg, size_t len)
{
	struct kafka_chain		*c = arg;
	struct kafka_notification	*n = xmalloc(sizeof(*n));
	char				 err[256];

	if (c->phase == KAFKA_CHAIN_SUBSCRIBING)
		kafka_chain_subscribed(c);
	c->st.notifications++;
	if (kafka_codec_notification_decode(msg, len, n, err,
	    sizeof(err)) == -1) {
		c->st.malformed++;
		log_warn("kafka: undecodable blockchain notification: %s", err);
		free(n);
		return;
	}
	log_debug("kafka: blockchain notification %s %s",
	    kafka_codec_notify_name(n->type), n->hash);
	notify_dispatch(c, n);
	kafka_codec_notification_fini(n);
	free(n);
}
