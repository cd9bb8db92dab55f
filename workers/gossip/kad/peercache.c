/*
 * Gossip worker, Kademlia layer: the peer cache, <p2p_peer_cache_dir>/
 * teranode_peers.json, in the format of Teranode's message bus
 * (go-p2p-message-bus PeerCacheFile): a JSON array, 2-space indent, of
 * {"id", "name" (omitted when empty), "addrs": [text multiaddrs],
 * "last_seen": RFC 3339}.  It is read at start (entries older than 24 h
 * dropped, entries without last_seen kept) so a restarted node redials the
 * peers it had, and written atomically (tmp file + rename, mode 0600).
 * The file is outside input: it is size-capped, every field is checked,
 * bad entries are skipped and a file that is not a JSON array is refused
 * whole with a reason, never trusted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kad/kad.h"

#define CACHE_ADDRS_MAX	16	/* addresses kept per cached peer */

static const char b58[] =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

static int
valid_id(const char *s)
{
	size_t	n = strlen(s);

	return n >= 20 && n < KAD_PEERCACHE_ID_MAX && strspn(s, b58) == n;
}

static int
valid_addr(const char *s)
{
	size_t	i, n = strlen(s);

	if (n < 2 || n >= KAD_PEERCACHE_ADDR_MAX || s[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* RFC 3339 ("2006-01-02T15:04:05[.frac](Z|+hh:mm)") to unix seconds. */
static int
parse_time(const char *s, int64_t *out)
{
	struct tm	tm;
	int		n = 0, oh, om;
	char		sign;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	s += n;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	if (strcmp(s, "Z") == 0)
		return 0;
	if (sscanf(s, "%c%2d:%2d%n", &sign, &oh, &om, &n) != 3 || n != 6 ||
	    s[n] != '\0' || (sign != '+' && sign != '-') || oh > 23 || om > 59)
		return -1;
	*out -= (sign == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
	return 0;
}

static void
entry_free(struct kad_cache_peer *p)
{
	size_t	i;

	for (i = 0; i < p->naddrs; i++)
		free(p->addrs[i]);
	free(p->addrs);
	p->addrs = NULL;
	p->naddrs = 0;
}

static int
entry_addrs(const cJSON *addrs, struct kad_cache_peer *p)
{
	const cJSON	*a;

	if (!cJSON_IsArray(addrs))
		return -1;
	if ((p->addrs = calloc(CACHE_ADDRS_MAX, sizeof(char *))) == NULL)
		return -1;
	cJSON_ArrayForEach(a, addrs) {
		if (p->naddrs == CACHE_ADDRS_MAX)
			break;
		if (!cJSON_IsString(a) || !valid_addr(a->valuestring))
			continue;	/* one bad address does not spoil the rest */
		if ((p->addrs[p->naddrs] = strdup(a->valuestring)) == NULL)
			return -1;
		p->naddrs++;
	}
	return p->naddrs > 0 ? 0 : -1;
}

/* One array element: 1 kept, 0 expired, -1 malformed. */
static int
entry_parse(const cJSON *o, int64_t now, int64_t ttl_s,
    struct kad_cache_peer *p)
{
	const cJSON	*id, *name, *seen;

	memset(p, 0, sizeof(*p));
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	seen = cJSON_GetObjectItemCaseSensitive(o, "last_seen");
	if (!cJSON_IsObject(o) || !cJSON_IsString(id) ||
	    !valid_id(id->valuestring) || (name != NULL &&
	    !cJSON_IsString(name) && !cJSON_IsNull(name)))
		return -1;
	snprintf(p->id, sizeof(p->id), "%s", id->valuestring);
	if (cJSON_IsString(name))
		snprintf(p->name, sizeof(p->name), "%s", name->valuestring);
	if (cJSON_IsString(seen)) {
		if (parse_time(seen->valuestring, &p->last_seen) == -1)
			return -1;
		if (p->last_seen < 0)	/* Go's zero time: not given */
			p->last_seen = 0;
	} else if (seen != NULL && !cJSON_IsNull(seen))
		return -1;
	if (p->last_seen != 0 && now - p->last_seen > ttl_s)
		return 0;
	if (entry_addrs(cJSON_GetObjectItemCaseSensitive(o, "addrs"), p)
	    == -1) {
		entry_free(p);
		return -1;
	}
	return 1;
}

int
kad_peercache_parse(const char *text, size_t len, int64_t now, int64_t ttl_s,
    struct kad_cache_peer **out, size_t *n, size_t *skipped, char *err,
    size_t errlen)
{
	cJSON		*root, *o;
	int		 rc;

	*out = NULL;
	*n = *skipped = 0;
	if (len > KAD_PEERCACHE_BYTES) {
		snprintf(err, errlen, "over %d bytes", KAD_PEERCACHE_BYTES);
		return -1;
	}
	if ((root = cJSON_ParseWithLength(text, len)) == NULL ||
	    !cJSON_IsArray(root)) {
		snprintf(err, errlen, "not a JSON array");
		cJSON_Delete(root);
		return -1;
	}
	if ((*out = calloc(KAD_PEERCACHE_MAX, sizeof(**out))) == NULL) {
		snprintf(err, errlen, "out of memory");
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(o, root) {
		if (*n == KAD_PEERCACHE_MAX) {
			(*skipped)++;
			continue;
		}
		if ((rc = entry_parse(o, now, ttl_s, &(*out)[*n])) == 1)
			(*n)++;
		else if (rc == -1)
			(*skipped)++;
	}
	cJSON_Delete(root);
	return 0;
}

int
kad_peercache_load(const char *dir, int64_t now, struct kad_cache_peer **out,
    size_t *n, size_t *skipped, char *err, size_t errlen)
{
	char		 path[4096], *buf;
	struct stat	 st;
	ssize_t		 got;
	int		 fd, rc;

	*out = NULL;
	*n = *skipped = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, KAD_PEERCACHE_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > KAD_PEERCACHE_BYTES) {
		snprintf(err, errlen, "%s: not a regular file under %d bytes",
		    path, KAD_PEERCACHE_BYTES);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		return -1;
	}
	rc = kad_peercache_parse(buf, (size_t)got, now, KAD_PEERCACHE_TTL_S,
	    out, n, skipped, err, errlen);
	free(buf);
	return rc;
}

/* Append s as a JSON string to the growing buffer. */
static int
put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	return fputc('"', f) == EOF ? -1 : 0;
}

static void
put_entry(FILE *f, const struct kad_cache_peer *p)
{
	struct tm	tm;
	time_t		t = (time_t)p->last_seen;
	char		ts[32];
	size_t		i;

	fputs("  {\n    \"id\": ", f);
	put_str(f, p->id);
	if (p->name[0] != '\0') {
		fputs(",\n    \"name\": ", f);
		put_str(f, p->name);
	}
	fputs(",\n    \"addrs\": [", f);
	for (i = 0; i < p->naddrs; i++) {
		fputs(i ? ",\n      " : "\n      ", f);
		put_str(f, p->addrs[i]);
	}
	fputs(p->naddrs ? "\n    ]" : "]", f);
	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, ",\n    \"last_seen\": \"%s\"\n  }", ts);
}

char *
kad_peercache_format(const struct kad_cache_peer *peers, size_t n)
{
	char	*buf = NULL;
	size_t	 len, i;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fputs(n ? "[\n" : "[]", f);
	for (i = 0; i < n; i++) {
		put_entry(f, &peers[i]);
		fputs(i + 1 < n ? ",\n" : "\n]", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int
kad_peercache_save(const char *dir, const struct kad_cache_peer *peers,
    size_t n, char *err, size_t errlen)
{
	char	 path[4096], tmp[4200], *text;
	size_t	 len;
	int	 fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, KAD_PEERCACHE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((text = kad_peercache_format(peers, n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ok = fd != -1 && fchmod(fd, 0600) == 0 &&
	    write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd != -1 && close(fd) != 0)
		ok = 0;
	free(text);
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return 0;
}

void
kad_peercache_free(struct kad_cache_peer *peers, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		entry_free(&peers[i]);
	free(peers);
}
