/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The daemon's process-wide state: event loop, engine, network, Lua.
 * One instance per process (the_daemon); internal to kresd.
 */
#pragma once

#include <uv.h>
#include "core/engine/engine.h"
#include "core/net/net.h"

struct lua_State;

/** Process-wide state. */
struct kr_daemon {
	uv_loop_t *loop;
	struct kr_context ctx;      /**< engine: plugins, defaults, limits */
	struct kr_net net;          /**< listening endpoints */
	struct lua_State *L;        /**< the configuration engine */
	char *rundir;               /**< absolute path of the working directory */
	int fork_id;                /**< worker.id: 0 .. forks-1 */
	int fork_count;
	bool quitting;
	int exit_status;            /**< set by quit(status); kresd's exit status after a clean stop */
	/** Counters shown by worker.stats(). */
	struct {
		uint64_t queries, udp, tcp, answered, servfail, formerr, dropped, timeouts;
		uint64_t concurrent;
		/** outgoing queries: by transport and by address family */
		uint64_t out_udp, out_tcp, out_ipv4, out_ipv6;
	} stats;
};

/** The one daemon of this process. */
extern struct kr_daemon the_daemon;

/** Ask the event loop to stop (from a signal handler or quit()). */
void kr__daemon_quit(void);
