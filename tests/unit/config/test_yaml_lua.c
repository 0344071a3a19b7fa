/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of config/yaml_lua.c: Lua literals checked by the real Lua, buffers, origins. */
#include <lauxlib.h>
#include <lualib.h>
#include "tests/unit/config/yaml_check.h"

static lua_State *L;

static void setup(void)
{
	yaml_setup();
	L = luaL_newstate();
	luaL_openlibs(L);
}

static void teardown(void)
{
	yaml_teardown();
	lua_close(L);
}

/** Evaluate "return EXPR" in Lua; the value is left on the stack. */
static void eval(const char *expr)
{
	lua_settop(L, 0);
	char code[4096];
	snprintf(code, sizeof(code), "return %s", expr);
	ck_assert_msg(luaL_dostring(L, code) == 0, "%s: %s", code, lua_tostring(L, -1));
}

START_TEST(quote)
{
	static const char bytes[] = "it's a \\ \"test\"\n\t\0\x01\x7f\xff" "9end";
	size_t len = sizeof(bytes) - 1;
	eval(kr__yaml_quote(&ctx, bytes, len));
	size_t got;
	const char *s = lua_tolstring(L, -1, &got);
	ck_assert_uint_eq(got, len);
	ck_assert(memcmp(s, bytes, len) == 0);
	ck_assert_str_eq(kr__yaml_quote(&ctx, "", 0), "''");
}
END_TEST

START_TEST(values)
{
	/* { a = 1, ['b c'] = { 'x', true, -2.5e1, nil }, ['end'] = '7' } */
	struct kr_yaml_node *list = yaml_node(KR_YAML_SEQ, NULL, false);
	struct kr_yaml_node *items[] = { yaml_node(KR_YAML_SCALAR, "x", true), yaml_node(KR_YAML_SCALAR, "true", true),
					 yaml_node(KR_YAML_SCALAR, "-2.5e1", true), yaml_node(KR_YAML_SCALAR, "~", true) };
	list->items = items;
	list->count = 4;
	struct kr_yaml_node *map = yaml_node(KR_YAML_MAP, NULL, false);
	struct kr_yaml_node *keys[] = { yaml_node(KR_YAML_SCALAR, "a", true), yaml_node(KR_YAML_SCALAR, "b c", true),
					yaml_node(KR_YAML_SCALAR, "end", true) };
	struct kr_yaml_node *vals[] = { yaml_node(KR_YAML_SCALAR, "1", true), list, yaml_node(KR_YAML_SCALAR, "7", false) };
	map->keys = keys;
	map->items = vals;
	map->count = 3;
	const char *lit = kr__yaml_lua_value(&ctx, map, "m");
	ck_assert_str_eq(lit, "{ a = 1, ['b c'] = { 'x', true, -2.5e1, nil }, ['end'] = '7' }");
	eval(lit);
	lua_getfield(L, 1, "a");
	ck_assert(lua_isnumber(L, -1) && lua_tonumber(L, -1) == 1);
	lua_getfield(L, 1, "end");
	ck_assert(lua_type(L, -1) == LUA_TSTRING);
	lua_getfield(L, 1, "b c");
	lua_rawgeti(L, -1, 3);
	ck_assert(lua_tonumber(L, -1) == -25);
	/* numbers Lua would not read the same stay strings */
	ck_assert_str_eq(kr__yaml_lua_value(&ctx, yaml_node(KR_YAML_SCALAR, "+5", true), "v"), "'+5'");
	ck_assert_str_eq(kr__yaml_lua_value(&ctx, yaml_node(KR_YAML_SCALAR, "0x10", true), "v"), "'0x10'");
	ck_assert_str_eq(kr__yaml_lua_value(&ctx, yaml_node(KR_YAML_SEQ, NULL, false), "v"), "{}");
}
END_TEST

START_TEST(emit_and_origins)
{
	struct kr_yaml_node *a = yaml_node(KR_YAML_SCALAR, "x", true), *b = yaml_node(KR_YAML_SCALAR, "p1\np2\n", false);
	a->line = 4;
	a->col = 3;
	b->line = 10;
	b->literal = true;
	kr__yaml_emit(&ctx, NULL, "", "-- head\n");
	kr__yaml_emit(&ctx, a, "sec.key", "one()\ntwo()\n");
	kr__yaml_emit_verbatim(&ctx, b, "lua.script");
	ck_assert_str_eq(ctx.lua.data, "-- head\none()\ntwo()\np1\np2\n");
	ck_assert_int_eq(ctx.lua_lines, 5);
	ck_assert_str_eq(kr__yaml_origin(&out, 3)->path, "sec.key");
	ck_assert_int_eq(kr__yaml_origin(&out, 3)->line, 4);
	const struct kr_yaml_origin *o = kr__yaml_origin(&out, 5);
	ck_assert(o->verbatim && o->line == 11 && o->lua_line == 4);
	ck_assert_ptr_null(kr__yaml_origin(&out, 0));
	/* after an error nothing more is emitted */
	kr__yaml_error(&ctx, a, "sec.key", "bad");
	kr__yaml_emit(&ctx, a, "sec.key", "three()\n");
	ck_assert_int_eq(ctx.lua_lines, 5);
}
END_TEST

START_TEST(buffers)
{
	struct kr_yaml_buf b = { 0 };
	for (int i = 0; i < 1000; ++i)
		kr__yaml_buf_printf(&b, "%04d,", i);
	ck_assert_uint_eq(b.len, 5000);
	ck_assert(strncmp(b.data + 4995, "0999,", 5) == 0);
	char big[3000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kr__yaml_buf_printf(&b, "%s", big);
	ck_assert_uint_eq(b.len, 5000 + sizeof(big) - 1);
	ck_assert(!b.failed);
	free(b.data);
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("yaml_lua");
	unit_tcase(s, "kr__yaml_quote", &fx, quote);
	unit_tcase(s, "kr__yaml_lua_value", &fx, values);
	unit_tcase(s, "kr__yaml_emit", &fx, emit_and_origins);
	unit_tcase(s, "kr__yaml_buf_printf", &fx, buffers);
	return unit_run(s);
}
