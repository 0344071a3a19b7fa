/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/json.c: Lua values to JSON text (what plugin props
 * receive) and JSON text to Lua values (what they return), both ways.
 * Only a bare Lua state is needed: the conversions do not touch the daemon.
 */
#include <check.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "config/config.h"
#include "tests/unit/check_main.h"

static lua_State *L;

/** Lua's deep equality, for round trips (keys compared as they are, types included). */
static const char deq_lua[] =
	"function deq(a, b)\n"
	"  if type(a) ~= type(b) then return false end\n"
	"  if type(a) ~= 'table' then return a == b end\n"
	"  for k, v in pairs(a) do if not deq(v, b[k]) then return false end end\n"
	"  for k in pairs(b) do if a[k] == nil then return false end end\n"
	"  return true\n"
	"end\n";

static void setup(void)
{
	L = luaL_newstate();
	ck_assert_ptr_nonnull(L);
	luaL_openlibs(L);
	ck_assert_int_eq(luaL_dostring(L, deq_lua), 0);
}

static void teardown(void)
{
	lua_close(L);
	L = NULL;
}

/** Push the value of a Lua expression. */
static void push_expr(const char *expr)
{
	char code[8192];
	snprintf(code, sizeof(code), "return %s", expr);
	int ret = luaL_loadstring(L, code) || lua_pcall(L, 0, 1, 0);
	ck_assert_msg(ret == 0, "%s: %s", expr, lua_tostring(L, -1));
}

/** JSON of a Lua expression (malloc()ed or NULL); the stack is checked to be balanced. */
static char *json_of(const char *expr)
{
	push_expr(expr);
	int top = lua_gettop(L);
	char *out = kr__config_to_json(L, -1);
	ck_assert_msg(lua_gettop(L) == top, "%s: stack %d -> %d", expr, top, lua_gettop(L));
	lua_pop(L, 1);
	return out;
}

#define ck_json_eq(expr, expect) do { \
		char *out_ = json_of(expr); \
		ck_assert_msg(out_ != NULL, "%s: no JSON", (expr)); \
		ck_assert_str_eq(out_, (expect)); \
		free(out_); \
	} while (0)

#define ck_json_null(expr) do { \
		char *out_ = json_of(expr); \
		ck_assert_msg(out_ == NULL, "%s: expected no JSON, got %s", (expr), out_); \
	} while (0)

/** Parse JSON text (and free it) with jansson, for checks independent of key order. */
static json_t *parsed(char *text)
{
	ck_assert_ptr_nonnull(text);
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	ck_assert_msg(j != NULL, "invalid JSON %s: %s", text, err.text);
	free(text);
	return j;
}

/* --- kr__config_to_json --- */

START_TEST(to_json_scalars)
{
	ck_json_eq("nil", "null");
	ck_json_eq("true", "true");
	ck_json_eq("false", "false");
	ck_json_eq("'text'", "\"text\"");
	ck_json_eq("''", "\"\"");
	ck_json_eq("'say \"hi\" \\\\ there'", "\"say \\\"hi\\\" \\\\ there\"");
	ck_json_eq("'line\\nnext\\ttab'", "\"line\\nnext\\ttab\"");
	/* UTF-8 passes through; JSON text stays UTF-8 */
	ck_json_eq("'\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x98\x80'",
		   "\"\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd \xf0\x9f\x98\x80\"");
	/* an embedded NUL is escaped, not a terminator */
	ck_json_eq("'a\\0b'", "\"a\\u0000b\"");
}
END_TEST

START_TEST(to_json_numbers)
{
	/* integral values are JSON integers, others reals */
	ck_json_eq("0", "0");
	ck_json_eq("42", "42");
	ck_json_eq("-7", "-7");
	ck_json_eq("3.0", "3");
	ck_json_eq("2^53 - 1", "9007199254740991");
	ck_json_eq("1.5", "1.5");
	ck_json_eq("-2.25", "-2.25");
	json_t *j = parsed(json_of("2^53"));   /* beyond exact integers: a real */
	ck_assert(json_is_real(j));
	ck_assert(json_real_value(j) == 9007199254740992.0);
	json_decref(j);
	j = parsed(json_of("0.1"));
	ck_assert(json_is_real(j));
	ck_assert(json_real_value(j) == 0.1);
	json_decref(j);
	j = parsed(json_of("-1e300"));
	ck_assert(json_is_real(j));
	ck_assert(json_real_value(j) == -1e300);
	json_decref(j);
	/* not representable in JSON */
	ck_json_null("0/0");
	ck_json_null("1/0");
	ck_json_null("{ 1, -1/0 }");
}
END_TEST

