/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A test plugin whose layer struct is shorter than this ABI's (built against an older header). */
#include <stddef.h>
#include <kres/kres.h>

static const struct kr_layer_api old_layer_layer = {
	.size = offsetof(struct kr_layer_api, finish),
};

KR_PLUGIN_DECLARE(.name = "old_layer", .layer = &old_layer_layer);
