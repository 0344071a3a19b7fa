/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Lua engine: state, error locations, config files, CLI evaluation and
 * the core's global functions (verbose, option, mode, todname, ...). */
#include <ctype.h>
#include <grp.h>
#include <lauxlib.h>
#include <lualib.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config.h"
#include "config/prelude.lua.h"
#include "core/net/answer_cache.h"
#include "loader/loader.h"

/** Current config file being run (for error locations), or NULL. */
static const char *running_file;

/**
 * Lua shortens a long chunk name to "...END-OF-PATH:LINE:" (LUA_IDSIZE); give a
 * location in the running file its full path back.
 * @return the message pushed on the stack, or NULL when msg is left as it is.
 */
static const char *full_location(lua_State *L, const char *msg)
{
	if (!running_file || strncmp(msg, "...", 3) != 0)
		return NULL;
	size_t flen = strlen(running_file);
	for (const char *c = strchr(msg + 3, ':'); c; c = strchr(c + 1, ':')) {
		size_t n = (size_t)(c - (msg + 3));
		if (n > flen)
			break;
		if (isdigit((unsigned char)c[1]) && memcmp(running_file + flen - n, msg + 3, n) == 0)
			return lua_pushfstring(L, "%s%s", running_file, c);
	}
	return NULL;
}

/**
 * Message handler: make sure an error says where in the config it happened.
 * Errors raised in C bindings carry no location; take the innermost Lua frame
 * of the file being run.
 */
static int error_handler(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = "(error object is not a string)";
	const char *full = full_location(L, msg);
	if (full)
		msg = full;
	if (running_file) {
		lua_Debug ar;
		char want[512];
		snprintf(want, sizeof(want), "@%s", running_file);
		for (int level = 1; lua_getstack(L, level, &ar); ++level) {
			lua_getinfo(L, "Sl", &ar);
			if (ar.currentline <= 0 || strcmp(ar.source, want) != 0)
				continue;
			char prefix[600];
			snprintf(prefix, sizeof(prefix), "%s:%d:", running_file, ar.currentline);
			if (strncmp(msg, prefix, strlen(prefix)) == 0)
				break;   /* already located */
			/* The prelude's own location means nothing to the user: drop it. */
			if (strncmp(msg, "prelude:", 8) == 0) {
				const char *p = msg + 8;
				while (isdigit((unsigned char)*p))
					++p;
				if (p > msg + 8 && p[0] == ':' && p[1] == ' ')
					msg = p + 2;
			}
			lua_pushfstring(L, "%s %s", prefix, msg);
			return 1;
		}
	}
	lua_pushstring(L, msg);
	return 1;
}

/** Call the function on top with nargs, results left on the stack. @return 0 or the Lua error code. */
static int pcall_located(lua_State *L, int nargs, int nresults)
{
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, error_handler);
	lua_insert(L, base);
	int ret = lua_pcall(L, nargs, nresults, base);
	lua_remove(L, base);
	return ret;
}

