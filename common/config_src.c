/*
 * The settings loader's first half, used by the supervisor and every worker
 * (through config.c): it reads the lines of Teranode's settings.conf,
 * settings_test.conf and settings_local.conf and of terap2p's own file the
 * way Teranode's gocore does (github.com/ordishs/gocore config.go): `#`
 * starts a comment anywhere, `key.context = value`, outer double quotes
 * dropped, later lines win.  It answers "which line holds key k in this
 * SETTINGS_CONTEXT" and expands `${NAME}`.  Teranode's files are shared by
 * every Teranode service, so their other keys are kept only for `${NAME}`;
 * a `p2p_*` key terap2p does not know, or any unknown key in terap2p's own
 * file, is refused.  Pure apart from getenv() and the file search.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_src.h"
#include "util.h"

#define CFG_EXPAND_DEPTH	8
#define MIN(a, b)		((a) < (b) ? (a) : (b))

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

void
config_src_init(struct cfg_src *s, int use_env, const char *context)
{
	const char	*env;

	memset(s, 0, sizeof(*s));
	s->use_env = use_env;
	if (context == NULL && use_env &&
	    (env = getenv("SETTINGS_CONTEXT")) != NULL && *env != '\0') {
		context = env;
		s->ctx_from_env = 1;
	}
	/* gocore's default context when SETTINGS_CONTEXT is unset */
	snprintf(s->ctx, sizeof(s->ctx), "%s", context != NULL ? context :
	    "dev");
	if (use_env && (env = getenv("SETTINGS_APPLICATION")) != NULL)
		snprintf(s->app, sizeof(s->app), "%s", env);
}

void
config_src_fini(struct cfg_src *s)
{
	size_t	i;

	for (i = 0; i < s->nlines; i++) {
		free(s->lines[i].name);
		free(s->lines[i].ctx);
		free(s->lines[i].value);
	}
	free(s->lines);
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	for (i = 0; i < s->nnotices; i++)
		free(s->notices[i]);
	memset(s, 0, sizeof(*s));
}

long
config_src_key(const char *name, const struct cfg_alias **alias)
{
	size_t	i, j;

	if (alias != NULL)
		*alias = NULL;
	for (i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return (long)i;
	for (j = 0; j < config_naliases; j++) {
		if (strcmp(config_aliases[j].name, name) != 0)
			continue;
		for (i = 0; i < config_nkeys; i++) {
			if (strcmp(config_keys[i].name,
			    config_aliases[j].key) == 0) {
				if (alias != NULL)
					*alias = &config_aliases[j];
				return (long)i;
			}
		}
	}
	return -1;
}

static const struct cfg_retired *
retired_find(const char *name)
{
	size_t	i;

	for (i = 0; i < config_nretired; i++)
		if (strcmp(config_retired[i].name, name) == 0)
			return &config_retired[i];
	return NULL;
}

/* One notice per key name ("name: ..."); the first one is kept. */
static void
notice_add(struct cfg_src *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
notice_add(struct cfg_src *s, const char *name, const char *fmt, ...)
{
	char	buf[512];
	size_t	i, n = strlen(name);
	va_list	ap;

	for (i = 0; i < s->nnotices; i++)
		if (strncmp(s->notices[i], name, n) == 0 &&
		    s->notices[i][n] == ':')
			return;
	if (s->nnotices == CFG_NOTICES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->notices[s->nnotices++] = xstrdup(buf);
}

/* Split "name.context" (the seed's "ChainCfgParams.TopicPrefix" is a name). */
static char *
split_context(char *key)
{
	static const char	 dotted[] = "ChainCfgParams.TopicPrefix";
	size_t			 n = sizeof(dotted) - 1;
	char			*dot;

	if (strncmp(key, dotted, n) == 0 && (key[n] == '\0' || key[n] == '.'))
		dot = key[n] == '.' ? key + n : NULL;
	else
		dot = strchr(key, '.');
	if (dot == NULL)
		return key + strlen(key);
	*dot = '\0';
	return dot + 1;
}

/* Levenshtein distance, case-insensitive, of two short names. */
static size_t
distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, d[65], prev, tmp;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = MIN(MIN(d[j] + 1, d[j - 1] + 1), prev +
			    (strncasecmp(a + i - 1, b + j - 1, 1) != 0));
			prev = tmp;
		}
	}
	return d[lb];
}

