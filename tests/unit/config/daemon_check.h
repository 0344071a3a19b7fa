/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * the_daemon set up for each test of the config unit suites, as kresd's main() does:
 *   static void setup(void) { daemon_up(&loop, NULL, 0, 0); }
 *   static void teardown(void) { daemon_down(&loop); }
 */
#pragma once

#include <string.h>
#include <check.h>
#include <uv.h>
#include "config/config.h"
#include "core/daemon/daemon.h"
#include "core/net/worker.h"

/**
 * Set the_daemon up from scratch over loop, as a kresd process would be: its context (modules
 * from moduledir; NULL: the default), network and Lua state; the process is fork_id of fork_count.
 */
static inline void daemon_up(uv_loop_t *loop, const char *moduledir, int fork_id, int fork_count)
{
	memset(&the_daemon, 0, sizeof(the_daemon));
	ck_assert_int_eq(uv_loop_init(loop), 0);
	the_daemon.loop = loop;
	the_daemon.fork_id = fork_id;
	the_daemon.fork_count = fork_count;
	ck_assert_int_eq(kr_context_init(&the_daemon.ctx, moduledir), 0);
	kr_net_init(&the_daemon.net, the_daemon.loop);
	ck_assert_int_eq(kr_config_init(&the_daemon), 0);
}

static void daemon_close_walk_cb(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/** Undo daemon_up(): everything freed, every handle of loop closed, the loop too. */
static inline void daemon_down(uv_loop_t *loop)
{
	kr_net_deinit(&the_daemon.net);
	kr_config_deinit(&the_daemon);
	kr_context_deinit(&the_daemon.ctx);
	kr__worker_deinit();
	uv_walk(loop, daemon_close_walk_cb, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
	ck_assert_int_eq(uv_loop_close(loop), 0);
}
