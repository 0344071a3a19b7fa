/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The view plugin: policy rules selected by the client's subnet or TSIG key,
 * applied in begin. This file is the ABI glue, the props and the layer; the
 * views are in subnet.c, the rules and actions in plugins/policy.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/view/view-impl.h"

static int view_init_cb(struct kr_plugin *self)
{
	struct view *v = view_new();
	if (!v)
		return -ENOMEM;
	kr_plugin_set_data(self, v);
	return 0;
}

static void view_deinit_cb(struct kr_plugin *self)
{
	view_free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

/** Evaluate one view's rules. @return true when a terminal action was taken. */
static bool run_view(struct kr_layer_ctx *ctx, struct view_entry *e, enum kr_layer_state *st)
{
	return policy_run(ctx, &e->rules, false, st);
}

static enum kr_layer_state view_begin_cb(struct kr_layer_ctx *ctx)
{
	struct view *v = kr_plugin_data(ctx->plugin);
	struct kr_request *req = ctx->req;
	if (ctx->state != KR_STATE_PRODUCE || !v || (req->qsource.flags & KR_REQ_INTERNAL))
		return ctx->state;
	enum kr_layer_state st;
	/* A TSIG key view first, then the address views from the longest prefix. */
	const uint8_t *key = v->key_count ? view_tsig_key(req->qsource.packet) : NULL;
	struct view_entry *ke = key ? view_tsig_find(v, key) : NULL;
	if (ke && run_view(ctx, ke, &st))
		return st;
	struct view_entry *hits[VIEW_MATCH_MAX];
	unsigned n = view_addr_match(v, req->qsource.addr, hits, VIEW_MATCH_MAX);
	for (unsigned i = 0; i < n; ++i)
		if (run_view(ctx, hits[i], &st))
			return st;
	return ctx->state;
}

static enum kr_layer_state view_produce_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return policy_fwd_produce(ctx, pkt);
}

static enum kr_layer_state view_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return policy_fwd_consume(ctx, pkt);
}

static enum kr_layer_state view_finalize_cb(struct kr_layer_ctx *ctx)
{
	policy_reroute_apply(ctx);
	return ctx->state;
}

/** {"subnet" | "key": text, "rule": {...}} → add; the rule id or {"error": ...}. */
static char *add_prop(struct kr_plugin *self, const char *args, bool tsig)
{
	struct view *v = kr_plugin_data(self);
	json_error_t jerr;
	json_t *j = args ? json_loads(args, JSON_DECODE_ANY, &jerr) : NULL;
	const char *where = json_string_value(json_object_get(j, tsig ? "key" : "subnet"));
	char *rule = json_dumps(json_object_get(j, "rule"), JSON_COMPACT);
	char err[POLICY_ERRLEN] = "expected (subnet, rule)";
	int id = -EINVAL;
	if (where && rule)
		id = tsig ? view_tsig_add(v, where, rule, err, sizeof(err))
			  : view_addr_add(v, where, rule, err, sizeof(err));
	free(rule);
	json_decref(j);
	if (id < 0)
		return error_out(id == -ENOMEM ? "out of memory" : err);
	return json_out(json_integer(id));
}

static char *prop_rule_addr(struct kr_plugin *self, const char *args)
{
	return add_prop(self, args, false);
}

static char *prop_rule_tsig(struct kr_plugin *self, const char *args)
{
	return add_prop(self, args, true);
}

static char *prop_views(struct kr_plugin *self, const char *args)
{
	(void)args;
	struct view *v = kr_plugin_data(self);
	json_t *list = json_array();
	for (uint32_t i = 0; list && i < v->key_count + v->addr_count; ++i) {
		bool key = i < v->key_count;
		const struct view_entry *e = key ? v->keys[i] : v->addrs[i - v->key_count];
		char text[KR_DNAME_MAXTEXT + 8];
		if (key) {
			kr_dname_to_str(text, sizeof(text), e->key);
		} else {
			char a[INET6_ADDRSTRLEN];
			inet_ntop(e->family, e->addr, a, sizeof(a));
			snprintf(text, sizeof(text), "%s/%u", a, e->len);
		}
		json_array_append_new(list, json_pack("{s:s, s:I}", key ? "key" : "subnet", text,
						      "rules", (json_int_t)e->rules.count));
	}
	return json_out(list);
}

/* A new view changes answers for its clients, and turns the answer cache off. */
KR_ANSWER_CACHE_FLUSHING_PROP(prop_rule_addr)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_rule_tsig)

/*
 * Subnet views make answers differ by client: while there is one, answers are
 * never repeated. (A TSIG key's view applies to signed queries only, which
 * the answer cache never serves.)
 */
static bool view_reusable_cb(struct kr_plugin *self)
{
	const struct view *v = kr_plugin_data(self);
	return !v || v->addr_count == 0;
}

static const struct kr_plugin_prop props[] = {
	{ "rule_addr", prop_rule_addr_flushing, "rule_addr({subnet=, rule=}): add a rule to a subnet view (use view:addr)" },
	{ "rule_tsig", prop_rule_tsig_flushing, "rule_tsig({key=, rule=}): add a rule to a TSIG key view (use view:tsig)" },
	{ "views", prop_views, "views(): the views in matching order {subnet|key, rules}" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.begin = view_begin_cb,
	.produce = view_produce_cb,
	.consume = view_consume_cb,
	.answer_finalize = view_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "view",
	.init = view_init_cb,
	.deinit = view_deinit_cb,
	.layer = &layer,
	.props = props,
	.answers_reusable = view_reusable_cb,
);
