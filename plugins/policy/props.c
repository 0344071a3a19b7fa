/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The policy props (JSON in, JSON out) used by policy.lua: rule_add, rule_del, rules, rpz_check. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/policy/policy-impl.h"

static const char *filter_names[] = {
	[POLICY_F_ALL] = "all", [POLICY_F_SUFFIX] = "suffix",
	[POLICY_F_PATTERN] = "pattern", [POLICY_F_RPZ] = "rpz",
};

/** The rule id in args (a number, or a table with field id). @return it or 0. */
static uint32_t id_arg(const char *args)
{
	json_error_t jerr;
	json_t *j = args ? json_loads(args, JSON_DECODE_ANY, &jerr) : NULL;
	json_t *v = json_is_object(j) ? json_object_get(j, "id") : j;
	json_int_t id = json_is_integer(v) ? json_integer_value(v) : 0;
	json_decref(j);
	return id > 0 && id <= UINT32_MAX ? (uint32_t)id : 0;
}

char *policy_prop_rule_add(struct policy_ruleset *rs, const char *args)
{
	char err[POLICY_ERRLEN];
	int id = policy_ruleset_add(rs, args, err, sizeof(err));
	if (id < 0)
		return error_out(id == -ENOMEM ? "out of memory" : err);
	return json_out(json_integer(id));
}

char *policy_prop_rule_del(struct policy_ruleset *rs, const char *args)
{
	uint32_t id = id_arg(args);
	return json_out(json_boolean(id && policy_ruleset_del(rs, id) == 0));
}

char *policy_prop_rules(struct policy_ruleset *rs, const char *args)
{
	(void)args;
	json_t *list = json_array();
	for (uint32_t i = 0; list && i < rs->count; ++i) {
		const struct policy_rule *r = rs->rules[i];
		json_t *o = json_pack("{s:I, s:s, s:s, s:b, s:I}", "id", (json_int_t)r->id,
				      "filter", filter_names[r->filter], "action", policy_act_name(r->act.type),
				      "post", r->post, "count", (json_int_t)r->hits);
		if (o && r->filter == POLICY_F_SUFFIX)
			json_object_set_new(o, "names", json_integer(r->name_count));
		if (o && r->rpz) {
			json_object_set_new(o, "file", json_string(r->rpz->path));
			json_object_set_new(o, "entries", json_integer(r->rpz->entries));
		}
		json_array_append_new(list, o);
	}
	return json_out(list);
}

char *policy_prop_rpz_check(struct policy_ruleset *rs, const char *args)
{
	struct policy_rule *r = policy_ruleset_get(rs, id_arg(args));
	if (!r || !r->rpz)
		return json_out(json_false());
	struct stat st;
	if (stat(r->rpz->path, &st) != 0 ||
	    (st.st_mtim.tv_sec == r->rpz->mtime.tv_sec && st.st_mtim.tv_nsec == r->rpz->mtime.tv_nsec))
		return json_out(json_false());
	char err[POLICY_ERRLEN];
	struct policy_rpz *z = policy_rpz_load(r->rpz->path, err, sizeof(err));
	if (!z) {
		/* Keep serving the old data; try again when the file changes next. */
		kr_log_error(policy, "rpz reload failed, keeping the previous data: %s", err);
		r->rpz->mtime = st.st_mtim;
		return json_out(json_false());
	}
	kr_log_info(policy, "rpz %s reloaded: %u triggers", z->path, z->entries);
	kr_answer_cache_flush();
	policy_rpz_free(r->rpz);
	r->rpz = z;
	return json_out(json_true());
}
