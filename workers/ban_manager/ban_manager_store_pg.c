/*
 * Ban manager: the PostgreSQL backend of the ban store (libpq), for
 * several terap2p instances sharing one database.  Each change is
 * announced with pg_notify('terap2p_bans', "<instance> <kind> <key>")
 * inside its transaction, so others hear of it when (and only when) it
 * commits; the worker watches the connection's socket with libevent and
 * reloads the one row named.  Statements are synchronous but bounded
 * (connect_timeout, statement_timeout, TCP keepalives), and a dead
 * connection marks the store down for the worker to reconnect with backoff.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban_manager.h"
#include "log.h"
#include "util.h"

#define BANS_PG_CHANNEL	"terap2p_bans"
#define BANS_PG_LOCK	"7262616"	/* advisory lock id for migrations */

static PGconn *
bans_pg_conn(struct bans_store *st)
{
	return st->db;
}

/* Note a failure; drop the connection when it is no longer usable. */
static int
bans_pg_err(struct bans_store *st, const char *what, const char *msg)
{
	char why[256];
	size_t n;

	snprintf(why, sizeof(why), "%s", msg != NULL && *msg ? msg :
	    PQerrorMessage(bans_pg_conn(st)));
	n = strlen(why);
	while (n > 0 && (why[n - 1] == '\n' || why[n - 1] == ' '))
		why[--n] = '\0';
	if (PQstatus(bans_pg_conn(st)) != CONNECTION_OK) {
		PQfinish(bans_pg_conn(st));
		st->db = NULL;
	}
	bans_store_fail(st, what, why);
	return -1;
}

/* Server notices ("already exists, skipping") are not worth a log line. */
static void
bans_pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
bans_pg_connect(struct bans_store *st)
{
	static const char *const keys[] = { "dbname", "connect_timeout",
		"application_name", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "options", NULL };
	const char *vals[] = { st->target, "2", "terap2p-bans", "5", "2", "2",
		"-c statement_timeout=5000", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	PGresult *r;

	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		snprintf(st->detail, sizeof(st->detail), "%s",
		    c ? PQerrorMessage(c) : "out of memory");
		st->detail[strcspn(st->detail, "\n")] = '\0';
		PQfinish(c);
		return -1;
	}
	PQsetNoticeProcessor(c, bans_pg_notice, NULL);
	r = PQexec(c, "LISTEN " BANS_PG_CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(st->detail, sizeof(st->detail), "LISTEN: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(c);
		return -1;
	}
	PQclear(r);
	st->db = c;
	return 0;
}

static void
bans_pg_disconnect(struct bans_store *st)
{
	PQfinish(bans_pg_conn(st));
	st->db = NULL;
}

static int
bans_pg_exec(struct bans_store *st, const char *sql)
{
	PGresult *r = PQexec(bans_pg_conn(st), sql);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		PQclear(r);
		return bans_pg_err(st, "exec", msg);
	}
	PQclear(r);
	return 0;
}

/* A parameterised statement; the result is the caller's to PQclear. */
static PGresult *
bans_pg_query(struct bans_store *st, const char *what, const char *sql,
    int n, const char *const *params)
{
	PGresult *r = PQexecParams(bans_pg_conn(st), sql, n, NULL, params,
	    NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		PQclear(r);
		bans_pg_err(st, what, msg);
		return NULL;
	}
	return r;
}

static int
bans_pg_run(struct bans_store *st, const char *what, const char *sql, int n,
    const char *const *params, long *changes)
{
	PGresult *r = bans_pg_query(st, what, sql, n, params);

	if (r == NULL)
		return -1;
	if (changes != NULL)
		*changes = atol(PQcmdTuples(r));
	PQclear(r);
	return 0;
}

