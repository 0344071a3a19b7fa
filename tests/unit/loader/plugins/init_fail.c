/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A test plugin whose init fails: the loader must report it and not list it. */
#include <kres/kres.h>

static int init_fail_init(struct kr_plugin *self)
{
	return -ENOTSUP;
}

static void init_fail_deinit(struct kr_plugin *self)
{
	/* never called: init failed */
	kr_log_error(loadertest, "init_fail: deinit after a failed init");
}

KR_PLUGIN_DECLARE(.name = "init_fail", .init = init_fail_init, .deinit = init_fail_deinit);
