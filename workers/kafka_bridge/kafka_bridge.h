/*
 * The Kafka bridge worker (terap2pd -R kafka): the private header shared by
 * its files.  Functions are prefixed kafka_<aspect>_ after the file they
 * live in (kafka_bridge_codec.c -> kafka_codec_*, kafka_bridge_attrib.c ->
 * kafka_attrib_*, kafka_bridge_producer.c -> kafka_producer_*,
 * kafka_bridge_consumer.c -> kafka_consumer_*, kafka_bridge_mock.c ->
 * kafka_mock_*, kafka_bridge_conf.c -> kafka_conf_*); kafka_bridge.c holds
 * kafka_main(), the loop, the IPC dispatch and the gossip events.
 *
 * Threads: librdkafka runs its own; everything it reports (delivery
 * reports, consumed messages, errors) is handed to the libevent loop through
 * rd_kafka_queue_io_event_enable() and served there.  One more thread of
 * ours, the health probe, only calls rd_kafka_metadata() and stores the
 * answer in atomics.
 */
#ifndef KAFKA_BRIDGE_H
#define KAFKA_BRIDGE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

struct proc;
struct event;
struct kafka_attrib;
struct kafka_mock;
struct proc_stats;
struct grpc_loop;
typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;
typedef struct rd_kafka_message_s rd_kafka_message_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;

/* Worker entry, called by the supervisor's process table for -R kafka. */
int	kafka_main(struct proc *);

/* ---- kafka_bridge_codec.c: Kafka values, gossip JSON, URLs (pure) ---- */

#define KAFKA_HASH_HEX		64	/* display-order hex, without NUL */
#define KAFKA_PEER_MAX		128	/* longest accepted peer ID */
#define KAFKA_URL_MAX		2048	/* longest accepted DataHub URL */
#define KAFKA_REASON_MAX	1024	/* longer reasons are cut */
#define KAFKA_TOPIC_MAX		249	/* Kafka's own limit */
#define KAFKA_META_MAX		64	/* metadata entries kept */

/* Teranode's model.NotificationType values. */
enum kafka_notify_type {
	KAFKA_NOTIFY_PING = 0,
	KAFKA_NOTIFY_SUBTREE = 1,
	KAFKA_NOTIFY_BLOCK = 2,
	KAFKA_NOTIFY_MINING_ON = 3,
	KAFKA_NOTIFY_FSM_STATE = 4,
	KAFKA_NOTIFY_BLOCK_SUBTREES_SET = 5,
	KAFKA_NOTIFY_PEER_FAILURE = 6,
	KAFKA_NOTIFY_BLOCK_PERSISTED = 7
};

/* A consumed rejectedtx value. */
struct kafka_rejected_tx {
	char	txid[KAFKA_HASH_HEX + 1];		/* canonical hex */
	char	reason[KAFKA_REASON_MAX + 1];
	char	peer_id[KAFKA_PEER_MAX + 1];		/* "": our own node */
};

/* A consumed invalid-blocks value. */
struct kafka_invalid_block {
	char	hash[KAFKA_HASH_HEX + 1];
	char	reason[KAFKA_REASON_MAX + 1];
};

/* A consumed invalid-subtrees value. */
struct kafka_invalid_subtree {
	char	hash[KAFKA_HASH_HEX + 1];
	char	peer_url[KAFKA_URL_MAX + 1];
	char	reason[KAFKA_REASON_MAX + 1];
};

struct kafka_meta {
	char	*key, *value;		/* owned */
};

/* A consumed blockchain notification; free with kafka_codec_notification_fini. */
struct kafka_notification {
	int			 type;		/* enum kafka_notify_type */
	char			 hash[KAFKA_HASH_HEX + 1];	/* "" if none */
	char			 base_url[KAFKA_URL_MAX + 1];
	struct kafka_meta	 meta[KAFKA_META_MAX];
	size_t			 nmeta;
};

/*
 * Canonical hash text: 1..64 hex digits of either case (chainhash's rule),
 * left-padded with zeros to 64 lower-case digits.  -1 on anything else.
 */
int	kafka_codec_hash(const char *in, char out[KAFKA_HASH_HEX + 1]);

/*
 * Decoders of consumed values: pure, never read past len, -1 with err
 * filled on a malformed value (undecodable protobuf, bad hash, oversized
 * field).  Reasons longer than KAFKA_REASON_MAX are cut, not refused.
 */
