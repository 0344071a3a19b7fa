/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * In-process fake plugins for unit tests: a descriptor of the test's own,
 * registered straight into a context at the end of the call order, as the
 * loader would after dlopen(). kr_context_deinit() releases it.
 *
 *   static const struct kr_plugin_api mine = { .size = sizeof(mine), .abi = KR_PLUGIN_ABI, ... };
 *   struct kr_plugin *p = unit_add_plugin(&ctx, "mine", &mine, my_state);
 */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "core/engine/engine.h"

/** Register api under name with data at the end of ctx's plugins. @return the plugin. */
static inline struct kr_plugin *unit_add_plugin(struct kr_context *ctx, const char *name,
						const struct kr_plugin_api *api, void *data)
{
	if (ctx->plugin_count == ctx->plugin_cap) {
		size_t ncap = ctx->plugin_cap ? ctx->plugin_cap * 2 : 4;
		struct kr_plugin **n = realloc(ctx->plugins, ncap * sizeof(*n));
		ck_assert_ptr_nonnull(n);
		ctx->plugins = n;
		ctx->plugin_cap = ncap;
	}
	struct kr_plugin *p = calloc(1, sizeof(*p));
	ck_assert_ptr_nonnull(p);
	p->api = api;
	p->name = strdup(name);
	ck_assert_ptr_nonnull(p->name);
	p->data = data;
	ctx->plugins[ctx->plugin_count++] = p;
	return p;
}
