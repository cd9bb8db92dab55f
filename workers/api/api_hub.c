/*
 * API worker: the /p2p-ws hub that Teranode's dashboard reads (as
 * Teranode's services/p2p serves it).  It upgrades a connection (api_ws.c does the framing), sends each
 * new client our node_status, fans notifications (gossip.pub and bans.pub
 * events) out to every client, sends a PING every
 * api_ws_ping_interval, and drops a client whose output has not drained for
 * API_HUB_BEHIND_MS (Teranode's 1 s) or holds more than API_HUB_QUEUE_MAX
 * bytes.  Client frames are read only to answer Close and Ping; their data
 * is ignored, as in Teranode.  A client costs bounded memory whatever it
 * sends: its input is capped (read high-water mark), reading stops for good
 * once it sent Close or a bad frame, a closing client is freed after
 * API_HUB_CLOSE_MS whether or not it takes our Close, and a client that
 * does not answer the keepalive Ping (RFC 6455 5.5.2; browsers answer it
 * themselves) with its nonce within an interval loses its slot.
 */
#include <sys/socket.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "api.h"
#include "config.h"
#include "log.h"
#include "proc.h"
#include "tp.h"
#include "util.h"

#define API_HUB_BEHIND_MS	1000
#define API_HUB_QUEUE_MAX	(1024 * 1024)
#define API_HUB_SNDBUF		(64 * 1024)
#define API_HUB_TICK_MS		100
#define API_HUB_CLOSE_MS	1000	/* a closing client's last second */
#define API_HUB_DROP_LINES	5	/* info lines per summary interval */
#define API_HUB_PONG_GRACE_MS	1000	/* beyond one ping interval */
#define API_HUB_INPUT_MAX	(2 * (API_WS_FRAME_MAX + 14))

/* ---- the hub ---- */

static void
api_hub_drop(struct api_conn *c, const char *why)
{
	/* a few lines per interval; api_conn.c's summary counts the rest */
	if (c->ctx->drop_lines++ < API_HUB_DROP_LINES)
		log_info("api: /p2p-ws client %s dropped: %s", c->peer, why);
	else
		log_debug("api: /p2p-ws client %s dropped: %s", c->peer, why);
	api_conn_free(c);
}

static int
api_hub_send(struct api_conn *c, int opcode, const void *p, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	uint8_t		 h[10];
	size_t		 queued = evbuffer_get_length(out);

	if (queued + len > API_HUB_QUEUE_MAX)
		return -1;
	evbuffer_add(out, h, api_ws_header(opcode, len, h));
	evbuffer_add(out, p, len);
	if (c->behind_since == 0)
		c->behind_since = util_mono_ms();
	c->ctx->n.ws_sent++;
	return 0;
}

static void
api_hub_send_json(struct api_conn *c, cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);

	api_hub_send(c, API_WS_TEXT, s, strlen(s));
	free(s);
	cJSON_Delete(o);
}

/*
 * Send Close (code 0: echo nothing) and stop reading for good: whatever the
 * client sends from now on stays in the kernel, and the connection goes
 * after API_HUB_CLOSE_MS even if the client never reads our Close.
 */
static void
api_hub_close(struct api_conn *c, const uint8_t *code, size_t len)
{
	api_hub_send(c, API_WS_CLOSE, code, len);
	c->closing = 1;
	c->close_by = util_mono_ms() + API_HUB_CLOSE_MS;
	bufferevent_disable(c->bev, EV_READ);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
}

void
api_hub_broadcast(struct api_ctx *ctx, const char *json, size_t len)
{
	struct api_conn	*c, *next;

	for (c = ctx->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->ws || c->closing)
			continue;
		if (api_hub_send(c, API_WS_TEXT, json, len) == -1) {
			ctx->n.ws_dropped_slow++;
			api_hub_drop(c, "too far behind (output queue full)");
		}
	}
}

