/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/modules.c: modules.load/unload/list, each plugin's
 * Lua table with its props bridged as JSON, and the declarative
 * `modules = {...}` of the prelude.
 * Plugins: the real hints ($KRESD_MODULE_DIR) and two test plugins built
 * from tests/unit/config/testmod.c (testmod_a, testmod_b; found in
 * $KRESD_TESTMOD_DIR, else $KRESD_BUILDDIR/tests/unit/config/.libs).
 * Each test gets a module directory of its own with links to them.
 */
#include <check.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "core/net/worker.h"
#include "loader/loader.h"
#include "tests/unit/check_main.h"
#include "tests/unit/config/daemon_check.h"

static uv_loop_t loop;
static char moddir[64];

/** Link dir/file into the test's module directory. */
static void link_in(const char *dir, const char *file)
{
	char from[4096], to[4096];
	snprintf(from, sizeof(from), "%s/%s", dir, file);
	snprintf(to, sizeof(to), "%s/%s", moddir, file);
	ck_assert_msg(access(from, R_OK) == 0, "%s is missing (built by make check)", from);
	ck_assert_int_eq(symlink(from, to), 0);
}

/** Write a file into the test's module directory. */
static void write_in(const char *file, const char *content)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", moddir, file);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

static void setup(void)
{
	const char *hints_dir = getenv("KRESD_MODULE_DIR");
	ck_assert_msg(hints_dir != NULL, "KRESD_MODULE_DIR is not set (run through make check)");
	char testmods[4096];
	const char *dir = getenv("KRESD_TESTMOD_DIR");
	const char *builddir = getenv("KRESD_BUILDDIR");
	snprintf(testmods, sizeof(testmods), "%s%s", dir ? dir : builddir ? builddir : ".",
		 dir ? "" : "/tests/unit/config/.libs");
	snprintf(moddir, sizeof(moddir), "/tmp/kresd-test-modules-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(moddir));
	link_in(hints_dir, "hints.so");
	link_in(hints_dir, "hints.lua");
	link_in(testmods, "testmod_a.so");
	link_in(testmods, "testmod_b.so");

	daemon_up(&loop, moddir, 0, 0);
}

static void teardown(void)
{
	daemon_down(&loop);
	static const char *files[] = {
		"hints.so", "hints.lua", "testmod_a.so", "testmod_b.so", "testmod_a.lua", "testmod_b.lua",
		"hosts", NULL,
	};
	for (const char **f = files; *f; ++f) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", moddir, *f);
		unlink(path);
	}
	rmdir(moddir);
}

/** Run Lua code; @return NULL on success, or the error message (static buffer). */
static const char *lua_run(const char *code)
{
	static char msg[2048];
	lua_State *L = the_daemon.L;
	int top = lua_gettop(L);
	const char *ret = NULL;
	if (luaL_loadstring(L, code) != 0 || lua_pcall(L, 0, 0, 0) != 0) {
		snprintf(msg, sizeof(msg), "%s", lua_tostring(L, -1));
		ret = msg;
	}
	lua_settop(L, top);
	return ret;
}

/** Run Lua code that must succeed. */
#define ck_ok(code) do { \
		const char *err_ = lua_run(code); \
		ck_assert_msg(err_ == NULL, "%s: %s", (code), err_); \
	} while (0)

/** Run Lua code that must fail with part in the message. */
#define ck_fails(code, part) do { \
		const char *err_ = lua_run(code); \
		ck_assert_msg(err_ != NULL, "%s: no error", (code)); \
		ck_assert_msg(strstr(err_, (part)) != NULL, "%s: '%s' lacks '%s'", (code), err_, (part)); \
	} while (0)

