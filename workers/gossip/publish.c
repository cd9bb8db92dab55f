/*
 * Gossip worker: the replies to local publishers on gossip.rep.
 * PublishBatchReq carries several announcements (Teranode JSON, as in
 * PublishReq) and raw pubsub messages (as in PubsubPublishReq) from the
 * Kafka bridge, the API or a tool; each item is published as its own
 * request would be, and the reply lists one outcome per item, so that a
 * busy publisher pays one round trip per batch, not per message.  While a
 * peer's queue is over half full, every publish reply (single or batch) is
 * held until the queues drain, at most GOSSIP_HOLD_MS: a fast local
 * publisher waits instead of making us drop its messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gossip.h"
#include "log.h"
#include "util.h"

/* A batch's outcomes, kept until the reply is sent. */
struct gossip_batch_rep {
	size_t		 n;
	int32_t		*status;	/* owned: n IpcStatus values */
	char		**error;	/* owned: n strings, "" when published */
};

static void
gossip_batch_rep_free(struct gossip_batch_rep *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		free(b->error[i]);
	free(b->error);
	free(b->status);
	free(b);
}

/* Answer req with b (NULL: an Ack); frees b. */
static void
gossip_publish_answer(struct ipc_req *req, struct gossip_batch_rep *b)
{
	Tp__PublishBatchRep	rep = TP__PUBLISH_BATCH_REP__INIT;
	ipc_env			env = TP__ENVELOPE__INIT;

	if (b != NULL) {
		rep.n_status = rep.n_error = b->n;
		rep.status = b->status;
		rep.error = b->error;
		env.body_case = TP__ENVELOPE__BODY_PUBLISH_BATCH_REP;
		env.publish_batch_rep = &rep;
	}
	ipc_reply(req, &env);
	if (b != NULL)
		gossip_batch_rep_free(b);
}

void
gossip_release(void *arg)
{
	struct gossip_ctx	*g = arg;
	size_t			 i, n = g->nheld;

	g->nheld = 0;
	if (g->hold_timer != NULL)
		evtimer_del(g->hold_timer);
	for (i = 0; i < n; i++)
		gossip_publish_answer(g->held[i].req, g->held[i].rep);
}

void
gossip_hold_expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	gossip_release(arg);
}

void
gossip_published(struct gossip_ctx *g, struct ipc_req *req,
    struct gossip_batch_rep *b)
{
	struct timeval	tv = { GOSSIP_HOLD_MS / 1000,
			    (GOSSIP_HOLD_MS % 1000) * 1000 };

	if (!ps_meshsub_busy(&g->ms) || g->nheld == GOSSIP_HOLD_MAX) {
		gossip_publish_answer(req, b);
		return;
	}
	g->held[g->nheld].req = req;
	g->held[g->nheld++].rep = b;
	g->cnt_held++;
	if (g->nheld == 1)
		evtimer_add(g->hold_timer, &tv);
}

/* One raw pubsub message of a batch; 0, or -1 with err filled. */
static int
gossip_publish_raw(struct gossip_ctx *g, const Tp__PubsubPublishReq *r,
    char *err, size_t errlen)
{
	if (ps_publish(g->ms.ps, r->topic, r->data.data, r->data.len) == 0)
		return 0;
	snprintf(err, errlen, "cannot publish %zu bytes on \"%.64s\"",
	    r->data.len, r->topic);
	return -1;
}

void
gossip_on_publish_batch(struct gossip_ctx *g, struct ipc_req *req,
    const Tp__PublishBatchReq *r)
{
	struct gossip_batch_rep	*b;
	char			 err[256];
	size_t			 i, n = r->n_items + r->n_raw;
	int			 rc;

	if (n > GOSSIP_BATCH_MAX) {
		ipc_reply_error(req, TP__IPC_STATUS__IPC_ERR_INVALID,
		    "%zu messages in one batch; at most %d", n,
		    GOSSIP_BATCH_MAX);
		return;
	}
	b = xcalloc(1, sizeof(*b));
	b->n = n;
	b->status = xcalloc(n + 1, sizeof(*b->status));
	b->error = xcalloc(n + 1, sizeof(*b->error));
	for (i = 0; i < n; i++) {
		err[0] = '\0';
		if (i < r->n_items)
			rc = tn_local_publish(g->tn, r->items[i]->kind,
			    r->items[i]->json, err, sizeof(err));
		else
			rc = gossip_publish_raw(g, r->raw[i - r->n_items], err,
			    sizeof(err));
		b->status[i] = rc == 0 ? TP__IPC_STATUS__IPC_OK :
		    TP__IPC_STATUS__IPC_ERR_INVALID;
		b->error[i] = xstrdup(rc == 0 ? "" : err);
	}
	g->cnt_batches++;
	g->cnt_batched += n;
	gossip_published(g, req, b);
}
