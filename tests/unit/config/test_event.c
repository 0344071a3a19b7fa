/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/event.c: event.after, event.recurrent,
 * event.reschedule, event.cancel and event.socket on the daemon's libuv loop.
 */
#include <check.h>
#include <lauxlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "core/net/worker.h"
#include "tests/unit/config/daemon_check.h"
#include "tests/unit/config/lua_check.h"
#include "tests/unit/check_main.h"

static uv_loop_t loop;

static void setup(void)
{
	daemon_up(&loop, NULL, 0, 0);
}

static void teardown(void)
{
	daemon_down(&loop);
}

#define ck_lua(...) do { \
		char cond_[1024]; \
		snprintf(cond_, sizeof(cond_), __VA_ARGS__); \
		char code_[1100]; \
		snprintf(code_, sizeof(code_), "assert(%s)", cond_); \
		const char *err_ = lua_run("%s", code_); \
		ck_assert_msg(err_ == NULL, "false: %s (%s)", cond_, err_); \
	} while (0)

/** A Lua number global. */
static double global_num(const char *name)
{
	lua_getglobal(the_daemon.L, name);
	double v = lua_tonumber(the_daemon.L, -1);
	lua_pop(the_daemon.L, 1);
	return v;
}

/** Run the loop (without blocking) until the global reaches at least want, or ms pass. */
static void run_until(const char *name, double want, unsigned ms)
{
	uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;
	while (global_num(name) < want && uv_hrtime() < end) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(200);
	}
}

/** Run the loop for about ms milliseconds. */
static void run_for(unsigned ms)
{
	uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000;
	while (uv_hrtime() < end) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(200);
	}
}

/** Capture stderr around the next calls. */
static char cap_path[64];
static int cap_fd = -1, saved_fd = -1;

static void capture_start(void)
{
	snprintf(cap_path, sizeof(cap_path), "/tmp/kresd-test-event-XXXXXX");
	cap_fd = mkstemp(cap_path);
	ck_assert_int_ge(cap_fd, 0);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(cap_fd, STDERR_FILENO);
}

