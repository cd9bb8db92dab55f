/*
 * Ban manager: the durable store behind one interface.  ban_store_url picks
 * the backend (ban_manager_store_sqlite.c, ban_manager_store_pg.c); this file
 * parses the URL, applies the numbered migrations of sql/ (compiled in by
 * sql/embed.sh) and guards every call: while the backend is down every
 * mutation fails at once, so the worker answers "ban store unavailable"
 * instead of blocking, and bans_store_reconnect() brings it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ban_manager.h"
#include "log.h"
#include "redact.h"
#include "util.h"

/* "sqlite:///abs", "sqlite://rel", "" -> a file path under data_dir. */
static char *
bans_store_sqlite_path(const char *url, const char *data_dir)
{
	const char *path = url;
	char *out;

	if (strncmp(url, "sqlite://", 9) == 0)
		path = url + 9;
	else if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	if (strcmp(url, "sqlitememory:") == 0 ||
	    strcmp(url, "sqlitememory://") == 0)
		return xstrdup(":memory:");
	if (*path == '\0') {
		size_t n = strlen(data_dir) + sizeof("/bans.db");
		out = xmalloc(n);
		snprintf(out, n, "%s/bans.db", data_dir);
		return out;
	}
	return xstrdup(path);
}

static int
bans_store_migrate_all(struct bans_store *st)
{
	int have = 0;

	if (st->ops->version(st, &have) < 0)
		return -1;
	for (size_t i = 0; i < bans_nmigrations; i++) {
		const struct bans_migration *m = &bans_migrations[i];

		if (m->version <= have)
			continue;
		if (st->ops->exec(st, "BEGIN") < 0)
			return -1;
		if (st->ops->exec(st, m->sql) < 0 ||
		    st->ops->mark(st, m->version, m->name) < 0 ||
		    st->ops->exec(st, "COMMIT") < 0) {
			if (st->up)
				st->ops->exec(st, "ROLLBACK");
			log_error("ban store: migration %s failed", m->name);
			return -1;
		}
		log_info("ban store: applied migration %s", m->name);
	}
	return 0;
}

static int
bans_store_migrate(struct bans_store *st)
{
	int rc = bans_store_migrate_all(st);

	if (st->up && st->ops->migrated != NULL)
		st->ops->migrated(st);
	return rc;
}

int
bans_store_reconnect(struct bans_store *st)
{
	if (st->up)
		return 0;
	if (st->db != NULL)
		st->ops->disconnect(st);
	st->in_txn = 0;
	if (st->ops->connect(st) < 0)
		return -1;
	st->up = 1;
	if (bans_store_migrate(st) < 0) {
		if (st->up)
			bans_store_fail(st, "migrations", "failed");
		return -1;
	}
	st->detail[0] = '\0';
	log_info("ban store %s is up", st->url);
	return 0;
}

int
bans_store_check_url(const char *url, char *err, size_t errlen)
{
	char	shown[256];

	if (url == NULL || *url == '\0' || strncmp(url, "sqlite", 6) == 0 ||
	    strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0)
		return 0;
	redact_url(url, shown, sizeof(shown));
	snprintf(err, errlen, "ban_store_url: unsupported scheme in "
	    "\"%.64s\" (want postgres:// or sqlite://)", shown);
	return -1;
}

int
bans_store_open(const char *url, const char *data_dir,
    struct bans_store **out, char *err, size_t errlen)
{
	struct bans_store *st;