int	kafka_codec_rejected_tx_decode(const void *buf, size_t len,
	    struct kafka_rejected_tx *out, char *err, size_t errlen);
int	kafka_codec_invalid_block_decode(const void *buf, size_t len,
	    struct kafka_invalid_block *out, char *err, size_t errlen);
int	kafka_codec_invalid_subtree_decode(const void *buf, size_t len,
	    struct kafka_invalid_subtree *out, char *err, size_t errlen);
int	kafka_codec_notification_decode(const void *buf, size_t len,
	    struct kafka_notification *out, char *err, size_t errlen);
void	kafka_codec_notification_fini(struct kafka_notification *);
/* The value of metadata key, or NULL.  Borrowed from n. */
const char	*kafka_codec_meta(const struct kafka_notification *n,
		    const char *key);
const char	*kafka_codec_notify_name(int type);

/*
 * Encode a KafkaBlockTopicMessage (subtree: KafkaSubtreeTopicMessage, same
 * fields) into a new buffer *out the caller frees (or hands to librdkafka).
 */
int	kafka_codec_block_encode(const char *hash, const char *url,
	    const char *peer_id, uint8_t **out, size_t *len);
int	kafka_codec_subtree_encode(const char *hash, const char *url,
	    const char *peer_id, uint8_t **out, size_t *len);
/* Encoders of the consumed kinds, for tests, tools and the bench. */
int	kafka_codec_rejected_tx_encode(const char *txid, const char *reason,
	    const char *peer_id, uint8_t **out, size_t *len);
int	kafka_codec_invalid_block_encode(const char *hash, const char *reason,
	    uint8_t **out, size_t *len);
int	kafka_codec_invalid_subtree_encode(const char *hash,
	    const char *peer_url, const char *reason, uint8_t **out,
	    size_t *len);
/* hash: display hex, stored as 32 internal-order bytes. */
int	kafka_codec_notification_encode(int type, const char *hash,
	    const char *base_url, const char *const *kv, size_t nkv,
	    uint8_t **out, size_t *len);

/*
 * Gossip JSON for a Publish request, keys and order as Teranode emits them
 * (Go field names, no omitempty, HTML-safe escaping).  *json is a new
 * string the caller frees.  The notification builders read height, header,
 * previous_hash, miner, size_in_bytes and tx_count from the metadata and
 * fail (-1, err) on a non-numeric number.
 */
int	kafka_codec_rejected_tx_json(const struct kafka_rejected_tx *,
	    const char *own_peer, char **json);
int	kafka_codec_notification_json(const struct kafka_notification *,
	    const char *own_peer, char **json, char *err, size_t errlen);

/* A kafka_*Config URL: kafka://host1,host2/topic?partitions=8&replication=3 */
struct kafka_url {
	char	scheme[16];			/* kafka, memory */
	char	hosts[512];
	char	topic[KAFKA_TOPIC_MAX + 1];
	int	partitions;			/* default 1 */
	int	replication;			/* default 1 */
	int	replay;				/* -1 unset, 0 newest, 1 oldest */
};

/* Parse url (pure); unknown query parameters are ignored. */
int	kafka_codec_url_parse(const char *url, struct kafka_url *out,
	    char *err, size_t errlen);

/* ---- kafka_bridge_attrib.c: hash -> (peer, time), bounded, TTL ---- */

struct kafka_attrib_stats {
	uint64_t	inserted;
	uint64_t	evicted;	/* pushed out by the size cap */
	uint64_t	expired;	/* removed by a sweep or a late lookup */
	uint64_t	hits, misses;
};

/* A map of at most max entries living ttl_ms each. */
struct kafka_attrib	*kafka_attrib_new(size_t max, uint64_t ttl_ms);
void			 kafka_attrib_free(struct kafka_attrib *);
/*
 * Remember that peer announced hash at now_ms (monotonic, never going
 * back); replaces an older entry for hash, evicts the oldest entry when
 * full.  Strings are copied; over-long ones are refused (-1).
 */
int	kafka_attrib_put(struct kafka_attrib *, const char *hash,
	    const char *peer, uint64_t now_ms);
/*
 * Find hash's peer (copied into peer) and remove the entry, as a ban report
 * consumes it.  -1 when absent or expired.
 */
int	kafka_attrib_take(struct kafka_attrib *, const char *hash,
	    uint64_t now_ms, char peer[KAFKA_PEER_MAX + 1]);
