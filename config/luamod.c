/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Modules written in Lua: moduledir/NAME.lua returns (or defines as the global
 * NAME) a table with optional init, deinit, config and a `layer` table of
 * functions begin, reset, consume, produce, checkout, finish and
 * answer_finalize taking (state, req[, pkt]) and returning a state. A shim
 * plugin in the engine's call order calls them; the request and packet they
 * receive are valid during the call only. A module without a `layer` table
 * (one driven by events, such as priming) gets no layer at all.
 */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "loader/loader.h"

/** Private data of a Lua module's shim plugin. */
struct lua_module {
	lua_State *L;
	int ref;   /**< the module table in the registry */
};

static const struct kr_plugin_api lua_module_api;

static const struct kr_plugin_api lua_module_api_nolayer;

bool kr__config_is_lua_module(const struct kr_plugin *p)
{
	return p && (p->api == &lua_module_api || p->api == &lua_module_api_nolayer);
}

/**
 * Call module.layer[fname](state, req[, pkt]).
 * @return the state it returned; nil or NOOP (0) leave the state as it was;
 *         an error or a value that is not a state fails the request.
 */
static enum kr_layer_state call_layer(struct kr_layer_ctx *ctx, const char *fname, kr_pkt_t *pkt)
{
	struct lua_module *m = kr_plugin_data(ctx->plugin);
	lua_State *L = m ? m->L : NULL;
	if (!L || L != the_daemon.L)
		return ctx->state;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, m->ref);
	lua_getfield(L, -1, "layer");
	if (!lua_istable(L, -1)) {
		lua_settop(L, top);
		return ctx->state;
	}
	lua_getfield(L, -1, fname);
	if (!lua_isfunction(L, -1)) {
		lua_settop(L, top);
		return ctx->state;
	}
	uint32_t scope = kr__config_scope_open();
	lua_pushinteger(L, ctx->state);
	kr__config_push_req(L, ctx->req, scope);
	int nargs = 2;
	if (pkt) {
		kr__config_push_pkt(L, pkt, scope);
		++nargs;
	}
	enum kr_layer_state state = ctx->state;
	if (lua_pcall(L, nargs, 1, 0) != 0) {
		kr_log_req(ctx->req, KR_LOG_ERR, "config", "module %s: layer %s failed: %s",
			   kr_plugin_name(ctx->plugin), fname, lua_tostring(L, -1));
		state = KR_STATE_FAIL;
	} else if (lua_type(L, -1) == LUA_TNUMBER) {
		lua_Integer s = lua_tointeger(L, -1);
		switch (s) {
		case 0:
			break;
		case KR_STATE_CONSUME: case KR_STATE_PRODUCE: case KR_STATE_DONE:
		case KR_STATE_FAIL: case KR_STATE_YIELD:
			state = (enum kr_layer_state)s;
			break;
		default:
			kr_log_req(ctx->req, KR_LOG_ERR, "config", "module %s: layer %s returned %d, not a state",
				   kr_plugin_name(ctx->plugin), fname, (int)s);
			state = KR_STATE_FAIL;
		}
	} else if (!lua_isnil(L, -1)) {
		kr_log_req(ctx->req, KR_LOG_ERR, "config", "module %s: layer %s returned a %s, not a state",
			   kr_plugin_name(ctx->plugin), fname, luaL_typename(L, -1));
		state = KR_STATE_FAIL;
	}
	kr__config_scope_close(scope);
	lua_settop(L, top);
	return state;
}

static enum kr_layer_state lua_begin(struct kr_layer_ctx *ctx)
{
	return call_layer(ctx, "begin", NULL);
}

static enum kr_layer_state lua_reset(struct kr_layer_ctx *ctx)
{
	return call_layer(ctx, "reset", NULL);
}

static enum kr_layer_state lua_consume(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return call_layer(ctx, "consume", pkt);
}

static enum kr_layer_state lua_produce(struct kr_layer_ctx *ctx, kr_pkt_t *pkt)
{
	return call_layer(ctx, "produce", pkt);
}

static enum kr_layer_state lua_checkout(struct kr_layer_ctx *ctx, kr_pkt_t *pkt,
					const void *dst, bool tcp)
{
	return call_layer(ctx, "checkout", pkt);
}

static enum kr_layer_state lua_finish(struct kr_layer_ctx *ctx)
{
	return call_layer(ctx, "finish", NULL);
}

static enum kr_layer_state lua_answer_finalize(struct kr_layer_ctx *ctx)
{
	return call_layer(ctx, "answer_finalize", NULL);
}

/** Call module[fname](module) if it exists. @return 0, or -1 with the message on the stack. */
static int call_hook(lua_State *L, int ref, const char *fname)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
	lua_getfield(L, -1, fname);
	if (!lua_isfunction(L, -1)) {
		lua_pop(L, 2);
		return 0;
	}
	lua_insert(L, -2);
	return lua_pcall(L, 1, 0, 0) == 0 ? 0 : -1;
}