	if (url == NULL)
		url = "";
	if (bans_store_check_url(url, err, errlen) == -1)
		return -1;
	st = xcalloc(1, sizeof(*st));
	if (strncmp(url, "postgres://", 11) == 0 ||
	    strncmp(url, "postgresql://", 13) == 0) {
		st->ops = &bans_store_pg_ops;
		st->target = xstrdup(url);
	} else {
		st->ops = &bans_store_sqlite_ops;
		st->target = bans_store_sqlite_path(url, data_dir);
	}
	redact_url(*url ? url : st->target, st->url, sizeof(st->url));
	snprintf(st->instance, sizeof(st->instance), "%ld.%llu", (long)getpid(),
	    (unsigned long long)(util_wall_ms() % 1000000000ull));
	snprintf(st->detail, sizeof(st->detail), "not connected");
	if (bans_store_reconnect(st) < 0 && st->ops == &bans_store_sqlite_ops) {
		snprintf(err, errlen, "ban store %s: %s", st->url, st->detail);
		bans_store_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

void
bans_store_close(struct bans_store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		st->ops->disconnect(st);
	free(st->target);
	free(st);
}

void
bans_store_fail(struct bans_store *st, const char *what, const char *why)
{
	st->errors++;
	log_error("ban store %s: %s: %s", st->url, what, why);
	if (!st->up)
		return;
	/* The backend disconnects itself when the connection is gone. */
	if (st->db == NULL) {
		st->up = 0;
		snprintf(st->detail, sizeof(st->detail), "%s", why);
		log_warn("ban store %s is unavailable", st->url);
	}
}

int
bans_store_up(const struct bans_store *st)
{
	return st->up;
}

const char *
bans_store_kind(const struct bans_store *st)
{
	return st->ops->kind;
}

const char *
bans_store_url(const struct bans_store *st)
{
	return st->url;
}

const char *
bans_store_detail(const struct bans_store *st)
{
	return st->up ? "" : st->detail;
}

uint64_t
bans_store_errors(const struct bans_store *st)
{
	return st->errors;
}

int
bans_store_fd(const struct bans_store *st)
{
	return st->up && st->ops->fd != NULL ? st->ops->fd(st) : -1;
}

void
bans_store_poll(struct bans_store *st, bans_notify_cb *cb, void *arg)
{
	if (st->up && st->ops->poll != NULL)
		st->ops->poll(st, cb, arg);
}

int
bans_store_begin(struct bans_store *st)
{
	if (!st->up || st->in_txn)
		return -1;
	if (st->ops->exec(st, "BEGIN") < 0)
		return -1;
	st->in_txn = 1;
	return 0;
}

int
bans_store_commit(struct bans_store *st)
{
	int rc;

	if (!st->up || !st->in_txn)
		return -1;
	rc = st->ops->exec(st, "COMMIT");
	st->in_txn = 0;
	return rc;
}

void
bans_store_rollback(struct bans_store *st)
{
	if (st->up && st->in_txn)
		st->ops->exec(st, "ROLLBACK");
	st->in_txn = 0;
}

int
bans_store_put_addr(struct bans_store *st, const struct bans_entry *e)
{
	char subnet[BANS_KEY_MAX];

	if (!st->up)
		return -1;
	bans_addr_cidr(&e->pfx, subnet);
	return st->ops->put_addr(st, e, subnet);
}

int
bans_store_del_addr(struct bans_store *st, const char *key,
    const char *subnet)
{
	return st->up ? st->ops->del_addr(st, key, subnet) : -1;
}

int
bans_store_clear_addrs(struct bans_store *st)
{
	return st->up ? st->ops->exec(st, "DELETE FROM bans") : -1;
}

int
bans_store_put_peer(struct bans_store *st, const struct bans_score *r)
{
	char *reasons;
	int rc;

	if (!st->up)
		return -1;
	reasons = bans_score_join_reasons(r);
	rc = st->ops->put_peer(st, r, reasons);
	free(reasons);
	return rc;
}

int
bans_store_del_peer(struct bans_store *st, const char *peer_id)
{
	return st->up ? st->ops->del_peer(st, peer_id) : -1;
}

int
bans_store_clear_peer_bans(struct bans_store *st)
{
	return st->up ? st->ops->exec(st,
	    "DELETE FROM ban_peers WHERE banned_until <> 0") : -1;
}

int
bans_store_expire(struct bans_store *st, int64_t now_s, long *n)
{
	*n = 0;
	return st->up ? st->ops->expire(st, now_s, n) : -1;
}

int
bans_store_notify(struct bans_store *st, char kind, const char *what)
{
	char payload[BANS_PEER_MAX + 64];

	if (!st->up)
		return -1;
	if (st->ops->notify == NULL)
		return 0;
	snprintf(payload, sizeof(payload), "%s %c %s", st->instance, kind,
	    what);
	return st->ops->notify(st, payload);
}

int
bans_store_load_addrs(struct bans_store *st, bans_addr_row_cb *cb, void *arg)
{
	return st->up ? st->ops->load_addrs(st, NULL, NULL, cb, arg) : -1;
}

int
bans_store_load_peers(struct bans_store *st, bans_peer_row_cb *cb, void *arg)
{
	return st->up ? st->ops->load_peers(st, NULL, cb, arg) : -1;
}

int
bans_store_get_addr(struct bans_store *st, const char *key,
    const char *subnet, bans_addr_row_cb *cb, void *arg)
{
	return st->up ? st->ops->load_addrs(st, key, subnet, cb, arg) : -1;
}

int
bans_store_get_peer(struct bans_store *st, const char *peer_id,
    bans_peer_row_cb *cb, void *arg)
{
	return st->up ? st->ops->load_peers(st, peer_id, cb, arg) : -1;
}
