/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The YAML configuration's top level: its sections in a fixed order, and the
 * small ones (workers, logging, hostname, lua). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/yaml.h"

static const char *const sections[] = {
	"workers", "logging", "hostname", "network", "cache", "modules", "dnssec",
	"local-data", "forward", "views", "lua", NULL,
};

/** workers: N or auto. The fork count is the command line's business (core/daemon/main.c). */
static void workers(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	long long v;
	if (n->kind == KR_YAML_SCALAR && strcmp(n->text, "auto") == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		v = cpus < 1 ? 1 : cpus > 256 ? 256 : cpus;
	} else if (n->kind == KR_YAML_SCALAR && n->plain && n->len && n->text[0] >= '0' && n->text[0] <= '9') {
		if (!kr__yaml_int(ctx, n, "workers", 1, 256, &v))
			return;
	} else {
		kr__yaml_error(ctx, n, "workers", "expected a number of processes 1..256 or 'auto'");
		return;
	}
	ctx->out->workers = (int)v;
	ctx->out->workers_line = n->line;
	ctx->out->workers_col = n->col;
	kr__yaml_emit(ctx, n, "workers", "-- workers: %lld processes (kresd -f %lld), started by kresd itself\n", v, v);
}

/** logging: level. Only debug output can be switched, with verbose(). */
static void logging(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "level", NULL };
	static const char *const levels[] = { "crit", "err", "warning", "notice", "info", "debug", NULL };
	if (!kr__yaml_want_map(ctx, n, "logging") || !kr__yaml_check_keys(ctx, n, "logging", keys))
		return;
	const struct kr_yaml_node *level = kr__yaml_get(n, "level");
	if (!level)
		return;
	int i = kr__yaml_enum(ctx, level, "logging.level", levels);
	if (i >= 0)
		kr__yaml_emit(ctx, level, "logging.level", "verbose(%s)\n", strcmp(levels[i], "debug") == 0 ? "true" : "false");
}

static void hostname(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	const char *s;
	if (kr__yaml_string(ctx, n, "hostname", &s))
		kr__yaml_emit(ctx, n, "hostname", "hostname(%s)\n", kr__yaml_quote(ctx, s, n->len));
}

/** lua: script (appended verbatim) and script-file (run with dofile). */
static void lua_section(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "script", "script-file", NULL };
	if (!kr__yaml_want_map(ctx, n, "lua") || !kr__yaml_check_keys(ctx, n, "lua", keys))
		return;
	const struct kr_yaml_node *script = kr__yaml_get(n, "script");
	const struct kr_yaml_node *file = kr__yaml_get(n, "script-file");
	const char *s;
	if (script && kr__yaml_string(ctx, script, "lua.script", &s))
		kr__yaml_emit_verbatim(ctx, script, "lua.script");
	if (file && kr__yaml_string(ctx, file, "lua.script-file", &s))
		kr__yaml_emit(ctx, file, "lua.script-file", "dofile(%s)\n", kr__yaml_quote(ctx, s, file->len));
}

static void section(struct kr_yaml_ctx *ctx, const char *name, const struct kr_yaml_node *n)
{
	if (strcmp(name, "workers") == 0)
		workers(ctx, n);
	else if (strcmp(name, "logging") == 0)
		logging(ctx, n);
	else if (strcmp(name, "hostname") == 0)
		hostname(ctx, n);
	else if (strcmp(name, "network") == 0)
		kr__yaml_network(ctx, n);
	else if (strcmp(name, "cache") == 0)
		kr__yaml_cache(ctx, n);
	else if (strcmp(name, "modules") == 0)
		kr__yaml_modules(ctx, n);
	else if (strcmp(name, "dnssec") == 0)
		kr__yaml_dnssec(ctx, n);
	else if (strcmp(name, "local-data") == 0)
		kr__yaml_local_data(ctx, n);
	else if (strcmp(name, "forward") == 0)
		kr__yaml_forward(ctx, n);
	else if (strcmp(name, "views") == 0)
		kr__yaml_views(ctx, n);
	else if (strcmp(name, "lua") == 0)
		lua_section(ctx, n);
}

/** Move the buffers into out: the Lua on success, the errors otherwise. */
static int finish(struct kr_yaml_ctx *ctx)
{
	struct kr_yaml_lua *out = ctx->out;
	int ret = 0;
	if (out->error_count) {
		out->errors = kr__yaml_errors_text(ctx);
		ret = out->errors ? -EINVAL : -ENOMEM;
	} else if (ctx->lua.failed) {
		ret = -ENOMEM;
	}
	free(ctx->errv);
	if (ret == 0) {
		out->code = ctx->lua.data;
		out->code_len = ctx->lua.len;
	} else {
		free(ctx->lua.data);
	}
	return ret;
}

int kr__yaml_translate(struct kr_yaml_lua *out, const char *file, const uint8_t *text, size_t len)
{
	memset(out, 0, sizeof(*out));
	out->arena = kr_arena_new(0);
	if (!out->arena)
		return -ENOMEM;
	struct kr_yaml_ctx ctx = { .file = file, .mm = kr_arena_mm(out->arena), .out = out, .default_ttl = 5 };
	bool failed = false;
	const struct kr_yaml_node *root = kr__yaml_parse(&ctx, text, len, &failed);
	if (!failed && (!root || kr__yaml_is_null(root)))
		kr__yaml_error_at(&ctx, 1, 1, "", "empty configuration: expected sections such as 'network:' or 'cache:'");
	else if (!failed && root->kind != KR_YAML_MAP)
		kr__yaml_error(&ctx, root, "", "the configuration must be a mapping of sections such as 'network:', not %s",
			       root->kind == KR_YAML_SEQ ? "a list" : "a single value");
	else if (!failed) {
		kr__yaml_check_keys(&ctx, root, "", sections);   /* and the known sections are checked too */
		kr__yaml_emit(&ctx, NULL, "", "-- Lua generated by kresd from %s\n",
			      kr__yaml_quote(&ctx, file, strlen(file)));
		for (const char *const *s = sections; *s; ++s) {
			const struct kr_yaml_node *n = kr__yaml_get(root, *s);
			if (n)
				section(&ctx, *s, n);
		}
	}
	return finish(&ctx);
}