int kr_config_run_file(const char *path)
{
	lua_State *L = the_daemon.L;
	const char *prev = running_file;
	running_file = path;
	int ret = luaL_loadfile(L, path);
	if (ret == 0)
		ret = pcall_located(L, 0, 0);
	else if (lua_isstring(L, -1) && full_location(L, lua_tostring(L, -1)))
		lua_remove(L, -2);   /* a syntax error: its location with the full path */
	running_file = prev;
	if (ret != 0) {
		const char *msg = lua_tostring(L, -1);
		fprintf(stderr, "%s\n", msg ? msg : "(unknown error)");
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}

char *kr__config_run_chunk(const char *code, size_t len, const char *path)
{
	lua_State *L = the_daemon.L;
	const char *prev = running_file;
	running_file = path;
	lua_pushfstring(L, "@%s", path);
	int ret = luaL_loadbuffer(L, code, len, lua_tostring(L, -1));
	lua_remove(L, -2);
	if (ret == 0)
		ret = pcall_located(L, 0, 0);
	else if (lua_isstring(L, -1) && full_location(L, lua_tostring(L, -1)))
		lua_remove(L, -2);
	running_file = prev;
	if (ret == 0)
		return NULL;
	const char *msg = lua_tostring(L, -1);
	char *out = strdup(msg ? msg : "(unknown error)");
	lua_pop(L, 1);
	return out ? out : strdup("out of memory");
}

char *kr_config_eval(const char *cmd)
{
	lua_State *L = the_daemon.L;
	int top = lua_gettop(L);
	/* An expression prints its value; otherwise run it as a statement. */
	lua_pushfstring(L, "return %s", cmd);
	int ret = luaL_loadbuffer(L, lua_tostring(L, -1), lua_objlen(L, -1), "cli");
	lua_remove(L, -2);
	if (ret != 0) {
		lua_pop(L, 1);
		ret = luaL_loadbuffer(L, cmd, strlen(cmd), "cli");
	}
	if (ret == 0)
		ret = pcall_located(L, 0, LUA_MULTRET);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	if (ret != 0) {
		const char *msg = lua_tostring(L, -1);
		lua_pushfstring(L, "error: %s\n", msg ? msg : "(unknown)");
		lua_remove(L, -2);
		luaL_addvalue(&b);
	} else {
		int n = lua_gettop(L) - top;
		for (int i = 1; i <= n; ++i) {
			lua_getglobal(L, "__kr_serialize");
			lua_pushvalue(L, top + i);
			if (lua_pcall(L, 1, 1, 0) != 0 || !lua_isstring(L, -1)) {
				lua_pop(L, 1);
				lua_pushstring(L, "?");
			}
			if (lua_objlen(L, -1) == 0) {
				lua_pop(L, 1);
				continue;
			}
			lua_pushliteral(L, "\n");
			lua_concat(L, 2);
			luaL_addvalue(&b);
		}
	}
	luaL_pushresult(&b);
	char *out = strdup(lua_tostring(L, -1));
	lua_settop(L, top);
	return out;
}

static int l_verbose(lua_State *L)
{
	if (lua_gettop(L) > 0)
		kr_log_set_verbose(lua_toboolean(L, 1));
	lua_pushboolean(L, kr_log_verbose());
	return 1;
}

static int l_option(lua_State *L)
{
	uint64_t flag = 0;
	const char *name = NULL;
	if (lua_type(L, 1) == LUA_TNUMBER) {
		/* a kres.query value: exactly one known flag */
		lua_Number n = lua_tonumber(L, 1);
		flag = n > 0 && n < 18446744073709551616.0 ? (uint64_t)n : 0;
		name = flag && (flag & (flag - 1)) == 0 ? kr_qflag_to_str(flag) : NULL;
		if (!name)
			return luaL_error(L, "option(%f): not a single query flag (use kres.query.NAME)", n);
	} else if (lua_type(L, 1) == LUA_TSTRING) {
		name = lua_tostring(L, 1);
		flag = kr_qflag_from_str(name);
		if (!flag)
			return luaL_error(L, "option('%s'): unknown option", name);
	} else {
		return luaL_argerror(L, 1, lua_pushfstring(L, "an option name such as 'NO_MINIMIZE' expected, got %s",
							   luaL_typename(L, 1)));
	}
	if (lua_gettop(L) > 1) {
		if (!lua_isboolean(L, 2))
			return luaL_argerror(L, 2, lua_pushfstring(L, "true or false expected, got %s",
								   luaL_typename(L, 2)));
		if (lua_toboolean(L, 2))
			the_daemon.ctx.options |= flag;
		else
			the_daemon.ctx.options &= ~flag;
	}
	lua_pushboolean(L, (the_daemon.ctx.options & flag) != 0);
	return 1;
}

/** reorder_RR([bool]): rotate records of RR sets in answers (KR_QF_REORDER_RR). */
static int l_reorder_rr(lua_State *L)
{
	if (lua_gettop(L) > 0 && !lua_isnil(L, 1)) {
		if (!lua_isboolean(L, 1))
			return luaL_argerror(L, 1, lua_pushfstring(L, "true or false expected, got %s",
								   luaL_typename(L, 1)));
		if (lua_toboolean(L, 1))
			the_daemon.ctx.options |= KR_QF_REORDER_RR;
		else
			the_daemon.ctx.options &= ~(uint64_t)KR_QF_REORDER_RR;
	}
	lua_pushboolean(L, (the_daemon.ctx.options & KR_QF_REORDER_RR) != 0);
	return 1;
}

static int l_mode(lua_State *L)
{
	uint64_t *o = &the_daemon.ctx.options;
	if (lua_gettop(L) > 0) {
		const char *m = luaL_checkstring(L, 1);
		uint64_t bits = strcmp(m, "strict") == 0 ? KR_QF_STRICT :
				strcmp(m, "permissive") == 0 ? KR_QF_PERMISSIVE : 0;
		if (!bits && strcmp(m, "normal") != 0)
			return luaL_error(L, "mode('%s'): expected 'strict', 'normal' or 'permissive'", m);
		*o = (*o & ~(uint64_t)(KR_QF_STRICT | KR_QF_PERMISSIVE)) | bits;
	}
	lua_pushstring(L, (*o & KR_QF_STRICT) ? "strict" : (*o & KR_QF_PERMISSIVE) ? "permissive" : "normal");
	return 1;
}

static int l_todname(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	uint8_t name[KR_DNAME_MAXLEN];
	int len = kr_dname_from_str(name, sizeof(name), s);
	if (len < 0)
		return luaL_error(L, "todname('%s'): invalid domain name", s);
	lua_pushlstring(L, (const char *)name, (size_t)len);
	return 1;
}

/** The package.path entries of a module directory. */
static void push_path_entries(lua_State *L, const char *dir)
{
	lua_pushfstring(L, ";%s/?.lua;%s/?/init.lua", dir, dir);
}

static int l_moduledir(lua_State *L)
{
	if (lua_gettop(L) > 0) {
		char *dir = strdup(luaL_checkstring(L, 1));
		if (!dir)
			return luaL_error(L, "out of memory");
		/* require() looks in the new directory instead of the old one */
		lua_getglobal(L, "package");
		if (lua_istable(L, -1)) {
			lua_getfield(L, -1, "path");
			const char *path = lua_tostring(L, -1);
			push_path_entries(L, the_daemon.ctx.moduledir);
			push_path_entries(L, dir);
			if (path) {
				luaL_gsub(L, path, lua_tostring(L, -2), lua_tostring(L, -1));
				lua_setfield(L, -5, "path");
			}
			lua_pop(L, 3);
		}
		lua_pop(L, 1);
		free(the_daemon.ctx.moduledir);
		the_daemon.ctx.moduledir = dir;
	}
	lua_pushstring(L, the_daemon.ctx.moduledir);
	return 1;
}

static char *hostname_set;

static int l_hostname(lua_State *L)
{
	if (lua_gettop(L) > 0 && !lua_isnil(L, 1)) {
		if (lua_type(L, 1) != LUA_TSTRING)
			return luaL_argerror(L, 1, lua_pushfstring(L, "string expected, got %s",
								   luaL_typename(L, 1)));
		char *h = strdup(lua_tostring(L, 1));
		if (!h)
			return luaL_error(L, "out of memory");
		free(hostname_set);
		hostname_set = h;
	}
	if (hostname_set) {
		lua_pushstring(L, hostname_set);
		return 1;
	}
	char buf[256];
	if (gethostname(buf, sizeof(buf)) != 0)
		return luaL_error(L, "hostname(): %s", strerror(errno));
	buf[sizeof(buf) - 1] = '\0';
	lua_pushstring(L, buf);
	return 1;
}

/** quit([status]): stop the daemon; kresd exits with status (default 0). */
static int l_quit(lua_State *L)
{
	if (!lua_isnoneornil(L, 1)) {
		lua_Integer status = luaL_checkinteger(L, 1);
		if (status < 0 || status > 255)
			return luaL_error(L, "quit(%d): the exit status must be from 0 to 255", (int)status);
		the_daemon.exit_status = (int)status;
	}
	kr__daemon_quit();
	return 0;
}

static int l_user(lua_State *L)
{
	const char *user = luaL_checkstring(L, 1);
	const char *group = luaL_optstring(L, 2, NULL);
	struct passwd *pw = getpwnam(user);
	if (!pw)
		return luaL_error(L, "invalid user name %s", user);
	gid_t gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr)
			return luaL_error(L, "invalid group name %s", group);
		gid = gr->gr_gid;
	}
	if (setgroups(0, NULL) != 0 && errno != EPERM)
		return luaL_error(L, "setgroups: %s", strerror(errno));
	if (setregid(gid, gid) != 0)
		return luaL_error(L, "setregid: %s", strerror(errno));
	if (setreuid(pw->pw_uid, pw->pw_uid) != 0)
		return luaL_error(L, "setreuid: %s", strerror(errno));
	lua_pushboolean(L, 1);
	return 1;
}

