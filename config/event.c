/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `event` table: Lua callbacks on libuv timers and on file descriptor activity. */
#include <lauxlib.h>
#include <stdlib.h>
#include "config/config.h"

/** A scheduled callback; the function is kept in the registry under ref. */
struct lua_event {
	union {
		uv_handle_t handle;
		uv_timer_t timer;   /**< event.after, event.recurrent */
		uv_poll_t poll;     /**< event.socket */
	} h;
	int ref;
	int id;
	bool is_poll;
	struct lua_event *next;
};

/** Scheduled events, for event.cancel(id). */
static struct lua_event *events;

static void event_free_cb(uv_handle_t *h)
{
	free(h->data);
}

static void event_cancel(lua_State *L, struct lua_event *ev)
{
	if (uv_is_closing(&ev->h.handle))
		return;
	if (ev->is_poll)
		uv_poll_stop(&ev->h.poll);
	else
		uv_timer_stop(&ev->h.timer);
	for (struct lua_event **pe = &events; *pe; pe = &(*pe)->next) {
		if (*pe == ev) {
			*pe = ev->next;
			break;
		}
	}
	luaL_unref(L, LUA_REGISTRYINDEX, ev->ref);
	uv_close(&ev->h.handle, event_free_cb);
}

/** Push the event's function and its id (the first argument). */
static void event_push(lua_State *L, struct lua_event *ev)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, ev->ref);
	lua_pushinteger(L, ev->id);
}

/** Call what event_push() and nargs more arguments pushed; errors are logged. */
static void event_call(lua_State *L, struct lua_event *ev, int nargs)
{
	if (lua_pcall(L, nargs, 0, 0) != 0) {
		kr_log_error(event, "callback %d failed: %s", ev->id, lua_tostring(L, -1));
		lua_pop(L, 1);
	}
}

static void event_cb(uv_timer_t *timer)
{
	struct lua_event *ev = timer->data;
	lua_State *L = the_daemon.L;
	event_push(L, ev);
	event_call(L, ev, 1);
	/* A one-shot event is done unless its callback rescheduled or cancelled it. */
	if (!uv_is_closing(&ev->h.handle) && !uv_is_active(&ev->h.handle))
		event_cancel(L, ev);
}

static int next_event_id = 1;

static struct lua_event *event_new(lua_State *L, int fn_idx)
{
	luaL_checktype(L, fn_idx, LUA_TFUNCTION);
	struct lua_event *ev = calloc(1, sizeof(*ev));
	if (!ev) {
		luaL_error(L, "out of memory");
		return NULL;
	}
	lua_pushvalue(L, fn_idx);
	ev->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	ev->id = next_event_id++;
	ev->next = events;
	events = ev;
	return ev;
}

static int schedule(lua_State *L, uint64_t after, uint64_t repeat)
{
	struct lua_event *ev = event_new(L, 2);
	uv_timer_init(the_daemon.loop, &ev->h.timer);
	ev->h.timer.data = ev;
	uv_update_time(ev->h.timer.loop);   /* timers count from the loop's cached time: make it now */
	uv_timer_start(&ev->h.timer, event_cb, after, repeat);
	lua_pushinteger(L, ev->id);
	return 1;
}

/** A time in milliseconds at idx (a number >= 0). */
static uint64_t check_ms(lua_State *L, int idx, const char *fname)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		luaL_argerror(L, idx, lua_pushfstring(L, "a time in milliseconds expected (e.g. 5 * sec), got %s",
						      luaL_typename(L, idx)));
	lua_Number ms = lua_tonumber(L, idx);
	if (ms != ms)
		luaL_error(L, "%s: the time is not a number", fname);
	if (ms > 1e15)
		luaL_error(L, "%s: %f ms is too long", fname, ms);
	return ms < 0 ? 0 : (uint64_t)ms;
}

static int l_event_after(lua_State *L)
{
	return schedule(L, check_ms(L, 1, "event.after"), 0);
}