static void lua_module_deinit(struct kr_plugin *p)
{
	struct lua_module *m = kr_plugin_data(p);
	if (!m)
		return;
	lua_State *L = m->L;
	if (L && L == the_daemon.L) {
		if (call_hook(L, m->ref, "deinit") != 0) {
			kr_log_error(config, "module %s: deinit failed: %s", p->name, lua_tostring(L, -1));
			lua_pop(L, 1);
		}
		luaL_unref(L, LUA_REGISTRYINDEX, m->ref);
	}
	free(m);
	kr_plugin_set_data(p, NULL);
}

static const struct kr_layer_api lua_module_layer = {
	.size = sizeof(lua_module_layer),
	.begin = lua_begin, .reset = lua_reset, .consume = lua_consume, .produce = lua_produce,
	.checkout = lua_checkout, .finish = lua_finish, .answer_finalize = lua_answer_finalize,
};

static const struct kr_plugin_api lua_module_api = {
	.size = sizeof(lua_module_api), .abi = KR_PLUGIN_ABI, .name = "lua",
	.deinit = lua_module_deinit, .layer = &lua_module_layer,
};

/* A module without a `layer` table costs the requests nothing: no Lua per packet. */
static const struct kr_plugin_api lua_module_api_nolayer = {
	.size = sizeof(lua_module_api_nolayer), .abi = KR_PLUGIN_ABI, .name = "lua",
	.deinit = lua_module_deinit,
};

int kr__config_load_lua_module(lua_State *L, const char *name, int place, const char *ref)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s.so", the_daemon.ctx.moduledir, name);
	if (access(path, F_OK) == 0)
		return 0;   /* a C plugin (with perhaps a companion NAME.lua) */
	snprintf(path, sizeof(path), "%s/%s.lua", the_daemon.ctx.moduledir, name);
	if (access(path, R_OK) != 0)
		return 0;
	if (!kr_loader_name_valid(name))
		return luaL_error(L, "invalid module name '%s'", name);
	if (place != KR_PLACE_END && !kr_loader_find(&the_daemon.ctx, ref))
		return luaL_error(L, "module %s: precedence refers to '%s', which is not loaded", name, ref);
	/* Run the file with the module name as its argument (like require). */
	if (luaL_loadfile(L, path) != 0)
		return lua_error(L);
	lua_pushstring(L, name);
	lua_call(L, 1, 1);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		lua_getglobal(L, name);
		if (!lua_istable(L, -1))
			return luaL_error(L, "module %s (%s) neither returns a table nor defines the global %s",
					  name, path, name);
	}
	int top = lua_gettop(L);
	lua_pushvalue(L, top);
	lua_setglobal(L, name);
	lua_pushvalue(L, top);
	int ref_id = luaL_ref(L, LUA_REGISTRYINDEX);
	if (call_hook(L, ref_id, "init") != 0) {
		luaL_unref(L, LUA_REGISTRYINDEX, ref_id);
		lua_pushnil(L);
		lua_setglobal(L, name);
		return luaL_error(L, "module %s: init failed: %s", name, lua_tostring(L, -1));
	}
	lua_getfield(L, top, "layer");
	bool has_layer = lua_istable(L, -1);
	lua_pop(L, 1);
	struct kr_plugin *p = calloc(1, sizeof(*p));
	struct lua_module *m = calloc(1, sizeof(*m));
	char err[512];
	int ret = -ENOMEM;
	if (p && m && (p->name = strdup(name)) && (p->path = strdup(path))) {
		m->L = L;
		m->ref = ref_id;
		p->api = has_layer ? &lua_module_api : &lua_module_api_nolayer;
		p->data = m;
		ret = kr_loader_add(&the_daemon.ctx, p, (enum kr_loader_place)place, ref, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "module %s: out of memory", name);
	}
	if (ret != 0) {
		if (p) {
			free(p->name);
			free(p->path);
		}
		free(p);
		free(m);
		call_hook(L, ref_id, "deinit");
		luaL_unref(L, LUA_REGISTRYINDEX, ref_id);
		lua_settop(L, top);
		lua_pushnil(L);
		lua_setglobal(L, name);
		return luaL_error(L, "%s", err);
	}
	lua_settop(L, top - 1);
	return 1;
}

void kr__config_unload_lua_modules(lua_State *L)
{
	struct kr_context *ctx = &the_daemon.ctx;
	for (size_t i = ctx->plugin_count; i > 0; --i) {
		struct kr_plugin *p = ctx->plugins[i - 1];
		if (kr__config_is_lua_module(p))
			kr_loader_unload(ctx, p->name);
	}
}