/* Drop the entries older than the TTL; returns how many went. */
size_t	kafka_attrib_sweep(struct kafka_attrib *, uint64_t now_ms);
size_t	kafka_attrib_count(const struct kafka_attrib *);
const struct kafka_attrib_stats	*kafka_attrib_stats(
				    const struct kafka_attrib *);

/* ---- kafka_bridge_conf.c: settings and librdkafka configuration ---- */

enum kafka_topic_id {
	KAFKA_T_BLOCKS,
	KAFKA_T_SUBTREES,
	KAFKA_T_REJECTEDTX,
	KAFKA_T_INVALID_BLOCKS,
	KAFKA_T_INVALID_SUBTREES,
	KAFKA_T_COUNT
};

struct kafka_topic {
	char	name[KAFKA_TOPIC_MAX + 1];
	int	partitions;
	int	replication;
	int	replay;			/* 1: a new group starts at the oldest */
};

struct kafka_conf {
	char			bootstrap[1024];	/* "" until known */
	int			embedded;
	struct kafka_topic	topics[KAFKA_T_COUNT];
	char			group[300];		/* p2p.<clientName> */
	int			listen_only;
	size_t			queue_max;
	uint64_t		probe_timeout_ms;
	size_t			map_max;
	uint64_t		map_ttl_ms;
	uint64_t		map_sweep_ms;
};

struct kafka_ctx;

/* Read the settings into k->conf; -1 with err naming the key. */
int	kafka_conf_load(struct kafka_ctx *, char *err, size_t errlen);
/*
 * A librdkafka configuration with the bootstrap servers, TLS and SASL
 * settings; NULL with err set.  The caller owns the result.
 */
rd_kafka_conf_t	*kafka_conf_rd(struct kafka_ctx *, char *err, size_t errlen);
/* Set one property or log why not; -1 on failure. */
int	kafka_conf_set(rd_kafka_conf_t *, const char *name, const char *value,
	    char *err, size_t errlen);

/* ---- kafka_bridge_mock.c: the embedded broker ---- */

/*
 * Start librdkafka's mock cluster in this process with the topics of
 * conf; its bootstrap address goes into conf->bootstrap.
 */
struct kafka_mock	*kafka_mock_start(struct kafka_conf *conf, char *err,
			    size_t errlen);
void			 kafka_mock_stop(struct kafka_mock *);

/* ---- kafka_bridge_producer.c ---- */

struct kafka_produce_stats {
	uint64_t	enqueued;
	uint64_t	delivered;	/* acknowledged by the brokers (acks=all) */
	uint64_t	failed;		/* delivery reported a permanent error */
	uint64_t	dropped;	/* refused: the bounded queue was full */
	uint64_t	invalid;	/* not produced: bad input */
};

/* Create the idempotent producer and the health probe; -1 with err set. */
int	kafka_producer_start(struct kafka_ctx *, char *err, size_t errlen);
/* Flush for up to timeout_ms, then destroy. */
void	kafka_producer_stop(struct kafka_ctx *, int timeout_ms);
/*
 * Enqueue a KafkaBlockTopicMessage (or subtree) with key = hash; value is
 * built here.  Never blocks: a full queue counts and logs a drop.
 * 0 queued, -1 refused (IPC status in *status).
 */
int	kafka_producer_block(struct kafka_ctx *, enum kafka_topic_id t,
	    const char *hash, const char *url, const char *peer_id,
	    int *status);
/* A non-blocking pipe for rd_kafka_queue_io_event_enable; drain it. */
int	kafka_producer_pipe(int fd[2]);
void	kafka_producer_drain_fd(int fd);
/* Messages handed to librdkafka and not yet acknowledged. */
size_t	kafka_producer_queued(struct kafka_ctx *);
/* 1 when the last metadata request was answered in time. */
int	kafka_producer_brokers_up(struct kafka_ctx *, char *detail,
	    size_t len);

/* ---- kafka_bridge_consumer.c ---- */

struct kafka_consume_stats {
	uint64_t	consumed;	/* messages handled (offset stored) */
	uint64_t	malformed;	/* undecodable: logged and skipped */
	uint64_t	published;	/* messages gossip published for us */
	uint64_t	publish_batches; /* PublishBatchReq answered */
	uint64_t	ban_reports;	/* AddBanScore requests answered */
	uint64_t	unattributed;	/* invalid block/subtree, peer unknown */
	uint64_t	ignored;	/* external rejections, listen_only, ... */
	uint64_t	retries;	/* IPC calls retried (peer process down) */
	uint64_t	syncing;	/* ignored: the local node is syncing */
};

