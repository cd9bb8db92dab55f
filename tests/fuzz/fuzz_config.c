/*
 * libFuzzer target: the settings parser (config_load_text) on arbitrary
 * text.  It must reject or accept without crashing, leaking or reading out
 * of bounds; an accepted config must print.
 */
#include <stdint.h>
#include <stdio.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*cfg;
	char		 err[512];
	FILE		*null;

	cfg = config_load_text((const char *)data, size, "fuzz", 0, err,
	    sizeof(err));
	if (cfg == NULL)
		return 0;
	if ((null = fopen("/dev/null", "w")) != NULL) {
		config_print(cfg, null);
		fclose(null);
	}
	config_free(cfg);
	return 0;
}
