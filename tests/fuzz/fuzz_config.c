/*
 * libFuzzer target: the settings loader on arbitrary text.  The input is
 * cut at "\n%%\n" into Teranode's settings.conf, settings_local.conf and
 * terap2p's own file (missing parts are absent files); its first byte picks
 * the SETTINGS_CONTEXT; the whole input is also read as a dotenv file
 * (Teranode's .env).  The loader must reject or accept without crashing,
 * leaking or reading out of bounds; an accepted config must print.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_src.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
dotenv_ignore(const char *name, const char *value, void *arg)
{
	(void)name;
	(void)value;
	(void)arg;
}

static const char *const contexts[] = {
	"dev", "docker", "docker.m", "docker.host.teranode1", "operator", ""
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"settings.conf", "settings_local.conf", "terap2p.conf"
	};
	struct config_text	 t[3];
	struct config		*cfg;
	const char		*p = (const char *)data, *end = p + size, *cut;
	const char		*ctx = "dev";
	char			 err[512];
	FILE			*null;
	size_t			 n = 0;

	/* the whole input is also a dotenv file */
	config_src_dotenv((const char *)data, size, dotenv_ignore, NULL);
	memset(t, 0, sizeof(t));
	if (size > 0) {
		ctx = contexts[data[0] % (sizeof(contexts) / sizeof(contexts[0]))];
		p++;
	}
	for (; n < 3 && p <= end; n++) {
		cut = memmem(p, (size_t)(end - p), "\n%%\n", 4);
		t[n].name = names[n];
		t[n].own = n == 2;
		t[n].text = p;
		t[n].len = cut != NULL ? (size_t)(cut - p) : (size_t)(end - p);
		p = cut != NULL ? cut + 4 : end + 1;
	}
	cfg = config_load_texts(t, n, 0, ctx, err, sizeof(err));
	if (cfg == NULL)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		config_print(cfg, null);
		fclose(null);
	}
	config_free(cfg);
	return 0;
}
