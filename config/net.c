/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The `net` table: listen, close, list, interfaces, bufsize, tcp_pipeline, tls. */
#include <lauxlib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "core/net/tls.h"

/** Listen on one address (string) for net.listen(): kinds are UDP+TCP or TLS. */
static void listen_one(lua_State *L, const char *addr, uint16_t port, unsigned kinds)
{
	int ret = kr_net_listen(&the_daemon.net, addr, port, kinds);
	if (ret == -EEXIST)
		return;   /* listening there already: nothing to do */
	if (ret != 0 && kinds == KR_EP_TLS && !the_daemon.net.tls)
		luaL_error(L, "net.listen: cannot listen on %s@%d: no TLS certificate (see the log)", addr, port);
	if (ret != 0)
		luaL_error(L, "net.listen: cannot listen on %s@%d%s: %s", addr, port,
			   kinds == KR_EP_TLS ? " (TLS)" : "",
			   ret == -EINVAL ? "not an IP address" : uv_strerror(ret));
}

/**
 * Listen on what is at idx: an address string, a list of them (recursively),
 * or an interface entry of net.interfaces() (its addr list).
 */
static void listen_value(lua_State *L, int idx, uint16_t port, unsigned kinds, int depth)
{
	int t = lua_type(L, idx);
	if (t == LUA_TSTRING) {
		listen_one(L, lua_tostring(L, idx), port, kinds);
		return;
	}
	if (t != LUA_TTABLE || depth > 8) {
		luaL_argerror(L, 1, lua_pushfstring(L, "an address, a list of addresses or an interface expected, got %s",
						    depth > 8 ? "tables nested too deep" : luaL_typename(L, idx)));
		return;
	}
	int abs = idx > 0 ? idx : lua_gettop(L) + idx + 1;
	lua_getfield(L, abs, "addr");
	if (lua_istable(L, -1) && lua_objlen(L, abs) == 0)
		listen_value(L, -1, port, kinds, depth + 1);   /* {addr = {...}, mac = ...} */
	lua_pop(L, 1);
	for (int i = 1;; ++i) {
		lua_rawgeti(L, abs, i);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			break;
		}
		listen_value(L, -1, port, kinds, depth + 1);
		lua_pop(L, 1);
	}
}

static int l_net_listen(lua_State *L)
{
	lua_Integer port = 53;
	if (lua_gettop(L) >= 2 && !lua_isnil(L, 2)) {
		port = luaL_checkinteger(L, 2);
		if (port < 1 || port > 65535)
			return luaL_error(L, "net.listen: port %d out of range 1-65535", (int)port);
	}
	if (!lua_isnoneornil(L, 3) && !lua_istable(L, 3))
		return luaL_argerror(L, 3, lua_pushfstring(L, "a table of flags such as {kind = 'dns'} expected, got %s",
							   luaL_typename(L, 3)));
	/* flags default to {tls = (port == 853)}, as in Knot Resolver */
	const char *kind = NULL;
	bool tls = port == 853;
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "kind");
		kind = lua_tostring(L, -1);
		lua_getfield(L, 3, "tls");
		if (!lua_isnil(L, -1) || kind)
			tls = lua_toboolean(L, -1);
		lua_pop(L, 2);   /* kind stays referenced by the flags table */
	}
	if (kind && strcmp(kind, "dns") != 0 && strcmp(kind, "tls") != 0)
		return luaL_error(L, "net.listen: kind '%s' is not supported by this build", kind);
	if (kind)
		tls = strcmp(kind, "tls") == 0;
	listen_value(L, 1, (uint16_t)port, tls ? KR_EP_TLS : KR_EP_UDP | KR_EP_TCP, 0);
	lua_pushboolean(L, 1);
	return 1;
}

/** net.tls(cert, key) loads the server certificate and key; net.tls() returns their paths. */
static int l_net_tls(lua_State *L)
{
	struct kr_net *net = &the_daemon.net;
	if (lua_gettop(L) > 0) {
		const char *cert = luaL_checkstring(L, 1);
		const char *key = luaL_checkstring(L, 2);
		char err[512];
		if (kr_net_tls_set(net, cert, key, err, sizeof(err)) != 0)
			return luaL_error(L, "net.tls: %s", err);
		lua_pushboolean(L, 1);
		return 1;
	}
	if (!net->tls || !net->tls->cert_path) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushstring(L, net->tls->cert_path);
	lua_pushstring(L, net->tls->key_path);
	return 2;
}

/** net.tls_padding(true | false | N): EDNS(0) padding of answers over TLS. */
static int l_net_tls_padding(lua_State *L)
{
	struct kr_net *net = &the_daemon.net;
	if (lua_gettop(L) > 0) {
		if (lua_isboolean(L, 1)) {
			net->tls_padding = lua_toboolean(L, 1) ? KR_TLS_PADDING_DEFAULT : 0;
		} else if (lua_isnumber(L, 1)) {
			lua_Number n = lua_tonumber(L, 1);
			if (n > 4096)
				return luaL_error(L, "net.tls_padding: block %d is over 4096 bytes", (int)n);
			net->tls_padding = n < 2 ? 0 : (unsigned)n;
		} else {
			return luaL_argerror(L, 1, "true, false or a block size expected");
		}
	}
	if (net->tls_padding < 2)
		lua_pushboolean(L, 0);
	else
		lua_pushnumber(L, net->tls_padding);
	return 1;
}