START_TEST(to_json_arrays_objects)
{
	ck_json_eq("{ 1, 2, 3 }", "[1,2,3]");
	ck_json_eq("{ 'a', true, 1.5 }", "[\"a\",true,1.5]");
	ck_json_eq("{ { 1 }, { { 2 } } }", "[[1],[[2]]]");
	ck_json_eq("{ a = 1 }", "{\"a\":1}");
	ck_json_eq("{ a = { b = { c = 'd' } } }", "{\"a\":{\"b\":{\"c\":\"d\"}}}");
	ck_json_eq("{ { x = 1 }, { y = false } }", "[{\"x\":1},{\"y\":false}]");
	/* an empty table is an empty object */
	ck_json_eq("{}", "{}");
	/* several keys: check the structure, not the order */
	json_t *j = parsed(json_of("{ a = 1, b = 'two', c = { 3 }, d = { e = true } }"));
	ck_assert(json_is_object(j));
	ck_assert_uint_eq(json_object_size(j), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "a")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "b")), "two");
	ck_assert(json_is_array(json_object_get(j, "c")));
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(j, "c"), 0)), 3);
	ck_assert(json_is_true(json_object_get(json_object_get(j, "d"), "e")));
	json_decref(j);
	/* mixed keys: an object whose number keys become strings */
	j = parsed(json_of("{ 10, 20, x = 'y' }"));
	ck_assert(json_is_object(j));
	ck_assert_uint_eq(json_object_size(j), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "1")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "2")), 20);
	ck_assert_str_eq(json_string_value(json_object_get(j, "x")), "y");
	json_decref(j);
	/* a sequence with a hole is no array: nothing is invented, nothing lost */
	j = parsed(json_of("{ 1, nil, 3 }"));
	ck_assert(json_is_object(j));
	ck_assert_uint_eq(json_object_size(j), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "1")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "3")), 3);
	json_decref(j);
	/* non-integral and non-positive number keys make it an object too */
	j = parsed(json_of("{ [1.5] = 'a' }"));
	ck_assert_str_eq(json_string_value(json_object_get(j, "1.5")), "a");
	json_decref(j);
}
END_TEST

/* A hole compensated by a key outside 1..n: #t may still say n, with n keys. */
START_TEST(to_json_array_with_stray_key)
{
	push_expr("(function () local t = { 1, nil, 3, 4 }; t[0] = 'zero'; return t end)()");
	int top = lua_gettop(L);
	json_t *j = parsed(kr__config_to_json(L, -1));
	ck_assert_int_eq(lua_gettop(L), top);
	lua_pop(L, 1);
	/* every key survives: { "0": "zero", "1": 1, "3": 3, "4": 4 } */
	ck_assert_msg(json_is_object(j), "a table with key 0 and a hole became an array");
	ck_assert_uint_eq(json_object_size(j), 4);
	ck_assert_str_eq(json_string_value(json_object_get(j, "0")), "zero");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "1")), 1);
	ck_assert_ptr_null(json_object_get(j, "2"));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "4")), 4);
	json_decref(j);
}
END_TEST

START_TEST(to_json_unrepresentable)
{
	ck_json_null("print");
	ck_json_null("function () end");
	ck_json_null("io.stdout");                    /* userdata */
	ck_json_null("coroutine.create(function () end)");      /* thread */
	ck_json_null("{ 1, 2, print }");              /* inside an array */
	ck_json_null("{ a = { b = print } }");        /* inside an object */
	ck_json_null("{ [true] = 1 }");               /* a key that is no string */
	ck_json_null("{ [{}] = 1 }");
	/* a cycle ends at the depth limit, without a crash */
	ck_json_null("(function () local t = {}; t.self = t; return t end)()");
}
END_TEST