static int
bans_pg_version(struct bans_store *st, int *v)
{
	PGresult *r;

	/* Instances starting together migrate one at a time. */
	if (bans_pg_exec(st, "SELECT pg_advisory_lock(" BANS_PG_LOCK ")") < 0 ||
	    bans_pg_exec(st, BANS_MIGRATIONS_TABLE) < 0)
		return -1;
	r = bans_pg_query(st, "schema version", "SELECT COALESCE(MAX(version),"
	    " 0) FROM ban_schema_migrations", 0, NULL);
	if (r == NULL)
		return -1;
	*v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static void
bans_pg_migrated(struct bans_store *st)
{
	bans_pg_exec(st, "SELECT pg_advisory_unlock_all()");
}

static int
bans_pg_mark(struct bans_store *st, int v, const char *name)
{
	char num[16];
	const char *p[2] = { num, name };

	snprintf(num, sizeof(num), "%d", v);
	return bans_pg_run(st, "mark migration", "INSERT INTO "
	    "ban_schema_migrations (version, name) VALUES ($1, $2)", 2, p, NULL);
}

static int
bans_pg_put_addr(struct bans_store *st, const struct bans_entry *e,
    const char *subnet)
{
	char until[24];
	const char *p[4] = { e->key, until, subnet, e->reason };

	snprintf(until, sizeof(until), "%lld", (long long)e->until);
	/* A row Teranode keyed "ip:port" for the same subnet is replaced. */
	if (bans_pg_run(st, "put address", "DELETE FROM bans WHERE subnet = $2"
	    " AND key <> $1", 2, (const char *const[]){ e->key, subnet },
	    NULL) < 0)
		return -1;
	return bans_pg_run(st, "put address", "INSERT INTO bans (key, "
	    "expiration_time, subnet, reason) VALUES ($1, to_timestamp("
	    "$2::bigint), $3, $4) ON CONFLICT (key) DO UPDATE SET "
	    "expiration_time = EXCLUDED.expiration_time, subnet = "
	    "EXCLUDED.subnet, reason = EXCLUDED.reason", 4, p, NULL);
}

static int
bans_pg_del_addr(struct bans_store *st, const char *key, const char *subnet)
{
	const char *p[2] = { key, subnet };

	return bans_pg_run(st, "delete address", "DELETE FROM bans WHERE "
	    "key = $1 OR subnet = $2", 2, p, NULL);
}

static int
bans_pg_put_peer(struct bans_store *st, const struct bans_score *r,
    const char *reasons)
{
	char score[16], last[24], until[24];
	const char *p[6] = { r->peer_id, score, last, until, r->ban_reason,
		reasons };

	snprintf(score, sizeof(score), "%d", r->score);
	snprintf(last, sizeof(last), "%llu", (unsigned long long)r->last_ms);
	snprintf(until, sizeof(until), "%lld", (long long)r->until);
	return bans_pg_run(st, "put peer", "INSERT INTO ban_peers (peer_id, "
	    "score, last_update_ms, banned_until, ban_reason, reasons) VALUES "
	    "($1, $2, $3, $4, $5, $6) ON CONFLICT (peer_id) DO UPDATE SET "
	    "score = EXCLUDED.score, last_update_ms = EXCLUDED.last_update_ms, "
	    "banned_until = EXCLUDED.banned_until, ban_reason = "
	    "EXCLUDED.ban_reason, reasons = EXCLUDED.reasons", 6, p, NULL);
}

static int
bans_pg_del_peer(struct bans_store *st, const char *peer_id)
{
	return bans_pg_run(st, "delete peer", "DELETE FROM ban_peers WHERE "
	    "peer_id = $1", 1, &peer_id, NULL);
}

static int
bans_pg_expire(struct bans_store *st, int64_t now_s, long *n)
{
	char now[24];
	const char *p = now;

	snprintf(now, sizeof(now), "%lld", (long long)now_s);
	if (bans_pg_run(st, "expire", "DELETE FROM bans WHERE expiration_time "
	    "<= to_timestamp($1::bigint)", 1, &p, n) < 0)
		return -1;
	return bans_pg_run(st, "expire", "DELETE FROM ban_peers WHERE "
	    "banned_until <> 0 AND banned_until <= $1::bigint", 1, &p, NULL);
}

static int
bans_pg_notify(struct bans_store *st, const char *payload)
{
	return bans_pg_run(st, "notify", "SELECT pg_notify('" BANS_PG_CHANNEL
	    "', $1)", 1, &payload, NULL);
}

static int
bans_pg_load_addrs(struct bans_store *st, const char *key,
    const char *subnet, bans_addr_row_cb *cb, void *arg)
{
	const char *p[2] = { key, subnet };
	PGresult *r;

	r = bans_pg_query(st, "load addresses", key != NULL ?
	    "SELECT key, floor(extract(epoch FROM expiration_time))::bigint, "
	    "subnet, reason FROM bans WHERE key = $1 OR subnet = $2" :
	    "SELECT key, floor(extract(epoch FROM expiration_time))::bigint, "
	    "subnet, reason FROM bans", key != NULL ? 2 : 0, p);
	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		struct bans_row_addr row = {
			.key = PQgetvalue(r, i, 0),
			.until = PQgetisnull(r, i, 1) ? -1 :
			    atoll(PQgetvalue(r, i, 1)),
			.subnet = PQgetvalue(r, i, 2),
			.reason = PQgetvalue(r, i, 3),
		};
		cb(arg, &row);
	}
	PQclear(r);
	return 0;
}