/* Join group p2p.<clientName> on the consumed topics; -1 with err set. */
int	kafka_consumer_start(struct kafka_ctx *, char *err, size_t errlen);
/* Commit what was handled, leave the group, destroy. */
void	kafka_consumer_stop(struct kafka_ctx *);
/* Messages taken from Kafka and not handled yet. */
size_t	kafka_consumer_inflight(struct kafka_ctx *);

/* ---- kafka_bridge_chainmsg.c: blockchain / block-assembly messages (pure) ---- */

#define KAFKA_CHAIN_MSG_MAX	(4 * 1024 * 1024)	/* largest response read */
#define KAFKA_CHAIN_ADDR_MAX	255
#define KAFKA_MINER_MAX		128	/* longer miner names are cut */

/* blockchain_api.FSMStateType, and "not known". */
enum kafka_fsm {
	KAFKA_FSM_UNKNOWN = -1,
	KAFKA_FSM_IDLE = 0,
	KAFKA_FSM_RUNNING = 1,
	KAFKA_FSM_CATCHINGBLOCKS = 2,
	KAFKA_FSM_LEGACYSYNCING = 3
};

/* A GetBlockHeaderResponse, checked: an 80-byte header, chain_work <= 32 B. */
struct kafka_chain_header {
	uint8_t		header[80];
	char		header_hex[161];
	char		hash[KAFKA_HASH_HEX + 1];	/* dSHA256 of header, display */
	char		prev_hash[KAFKA_HASH_HEX + 1];
	char		chain_work[65];			/* 32 bytes big-endian, hex */
	uint32_t	height;
	uint64_t	tx_count, size_in_bytes;
	char		miner[KAFKA_MINER_MAX + 1];	/* printable ASCII, cut */
	int		invalid;
};

/*
 * Response decoders: pure, never read past len, -1 with err filled on a
 * malformed or oversized response.
 */
int	kafka_chainmsg_header_decode(const void *buf, size_t len,
	    struct kafka_chain_header *out, char *err, size_t errlen);
int	kafka_chainmsg_fsm_decode(const void *buf, size_t len, int *state,
	    char *err, size_t errlen);
/* GetState("BlockPersisterHeight"): 4 bytes little-endian. */
int	kafka_chainmsg_persisted_decode(const void *buf, size_t len,
	    uint32_t *height, char *err, size_t errlen);
int	kafka_chainmsg_assembly_decode(const void *buf, size_t len,
	    uint64_t *tx_count, uint32_t *subtree_count, char *err,
	    size_t errlen);
int	kafka_chainmsg_health_decode(const void *buf, size_t len, int *ok,
	    char *details, size_t cap, char *err, size_t errlen);
/* Requests, in a new buffer *out the caller frees. hash: display hex. */
void	kafka_chainmsg_subscribe_encode(const char *source, uint8_t **out,
	    size_t *len);
int	kafka_chainmsg_header_req_encode(const char *hash, uint8_t **out,
	    size_t *len);
void	kafka_chainmsg_state_req_encode(const char *key, uint8_t **out,
	    size_t *len);
/* "RUNNING" ... ; "" for KAFKA_FSM_UNKNOWN.  parse: KAFKA_FSM_UNKNOWN if none. */
const char	*kafka_chainmsg_fsm_name(int state);
int		 kafka_chainmsg_fsm_parse(const char *name);

/* ---- kafka_bridge_rpc.c: gRPC calls on the core C API ---- */

typedef struct grpc_completion_queue grpc_completion_queue;
struct kafka_rpc;
struct kafka_rpc_chan;
/* A streamed message (borrowed for the call). */
typedef void	kafka_rpc_msg_cb(void *arg, const uint8_t *msg, size_t len);
/* The call ended with a gRPC status code (0 OK); unary: msg its response
 * or NULL.  Not called after kafka_rpc_cancel(). */
typedef void	kafka_rpc_end_cb(void *arg, int code, const char *details,
		    const uint8_t *msg, size_t len);

/* A plaintext HTTP/2 channel to target ("host:port"); connects lazily. */
struct kafka_rpc_chan	*kafka_rpc_chan_open(grpc_completion_queue *cq,
			    const char *target);
