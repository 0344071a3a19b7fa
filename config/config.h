/* SPDX-License-Identifier: GPL-3.0-or-later */
/**
 * The Lua 5.1 configuration engine shared by the config file, the
 * interactive CLI and the control sockets (internal to kresd).
 *
 * Usage:
 *   kr_config_init(&the_daemon);
 *   if (kr_config_run_file("config") != 0) exit(1);  // "config:12: message" printed
 *   char *out = kr_config_eval("cache.count()");      // CLI
 */
#pragma once

#include <lua.h>
#include "core/daemon/daemon.h"

/** Create the Lua state with every binding and the prelude. @return 0 or -ENOMEM. */
int kr_config_init(struct kr_daemon *d);
/** Close the Lua state (runs pending __gc). */
void kr_config_deinit(struct kr_daemon *d);
/**
 * Run a configuration file. On error prints "FILE:LINE: message" to stderr.
 * @return 0 or -1.
 */
int kr_config_run_file(const char *path);
/**
 * Evaluate one CLI command (an expression or a statement).
 * @return malloc()ed text of the result or of the error ("error: ..."), with a trailing
 *         newline unless empty; NULL only when out of memory.
 */
char *kr_config_eval(const char *cmd);
/** Refresh worker.id, worker.pid and pid (in a new fork). */
void kr__config_update_worker(void);
/** Load plugin name and make its Lua table; errors as a Lua error (for the C bindings). */
int kr__config_load_plugin(lua_State *L, const char *spec);

/* config/json.c */
/** JSON text of the Lua value at idx (malloc()ed), or NULL if it has functions or is too deep. */
char *kr__config_to_json(lua_State *L, int idx);
/**
 * Push the Lua value of JSON text. A JSON object {"error": "text"} is an error.
 * @return 0, or -EINVAL with the reason in errbuf (nothing pushed).
 */
int kr__config_push_json(lua_State *L, const char *text, char *errbuf, size_t errlen);

/* Binding tables, each sets its globals. */
void kr__config_open_net(lua_State *L);
void kr__config_open_modules(lua_State *L);
void kr__config_open_event(lua_State *L);
/** Cancel every pending event (their timers close on the next loop run). */
void kr__config_close_event(lua_State *L);