static int l_help(lua_State *L)
{
	static const char *text =
		"help()\n    show this help\n"
		"quit(), quit(status)\n    quit; kresd exits with status (default 0)\n"
		"hostname([name])\n    get or set the host name\n"
		"moduledir([dir])\n    get or set the plugin directory\n"
		"verbose(true|false)\n    toggle verbose logging\n"
		"option(opt[, true|false])\n    get or set a query option (e.g. NO_MINIMIZE)\n"
		"mode('strict'|'normal'|'permissive')\n    set the strictness of resolution\n"
		"reorder_RR([true|false])\n    rotate the records of RR sets in answers\n"
		"resolve(name, type[, class, options, callback])\n    resolve a query; callback(pkt, req) gets the answer\n"
		"todname(name)\n    a domain name in wire format\n"
		"user(name[, group])\n    drop privileges\n"
		"modules.load(name), modules.unload(name), modules.list()\n    manage plugins\n"
		"net.listen(addr[, port]), net.close(addr[, port]), net.list(), net.interfaces()\n    network\n"
		"event.after(time, fn), event.recurrent(interval, fn), event.reschedule(id, time), event.cancel(id)\n    timers (milliseconds)\n"
		"event.socket(fd, fn)\n    call fn(id, status, events) on activity of a file descriptor\n"
		"kres.type, kres.class, kres.rcode, kres.section, kres.query\n    DNS constants\n"
		"kres.dname2str(wire), kres.str2dname(name), kres.rr2str(record)\n    conversions\n"
		"worker.id, worker.count, worker.stats()\n    this process\n"
		"worker.answer_cache([bytes])\n    size the cache of whole answers (0: off), return its figures\n";
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	luaL_addstring(&b, text);
	/* Each loaded plugin's props, with their help lines. */
	for (size_t i = 0; i < the_daemon.ctx.plugin_count; ++i) {
		const struct kr_plugin *p = the_daemon.ctx.plugins[i];
		for (const struct kr_plugin_prop *pr = p->api->props; pr && pr->name; ++pr) {
			lua_pushfstring(L, "%s.%s()\n    %s\n", p->name, pr->name, pr->help ? pr->help : "");
			luaL_addvalue(&b);
		}
	}
	luaL_pushresult(&b);
	return 1;
}