/* Cancel every call and close; their on_end still comes (CANCELLED)
 * through the loop, or from grpc_loop_free(). */
void			 kafka_rpc_chan_close(struct kafka_rpc_chan *);
const char		*kafka_rpc_chan_target(const struct kafka_rpc_chan *);
/*
 * Start method ("/pkg.Service/Method") with one request message;
 * timeout_ms 0: no deadline.  streaming: each response goes to on_msg.
 * NULL if it could not start (logged).  The call frees itself after on_end.
 */
struct kafka_rpc	*kafka_rpc_call(struct kafka_rpc_chan *,
			    const char *method, const uint8_t *req, size_t len,
			    uint64_t timeout_ms, int streaming,
			    kafka_rpc_msg_cb *on_msg, kafka_rpc_end_cb *on_end,
			    void *arg);
/* Cancel r; its callbacks are not called any more. */
void			 kafka_rpc_cancel(struct kafka_rpc *r);

/* ---- kafka_bridge_chain.c: the blockchain and block-assembly client ---- */

struct kafka_chain;
/* Read the settings and start; a NULL result means the client is off
 * (blockchain_grpcAddress empty). */
struct kafka_chain	*kafka_chain_start(struct kafka_ctx *);
void			 kafka_chain_stop(struct kafka_chain *);
/* 1 while the node is syncing (CATCHINGBLOCKS, LEGACYSYNCING). */
int			 kafka_chain_syncing(const struct kafka_chain *);
/* Readiness: adds the blockchain and FSM dependencies; 1 when both are up. */
int			 kafka_chain_health(struct kafka_chain *,
			    Tp__HealthRep *rep);
void			 kafka_chain_stats(struct kafka_chain *,
			    struct proc_stats *st);

/* The client's state, shared by kafka_bridge_chain.c (connection, polls,
 * chain state) and kafka_bridge_chain_notify.c (the notification stream). */

#define KAFKA_CHAIN_SEEN	1024	/* announced hashes remembered */
#define KAFKA_CHAIN_LOOKUPS	16	/* GetBlockHeader calls at once */

enum kafka_chain_phase {
	KAFKA_CHAIN_BACKOFF,		/* waiting to try again */
	KAFKA_CHAIN_HEALTH,		/* HealthGRPC */
	KAFKA_CHAIN_WAIT_FSM,		/* WaitUntilFSMTransitionFromIdleState */
	KAFKA_CHAIN_SUBSCRIBING,	/* Subscribe sent, nothing received */
	KAFKA_CHAIN_SUBSCRIBED		/* the stream delivers */
};

struct kafka_chain_stats {
	uint64_t	notifications;	/* received on the stream */
	uint64_t	malformed;	/* undecodable responses / notifications */
	uint64_t	blocks, subtrees;	/* announced (gossip answered) */
	uint64_t	duplicates;	/* already announced: not again */
	uint64_t	invalid;	/* Block notification of an invalid block */
	uint64_t	syncing;	/* dropped while syncing */
	uint64_t	listen_only;	/* dropped in listen_only */
	uint64_t	catchup_failures;	/* PeerFailure catchup -> gossip */
	uint64_t	other_failures;	/* PeerFailure of another type */
	uint64_t	subscriptions;	/* streams that delivered */
	uint64_t	failures;	/* failed attempts to reach the service */
	uint64_t	lookups_dropped;	/* too many GetBlockHeader at once */
};

struct kafka_chain {
	struct kafka_ctx	*k;		/* borrowed */
	struct grpc_loop	*loop;		/* owned */
	struct kafka_rpc_chan	*bc;		/* owned: blockchain */
	struct kafka_rpc_chan	*ba;		/* owned: block assembly, or NULL */
	enum kafka_chain_phase	 phase;
	struct kafka_rpc	*call;		/* the phase's call, or NULL */
	struct event		*retry_ev;	/* owned */
	struct event		*poll_ev;	/* owned */
	unsigned		 attempts;	/* failures in a row */
	unsigned		 poll_failures;	/* FSM polls failing in a row */
	uint64_t		 backoff_ms;	/* after Teranode's retries */
	uint64_t		 next_log_ms;	/* rate limit of repeated warnings */
	uint64_t		 up_since_ms;	/* wall clock; 0 while down */
	char			 last_err[256];
	/* settings */
	unsigned		 max_retries;	/* blockchain_maxRetries */
	uint64_t		 retry_sleep_ms; /* blockchain_retrySleep */
	uint64_t		 poll_ms;	/* p2p_node_status_interval */
	uint32_t		 retention;	/* global_blockHeightRetention */
	/* the local chain */
	int			 fsm;		/* enum kafka_fsm */
	int			 height_known;
	uint32_t		 height;
	char			 best_hash[KAFKA_HASH_HEX + 1];
	char			 chain_work[65];
	char			 miner[KAFKA_MINER_MAX + 1];
	int			 persisted_known;
	uint32_t		 persisted;
	uint64_t		 tx_count;
	uint32_t		 subtree_count;
	/* announced hashes, a ring */
	char			 seen[KAFKA_CHAIN_SEEN][KAFKA_HASH_HEX + 1];
	size_t			 seen_next;
	int			 lookups;	/* GetBlockHeader in flight */
	int			 stopping;	/* callbacks only free */
	struct kafka_chain_stats st;
};

