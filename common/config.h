/*
 * Settings, read the way Teranode reads its own: Teranode's settings.conf,
 * settings_test.conf and settings_local.conf (one on top of the other), then
 * terap2p's own file on top, `key.context = value` lines chosen along the
 * SETTINGS_CONTEXT chain, `${NAME}` expanded, and an environment variable of
 * a key's name above every file.  Every key terap2p reads is declared once
 * in the table in config_keys.c with its type, default and meaning; Teranode's
 * retired keys and older spellings are declared there too.  Values are
 * parsed and checked once, at load; the getters below cannot fail for a
 * declared key (asking for an undeclared key is a programming error and
 * aborts).
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_type {
	CFG_STR,
	CFG_INT,	/* signed 64-bit, within [min, max] */
	CFG_BOOL,	/* true/false, t/f, yes/no, on/off, 1/0 */
	CFG_DURATION,	/* Go-style: 24h, 500ms, 1m30s */
	CFG_LIST,	/* `|`-separated, items trimmed, empty items dropped */
	CFG_ENUM	/* one of the `|`-separated choices, any case */
};

#define CFG_REQUIRED	0x01	/* empty value is an error "<key> not set in config" */
#define CFG_SECRET	0x02	/* masked in --print-config output */
#define CFG_TN_DEAD	0x04	/* Teranode no longer reads it: a value from
				   Teranode's files is ignored with a notice */
#define CFG_NONZERO	0x08	/* a zero duration or integer is refused */

struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	const char	*def;		/* embedded default, as text */
	unsigned	 flags;
	long long	 min, max;	/* CFG_INT bounds (both 0: unbounded);
					   CFG_STR: max is the longest value */
	const char	*choices;	/* CFG_ENUM: "full|listen_only" */
	const char	*help;		/* one line for the README and -n */
};

/* Another name of a declared key: an older spelling or Teranode's own. */
struct cfg_alias {
	const char	*name;		/* as written in a file or the environment */
	const char	*key;		/* the declared key it sets */
	const char	*note;		/* NULL: silent; else the notice's text */
};

/* What a key that is not (or no longer) read means when it appears. */
enum cfg_retired_how {
	CFG_RET_SILENT,		/* another service's key: ignored */
	CFG_RET_NOTICE,		/* accepted anywhere with a one-line notice */
	CFG_RET_REFUSE_OWN,	/* notice in Teranode's files, refused in ours */
	CFG_RET_REFUSE		/* refused anywhere */
};

struct cfg_retired {
	const char		*name;
	enum cfg_retired_how	 how;
	const char		*why;	/* "replaced by ..." for the message */
};

extern const struct cfg_key	config_keys[];
extern const size_t		config_nkeys;
extern const struct cfg_alias	config_aliases[];
extern const size_t		config_naliases;
extern const struct cfg_retired	config_retired[];
extern const size_t		config_nretired;

struct cfg_list {
	size_t	  n;
	char	**v;	/* owned by the config */
};

struct config;

/* One settings text: a file's contents, or NULL when the file is absent. */
struct config_text {
	const char	*name;	/* path, for messages and -n origins */
	const char	*text;
	size_t		 len;
	int		 own;	/* terap2p's own file: every key must be known */
};

/* Where config_open() looks. */
struct config_opts {
	const char	*path;		/* terap2p's own file, NULL: none */
	const char	*settings_dir;	/* folder of Teranode's files; NULL: the
					   teranode_settings_dir setting, else
					   Teranode's search; "none": no files */
	int		 use_env;	/* environment overrides, SETTINGS_CONTEXT */
};

/*
 * Load settings: the embedded defaults, Teranode's settings files, terap2p's
 * own file, then the environment.  On error returns NULL and writes one line
 * naming the key (and file:line) to err.
 */
struct config	*config_open(const struct config_opts *, char *err,
		    size_t errlen);
/* Only terap2p's own file `path` (NULL: defaults only), no Teranode files. */
struct config	*config_load(const char *path, int use_env, char *err,
		    size_t errlen);
/*
 * The same over texts in memory, in order (later texts win for the same
 * key.context).  context NULL: $SETTINGS_CONTEXT when use_env, else "dev".
 */
struct config	*config_load_texts(const struct config_text *, size_t n,
		    int use_env, const char *context, char *err, size_t errlen);
/* One own-file text (name: for messages; text may be NULL). */
struct config	*config_load_text(const char *text, size_t len,
		    const char *name, int use_env, char *err, size_t errlen);
void		 config_free(struct config *);

/* Getters take a declared key or one of its aliases. */
const char		*config_str(const struct config *, const char *key);
long long		 config_int(const struct config *, const char *key);
int			 config_bool(const struct config *, const char *key);
uint64_t		 config_duration_ms(const struct config *,
			    const char *key);
const struct cfg_list	*config_list(const struct config *, const char *key);
/* terap2p's own file, or NULL for none. */
const char		*config_path(const struct config *);
/* Where a key's value came from: "settings.conf:12 (p2p_port.docker)". */
const char		*config_origin(const struct config *, const char *key);
/* The files read and the context, in one line for the start-up log. */
const char		*config_sources(const struct config *);
/* One-line notices (retired keys, older spellings); index < count. */
size_t			 config_nnotices(const struct config *);
const char		*config_notice(const struct config *, size_t i);

/*
 * Print every setting as `key = value  # origin`, secrets masked, after a
 * header of the files, the context and the notices (terap2pd -n).
 */
void	config_print(const struct config *, FILE *out);

/* The declared key (or alias target) nearest to name, or NULL (did you mean). */
const char	*config_suggest(const char *name);

#endif
