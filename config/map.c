/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * map(expr): evaluate an expression in every process of this rundir's group
 * (their control sockets rundir/tty/PID) and return the results ordered by
 * worker.id. Values travel as JSON: a control-socket line "__json EXPR"
 * answers {"id": worker.id, "value": ...} on one line.
 */
#include <dirent.h>
#include <lauxlib.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <jansson.h>
#include "config/config.h"

#define MAP_TIMEOUT_MS 2000
#define MAP_MAX_PROCS 256

char *kr_config_eval_json(const char *expr)
{
	lua_State *L = the_daemon.L;
	int top = lua_gettop(L);
	lua_pushfstring(L, "return %s", expr);
	int ret = luaL_loadbuffer(L, lua_tostring(L, -1), lua_objlen(L, -1), "map");
	if (ret == 0)
		ret = lua_pcall(L, 0, 1, 0);
	json_t *out = json_object();
	if (ret != 0) {
		const char *msg = lua_tostring(L, -1);
		json_object_set_new(out, "error", json_string(msg ? msg : "error"));
	} else {
		json_object_set_new(out, "id", json_integer(the_daemon.fork_id));
		char *value = kr__config_to_json(L, -1);
		json_t *v = value ? json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
		free(value);
		json_object_set_new(out, "value", v ? v : json_null());
	}
	lua_settop(L, top);
	char *text = json_dumps(out, JSON_COMPACT);
	json_decref(out);
	if (!text)
		return NULL;
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (!line) {
		free(text);
		return NULL;
	}
	memcpy(line + len, "\n", 2);
	return line;
}

/** Ask the process listening on path; @return its JSON line (malloc()ed) or NULL. */
static char *ask_process(const char *path, const char *expr)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t plen = strlen(path);
	if (plen >= sizeof(sa.sun_path))
		return NULL;
	memcpy(sa.sun_path, path, plen + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	char cmd[4096];
	int n = snprintf(cmd, sizeof(cmd), "__json %s\n", expr);
	if (n >= (int)sizeof(cmd) || write(fd, cmd, (size_t)n) != n)
		goto out;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (!(len && buf[len - 1] == '\n')) {
		if (poll(&p, 1, MAP_TIMEOUT_MS) <= 0)
			break;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		ssize_t got = read(fd, buf + len, cap - len - 1);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	if (buf)
		buf[len] = '\0';
	if (!len || buf[len - 1] != '\n') {
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

static int l_map(lua_State *L)
{
	const char *expr = luaL_checkstring(L, 1);
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s/tty", the_daemon.rundir);
	DIR *d = opendir(dir);
	json_t *results = json_array();
	for (struct dirent *e; d && (e = readdir(d));) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || json_array_size(results) >= MAP_MAX_PROCS)
			continue;   /* ".", "..", "PID.tmp" */
		char path[4500];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *line = pid == getpid() ? kr_config_eval_json(expr) : ask_process(path, expr);
		json_t *r = line ? json_loads(line, JSON_ALLOW_NUL, NULL) : NULL;
		free(line);
		if (!r)
			continue;   /* a process that died or does not answer */
		json_t *err = json_object_get(r, "error");
		if (err) {
			lua_pushfstring(L, "map: process %d: %s", (int)pid, json_string_value(err));
			json_decref(r);
			json_decref(results);
			closedir(d);
			return lua_error(L);
		}
		json_array_append_new(results, r);
	}
	if (d)
		closedir(d);
	/* Order by worker.id. */
	size_t n = json_array_size(results);
	lua_createtable(L, (int)n, 0);
	for (size_t k = 0; k < n; ++k) {
		size_t best = k;
		for (size_t j = k + 1; j < n; ++j)
			if (json_integer_value(json_object_get(json_array_get(results, j), "id")) <
			    json_integer_value(json_object_get(json_array_get(results, best), "id")))
				best = j;
		json_t *r = json_incref(json_array_get(results, best));
		json_array_set(results, best, json_array_get(results, k));
		json_array_set_new(results, k, r);
		char *value = json_dumps(json_object_get(r, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
		char errbuf[256];
		if (!value || kr__config_push_json(L, value, errbuf, sizeof(errbuf)) != 0)
			lua_pushnil(L);
		free(value);
		lua_rawseti(L, -2, (int)k + 1);
	}
	json_decref(results);
	return 1;
}

void kr__config_open_map(lua_State *L)
{
	lua_register(L, "map", l_map);
}