static int l_net_close(lua_State *L)
{
	const char *addr = luaL_checkstring(L, 1);
	lua_Integer port = luaL_optinteger(L, 2, 53);
	if (port < 1 || port > 65535)
		return luaL_error(L, "net.close: port %d out of range 1-65535", (int)port);
	lua_pushboolean(L, kr_net_close(&the_daemon.net, addr, (uint16_t)port) == 0);
	return 1;
}

static int l_net_list(lua_State *L)
{
	struct kr_net *net = &the_daemon.net;
	lua_createtable(L, (int)net->ep_count, 0);
	for (size_t i = 0; i < net->ep_count; ++i) {
		const struct kr_endpoint *ep = &net->eps[i];
		char ip[INET6_ADDRSTRLEN + 1];
		lua_createtable(L, 0, 2);
		lua_pushstring(L, ep->kind == KR_EP_TLS ? "tls" : "dns");
		lua_setfield(L, -2, "kind");
		lua_createtable(L, 0, 4);
		lua_pushstring(L, kr_net_addr_str(&ep->addr, ip, sizeof(ip)));
		lua_setfield(L, -2, "ip");
		bool v4 = ep->addr.ip.sa_family == AF_INET;
		lua_pushnumber(L, ntohs(v4 ? ep->addr.ip4.sin_port : ep->addr.ip6.sin6_port));
		lua_setfield(L, -2, "port");
		lua_pushstring(L, v4 ? "inet4" : "inet6");
		lua_setfield(L, -2, "family");
		lua_pushstring(L, ep->kind == KR_EP_UDP ? "udp" : "tcp");
		lua_setfield(L, -2, "protocol");
		lua_setfield(L, -2, "transport");
		lua_rawseti(L, -2, (int)i + 1);
	}
	return 1;
}

/** Table of interfaces: name -> { addr = {...}, mac = '..' }. */
static int l_net_interfaces(lua_State *L)
{
	uv_interface_address_t *ifs;
	int count;
	if (uv_interface_addresses(&ifs, &count) != 0)
		return luaL_error(L, "net.interfaces: cannot list interfaces");
	lua_newtable(L);
	for (int i = 0; i < count; ++i) {
		lua_getfield(L, -1, ifs[i].name);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			lua_newtable(L);
			lua_newtable(L);
			lua_setfield(L, -2, "addr");
			char mac[18];
			const unsigned char *m = (const unsigned char *)ifs[i].phys_addr;
			snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
			lua_pushstring(L, mac);
			lua_setfield(L, -2, "mac");
			lua_pushvalue(L, -1);
			lua_setfield(L, -3, ifs[i].name);
		}
		lua_getfield(L, -1, "addr");
		char ip[INET6_ADDRSTRLEN + 1];
		kr_net_addr_str((const union kr_sockaddr *)&ifs[i].address, ip, sizeof(ip));
		lua_pushstring(L, ip);
		lua_rawseti(L, -2, (int)lua_objlen(L, -2) + 1);
		lua_pop(L, 2);
	}
	uv_free_interface_addresses(ifs, count);
	return 1;
}

static int l_net_bufsize(lua_State *L)
{
	if (lua_gettop(L) > 0) {
		lua_Integer n = luaL_checkinteger(L, 1);
		if (n < 512 || n > 65535)
			return luaL_error(L, "net.bufsize: %d is outside 512-65535", (int)n);
		the_daemon.ctx.bufsize = (uint16_t)n;
	}
	lua_pushnumber(L, the_daemon.ctx.bufsize);
	return 1;
}

static int l_net_tcp_pipeline(lua_State *L)
{
	if (lua_gettop(L) > 0) {
		lua_Integer n = luaL_checkinteger(L, 1);
		if (n < 1 || n > 65535)
			return luaL_error(L, "net.tcp_pipeline: %d is outside 1-65535", (int)n);
		the_daemon.net.tcp_pipeline = (unsigned)n;
	}
	lua_pushnumber(L, the_daemon.net.tcp_pipeline);
	return 1;
}

/**
 * net.tcp_limits({idle_ms = N, max = N, per_client = N}): limits of client TCP
 * and TLS connections (each field optional); returns them all as a table.
 */
