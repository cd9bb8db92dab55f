/*
 * The settings loader used by the supervisor and every worker: embedded
 * defaults from config_keys[], then the file, then the environment.  Every
 * value is parsed and checked here, once; a bad or missing value stops
 * start-up with one line naming the key and where it came from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "redact.h"
#include "util.h"

#define CFG_LINE_MAX	4096
#define CFG_LIST_MAX	256
#define CFG_FILE_MAX	(1024 * 1024)

struct cfg_value {
	char		*text;		/* owned; as given (trimmed) */
	char		 src[160];	/* "etc/x.conf line 3", "environment" */
	long long	 i;
	int		 b;
	uint64_t	 ms;
	struct cfg_list	 list;
};

struct config {
	char			*path;		/* owned, NULL: defaults only */
	struct cfg_value	*v;		/* owned, config_nkeys entries */
};

static long
config_index(const char *key)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].name, key) == 0)
			return (long)i;
	return -1;
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
	static const char	*yes[] = { "true", "yes", "on", "1" };
	static const char	*no[] = { "false", "no", "off", "0" };
	size_t			 i;

	for (i = 0; i < 4; i++) {
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

static int
enum_check(const char *choices, const char *s)
{
	size_t		 n = strlen(s);
	const char	*p = choices;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, s, n) == 0 && (p[n] == '|' || p[n] == '\0'))
			return 0;
		p = strchr(p, '|');
		if (p != NULL)
			p++;
	}
	return -1;
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

/* Parse one value for key i; on error write a line naming the key to err. */
static int
value_parse(size_t i, struct cfg_value *v, char *err, size_t errlen)
{
	const struct cfg_key	*k = &config_keys[i];
	char			*end, desc[256];

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
		return 0;
	case CFG_INT:
		errno = 0;
		v->i = strtoll(v->text, &end, 10);
		if (errno != 0 || *end != '\0' || end == v->text) {
			snprintf(err, errlen, "%s: '%s' is not an integer (%s)",
			    k->name, v->text, v->src);
			return -1;
		}
		if ((k->min != 0 || k->max != 0) &&
		    (v->i < k->min || v->i > k->max)) {
			snprintf(err, errlen, "%s: %lld is out of range %lld..%lld "
			    "(%s)", k->name, v->i, k->min, k->max, v->src);
			return -1;
		}
		return 0;
	case CFG_BOOL:
		if (bool_parse(v->text, &v->b) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a boolean "
			    "(true or false) (%s)", k->name, v->text, v->src);
			return -1;
		}
		return 0;
	case CFG_DURATION:
		if (util_duration_parse(v->text, &v->ms) == -1) {
			snprintf(err, errlen, "%s: '%s' is not a duration "
			    "(e.g. 24h, 1m30s, 500ms) (%s)", k->name, v->text,
			    v->src);
			return -1;
		}
		return 0;
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
		if (enum_check(k->choices, v->text) == -1) {
			enum_describe(k->choices, desc, sizeof(desc));
			snprintf(err, errlen, "%s %s", k->name, desc);
			return -1;
		}
		return 0;
	}
	return -1;
}

static void
value_set(struct cfg_value *v, const char *text, const char *src)
{
	free(v->text);
	v->text = xstrdup(text);
	snprintf(v->src, sizeof(v->src), "%s", src);
}

