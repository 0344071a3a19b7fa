/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A well-formed test plugin for tests/unit/loader: private data made in init,
 * a service offered while loaded (so the test can see init and deinit run),
 * a layer counting begin calls and a property reporting the count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/kres.h>

struct good_state {
	size_t size;      /* the service interface: starts with its size */
	int begins;
	struct kr_plugin *self;
};

static enum kr_layer_state good_begin(struct kr_layer_ctx *ctx)
{
	struct good_state *s = kr_plugin_data(ctx->plugin);
	++s->begins;
	return ctx->state;
}

static const struct kr_layer_api good_layer = {
	.size = sizeof(good_layer),
	.begin = good_begin,
};

static char *good_begins(struct kr_plugin *self, const char *args)
{
	const struct good_state *s = kr_plugin_data(self);
	char *out = malloc(16);
	if (out)
		snprintf(out, 16, "%d", s->begins);
	return out;
}

static char *good_name(struct kr_plugin *self, const char *args)
{
	char *out = malloc(strlen(kr_plugin_name(self)) + 3);
	if (out)
		sprintf(out, "\"%s\"", kr_plugin_name(self));
	return out;
}

static const struct kr_plugin_prop good_props[] = {
	{ "begins", good_begins, "how many requests the layer saw" },
	{ "name", good_name, "the plugin's name as the loader knows it" },
	{ NULL, NULL, NULL },
};

static int good_init(struct kr_plugin *self)
{
	struct good_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->size = sizeof(*s);
	s->self = self;
	int ret = kr_service_register("loader_test_good", s);
	if (ret != 0) {
		free(s);
		return ret;
	}
	kr_plugin_set_data(self, s);
	return 0;
}

static void good_deinit(struct kr_plugin *self)
{
	struct good_state *s = kr_plugin_data(self);
	kr_service_unregister("loader_test_good", s);
	free(s);
	kr_plugin_set_data(self, NULL);
}

KR_PLUGIN_DECLARE(.name = "good", .init = good_init, .deinit = good_deinit,
		  .layer = &good_layer, .props = good_props);
