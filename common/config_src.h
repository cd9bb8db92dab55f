/*
 * The settings loader's first half, private to config.c and config_src.c:
 * the lines of every settings file before they are typed, the context
 * chain that picks one of them for a key, and `${NAME}` expansion.
 */
#ifndef TP_CONFIG_SRC_H
#define TP_CONFIG_SRC_H

#include "config.h"

#define CFG_LINE_MAX	4096
#define CFG_FILE_MAX	(1024 * 1024)
#define CFG_FILES_MAX	4
#define CFG_LINES_MAX	20000	/* kept lines, all files together */
#define CFG_NOTICES_MAX	64
#define CFG_CTX_MAX	128

struct cfg_line {
	char		*name;		/* owned: the key as written, no context */
	char		*ctx;		/* owned: "docker.m", "" for the base value */
	char		*value;		/* owned: comment and quotes removed */
	const char	*file;		/* borrowed from cfg_src.files */
	int		 lineno;
	long		 key;		/* declared key it sets; -1: none */
	int		 own;		/* from terap2p's own file */
};

struct cfg_src {
	struct cfg_line	*lines;		/* owned, in reading order */
	size_t		 nlines, cap;
	char		*files[CFG_FILES_MAX];	/* owned names of texts read */
	int		 own[CFG_FILES_MAX];
	size_t		 nfiles;
	char		 ctx[CFG_CTX_MAX];	/* SETTINGS_CONTEXT, or "dev" */
	int		 ctx_from_env;
	char		 app[CFG_CTX_MAX];	/* SETTINGS_APPLICATION or "" */
	int		 use_env;
	char		*notices[CFG_NOTICES_MAX];	/* owned */
	size_t		 nnotices;
};

void	config_src_init(struct cfg_src *, int use_env, const char *context);
void	config_src_fini(struct cfg_src *);
/* Add the lines of one text; -1 with one line in err on a refused line. */
int	config_src_parse(struct cfg_src *, const struct config_text *,
	    char *err, size_t errlen);
/*
 * The value for declared key k: the environment (*env set to the variable's
 * name), else the line the context chain picks (*line), else NULL.
 */
const char	*config_src_find(const struct cfg_src *, size_t k,
		    const char **env, const struct cfg_line **line);
/* Expand every ${NAME} of in (for key) into out, CFG_LINE_MAX + 1 bytes. */
int	config_src_expand(const struct cfg_src *, const char *key,
	    const char *in, char *out, char *err, size_t errlen);
/* Teranode's search for a settings file: the executable's folder and its
 * parents, then the working directory and its parents.  0: found. */
int	config_src_search(const char *file, char *path, size_t len);
/*
 * Parse a dotenv text (`NAME=value`, `export NAME=value`, `#` comments,
 * quoted values) and call set for each variable.  Pure; lines that are not
 * assignments are skipped.
 */
void	config_src_dotenv(const char *text, size_t len,
	    void (*set)(const char *name, const char *value, void *arg),
	    void *arg);
/* A declared key's index by its name or an alias (*alias set), else -1. */
long	config_src_key(const char *name, const struct cfg_alias **alias);

#endif
