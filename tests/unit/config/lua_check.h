/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Running Lua chunks in the_daemon's state from config unit tests:
 *   ck_ok("net.bufsize(%d)", 4096);        // must succeed
 *   ck_fails("out of range", "net.bufsize(1)");   // must fail, message containing the part
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <check.h>
#include <lauxlib.h>
#include "core/daemon/daemon.h"

/** Run a formatted chunk. @return NULL, or its error message (valid until the next call). */
static inline const char *lua_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline const char *lua_run(const char *fmt, ...)
{
	static char msg[2048];
	char code[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(code, sizeof(code), fmt, ap);
	va_end(ap);
	lua_State *L = the_daemon.L;
	int top = lua_gettop(L);
	const char *ret = NULL;
	if (luaL_loadstring(L, code) != 0 || lua_pcall(L, 0, 0, 0) != 0) {
		snprintf(msg, sizeof(msg), "%s", lua_tostring(L, -1));
		ret = msg;
	}
	lua_settop(L, top);
	return ret;
}

#define ck_ok(...) do { \
		const char *err_ = lua_run(__VA_ARGS__); \
		ck_assert_msg(err_ == NULL, "%s", err_); \
	} while (0)

#define ck_fails(part, ...) do { \
		const char *err_ = lua_run(__VA_ARGS__); \
		ck_assert_msg(err_ != NULL, "no error, expected '%s'", (part)); \
		ck_assert_msg(strstr(err_, (part)) != NULL, "'%s' lacks '%s'", err_, (part)); \
	} while (0)
