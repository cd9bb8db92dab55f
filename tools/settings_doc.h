/*
 * The settings reference in docs/settings.md, generated from the table of
 * every key in common/config_keys.c.  The file's prose is written by hand;
 * only the part between SETTINGS_DOC_BEGIN and SETTINGS_DOC_END is ours.
 */
#ifndef SETTINGS_DOC_H
#define SETTINGS_DOC_H

#define SETTINGS_DOC_BEGIN	"<!-- BEGIN generated from common/config_keys.c " \
				"by `make docs`; do not edit -->\n"
#define SETTINGS_DOC_END	"<!-- END generated -->\n"

/*
 * The generated tables (keys by section, other names, keys no longer read)
 * in Markdown, in a malloc'd string the caller frees; NULL when a section
 * names a key the table does not declare, or out of memory.
 */
char	*settings_doc_render(void);

/*
 * `doc` with the part between the markers replaced by `table`, malloc'd;
 * NULL when `doc` lacks the markers (in that order).
 */
char	*settings_doc_splice(const char *doc, const char *table);

#endif
