/*
 * The settings reference as Markdown, built from the settings table
 * (common/config_keys.c): one row per key with its type, embedded default
 * and meaning, grouped in the sections the table is written in, then the
 * keys' other names and the retired keys.  Used by tools/settings_doc.c
 * (`make docs`) and by tests/unit/config_test.c, which fails when
 * docs/settings.md is not what this writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "settings_doc.h"

/* The table's sections, each named by its first key (as commented there). */
static const struct {
	const char	*first;
	const char	*title;
} sections[] = {
	{ "data_dir", "process tree, logging, storage" },
	{ "clientName", "node identity and network" },
	{ "p2p_listen_addresses", "libp2p host" },
	{ "p2p_bootstrap_peers", "discovery" },
	{ "p2p_block_topic", "gossip topics" },
	{ "ban_store_url", "bans" },
	{ "p2p_httpListenAddress", "api" },
	{ "p2p_grpcListenAddress",
	    "gRPC: p2p_api.PeerService served, Teranode's services called" },
	{ "KAFKA_HOSTS", "kafka" },
};

/* Text for a table cell: `|` escaped, `<name>` in code so it shows. */
static void
doc_cell(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		const char	*gt;

		if (*s == '|')
			fputs("\\|", fp);
		else if (*s == '<' && (gt = strchr(s, '>')) != NULL &&
		    strcspn(s + 1, " |<") > (size_t)(gt - s - 1)) {
			fprintf(fp, "`%.*s`", (int)(gt - s + 1), s);
			s = gt;
		} else
			fputc(*s, fp);
	}
}

static void
doc_type(FILE *fp, const struct cfg_key *k)
{
	switch (k->type) {
	case CFG_STR:
		fputs("string", fp);
		if (k->max > 0)
			fprintf(fp, " ≤ %lld bytes", k->max);
		break;
	case CFG_INT:
		fputs("integer", fp);
		if (k->min != 0 || k->max != 0)
			fprintf(fp, " %lld..%lld", k->min, k->max);
		break;
	case CFG_BOOL:
		fputs("boolean", fp);
		break;
	case CFG_DURATION:
		fputs((k->flags & CFG_NONZERO) ? "duration > 0" : "duration", fp);
		break;
	case CFG_LIST:
		fputs("list", fp);
		break;
	case CFG_ENUM:
		fputs("choice", fp);
		break;
	}
	if (k->flags & CFG_REQUIRED)
		fputs(", required", fp);
	if (k->flags & CFG_SECRET)
		fputs(", secret", fp);
}

static void
doc_key(FILE *fp, const struct cfg_key *k)
{
	fprintf(fp, "| `%s` | ", k->name);
	doc_type(fp, k);
	fputs(" | ", fp);
	if (k->def[0] == '\0')
		fputs("*(empty)*", fp);
	else {
		fputc('`', fp);
		doc_cell(fp, k->def);
		fputc('`', fp);
	}
	fputs(" | ", fp);
	doc_cell(fp, k->help);
	if (k->type == CFG_ENUM) {
		fputs(" (`", fp);
		doc_cell(fp, k->choices);
		fputs("`)", fp);
	}
	if (k->flags & CFG_TN_DEAD)
		fputs("; only from terap2p's own file or the environment "
		    "(Teranode no longer reads it)", fp);
	fputs(" |\n", fp);
}

/* The section that starts at key i, or NULL. */
static const char *
doc_section(size_t i)
{
	size_t	s;

	for (s = 0; s < sizeof(sections) / sizeof(sections[0]); s++)
		if (strcmp(sections[s].first, config_keys[i].name) == 0)
			return sections[s].title;
	return NULL;
}

static int
doc_keys(FILE *fp)
{
	size_t		i, found = 0;
	const char	*title;

	fputs("| setting | type | default | meaning |\n|---|---|---|---|\n", fp);
	for (i = 0; i < config_nkeys; i++) {
		if ((title = doc_section(i)) != NULL) {
			fprintf(fp, "| **%s** | | | |\n", title);
			found++;
		}
		doc_key(fp, &config_keys[i]);
	}
	if (found != sizeof(sections) / sizeof(sections[0])) {
		fprintf(stderr, "settings_doc: a section's first key is not "
		    "declared in common/config_keys.c\n");
		return -1;
	}
	return 0;
}

static void
doc_other_names(FILE *fp)
{
	static const char *const how[] = {
		[CFG_RET_SILENT] = "ignored silently",
		[CFG_RET_NOTICE] = "accepted with a notice",
		[CFG_RET_REFUSE_OWN] = "a notice in Teranode's files, refused in "
		    "terap2p's",
		[CFG_RET_REFUSE] = "refused",
	};
	size_t	i;

	fputs("\nOther names, read as the key they stand for:\n\n"
	    "| name | read as | notice logged |\n|---|---|---|\n", fp);
	for (i = 0; i < config_naliases; i++)
		fprintf(fp, "| `%s` | `%s` | %s |\n", config_aliases[i].name,
		    config_aliases[i].key, config_aliases[i].note != NULL ?
		    config_aliases[i].note : "");
	fputs("\nKeys terap2p does not read (any more):\n\n"
	    "| key | when it appears | why |\n|---|---|---|\n", fp);
	for (i = 0; i < config_nretired; i++) {
		fprintf(fp, "| `%s` | %s | ", config_retired[i].name,
		    how[config_retired[i].how]);
		doc_cell(fp, config_retired[i].why);
		fputs(" |\n", fp);
	}
}

char *
settings_doc_render(void)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 rc;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	rc = doc_keys(fp);
	if (rc == 0)
		doc_other_names(fp);
	if (fclose(fp) != 0 || rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

char *
settings_doc_splice(const char *doc, const char *table)
{
	const char	*b, *e;
	char		*out;
	size_t		 head, tail, tlen = strlen(table);

	if ((b = strstr(doc, SETTINGS_DOC_BEGIN)) == NULL ||
	    (e = strstr(b, SETTINGS_DOC_END)) == NULL)
		return NULL;
	head = (size_t)(b - doc) + strlen(SETTINGS_DOC_BEGIN);
	tail = strlen(e);
	if ((out = malloc(head + tlen + tail + 1)) == NULL)
		return NULL;
	memcpy(out, doc, head);
	memcpy(out + head, table, tlen);
	memcpy(out + head + tlen, e, tail + 1);
	return out;
}
