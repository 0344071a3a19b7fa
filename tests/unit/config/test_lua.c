/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/lua.c: the Lua state, config files with FILE:LINE
 * error locations, CLI evaluation, the global functions (verbose, option,
 * mode, todname, moduledir, hostname, user, help, quit), the worker table,
 * and the prelude's units and env.
 * The daemon is set up as main() does; plugins come from $KRESD_MODULE_DIR.
 */
#include <check.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "core/net/worker.h"
#include "tests/unit/check_main.h"
#include "tests/unit/config/daemon_check.h"
#include "tests/unit/config/lua_check.h"

static uv_loop_t loop;

static void setup(void)
{
	const char *moduledir = getenv("KRESD_MODULE_DIR");
	daemon_up(&loop, moduledir && *moduledir ? moduledir : NULL, 2, 4);
	ck_assert_ptr_nonnull(the_daemon.L);
}

static void teardown(void)
{
	daemon_down(&loop);
}

/** Evaluate a Lua expression directly (not through kr_config_eval); it must not fail. */
static void push_lua(const char *expr)
{
	lua_State *L = the_daemon.L;
	char code[4096];
	snprintf(code, sizeof(code), "return %s", expr);
	int ret = luaL_loadstring(L, code) || lua_pcall(L, 0, 1, 0);
	ck_assert_msg(ret == 0, "%s: %s", expr, lua_tostring(L, -1));
}

/** Is the Lua expression true? */
static bool lua_true(const char *expr)
{
	push_lua(expr);
	bool ok = lua_toboolean(the_daemon.L, -1);
	lua_pop(the_daemon.L, 1);
	return ok;
}

#define ck_lua(expr) ck_assert_msg(lua_true(expr), "false: %s", (expr))

/** The CLI output of cmd compared with expect; the Lua stack is left as it was. */
#define ck_eval(cmd, expect) do { \
		int top_ = lua_gettop(the_daemon.L); \
		char *out_ = kr_config_eval(cmd); \
		ck_assert_ptr_nonnull(out_); \
		ck_assert_msg(strcmp(out_, (expect)) == 0, "%s: got '%s', expected '%s'", (cmd), out_, (expect)); \
		free(out_); \
		ck_assert_int_eq(lua_gettop(the_daemon.L), top_); \
	} while (0)

/** The CLI output of cmd is an error ("error: ...\n") mentioning part. */
#define ck_eval_error(cmd, part) do { \
		int top_ = lua_gettop(the_daemon.L); \
		char *out_ = kr_config_eval(cmd); \
		ck_assert_ptr_nonnull(out_); \
		ck_assert_msg(strncmp(out_, "error: ", 7) == 0 && strstr(out_, (part)) != NULL && \
			      out_[strlen(out_) - 1] == '\n', "%s: got '%s', expected an error with '%s'", \
			      (cmd), out_, (part)); \
		free(out_); \
		ck_assert_int_eq(lua_gettop(the_daemon.L), top_); \
	} while (0)

