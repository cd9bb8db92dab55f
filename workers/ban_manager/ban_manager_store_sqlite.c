/*
 * Ban manager: the embedded SQLite backend of the ban store (the default,
 * <data_dir>/bans.db).  WAL with synchronous=FULL, so a committed ban
 * survives a crash or power loss before it is acknowledged.  Several
 * processes may share the file (busy timeout); they see each other's
 * changes through the worker's periodic reload, SQLite having no NOTIFY.
 * Times are written as RFC 3339 text, as Teranode's BanList writes them.
 */
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban_manager.h"
#include "log.h"
#include "util.h"

static sqlite3 *
bans_sqlite_db(struct bans_store *st)
{
	return st->db;
}

static int
bans_sqlite_err(struct bans_store *st, const char *what)
{
	bans_store_fail(st, what, sqlite3_errmsg(bans_sqlite_db(st)));
	return -1;
}

static int
bans_sqlite_connect(struct bans_store *st)
{
	sqlite3 *db = NULL;
	char *dir = xstrdup(st->target);

	if (strcmp(st->target, ":memory:") != 0)
		util_mkdirs(dirname(dir), 0700);
	free(dir);
	if (sqlite3_open_v2(st->target, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(st->detail, sizeof(st->detail), "%s",
		    db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
	    NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(st->detail, sizeof(st->detail), "%s",
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	st->db = db;
	return 0;
}

static void
bans_sqlite_disconnect(struct bans_store *st)
{
	sqlite3_close(bans_sqlite_db(st));
	st->db = NULL;
}

static int
bans_sqlite_exec(struct bans_store *st, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(bans_sqlite_db(st), sql, NULL, NULL, &msg) !=
	    SQLITE_OK) {
		bans_store_fail(st, "exec", msg ? msg : "failed");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/*
 * Prepare sql and bind the text parameters (NULL binds NULL); integers are
 * passed as text and converted by the statement, so one binder serves all.
 */
static sqlite3_stmt *
bans_sqlite_prepare(struct bans_store *st, const char *sql, int n,
    const char *const *params)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(bans_sqlite_db(st), sql, -1, &stmt, NULL) !=
	    SQLITE_OK) {
		bans_sqlite_err(st, "prepare");
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (sqlite3_bind_text(stmt, i + 1, params[i], -1,
		    SQLITE_TRANSIENT) != SQLITE_OK) {
			bans_sqlite_err(st, "bind");
			sqlite3_finalize(stmt);
			return NULL;
		}
	return stmt;
}

/* Run a statement that returns no rows; *changes gets the row count. */
static int
bans_sqlite_run(struct bans_store *st, const char *what, const char *sql,
    int n, const char *const *params, long *changes)
{
	sqlite3_stmt *stmt = bans_sqlite_prepare(st, sql, n, params);
	int rc;

	if (stmt == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return bans_sqlite_err(st, what);
	if (changes != NULL)
		*changes = sqlite3_changes(bans_sqlite_db(st));
	return 0;
}

static int
bans_sqlite_version(struct bans_store *st, int *v)
{
	sqlite3_stmt *stmt;

	if (bans_sqlite_exec(st, BANS_MIGRATIONS_TABLE) < 0)
		return -1;
	stmt = bans_sqlite_prepare(st,
	    "SELECT COALESCE(MAX(version), 0) FROM ban_schema_migrations", 0,
	    NULL);
	if (stmt == NULL)
		return -1;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return bans_sqlite_err(st, "schema version");
	}
	*v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
}

static int
bans_sqlite_mark(struct bans_store *st, int v, const char *name)
{
	char num[16];
	const char *p[2] = { num, name };

	snprintf(num, sizeof(num), "%d", v);
	return bans_sqlite_run(st, "mark migration", "INSERT INTO "
	    "ban_schema_migrations (version, name) VALUES (CAST(?1 AS INTEGER),"
	    " ?2)", 2, p, NULL);
}

static int
bans_sqlite_put_addr(struct bans_store *st, const struct bans_entry *e,
    const char *subnet)
{
	char until[24];
	const char *p[4] = { e->key, until, subnet, e->reason };

	snprintf(until, sizeof(until), "%lld", (long long)e->until);
	/* A row Teranode keyed "ip:port" for the same subnet is replaced. */
	if (bans_sqlite_run(st, "put address", "DELETE FROM bans WHERE "
	    "subnet = ?3 AND key <> ?1", 3, p, NULL) < 0)
		return -1;
	return bans_sqlite_run(st, "put address", "INSERT INTO bans (key, "
	    "expiration_time, subnet, reason) VALUES (?1, strftime("
	    "'%Y-%m-%dT%H:%M:%SZ', CAST(?2 AS INTEGER), 'unixepoch'), ?3, ?4) "
	    "ON CONFLICT (key) DO UPDATE SET expiration_time = "
	    "excluded.expiration_time, subnet = excluded.subnet, reason = "
	    "excluded.reason", 4, p, NULL);
}

static int
bans_sqlite_del_addr(struct bans_store *st, const char *key,
    const char *subnet)
{
	const char *p[2] = { key, subnet };

	return bans_sqlite_run(st, "delete address", "DELETE FROM bans WHERE "
	    "key = ?1 OR subnet = ?2", 2, p, NULL);
}

static int
bans_sqlite_put_peer(struct bans_store *st, const struct bans_score *r,
    const char *reasons)
{
	char score[16], last[24], until[24];
	const char *p[6] = { r->peer_id, score, last, until, r->ban_reason,
		reasons };

	snprintf(score, sizeof(score), "%d", r->score);
	snprintf(last, sizeof(last), "%llu", (unsigned long long)r->last_ms);
	snprintf(until, sizeof(until), "%lld", (long long)r->until);
	return bans_sqlite_run(st, "put peer", "INSERT INTO ban_peers (peer_id,"
	    " score, last_update_ms, banned_until, ban_reason, reasons) VALUES "
	    "(?1, CAST(?2 AS INTEGER), CAST(?3 AS INTEGER), CAST(?4 AS INTEGER),"
	    " ?5, ?6) ON CONFLICT (peer_id) DO UPDATE SET score = excluded.score,"
	    " last_update_ms = excluded.last_update_ms, banned_until = "
	    "excluded.banned_until, ban_reason = excluded.ban_reason, reasons ="
	    " excluded.reasons", 6, p, NULL);
}

static int
bans_sqlite_del_peer(struct bans_store *st, const char *peer_id)
{
	return bans_sqlite_run(st, "delete peer", "DELETE FROM ban_peers WHERE "
	    "peer_id = ?1", 1, &peer_id, NULL);
}

static int
bans_sqlite_expire(struct bans_store *st, int64_t now_s, long *n)
{
	char now[24];
	const char *p = now;
	long peers = 0;

	snprintf(now, sizeof(now), "%lld", (long long)now_s);
	if (bans_sqlite_run(st, "expire", "DELETE FROM bans WHERE "
	    "CAST(strftime('%s', expiration_time) AS INTEGER) <= "
	    "CAST(?1 AS INTEGER)", 1, &p, n) < 0)
		return -1;
	return bans_sqlite_run(st, "expire", "DELETE FROM ban_peers WHERE "
	    "banned_until <> 0 AND banned_until <= CAST(?1 AS INTEGER)", 1, &p,
	    &peers);
}

static const char *
bans_sqlite_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *t = sqlite3_column_text(stmt, col);

	return t != NULL ? (const char *)t : "";
}

static int
bans_sqlite_load_addrs(struct bans_store *st, const char *key,
    const char *subnet, bans_addr_row_cb *cb, void *arg)
{
	const char *p[2] = { key, subnet };
	sqlite3_stmt *stmt;
	int rc;

	stmt = bans_sqlite_prepare(st, key != NULL ?
	    "SELECT key, CAST(strftime('%s', expiration_time) AS INTEGER), "
	    "subnet, reason FROM bans WHERE key = ?1 OR subnet = ?2" :
	    "SELECT key, CAST(strftime('%s', expiration_time) AS INTEGER), "
	    "subnet, reason FROM bans", key != NULL ? 2 : 0, p);
	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bans_row_addr row = {
			.key = bans_sqlite_text(stmt, 0),
			.until = sqlite3_column_type(stmt, 1) == SQLITE_NULL ?
			    -1 : sqlite3_column_int64(stmt, 1),
			.subnet = bans_sqlite_text(stmt, 2),
			.reason = bans_sqlite_text(stmt, 3),
		};
		cb(arg, &row);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : bans_sqlite_err(st, "load addresses");
}

static int
bans_sqlite_load_peers(struct bans_store *st, const char *peer_id,
    bans_peer_row_cb *cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc;

	stmt = bans_sqlite_prepare(st, peer_id != NULL ?
	    "SELECT peer_id, score, last_update_ms, banned_until, ban_reason, "
	    "reasons FROM ban_peers WHERE peer_id = ?1" :
	    "SELECT peer_id, score, last_update_ms, banned_until, ban_reason, "
	    "reasons FROM ban_peers", peer_id != NULL ? 1 : 0, &peer_id);
	if (stmt == NULL)
		return -1;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct bans_score r;

		memset(&r, 0, sizeof(r));
		snprintf(r.peer_id, sizeof(r.peer_id), "%s",
		    bans_sqlite_text(stmt, 0));
		r.score = sqlite3_column_int(stmt, 1);
		r.last_ms = (uint64_t)sqlite3_column_int64(stmt, 2);
		r.until = sqlite3_column_int64(stmt, 3);
		snprintf(r.ban_reason, sizeof(r.ban_reason), "%s",
		    bans_sqlite_text(stmt, 4));
		bans_score_split_reasons(&r, bans_sqlite_text(stmt, 5));
		cb(arg, &r);
		bans_score_fini(&r);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : bans_sqlite_err(st, "load peers");
}

const struct bans_store_ops bans_store_sqlite_ops = {
	.kind = "sqlite",
	.connect = bans_sqlite_connect,
	.disconnect = bans_sqlite_disconnect,
	.exec = bans_sqlite_exec,
	.version = bans_sqlite_version,
	.mark = bans_sqlite_mark,
	.put_addr = bans_sqlite_put_addr,
	.del_addr = bans_sqlite_del_addr,
	.put_peer = bans_sqlite_put_peer,
	.del_peer = bans_sqlite_del_peer,
	.expire = bans_sqlite_expire,
	.notify = NULL,
	.load_addrs = bans_sqlite_load_addrs,
	.load_peers = bans_sqlite_load_peers,
	.fd = NULL,
	.poll = NULL,
};