/** Is the Lua expression true? */
#define ck_lua(expr) do { \
		lua_State *L_ = the_daemon.L; \
		int ret_ = luaL_loadstring(L_, "return " expr) || lua_pcall(L_, 0, 1, 0); \
		ck_assert_msg(ret_ == 0, "%s: %s", (expr), lua_tostring(L_, -1)); \
		ck_assert_msg(lua_toboolean(L_, -1), "false: %s", (expr)); \
		lua_pop(L_, 1); \
	} while (0)

/** modules.list() as one string "a,b,c". */
static const char *list(void)
{
	static char out[512];
	lua_State *L = the_daemon.L;
	int ret = luaL_loadstring(L, "return table.concat(modules.list(), ',')") || lua_pcall(L, 0, 1, 0);
	ck_assert_msg(ret == 0, "%s", lua_tostring(L, -1));
	snprintf(out, sizeof(out), "%s", lua_tostring(L, -1));
	lua_pop(L, 1);
	return out;
}

/** The engine's order, as list() shows it, to check both agree. */
static const char *ctx_order(void)
{
	static char out[512];
	out[0] = '\0';
	for (size_t i = 0; i < the_daemon.ctx.plugin_count; ++i) {
		if (i)
			strcat(out, ",");
		strcat(out, the_daemon.ctx.plugins[i]->name);
	}
	return out;
}

#define ck_order(expect) do { \
		ck_assert_str_eq(list(), (expect)); \
		ck_assert_str_eq(ctx_order(), (expect)); \
	} while (0)

static const char deq_lua[] =
	"function deq(a, b)\n"
	"  if type(a) ~= type(b) then return false end\n"
	"  if type(a) ~= 'table' then return a == b end\n"
	"  for k, v in pairs(a) do if not deq(v, b[k]) then return false end end\n"
	"  for k in pairs(b) do if a[k] == nil then return false end end\n"
	"  return true\n"
	"end\n";

/* --- modules.load --- */

START_TEST(load_creates_table)
{
	ck_lua("hints == nil");
	ck_lua("modules.load('hints') == true");
	ck_lua("type(hints) == 'table'");
	static const char *props[] = { "config", "add_hosts", "set", "get", "del", "root", "root_file", "ttl", NULL };
	for (const char **p = props; *p; ++p) {
		char code[128];
		snprintf(code, sizeof(code), "assert(type(hints.%s) == 'function')", *p);
		ck_ok(code);
	}
	ck_order("hints");
	ck_assert_ptr_nonnull(kr_loader_find(&the_daemon.ctx, "hints"));
	/* the props reach the plugin */
	ck_lua("hints.get('localhost')[1] == '127.0.0.1'");
	ck_ok("hints.set('router.lan 192.0.2.1')");
	ck_lua("hints.get('router.lan')[1] == '192.0.2.1' and #hints.get('router.lan') == 1");
	ck_lua("hints.get('nothing.here') == nil");
	/* hints.lua (the companion in the module directory) ran: table sugar */
	ck_lua("hints['router.lan'][1] == '192.0.2.1'");
	ck_ok("hints['nas.lan'] = '192.0.2.2'");
	ck_lua("hints.get('nas.lan')[1] == '192.0.2.2'");
}
END_TEST

START_TEST(load_twice)
{
	ck_ok("modules.load('hints')");
	ck_ok("first = hints; rawset(hints, 'mine', 'kept'); hints.set('a.lan 192.0.2.9')");
	ck_lua("modules.load('hints') == true");
	ck_order("hints");
	/* the same table and the same plugin instance (its data kept) */
	ck_lua("hints == first and hints.mine == 'kept'");
	ck_lua("hints.get('a.lan')[1] == '192.0.2.9'");
}
END_TEST

START_TEST(load_errors)
{
	ck_fails("modules.load('does-not-exist')", "plugin does-not-exist: cannot load");
	ck_lua("rawget(_G, 'does-not-exist') == nil");
	ck_fails("modules.load('Bad Name')", "invalid plugin name");
	ck_fails("modules.load('')", "invalid plugin name");
	ck_fails("modules.load('a > ')", "invalid plugin declaration");
	ck_fails("modules.load()", "bad argument #1 to 'load'");
	ck_fails("modules.load('hints > testmod_a')", "precedence refers to 'testmod_a', which is not loaded");
	ck_order("");
	ck_lua("hints == nil");
}
END_TEST

