/*
 * Gossip worker (teranode level): the catch-up reputation table and its
 * file (see tn_catchup.h).  The numbers follow Teranode's
 * services/p2p/peer_registry.go: a new peer scores 50; a peer with
 * malicious reports scores 5; otherwise 60% of the success rate (out of
 * 100, 50 without interactions) plus 40% of 50, minus 15 after a failure
 * within the hour, plus 10 after a success within the hour, clamped to
 * 0-100; three net failures within five minutes of a success drop it to 15.
 * Response times are an exponential moving average (0.8 old + 0.2 new).
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

#include "teranode/catchup.h"
#include "util.h"

#define HOUR	3600
#define FIVE_MIN	300

void
tn_catchup_init(struct tn_catchup *c, size_t max)
{
	memset(c, 0, sizeof(*c));
	c->max = max > 0 ? max : 1;
	c->v = xcalloc(c->max, sizeof(*c->v));
}

void
tn_catchup_fini(struct tn_catchup *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].url);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

struct tn_catchup_rec *
tn_catchup_get(struct tn_catchup *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].id, id) == 0)
			return &c->v[i];
	return NULL;
}

static void
tn_catchup_rec_init(struct tn_catchup_rec *r, const char *id,
    int64_t now)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->score = TN_CATCHUP_NEW_SCORE;
	r->touched = now;
}

struct tn_catchup_rec *
tn_catchup_add(struct tn_catchup *c, const char *id, int64_t now)
{
	struct tn_catchup_rec	*r;
	size_t				 i, old = 0;

	if (id[0] == '\0' || strlen(id) > TN_CATCHUP_ID_MAX)
		return NULL;
	if ((r = tn_catchup_get(c, id)) != NULL)
		return r;
	if (c->n == c->max) {
		for (i = 1; i < c->n; i++)
			if (c->v[i].touched < c->v[old].touched)
				old = i;
		free(c->v[old].url);
		c->v[old] = c->v[--c->n];
	}
	r = &c->v[c->n++];
	tn_catchup_rec_init(r, id, now);
	return r;
}

double
tn_catchup_score(const struct tn_catchup_rec *r, int64_t now)
{
	int64_t	total = r->successes + r->failures;
	double	rate, s;

	if (r->malicious > 0)
		return 5;
	rate = total > 0 ? 100.0 * (double)r->successes / (double)total : 50;
	s = 0.6 * rate + 0.4 * 50;
	if (r->last_failure > 0 && now - r->last_failure < HOUR)
		s -= 15;
	if (r->last_success > 0 && now - r->last_success < HOUR)
		s += 10;
	if (r->failures - r->successes >= 3 && r->last_success > 0 &&
	    r->last_failure - r->last_success < FIVE_MIN)
		s = 15;
	return s < 0 ? 0 : s > 100 ? 100 : s;
}

static void
tn_catchup_success(struct tn_catchup_rec *r, int64_t ms, int64_t now)
{
	r->successes++;
	r->last_success = now;
	if (ms > 0)
		r->avg_ms = r->avg_ms == 0 ? ms : (r->avg_ms * 8 + ms * 2) / 10;
}

/* One record's change for report kind k (the peer is known). */
static void
tn_catchup_one(struct tn_catchup_rec *r, const Tp__CatchupReportReq *q,
    int64_t now)
{
	switch (q->kind) {
	case TP__CATCHUP_KIND__CATCHUP_ATTEMPT:
		r->attempts++;
		r->c_attempts++;
		r->last_attempt = now;
		break;
	case TP__CATCHUP_KIND__CATCHUP_SUCCESS:
		r->c_successes++;
		tn_catchup_success(r, q->duration_ms, now);
		break;
	case TP__CATCHUP_KIND__CATCHUP_FAILURE:
		r->failures++;
		r->c_failures++;
		r->last_failure = now;
		if (q->text[0] != '\0') {
			snprintf(r->last_error, sizeof(r->last_error), "%s",
			    q->text);
			r->last_error_time = now;
		}
		break;
	case TP__CATCHUP_KIND__CATCHUP_MALICIOUS:
		r->malicious++;
		break;
	case TP__CATCHUP_KIND__CATCHUP_ERROR:
		snprintf(r->last_error, sizeof(r->last_error), "%s", q->text);
		r->last_error_time = now;
		break;
	case TP__CATCHUP_KIND__CATCHUP_BYTES:
		r->bytes += q->bytes;
		break;
	case TP__CATCHUP_KIND__CATCHUP_VALID_SUBTREE:
	case TP__CATCHUP_KIND__CATCHUP_VALID_BLOCK:
		tn_catchup_success(r, 0, now);
		break;
	case TP__CATCHUP_KIND__CATCHUP_VALID_HEADERS:
		tn_catchup_success(r, q->duration_ms, now);
		break;
	case TP__CATCHUP_KIND__CATCHUP_CHAIN_PROGRESS:
		if (q->height > 0)
			r->height = q->height;
		if (q->hash[0] != '\0' && strlen(q->hash) < sizeof(r->hash))
			snprintf(r->hash, sizeof(r->hash), "%s", q->hash);
		break;
	default:
		break;
	}
	if (q->kind == TP__CATCHUP_KIND__CATCHUP_REPUTATION) {
		r->score = q->score < 0 ? 0 : q->score > 100 ? 100 : q->score;
	} else if (q->kind != TP__CATCHUP_KIND__CATCHUP_BYTES &&
	    q->kind != TP__CATCHUP_KIND__CATCHUP_ERROR &&
	    q->kind != TP__CATCHUP_KIND__CATCHUP_CHAIN_PROGRESS)
		r->score = tn_catchup_score(r, now);
	r->touched = now;
}