static const char *capture_end(void)
{
	static char text[4096];
	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	ssize_t n = pread(cap_fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(cap_fd);
	unlink(cap_path);
	return text;
}

/* --- event.after --- */

START_TEST(after_runs_once)
{
	ck_ok("n = 0; id = event.after(0, function () n = n + 1 end)");
	ck_lua("type(id) == 'number'");
	ck_lua("n == 0");   /* not before the loop runs */
	run_until("n", 1, 2000);
	ck_lua("n == 1");
	run_for(30);
	ck_lua("n == 1");
	/* done and gone: nothing left to cancel, nothing keeps the loop alive */
	ck_lua("event.cancel(id) == false");
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
}
END_TEST

START_TEST(after_delay_and_argument)
{
	ck_ok("got = nil; t0 = os.clock(); id = event.after(50, function (ev) got = ev; fired = 1 end)");
	uint64_t start = uv_hrtime();
	run_until("fired", 1, 3000);
	uint64_t elapsed_ms = (uv_hrtime() - start) / 1000000;
	ck_lua("fired == 1");
	ck_assert_msg(elapsed_ms >= 45, "fired after %u ms", (unsigned)elapsed_ms);
	/* the callback gets its event's id */
	ck_lua("got == id");
	/* ids differ */
	ck_ok("a = event.after(1000, print); b = event.after(1000, print)");
	ck_lua("a ~= b and a ~= id");
	ck_lua("event.cancel(a) and event.cancel(b)");
	/* a negative delay is no delay */
	ck_ok("m = 0; event.after(-5, function () m = m + 1 end)");
	run_until("m", 1, 2000);
	ck_lua("m == 1");
}
END_TEST

START_TEST(after_order)
{
	ck_ok("seq = ''; count = 0\n"
	      "event.after(40, function () seq = seq .. 'c'; count = count + 1 end)\n"
	      "event.after(0, function () seq = seq .. 'a'; count = count + 1 end)\n"
	      "event.after(20, function () seq = seq .. 'b'; count = count + 1 end)");
	run_until("count", 3, 3000);
	ck_lua("seq == 'abc'");
}
END_TEST

START_TEST(after_bad_arguments)
{
	ck_fails("bad argument #1 to 'after'", "event.after('soon', print)");
	ck_fails("bad argument #2 to 'after'", "event.after(10, 'not a function')");
	ck_fails("bad argument #2 to 'after'", "event.after(10)");
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
}
END_TEST

/* --- event.recurrent --- */

START_TEST(recurrent_until_cancel)
{
	ck_ok("r = 0; rid = event.recurrent(1, function () r = r + 1 end)");
	run_until("r", 3, 3000);
	ck_lua("r >= 3");
	ck_lua("event.cancel(rid) == true");
	double frozen = global_num("r");
	run_for(30);
	ck_assert(global_num("r") == frozen);
	ck_lua("event.cancel(rid) == false");
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
}
END_TEST

START_TEST(recurrent_cancel_inside)
{
	/* a callback may cancel its own event */
	ck_ok("r = 0; event.recurrent(1, function (id) r = r + 1; if r == 3 then assert(event.cancel(id)) end end)");
	run_until("r", 3, 3000);
	run_for(30);
	ck_lua("r == 3");
	/* ... or another one */
	ck_ok("x = 0; y = 0\n"
	      "xid = event.recurrent(1, function () x = x + 1 end)\n"
	      "event.after(20, function () y = 1; assert(event.cancel(xid)) end)");
	run_until("y", 1, 3000);
	double frozen = global_num("x");
	ck_assert(frozen >= 1);
	run_for(30);
	ck_assert(global_num("x") == frozen);
	/* a one-shot cancelling itself is no double free */
	ck_ok("z = 0; event.after(0, function (id) z = 1; assert(event.cancel(id)) end)");
	run_until("z", 1, 2000);
	ck_lua("z == 1");
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
}
END_TEST

START_TEST(recurrent_bad_interval)
{
	ck_fails("event.recurrent: interval must be at least 1 ms", "event.recurrent(0, print)");
	ck_fails("interval must be at least 1 ms", "event.recurrent(-1, print)");
	ck_fails("bad argument #2 to 'recurrent'", "event.recurrent(10, 42)");
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
}
END_TEST

/* --- event.cancel --- */

START_TEST(cancel)
{
	ck_lua("event.cancel(12345) == false");
	ck_lua("event.cancel(0) == false and event.cancel(-1) == false");
	ck_fails("bad argument #1 to 'cancel'", "event.cancel('x')");
	ck_ok("hit = 0; id = event.after(10, function () hit = 1 end)");
	ck_lua("event.cancel(id) == true");
	ck_lua("event.cancel(id) == false");
	run_for(50);
	ck_lua("hit == 0");
	/* the callback's reference is dropped: the function can be collected */
	ck_ok("weak = setmetatable({}, { __mode = 'k' })\n"
	      "local f = function () end\n"
	      "weak[f] = true\n"
	      "event.cancel(event.after(10, f))");
	ck_ok("f = nil; collectgarbage(); collectgarbage()");
	ck_lua("next(weak) == nil");
}
END_TEST

/* --- errors in callbacks --- */

START_TEST(callback_errors)
{
	capture_start();
	ck_ok("after_ran = 0; id1 = event.after(0, function () after_ran = 1; error('boom in after') end)");
	ck_ok("e = 0; rid = event.recurrent(1, function () e = e + 1; error('boom ' .. e) end)");
	run_until("e", 3, 3000);
	run_until("after_ran", 1, 1000);
	ck_lua("event.cancel(rid)");
	const char *log = capture_end();
	ck_lua("after_ran == 1 and e >= 3");
	/* logged with the event's id and message */
	ck_assert_msg(strstr(log, "boom in after") != NULL, "log: %s", log);
	ck_assert_msg(strstr(log, "boom 1") != NULL && strstr(log, "boom 3") != NULL, "log: %s", log);
	char part[64];
	lua_getglobal(the_daemon.L, "id1");
	snprintf(part, sizeof(part), "callback %d failed", (int)lua_tonumber(the_daemon.L, -1));
	lua_pop(the_daemon.L, 1);
	ck_assert_msg(strstr(log, part) != NULL, "log: %s", log);
	/* the state goes on */
	ck_ok("ok = 0; event.after(0, function () ok = 1 end)");
	run_until("ok", 1, 2000);
	ck_lua("ok == 1");
}
END_TEST

/* --- events pending when the configuration is closed --- */

START_TEST(pending_at_deinit)
{
	ck_ok("event.after(0, function () fired = 1 end)");
	ck_ok("event.after(100000, print)");
	ck_ok("event.recurrent(1, function () end)");
	/* closed before the loop ran them: they never run on the closed state (teardown
	 * runs the loop), and nothing leaks */
	kr_config_deinit(&the_daemon);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert(!uv_loop_alive(&loop));
	/* a new state starts with no events */
	ck_assert_int_eq(kr_config_init(&the_daemon), 0);
	ck_ok("assert(event.cancel(1) == false and event.cancel(2) == false and event.cancel(3) == false)");
}
END_TEST

/* --- the reference's `e.cancel(e)` --- */

START_TEST(id_methods)
{
	ck_ok("e = event.after(100000, print)");
	ck_lua("e.cancel(e) == true and e.cancel(e) == false");
	ck_ok("r = 0; e = event.after(100000, function () r = 1 end)");
	ck_lua("e.reschedule(e, 0) == true");
	run_until("r", 1, 2000);
	ck_lua("r == 1");
	/* any other index of a number is still an error */
	ck_fails("attempt to index a number value", "local n = 5; return n.foo");
	ck_fails("attempt to index local 'n' (a number value)", "local n = 5; n.cancel = 1");
}
END_TEST

/* --- event.reschedule --- */

START_TEST(reschedule_after)
{
	/* the reference's example: an event.after whose callback reschedules itself */
	ck_ok("n = 0; interval = 40; rid = event.after(1, function (ev)\n"
	      "  n = n + 1; ev_arg = ev\n"
	      "  interval = interval / 2\n"
	      "  if n < 4 then event.reschedule(ev, interval) end\n"
	      "end)");
	run_until("n", 4, 3000);
	ck_lua("n == 4 and ev_arg == rid");
	run_for(60);
	ck_lua("n == 4");
	/* done: the event is gone */
	ck_lua("event.reschedule(rid, 1) == false and event.cancel(rid) == false");
}
END_TEST

START_TEST(reschedule_pending)
{
	/* a far event brought forward, a near one pushed back */
	ck_ok("far = 0; fid = event.after(100000, function () far = 1 end)");
	ck_ok("near = 0; nid = event.after(5, function () near = 1 end)");
	ck_lua("event.reschedule(fid, 0) == true");
	ck_lua("event.reschedule(nid, 100000) == true");
	run_until("far", 1, 2000);
	run_for(30);
	ck_lua("far == 1 and near == 0");
	ck_lua("event.cancel(nid) == true");
	/* a recurrent event gets the new interval */
	ck_ok("r = 0; rid = event.recurrent(100000, function () r = r + 1 end)");
	ck_lua("event.reschedule(rid, 2)");
	run_until("r", 3, 2000);
	ck_lua("r >= 3 and event.cancel(rid)");
}
END_TEST

START_TEST(reschedule_bad_arguments)
{
	ck_lua("event.reschedule(12345, 10) == false");
	ck_fails("bad argument #1 to 'reschedule'", "event.reschedule('x', 10)");
	ck_fails("bad argument #2 to 'reschedule'", "event.reschedule(event.after(10, print), 'soon')");
	ck_fails("bad argument #2 to 'reschedule'", "event.reschedule(1)");
}
END_TEST

/* --- event.socket --- */

START_TEST(socket_activity)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_ok("got = 0; sid = event.socket(%d, function (e, status, events)\n"
	      "  got = got + 1; g_e, g_status, g_events = e, status, events\n"
	      "  event.cancel(e)\n"
	      "end)", fds[0]);
	run_for(20);
	ck_lua("got == 0");
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	run_until("got", 1, 2000);
	/* cancelled in its callback although the byte is still there */
	run_for(20);
	ck_lua("got == 1 and g_e == sid and g_status == 0 and g_events == 1");
	ck_lua("event.cancel(sid) == false");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(socket_recurring_until_cancel)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	ck_ok("got = 0; sid = event.socket(%d, function (e) got = got + 1 end)", fds[0]);
	ck_assert_int_eq(write(fds[1], "x", 1), 1);
	run_until("got", 3, 2000);   /* level-triggered: called while data waits */
	ck_lua("got >= 3 and event.cancel(sid)");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(socket_bad_arguments)
{
	ck_fails("bad argument #1 to 'socket'", "event.socket('x', print)");
	ck_fails("bad argument #2 to 'socket'", "event.socket(0, 'x')");
	ck_fails("is not a file descriptor", "event.socket(-1, print)");
	ck_fails("cannot watch descriptor 999", "event.socket(999, print)");
	/* a regular file cannot be polled */
	char path[] = "/tmp/kresd-test-event-file-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_fails("cannot watch descriptor", "event.socket(%d, print)", fd);
	close(fd);
	unlink(path);
	/* nothing was left behind by the failures */
	ck_lua("event.cancel(1) == false and event.cancel(2) == false");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("event");
	unit_tcase(s, "event.after", &fx, after_runs_once, after_delay_and_argument, after_order,
		   after_bad_arguments);
	unit_tcase(s, "event.recurrent", &fx, recurrent_until_cancel, recurrent_cancel_inside,
		   recurrent_bad_interval);
	unit_tcase(s, "event.cancel", &fx, cancel);
	unit_tcase(s, "event ids", &fx, id_methods);
	unit_tcase(s, "event.reschedule", &fx, reschedule_after, reschedule_pending,
		   reschedule_bad_arguments);
	unit_tcase(s, "event.socket", &fx, socket_activity, socket_recurring_until_cancel,
		   socket_bad_arguments);
	unit_tcase(s, "callback errors", &fx, callback_errors);
	unit_tcase(s, "kr_config_deinit", &fx, pending_at_deinit);
	return unit_run(s);
}