const char *
config_suggest(const char *name)
{
	const char	*best = NULL, *cand;
	size_t		 i, d, bestd = SIZE_MAX, limit;

	limit = strlen(name) / 4 > 2 ? strlen(name) / 4 : 2;
	for (i = 0; i < config_nkeys + config_naliases; i++) {
		cand = i < config_nkeys ? config_keys[i].name :
		    config_aliases[i - config_nkeys].name;
		d = distance(name, cand);
		if (d < bestd) {
			bestd = d;
			best = i < config_nkeys ? cand :
			    config_aliases[i - config_nkeys].key;
		}
	}
	return bestd <= limit ? best : NULL;
}

static void
refuse_unknown(const char *where, const char *name, char *err,
    size_t errlen)
{
	const char	*s = config_suggest(name);

	snprintf(err, errlen, "%s: unknown setting '%.64s'%s%s%s", where, name,
	    s != NULL ? " (did you mean " : "", s != NULL ? s : "",
	    s != NULL ? "?)" : "");
}

/*
 * Decide what a line's key is: a declared key (or alias) -> its index, a
 * key of another service or an ignored one -> -1, refused -> -2.
 */
static long
line_classify(struct cfg_src *s, const char *name, const char *file,
    int lineno, int own, char *err, size_t errlen)
{
	const struct cfg_alias		*alias;
	const struct cfg_retired	*r;
	char				 where[300];
	long				 k;

	snprintf(where, sizeof(where), "%s:%d", file, lineno);
	if ((k = config_src_key(name, &alias)) >= 0) {
		if ((config_keys[k].flags & CFG_TN_DEAD) && !own) {
			notice_add(s, name, "%s: Teranode no longer reads this "
			    "key, so the value in %s is ignored (terap2p "
			    "reads it from its own file)", name, where);
			return -1;
		}
		if (alias != NULL && alias->note != NULL)
			notice_add(s, name, "%s: read as %s (%s) (%s)", name,
			    alias->key, alias->note, where);
		return k;
	}
	if ((r = retired_find(name)) != NULL) {
		if (r->how == CFG_RET_REFUSE ||
		    (r->how == CFG_RET_REFUSE_OWN && own)) {
			snprintf(err, errlen, "%s: %s is no longer read: %s",
			    where, name, r->why);
			return -2;
		}
		if (r->how != CFG_RET_SILENT)
			notice_add(s, name, "%s: not read, %s (%s)", name,
			    r->why, where);
		return -1;
	}
	if (own || strncmp(name, "p2p_", 4) == 0) {
		refuse_unknown(where, name, err, errlen);
		return -2;
	}
	return -1;
}

static int
line_add(struct cfg_src *s, char *name, char *ctx, char *val, long k,
    int lineno, int own, char *err, size_t errlen)
{
	const char	*file = s->files[s->nfiles - 1];
	struct cfg_line	*l;
	size_t		 i;

	for (i = 0; own && k >= 0 && i < s->nlines; i++) {
		l = &s->lines[i];
		if (l->own && l->key == k && strcmp(l->ctx, ctx) == 0 &&
		    l->file == file) {
			snprintf(err, errlen, "%s:%d: %s already set on line %d",
			    file, lineno, config_keys[k].name, l->lineno);
			return -1;
		}
	}
	if (s->nlines == CFG_LINES_MAX) {
		snprintf(err, errlen, "%s:%d: more than %d settings lines in all",
		    file, lineno, CFG_LINES_MAX);
		return -1;
	}
	if (s->nlines == s->cap) {
		s->cap = s->cap * 2 + 64;
		s->lines = xrealloc(s->lines, s->cap * sizeof(*s->lines));
	}
	l = &s->lines[s->nlines++];
	l->name = xstrdup(name);
	l->ctx = xstrdup(ctx);
	l->value = xstrdup(val);
	l->file = file;
	l->lineno = lineno;
	l->key = k;
	l->own = own;
	return 0;
}

/* Drop outer double quotes; a value that opens one must close it. */
static int
unquote(char **val, int strict)
{
	size_t	n = strlen(*val);

	if ((*val)[0] != '"')
		return 0;
	if (n >= 2 && (*val)[n - 1] == '"') {
		(*val)[n - 1] = '\0';
		(*val)++;
		return 0;
	}
	return strict ? -1 : 0;
}