START_TEST(load_precedence)
{
	ck_ok("modules.load('testmod_a')");
	ck_ok("modules.load('testmod_b < testmod_a')");
	ck_order("testmod_b,testmod_a");
	ck_ok("modules.load('hints > testmod_b')");
	ck_order("testmod_b,hints,testmod_a");
	/* the table of a plugin loaded by a declaration has its plain name */
	ck_lua("type(testmod_b.echo) == 'function' and type(hints.get) == 'function'");
	/* an already loaded plugin is moved, not loaded again */
	ck_ok("testmod_b.config('state')");
	ck_ok("modules.load('testmod_b > testmod_a')");
	ck_order("hints,testmod_a,testmod_b");
	ck_lua("testmod_b.seen() == '\"state\"'");
	/* whitespace does not matter, nor its absence */
	ck_ok("modules.load('  testmod_b   <   hints ')");
	ck_order("testmod_b,hints,testmod_a");
	ck_ok("modules.load('testmod_a<testmod_b')");
	ck_order("testmod_a,testmod_b,hints");
	/* a plain load of a loaded plugin keeps its place */
	ck_ok("modules.load('testmod_a')");
	ck_order("testmod_a,testmod_b,hints");
	/* bad references change nothing */
	ck_fails("modules.load('testmod_a > nosuch')", "precedence refers to 'nosuch'");
	ck_fails("modules.load('testmod_a > testmod_a')", "precedence refers to 'testmod_a'");
	ck_order("testmod_a,testmod_b,hints");
}
END_TEST

START_TEST(load_companion_lua)
{
	/* NAME.lua next to NAME.so runs once, after the table exists */
	write_in("testmod_b.lua",
		 "testmod_b.extra = function () return 'from lua' end\n"
		 "companion_runs = (companion_runs or 0) + 1\n");
	ck_ok("modules.load('testmod_b')");
	ck_lua("testmod_b.extra() == 'from lua' and companion_runs == 1");
	ck_ok("modules.load('testmod_b')");
	ck_lua("companion_runs == 1");
	/* a failing companion fails the load and leaves nothing behind */
	write_in("testmod_a.lua", "local x = 1\nerror('broken companion')\n");
	ck_fails("modules.load('testmod_a')", "plugin testmod_a: its Lua part failed:");
	ck_fails("modules.load('testmod_a')", "broken companion");
	ck_lua("testmod_a == nil");
	ck_order("testmod_b");
	ck_assert_ptr_null(kr_loader_find(&the_daemon.ctx, "testmod_a"));
}
END_TEST

/* --- the props: NAME.prop(...) --- */

START_TEST(prop_arguments)
{
	ck_ok(deq_lua);
	ck_ok("modules.load('testmod_a')");
	/* no argument: the plugin gets none (and its null comes back as nil) */
	ck_lua("testmod_a.echo() == nil");
	ck_lua("select('#', testmod_a.echo()) == 1");
	/* one argument as itself */
	ck_lua("testmod_a.echo(5) == 5");
	ck_lua("testmod_a.echo(-2.5) == -2.5");
	ck_lua("testmod_a.echo('text \"quoted\"') == 'text \"quoted\"'");
	ck_lua("testmod_a.echo(true) == true and testmod_a.echo(false) == false");
	ck_lua("deq(testmod_a.echo({ 1, 2, 3 }), { 1, 2, 3 })");
	ck_lua("deq(testmod_a.echo({ a = { b = { 'c' } }, d = 1 }), { a = { b = { 'c' } }, d = 1 })");
	/* several arguments as an array */
	ck_lua("deq(testmod_a.echo(1, 'two', { three = 3 }), { 1, 'two', { three = 3 } })");
	/* what JSON cannot express is refused before the plugin runs */
	ck_fails("testmod_a.echo(print)", "testmod_a.echo(): arguments cannot be expressed as JSON");
	ck_fails("testmod_a.echo(1, { f = print })", "arguments cannot be expressed as JSON");
}
END_TEST

