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

#include <stdbool.h>
#include <stdio.h>
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
 * Run Lua text as if it were the config file path (errors located as "path:LINE: message").
 * @return NULL on success, else the malloc()ed error message (NULL only if even that failed).
 */
char *kr__config_run_chunk(const char *code, size_t len, const char *path);

/* config/yaml_run.c: the YAML configuration (config/README.md). */
/** Is path a YAML configuration (its name ends in .yaml or .yml)? */
bool kr_config_is_yaml(const char *path);
/**
 * Run a YAML configuration: check and translate it, then run the Lua. Errors are
 * printed to stderr as "FILE:LINE:COL: key.path: message".
 * @param cli_forks  the process count given with -f, 0 when none was given
 * @param forks      out: the process count to start (from `workers`, else cli_forks or 1)
 * @return 0 or -1.
 */
int kr_config_run_yaml(const char *path, int cli_forks, int *forks);
/**
 * Print the Lua a YAML configuration stands for (kresd --print-lua).
 * @return 0, or -1 with the errors printed to stderr.
 */
int kr_config_print_lua(const char *path, FILE *out);
/**
 * Evaluate one CLI command (an expression or a statement).
 * @return malloc()ed text of the result or of the error ("error: ..."), with a trailing
 *         newline unless empty; NULL only when out of memory.
 */
char *kr_config_eval(const char *cmd);
/** Refresh worker.id, worker.count, worker.pid and pid (in a new fork, or after the count changed). */
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
void kr__config_open_kres(lua_State *L);
void kr__config_open_net(lua_State *L);
void kr__config_open_modules(lua_State *L);
void kr__config_open_event(lua_State *L);
void kr__config_open_map(lua_State *L);

/* config/map.c */
/**
 * Evaluate an expression for map() in another process: one JSON line
 * {"id": worker.id, "value": ...} or {"error": "..."}, malloc()ed.
 */
char *kr_config_eval_json(const char *expr);
/** Cancel every pending event (their timers close on the next loop run). */
void kr__config_close_event(lua_State *L);

/* config/kres.c: objects lent to Lua for the duration of a callback. */
/** Open a scope: wrappers pushed with it are valid until it is closed. @return its id. */
uint32_t kr__config_scope_open(void);
/** Close the innermost scope (scopes nest); its wrappers become invalid. */
void kr__config_scope_close(uint32_t scope);
/** Push pkt as a kres.pkt_t object valid during scope (nil for NULL). */
void kr__config_push_pkt(lua_State *L, kr_pkt_t *pkt, uint32_t scope);
/** Push req as a request object valid during scope. */
void kr__config_push_req(lua_State *L, struct kr_request *req, uint32_t scope);
/** Query flags at idx: nil, a number, a flag name or a table of them (Lua error otherwise). */
uint64_t kr__config_check_qflags(lua_State *L, int idx, const char *fname);

/* config/luamod.c: modules written in Lua. */
/**
 * Load moduledir/NAME.lua as a module when there is no NAME.so: run it, take
 * the table it returns (or the global NAME it defines), call its init(), and
 * put a plugin whose layer calls the table's layer functions in the call order.
 * @return 1 when loaded, 0 when name is not such a module (nothing done);
 *         errors are Lua errors.
 */
int kr__config_load_lua_module(lua_State *L, const char *name, int place, const char *ref);
/** Is the loaded plugin p a Lua module? */
bool kr__config_is_lua_module(const struct kr_plugin *p);
/** Unload every Lua module (their deinit runs), before the state is closed. */
void kr__config_unload_lua_modules(lua_State *L);