static int l_net_tcp_limits(lua_State *L)
{
	struct kr_net *net = &the_daemon.net;
	static const struct { const char *name; size_t off; lua_Integer min, max; } fields[] = {
		{ "idle_ms", offsetof(struct kr_net, tcp_idle_ms), 100, 3600000 },
		{ "max", offsetof(struct kr_net, tcp_max_conns), 1, 1000000 },
		{ "per_client", offsetof(struct kr_net, tcp_max_per_client), 1, 1000000 },
	};
	const size_t n = sizeof(fields) / sizeof(fields[0]);
	if (!lua_isnoneornil(L, 1)) {
		luaL_checktype(L, 1, LUA_TTABLE);
		lua_pushnil(L);
		while (lua_next(L, 1)) {
			const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
			size_t i = 0;
			while (i < n && strcmp(fields[i].name, key) != 0)
				++i;
			if (i == n)
				return luaL_error(L, "net.tcp_limits: unknown field '%s' (idle_ms, max, per_client)", key);
			lua_Integer v = luaL_checkinteger(L, -1);
			if (v < fields[i].min || v > fields[i].max)
				return luaL_error(L, "net.tcp_limits: %s %d is outside %d-%d", key, (int)v,
						  (int)fields[i].min, (int)fields[i].max);
			*(unsigned *)((char *)net + fields[i].off) = (unsigned)v;
			lua_pop(L, 1);
		}
	}
	lua_createtable(L, 0, (int)n);
	for (size_t i = 0; i < n; ++i) {
		lua_pushnumber(L, *(unsigned *)((char *)net + fields[i].off));
		lua_setfield(L, -2, fields[i].name);
	}
	return 1;
}

/** net.outgoing_v4('addr') / net.outgoing_v6('addr'): source address of upstream queries. */
static int outgoing(lua_State *L, int family, union kr_sockaddr *sa, const char *fname)
{
	if (lua_gettop(L) > 0) {
		if (lua_isnil(L, 1)) {
			memset(sa, 0, sizeof(*sa));
		} else {
			const char *addr = luaL_checkstring(L, 1);
			union kr_sockaddr n;
			if (kr_net_parse_addr(addr, 0, &n) != 0 || n.ip.sa_family != family)
				return luaL_error(L, "net.%s: '%s' is not an IPv%d address", fname, addr,
						  family == AF_INET ? 4 : 6);
			*sa = n;
		}
	}
	if (sa->ip.sa_family != family) {
		lua_pushnil(L);
		return 1;
	}
	char ip[INET6_ADDRSTRLEN + 1];
	lua_pushstring(L, kr_net_addr_str(sa, ip, sizeof(ip)));
	return 1;
}

static int l_net_outgoing_v4(lua_State *L)
{
	return outgoing(L, AF_INET, &the_daemon.net.outgoing_v4, "outgoing_v4");
}

static int l_net_outgoing_v6(lua_State *L)
{
	return outgoing(L, AF_INET6, &the_daemon.net.outgoing_v6, "outgoing_v6");
}

/** net.ipv4 = false, net.ipv6 = false: switch upstream address families. */
static int l_net_newindex(lua_State *L)
{
	const char *key = luaL_checkstring(L, 2);
	bool *flag = strcmp(key, "ipv4") == 0 ? &the_daemon.net.ipv4 :
		     strcmp(key, "ipv6") == 0 ? &the_daemon.net.ipv6 : NULL;
	if (!flag) {
		lua_rawset(L, 1);
		return 0;
	}
	if (!lua_isboolean(L, 3))
		return luaL_error(L, "net.%s must be true or false", key);
	*flag = lua_toboolean(L, 3);
	return 0;
}

/** net.ipv4, net.ipv6, and net.eth0 and the like: the addresses of that interface. */
static int l_net_index(lua_State *L)
{
	const char *name = luaL_checkstring(L, 2);
	if (strcmp(name, "ipv4") == 0 || strcmp(name, "ipv6") == 0) {
		lua_pushboolean(L, name[3] == '4' ? the_daemon.net.ipv4 : the_daemon.net.ipv6);
		return 1;
	}
	l_net_interfaces(L);
	lua_getfield(L, -1, name);
	if (lua_isnil(L, -1))
		return 1;
	/* the address list, which also answers .addr and .mac (net.eth0.addr[1]) */
	lua_getfield(L, -1, "addr");
	lua_newtable(L);
	for (int i = 1; i <= (int)lua_objlen(L, -2); ++i) {
		lua_rawgeti(L, -2, i);
		lua_rawseti(L, -2, i);
	}
	lua_setfield(L, -2, "addr");
	lua_getfield(L, -2, "mac");
	lua_setfield(L, -2, "mac");
	return 1;
}

void kr__config_open_net(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "listen", l_net_listen }, { "close", l_net_close }, { "list", l_net_list },
		{ "interfaces", l_net_interfaces }, { "bufsize", l_net_bufsize },
		{ "tcp_pipeline", l_net_tcp_pipeline }, { "outgoing_v4", l_net_outgoing_v4 },
		{ "outgoing_v6", l_net_outgoing_v6 }, { "tls", l_net_tls },
		{ "tls_padding", l_net_tls_padding }, { "tcp_limits", l_net_tcp_limits }, { NULL, NULL },
	};
	lua_newtable(L);
	luaL_register(L, NULL, fns);
	lua_newtable(L);
	lua_pushcfunction(L, l_net_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, l_net_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_setmetatable(L, -2);
	lua_setglobal(L, "net");
}