static int
bans_pg_load_peers(struct bans_store *st, const char *peer_id,
    bans_peer_row_cb *cb, void *arg)
{
	PGresult *r;

	r = bans_pg_query(st, "load peers", peer_id != NULL ?
	    "SELECT peer_id, score, last_update_ms, banned_until, ban_reason, "
	    "reasons FROM ban_peers WHERE peer_id = $1" :
	    "SELECT peer_id, score, last_update_ms, banned_until, ban_reason, "
	    "reasons FROM ban_peers", peer_id != NULL ? 1 : 0, &peer_id);
	if (r == NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		struct bans_score s;

		memset(&s, 0, sizeof(s));
		snprintf(s.peer_id, sizeof(s.peer_id), "%s",
		    PQgetvalue(r, i, 0));
		s.score = atoi(PQgetvalue(r, i, 1));
		s.last_ms = strtoull(PQgetvalue(r, i, 2), NULL, 10);
		s.until = atoll(PQgetvalue(r, i, 3));
		snprintf(s.ban_reason, sizeof(s.ban_reason), "%s",
		    PQgetvalue(r, i, 4));
		bans_score_split_reasons(&s, PQgetvalue(r, i, 5));
		cb(arg, &s);
		bans_score_fini(&s);
	}
	PQclear(r);
	return 0;
}

static int
bans_pg_fd(const struct bans_store *st)
{
	return PQsocket(st->db);
}

/* Payload "<instance> <kind> <what>"; our own echoes are skipped. */
static void
bans_pg_poll(struct bans_store *st, bans_notify_cb *cb, void *arg)
{
	PGnotify *n;

	if (!PQconsumeInput(bans_pg_conn(st))) {
		bans_pg_err(st, "notifications", NULL);
		return;
	}
	while (st->db != NULL && (n = PQnotifies(bans_pg_conn(st))) != NULL) {
		const char *sp = strchr(n->extra, ' ');
		size_t ilen = sp ? (size_t)(sp - n->extra) : 0;

		if (sp != NULL && sp[1] != '\0' && (sp[2] == ' ' ||
		    sp[2] == '\0') && !(ilen == strlen(st->instance) &&
		    memcmp(n->extra, st->instance, ilen) == 0))
			cb(arg, sp[1], sp[2] ? sp + 3 : "");
		PQfreemem(n);
	}
}

const struct bans_store_ops bans_store_pg_ops = {
	.kind = "postgres",
	.connect = bans_pg_connect,
	.disconnect = bans_pg_disconnect,
	.exec = bans_pg_exec,
	.version = bans_pg_version,
	.mark = bans_pg_mark,
	.migrated = bans_pg_migrated,
	.put_addr = bans_pg_put_addr,
	.del_addr = bans_pg_del_addr,
	.put_peer = bans_pg_put_peer,
	.del_peer = bans_pg_del_peer,
	.expire = bans_pg_expire,
	.notify = bans_pg_notify,
	.load_addrs = bans_pg_load_addrs,
	.load_peers = bans_pg_load_peers,
	.fd = bans_pg_fd,
	.poll = bans_pg_poll,
};
