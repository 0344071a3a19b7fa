/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `event` table: Lua callbacks on libuv timers. */
#include <lauxlib.h>
#include <stdlib.h>
#include "config/config.h"

/** A scheduled callback; the function is kept in the registry under ref. */
struct lua_event {
	uv_timer_t timer;
	int ref;
	int id;
	struct lua_event *next;
};

/** Scheduled events, for event.cancel(id). */
static struct lua_event *events;

static void event_free_cb(uv_handle_t *h)
{
	free(h);
}

static void event_cancel(lua_State *L, struct lua_event *ev)
{
	if (uv_is_closing((uv_handle_t *)&ev->timer))
		return;
	uv_timer_stop(&ev->timer);
	for (struct lua_event **pe = &events; *pe; pe = &(*pe)->next) {
		if (*pe == ev) {
			*pe = ev->next;
			break;
		}
	}
	luaL_unref(L, LUA_REGISTRYINDEX, ev->ref);
	uv_close((uv_handle_t *)&ev->timer, event_free_cb);
}

static void event_cb(uv_timer_t *timer)
{
	struct lua_event *ev = timer->data;
	lua_State *L = the_daemon.L;
	bool oneshot = uv_timer_get_repeat(timer) == 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref);
	lua_pushnumber(L, ev->id);
	if (lua_pcall(L, 1, 0, 0) != 0) {
		kr_log_error(event, "callback %d failed: %s", ev->id, lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	if (oneshot)
		event_cancel(L, ev);
}

static int next_event_id = 1;

static int schedule(lua_State *L, uint64_t after, uint64_t repeat)
{
	luaL_checktype(L, 2, LUA_TFUNCTION);
	struct lua_event *ev = calloc(1, sizeof(*ev));
	if (!ev)
		return luaL_error(L, "out of memory");
	lua_pushvalue(L, 2);
	ev->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	ev->id = next_event_id++;
	uv_timer_init(the_daemon.loop, &ev->timer);
	ev->timer.data = ev;
	uv_timer_start(&ev->timer, event_cb, after, repeat);
	ev->next = events;
	events = ev;
	lua_pushnumber(L, ev->id);
	return 1;
}

static int l_event_after(lua_State *L)
{
	lua_Number ms = luaL_checknumber(L, 1);
	return schedule(L, ms < 0 ? 0 : (uint64_t)ms, 0);
}

static int l_event_recurrent(lua_State *L)
{
	lua_Number ms = luaL_checknumber(L, 1);
	if (ms < 1)
		return luaL_error(L, "event.recurrent: interval must be at least 1 ms");
	return schedule(L, (uint64_t)ms, (uint64_t)ms);
}

static int l_event_cancel(lua_State *L)
{
	int id = (int)luaL_checkinteger(L, 1);
	struct lua_event *ev = events;
	while (ev && ev->id != id)
		ev = ev->next;
	if (ev)
		event_cancel(L, ev);
	lua_pushboolean(L, ev != NULL);
	return 1;
}

void kr__config_close_event(lua_State *L)
{
	while (events)
		event_cancel(L, events);
}

void kr__config_open_event(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "after", l_event_after }, { "recurrent", l_event_recurrent },
		{ "cancel", l_event_cancel }, { NULL, NULL },
	};
	lua_newtable(L);
	luaL_register(L, NULL, fns);
	lua_setglobal(L, "event");
}
