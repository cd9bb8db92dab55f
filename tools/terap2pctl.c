/*
 * terap2pctl: the admin CLI of terap2p, a small client of the REST API
 * (workers/api/) over libcurl.  It talks to nothing else: every command is
 * one HTTP request, its answer printed as a short text (or the raw JSON with
 * --json).  Exit status: 0 done, 1 the server refused or failed (its message
 * on stderr), 2 usage error or the server could not be reached.
 *
 *   terap2pctl [-u URL] [-k KEY] [--json] [--cacert FILE] [--insecure] CMD ...
 *
 * URL defaults to $TERAP2P_URL or http://127.0.0.1:9906, KEY to
 * $TERAP2P_API_KEY.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "config.h"

#ifndef TP_CONF_DEFAULT
#define TP_CONF_DEFAULT	"/etc/terap2p/terap2p.conf"
#endif

#define CTL_BODY_MAX	(16u * 1024 * 1024)

struct ctl {
	const char	*url;		/* borrowed: base URL */
	const char	*key;		/* borrowed: api key or NULL */
	const char	*cacert;	/* borrowed */
	int		 insecure, json;
	char		*body;		/* owned: the last answer */
	size_t		 len;
	long		 status;
};

typedef int ctl_cmd(struct ctl *, int argc, char **argv);

static size_t
ctl_on_data(char *p, size_t size, size_t n, void *arg)
{
	struct ctl	*c = arg;
	size_t		 add = size * n;

	if (c->len + add > CTL_BODY_MAX)
		return 0;
	c->body = realloc(c->body, c->len + add + 1);
	if (c->body == NULL) {
		fprintf(stderr, "terap2pctl: out of memory\n");
		exit(2);
	}
	memcpy(c->body + c->len, p, add);
	c->len += add;
	c->body[c->len] = '\0';
	return add;
}

/* One request; body (JSON text) may be NULL.  0 on a 2xx answer. */
static int
ctl_request(struct ctl *c, const char *method, const char *path,
    const char *body)
{
	CURL			*h = curl_easy_init();
	struct curl_slist	*hdrs = NULL;
	char			 url[2048], auth[600], err[CURL_ERROR_SIZE] = "";
	CURLcode		 rc;

	free(c->body);
	c->body = NULL;
	c->len = 0;
	snprintf(url, sizeof(url), "%s%s", c->url, path);
	if (c->key != NULL && *c->key != '\0') {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->key);
		hdrs = curl_slist_append(hdrs, auth);
	}
	if (body != NULL) {
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
	if (c->cacert != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	if (c->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		fprintf(stderr, "terap2pctl: cannot reach %s: %s\n", c->url,
		    err[0] != '\0' ? err : curl_easy_strerror(rc));
		exit(2);
	}
	return c->status >= 200 && c->status < 300 ? 0 : -1;
}

/* Print the answer; on an error status, its message. Returns the exit code. */
static int
ctl_finish(struct ctl *c, int rc, void (*show)(const cJSON *))
{
	cJSON		*o = c->body != NULL ? cJSON_Parse(c->body) : NULL;
	const cJSON	*e = cJSON_GetObjectItem(o, "error");

	if (rc != 0) {
		fprintf(stderr, "terap2pctl: %ld: %s\n", c->status,
		    cJSON_IsString(e) ? e->valuestring : c->body != NULL ?
		    c->body : "no answer");
		cJSON_Delete(o);
		return 1;
	}
	if (c->json || o == NULL || show == NULL)
		printf("%s\n", c->body != NULL ? c->body : "");
	else
		show(o);
	cJSON_Delete(o);
	return 0;
}

static const char *
ctl_s(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
ctl_n(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsTrue(v) ? 1 : 0;
}

/* ---- views ---- */

static void
ctl_show_status(const cJSON *o)
{
	const cJSON	*w;

	printf("terap2pd %s pid %.0f %s, up %.0f s\n", ctl_s(o, "version"),
	    ctl_n(o, "pid"), ctl_n(o, "ready") ? "ready" : "NOT READY",
	    ctl_n(o, "uptime_s"));
	cJSON_ArrayForEach(w, cJSON_GetObjectItem(o, "workers"))
		printf("  %-8s pid %-7.0f %-9s restarts %-3.0f %s\n",
		    ctl_s(w, "role"), ctl_n(w, "pid"), ctl_n(w, "healthy") ?
		    "healthy" : "UNHEALTHY", ctl_n(w, "restarts"),
		    ctl_s(w, "detail"));
}

static void
ctl_show_peer(const cJSON *p)
{
	const cJSON	*a = cJSON_GetArrayItem(cJSON_GetObjectItem(p,
			    "addresses"), 0);

	printf("%s  %s  height %.0f  score %.0f  %s\n", ctl_s(p, "id"),
	    cJSON_IsString(a) ? a->valuestring : "-", ctl_n(p, "height"),
	    ctl_n(p, "ban_score"), ctl_s(p, "user_agent"));
}

static void
ctl_show_peers(const cJSON *o)
{
	const cJSON	*p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(o, "peers"))
		ctl_show_peer(p);
	printf("%.0f peers\n", ctl_n(o, "count"));
}

static void
ctl_show_bans(const cJSON *o)
{
	const cJSON	*b;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(o, "bans"))
		printf("%s  until %s  %s\n", ctl_s(b, "key"), ctl_s(b, "until"),
		    ctl_s(b, "reason"));
	printf("%.0f bans\n", ctl_n(o, "total"));
}