START_TEST(to_json_depth)
{
	/* 32 nested tables are fine */
	char *out = json_of("(function () local t = { 'deep' }; for i = 2, 32 do t = { t } end; return t end)()");
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strspn(out, "["), 32);
	ck_assert(strstr(out, "\"deep\"") != NULL);
	free(out);
	out = json_of("(function () local t = { v = 1 }; for i = 2, 32 do t = { k = t } end; return t end)()");
	ck_assert_ptr_nonnull(out);
	free(out);
	/* far beyond the limit: refused */
	ck_json_null("(function () local t = { 'deep' }; for i = 2, 40 do t = { t } end; return t end)()");
	ck_json_null("(function () local t = {}; for i = 2, 1000 do t = { k = t } end; return t end)()");
}
END_TEST

START_TEST(to_json_index)
{
	/* positive and negative indices name the same value */
	lua_pushstring(L, "first");
	lua_pushnumber(L, 2);
	int top = lua_gettop(L);
	char *a = kr__config_to_json(L, top - 1);
	char *b = kr__config_to_json(L, -2);
	char *c = kr__config_to_json(L, -1);
	ck_assert_int_eq(lua_gettop(L), top);
	ck_assert_str_eq(a, "\"first\"");
	ck_assert_str_eq(b, "\"first\"");
	ck_assert_str_eq(c, "2");
	free(a);
	free(b);
	free(c);
}
END_TEST

/* --- kr__config_push_json --- */

/** Push the Lua value of text; fails the test when it does not convert. */
static void push_ok(const char *text)
{
	char err[256] = "";
	int top = lua_gettop(L);
	int ret = kr__config_push_json(L, text, err, sizeof(err));
	ck_assert_msg(ret == 0, "%s: %d %s", text, ret, err);
	ck_assert_int_eq(lua_gettop(L), top + 1);
}

/** The error of converting text (nothing may be pushed). */
static const char *push_err(const char *text)
{
	static char err[256];
	err[0] = '\0';
	int top = lua_gettop(L);
	int ret = kr__config_push_json(L, text, err, sizeof(err));
	ck_assert_msg(ret == -EINVAL, "%s: expected -EINVAL, got %d", text, ret);
	ck_assert_int_eq(lua_gettop(L), top);
	ck_assert_msg(err[0] != '\0', "%s: no reason given", text);
	return err;
}

/** Is the value on top (popped) equal to the Lua expression? */
static bool top_equals(const char *expr)
{
	lua_getglobal(L, "deq");
	lua_insert(L, -2);
	push_expr(expr);
	ck_assert_int_eq(lua_pcall(L, 2, 1, 0), 0);
	bool eq = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return eq;
}

START_TEST(push_json_scalars)
{
	push_ok("null");
	ck_assert(lua_isnil(L, -1));
	lua_pop(L, 1);
	push_ok("true");
	ck_assert(lua_isboolean(L, -1) && lua_toboolean(L, -1));
	lua_pop(L, 1);
	push_ok("false");
	ck_assert(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
	lua_pop(L, 1);
	push_ok("42");
	ck_assert(lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) == 42);
	lua_pop(L, 1);
	push_ok("-1.25e2");
	ck_assert(lua_tonumber(L, -1) == -125.0);
	lua_pop(L, 1);
	push_ok("\"say \\\"hi\\\"\"");
	ck_assert_str_eq(lua_tostring(L, -1), "say \"hi\"");
	lua_pop(L, 1);
	push_ok("\"\\u00e9\\ud83d\\ude00\"");   /* escapes decode to UTF-8 */
	ck_assert_str_eq(lua_tostring(L, -1), "\xc3\xa9\xf0\x9f\x98\x80");
	lua_pop(L, 1);
	/* a NUL inside a string is kept with the right length */
	push_ok("\"a\\u0000b\"");
	size_t len = 0;
	const char *s = lua_tolstring(L, -1, &len);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(s, "a\0b", 3) == 0);
	lua_pop(L, 1);
}
END_TEST

