/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The policy plugin: rules by name (all, suffix, pattern, RPZ) applied in
 * begin (and answer_finalize for answer-phase rules), FORWARD/STUB in produce
 * and consume. This file is the ABI glue; the work is in the other files
 * (policy-impl.h); the Lua sugar is policy.lua.
 */
#include <stdlib.h>
#include "plugins/policy/policy-impl.h"

static int policy_init_cb(struct kr_plugin *self)
{
	struct policy_ruleset *rs = malloc(sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	policy_ruleset_init(rs);
	kr_plugin_set_data(self, rs);
	return 0;
}

static void policy_deinit_cb(struct kr_plugin *self)
{
	struct policy_ruleset *rs = kr_plugin_data(self);
	if (rs) {
		policy_ruleset_clear(rs);
		free(rs);
	}
	kr_plugin_set_data(self, NULL);
}

static enum kr_layer_state policy_begin_cb(struct kr_layer_ctx *ctx)
{
	enum kr_layer_state st;
	if (ctx->state != KR_STATE_PRODUCE)
		return ctx->state;
	if (policy_run(ctx, kr_plugin_data(ctx->plugin), false, &st))
		return st;
	return ctx->state;
}

static enum kr_layer_state policy_produce_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return policy_fwd_produce(ctx, pkt);
}

static enum kr_layer_state policy_consume_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return policy_fwd_consume(ctx, pkt);
}

static enum kr_layer_state policy_finalize_cb(struct kr_layer_ctx *ctx)
{
	enum kr_layer_state st;
	if (ctx->req->answer && ctx->req->rplan.initial)
		policy_run(ctx, kr_plugin_data(ctx->plugin), true, &st);
	policy_reroute_apply(ctx);
	return ctx->state;
}

/* Rules match names only, never clients (view does that): answers may be repeated. */
static void policy_reused_cb(struct kr_plugin *self, struct kr_reused_answer *answer)
{
	policy_count_reused(kr_plugin_data(self), answer->qname);
}

#define POLICY_PROP(name) \
	static char *prop_##name(struct kr_plugin *self, const char *args) \
	{ \
		return policy_prop_##name(kr_plugin_data(self), args); \
	}
POLICY_PROP(rule_add)
POLICY_PROP(rule_del)
POLICY_PROP(rules)
POLICY_PROP(rpz_check)
/* Props that change the rules: the core's answer cache forgets what it kept. */
KR_ANSWER_CACHE_FLUSHING_PROP(prop_rule_add)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_rule_del)

static const struct kr_plugin_prop props[] = {
	{ "rule_add", prop_rule_add_flushing, "rule_add(rule): add a rule built by policy.lua, return its id (use policy.add)" },
	{ "rule_del", prop_rule_del_flushing, "rule_del(id): remove a rule (use policy.del)" },
	{ "rules", prop_rules, "rules(): the rules in order {id, filter, action, post, count}" },
	{ "rpz_check", prop_rpz_check, "rpz_check(id): reload the rule's RPZ file if it changed" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.begin = policy_begin_cb,
	.produce = policy_produce_cb,
	.consume = policy_consume_cb,
	.answer_finalize = policy_finalize_cb,
};

KR_PLUGIN_DECLARE(
	.name = "policy",
	.init = policy_init_cb,
	.deinit = policy_deinit_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
	.answer_reused = policy_reused_cb,
	.props = props,
);