/* Forget what block validation said about r (or every peer). */
static int
tn_catchup_reset(struct tn_catchup *c, const char *id, int64_t now)
{
	struct tn_catchup_rec	*r;
	int				 n = 0;

	for (size_t i = 0; i < c->n; i++) {
		r = &c->v[i];
		if (id[0] != '\0' && strcmp(r->id, id) != 0)
			continue;
		r->attempts = r->successes = r->failures = 0;
		r->last_attempt = r->last_success = r->last_failure = 0;
		r->c_attempts = r->c_successes = r->c_failures = 0;
		r->malicious = r->avg_ms = 0;
		r->last_error[0] = '\0';
		r->last_error_time = 0;
		r->score = TN_CATCHUP_NEW_SCORE;
		r->touched = now;
		n++;
	}
	return n;
}

int
tn_catchup_apply(struct tn_catchup *c, const Tp__CatchupReportReq *q,
    int known, int64_t now, int *reset)
{
	struct tn_catchup_rec	*r;

	*reset = 0;
	if (q->kind == TP__CATCHUP_KIND__CATCHUP_RESET) {
		*reset = tn_catchup_reset(c, q->peer_id, now);
		c->dirty |= *reset > 0;
		return 1;
	}
	if ((r = tn_catchup_get(c, q->peer_id)) == NULL &&
	    (!known || (r = tn_catchup_add(c, q->peer_id, now)) == NULL))
		return 0;
	tn_catchup_one(r, q, now);
	c->dirty = 1;
	return 1;
}

/* ---- teranode_peer_registry.json ---- */

static void
tn_catchup_time_str(int64_t t, char out[32])
{
	time_t		s = (time_t)t;
	struct tm	tm;

	if (t <= 0 || gmtime_r(&s, &tm) == NULL)
		snprintf(out, 32, "0001-01-01T00:00:00Z");	/* Go's zero */
	else
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* RFC 3339 as Go writes it (fraction, Z or an offset); 0 for zero or bad. */
static int64_t
tn_catchup_time_parse(const char *s)
{
	struct tm	 tm;
	const char	*p;
	int64_t		 t;
	int		 oh, om;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL ||
	    tm.tm_year < 70)
		return 0;
	t = (int64_t)timegm(&tm);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh,
	    &om) == 2)
		t -= (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
	return t;
}

