/*
 * The settings loader used by the supervisor and every worker: embedded
 * defaults from config_keys[], Teranode's settings files and terap2p's own
 * file (read by config_src.c), then the environment.  Every value is
 * expanded, parsed and checked here, once; a bad or missing value stops
 * start-up with one line naming the key and where it came from.  Each value
 * remembers its origin for `terap2pd -n`.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "config_src.h"
#include "redact.h"
#include "tp.h"
#include "util.h"

#define CFG_LIST_MAX	256

static const char *const cfg_tn_files[] = {
	"settings.conf", "settings_test.conf", "settings_local.conf"
};

struct cfg_value {
	char		*text;		/* owned; expanded */
	char		 src[300];	/* "settings.conf:3 (p2p_port.docker)" */
	long long	 i;
	int		 b;
	uint64_t	 ms;
	struct cfg_list	 list;
};

struct config {
	char			*path;		/* owned, NULL: no own file */
	struct cfg_value	*v;		/* owned, config_nkeys entries */
	struct cfg_src		 src;		/* owned: lines, files, notices */
	char			 sources[1024];	/* for the start-up log */
};

static long
config_index(const char *key)
{
	return config_src_key(key, NULL);
}

static size_t
config_must_index(const char *key, enum cfg_type type)
{
	long	i = config_index(key);

	if (i < 0 || config_keys[i].type != type) {
		fprintf(stderr, "terap2p: bug: setting %s read as wrong type or "
		    "undeclared\n", key);
		abort();
	}
	return (size_t)i;
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void
list_free(struct cfg_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
list_parse(const char *text, struct cfg_list *out)
{
	char	*copy = xstrdup(text), *save = NULL, *tok, *item;

	out->n = 0;
	out->v = NULL;
	for (tok = strtok_r(copy, "|", &save); tok != NULL;
	    tok = strtok_r(NULL, "|", &save)) {
		item = trim(tok);
		if (*item == '\0')
			continue;
		if (out->n == CFG_LIST_MAX) {
			free(copy);
			list_free(out);
			return -1;
		}
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(char *));
		out->v[out->n++] = xstrdup(item);
	}
	free(copy);
	return 0;
}

static int
bool_parse(const char *s, int *out)
{
	/* strconv.ParseBool's spellings, plus yes/no and on/off */
	static const char	*yes[] = { "true", "t", "yes", "on", "1" };
	static const char	*no[] = { "false", "f", "no", "off", "0" };
	size_t			 i;

	for (i = 0; i < TP_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* The choice s names, any case (Teranode writes logLevel = INFO), or NULL. */
static const char *
enum_find(const char *choices, const char *s, char *buf, size_t len)
{
	size_t		 n = strlen(s);
	const char	*p = choices;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, s, n) == 0 && (p[n] == '|' || p[n] == '\0')) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return buf;
		}
		p = strchr(p, '|');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* "must be either 'a' or 'b'" / "must be one of 'a', 'b', 'c'" */
static void
enum_describe(const char *choices, char *out, size_t len)
{
	char	 copy[256], *save = NULL, *tok;
	size_t	 n = 1, o = 0, k = 0;
	const char *p;

	for (p = choices; *p != '\0'; p++)
		n += *p == '|';
	snprintf(copy, sizeof(copy), "%s", choices);
	o += (size_t)snprintf(out, len, n == 2 ? "must be either " :
	    "must be one of ");
	for (tok = strtok_r(copy, "|", &save); tok != NULL && o < len;
	    tok = strtok_r(NULL, "|", &save), k++) {
		o += (size_t)snprintf(out + o, len - o, "%s'%s'",
		    k == 0 ? "" : n == 2 ? " or " : ", ", tok);
	}
}

static void
value_set(struct cfg_value *v, const char *text, const char *src)
{
	char	*t = xstrdup(text);

	free(v->text);
	v->text = t;
	if (src != v->src)
		snprintf(v->src, sizeof(v->src), "%s", src);
}

static int
int_parse(const struct cfg_key *k, struct cfg_value *v, char *err,
    size_t errlen)
{
	char	*end;

	errno = 0;
	v->i = strtoll(v->text, &end, 10);
	if (errno != 0 || *end != '\0' || end == v->text) {
		snprintf(err, errlen, "%s: '%s' is not an integer (%s)",
		    k->name, v->text, v->src);
		return -1;
	}
	if ((k->min != 0 || k->max != 0) && (v->i < k->min || v->i > k->max)) {
		snprintf(err, errlen, "%s: %lld is out of range %lld..%lld (%s)",
		    k->name, v->i, k->min, k->max, v->src);
		return -1;
	}
	return 0;
}

static int
duration_parse(const struct cfg_key *k, struct cfg_value *v, char *err,
    size_t errlen)
{
	if (util_duration_parse(v->text, &v->ms) == -1) {
		snprintf(err, errlen, "%s: '%s' is not a duration (e.g. 24h, "
		    "1m30s, 500ms) (%s)", k->name, v->text, v->src);
		return -1;
	}
	if (v->ms == 0 && (k->flags & CFG_NONZERO)) {
		snprintf(err, errlen, "%s: must be longer than 0s (%s)", k->name,
		    v->src);
		return -1;
	}
	return 0;
}

/* Parse the typed value of key i; on error write a line naming the key. */
static int
value_parse(size_t i, struct cfg_value *v, char *err, size_t errlen)
{
	const struct cfg_key	*k = &config_keys[i];
	char			 desc[256], buf[64];
	const char		*c;

	list_free(&v->list);
	if (*v->text == '\0') {
		/* only strings and lists have a meaningful empty value */
		if ((k->flags & CFG_REQUIRED) ||
		    (k->type != CFG_STR && k->type != CFG_LIST)) {
			snprintf(err, errlen, "%s not set in config", k->name);
			return -1;
		}
		return 0;
	}
	switch (k->type) {
	case CFG_STR:
		if (k->max > 0 && (long long)strlen(v->text) > k->max) {
			snprintf(err, errlen, "%s: longer than %lld bytes (%s)",
			    k->name, k->max, v->src);
			return -1;
		}
		return 0;
	case CFG_INT:
		return int_parse(k, v, err, errlen);
	case CFG_BOOL:
		if (bool_parse(v->text, &v->b) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a boolean "
			    "(true or false) (%s)", k->name, v->text, v->src);
			return -1;
		}
		return 0;
	case CFG_DURATION:
		return duration_parse(k, v, err, errlen);
	case CFG_LIST:
		if (list_parse(v->text, &v->list) == -1) {
			snprintf(err, errlen, "%s: more than %d items (%s)",
			    k->name, CFG_LIST_MAX, v->src);
			return -1;
		}
		if (v->list.n == 0 && (k->flags & CFG_REQUIRED)) {
			snprintf(err, errlen, "%s not set in config", k->name);
			return -1;
		}
		return 0;
	case CFG_ENUM:
		if ((c = enum_find(k->choices, v->text, buf, sizeof(buf))) ==
		    NULL) {
			enum_describe(k->choices, desc, sizeof(desc));
			snprintf(err, errlen, "%s %s (%s)", k->name, desc, v->src);
			return -1;
		}
		value_set(v, c, v->src);
		return 0;
	}
	return -1;
}