static void
ctl_show_score(const cJSON *s)
{
	printf("%s  score %.0f%s%s\n", ctl_s(s, "peer_id"), ctl_n(s, "score"),
	    ctl_n(s, "banned") ? "  banned until " : "",
	    ctl_n(s, "banned") ? ctl_s(s, "until") : "");
}

static void
ctl_show_scores(const cJSON *o)
{
	const cJSON	*s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(o, "scores"))
		ctl_show_score(s);
	printf("%.0f scored peers\n", ctl_n(o, "total"));
}

static void
ctl_show_check(const cJSON *o)
{
	if (ctl_n(o, "banned"))
		printf("banned (%s) until %.0f\n", *ctl_s(o, "matched") ?
		    ctl_s(o, "matched") : ctl_s(o, "peer_id"),
		    ctl_n(o, "until_unix"));
	else
		printf("not banned\n");
}

static void
ctl_show_ok(const cJSON *o)
{
	(void)o;
	printf("ok\n");
}

static void
ctl_show_ban(const cJSON *o)
{
	printf("banned %s until %.0f\n", ctl_s(o, "key"),
	    ctl_n(o, "until_unix"));
}

/* ---- commands ---- */

static void
ctl_help(FILE *out)
{
	fprintf(out,
	    "usage: terap2pctl [-f FILE] [-u URL] [-k KEY] [--json] "
	    "[--cacert FILE] [--insecure] COMMAND\n"
	    "       terap2pctl -h | --help | --version\n"
	    "  status | health\n"
	    "  peers [PEER_ID] | connect MULTIADDR | disconnect PEER_ID\n"
	    "  bans [list] | bans add [--force] ADDR|PEER_ID [DURATION [REASON]]"
	    "\n    (--force: allow a subnet wider than /8 IPv4 or /32 IPv6)\n"
	    "  bans remove KEY | bans check ADDR|PEER_ID | bans clear\n"
	    "  scores [list] | scores get PEER_ID | scores add PEER_ID REASON"
	    " | scores reset PEER_ID\n"
	    "  announce block|subtree|mining_on|rejected_tx FIELD=VALUE...\n"
	    "URL: -u, else $TERAP2P_URL, else from the daemon's settings (-f FILE,\n"
	    "  default %s if it exists: p2p_httpListenAddress,\n"
	    "  securityLevelHTTP), else http://127.0.0.1:9906\n"
	    "KEY: -k, else $TERAP2P_API_KEY, else api_key of those settings\n",
	    TP_CONF_DEFAULT);
}

static int
ctl_usage(void)
{
	ctl_help(stderr);
	return 2;
}

/* A path segment, percent-encoded. */
static void
ctl_path(char *out, size_t outlen, const char *prefix, const char *seg,
    const char *suffix)
{
	CURL	*h = curl_easy_init();
	char	*e = curl_easy_escape(h, seg, 0);

	snprintf(out, outlen, "%s%s%s", prefix, e, suffix);
	curl_free(e);
	curl_easy_cleanup(h);
}

static int
ctl_is_peer(const char *s)
{
	return strncmp(s, "12D3KooW", 8) == 0 || strncmp(s, "Qm", 2) == 0;
}

static int
ctl_status(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage();
	return ctl_finish(c, ctl_request(c, "GET", "/api/v1/status", NULL),
	    ctl_show_status);
}

static int
ctl_health(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage();
	return ctl_finish(c, ctl_request(c, "GET", "/health/readiness", NULL),
	    NULL);
}