START_TEST(push_json_containers)
{
	push_ok("[1, 2, 3]");
	ck_assert(top_equals("{ 1, 2, 3 }"));
	push_ok("[]");
	ck_assert(top_equals("{}"));
	push_ok("{\"a\": {\"b\": [true, \"x\", 1.5]}, \"c\": {}}");
	ck_assert(top_equals("{ a = { b = { true, 'x', 1.5 } }, c = {} }"));
	/* null inside an array leaves a hole at its index */
	push_ok("[1, null, 3]");
	lua_rawgeti(L, -1, 1);
	lua_rawgeti(L, -2, 2);
	lua_rawgeti(L, -3, 3);
	ck_assert(lua_tonumber(L, -3) == 1);
	ck_assert(lua_isnil(L, -2));
	ck_assert(lua_tonumber(L, -1) == 3);
	lua_pop(L, 4);
	/* deep, but within what the JSON parser accepts */
	char deep[2 * 1000 + 1];
	memset(deep, '[', 1000);
	memset(deep + 1000, ']', 1000);
	deep[2000] = '\0';
	push_ok(deep);
	lua_pop(L, 1);
}
END_TEST

START_TEST(push_json_errors)
{
	/* {"error": text} is how a plugin reports failure */
	ck_assert_str_eq(push_err("{\"error\": \"x\"}"), "x");
	ck_assert_str_eq(push_err("{\"error\": \"no such name: a.b.\"}"), "no such name: a.b.");
	/* ... but only that exact shape */
	push_ok("{\"error\": \"x\", \"other\": 1}");
	ck_assert(top_equals("{ error = 'x', other = 1 }"));
	push_ok("{\"error\": 5}");
	ck_assert(top_equals("{ error = 5 }"));
	push_ok("[\"error\"]");
	ck_assert(top_equals("{ 'error' }"));
	/* invalid text says where */
	ck_assert(strncmp(push_err("{not json"), "invalid JSON at 1:", 18) == 0);
	ck_assert(strncmp(push_err(""), "invalid JSON", 12) == 0);
	ck_assert(strncmp(push_err("[1, 2"), "invalid JSON", 12) == 0);
	ck_assert(strncmp(push_err("[1]\n  junk"), "invalid JSON at 2:", 18) == 0);
	/* a reason too long for the buffer is cut, not overflowed */
	char small[8];
	memset(small, 'X', sizeof(small));
	ck_assert_int_eq(kr__config_push_json(L, "{\"error\": \"a long message\"}", small, 4), -EINVAL);
	ck_assert_str_eq(small, "a l");
	ck_assert(small[4] == 'X');
}
END_TEST

/* --- both ways --- */

/** Lua value -> JSON -> Lua value is the same value. */
static void roundtrip(const char *expr)
{
	push_expr(expr);
	char *text = kr__config_to_json(L, -1);
	lua_pop(L, 1);
	ck_assert_msg(text != NULL, "%s: no JSON", expr);
	char err[256] = "";
	int ret = kr__config_push_json(L, text, err, sizeof(err));
	ck_assert_msg(ret == 0, "%s -> %s: %s", expr, text, err);
	ck_assert_msg(top_equals(expr), "%s -> %s came back different", expr, text);
	free(text);
}

START_TEST(roundtrip_values)
{
	roundtrip("true");
	roundtrip("false");
	roundtrip("0");
	roundtrip("-12345");
	roundtrip("1.5");
	roundtrip("0.1");
	roundtrip("1e300");
	roundtrip("'plain'");
	roundtrip("'quotes \" and \\\\ and / and \\n \\t \\r \\1 \\31'");
	roundtrip("'\xc5\xbelu\xc5\xa5ou\xc4\x8dk\xc3\xbd k\xc5\xaf\xc5\x88 \xf0\x9f\x98\x80'");
	roundtrip("'nul \\0 inside'");
	roundtrip("'\\0'");
	roundtrip("{}");
	roundtrip("{ 1, 2, 3 }");
	roundtrip("{ 'a', { 'b', { 'c', { true, false } } } }");
	roundtrip("{ name = 'x', ttl = 300, list = { 1.5, -2 }, nested = { deep = { deeper = { 'end' } } } }");
	roundtrip("{ { a = 1 }, { b = { 2, 3 } }, {} }");
	roundtrip("{ ['with space'] = 1, [''] = 2, ['\xc3\xa9'] = 3 }");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("json");
	unit_tcase(s, "kr__config_to_json", &fx, to_json_scalars, to_json_numbers,
		   to_json_arrays_objects, to_json_array_with_stray_key, to_json_unrepresentable,
		   to_json_depth, to_json_index);
	unit_tcase(s, "kr__config_push_json", &fx, push_json_scalars, push_json_containers,
		   push_json_errors);
	unit_tcase(s, "roundtrip", &fx, roundtrip_values);
	return unit_run(s);
}