cJSON *
api_hub_node_status(struct api_ctx *ctx)
{
	const struct config	*cfg = ctx->p->cfg;
	uint64_t		 up = util_mono_ms() - ctx->p->started_ms;
	uint64_t		 now = util_wall_ms();
	cJSON			*o;
	char			 ts[32];

	/* the gossip worker's own node_status, when it has published one,
	 * built as every later one is (same keys, same order) */
	if (ctx->own_status != NULL) {
		Tp__NodeStatusSeen	s = TP__NODE_STATUS_SEEN__INIT;
		ipc_env			ev = TP__ENVELOPE__INIT;

		s.peer_id = ctx->own_peer_id;
		s.json = ctx->own_status;
		s.own = 1;
		ev.body_case = TP__ENVELOPE__BODY_NODE_STATUS_SEEN;
		ev.node_status_seen = &s;
		if ((o = api_json_notification(&ev, now)) != NULL)
			return o;
	}
	api_json_time(now, ts);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "timestamp", ts);
	cJSON_AddStringToObject(o, "type", "node_status");
	cJSON_AddStringToObject(o, "base_url", "");
	cJSON_AddStringToObject(o, "peer_id", "");
	cJSON_AddStringToObject(o, "version", TP_VERSION);
	cJSON_AddNumberToObject(o, "best_height", 0);
	cJSON_AddNullToObject(o, "block_assembly_details");
	cJSON_AddStringToObject(o, "fsm_state", "UNKNOWN");
	cJSON_AddNumberToObject(o, "start_time", (double)((now - up) / 1000));
	cJSON_AddNumberToObject(o, "uptime", (double)up / 1000.0);
	cJSON_AddStringToObject(o, "client_name", config_str(cfg,
	    "clientName"));
	cJSON_AddStringToObject(o, "listen_mode", config_str(cfg,
	    "listen_mode"));
	return o;
}

/* Take over c as a /p2p-ws client (the request asked for an upgrade). */
static void
api_hub_upgrade(struct api_conn *c)
{
	struct api_ctx	*ctx = c->ctx;
	char		 accept[32];
	int		 sz = API_HUB_SNDBUF;

	if (!c->req.upgrade_ws) {
		api_conn_error(c, 426, NULL, "/p2p-ws is a WebSocket: send "
		    "\"Connection: Upgrade\" and \"Upgrade: websocket\"");
		return;
	}
	if (strcmp(c->req.ws_version, "13") != 0) {
		c->req.keep_alive = 0;
		api_conn_reply(c, 426, "application/json",
		    "{\"error\":\"WebSocket version 13 only\"}", 37,
		    "Sec-WebSocket-Version: 13\r\n");
		return;
	}
	if (api_ws_accept_key(c->req.ws_key, accept) == -1) {
		api_conn_error(c, 400, NULL, "bad Sec-WebSocket-Key");
		return;
	}
	if (ctx->nws >= ctx->max_ws) {
		ctx->n.ws_refused++;
		api_conn_error(c, 503, NULL, "too many /p2p-ws clients (%zu); "
		    "try later", ctx->max_ws);
		return;
	}
	ctx->n.responses[1]++;
	evbuffer_add_printf(bufferevent_get_output(c->bev),
	    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	free(c->body);
	c->body = NULL;
	c->ws = 1;
	ctx->nws++;
	ctx->n.ws_clients_total++;
	/* A small kernel buffer so a stalled reader shows up within the second. */
	setsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_SNDBUF, &sz,
	    sizeof(sz));
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	bufferevent_setwatermark(c->bev, EV_READ, 0, API_HUB_INPUT_MAX);
	bufferevent_enable(c->bev, EV_READ);
	api_hub_send_json(c, api_hub_node_status(ctx));
	log_debug("api: /p2p-ws client %s (%zu connected)", c->peer, ctx->nws);
}

static void
api_hub_on_drained(struct api_conn *c)
{
	c->behind_since = 0;
}

/* Handle one whole client frame; -1 when the connection is done. */
static int
api_hub_frame(struct api_conn *c, const struct api_ws_frame *f, uint8_t *p)
{
	api_ws_unmask(p, (size_t)f->len, f->mask, 0);
	switch (f->opcode) {
	case API_WS_CLOSE:
		api_hub_close(c, p, f->len >= 2 ? 2 : 0);
		return -1;
	case API_WS_PING:
		api_hub_send(c, API_WS_PONG, p, (size_t)f->len);
		return 0;
	case API_WS_PONG:
		if (f->len == sizeof(c->ping_nonce) &&
		    memcmp(p, c->ping_nonce, sizeof(c->ping_nonce)) == 0)
			c->pong_by = 0;
		return 0;
	default:
		return 0;	/* the server never acts on client data */
	}
}

