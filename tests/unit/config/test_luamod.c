/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/luamod.c: modules written in Lua (moduledir/NAME.lua),
 * their init/deinit/config, their layers in the engine's call order (driven
 * by resolve(), answered locally, no network) and the errors around them.
 * A temporary module directory holds the test modules and links to the built
 * hints plugin of $KRESD_MODULE_DIR.
 */
#include <check.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "core/net/worker.h"
#include "loader/loader.h"
#include "tests/unit/config/daemon_check.h"
#include "tests/unit/config/lua_check.h"
#include "tests/unit/check_main.h"

static uv_loop_t loop;
static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/** The module used by most tests: counts requests, answers lua.lab TXT, rewrites rewrite.lab. */
static const char *counter_lua =
	"local M = { count = 0, finished = 0, inits = 0, name = ... }\n"
	"function M.init(m) M.inits = M.inits + 1; M.init_arg = m end\n"
	"function M.deinit() deinit_ran = (deinit_ran or 0) + 1 end\n"
	"function M.config(conf) M.conf = conf end\n"
	"M.layer = {\n"
	"  begin = function (state, req)\n"
	"    M.count = M.count + 1\n"
	"    return state\n"
	"  end,\n"
	"  produce = function (state, req, pkt)\n"
	"    local q = req:current()\n"
	"    if state ~= kres.PRODUCE or kres.dname2str(q.sname) ~= 'lua.lab.' then return state end\n"
	"    pkt:qr(true); pkt:aa(true)\n"
	"    pkt:begin(kres.section.ANSWER)\n"
	"    pkt:put(q.sname, 300, kres.class.IN, kres.type.TXT, '\\5hello')\n"
	"    pkt:rcode(kres.rcode.NOERROR)\n"
	"    return kres.DONE\n"
	"  end,\n"
	"  finish = function (state, req) M.finished = M.finished + 1 end,\n"
	"  answer_finalize = function (state, req)\n"
	"    local a = req.answer\n"
	"    if kres.dname2str(a:qname()) == 'rewrite.localhost.' then a:rcode(kres.rcode.REFUSED) end\n"
	"    return state\n"
	"  end,\n"
	"}\n"
	"return M\n";

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/kresd-test-luamod-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	const char *built = getenv("KRESD_MODULE_DIR");
	ck_assert_msg(built && *built, "KRESD_MODULE_DIR is not set");
	char from[PATH_MAX], to[PATH_MAX];
	static const char *links[] = { "hints.so", "hints.lua", NULL };
	for (const char **l = links; *l; ++l) {
		snprintf(from, sizeof(from), "%s/%s", built, *l);
		snprintf(to, sizeof(to), "%s/%s", dir, *l);
		char real[PATH_MAX];
		ck_assert_ptr_nonnull(realpath(from, real));
		ck_assert_int_eq(symlink(real, to), 0);
	}
	write_file("counter.lua", counter_lua);
	daemon_up(&loop, dir, 0, 0);
}

static void teardown(void)
{
	daemon_down(&loop);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

#define ck_lua(cond) do { \
		const char *err_ = lua_run("assert(%s)", (cond)); \
		ck_assert_msg(err_ == NULL, "false: %s (%s)", (cond), err_); \
	} while (0)

/** Capture stderr around code. */
static char captured[8192];
static int cap_fd = -1, saved_fd = -1;
static char cap_path[64];

static void capture_start(void)
{
	snprintf(cap_path, sizeof(cap_path), "/tmp/kresd-test-luamod-err-XXXXXX");
	cap_fd = mkstemp(cap_path);
	ck_assert_int_ge(cap_fd, 0);
	fflush(stderr);
	saved_fd = dup(STDERR_FILENO);
	dup2(cap_fd, STDERR_FILENO);
}

static void capture_end(void)
{
	fflush(stderr);
	dup2(saved_fd, STDERR_FILENO);
	close(saved_fd);
	ssize_t n = pread(cap_fd, captured, sizeof(captured) - 1, 0);
	captured[n > 0 ? n : 0] = '\0';
	close(cap_fd);
	unlink(cap_path);
}

