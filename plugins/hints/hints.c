/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The hints plugin: answers A, AAAA and PTR for names from hosts files,
 * localhost and hints.set(), and offers the root hints to the iterator.
 * This file is the ABI glue; the work is in the other files (hints-impl.h).
 */
#include "plugins/hints/hints-impl.h"

/* --- the plugin ABI --- */

static int hints_init_cb(struct kr_plugin *self)
{
	struct hints *h = hints_new();
	if (!h)
		return -ENOMEM;
	int ret = hints_service_start(h);
	if (ret != 0) {
		kr_log_error(hints, "cannot offer the root hints service: %s", kr_strerror(ret));
		hints_free(h);
		return ret;
	}
	kr_plugin_set_data(self, h);
	return 0;
}

static void hints_deinit_cb(struct kr_plugin *self)
{
	hints_free(kr_plugin_data(self));   /* also withdraws the service */
	kr_plugin_set_data(self, NULL);
}

static int hints_config_cb(struct kr_plugin *self, const char *json)
{
	return hints_configure(kr_plugin_data(self), json, NULL, 0);
}

static enum kr_layer_state hints_produce_cb(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return hints_produce(kr_plugin_data(ctx->plugin), ctx, pkt);
}

#define HINTS_PROP(name) \
	static char *prop_##name(struct kr_plugin *self, const char *args) \
	{ \
		return hints_prop_##name(kr_plugin_data(self), args); \
	}
HINTS_PROP(config)
HINTS_PROP(add_hosts)
HINTS_PROP(set)
HINTS_PROP(get)
HINTS_PROP(del)
HINTS_PROP(root)
HINTS_PROP(root_file)
HINTS_PROP(ttl)
/* Props that change answers: the core's answer cache forgets what it kept. */
KR_ANSWER_CACHE_FLUSHING_PROP(prop_config)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_add_hosts)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_set)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_del)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_root)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_root_file)
KR_ANSWER_CACHE_FLUSHING_PROP(prop_ttl)

static const struct kr_plugin_prop props[] = {
	{ "config", prop_config_flushing,
	  "config(path | {file=path, ttl=n, root_file=path}): reset names and load a hosts file" },
	{ "add_hosts", prop_add_hosts_flushing,
	  "add_hosts([path]): add names from a hosts file (default /etc/hosts)" },
	{ "set", prop_set_flushing, "set('name addr'): add an address to a name (and its reverse PTR)" },
	{ "get", prop_get, "get('name'): list the addresses (or PTR names) of a name, or nil" },
	{ "del", prop_del_flushing, "del('name' | 'name addr'): remove a name or one of its addresses" },
	{ "root", prop_root_flushing, "root([{name = addr | {addr, ...}}]): replace the root hints, return them" },
	{ "root_file", prop_root_file_flushing, "root_file(path): load root hints from a named.root zone file" },
	{ "ttl", prop_ttl_flushing, "ttl([n]): set the TTL of answers, return it" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.produce = hints_produce_cb,
};

KR_PLUGIN_DECLARE(
	.name = "hints",
	.init = hints_init_cb,
	.deinit = hints_deinit_cb,
	.config = hints_config_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = props,
);