START_TEST(prop_results)
{
	ck_ok("modules.load('testmod_a')");
	ck_ok("modules.load('testmod_b')");
	/* {"error": ...} becomes a Lua error naming the plugin and prop */
	ck_fails("testmod_a.fail()", "testmod_a.fail(): testmod_a failed on purpose");
	ck_fails("testmod_b.fail()", "testmod_b.fail(): testmod_b failed on purpose");
	/* no result, no values */
	ck_lua("select('#', testmod_a.nothing()) == 0");
	/* not JSON: an error, not garbage */
	ck_fails("testmod_a.garbage()", "testmod_a.garbage(): invalid JSON");
	/* each plugin's props reach that plugin */
	ck_ok("testmod_a.config('for a')");
	ck_ok("testmod_b.config('for b')");
	ck_lua("testmod_a.seen() == '\"for a\"' and testmod_b.seen() == '\"for b\"'");
}
END_TEST

START_TEST(prop_config)
{
	ck_ok("modules.load('testmod_a')");
	ck_lua("testmod_a.seen() == nil");
	ck_lua("select('#', testmod_a.config({ k = 'v' })) == 0");
	ck_lua("testmod_a.seen() == '{\"k\":\"v\"}'");
	ck_ok("testmod_a.config()");
	ck_lua("testmod_a.seen() == '(none)'");
	ck_ok("testmod_a.config(1, 2)");
	ck_lua("testmod_a.seen() == '[1,2]'");
	/* the plugin's refusal is an error */
	ck_fails("testmod_a.config('bad')", "testmod_a.config(): ");
	ck_lua("testmod_a.seen() == '[1,2]'");
	/* the real thing */
	ck_ok("modules.load('hints')");
	ck_ok("hints.config({ ttl = 60 })");
	ck_lua("hints.ttl() == 60");
	ck_fails("hints.config({ bogus = 1 })", "hints.config(): ");
}
END_TEST

START_TEST(prop_after_unload)
{
	ck_ok("modules.load('hints')");
	ck_ok("f = hints.get; t = hints; modules.unload('hints')");
	ck_fails("f('localhost')", "hints.get(): plugin hints is not loaded");
	ck_fails("t.set('x.lan 192.0.2.1')", "hints.set(): plugin hints is not loaded");
	ck_fails("t.config({})", "hints.config(): plugin hints is not loaded");
	/* loaded again, the old function reaches the new instance */
	ck_ok("modules.load('hints')");
	ck_lua("f('localhost')[1] == '127.0.0.1'");
	ck_lua("hints ~= t");
}
END_TEST

/* --- modules.unload --- */

START_TEST(unload)
{
	ck_ok("modules.load('hints')");
	ck_ok("modules.load('testmod_a')");
	ck_ok("modules.load('testmod_b')");
	ck_lua("modules.unload('testmod_a') == true");
	ck_lua("testmod_a == nil");
	ck_assert_ptr_null(kr_loader_find(&the_daemon.ctx, "testmod_a"));
	ck_order("hints,testmod_b");
	ck_ok("modules.unload('hints')");
	ck_lua("hints == nil");
	ck_order("testmod_b");
	/* twice, or never loaded: an error */
	ck_fails("modules.unload('hints')", "modules.unload('hints'): plugin hints is not loaded");
	ck_fails("modules.unload('nosuch')", "plugin nosuch is not loaded");
	ck_fails("modules.unload()", "bad argument #1 to 'unload'");
	ck_order("testmod_b");
	/* loaded again: a fresh table, the companion runs again, fresh plugin data */
	ck_ok("modules.load('hints')");
	ck_lua("type(hints.get) == 'function' and hints['localhost'][1] == '127.0.0.1'");
	ck_order("testmod_b,hints");
	ck_ok("testmod_b.config('x'); modules.unload('testmod_b'); modules.load('testmod_b')");
	ck_lua("testmod_b.seen() == nil");
}
END_TEST