/** resolve(name, type) and wait for its answer: sets globals rc and txt (first answer RDATA). */
static void resolve_wait(const char *name, const char *type)
{
	ck_ok("rc, txt = nil, nil; resolve('%s', kres.type.%s, kres.class.IN, 0, function (pkt)\n"
	      "  rc = pkt:rcode(); local r = pkt:section(kres.section.ANSWER)[1]; txt = r and r.rdata\n"
	      "end)", name, type);
	for (int i = 0; i < 500 && lua_run("assert(rc ~= nil)"); ++i) {
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	ck_lua("rc ~= nil");
}

/** Plugin names in call order, "a b c". */
static const char *order(void)
{
	static char buf[512];
	buf[0] = '\0';
	for (size_t i = 0; i < the_daemon.ctx.plugin_count; ++i) {
		if (i)
			strcat(buf, " ");
		strcat(buf, the_daemon.ctx.plugins[i]->name);
	}
	return buf;
}

/* --- loading --- */

START_TEST(load_basic)
{
	ck_lua("modules.load('counter') == true");
	ck_lua("type(counter) == 'table' and counter.name == 'counter'");
	ck_lua("counter.inits == 1 and counter.init_arg == counter");
	ck_assert_str_eq(order(), "counter");
	ck_lua("modules.list()[1] == 'counter'");
	struct kr_plugin *p = kr_loader_find(&the_daemon.ctx, "counter");
	ck_assert_ptr_nonnull(p);
	ck_assert(kr__config_is_lua_module(p));
	/* loading again keeps it */
	ck_lua("modules.load('counter') == true and counter.inits == 1");
	ck_assert_str_eq(order(), "counter");
	/* the config function as the declarative table calls it */
	ck_ok("modules = { counter = { answer = 42 } }");
	ck_lua("counter.conf.answer == 42");
}
END_TEST

START_TEST(load_global_form)
{
	/* a module that defines its global instead of returning it */
	write_file("globalmod.lua", "globalmod = { layer = {}, ok = true }\n");
	ck_lua("modules.load('globalmod') and globalmod.ok");
	ck_assert_str_eq(order(), "globalmod");
}
END_TEST

START_TEST(load_without_layer)
{
	/* a module driven by events only: no layer, so nothing runs per request */
	write_file("eventmod.lua", "return { init = function (m) m.ready = true end }\n");
	write_file("layermod.lua", "return { layer = {} }\n");
	ck_lua("modules.load('eventmod') and eventmod.ready");
	ck_lua("modules.load('layermod')");
	struct kr_plugin *p = kr_loader_find(&the_daemon.ctx, "eventmod");
	ck_assert_ptr_nonnull(p);
	ck_assert(kr__config_is_lua_module(p));
	ck_assert_ptr_null(p->api->layer);
	p = kr_loader_find(&the_daemon.ctx, "layermod");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(p->api->layer);
	ck_lua("modules.unload('eventmod') and eventmod == nil");
}
END_TEST

START_TEST(load_precedence)
{
	ck_ok("modules.load('hints')");
	ck_ok("modules.load('counter < hints')");
	ck_assert_str_eq(order(), "counter hints");
	ck_ok("modules.load('counter > hints')");
	ck_assert_str_eq(order(), "hints counter");
	ck_lua("counter.inits == 1");
	ck_ok("modules = { 'counter < hints' }");
	ck_assert_str_eq(order(), "counter hints");
	ck_fails("precedence refers to 'nope', which is not loaded", "modules.load('globalmod2 > nope')");
	write_file("other.lua", "return {}\n");
	ck_fails("module other: precedence refers to 'nope', which is not loaded", "modules.load('other > nope')");
	ck_lua("other == nil");
	ck_assert_str_eq(order(), "counter hints");
}
END_TEST

START_TEST(load_so_first)
{
	/* hints.so with its companion hints.lua is a C plugin, not a Lua module */
	ck_ok("modules.load('hints')");
	ck_assert(!kr__config_is_lua_module(kr_loader_find(&the_daemon.ctx, "hints")));
	ck_lua("type(hints.config) == 'function'");
}
END_TEST

START_TEST(load_errors)
{
	write_file("noret.lua", "local x = 1\n");
	ck_fails("module noret (", "modules.load('noret')");
	ck_fails("neither returns a table nor defines the global noret", "modules.load('noret')");
	write_file("syntax.lua", "return {\n  layer = {\n    begin = function ( end\n}\n");
	ck_fails("syntax.lua:3:", "modules.load('syntax')");
	write_file("boom.lua", "local M = {}\nerror('boom at load')\nreturn M\n");
	ck_fails("boom.lua:2: boom at load", "modules.load('boom')");
	write_file("badinit.lua", "return { init = function () error('no init today') end }\n");
	ck_fails("module badinit: init failed", "modules.load('badinit')");
	ck_fails("no init today", "modules.load('badinit')");
	ck_lua("badinit == nil and noret == nil and syntax == nil and boom == nil");
	ck_assert_str_eq(order(), "");
	/* the state goes on */
	ck_lua("modules.load('counter')");
}
END_TEST

START_TEST(load_error_location)
{
	/* a failing module loaded from a config file: the error names the config line */
	write_file("badinit.lua", "return { init = function () error('no init today') end }\n");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/config", dir);
	write_file("config", "-- first\n\nmodules.load('badinit')\n");
	capture_start();
	int ret = kr_config_run_file(path);
	capture_end();
	ck_assert_int_eq(ret, -1);
	char prefix[PATH_MAX + 16];
	snprintf(prefix, sizeof(prefix), "%s:3:", path);
	ck_assert_msg(strncmp(captured, prefix, strlen(prefix)) == 0, "got '%s'", captured);
	ck_assert_msg(strstr(captured, "no init today") != NULL, "got '%s'", captured);
}
END_TEST

START_TEST(unload)
{
	ck_ok("modules.load('counter')");
	ck_lua("modules.unload('counter') == true");
	ck_lua("counter == nil and deinit_ran == 1");
	ck_assert_str_eq(order(), "");
	ck_fails("plugin counter is not loaded", "modules.unload('counter')");
	/* loaded again from scratch */
	ck_lua("modules.load('counter') and counter.inits == 1");
	/* deinit runs when the configuration closes too, on the open state */
	write_file("marker.lua", "return { deinit = function () local f = io.open(marker_path, 'w'); "
		   "f:write('deinit'); f:close() end }\n");
	char marker[PATH_MAX];
	snprintf(marker, sizeof(marker), "%s/marker.out", dir);
	ck_ok("marker_path = '%s'; modules.load('marker')", marker);
	kr_config_deinit(&the_daemon);
	ck_assert_int_eq(access(marker, R_OK), 0);
	ck_assert_ptr_null(kr_loader_find(&the_daemon.ctx, "marker"));
	ck_assert_ptr_null(kr_loader_find(&the_daemon.ctx, "counter"));
	ck_assert_int_eq(kr_config_init(&the_daemon), 0);
}
END_TEST

/* --- layers --- */

START_TEST(layer_answers_and_counts)
{
	ck_ok("modules.load('hints')");
	ck_ok("modules.load('counter')");
	resolve_wait("lua.lab", "TXT");
	ck_lua("rc == kres.rcode.NOERROR and txt == '\\5hello'");
	ck_lua("counter.count == 1 and counter.finished == 1");
	/* hints answers localhost before the module's produce sees it */
	resolve_wait("localhost", "A");
	ck_lua("rc == 0 and txt == '\\127\\0\\0\\1' and counter.count == 2");
	/* answer_finalize rewrites an answer */
	ck_ok("hints['rewrite.localhost'] = '127.0.0.2'");
	resolve_wait("rewrite.localhost", "A");
	ck_lua("rc == kres.rcode.REFUSED and counter.count == 3");
	/* the layer follows changes of the table */
	ck_ok("counter.layer.begin = nil");
	resolve_wait("lua.lab", "TXT");
	ck_lua("counter.count == 3 and counter.finished == 4");
}
END_TEST

START_TEST(layer_order)
{
	/* before hints, the module answers localhost itself */
	write_file("first.lua",
		   "return { layer = { produce = function (state, req, pkt)\n"
		   "  if state ~= kres.PRODUCE then return state end\n"
		   "  pkt:qr(true); pkt:begin(kres.section.ANSWER)\n"
		   "  pkt:put(req:current().sname, 1, kres.class.IN, kres.type.A, '\\10\\0\\0\\1')\n"
		   "  return kres.DONE\n"
		   "end } }\n");
	ck_ok("modules.load('hints')");
	ck_ok("modules.load('first > hints')");
	resolve_wait("localhost", "A");
	ck_lua("txt == '\\127\\0\\0\\1'");
	ck_ok("modules.load('first < hints')");
	resolve_wait("localhost", "A");
	ck_lua("txt == '\\10\\0\\0\\1'");
}
END_TEST

START_TEST(layer_errors)
{
	write_file("failing.lua",
		   "return { layer = { begin = function (state, req)\n"
		   "  if mode_ == 'error' then error('layer boom') end\n"
		   "  if mode_ == 'bad' then return 77 end\n"
		   "  if mode_ == 'string' then return 'done' end\n"
		   "  if mode_ == 'fail' then return kres.FAIL end\n"
		   "  if mode_ == 'keep' then saved = req; return nil end\n"
		   "  return state\n"
		   "end } }\n");
	ck_ok("modules.load('hints')");
	ck_ok("modules.load('failing < hints')");
	static const char *modes[] = { "error", "bad", "string", "fail" };
	static const char *logs[] = { "layer boom", "returned 77, not a state", "returned a string, not a state", NULL };
	for (int i = 0; i < 4; ++i) {
		ck_ok("mode_ = '%s'", modes[i]);
		capture_start();
		resolve_wait("localhost", "A");
		capture_end();
		ck_lua("rc == kres.rcode.SERVFAIL");
		if (logs[i])
			ck_assert_msg(strstr(captured, logs[i]) && strstr(captured, "module failing: layer begin"),
				      "%s: log '%s'", modes[i], captured);
	}
	/* nil keeps the state; a request kept after the call is invalid */
	ck_ok("mode_ = 'keep'");
	resolve_wait("localhost", "A");
	ck_lua("rc == 0 and txt == '\\127\\0\\0\\1'");
	ck_fails("the request is no longer valid", "saved:current()");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("luamod");
	unit_tcase(s, "kr__config_load_lua_module", &fx, load_basic, load_global_form,
		   load_without_layer, load_precedence, load_so_first, load_errors, load_error_location);
	unit_tcase(s, "kr__config_unload_lua_modules", &fx, unload);
	unit_tcase(s, "layer", &fx, layer_answers_and_counts, layer_order, layer_errors);
	return unit_run(s);
}
