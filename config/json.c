/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lua values to JSON text and back, for plugin props and config (jansson). */
#include <lauxlib.h>
#include <math.h>
#include <string.h>
#include <jansson.h>
#include "config/config.h"

#define JSON_MAX_DEPTH 32

/** Is the table at idx a sequence 1..n (n >= 1) with no other keys? */
static bool is_array(lua_State *L, int idx, size_t *len)
{
	size_t n = lua_objlen(L, idx);
	size_t count = 0;
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		++count;
		/* Only keys 1..n: #t may be n with a hole that another key (0, 1.5) makes up for. */
		lua_Number k = lua_type(L, -2) == LUA_TNUMBER ? lua_tonumber(L, -2) : 0;
		bool intkey = k >= 1 && k <= (lua_Number)n && k == floor(k);
		lua_pop(L, 1);
		if (!intkey) {
			lua_pop(L, 1);
			return false;
		}
	}
	*len = n;
	return n > 0 && count == n;
}

static json_t *to_json(lua_State *L, int idx, int depth)
{
	if (idx < 0)
		idx = lua_gettop(L) + idx + 1;
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return json_null();
	case LUA_TBOOLEAN:
		return json_boolean(lua_toboolean(L, idx));
	case LUA_TNUMBER: {
		double d = lua_tonumber(L, idx);
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			return json_integer((json_int_t)d);
		return json_real(d);
	}
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		return json_stringn_nocheck(s, len);
	}
	case LUA_TTABLE:
		break;
	default:
		return NULL;   /* functions, userdata: not representable */
	}
	/* Each level holds a key, a value and a key copy on the Lua stack. */
	if (depth > JSON_MAX_DEPTH || !lua_checkstack(L, 4))
		return NULL;
	size_t n;
	if (is_array(L, idx, &n)) {
		json_t *arr = json_array();
		for (size_t i = 1; i <= n; ++i) {
			lua_rawgeti(L, idx, (int)i);
			json_t *v = to_json(L, -1, depth + 1);
			lua_pop(L, 1);
			if (!v) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
		}
		return arr;
	}
	json_t *obj = json_object();
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		/* Keys become strings; converting a copy keeps lua_next's key intact. */
		lua_pushvalue(L, -2);
		const char *key = lua_tostring(L, -1);
		json_t *v = key ? to_json(L, -2, depth + 1) : NULL;
		if (!v) {
			lua_pop(L, 3);
			json_decref(obj);
			return NULL;
		}
		json_object_set_new(obj, key, v);
		lua_pop(L, 2);
	}
	return obj;
}

char *kr__config_to_json(lua_State *L, int idx)
{
	json_t *j = to_json(L, idx, 0);
	if (!j)
		return NULL;
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

static void push_json(lua_State *L, const json_t *j, int depth)
{
	luaL_checkstack(L, 4, "JSON too deep");
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;
		lua_createtable(L, 0, (int)json_object_size(j));
		json_object_foreach((json_t *)j, key, v) {
			push_json(L, v, depth + 1);
			lua_setfield(L, -2, key);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;
		lua_createtable(L, (int)json_array_size(j), 0);
		json_array_foreach(j, i, v) {
			push_json(L, v, depth + 1);
			lua_rawseti(L, -2, (int)i + 1);
		}
		break;
	}
	case JSON_STRING:
		lua_pushlstring(L, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		lua_pushnumber(L, (lua_Number)json_integer_value(j));
		break;
	case JSON_REAL:
		lua_pushnumber(L, json_real_value(j));
		break;
	case JSON_TRUE:
		lua_pushboolean(L, 1);
		break;
	case JSON_FALSE:
		lua_pushboolean(L, 0);
		break;
	default:
		lua_pushnil(L);
	}
}

int kr__config_push_json(lua_State *L, const char *text, char *errbuf, size_t errlen)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);   /* Lua strings may hold NULs */
	if (!j) {
		snprintf(errbuf, errlen, "invalid JSON at %d:%d: %s", err.line, err.column, err.text);
		return -EINVAL;
	}
	/* {"error": "..."} is how a plugin reports a failure. */
	json_t *e = json_is_object(j) && json_object_size(j) == 1 ? json_object_get(j, "error") : NULL;
	if (e && json_is_string(e)) {
		snprintf(errbuf, errlen, "%s", json_string_value(e));
		json_decref(j);
		return -EINVAL;
	}
	push_json(L, j, 0);
	json_decref(j);
	return 0;
}