static int l_event_recurrent(lua_State *L)
{
	uint64_t ms = check_ms(L, 1, "event.recurrent");
	if (ms < 1)
		return luaL_error(L, "event.recurrent: interval must be at least 1 ms");
	return schedule(L, ms, ms);
}

static struct lua_event *event_find(lua_State *L, const char *fname)
{
	if (lua_type(L, 1) != LUA_TNUMBER)
		luaL_argerror(L, 1, lua_pushfstring(L, "an event id expected, got %s", luaL_typename(L, 1)));
	int id = (int)lua_tointeger(L, 1);
	struct lua_event *ev = events;
	while (ev && ev->id != id)
		ev = ev->next;
	return ev;
}

static int l_event_cancel(lua_State *L)
{
	struct lua_event *ev = event_find(L, "event.cancel");
	if (ev)
		event_cancel(L, ev);
	lua_pushboolean(L, ev != NULL);
	return 1;
}

/**
 * event.reschedule(id, timeout): fire the timer timeout ms from now (a
 * recurrent event then keeps that interval). No effect on cancelled events
 * and socket watchers. @return true when rescheduled.
 */
static int l_event_reschedule(lua_State *L)
{
	struct lua_event *ev = event_find(L, "event.reschedule");
	uint64_t ms = check_ms(L, 2, "event.reschedule");
	bool ok = ev && !ev->is_poll;
	if (ok) {
		uint64_t repeat = uv_timer_get_repeat(&ev->h.timer) ? (ms ? ms : 1) : 0;
		uv_update_time(ev->h.timer.loop);
		ok = uv_timer_start(&ev->h.timer, event_cb, ms, repeat) == 0;
	}
	lua_pushboolean(L, ok);
	return 1;
}

static void poll_cb(uv_poll_t *poll, int status, int revents)
{
	struct lua_event *ev = poll->data;
	lua_State *L = the_daemon.L;
	event_push(L, ev);
	lua_pushinteger(L, status);
	lua_pushinteger(L, revents);
	event_call(L, ev, 3);
	/* an error (e.g. a closed descriptor) is reported once, then the watch ends */
	if (status < 0 && !uv_is_closing(&ev->h.handle))
		event_cancel(L, ev);
}

/** event.socket(fd, cb): call cb(id, status, events) when fd becomes readable. */
static int l_event_socket(lua_State *L)
{
	if (lua_type(L, 1) != LUA_TNUMBER)
		return luaL_argerror(L, 1, lua_pushfstring(L, "a file descriptor expected, got %s",
							   luaL_typename(L, 1)));
	lua_Number n = lua_tonumber(L, 1);
	if (n < 0 || n > 1 << 30 || n != (lua_Number)(int)n)
		return luaL_error(L, "event.socket: %f is not a file descriptor", n);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	struct lua_event *ev = event_new(L, 2);
	int ret = uv_poll_init(the_daemon.loop, &ev->h.poll, (int)n);
	if (ret != 0) {
		/* never initialised: no close callback, free it here */
		events = ev->next;
		luaL_unref(L, LUA_REGISTRYINDEX, ev->ref);
		free(ev);
		return luaL_error(L, "event.socket: cannot watch descriptor %d: %s", (int)n, uv_strerror(ret));
	}
	ev->is_poll = true;
	ev->h.poll.data = ev;
	ret = uv_poll_start(&ev->h.poll, UV_READABLE, poll_cb);
	if (ret != 0) {
		event_cancel(L, ev);
		return luaL_error(L, "event.socket: cannot watch descriptor %d: %s", (int)n, uv_strerror(ret));
	}
	lua_pushinteger(L, ev->id);
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
		{ "cancel", l_event_cancel }, { "reschedule", l_event_reschedule },
		{ "socket", l_event_socket }, { NULL, NULL },
	};
	lua_newtable(L);
	luaL_register(L, NULL, fns);
	lua_setglobal(L, "event");
}
