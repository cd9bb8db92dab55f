/*
 * Settings: one file of `key = value` lines (`#` comments), Teranode's key
 * names plus terap2p's own, every key declared once in the table in
 * config_keys.c with its type, default and meaning.  An environment variable
 * of the same name overrides the file.  Values are parsed and checked once,
 * at load; the getters below cannot fail for a declared key (asking for an
 * undeclared key is a programming error and aborts).
 */
#ifndef TP_CONFIG_H
#define TP_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cfg_type {
	CFG_STR,
	CFG_INT,	/* signed 64-bit, within [min, max] */
	CFG_BOOL,	/* true/false, yes/no, on/off, 1/0 */
	CFG_DURATION,	/* Go-style: 24h, 500ms, 1m30s */
	CFG_LIST,	/* `|`-separated, items trimmed, empty items dropped */
	CFG_ENUM	/* one of the `|`-separated choices */
};

#define CFG_REQUIRED	0x01	/* empty value is an error "<key> not set in config" */
#define CFG_SECRET	0x02	/* masked in --print-config output */

struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	const char	*def;		/* embedded default, as text */
	unsigned	 flags;
	long long	 min, max;	/* CFG_INT bounds (both 0: unbounded) */
	const char	*choices;	/* CFG_ENUM: "full|listen_only" */
	const char	*help;		/* one line for the README and -n */
};

extern const struct cfg_key	config_keys[];
extern const size_t		config_nkeys;

struct cfg_list {
	size_t	  n;
	char	**v;	/* owned by the config */
};

struct config;

/*
 * Load settings: the embedded defaults, then `path` (NULL: defaults only),
 * then the environment (when use_env).  On error returns NULL and writes one
 * line naming the key (and file line) to err.
 */
struct config	*config_load(const char *path, int use_env, char *err,
		    size_t errlen);
/* The same over settings text in memory (name: for messages; text may be NULL). */
struct config	*config_load_text(const char *text, size_t len,
		    const char *name, int use_env, char *err, size_t errlen);
void		 config_free(struct config *);

const char		*config_str(const struct config *, const char *key);
long long		 config_int(const struct config *, const char *key);
int			 config_bool(const struct config *, const char *key);
uint64_t		 config_duration_ms(const struct config *,
			    const char *key);
const struct cfg_list	*config_list(const struct config *, const char *key);
/* The path the settings were read from, or NULL for defaults only. */
const char		*config_path(const struct config *);

/* Print every setting as `key = value`, secrets masked (terap2pd -n). */
void	config_print(const struct config *, FILE *out);

#endif
