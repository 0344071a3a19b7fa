/* SPDX-License-Identifier: GPL-3.0-or-later */
/* views: client subnets and what they get (the view plugin's view:addr rules). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/yaml.h"

/** "addr" or "addr/len" with len fitting the family. */
static bool subnet(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n, const char *path, const char **out)
{
	const char *s;
	if (!kr__yaml_string(ctx, n, path, &s))
		return false;
	char addr[128];
	snprintf(addr, sizeof(addr), "%s", s);
	char *slash = strchr(addr, '/');
	long len = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (*end || slash[1] == '\0')
			len = 1000;
	}
	uint8_t buf[16];
	int max = inet_pton(AF_INET, addr, buf) == 1 ? 32 : inet_pton(AF_INET6, addr, buf) == 1 ? 128 : 0;
	if (!max) {
		kr__yaml_error(ctx, n, path, "'%s' is not a subnet (an IP address with an optional /length)", s);
		return false;
	}
	if (len > max || (slash && len < 0)) {
		kr__yaml_error(ctx, n, path, "the prefix length of '%s' must be 0..%d", s, max);
		return false;
	}
	*out = s;
	return true;
}

static void view(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *v, const char *path)
{
	static const char *const keys[] = { "subnets", "answer", "options", NULL };
	static const char *const okeys[] = { "minimize", NULL };
	static const char *const answers[] = { "allow", "refused", "noanswer", NULL };
	static const char *const actions[] = { "policy.PASS", "policy.REFUSE", "policy.NO_ANSWER" };
	if (!kr__yaml_want_map(ctx, v, path))
		return;
	kr__yaml_check_keys(ctx, v, path, keys);
	const struct kr_yaml_node *subnets = kr__yaml_get(v, "subnets"), *answer = kr__yaml_get(v, "answer");
	const struct kr_yaml_node *options = kr__yaml_get(v, "options"), *minimize = NULL;
	if (!subnets) {
		kr__yaml_error(ctx, v, path, "missing key 'subnets'");
		return;
	}
	if (!answer && !options) {
		kr__yaml_error(ctx, v, path, "says nothing: give 'answer' or 'options'");
		return;
	}
	/* Every part is checked; nothing is emitted once an error is recorded. */
	int action = -1;
	if (answer)
		action = kr__yaml_enum(ctx, answer, kr__yaml_path_key(ctx, path, "answer"), answers);
	bool minimize_on = true;
	const char *opath = kr__yaml_path_key(ctx, path, "options");
	if (options && kr__yaml_want_map(ctx, options, opath) && kr__yaml_check_keys(ctx, options, opath, okeys)) {
		minimize = kr__yaml_get(options, "minimize");
		if (minimize)
			kr__yaml_bool(ctx, minimize, kr__yaml_path_key(ctx, opath, "minimize"), &minimize_on);
	}
	const char *spath = kr__yaml_path_key(ctx, path, "subnets");
	const struct kr_yaml_node **items;
	int count = kr__yaml_scalar_list(ctx, subnets, spath, &items);
	for (int i = 0; i < count; ++i) {
		const char *ipath = subnets->kind == KR_YAML_SEQ ? kr__yaml_path_index(ctx, spath, (size_t)i) : spath, *s;
		if (!subnet(ctx, items[i], ipath, &s))
			continue;
		const char *q = kr__yaml_quote(ctx, s, items[i]->len);
		/* options first: FLAGS does not end the view's evaluation, the answer does */
		if (minimize && !minimize_on)
			kr__yaml_emit(ctx, items[i], ipath, "view:addr(%s, policy.all(policy.FLAGS('NO_MINIMIZE')))\n", q);
		if (action >= 0)
			kr__yaml_emit(ctx, items[i], ipath, "view:addr(%s, policy.all(%s))\n", q, actions[action]);
	}
}

void kr__yaml_views(struct kr_yaml_ctx *ctx, const struct kr_yaml_node *n)
{
	if (!kr__yaml_want_seq(ctx, n, "views"))
		return;
	kr__yaml_emit(ctx, n, "views", "if not view then modules.load('view < policy') end\n");
	for (size_t i = 0; i < n->count; ++i)
		view(ctx, n->items[i], kr__yaml_path_index(ctx, "views", i));
}
