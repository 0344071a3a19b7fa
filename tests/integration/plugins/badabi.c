/* SPDX-License-Identifier: GPL-3.0-or-later */
/* badabi: a plugin whose descriptor claims the next ABI; kresd must refuse it. */
#include <kres/kres.h>

KR_EXPORT const struct kr_plugin_api kr_plugin_descriptor = {
	.size = sizeof(struct kr_plugin_api),
	.abi = KR_PLUGIN_ABI + 1,
	.name = "badabi",
};
