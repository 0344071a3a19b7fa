/* SPDX-License-Identifier: GPL-3.0-or-later */
/* modules.load/unload/list and each plugin's Lua table (props bridged as JSON). */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "loader/loader.h"

/** NAME.prop(...): encode the arguments, call the prop, decode its result. */
static int l_plugin_prop(lua_State *L)
{
	const char *pname = lua_tostring(L, lua_upvalueindex(1));
	const char *prop = lua_tostring(L, lua_upvalueindex(2));
	struct kr_plugin *p = kr_loader_find(&the_daemon.ctx, pname);
	if (!p)
		return luaL_error(L, "%s.%s(): plugin %s is not loaded", pname, prop, pname);
	int nargs = lua_gettop(L);
	char *args = NULL;
	if (nargs > 1) {
		lua_createtable(L, nargs, 0);
		for (int i = 1; i <= nargs; ++i) {
			lua_pushvalue(L, i);
			lua_rawseti(L, -2, i);
		}
	}
	if (nargs > 0) {
		args = kr__config_to_json(L, nargs > 1 ? -1 : 1);
		if (!args)
			return luaL_error(L, "%s.%s(): arguments cannot be expressed as JSON", pname, prop);
	}
	char *result = NULL;
	int ret = 0;
	if (strcmp(prop, "config") == 0) {
		ret = p->api->config ? p->api->config(p, args) : 0;
		kr_answer_cache_flush();   /* other props that change answers flush themselves */
	} else {
		for (const struct kr_plugin_prop *pr = p->api->props; pr && pr->name; ++pr)
			if (strcmp(pr->name, prop) == 0)
				result = pr->cb(p, args);
	}
	free(args);
	if (ret != 0)
		return luaL_error(L, "%s.config(): %s", pname, kr_strerror(ret));
	if (!result)
		return 0;
	char err[512];
	ret = kr__config_push_json(L, result, err, sizeof(err));
	free(result);
	if (ret != 0)
		return luaL_error(L, "%s.%s(): %s", pname, prop, err);
	return 1;
}

static void push_prop(lua_State *L, const char *plugin, const char *prop)
{
	lua_pushstring(L, plugin);
	lua_pushstring(L, prop);
	lua_pushcclosure(L, l_plugin_prop, 2);
	lua_setfield(L, -2, prop);
}

/** Make the global table NAME for a loaded plugin and run its companion NAME.lua. */
static int plugin_table_create(lua_State *L, struct kr_plugin *p)
{
	lua_getglobal(L, p->name);
	bool exists = lua_istable(L, -1);
	if (!exists) {
		lua_pop(L, 1);
		lua_newtable(L);
	}
	push_prop(L, p->name, "config");
	for (const struct kr_plugin_prop *pr = p->api->props; pr && pr->name; ++pr)
		push_prop(L, p->name, pr->name);
	lua_setglobal(L, p->name);
	if (exists)
		return 0;
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s.lua", the_daemon.ctx.moduledir, p->name);
	if (access(path, R_OK) != 0)
		return 0;
	if (luaL_dofile(L, path) != 0)
		return -1;   /* message on the stack */
	return 0;
}

int kr__config_load_plugin(lua_State *L, const char *spec)
{
	char err[1024];
	char name[72], ref[72];
	enum kr_loader_place place;
	int ret = kr_loader_parse_spec(spec, name, &place, ref, err, sizeof(err));
	if (ret != 0)
		return luaL_error(L, "%s", err);
	/* A module written in Lua: moduledir/NAME.lua without NAME.so. */
	if (!kr_loader_find(&the_daemon.ctx, name) && kr_loader_name_valid(name) &&
	    kr__config_load_lua_module(L, name, place, ref))
		return 0;
	ret = kr_loader_load(&the_daemon.ctx, name, place, place != KR_PLACE_END ? ref : NULL,
			     err, sizeof(err));
	if (ret != 0)
		return luaL_error(L, "%s", err[0] ? err : kr_strerror(ret));
	struct kr_plugin *p = kr_loader_find(&the_daemon.ctx, name);
	if (p && !kr__config_is_lua_module(p) && plugin_table_create(L, p) != 0) {
		const char *msg = lua_tostring(L, -1);
		lua_pushfstring(L, "plugin %s: its Lua part failed: %s", name, msg ? msg : "?");
		kr_loader_unload(&the_daemon.ctx, name);
		lua_pushnil(L);
		lua_setglobal(L, name);
		return lua_error(L);
	}
	return 0;
}

static int l_modules_load(lua_State *L)
{
	kr__config_load_plugin(L, luaL_checkstring(L, 1));
	lua_pushboolean(L, 1);
	return 1;
}

static int l_modules_unload(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	if (kr_loader_unload(&the_daemon.ctx, name) != 0)
		return luaL_error(L, "modules.unload('%s'): plugin %s is not loaded", name, name);
	lua_pushnil(L);
	lua_setglobal(L, name);
	lua_pushboolean(L, 1);
	return 1;
}

static int l_modules_list(lua_State *L)
{
	lua_createtable(L, (int)the_daemon.ctx.plugin_count, 0);
	for (size_t i = 0; i < the_daemon.ctx.plugin_count; ++i) {
		lua_pushstring(L, the_daemon.ctx.plugins[i]->name);
		lua_rawseti(L, -2, (int)i + 1);
	}
	return 1;
}

void kr__config_open_modules(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "load", l_modules_load }, { "unload", l_modules_unload }, { "list", l_modules_list },
		{ NULL, NULL },
	};
	lua_newtable(L);
	luaL_register(L, NULL, fns);
	lua_setglobal(L, "modules");
}
