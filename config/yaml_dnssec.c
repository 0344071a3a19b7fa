/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dnssec: false, true, or trust-anchors, trust-anchors-files, negative-trust-anchors.
 * The validate plugin holds trust_anchors; its Lua reports what it refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/yaml.h"

static void anchor_file(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *e, const char *path)
{
	static const char *const keys[] = { "file", "read-only", NULL };
	const struct kr_yaml_node *file = e;
	bool readonly = false;
	if (e->kind == KR_YAML_MAP) {
		if (!kr__yaml_check_keys(ctx, e, path, keys))
			return;
		file = kr__yaml_get(e, "file");
		const struct kr_yaml_node *ro = kr__yaml_get(e, "read-only");
		if (!file) {
			kr__yaml_error(ctx, e, path, "missing key 'file'");
			return;
		}
		if (ro && !kr__yaml_bool(ctx, ro, kr__yaml_path_key(ctx, path, "read-only"), &readonly))
			return;
		path = kr__yaml_path_key(ctx, path, "file");
	}
	const char *s;
	if (kr__yaml_string(ctx, file, path, &s))
		kr__yaml_emit(ctx, file, path, "trust_anchors.add_file(%s, %s)\n", kr__yaml_quote(ctx, s, file->len),
			      readonly ? "true" : "false");
}

void kr__yaml_dnssec(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	static const char *const keys[] = { "trust-anchors", "trust-anchors-files", "negative-trust-anchors", NULL };
	bool on = true;
	if (n->kind == KR_YAML_SCALAR) {
		if (!kr__yaml_bool(ctx, n, "dnssec", &on))
			return;
		if (!on) {
			kr__yaml_emit(ctx, n, "dnssec", "if validate then modules.unload('validate') end\n");
			return;
		}
	} else if (!kr__yaml_want_map(ctx, n, "dnssec")) {
		return;
	} else {
		kr__yaml_check_keys(ctx, n, "dnssec", keys);
	}
	kr__yaml_emit(ctx, n, "dnssec", "if not validate then modules.load('validate') end\n");
	if (n->kind != KR_YAML_MAP)
		return;
	const struct kr_yaml_node *v;
	if ((v = kr__yaml_get(n, "trust-anchors")) && kr__yaml_want_seq(ctx, v, "dnssec.trust-anchors")) {
		for (size_t i = 0; i < v->count; ++i) {
			const char *path = kr__yaml_path_index(ctx, "dnssec.trust-anchors", i), *s;
			if (kr__yaml_string(ctx, v->items[i], path, &s))
				kr__yaml_emit(ctx, v->items[i], path, "trust_anchors.add(%s)\n",
					      kr__yaml_quote(ctx, s, v->items[i]->len));
		}
	}
	if ((v = kr__yaml_get(n, "trust-anchors-files")) && kr__yaml_want_seq(ctx, v, "dnssec.trust-anchors-files"))
		for (size_t i = 0; i < v->count; ++i)
			anchor_file(ctx, v->items[i], kr__yaml_path_index(ctx, "dnssec.trust-anchors-files", i));
	if ((v = kr__yaml_get(n, "negative-trust-anchors")) && kr__yaml_want_seq(ctx, v, "dnssec.negative-trust-anchors")) {
		struct kr_yaml_buf list = { 0 };
		bool ok = true;
		for (size_t i = 0; i < v->count; ++i) {
			const char *name;
			if (!kr__yaml_dname(ctx, v->items[i], kr__yaml_path_index(ctx, "dnssec.negative-trust-anchors", i), &name)) {
				ok = false;
				continue;
			}
			kr__yaml_buf_printf(&list, "%s%s", i ? ", " : "", kr__yaml_quote(ctx, name, strlen(name)));
		}
		if (list.failed)
			ctx->lua.failed = true;
		else if (ok)
			kr__yaml_emit(ctx, v, "dnssec.negative-trust-anchors", "trust_anchors.set_insecure({ %s })\n",
				      list.data ? list.data : "");
		free(list.data);
	}
}
