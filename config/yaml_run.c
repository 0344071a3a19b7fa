/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Running a YAML configuration: read, translate, run the Lua, and locate any
 * error of the Lua in the YAML file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config/config.h"
#include "config/yaml.h"

/** Larger files are refused (no configuration is this large). */
#define MAX_FILE (16 << 20)

bool kr_config_is_yaml(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot && (strcasecmp(dot, ".yaml") == 0 || strcasecmp(dot, ".yml") == 0);
}

/** Read and translate path. @return 0, or -1 with the errors printed. */
static int load(const char *path, struct kr_yaml_lua *t)
{
	memset(t, 0, sizeof(*t));
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open the configuration: %s\n", path, strerror(errno));
		return -1;
	}
	char *text = malloc(MAX_FILE + 1);
	size_t len = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
	bool bad = !text || ferror(f);
	fclose(f);
	if (bad || len > MAX_FILE) {
		fprintf(stderr, "%s: %s\n", path, !text ? "out of memory" : bad ? "cannot read the configuration" :
			"larger than 16 MiB: not a configuration");
		free(text);
		return -1;
	}
	int ret = kr__yaml_translate(t, path, (const uint8_t *)text, len);
	free(text);
	if (ret == 0)
		return 0;
	if (ret == -EINVAL && t->errors)
		fputs(t->errors, stderr);
	else
		fprintf(stderr, "%s: out of memory while reading the configuration\n", path);
	kr__yaml_lua_free(t);
	return -1;
}

/** Print a Lua error, its place in the generated Lua replaced by the place in the YAML. */
static void print_located(const struct kr_yaml_lua *t, const char *path, const char *msg)
{
	size_t plen = strlen(path);
	if (strncmp(msg, path, plen) == 0 && msg[plen] == ':' && isdigit((unsigned char)msg[plen + 1])) {
		char *end;
		long lua_line = strtol(msg + plen + 1, &end, 10);
		const struct kr_yaml_origin *o = kr__yaml_origin(t, (int)lua_line);
		if (o && *end == ':') {
			const char *rest = end + 1;
			while (*rest == ' ')
				++rest;
			int line = o->verbatim ? o->line + (int)(lua_line - o->lua_line) : o->line;
			fprintf(stderr, "%s:%d:%d: %s%s%s\n", path, line, o->verbatim ? 1 : o->col, o->path,
				*o->path ? ": " : "", rest);
			return;
		}
	}
	fprintf(stderr, "%s: %s\n", path, msg);
}

int kr_config_run_yaml(const char *path, int cli_forks, int *forks)
{
	struct kr_yaml_lua t;
	if (load(path, &t) != 0)
		return -1;
	int ret = 0;
	*forks = cli_forks ? cli_forks : 1;
	if (t.workers && cli_forks && t.workers != cli_forks) {
		fprintf(stderr, "%s:%d:%d: workers: %d processes, but -f %d on the command line: give one of them\n",
			path, t.workers_line, t.workers_col, t.workers, cli_forks);
		ret = -1;
		goto out;
	}
	if (t.workers) {
		*forks = t.workers;
		the_daemon.fork_count = t.workers;
		kr__config_update_worker();
	}
	char *err = kr__config_run_chunk(t.code, t.code_len, path);
	if (err) {
		print_located(&t, path, err);
		free(err);
		ret = -1;
	}
out:
	kr__yaml_lua_free(&t);
	return ret;
}

int kr_config_print_lua(const char *path, FILE *out)
{
	struct kr_yaml_lua t;
	if (load(path, &t) != 0)
		return -1;
	int ret = fwrite(t.code, 1, t.code_len, out) == t.code_len && fflush(out) == 0 ? 0 : -1;
	if (ret != 0)
		fprintf(stderr, "%s: cannot write the Lua: %s\n", path, strerror(errno));
	kr__yaml_lua_free(&t);
	return ret;
}