/* kafka_bridge_chain.c, for kafka_bridge_chain_notify.c */
/* The stream ended or a phase failed: back off and start over. */
void	kafka_chain_failed(struct kafka_chain *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The stream delivered its first message. */
void	kafka_chain_subscribed(struct kafka_chain *);
/* Publish the local chain state on kafka.pub. */
void	kafka_chain_publish_state(struct kafka_chain *);
/* Ask the services for the chain state now (FSM, best header, ...). */
void	kafka_chain_poll(struct kafka_chain *);
void	kafka_chain_best(struct kafka_chain *, const struct kafka_chain_header *);

/* kafka_bridge_chain_notify.c */
/* One message of the Subscribe stream. */
void	kafka_chain_notify_msg(void *arg, const uint8_t *msg, size_t len);

/* ---- the context ---- */

#define KAFKA_WINDOW	64	/* consumed messages in flight at once */

struct kafka_slot;

struct kafka_ctx {
	struct proc		*p;		/* borrowed: the worker run-time */
	struct kafka_conf	 conf;
	struct ipc_pub		*pub;		/* kafka.pub, owned by the hub */
	struct ipc_sub		*gossip_sub;	/* gossip.pub, owned by the hub */
	struct ipc_client	*gossip;	/* gossip.rep, owned by the hub */
	struct ipc_client	*bans;		/* bans.rep, owned by the hub */
	struct kafka_mock	*mock;		/* owned; NULL unless embedded */
	struct kafka_attrib	*blocks;	/* owned: block hash -> peer */
	struct kafka_attrib	*subtrees;	/* owned: subtree hash -> peer */
	struct event		*sweep_ev;	/* owned */
	int			 fatal;		/* librdkafka gave up: exit 1 */

	/* producer (kafka_bridge_producer.c) */
	rd_kafka_t		*prod;		/* owned */
	rd_kafka_queue_t	*prod_q;	/* owned: main queue */
	int			 prod_fd[2];	/* queue wake-up pipe */
	struct event		*prod_ev;	/* owned */
	struct event		*prod_timer;	/* owned */
	struct kafka_produce_stats pn;
	uint64_t		 drop_logged_ms;
	uint64_t		 drop_logged_n;

	/* health probe thread */
	pthread_t		 probe;
	int			 probe_running;
	pthread_mutex_t		 probe_mu;
	pthread_cond_t		 probe_cv;
	int			 probe_stop;	/* under probe_mu */
	atomic_int		 brokers_up;
	atomic_uint_fast64_t	 probe_ok_ms;	/* monotonic; 0 never */
	atomic_int		 probe_nbrokers;

	/* consumer (kafka_bridge_consumer.c) */
	rd_kafka_t		*cons;		/* owned */
	rd_kafka_queue_t	*cons_q;	/* owned */
	int			 cons_fd[2];
	struct event		*cons_ev;	/* owned */
	struct event		*cons_timer;	/* owned */
	struct kafka_slot	*slots;		/* owned: KAFKA_WINDOW ring */
	size_t			 slot_head, slot_n;
	/* rejectedtx to publish, sent together once the loop turns */
	struct kafka_slot	*batch_head;	/* borrowed slots, batch_next */
	struct kafka_slot	**batch_tail;
	size_t			 batch_n;
	struct event		*batch_ev;	/* owned */
	struct kafka_consume_stats cn;

	/* the blockchain / block-assembly client (kafka_bridge_chain.c) */
	struct kafka_chain	*chain;		/* owned; NULL: off */
};

#endif