/* --- modules.list --- */

START_TEST(list_order)
{
	ck_lua("type(modules.list()) == 'table' and #modules.list() == 0");
	ck_ok("modules.load('testmod_b')");
	ck_ok("modules.load('hints')");
	ck_ok("modules.load('testmod_a')");
	ck_order("testmod_b,hints,testmod_a");
	ck_lua("modules.list()[1] == 'testmod_b' and modules.list()[3] == 'testmod_a' and #modules.list() == 3");
	/* a fresh table each time */
	ck_ok("local l = modules.list(); l[1] = 'changed'");
	ck_order("testmod_b,hints,testmod_a");
}
END_TEST

/* --- the declarative form (prelude) --- */

START_TEST(declare_list)
{
	ck_ok("modules = { 'hints' }");
	ck_order("hints");
	ck_lua("type(hints.get) == 'function'");
	ck_ok("modules = { 'testmod_a', 'testmod_b < testmod_a' }");
	ck_order("hints,testmod_b,testmod_a");
	/* modules is still the table of functions */
	ck_lua("type(modules.load) == 'function' and rawget(_G, 'modules') == nil");
	ck_fails("modules = { 'does-not-exist' }", "does-not-exist");
	ck_fails("modules = { 5 }", "entries must be names");
	ck_fails("modules = 'hints'", "modules must be a table");
	ck_order("hints,testmod_b,testmod_a");
}
END_TEST

START_TEST(declare_config)
{
	ck_ok("modules = { hints = { ttl = 60 } }");
	ck_order("hints");
	ck_lua("hints.ttl() == 60");
	/* a hosts file, as the README's example does */
	char hosts[4200];
	snprintf(hosts, sizeof(hosts), "%s/hosts", moddir);
	write_in("hosts", "192.0.2.7 myhost.lan\n");
	char code[4400];
	snprintf(code, sizeof(code), "modules = { hints = '%s' }", hosts);
	ck_ok(code);
	ck_lua("hints.get('myhost.lan')[1] == '192.0.2.7'");
	/* the test plugins see exactly what was declared */
	ck_ok("modules = { testmod_a = { k = 'v' }, testmod_b = true }");
	ck_lua("testmod_a.seen() == '{\"k\":\"v\"}' and testmod_b.seen() == 'true'");
	/* with a place */
	ck_ok("modules = { ['testmod_b < hints'] = 'placed' }");
	ck_order("testmod_b,hints,testmod_a");
	ck_lua("testmod_b.seen() == '\"placed\"'");
	/* names and configured plugins together */
	ck_ok("modules.unload('testmod_a'); modules = { 'testmod_a', hints = { ttl = 5 } }");
	ck_lua("hints.ttl() == 5 and testmod_a ~= nil");
	/* a plugin refusing its configuration fails the assignment */
	ck_fails("modules = { testmod_a = 'bad' }", "testmod_a.config(): ");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("modules");
	unit_tcase(s, "modules.load", &fx, load_creates_table, load_twice, load_errors,
		   load_precedence, load_companion_lua);
	unit_tcase(s, "plugin props", &fx, prop_arguments, prop_results, prop_config,
		   prop_after_unload);
	unit_tcase(s, "modules.unload", &fx, unload);
	unit_tcase(s, "modules.list", &fx, list_order);
	unit_tcase(s, "declarative modules", &fx, declare_list, declare_config);
	return unit_run(s);
}