/* Read a whole settings file, at most CFG_FILE_MAX bytes. */
static char *
config_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE	*fp;
	char	*buf;
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot open config file %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	buf = xmalloc(CFG_FILE_MAX + 1);
	n = fread(buf, 1, CFG_FILE_MAX + 1, fp);
	if (ferror(fp) || n > CFG_FILE_MAX) {
		snprintf(err, errlen, ferror(fp) ? "cannot read config file %s" :
		    "config file %s is larger than %d bytes", path,
		    CFG_FILE_MAX);
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	*len = n;
	return buf;
}

/* Fill v's text and origin with a key's raw value; src: "where" it won. */
static void
value_origin(const struct cfg_src *s, size_t k, const char **text,
    char *src, size_t len)
{
	const struct cfg_line	*l;
	const char		*env;

	*text = config_src_find(s, k, &env, &l);
	if (env != NULL)
		snprintf(src, len, strcmp(env, config_keys[k].name) == 0 ?
		    "environment" : "environment %s", env);
	else if (l == NULL || (*l->value == '\0' && !l->own &&
	    config_keys[k].type != CFG_STR && config_keys[k].type != CFG_LIST)) {
		/* gocore's typed getters take an empty value as the default */
		*text = config_keys[k].def;
		snprintf(src, len, "default");
	} else if (l->ctx[0] != '\0' || strcmp(l->name, config_keys[k].name))
		snprintf(src, len, "%s:%d %s%s%s", l->file, l->lineno, l->name,
		    l->ctx[0] ? "." : "", l->ctx);
	else
		snprintf(src, len, "%s:%d", l->file, l->lineno);
}

