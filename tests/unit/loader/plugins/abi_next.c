/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A test plugin built for the next ABI: the loader must refuse it. */
#include <kres/kres.h>

static int abi_next_init(struct kr_plugin *self)
{
	return 0;
}

/* Written out instead of KR_PLUGIN_DECLARE() to claim another ABI. */
KR_EXPORT const struct kr_plugin_api kr_plugin_descriptor = {
	.size = sizeof(struct kr_plugin_api),
	.abi = KR_PLUGIN_ABI + 1,
	.name = "abi_next",
	.init = abi_next_init,
};