static int l_worker_stats(lua_State *L)
{
	lua_newtable(L);
#define STAT(key, field) lua_pushnumber(L, (lua_Number)the_daemon.stats.field); lua_setfield(L, -2, key)
	/* as the reference lists them: udp, tcp, ipv4, ipv6 count outgoing queries */
	STAT("udp", out_udp); STAT("tcp", out_tcp); STAT("ipv4", out_ipv4); STAT("ipv6", out_ipv6);
	STAT("timeout", timeouts); STAT("concurrent", concurrent); STAT("queries", queries);
	STAT("dropped", dropped);
	/* more of ours */
	STAT("timeouts", timeouts); STAT("answered", answered); STAT("servfail", servfail);
	STAT("formerr", formerr); STAT("client_udp", udp); STAT("client_tcp", tcp);
#undef STAT
	return 1;
}

/** worker.answer_cache([bytes]): set the answer cache's memory limit (0: off); its figures. */
static int l_worker_answer_cache(lua_State *L)
{
	if (lua_gettop(L) >= 1 && !lua_isnil(L, 1)) {
		lua_Number n = luaL_checknumber(L, 1);
		if (n < 0 || n > (lua_Number)(1u << 30) || n != (lua_Number)(size_t)n)
			return luaL_error(L, "worker.answer_cache(bytes): a whole number of bytes in [0, 1073741824]");
		if (kr__answer_cache_set_size((size_t)n) != 0)
			return luaL_error(L, "worker.answer_cache(): out of memory");
	}
	struct kr_ac_stats st;
	kr__answer_cache_stats(&st);
	lua_newtable(L);
#define FIELD(key, val) lua_pushnumber(L, (lua_Number)(val)); lua_setfield(L, -2, key)
	FIELD("size", st.size); FIELD("used", st.used); FIELD("entries", st.entries);
	FIELD("hits", st.hits); FIELD("misses", st.misses); FIELD("stored", st.stored);
	FIELD("evicted", st.evicted); FIELD("flushes", st.flushes);
#undef FIELD
	lua_pushboolean(L, st.active);
	lua_setfield(L, -2, "active");
	return 1;
}