/* Settings whose empty value means "derive from another". */
static void
config_derive(struct config *cfg)
{
	struct cfg_value	*v, *from;
	char			 buf[CFG_LINE_MAX + 64], src[240];
	const char		*data_dir = config_str(cfg, "data_dir");

	v = &cfg->v[config_must_index("run_dir", CFG_STR)];
	if (*v->text == '\0') {
		snprintf(buf, sizeof(buf), "%s/run", data_dir);
		value_set(v, buf, "derived from data_dir");
	}
	v = &cfg->v[config_must_index("p2p_peer_cache_dir", CFG_STR)];
	if (*v->text == '\0')
		value_set(v, data_dir, "derived from data_dir");
	v = &cfg->v[config_must_index("ban_store_url", CFG_STR)];
	if (*v->text == '\0') {
		snprintf(buf, sizeof(buf), "sqlite://%s/bans.db", data_dir);
		value_set(v, buf, "derived from data_dir");
	}
	v = &cfg->v[config_must_index("topic_prefix", CFG_STR)];
	if (*v->text == '\0') {
		snprintf(buf, sizeof(buf), "teranode/bitcoin/1.0.0/%s",
		    config_str(cfg, "network"));
		value_set(v, buf, "derived from network");
	}
	/* Teranode announces asset_httpPublicAddress, else asset_httpAddress */
	v = &cfg->v[config_must_index("asset_httpPublicAddress", CFG_STR)];
	from = &cfg->v[config_must_index("asset_httpAddress", CFG_STR)];
	if (*v->text == '\0' && *from->text != '\0') {
		snprintf(src, sizeof(src), "asset_httpAddress, %.200s",
		    from->src);
		value_set(v, from->text, src);
	}
}

static void
config_describe(struct config *cfg)
{
	const struct cfg_src	*s = &cfg->src;
	size_t			 i, o;

	o = (size_t)snprintf(cfg->sources, sizeof(cfg->sources),
	    "SETTINGS_CONTEXT %s%s; files:", s->ctx, s->ctx_from_env ? "" :
	    " (default)");
	for (i = 0; i < s->nfiles && o < sizeof(cfg->sources); i++)
		o += (size_t)snprintf(cfg->sources + o, sizeof(cfg->sources) - o,
		    "%s %s", i ? "," : "", s->files[i]);
	if (s->nfiles == 0 && o < sizeof(cfg->sources))
		snprintf(cfg->sources + o, sizeof(cfg->sources) - o, " none");
}

/* Resolve, expand and parse every declared key. */
static int
config_resolve(struct config *cfg, char *err, size_t errlen)
{
	char		*buf = xmalloc(CFG_LINE_MAX + 1), src[300];
	const char	*text;
	size_t		 i;
	int		 rc = -1;

	for (i = 0; i < config_nkeys; i++) {
		value_origin(&cfg->src, i, &text, src, sizeof(src));
		if (text == NULL)
			text = config_keys[i].def;
		if (config_src_expand(&cfg->src, config_keys[i].name, text, buf,
		    err, errlen) == -1)
			goto out;
		value_set(&cfg->v[i], buf, src);
		if (value_parse(i, &cfg->v[i], err, errlen) == -1)
			goto out;
	}
	config_derive(cfg);
	config_describe(cfg);
	rc = 0;
out:
	free(buf);
	return rc;
}