/* Strip an inline " # comment" and surrounding double quotes. */
static char *
value_clean(char *val)
{
	char	*p;
	size_t	 n;

	val = trim(val);
	if (val[0] == '"') {
		n = strlen(val);
		if (n >= 2 && val[n - 1] == '"') {
			val[n - 1] = '\0';
			return val + 1;
		}
	}
	for (p = val; (p = strchr(p, '#')) != NULL; p++) {
		if (p > val && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	return trim(val);
}

/*
 * Parse settings text (name is the file name for messages).  Pure: no I/O,
 * so unit tests and the fuzzer call it directly through config_load_text.
 */
static int
config_parse_text(struct config *cfg, const char *text, size_t len,
    const char *name, char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl;
	char		 line[CFG_LINE_MAX + 1], *l, *eq, *key, *val, src[160];
	int		 lineno = 0, *seen, rc = -1;
	size_t		 n;
	long		 i;

	seen = xcalloc(config_nkeys, sizeof(int));
	for (; p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > CFG_LINE_MAX) {
			snprintf(err, errlen, "%s line %d: longer than %d bytes",
			    name, lineno, CFG_LINE_MAX);
			goto out;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (strlen(line) != n) {
			snprintf(err, errlen, "%s line %d: contains a NUL byte",
			    name, lineno);
			goto out;
		}
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if ((eq = strchr(l, '=')) == NULL) {
			snprintf(err, errlen, "%s line %d: expected key = value",
			    name, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(l);
		val = value_clean(eq + 1);
		if ((i = config_index(key)) < 0) {
			snprintf(err, errlen, "%s line %d: unknown setting '%.64s'",
			    name, lineno, key);
			goto out;
		}
		if (seen[i]) {
			snprintf(err, errlen, "%s line %d: %s already set on "
			    "line %d", name, lineno, key, seen[i]);
			goto out;
		}
		seen[i] = lineno;
		snprintf(src, sizeof(src), "%s line %d", name, lineno);
		value_set(&cfg->v[i], val, src);
	}
	rc = 0;
out:
	free(seen);
	return rc;
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

/* Settings whose empty value means "derive from another". */
static void
config_derive(struct config *cfg)
{
	struct cfg_value	*v;
	char			 buf[CFG_LINE_MAX + 64];
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
}

struct config *
config_load_text(const char *text, size_t len, const char *name,
    int use_env, char *err, size_t errlen)
{
	struct config	*cfg = xcalloc(1, sizeof(*cfg));
	const char	*env;
	size_t		 i;

	cfg->v = xcalloc(config_nkeys, sizeof(*cfg->v));
	for (i = 0; i < config_nkeys; i++)
		value_set(&cfg->v[i], config_keys[i].def, "default");
	if (name != NULL)
		cfg->path = xstrdup(name);
	if (text != NULL &&
	    config_parse_text(cfg, text, len, name, err, errlen) == -1)
		goto fail;
	for (i = 0; use_env && i < config_nkeys; i++) {
		if ((env = getenv(config_keys[i].name)) == NULL)
			continue;
		if (strlen(env) > CFG_LINE_MAX) {
			snprintf(err, errlen, "%s: environment value longer "
			    "than %d bytes", config_keys[i].name, CFG_LINE_MAX);
			goto fail;
		}
		value_set(&cfg->v[i], env, "environment");
	}
	for (i = 0; i < config_nkeys; i++)
		if (value_parse(i, &cfg->v[i], err, errlen) == -1)
			goto fail;
	config_derive(cfg);
	return cfg;
fail:
	config_free(cfg);
	return NULL;
}

struct config *
config_load(const char *path, int use_env, char *err, size_t errlen)
{
	struct config	*cfg;
	char		*text = NULL;
	size_t		 len = 0;

	if (path != NULL &&
	    (text = config_read_file(path, &len, err, errlen)) == NULL)
		return NULL;
	cfg = config_load_text(text, len, path, use_env, err, errlen);
	free(text);
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

void
config_print(const struct config *cfg, FILE *out)
{
	const struct cfg_key	*k;
	const struct cfg_value	*v;
	char			 buf[CFG_LINE_MAX + 16];
	size_t			 i, j;

	for (i = 0; i < config_nkeys; i++) {
		k = &config_keys[i];
		v = &cfg->v[i];
		fprintf(out, "%s =", k->name);
		if (*v->text == '\0')
			;
		else if (k->flags & CFG_SECRET)
			fprintf(out, " ********");
		else if (k->type == CFG_BOOL)
			fprintf(out, " %s", v->b ? "true" : "false");
		else if (k->type == CFG_LIST)
			for (j = 0; j < v->list.n; j++)
				fprintf(out, "%s%s", j ? " | " : " ",
				    v->list.v[j]);
		else {
			redact_url(v->text, buf, sizeof(buf));
			fprintf(out, " %s", buf);
		}
		fputc('\n', out);
	}
}
