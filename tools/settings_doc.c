/*
 * settings_doc: writes the generated tables of docs/settings.md from the
 * settings table (common/config_keys.c), keeping the file's hand-written
 * prose around the markers.  `make docs` runs it; with --check it changes
 * nothing and exits 1 when the file is out of date.
 *
 *   settings_doc [--check] docs/settings.md
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings_doc.h"

static char *
doc_slurp(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if (fp == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char	*nb = realloc(buf, cap = cap * 2 + 8192);

			if (nb == NULL) {
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, fp);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

static int
doc_write(const char *path, const char *text)
{
	char	tmp[4096];
	FILE	*fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		return -1;
	if (fputs(text, fp) == EOF || fclose(fp) != 0 ||
	    rename(tmp, path) != 0) {
		remove(tmp);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int		 check = argc == 3 && strcmp(argv[1], "--check") == 0;
	const char	*path = argv[argc - 1];
	char		*doc, *table, *out;
	int		 rc = 0;

	if (argc != 2 + check) {
		fprintf(stderr, "usage: settings_doc [--check] docs/settings.md\n");
		return 2;
	}
	if ((doc = doc_slurp(path)) == NULL) {
		perror(path);
		return 2;
	}
	if ((table = settings_doc_render()) == NULL)
		return 2;
	if ((out = settings_doc_splice(doc, table)) == NULL) {
		fprintf(stderr, "%s: no generated part between the markers\n",
		    path);
		return 2;
	}
	if (strcmp(out, doc) != 0) {
		if (check) {
			fprintf(stderr, "%s is out of date: run make docs\n", path);
			rc = 1;
		} else if (doc_write(path, out) != 0) {
			perror(path);
			rc = 2;
		}
	}
	free(out);
	free(table);
	free(doc);
	return rc;
}
