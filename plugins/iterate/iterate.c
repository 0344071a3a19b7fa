/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The iterate plugin: iterative resolution from the root hints. This file is
 * the ABI glue; the work is in the other files (iterate-impl.h).
 */
#include "plugins/iterate/iterate-impl.h"

static int iterate_init_cb(struct kr_plugin *self)
{
	struct iterate *it = iterate_new();
	if (!it)
		return -ENOMEM;
	kr_plugin_set_data(self, it);
	return 0;
}

static void iterate_deinit_cb(struct kr_plugin *self)
{
	iterate_free(kr_plugin_data(self));
	kr_plugin_set_data(self, NULL);
}

static char *prop_servers(struct kr_plugin *self, const char *args)
{
	return iterate_prop_servers(kr_plugin_data(self), args);
}

static const struct kr_plugin_prop props[] = {
	{ "servers", prop_servers,
	  "servers(): the upstream server table {addr = {srtt, timeouts, backoff_ms, lame}}" },
	{ NULL, NULL, NULL },
};

static const struct kr_layer_api layer = {
	.size = sizeof(layer),
	.produce = iterate_produce,
	.consume = iterate_consume,
	.reset = iterate_reset,
	.checkout = iterate_checkout,
};

KR_PLUGIN_DECLARE(
	.name = "iterate",
	.init = iterate_init_cb,
	.deinit = iterate_deinit_cb,
	.layer = &layer,
	.answers_reusable = kr_answer_cache_allow,
	.props = props,
);