static void
tn_catchup_rec_json(cJSON *o, const struct tn_catchup_rec *r)
{
	char	ts[32];

	cJSON_AddNumberToObject(o, "interaction_attempts", (double)r->attempts);
	cJSON_AddNumberToObject(o, "interaction_successes",
	    (double)r->successes);
	cJSON_AddNumberToObject(o, "interaction_failures", (double)r->failures);
	tn_catchup_time_str(r->last_attempt, ts);
	cJSON_AddStringToObject(o, "last_interaction_attempt", ts);
	tn_catchup_time_str(r->last_success, ts);
	cJSON_AddStringToObject(o, "last_interaction_success", ts);
	tn_catchup_time_str(r->last_failure, ts);
	cJSON_AddStringToObject(o, "last_interaction_failure", ts);
	cJSON_AddNumberToObject(o, "reputation_score", r->score);
	cJSON_AddNumberToObject(o, "malicious_count", (double)r->malicious);
	cJSON_AddNumberToObject(o, "avg_response_ms", (double)r->avg_ms);
	cJSON_AddNumberToObject(o, "bytes_received", (double)r->bytes);
	cJSON_AddNumberToObject(o, "catchup_attempts", (double)r->c_attempts);
	cJSON_AddNumberToObject(o, "catchup_successes", (double)r->c_successes);
	cJSON_AddNumberToObject(o, "catchup_failures", (double)r->c_failures);
	cJSON_AddStringToObject(o, "last_catchup_error", r->last_error);
	tn_catchup_time_str(r->last_error_time, ts);
	cJSON_AddStringToObject(o, "last_catchup_error_time", ts);
	cJSON_AddNumberToObject(o, "height", r->height);
	cJSON_AddStringToObject(o, "block_hash", r->hash);
	cJSON_AddStringToObject(o, "data_hub_url", r->url != NULL ? r->url : "");
	cJSON_AddStringToObject(o, "client_name", r->client);
	if (r->storage[0] != '\0')
		cJSON_AddStringToObject(o, "storage", r->storage);
}

char *
tn_catchup_to_json(const struct tn_catchup *c, int64_t now)
{
	cJSON	*root = cJSON_CreateObject(), *peers;
	char	 ts[32], *s;

	cJSON_AddStringToObject(root, "version", "1.0");
	tn_catchup_time_str(now, ts);
	cJSON_AddStringToObject(root, "last_updated", ts);
	peers = cJSON_AddObjectToObject(root, "peers");
	for (size_t i = 0; i < c->n; i++)
		tn_catchup_rec_json(cJSON_AddObjectToObject(peers,
		    c->v[i].id), &c->v[i]);
	s = cJSON_Print(root);
	cJSON_Delete(root);
	return s;
}

static int64_t
tn_catchup_num(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);
	double		 d;

	if (!cJSON_IsNumber(v))
		return 0;
	d = v->valuedouble;
	return d < 0 ? 0 : d > 9.0e15 ? (int64_t)9.0e15 : (int64_t)d;
}