struct config *
config_load_texts(const struct config_text *t, size_t n, int use_env,
    const char *context, char *err, size_t errlen)
{
	struct config	*cfg = xcalloc(1, sizeof(*cfg));
	size_t		 i;

	cfg->v = xcalloc(config_nkeys, sizeof(*cfg->v));
	config_src_init(&cfg->src, use_env, context);
	for (i = 0; i < n; i++) {
		if (t[i].own && t[i].name != NULL && cfg->path == NULL)
			cfg->path = xstrdup(t[i].name);
		if (t[i].text == NULL)
			continue;
		if (config_src_parse(&cfg->src, &t[i], err, errlen) == -1)
			goto fail;
	}
	if (config_resolve(cfg, err, errlen) == -1)
		goto fail;
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

struct config *
config_load_text(const char *text, size_t len, const char *name,
    int use_env, char *err, size_t errlen)
{
	struct config_text	t = { name != NULL ? name : "settings", text,
				    len, 1 };

	return config_load_texts(&t, 1, use_env, NULL, err, errlen);
}

struct config *
config_load(const char *path, int use_env, char *err, size_t errlen)
{
	struct config_opts	o = { path, "none", use_env };

	return config_open(&o, err, errlen);
}

/*
 * The folder of Teranode's files: -s, else teranode_settings_dir as our own
 * file and the environment set it, else "" for Teranode's search.
 */
static int
settings_dir(const struct config_opts *o, const struct config_text *own,
    char *dir, char *err, size_t errlen)
{
	struct cfg_src		 s;
	const struct cfg_line	*l;
	const char		*text, *env;
	int			 rc = -1;

	if (o->settings_dir != NULL) {
		snprintf(dir, CFG_LINE_MAX + 1, "%s", o->settings_dir);
		return 0;
	}
	config_src_init(&s, o->use_env, NULL);
	if (own->text == NULL || config_src_parse(&s, own, err, errlen) == 0) {
		text = config_src_find(&s, (size_t)config_index(
		    "teranode_settings_dir"), &env, &l);
		rc = config_src_expand(&s, "teranode_settings_dir", text != NULL ?
		    text : "", dir, err, errlen);
	}
	config_src_fini(&s);
	return rc;
}

/* Read Teranode's files into t[0..2] (text NULL where absent). */
static int
teranode_files(const char *dir, struct config_text *t, char *paths[],
    char *err, size_t errlen)
{
	char	path[PATH_MAX + 32];
	size_t	i;
	int	found = 0;

	for (i = 0; i < TP_ARRAY_LEN(cfg_tn_files); i++) {
		memset(&t[i], 0, sizeof(t[i]));
		if (strcmp(dir, "none") == 0)
			continue;
		if (*dir != '\0')
			snprintf(path, sizeof(path), "%s/%s", dir, cfg_tn_files[i]);
		else if (config_src_search(cfg_tn_files[i], path,
		    sizeof(path)) == -1)
			continue;
		if (access(path, F_OK) != 0)
			continue;
		paths[i] = xstrdup(path);
		t[i].name = paths[i];
		if ((t[i].text = config_read_file(path, &t[i].len, err,
		    errlen)) == NULL)
			return -1;
		found = 1;
	}
	if (*dir != '\0' && strcmp(dir, "none") != 0 && !found) {
		snprintf(err, errlen, "teranode_settings_dir: no settings.conf "
		    "or settings_local.conf in %.256s", dir);
		return -1;
	}
	return 0;
}

static void
dotenv_set(const char *name, const char *value, void *arg)
{
	(void)arg;
	setenv(name, value, 0);		/* the real environment wins */
}

/*
 * Teranode first loads $SETTINGS_ENV_FILE, else ./.env, into the
 * environment.  Returns the file's name, or NULL when there is none.
 */
static const char *
dotenv_load(char *err, size_t errlen)
{
	const char	*path = getenv("SETTINGS_ENV_FILE");
	char		*text;
	size_t		 len;

	if (path == NULL || *path == '\0')
		path = ".env";
	if (access(path, F_OK) != 0)
		return NULL;
	if ((text = config_read_file(path, &len, err, errlen)) == NULL)
		return NULL;
	config_src_dotenv(text, len, dotenv_set, NULL);
	free(text);
	return path;
}

struct config *
config_open(const struct config_opts *o, char *err, size_t errlen)
{
	struct config_text	 t[4];
	struct config		*cfg = NULL;
	char			 dir[CFG_LINE_MAX + 1], *paths[3] = { NULL, NULL,
				    NULL };
	char			*own = NULL;
	const char		*envfile = NULL;
	size_t			 i, n;

	err[0] = '\0';
	if (o->use_env && (envfile = dotenv_load(err, errlen)) == NULL &&
	    err[0] != '\0')
		return NULL;
	memset(t, 0, sizeof(t));
	t[3].own = 1;
	t[3].name = o->path;
	if (o->path != NULL &&
	    (own = config_read_file(o->path, &t[3].len, err, errlen)) == NULL)
		return NULL;
	t[3].text = own;
	if (settings_dir(o, &t[3], dir, err, errlen) == 0 &&
	    teranode_files(dir, t, paths, err, errlen) == 0)
		cfg = config_load_texts(t, 4, o->use_env, NULL, err, errlen);
	if (cfg != NULL && envfile != NULL) {
		n = strlen(cfg->sources);
		snprintf(cfg->sources + n, sizeof(cfg->sources) - n,
		    "; environment file: %s", envfile);
	}
	for (i = 0; i < 3; i++) {
		free((char *)t[i].text);
		free(paths[i]);
	}
	free(own);
	return cfg;
}

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < config_nkeys; i++) {
		free(cfg->v[i].text);
		list_free(&cfg->v[i].list);
	}
	free(cfg->v);
	free(cfg->path);
	config_src_fini(&cfg->src);
	free(cfg);
}

