/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A minimal test plugin built several times (a.so, b.so, c.so) with
 * -DSIMPLE_NAME=<name>, for the loader's ordering tests. Its deinit logs a
 * debug line so that the test can see the unload order.
 */
#include <kres/kres.h>

#define SIMPLE_STR_(x) #x
#define SIMPLE_STR(x) SIMPLE_STR_(x)

static void simple_deinit(struct kr_plugin *self)
{
	kr_log_debug(loadertest, "deinit %s", kr_plugin_name(self));
}

static const struct kr_layer_api simple_layer = { .size = sizeof(simple_layer) };

KR_PLUGIN_DECLARE(.name = SIMPLE_STR(SIMPLE_NAME), .deinit = simple_deinit, .layer = &simple_layer);
