/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The validate plugin: DNSSEC validation (layer.c) with trust anchors (ta.c).
 * This file is the ABI glue and the props behind the trust_anchors table
 * (validate.lua).
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/common/json-out.h"
#include "plugins/validate/validate-impl.h"

/** The IANA root KSK 20326 as DS (public, https://data.iana.org/root-anchors/). */
/* The root zone's key-signing keys as IANA publishes them (root-anchors.xml):
 * KSK-2017 and KSK-2024, which signs the root since the roll of 2026-10-11. */
static const char *const root_anchors[] = {
	". 0 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
	". 0 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
};

static json_t *args_first(const char *args)
{
	if (!args)
		return NULL;
	json_t *v = json_loads(args, JSON_DECODE_ANY, NULL);
	if (json_is_array(v) && json_array_size(v) >= 1) {
		json_t *f = json_incref(json_array_get(v, 0));
		json_decref(v);
		return f;
	}
	return v;
}

static char *prop_ta_add(struct kr_plugin *self, const char *args)
{
	json_t *v = args_first(args);
	if (!json_is_string(v)) {
		json_decref(v);
		return error_out("[ta] trust_anchors.add() expects a DS or DNSKEY record as a string");
	}
	int ret = validate_ta_add(kr_plugin_data(self), json_string_value(v));
	json_decref(v);
	if (ret != 0)
		return error_out("[ta] trust_anchors.add(): not a DS or DNSKEY record");
	return json_out(json_true());
}

static int name_arg(json_t *v, uint8_t *name)
{
	return json_is_string(v) && kr_dname_from_str(name, KR_DNAME_MAXLEN, json_string_value(v)) > 0 ? 0 : -EINVAL;
}

static char *prop_ta_remove(struct kr_plugin *self, const char *args)
{
	json_t *v = args_first(args);
	uint8_t name[KR_DNAME_MAXLEN];
	int ret = name_arg(v, name);
	json_decref(v);
	if (ret != 0)
		return error_out("[ta] trust_anchors.remove() expects a domain name");
	return json_out(json_boolean(validate_ta_remove(kr_plugin_data(self), name) == 0));
}

static char *prop_ta_negative(struct kr_plugin *self, const char *args)
{
	json_t *v = args ? json_loads(args, JSON_DECODE_ANY, NULL) : json_array();
	if (json_is_array(v) && json_array_size(v) == 1 && json_is_array(json_array_get(v, 0))) {
		json_t *inner = json_incref(json_array_get(v, 0));
		json_decref(v);
		v = inner;
	} else if (json_is_string(v)) {
		json_t *a = json_array();
		json_array_append_new(a, v);
		v = a;
	} else if (json_is_object(v) && json_object_size(v) == 0) {
		json_decref(v);
		v = json_array();
	}
	if (!json_is_array(v)) {
		json_decref(v);
		return error_out("[ta] trust_anchors.set_insecure() expects a list of domain names");
	}
	size_t n = json_array_size(v);
	uint8_t (*names)[KR_DNAME_MAXLEN] = calloc(n ? n : 1, KR_DNAME_MAXLEN);
	int ret = names ? 0 : -ENOMEM;
	for (size_t i = 0; ret == 0 && i < n; ++i)
		ret = name_arg(json_array_get(v, i), names[i]);
	json_decref(v);
	if (ret == 0)
		ret = validate_nta_set(kr_plugin_data(self), (const uint8_t (*)[KR_DNAME_MAXLEN])names, (unsigned)n);
	free(names);
	if (ret != 0)
		return error_out("[ta] trust_anchors.set_insecure() expects a list of domain names");
	return json_out(json_true());
}

static char *prop_ta_summary(struct kr_plugin *self, const char *args)
{
	(void)args;
	const struct validate *v = kr_plugin_data(self);
	json_t *o = json_object();
	json_t *neg = json_array();
	for (unsigned i = 0; i < v->ta_count; ++i) {
		char name[KR_DNAME_MAXTEXT];
		kr_dname_to_str(name, sizeof(name), v->ta[i].name);
		json_t *e = json_pack("{s:i,s:i}", "ds", (int)v->ta[i].ds.rrs.count,
				      "dnskey", (int)v->ta[i].keys.rrs.count);
		json_object_set_new(o, name, e);
	}
	for (unsigned i = 0; i < v->nta_count; ++i) {
		char name[KR_DNAME_MAXTEXT];
		kr_dname_to_str(name, sizeof(name), v->nta[i]);
		json_array_append_new(neg, json_string(name));
	}
	return json_out(json_pack("{s:o,s:o}", "anchors", o, "negative", neg));
}

static int validate_init_cb(struct kr_plugin *self)
{
	struct validate *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < sizeof(root_anchors) / sizeof(root_anchors[0]); ++i)
		ret = validate_ta_add(v, root_anchors[i]);
	if (ret != 0) {
		validate_ta_free(v);
		free(v);
		return ret;
	}
	kr_plugin_set_data(self, v);
	ret = validate_service_start(self);
	if (ret != 0) {
		kr_plugin_set_data(self, NULL);
		validate_ta_free(v);
		free(v);
	}
	return ret;
}

static void validate_deinit_cb(struct kr_plugin *self)
{
	validate_crypto_deinit();
	validate_service_stop(self);
	struct validate *v = kr_plugin_data(self);
	if (v) {
		validate_ta_free(v);
		free(v);
	}
	kr_plugin_set_data(self, NULL);
}

/** The compiled-in root anchors, as record lines (to start a key file). */
static char *prop_ta_builtin(struct kr_plugin *self, const char *args)
{
	(void)self; (void)args;
	json_t *a = json_array();
	for (size_t i = 0; i < sizeof(root_anchors) / sizeof(root_anchors[0]); ++i)
		json_array_append_new(a, json_string(root_anchors[i]));
	return json_out(a);
}

/* Trust anchors change answers: after a change the core's answer cache forgets what it kept. */
KR_ANSWER_CACHE_FLUSHING_PROP(prop_ta_add)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_ta_remove)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_ta_negative)

static const struct kr_plugin_prop validate_props[] = {
	{ "ta_add", prop_ta_add_flushing, "add a trust anchor: a DS or DNSKEY record line" },
	{ "ta_remove", prop_ta_remove_flushing, "remove the trust anchors of a name" },
	{ "ta_negative", prop_ta_negative_flushing, "set the negative trust anchors (a list of names)" },
	{ "ta_summary", prop_ta_summary, "the trust anchors and negative trust anchors" },
	{ "ta_builtin", prop_ta_builtin, "the compiled-in root anchors as record lines" },
	{ NULL, NULL, NULL },
};

KR_PLUGIN_DECLARE(
	.name = "validate",
	.init = validate_init_cb,
	.deinit = validate_deinit_cb,
	.layer = &validate_layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = validate_props,
);