static int
ctl_peers(struct ctl *c, int argc, char **argv)
{
	char	path[512];

	if (argc == 1)
		return ctl_finish(c, ctl_request(c, "GET", "/api/v1/peers",
		    NULL), ctl_show_peers);
	if (argc != 2)
		return ctl_usage();
	ctl_path(path, sizeof(path), "/api/v1/peers/", argv[1], "");
	return ctl_finish(c, ctl_request(c, "GET", path, NULL), ctl_show_peer);
}

static int
ctl_connect(struct ctl *c, int argc, char **argv)
{
	cJSON	*o;
	char	*s;
	int	 rc;

	if (argc != 2)
		return ctl_usage();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "multiaddr", argv[1]);
	s = cJSON_PrintUnformatted(o);
	rc = ctl_request(c, "POST", "/api/v1/peers/connect", s);
	free(s);
	cJSON_Delete(o);
	return ctl_finish(c, rc, ctl_show_ok);
}

static int
ctl_disconnect(struct ctl *c, int argc, char **argv)
{
	char	path[512];

	if (argc != 2)
		return ctl_usage();
	ctl_path(path, sizeof(path), "/api/v1/peers/", argv[1], "/disconnect");
	return ctl_finish(c, ctl_request(c, "POST", path, NULL), ctl_show_ok);
}

static int
ctl_bans_add(struct ctl *c, int argc, char **argv)
{
	cJSON	*o;
	char	*s;
	int	 rc, force = 0;

	if (argc > 0 && strcmp(argv[0], "--force") == 0) {
		force = 1;
		argc--;
		argv++;
	}
	if (argc < 1 || argc > 3)
		return ctl_usage();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, ctl_is_peer(argv[0]) ? "peer_id" : "addr",
	    argv[0]);
	if (force)
		cJSON_AddTrueToObject(o, "force");
	if (argc > 1)
		cJSON_AddStringToObject(o, "duration", argv[1]);
	if (argc > 2)
		cJSON_AddStringToObject(o, "reason", argv[2]);
	s = cJSON_PrintUnformatted(o);
	rc = ctl_request(c, "POST", "/api/v1/bans", s);
	free(s);
	cJSON_Delete(o);
	return ctl_finish(c, rc, ctl_show_ban);
}

static int
ctl_bans(struct ctl *c, int argc, char **argv)
{
	const char	*sub = argc > 1 ? argv[1] : "list";
	char		 path[512];

	if (strcmp(sub, "list") == 0 && argc <= 2)
		return ctl_finish(c, ctl_request(c, "GET", "/api/v1/bans", NULL),
		    ctl_show_bans);
	if (strcmp(sub, "clear") == 0 && argc == 2)
		return ctl_finish(c, ctl_request(c, "DELETE", "/api/v1/bans",
		    NULL), ctl_show_ok);
	if (strcmp(sub, "add") == 0 && argc >= 3 && argc <= 6)
		return ctl_bans_add(c, argc - 2, argv + 2);
	if (strcmp(sub, "remove") == 0 && argc == 3) {
		ctl_path(path, sizeof(path), "/api/v1/bans/", argv[2], "");
		return ctl_finish(c, ctl_request(c, "DELETE", path, NULL),
		    ctl_show_ok);
	}
	if (strcmp(sub, "check") == 0 && argc == 3) {
		ctl_path(path, sizeof(path), ctl_is_peer(argv[2]) ?
		    "/api/v1/bans/check?peer_id=" : "/api/v1/bans/check?addr=",
		    argv[2], "");
		return ctl_finish(c, ctl_request(c, "GET", path, NULL),
		    ctl_show_check);
	}
	return ctl_usage();
}

static int
ctl_scores(struct ctl *c, int argc, char **argv)
{
	const char	*sub = argc > 1 ? argv[1] : "list";
	char		 path[512], *s;
	cJSON		*o;
	int		 rc;

	if (strcmp(sub, "list") == 0 && argc <= 2)
		return ctl_finish(c, ctl_request(c, "GET", "/api/v1/scores",
		    NULL), ctl_show_scores);
	if ((strcmp(sub, "get") == 0 || strcmp(sub, "reset") == 0) &&
	    argc == 3) {
		ctl_path(path, sizeof(path), "/api/v1/scores/", argv[2], "");
		return ctl_finish(c, ctl_request(c, sub[0] == 'g' ? "GET" :
		    "DELETE", path, NULL), sub[0] == 'g' ? ctl_show_score :
		    ctl_show_ok);
	}
	if (strcmp(sub, "add") != 0 || argc != 4)
		return ctl_usage();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "peer_id", argv[2]);
	cJSON_AddStringToObject(o, "reason", argv[3]);
	s = cJSON_PrintUnformatted(o);
	rc = ctl_request(c, "POST", "/api/v1/scores", s);
	free(s);
	cJSON_Delete(o);
	return ctl_finish(c, rc, ctl_show_score);
}