static int
parse_line(struct cfg_src *s, char *l, const struct config_text *t,
    int lineno, char *err, size_t errlen)
{
	char	*hash, *eq, *name, *ctx, *val;
	long	 k;

	if ((hash = strchr(l, '#')) != NULL)
		*hash = '\0';
	l = trim(l);
	if (*l == '\0')
		return 0;
	if ((eq = strchr(l, '=')) == NULL || eq == l) {
		if (!t->own)
			return 0;
		snprintf(err, errlen, "%s:%d: expected key = value", t->name,
		    lineno);
		return -1;
	}
	*eq = '\0';
	name = trim(l);
	val = trim(eq + 1);
	ctx = split_context(name);
	if (*name == '\0' && !t->own)
		return 0;
	if ((k = line_classify(s, name, t->name, lineno, t->own, err,
	    errlen)) == -2)
		return -1;
	if (unquote(&val, k >= 0) == -1) {
		snprintf(err, errlen, "%s: unterminated quote (%s:%d)", name,
		    t->name, lineno);
		return -1;
	}
	return line_add(s, name, ctx, val, k, lineno, t->own, err, errlen);
}

int
config_src_parse(struct cfg_src *s, const struct config_text *t, char *err,
    size_t errlen)
{
	const char	*p = t->text, *end = t->text + t->len, *nl;
	char		 line[CFG_LINE_MAX + 1];
	int		 lineno = 0;
	size_t		 n;

	if (s->nfiles == CFG_FILES_MAX) {
		snprintf(err, errlen, "%s: too many settings files", t->name);
		return -1;
	}
	s->own[s->nfiles] = t->own;
	s->files[s->nfiles++] = xstrdup(t->name);
	for (; t->text != NULL && p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > CFG_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: longer than %d bytes",
			    t->name, lineno, CFG_LINE_MAX);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (strlen(line) != n) {
			snprintf(err, errlen, "%s:%d: contains a NUL byte",
			    t->name, lineno);
			return -1;
		}
		if (parse_line(s, line, t, lineno, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* The last line for (key k, or name when k < 0) in exactly context ctx. */
static const struct cfg_line *
line_at(const struct cfg_src *s, long k, const char *name, const char *ctx)
{
	const struct cfg_line	*l;
	size_t			 i;

	for (i = s->nlines; i-- > 0; ) {
		l = &s->lines[i];
		if (strcmp(l->ctx, ctx) != 0)
			continue;
		if (k >= 0 ? l->key == k : strcmp(l->name, name) == 0)
			return l;
	}
	return NULL;
}

/*
 * gocore's context chain: key.<ctx>, then drop the last dot-segment each
 * round down to the bare key; with SETTINGS_APPLICATION each round first
 * tries <candidate>.<app>.
 */
static const struct cfg_line *
line_pick(const struct cfg_src *s, long k, const char *name)
{
	const struct cfg_line	*l;
	char			 c[CFG_CTX_MAX], ca[2 * CFG_CTX_MAX + 1], *dot;

	snprintf(c, sizeof(c), "%s", s->ctx);
	for (;;) {
		if (s->app[0] != '\0') {
			snprintf(ca, sizeof(ca), "%s%s%s", c, c[0] ? "." : "",
			    s->app);
			if ((l = line_at(s, k, name, ca)) != NULL)
				return l;
		}
		if ((l = line_at(s, k, name, c)) != NULL)
			return l;
		if (c[0] == '\0')
			return NULL;
		if ((dot = strrchr(c, '.')) != NULL)
			*dot = '\0';
		else
			c[0] = '\0';
	}
}

static const char *
env_get(const struct cfg_src *s, const char *name)
{
	const char	*v;

	if (!s->use_env || (v = getenv(name)) == NULL || *v == '\0')
		return NULL;
	return v;
}

const char *
config_src_find(const struct cfg_src *s, size_t k, const char **env,
    const struct cfg_line **line)
{
	const char	*v;
	size_t		 j;

	*env = NULL;
	*line = NULL;
	if ((v = env_get(s, config_keys[k].name)) != NULL) {
		*env = config_keys[k].name;
		return v;
	}
	for (j = 0; j < config_naliases; j++) {
		if (strcmp(config_aliases[j].key, config_keys[k].name) == 0 &&
		    (v = env_get(s, config_aliases[j].name)) != NULL) {
			*env = config_aliases[j].name;
			return v;
		}
	}
	if ((*line = line_pick(s, (long)k, NULL)) != NULL)
		return (*line)->value;
	return NULL;
}

/* What ${name} stands for: env, the files' context chain, a default. */
static const char *
var_get(const struct cfg_src *s, const char *name)
{
	const struct cfg_line	*l;
	const char		*v;
	long			 k;

	if ((v = env_get(s, name)) != NULL)
		return v;
	if ((l = line_pick(s, -1, name)) != NULL)
		return l->value;
	if ((k = config_src_key(name, NULL)) >= 0)
		return config_keys[k].def;
	return NULL;
}

static int
expand(const struct cfg_src *s, const char *key, const char *in, char *out,
    size_t *o, int depth, char *err, size_t errlen)
{
	const char	*p = in, *open, *close, *v;
	char		 name[129];
	size_t		 n;

	if (depth > CFG_EXPAND_DEPTH) {
		snprintf(err, errlen, "%s: ${} expansion deeper than %d (a "
		    "cycle?)", key, CFG_EXPAND_DEPTH);
		return -1;
	}
	while ((open = strstr(p, "${")) != NULL) {
		n = (size_t)(open - p);
		if ((close = strchr(open, '}')) == NULL) {
			snprintf(err, errlen, "%s: unterminated ${ in '%.64s'",
			    key, in);
			return -1;
		}
		if (*o + n > CFG_LINE_MAX)
			goto toolong;
		memcpy(out + *o, p, n);
		*o += n;
		n = (size_t)(close - open - 2);
		if (n == 0 || n >= sizeof(name)) {
			snprintf(err, errlen, "%s: bad ${} in '%.64s'", key, in);
			return -1;
		}
		memcpy(name, open + 2, n);
		name[n] = '\0';
		if ((v = var_get(s, name)) == NULL) {
			snprintf(err, errlen, "%s: ${%s} is not set", key, name);
			return -1;
		}
		if (expand(s, key, v, out, o, depth + 1, err, errlen) == -1)
			return -1;
		p = close + 1;
	}
	n = strlen(p);
	if (*o + n > CFG_LINE_MAX)
		goto toolong;
	memcpy(out + *o, p, n);
	*o += n;
	return 0;
toolong:
	snprintf(err, errlen, "%s: longer than %d bytes after ${} expansion",
	    key, CFG_LINE_MAX);
	return -1;
}

int
config_src_expand(const struct cfg_src *s, const char *key, const char *in,
    char *out, char *err, size_t errlen)
{
	size_t	o = 0;

	if (expand(s, key, in, out, &o, 0, err, errlen) == -1)
		return -1;
	out[o] = '\0';
	return 0;
}

static int
env_name_ok(const char *n)
{
	if (!((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') || *n == '_'))
		return 0;
	for (n++; *n != '\0'; n++)
		if (!((*n >= 'A' && *n <= 'Z') || (*n >= 'a' && *n <= 'z') ||
		    (*n >= '0' && *n <= '9') || *n == '_' || *n == '.'))
			return 0;
	return 1;
}

/* One dotenv line, as github.com/joho/godotenv reads the simple forms. */
static void
dotenv_line(char *l, void (*set)(const char *, const char *, void *),
    void *arg)
{
	char	*eq, *name, *val, *hash;
	size_t	 n;

	l = trim(l);
	if (*l == '#' || (eq = strchr(l, '=')) == NULL)
		return;
	*eq = '\0';
	name = trim(l);
	if (strncmp(name, "export ", 7) == 0)
		name = trim(name + 7);
	val = trim(eq + 1);
	n = strlen(val);
	if (n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n - 1] == val[0]) {
		val[n - 1] = '\0';
		val++;
	} else if ((hash = strstr(val, " #")) != NULL) {
		*hash = '\0';
		val = trim(val);
	}
	if (env_name_ok(name))
		set(name, val, arg);
}

void
config_src_dotenv(const char *text, size_t len,
    void (*set)(const char *name, const char *value, void *arg), void *arg)
{
	const char	*p = text, *end = text + len, *nl;
	char		 line[CFG_LINE_MAX + 1];
	size_t		 n;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > CFG_LINE_MAX || memchr(p, '\0', n) != NULL)
			continue;
		memcpy(line, p, n);
		line[n] = '\0';
		dotenv_line(line, set, arg);
	}
}

/* Look for file in dir, then in each parent up to "/". */
static int
search_up(const char *start, const char *file, char *path, size_t len)
{
	char	dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", start);
	for (;;) {
		snprintf(path, len, "%s%s%s", dir,
		    strcmp(dir, "/") == 0 ? "" : "/", file);
		if (access(path, R_OK) == 0)
			return 0;
		if (strcmp(dir, "/") == 0 || (slash = strrchr(dir, '/')) ==
		    NULL)
			return -1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int
config_src_search(const char *file, char *path, size_t len)
{
	char	dir[PATH_MAX], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", dir, sizeof(dir) - 1)) > 0) {
		dir[n] = '\0';
		if ((slash = strrchr(dir, '/')) != NULL) {
			slash[slash == dir] = '\0';
			if (search_up(dir, file, path, len) == 0)
				return 0;
		}
	}
	if (getcwd(dir, sizeof(dir)) != NULL &&
	    search_up(dir, file, path, len) == 0)
		return 0;
	return -1;
}