void kr__config_update_worker(void)
{
	lua_State *L = the_daemon.L;
	lua_getglobal(L, "worker");
	lua_pushnumber(L, the_daemon.fork_id);
	lua_setfield(L, -2, "id");
	lua_pushnumber(L, the_daemon.fork_count);
	lua_setfield(L, -2, "count");
	lua_pushnumber(L, getpid());
	lua_setfield(L, -2, "pid");
	lua_pop(L, 1);
	lua_pushnumber(L, getpid());
	lua_setglobal(L, "pid");
}

static void open_globals(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "verbose", l_verbose }, { "option", l_option }, { "mode", l_mode },
		{ "todname", l_todname }, { "moduledir", l_moduledir }, { "hostname", l_hostname },
		{ "quit", l_quit }, { "user", l_user }, { "help", l_help },
		{ "reorder_RR", l_reorder_rr }, { NULL, NULL },
	};
	for (const luaL_Reg *f = fns; f->name; ++f)
		lua_register(L, f->name, f->func);
	lua_pushnumber(L, getpid());
	lua_setglobal(L, "pid");
	lua_newtable(L);
	lua_pushnumber(L, the_daemon.fork_id);
	lua_setfield(L, -2, "id");
	lua_pushnumber(L, the_daemon.fork_count);
	lua_setfield(L, -2, "count");
	lua_pushnumber(L, getpid());
	lua_setfield(L, -2, "pid");
	lua_pushcfunction(L, l_worker_stats);
	lua_setfield(L, -2, "stats");
	lua_pushcfunction(L, l_worker_answer_cache);
	lua_setfield(L, -2, "answer_cache");
	lua_setglobal(L, "worker");
}

int kr_config_init(struct kr_daemon *d)
{
	lua_State *L = luaL_newstate();
	if (!L)
		return -ENOMEM;
	d->L = L;
	luaL_openlibs(L);
	/* require() finds Lua packages in the module directory too */
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "path");
	push_path_entries(L, d->ctx.moduledir ? d->ctx.moduledir : KR_MODULEDIR);
	lua_concat(L, 2);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
	open_globals(L);
	kr__config_open_kres(L);
	kr__config_open_net(L);
	kr__config_open_modules(L);
	kr__config_open_event(L);
	kr__config_open_map(L);
	if (luaL_loadbuffer(L, kr_prelude_lua, strlen(kr_prelude_lua), "=prelude") != 0 ||
	    lua_pcall(L, 0, 0, 0) != 0) {
		fprintf(stderr, "[config] prelude failed: %s\n", lua_tostring(L, -1));
		lua_close(L);
		d->L = NULL;
		return -EINVAL;
	}
	return 0;
}

void kr_config_deinit(struct kr_daemon *d)
{
	if (d->L) {
		kr__config_close_event(d->L);   /* no callback may run on a closed state */
		kr__config_unload_lua_modules(d->L);
		lua_close(d->L);
	}
	d->L = NULL;
	free(hostname_set);
	hostname_set = NULL;
}