/* FIELD=VALUE: whole numbers become JSON numbers, the rest strings. */
static int
ctl_announce(struct ctl *c, int argc, char **argv)
{
	cJSON	*o;
	char	 path[128], *s, *eq, *end;
	int	 rc;

	if (argc < 3)
		return ctl_usage();
	o = cJSON_CreateObject();
	for (int i = 2; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL) {
			cJSON_Delete(o);
			return ctl_usage();
		}
		*eq = '\0';
		strtoull(eq + 1, &end, 10);
		if (eq[1] != '\0' && *end == '\0' && eq[1] != '-')
			cJSON_AddNumberToObject(o, argv[i], strtod(eq + 1, NULL));
		else
			cJSON_AddStringToObject(o, argv[i], eq + 1);
	}
	ctl_path(path, sizeof(path), "/api/v1/announce/", argv[1], "");
	s = cJSON_PrintUnformatted(o);
	rc = ctl_request(c, "POST", path, s);
	free(s);
	cJSON_Delete(o);
	return ctl_finish(c, rc, ctl_show_ok);
}

static const struct {
	const char	*name;
	ctl_cmd		*fn;
} ctl_cmds[] = {
	{ "status", ctl_status }, { "health", ctl_health },
	{ "peers", ctl_peers }, { "connect", ctl_connect },
	{ "disconnect", ctl_disconnect }, { "bans", ctl_bans },
	{ "scores", ctl_scores }, { "announce", ctl_announce },
};

/*
 * The URL and key of the daemon whose settings are in path (its own file,
 * Teranode's files and the environment, as the daemon reads them).  A
 * wildcard listen address is reached on loopback.  -1 (printed) if the
 * settings do not load.
 */
static int
ctl_from_config(struct ctl *c, const char *path, int want_url, int want_key)
{
	static char	 url[600], key[1100];
	struct config	*cfg;
	char		 err[512], host[512];
	const char	*listen, *colon;

	if ((cfg = config_open(&(struct config_opts){ path, NULL, 1 }, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "terap2pctl: %s\n", err);
		return -1;
	}
	listen = config_str(cfg, "p2p_httpListenAddress");
	if ((colon = strrchr(listen, ':')) == NULL)
		colon = listen + strlen(listen);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (host[0] == '\0' || strcmp(host, "0.0.0.0") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	else if (strcmp(host, "[::]") == 0 || strcmp(host, "::") == 0)
		snprintf(host, sizeof(host), "[::1]");
	snprintf(url, sizeof(url), "%s://%s%s",
	    config_int(cfg, "securityLevelHTTP") == 1 ? "https" : "http", host,
	    *colon == ':' ? colon : ":9906");
	snprintf(key, sizeof(key), "%s", config_str(cfg, "api_key"));
	if (want_url)
		c->url = url;
	if (want_key && key[0] != '\0')
		c->key = key;
	config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl	 c = { NULL, NULL, NULL, 0, 0, NULL, 0, 0 };
	const char	*conf = NULL;
	int		 i, rc = -1;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc)
			c.url = argv[++i];
		else if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
			c.key = argv[++i];
		else if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
			c.cacert = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			c.json = 1;
		else if (strcmp(argv[i], "--insecure") == 0)
			c.insecure = 1;
		else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			ctl_help(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("terap2pctl %s\n", TP_VERSION);
			return 0;
		}
		else
			return ctl_usage();
	}
	if (i == argc)
		return ctl_usage();
	if (c.url == NULL)
		c.url = getenv("TERAP2P_URL");
	if (c.key == NULL)
		c.key = getenv("TERAP2P_API_KEY");
	if (conf == NULL && (c.url == NULL || c.key == NULL) &&
	    access(TP_CONF_DEFAULT, R_OK) == 0)
		conf = TP_CONF_DEFAULT;
	if (conf != NULL && (c.url == NULL || c.key == NULL) &&
	    ctl_from_config(&c, conf, c.url == NULL, c.key == NULL) == -1)
		return 2;
	if (c.url == NULL)
		c.url = "http://127.0.0.1:9906";
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (size_t k = 0; k < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); k++)
		if (strcmp(ctl_cmds[k].name, argv[i]) == 0)
			rc = ctl_cmds[k].fn(&c, argc - i, argv + i);
	if (rc == -1)
		rc = ctl_usage();
	free(c.body);
	curl_global_cleanup();
	return rc;
}
