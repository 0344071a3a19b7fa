/* SPDX-License-Identifier: GPL-3.0-or-later */
/* modules: plugins to load, where in the call order, and their options. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "config/yaml.h"

/** A plugin name: a Lua identifier (its table is the global of that name). */
static bool plugin_name(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, const char **out)
{
	const char *s;
	if (!kr__yaml_string(ctx, n, path, &s))
		return false;
	bool ok = n->len <= 64 && (isalpha((unsigned char)s[0]) || s[0] == '_');
	for (const char *c = s; ok && *c; ++c)
		ok = isalnum((unsigned char)*c) || *c == '_';
	if (!ok) {
		kr__yaml_error(ctx, n, path, "'%.64s' is not a plugin name (letters, digits and '_')", s);
		return false;
	}
	*out = s;
	return true;
}

static void module(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *m, const char *path)
{
	static const char *const keys[] = { "name", "before", "after", "options", NULL };
	const struct kr_yaml_node *name_node = m, *before = NULL, *after = NULL, *options = NULL;
	const char *name, *other = NULL, *npath = path;
	if (m->kind == KR_YAML_MAP) {
		if (!kr__yaml_check_keys(ctx, m, path, keys))
			return;
		name_node = kr__yaml_get(m, "name");
		before = kr__yaml_get(m, "before");
		after = kr__yaml_get(m, "after");
		options = kr__yaml_get(m, "options");
		if (!name_node) {
			kr__yaml_error(ctx, m, path, "missing key 'name'");
			return;
		}
		if (before && after) {
			kr__yaml_error(ctx, after, path, "give 'before' or 'after', not both");
			return;
		}
		npath = kr__yaml_path_key(ctx, path, "name");
	} else if (m->kind != KR_YAML_SCALAR) {
		kr__yaml_error(ctx, m, path, "expected a plugin name or a mapping with 'name', got a list");
		return;
	}
	if (!plugin_name(ctx, name_node, npath, &name))
		return;
	const struct kr_yaml_node *rel = before ? before : after;
	if (rel && !plugin_name(ctx, rel, kr__yaml_path_key(ctx, path, before ? "before" : "after"), &other))
		return;
	char spec[160];
	snprintf(spec, sizeof(spec), "%s%s%s", name, other ? (before ? " < " : " > ") : "", other ? other : "");
	/* Loaded already (a default plugin): keep it where it is, only configure it. */
	kr__yaml_emit(ctx, name_node, npath, "if not %s then modules.load(%s) end\n", name,
		      kr__yaml_quote(ctx, spec, strlen(spec)));
	if (options) {
		const char *opath = kr__yaml_path_key(ctx, path, "options");
		kr__yaml_emit(ctx, options, opath, "%s.config(%s)\n", name, kr__yaml_lua_value(ctx, options, opath));
	}
}

void kr__yaml_modules(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	if (!kr__yaml_want_seq(ctx, n, "modules"))
		return;
	for (size_t i = 0; i < n->count; ++i)
		module(ctx, n->items[i], kr__yaml_path_index(ctx, "modules", i));
}