static void
api_hub_on_read(struct api_conn *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct api_ws_frame	 f;
	uint8_t			*p, cc[2];
	size_t			 len;
	int			 code;

	/* a client that does not read our output gets no more input read */
	if (!c->closing && evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    API_HUB_QUEUE_MAX) {
		c->ctx->n.ws_dropped_slow++;
		api_hub_drop(c, "too far behind (output queue full)");
		return;
	}
	while (!c->closing && (len = evbuffer_get_length(in)) > 0) {
		p = evbuffer_pullup(in, (ssize_t)(len < 14 ? len : 14));
		switch (api_ws_parse(p, len < 14 ? len : 14, &f, &code)) {
		case API_WS_AGAIN:
			return;
		case API_WS_ERROR:
			cc[0] = (uint8_t)(code >> 8);
			cc[1] = (uint8_t)code;
			api_hub_close(c, cc, 2);
			return;
		case API_WS_OK:
			break;
		}
		if (len < f.hdr_len + f.len)
			return;
		p = evbuffer_pullup(in, (ssize_t)(f.hdr_len + f.len));
		code = api_hub_frame(c, &f, p + f.hdr_len);
		if (code == -1)
			return;		/* api_hub_close emptied the input */
		evbuffer_drain(in, f.hdr_len + (size_t)f.len);
	}
}

/* Drop clients past a deadline: behind, closing, or silent to our Ping. */
static void
api_hub_sweep(struct api_ctx *ctx, uint64_t now)
{
	struct api_conn	*c, *next;

	for (c = ctx->conns; c != NULL; c = next) {
		next = c->next;
		if (!c->ws)
			continue;
		if (c->closing && now > c->close_by) {
			ctx->n.ws_dropped_closing++;
			api_hub_drop(c, "did not take our Close within 1 s");
		} else if (!c->closing && c->behind_since != 0 &&
		    now - c->behind_since > API_HUB_BEHIND_MS) {
			ctx->n.ws_dropped_slow++;
			api_hub_drop(c, "more than 1 s behind");
		} else if (!c->closing && c->pong_by != 0 && now > c->pong_by) {
			ctx->n.ws_dropped_no_pong++;
			api_hub_drop(c, "no Pong to the keepalive Ping");
		}
	}
}

/* A keepalive Ping with a fresh nonce to every client that answered the last. */
static void
api_hub_keepalive(struct api_ctx *ctx, uint64_t now)
{
	for (struct api_conn *c = ctx->conns; c != NULL; c = c->next) {
		if (!c->ws || c->closing || c->pong_by != 0)
			continue;
		randombytes_buf(c->ping_nonce, sizeof(c->ping_nonce));
		if (api_hub_send(c, API_WS_PING, c->ping_nonce,
		    sizeof(c->ping_nonce)) == 0)
			c->pong_by = now + ctx->ws_ping_ms + API_HUB_PONG_GRACE_MS;
	}
}

static void
api_hub_tick(evutil_socket_t fd, short what, void *arg)
{
	struct api_ctx	*ctx = arg;
	uint64_t	 now = util_mono_ms();
	cJSON		*ping;
	char		*s;

	(void)fd;
	(void)what;
	api_hub_sweep(ctx, now);
	if (now - ctx->ws_last_ping < ctx->ws_ping_ms)
		return;
	ctx->ws_last_ping = now;
	if (ctx->nws == 0)
		return;
	api_hub_keepalive(ctx, now);
	ping = api_json_ping(util_wall_ms(), ctx->own_peer_id,
	    ctx->own_base_url);
	s = cJSON_PrintUnformatted(ping);
	api_hub_broadcast(ctx, s, strlen(s));
	free(s);
	cJSON_Delete(ping);
}

void
api_hub_start(struct api_ctx *ctx)
{
	struct timeval	tv = { 0, API_HUB_TICK_MS * 1000 };

	ctx->ws_upgrade = api_hub_upgrade;
	ctx->ws_on_read = api_hub_on_read;
	ctx->ws_on_drained = api_hub_on_drained;
	ctx->ws_last_ping = util_mono_ms();
	ctx->ws_timer = event_new(ctx->p->base, -1, EV_PERSIST, api_hub_tick,
	    ctx);
	if (ctx->ws_timer == NULL || event_add(ctx->ws_timer, &tv) == -1)
		fatal("api: cannot start the /p2p-ws timer");
}

void
api_hub_stop(struct api_ctx *ctx)
{
	if (ctx->ws_timer != NULL) {
		event_free(ctx->ws_timer);
		ctx->ws_timer = NULL;
	}
}