const char *
config_str(const struct config *cfg, const char *key)
{
	long	i = config_index(key);

	if (i < 0) {
		fprintf(stderr, "terap2p: bug: undeclared setting %s\n", key);
		abort();
	}
	return cfg->v[i].text;
}

long long
config_int(const struct config *cfg, const char *key)
{
	return cfg->v[config_must_index(key, CFG_INT)].i;
}

int
config_bool(const struct config *cfg, const char *key)
{
	return cfg->v[config_must_index(key, CFG_BOOL)].b;
}

uint64_t
config_duration_ms(const struct config *cfg, const char *key)
{
	return cfg->v[config_must_index(key, CFG_DURATION)].ms;
}

const struct cfg_list *
config_list(const struct config *cfg, const char *key)
{
	return &cfg->v[config_must_index(key, CFG_LIST)].list;
}

const char *
config_path(const struct config *cfg)
{
	return cfg->path;
}

const char *
config_origin(const struct config *cfg, const char *key)
{
	long	i = config_index(key);

	return i < 0 ? "undeclared" : cfg->v[i].src;
}

const char *
config_sources(const struct config *cfg)
{
	return cfg->sources;
}

size_t
config_nnotices(const struct config *cfg)
{
	return cfg->src.nnotices;
}

const char *
config_notice(const struct config *cfg, size_t i)
{
	return i < cfg->src.nnotices ? cfg->src.notices[i] : NULL;
}

static void
print_value(const struct cfg_key *k, const struct cfg_value *v, FILE *out)
{
	char	buf[CFG_LINE_MAX + 16];
	size_t	j;

	if (*v->text == '\0')
		;
	else if (k->flags & CFG_SECRET)
		fprintf(out, " ********");
	else if (k->type == CFG_BOOL)
		fprintf(out, " %s", v->b ? "true" : "false");
	else if (k->type == CFG_LIST)
		for (j = 0; j < v->list.n; j++)
			fprintf(out, "%s%s", j ? " | " : " ", v->list.v[j]);
	else {
		redact_url(v->text, buf, sizeof(buf));
		fprintf(out, " %s", buf);
	}
}

void
config_print(const struct config *cfg, FILE *out)
{
	size_t	i;

	fprintf(out, "# %s\n", cfg->sources);
	for (i = 0; i < cfg->src.nnotices; i++)
		fprintf(out, "# notice: %s\n", cfg->src.notices[i]);
	for (i = 0; i < config_nkeys; i++) {
		fprintf(out, "%s =", config_keys[i].name);
		print_value(&config_keys[i], &cfg->v[i], out);
		fprintf(out, "  # %s\n", cfg->v[i].src);
	}
}