static const char *
tn_catchup_str(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
tn_catchup_rec_from(struct tn_catchup_rec *r, const cJSON *o)
{
	const char	*url = tn_catchup_str(o, "data_hub_url");
	double		 sc = (double)tn_catchup_num(o, "reputation_score");
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o,
			    "reputation_score");

	if (cJSON_IsNumber(v))
		sc = v->valuedouble;
	r->attempts = tn_catchup_num(o, "interaction_attempts");
	r->successes = tn_catchup_num(o, "interaction_successes");
	r->failures = tn_catchup_num(o, "interaction_failures");
	r->last_attempt = tn_catchup_time_parse(tn_catchup_str(o,
	    "last_interaction_attempt"));
	r->last_success = tn_catchup_time_parse(tn_catchup_str(o,
	    "last_interaction_success"));
	r->last_failure = tn_catchup_time_parse(tn_catchup_str(o,
	    "last_interaction_failure"));
	r->score = sc >= 0 && sc <= 100 ? sc : TN_CATCHUP_NEW_SCORE;
	r->malicious = tn_catchup_num(o, "malicious_count");
	r->avg_ms = tn_catchup_num(o, "avg_response_ms");
	r->bytes = (uint64_t)tn_catchup_num(o, "bytes_received");
	r->c_attempts = tn_catchup_num(o, "catchup_attempts");
	r->c_successes = tn_catchup_num(o, "catchup_successes");
	r->c_failures = tn_catchup_num(o, "catchup_failures");
	snprintf(r->last_error, sizeof(r->last_error), "%s",
	    tn_catchup_str(o, "last_catchup_error"));
	r->last_error_time = tn_catchup_time_parse(tn_catchup_str(o,
	    "last_catchup_error_time"));
	r->height = (uint32_t)(tn_catchup_num(o, "height") & 0xffffffff);
	if (strlen(tn_catchup_str(o, "block_hash")) < sizeof(r->hash))
		snprintf(r->hash, sizeof(r->hash), "%s",
		    tn_catchup_str(o, "block_hash"));
	if (url[0] != '\0' && strlen(url) <= 2048)
		r->url = xstrdup(url);
	snprintf(r->client, sizeof(r->client), "%s",
	    tn_catchup_str(o, "client_name"));
	snprintf(r->storage, sizeof(r->storage), "%s",
	    tn_catchup_str(o, "storage"));
}

int
tn_catchup_from_json(struct tn_catchup *c, const char *text,
    size_t len, char *err, size_t errlen)
{
	cJSON			*root, *peers, *p;
	struct tn_catchup_rec *r;
	size_t			 max = c->max;

	if ((root = cJSON_ParseWithLength(text, len)) == NULL) {
		snprintf(err, errlen, "not JSON");
		return -1;
	}
	peers = cJSON_GetObjectItemCaseSensitive(root, "peers");
	if (strcmp(tn_catchup_str(root, "version"), "1.0") != 0 ||
	    !cJSON_IsObject(peers)) {
		snprintf(err, errlen, "not a version 1.0 peer registry");
		cJSON_Delete(root);
		return -1;
	}
	tn_catchup_fini(c);
	tn_catchup_init(c, max);
	cJSON_ArrayForEach(p, peers) {
		if (!cJSON_IsObject(p) || p->string == NULL ||
		    (r = tn_catchup_add(c, p->string, 0)) == NULL)
			continue;
		tn_catchup_rec_from(r, p);
		r->touched = r->last_attempt > r->last_success ?
		    r->last_attempt : r->last_success;
	}
	cJSON_Delete(root);
	return 0;
}

int
tn_catchup_save(struct tn_catchup *c, const char *dir, int64_t now,
    char *err, size_t errlen)
{
	char	path[1024], tmp[1040], *s = tn_catchup_to_json(c, now);
	size_t	len = strlen(s);
	int	fd, rc = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, TN_CATCHUP_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	} else if (write(fd, s, len) != (ssize_t)len || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
	} else if (close(fd) == -1 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		c->dirty = 0;
		rc = 0;
	}
	free(s);
	return rc;
}

int
tn_catchup_load(struct tn_catchup *c, const char *dir, char *err,
    size_t errlen)
{
	char		 path[1024], *buf;
	struct stat	 st;
	FILE		*f;
	size_t		 n;
	int		 rc;

	snprintf(path, sizeof(path), "%s/%s", dir, TN_CATCHUP_FILE);
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || st.st_size < 0 ||
	    (uint64_t)st.st_size > TN_CATCHUP_FILE_MAX) {
		snprintf(err, errlen, "%s: unreadable or larger than %u bytes",
		    path, TN_CATCHUP_FILE_MAX);
		fclose(f);
		return -1;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	rc = tn_catchup_from_json(c, buf, n, err, errlen);
	free(buf);
	return rc;
}
