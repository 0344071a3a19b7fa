/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target: the YAML configuration loader (libyaml events, the
 * schema checks and the translation to Lua). Whatever the input, the result is
 * either Lua text with origins in order, or error lines naming the file.
 */
#include <stdlib.h>
#include <string.h>
#include "config/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_yaml_lua t;
	int ret = kr__yaml_translate(&t, "fuzz.yaml", data, size);
	if (ret == 0) {
		if (!t.code || t.errors || strlen(t.code) != t.code_len)
			abort();
		for (size_t i = 1; i < t.origin_count; ++i)
			if (t.origins[i].lua_line < t.origins[i - 1].lua_line)
				abort();
	} else if (ret == -EINVAL) {
		if (t.code || !t.errors || strncmp(t.errors, "fuzz.yaml:", 10) != 0 || t.error_count < 1)
			abort();
		for (const char *line = t.errors; *line; line = strchr(line, '\n') + 1)
			if (strncmp(line, "fuzz.yaml:", 10) != 0 || !strchr(line, '\n'))
				abort();
	} else if (ret != -ENOMEM) {
		abort();
	}
	kr__yaml_lua_free(&t);
	return 0;
}