/** A temporary file with content. @return its path (malloc()ed). */
static char *temp_file(const char *content)
{
	char *path = strdup("/tmp/kresd-test-lua-XXXXXX");
	ck_assert_ptr_nonnull(path);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t len = strlen(content);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static char captured[8192];

/** Run a config file with stderr captured into `captured`. @return kr_config_run_file()'s result. */
static int run_file(const char *path)
{
	char cap_path[] = "/tmp/kresd-test-lua-err-XXXXXX";
	int cap = mkstemp(cap_path);
	ck_assert_int_ge(cap, 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(cap, STDERR_FILENO);
	int ret = kr_config_run_file(path);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ssize_t n = pread(cap, captured, sizeof(captured) - 1, 0);
	captured[n > 0 ? n : 0] = '\0';
	close(cap);
	unlink(cap_path);
	return ret;
}

/** Run a config file made of content; expect failure with "PATH:line: " and part in the message. */
static void ck_file_error(const char *content, int line, const char *part)
{
	char *path = temp_file(content);
	ck_assert_int_eq(run_file(path), -1);
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	ck_assert_msg(strncmp(captured, prefix, strlen(prefix)) == 0,
		      "expected '%s...', got '%s'", prefix, captured);
	ck_assert_msg(strstr(captured, part) != NULL, "expected '%s' in '%s'", part, captured);
	/* one line, the location given once */
	ck_assert_msg(strchr(captured, '\n') == captured + strlen(captured) - 1, "not one line: '%s'", captured);
	ck_assert_msg(strstr(captured + strlen(prefix), prefix) == NULL, "location repeated: '%s'", captured);
	unlink(path);
	free(path);
	/* the state stays usable */
	ck_lua("1 + 1 == 2");
}

/* --- kr_config_init --- */

START_TEST(init_globals)
{
	static const char *fns[] = {
		"verbose", "option", "mode", "todname", "moduledir", "hostname", "quit", "user",
		"help", "__kr_serialize", NULL,
	};
	for (const char **f = fns; *f; ++f) {
		char expr[128];
		snprintf(expr, sizeof(expr), "type(%s) == 'function'", *f);
		ck_lua(expr);
	}
	ck_lua("type(net.listen) == 'function' and type(modules.load) == 'function'");
	ck_lua("type(event.after) == 'function' and type(worker.stats) == 'function'");
	push_lua("pid");
	ck_assert_int_eq((int)lua_tonumber(the_daemon.L, -1), getpid());
	lua_pop(the_daemon.L, 1);
	/* the standard libraries are there */
	ck_lua("string.format('%d', 7) == '7' and math.floor(1.5) == 1 and type(os.time()) == 'number'");
}
END_TEST

START_TEST(init_deinit_twice)
{
	kr_config_deinit(&the_daemon);
	ck_assert_ptr_null(the_daemon.L);
	kr_config_deinit(&the_daemon);   /* harmless */
	ck_assert_int_eq(kr_config_init(&the_daemon), 0);
	ck_lua("kB == 1024");
}
END_TEST

/* --- kr_config_run_file --- */

START_TEST(run_file_good)
{
	char *path = temp_file(
		"-- a config file\n"
		"answer = 6 * 7\n"
		"local t = { 'a', 'b' }\n"
		"joined = table.concat(t, ',')\n"
		"cache_size = 100 * MB\n");
	ck_assert_int_eq(run_file(path), 0);
	ck_assert_str_eq(captured, "");
	ck_lua("answer == 42 and joined == 'a,b' and cache_size == 104857600");
	ck_lua("t == nil");   /* locals stay local */
	unlink(path);
	free(path);
}
END_TEST

START_TEST(run_file_syntax_error)
{
	ck_file_error("a = 1\nb = 2\nc = = 3\nd = 4\n", 3, "unexpected symbol");
	ck_file_error("x = {\n1,\n2\n\n", 5, "expected");
	ck_file_error("if true then\n  y = 1\n", 3, "'end' expected");
	ck_lua("a == nil and y == nil");   /* nothing of a file that did not compile ran */
}
END_TEST

START_TEST(run_file_lua_error)
{
	ck_file_error("a = 1\nerror('my own failure')\n", 2, "my own failure");
	ck_file_error("a = 1\n\nlocal n = nil\nprint(n.field)\n", 4, "attempt to index");
	/* inside a function of the file: the line where it failed */
	ck_file_error("local function f()\n  error('deep')\nend\n\nf()\n", 2, "deep");
	ck_file_error("x = nosuch_function()\n", 1, "attempt to call global 'nosuch_function'");
	/* the lines before the failure ran */
	ck_lua("a == 1");
}
END_TEST

START_TEST(run_file_binding_error)
{
	/* errors raised in C bindings have no location of their own: the file's line is added */
	ck_file_error("a = 1\nb = 2\noption('NOPE', true)\n", 3, "option('NOPE'): unknown option");
	ck_file_error("\n\n\n\nmodules.load('does-not-exist')\n", 5, "does-not-exist");
	ck_file_error("-- listen\nnet.listen('not-an-ip')\n", 2,
		      "net.listen: cannot listen on not-an-ip@53: not an IP address");
	ck_file_error("mode('strict')\nmode('weird')\n", 2, "mode('weird'): expected 'strict', 'normal' or 'permissive'");
	ck_file_error("todname('a..b')\n", 1, "todname('a..b'): invalid domain name");
	ck_file_error("\nnet.bufsize(1)\n", 2, "net.bufsize: 1 is outside 512-65535");
	/* through a function of the file: the line inside it */
	ck_file_error("local function go()\n  option('NOPE')\nend\ngo()\n", 2, "unknown option");
	/* argument errors of the Lua auxiliary library */
	ck_file_error("\n\noption()\n", 3, "bad argument #1 to 'option'");
	/* the declarative forms of the prelude point at the assignment */
	ck_file_error("x = 1\nmodules = 5\n", 2, "modules must be a table");
	ck_file_error("x = 1\n\nmodules = { 'does-not-exist' }\n", 3, "does-not-exist");
	ck_file_error("net = 'eth0'\n", 1, "net must be a table");
	ck_file_error("\nnet = { 'not-an-ip' }\n", 2, "not-an-ip@53: not an IP address");
	ck_file_error("env.HOME = 'x'\n", 1, "env is read-only");
}
END_TEST

START_TEST(run_file_declarative_error)
{
	/* an error inside the prelude's declarative forms points at the config line only */
	ck_file_error("-- plugins\nmodules = {\n\t'kresd_no_such_plugin',\n}\n", 4, "kresd_no_such_plugin");
	ck_assert_msg(strstr(captured, "prelude") == NULL, "%s", captured);
	ck_file_error("net = { 'not-an-ip' }\n", 1, "not an IP address");
	ck_assert_msg(strstr(captured, "prelude") == NULL, "%s", captured);
}
END_TEST

START_TEST(run_file_missing)
{
	ck_assert_int_eq(run_file("/nonexistent/kresd/config"), -1);
	ck_assert_msg(strstr(captured, "/nonexistent/kresd/config") != NULL, "%s", captured);
	ck_assert_msg(strstr(captured, "No such file") != NULL, "%s", captured);
	ck_lua("1 + 1 == 2");
}
END_TEST

START_TEST(run_file_after_failure)
{
	ck_file_error("first = true\nerror('stop')\n", 2, "stop");
	char *path = temp_file("second = true\n");
	ck_assert_int_eq(run_file(path), 0);
	ck_lua("first and second");
	unlink(path);
	free(path);
	/* a later CLI error is not located in the file run before */
	char *out = kr_config_eval("option('NOPE')");
	ck_assert_msg(strncmp(out, "error: ", 7) == 0 && strstr(out, "unknown option"), "%s", out);
	ck_assert_msg(strstr(out, "kresd-test-lua") == NULL, "%s", out);
	free(out);
}
END_TEST

/* --- kr_config_eval --- */

START_TEST(eval_expressions)
{
	ck_eval("1 + 1", "2\n");
	ck_eval("10 / 4", "2.5\n");
	ck_eval("'abc'", "abc\n");
	ck_eval("true", "true\n");
	ck_eval("nil", "nil\n");
	ck_eval("1, 'two', false", "1\ntwo\nfalse\n");
	ck_eval("{ 10, 20 }", "[1] => 10\n[2] => 20\n");
	ck_eval("{ b = 'x', a = 1 }", "[a] => 1\n[b] => x\n");
	ck_eval("{ a = 1, b = { c = 'x', d = { e = true } } }",
		"[a] => 1\n[b] => {\n    [c] => x\n    [d] => {\n        [e] => true\n    }\n}\n");
	ck_eval("{}", "");
	char *out = kr_config_eval("print");
	ck_assert(strncmp(out, "function: ", 10) == 0);
	free(out);
}
END_TEST

START_TEST(eval_statements)
{
	ck_eval("x = 5", "");
	ck_eval("x", "5\n");
	ck_eval("for i = 1, 3 do z = (z or 0) + i end", "");
	ck_eval("z", "6\n");
	ck_eval("local y = 1", "");
	ck_eval("y", "nil\n");
	ck_eval("function twice(v) return 2 * v end", "");
	ck_eval("twice(21)", "42\n");
	ck_eval("do return 'from a statement' end", "from a statement\n");
}
END_TEST

START_TEST(eval_errors)
{
	int top = lua_gettop(the_daemon.L);
	char *out = kr_config_eval("error('boom')");
	ck_assert_str_eq(out, "error: [string \"cli\"]:1: boom\n");
	free(out);
	out = kr_config_eval("nosuch()");
	ck_assert(strncmp(out, "error: ", 7) == 0);
	ck_assert(strstr(out, "nosuch") != NULL);
	free(out);
	out = kr_config_eval("x = = 1");
	ck_assert(strncmp(out, "error: ", 7) == 0);
	ck_assert(out[strlen(out) - 1] == '\n');
	free(out);
	ck_eval_error("option('NOPE')", "option('NOPE'): unknown option");
	ck_eval_error("error()", "(error object is not a string)");
	ck_eval_error("error({})", "(error object is not a string)");
	ck_assert_int_eq(lua_gettop(the_daemon.L), top);
	/* still usable */
	ck_eval("x = 1", "");
	ck_eval("x + 1", "2\n");
}
END_TEST

START_TEST(eval_serialize_failure)
{
	/* a value whose tostring fails is shown as '?' */
	ck_eval("{ [setmetatable({}, { __tostring = function () error('no') end })] = 1 }", "?\n");
	ck_eval("{ [setmetatable({}, { __tostring = function () return 'key' end })] = 1 }", "[key] => 1\n");
	/* and the next command works */
	ck_eval("'fine'", "fine\n");
}
END_TEST

/* --- the global functions --- */

START_TEST(fn_verbose)
{
	ck_eval("verbose(true)", "true\n");
	ck_assert(kr_log_verbose());
	ck_eval("verbose()", "true\n");
	ck_eval("verbose(false)", "false\n");
	ck_assert(!kr_log_verbose());
	ck_eval("verbose()", "false\n");
}
END_TEST

START_TEST(fn_option)
{
	ck_assert(!(the_daemon.ctx.options & KR_QF_NO_MINIMIZE));
	ck_eval("option('NO_MINIMIZE')", "false\n");
	ck_eval("option('NO_MINIMIZE', true)", "true\n");
	ck_assert(the_daemon.ctx.options & KR_QF_NO_MINIMIZE);
	ck_assert_uint_eq(the_daemon.ctx.options, KR_QF_NO_MINIMIZE);   /* nothing else */
	ck_eval("option('NO_MINIMIZE')", "true\n");
	ck_eval("option('NO_MINIMIZE', false)", "false\n");
	ck_assert_uint_eq(the_daemon.ctx.options, 0);
	ck_eval_error("option('NOPE', true)", "option('NOPE'): unknown option");
	ck_assert_uint_eq(the_daemon.ctx.options, 0);
	char *out = kr_config_eval("option()");
	ck_assert(strncmp(out, "error: ", 7) == 0);
	free(out);
	/* kres.query values work as names */
	ck_eval("option(kres.query.NO_0X20, true)", "true\n");
	ck_assert_uint_eq(the_daemon.ctx.options, KR_QF_NO_0X20);
	ck_eval("option('NO_0X20')", "true\n");
	ck_eval("option(kres.query.NO_0X20, false)", "false\n");
	ck_assert_uint_eq(the_daemon.ctx.options, 0);
	ck_eval_error("option(kres.query.NO_CACHE + kres.query.TCP, true)", "not a single query flag");
	ck_eval_error("option(3.5)", "not a single query flag");
	ck_eval_error("option({})", "bad argument #1 to 'option'");
	ck_eval_error("option('TCP', 1)", "bad argument #2 to 'option' (true or false expected, got number)");
	ck_assert_uint_eq(the_daemon.ctx.options, 0);
}
END_TEST

START_TEST(fn_reorder_rr)
{
	ck_eval("reorder_RR()", "false\n");
	ck_eval("reorder_RR(true)", "true\n");
	ck_assert_uint_eq(the_daemon.ctx.options, KR_QF_REORDER_RR);
	ck_eval("reorder_RR()", "true\n");
	ck_eval("option('REORDER_RR')", "true\n");
	ck_eval("reorder_RR(false)", "false\n");
	ck_assert_uint_eq(the_daemon.ctx.options, 0);
	ck_eval_error("reorder_RR('yes')", "bad argument #1 to 'reorder_RR' (true or false expected, got string)");
	ck_assert_uint_eq(the_daemon.ctx.options, 0);
	/* a bad argument in a config file says where */
	ck_file_error("-- reorder\n\nreorder_RR(1)\n", 3, "true or false expected");
}
END_TEST

START_TEST(fn_mode)
{
	ck_eval("mode()", "normal\n");
	ck_eval("mode('strict')", "strict\n");
	ck_assert(the_daemon.ctx.options & KR_QF_STRICT);
	ck_assert(!(the_daemon.ctx.options & KR_QF_PERMISSIVE));
	ck_eval("mode('permissive')", "permissive\n");
	ck_assert(!(the_daemon.ctx.options & KR_QF_STRICT));
	ck_assert(the_daemon.ctx.options & KR_QF_PERMISSIVE);
	ck_eval("mode()", "permissive\n");
	ck_eval_error("mode('bogus')", "mode('bogus'): expected 'strict', 'normal' or 'permissive'");
	ck_eval("mode()", "permissive\n");   /* unchanged by the failure */
	ck_eval("option('NO_MINIMIZE', true)", "true\n");
	ck_eval("mode('normal')", "normal\n");
	ck_assert_uint_eq(the_daemon.ctx.options, KR_QF_NO_MINIMIZE);   /* other flags kept */
}
END_TEST

START_TEST(fn_todname)
{
	push_lua("todname('example.com')");
	size_t len = 0;
	const char *s = lua_tolstring(the_daemon.L, -1, &len);
	ck_assert_uint_eq(len, 13);
	ck_assert(memcmp(s, "\7example\3com\0", 13) == 0);
	lua_pop(the_daemon.L, 1);
	ck_lua("todname('example.com.') == '\\7example\\3com\\0'");
	ck_lua("todname('.') == '\\0'");
	ck_lua("todname('Example.COM') == '\\7Example\\3COM\\0' or todname('Example.COM') == '\\7example\\3com\\0'");
	ck_eval_error("todname('a..b')", "todname('a..b'): invalid domain name");
	char long_label[128];
	snprintf(long_label, sizeof(long_label), "todname('%0*d.com')", 64, 0);
	char *out = kr_config_eval(long_label);
	ck_assert_msg(strstr(out, "invalid domain name") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(fn_moduledir)
{
	push_lua("moduledir()");
	ck_assert_str_eq(lua_tostring(the_daemon.L, -1), the_daemon.ctx.moduledir);
	lua_pop(the_daemon.L, 1);
	ck_eval("moduledir('/tmp/kresd-plugins')", "/tmp/kresd-plugins\n");
	ck_assert_str_eq(the_daemon.ctx.moduledir, "/tmp/kresd-plugins");
	ck_eval("moduledir()", "/tmp/kresd-plugins\n");
	/* require() looks in the module directory, the new one only */
	ck_lua("package.path:find('/tmp/kresd-plugins/?.lua', 1, true) ~= nil");
	ck_eval("moduledir('/tmp/kresd-plugins-2')", "/tmp/kresd-plugins-2\n");
	ck_lua("package.path:find('/tmp/kresd-plugins/?.lua', 1, true) == nil");
	ck_lua("package.path:find('/tmp/kresd-plugins-2/?.lua', 1, true) ~= nil");
	ck_lua("package.path:find('/tmp/kresd-plugins-2/?/init.lua', 1, true) ~= nil");
	ck_eval_error("moduledir({})", "bad argument #1 to 'moduledir'");
}
END_TEST

START_TEST(fn_require)
{
	/* a third-party package through package.path, and one in the module directory */
	char dir[] = "/tmp/kresd-test-lua-pkg-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/thirdparty.lua", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("local M = { name = ... }\nfunction M.twice(x) return 2 * x end\nreturn M\n", f);
	fclose(f);
	ck_assert_ptr_null(lua_run("package.path = '%s/?.lua;' .. package.path", dir));
	ck_lua("require('thirdparty').twice(21) == 42 and require('thirdparty').name == 'thirdparty'");
	ck_lua("package.loaded.thirdparty ~= nil");
	snprintf(path, sizeof(path), "%s/inmoddir.lua", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("return { ok = true }\n", f);
	fclose(f);
	ck_assert_ptr_null(lua_run("package.path = package.path:gsub('^[^;]*;', ''); moduledir('%s')", dir));
	ck_lua("require('inmoddir').ok == true");
	/* a missing package is a clear error */
	const char *err = lua_run("require('kresd_no_such_package')");
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, "module 'kresd_no_such_package' not found") != NULL, "%s", err);
	unlink(path);
	snprintf(path, sizeof(path), "%s/thirdparty.lua", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(fn_hostname)
{
	char host[256];
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	push_lua("hostname()");
	ck_assert_str_eq(lua_tostring(the_daemon.L, -1), host);
	lua_pop(the_daemon.L, 1);
	ck_eval("hostname('x')", "x\n");
	ck_eval("hostname()", "x\n");
	ck_eval("hostname('resolver.example')", "resolver.example\n");
	ck_eval("hostname()", "resolver.example\n");
	/* the system's name is untouched */
	char again[256];
	ck_assert_int_eq(gethostname(again, sizeof(again)), 0);
	ck_assert_str_eq(again, host);
}
END_TEST

START_TEST(fn_user)
{
	ck_eval_error("user('kresd-no-such-user')", "invalid user name kresd-no-such-user");
	ck_eval_error("user('root', 'kresd-no-such-group')", "invalid group name kresd-no-such-group");
	if (geteuid() == 0) {
		/* becoming who we are succeeds (this runs in a test's own process) */
		ck_eval("user('root')", "true\n");
		ck_assert_int_eq(getuid(), 0);
	}
}
END_TEST

START_TEST(fn_help)
{
	push_lua("help()");
	const char *h = lua_tostring(the_daemon.L, -1);
	ck_assert_ptr_nonnull(h);
	static const char *items[] = {
		"help()", "quit()", "hostname(", "moduledir(", "verbose(", "option(", "mode(",
		"todname(", "user(", "modules.load", "net.listen", "event.after", "worker.stats",
		"reorder_RR(", "resolve(", "event.reschedule", "event.socket", "kres.type", NULL,
	};
	for (const char **i = items; *i; ++i)
		ck_assert_msg(strstr(h, *i) != NULL, "help() lacks %s", *i);
	ck_assert(strstr(h, "hints.") == NULL);
	lua_pop(the_daemon.L, 1);
	/* a loaded plugin's props appear with their help lines */
	ck_assert_msg(lua_run("modules.load('hints')") == NULL, "%s", lua_run("modules.load('hints')"));
	push_lua("help()");
	h = lua_tostring(the_daemon.L, -1);
	ck_assert(strstr(h, "hints.get()\n    get('name'): ") != NULL);
	ck_assert(strstr(h, "hints.set()\n") != NULL);
	ck_assert(strstr(h, "hints.ttl()\n") != NULL);
	lua_pop(the_daemon.L, 1);
	ck_assert_ptr_null(lua_run("modules.unload('hints')"));
	ck_lua("not help():find('hints.', 1, true)");
}
END_TEST

START_TEST(fn_quit)
{
	ck_assert(!the_daemon.quitting);
	ck_eval("quit()", "");
	ck_assert(the_daemon.quitting);
}
END_TEST

START_TEST(fn_worker)
{
	ck_eval("worker.id", "2\n");
	ck_eval("worker.count", "4\n");
	push_lua("worker.pid");
	ck_assert_int_eq((int)lua_tonumber(the_daemon.L, -1), getpid());
	lua_pop(the_daemon.L, 1);
	static const char *fields[] = {
		/* the reference's */
		"udp", "tcp", "ipv4", "ipv6", "timeout", "concurrent", "queries", "dropped",
		/* ours */
		"answered", "servfail", "formerr", "timeouts", "client_udp", "client_tcp", NULL,
	};
	for (const char **f = fields; *f; ++f) {
		char expr[128];
		snprintf(expr, sizeof(expr), "worker.stats().%s == 0", *f);
		ck_lua(expr);
	}
	/* the counters are read when called */
	the_daemon.stats.queries = 7;
	the_daemon.stats.servfail = 3;
	the_daemon.stats.concurrent = 1;
	ck_eval("worker.stats().queries", "7\n");
	ck_lua("worker.stats().servfail == 3 and worker.stats().concurrent == 1 and worker.stats().udp == 0");
	/* udp, tcp, ipv4, ipv6 count outgoing queries; client_udp, client_tcp incoming ones */
	the_daemon.stats.out_udp = 5;
	the_daemon.stats.out_tcp = 6;
	the_daemon.stats.out_ipv4 = 8;
	the_daemon.stats.out_ipv6 = 3;
	the_daemon.stats.udp = 11;
	the_daemon.stats.tcp = 12;
	the_daemon.stats.timeouts = 2;
	ck_lua("worker.stats().udp == 5 and worker.stats().tcp == 6");
	ck_lua("worker.stats().ipv4 == 8 and worker.stats().ipv6 == 3");
	ck_lua("worker.stats().client_udp == 11 and worker.stats().client_tcp == 12");
	ck_lua("worker.stats().timeout == 2 and worker.stats().timeouts == 2");
	int n = 0;
	push_lua("worker.stats()");
	lua_pushnil(the_daemon.L);
	while (lua_next(the_daemon.L, -2)) {
		++n;
		lua_pop(the_daemon.L, 1);
	}
	lua_pop(the_daemon.L, 1);
	ck_assert_int_eq(n, 14);
}
END_TEST

/* --- the prelude --- */

START_TEST(prelude_units)
{
	ck_lua("kB == 1024 and MB == 1024 * 1024 and GB == 1024 * 1024 * 1024");
	ck_lua("100 * MB == 104857600");
	ck_lua("sec == 1000 and second == 1000");
	ck_lua("minute == 60000 and min == minute");
	ck_lua("hour == 3600000");
	ck_lua("day == 86400000");
	ck_eval("10 * sec", "10000\n");
}
END_TEST

START_TEST(prelude_env)
{
	const char *home = getenv("HOME");
	if (home) {
		push_lua("env.HOME");
		ck_assert_str_eq(lua_tostring(the_daemon.L, -1), home);
		lua_pop(the_daemon.L, 1);
	}
	setenv("KRESD_TEST_VARIABLE", "value 1", 1);
	ck_eval("env.KRESD_TEST_VARIABLE", "value 1\n");
	setenv("KRESD_TEST_VARIABLE", "value 2", 1);   /* read when asked */
	ck_eval("env.KRESD_TEST_VARIABLE", "value 2\n");
	unsetenv("KRESD_TEST_VARIABLE");
	ck_eval("env.KRESD_TEST_VARIABLE", "nil\n");
	char *out = kr_config_eval("env.X = 1");
	ck_assert_msg(strncmp(out, "error: ", 7) == 0 && strstr(out, "env is read-only"), "%s", out);
	free(out);
}
END_TEST

START_TEST(prelude_globals)
{
	/* plain globals are plain */
	ck_eval("plain = 3", "");
	ck_lua("rawget(_G, 'plain') == 3");
	/* modules and net stay tables reached through _G's metatable */
	ck_lua("rawget(_G, 'modules') == nil and type(modules) == 'table'");
	ck_lua("rawget(_G, 'net') == nil and type(net) == 'table'");
	ck_eval("modules = {}", "");
	ck_eval("net = {}", "");
	ck_lua("type(modules.load) == 'function' and type(net.listen) == 'function'");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("lua");
	unit_tcase(s, "kr_config_init", &fx, init_globals, init_deinit_twice);
	unit_tcase(s, "kr_config_run_file", &fx, run_file_good, run_file_syntax_error,
		   run_file_lua_error, run_file_binding_error, run_file_declarative_error,
		   run_file_missing, run_file_after_failure);
	unit_tcase(s, "kr_config_eval", &fx, eval_expressions, eval_statements, eval_errors,
		   eval_serialize_failure);
	unit_tcase(s, "verbose", &fx, fn_verbose);
	unit_tcase(s, "option", &fx, fn_option);
	unit_tcase(s, "mode", &fx, fn_mode);
	unit_tcase(s, "reorder_RR", &fx, fn_reorder_rr);
	unit_tcase(s, "require", &fx, fn_require);
	unit_tcase(s, "todname", &fx, fn_todname);
	unit_tcase(s, "moduledir", &fx, fn_moduledir);
	unit_tcase(s, "hostname", &fx, fn_hostname);
	unit_tcase(s, "user", &fx, fn_user);
	unit_tcase(s, "help", &fx, fn_help);
	unit_tcase(s, "quit", &fx, fn_quit);
	unit_tcase(s, "worker", &fx, fn_worker);
	unit_tcase(s, "prelude", &fx, prelude_units, prelude_env, prelude_globals);
	return unit_run(s);
}
