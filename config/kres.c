/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The `kres` table (types, classes, rcodes, sections, query flags, layer
 * states, packet and request objects, name and record conversions) and
 * resolve(). Packets and requests handed to Lua live only during the callback
 * that receives them: each wrapper belongs to a scope, and using it after its
 * scope is closed is a Lua error, never a dangling pointer.
 */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "core/net/worker.h"

#define PKT_MT "kres.pkt"
#define REQ_MT "kres.request"

/* --- scopes --- */

#define SCOPE_MAX 64

static uint32_t scope_stack[SCOPE_MAX];
static int scope_depth;
static uint32_t scope_next = 1;

uint32_t kr__config_scope_open(void)
{
	uint32_t id = scope_next++;
	if (scope_next == 0)
		scope_next = 1;
	if (scope_depth < SCOPE_MAX)
		scope_stack[scope_depth] = id;
	++scope_depth;   /* beyond SCOPE_MAX: wrappers of the deepest scopes are never valid */
	return id;
}

void kr__config_scope_close(uint32_t scope)
{
	if (scope_depth > 0)
		--scope_depth;
	(void)scope;
}

static bool scope_alive(uint32_t scope)
{
	int n = scope_depth < SCOPE_MAX ? scope_depth : SCOPE_MAX;
	for (int i = n - 1; i >= 0; --i)
		if (scope_stack[i] == scope)
			return true;
	return false;
}

/** A borrowed C object in a Lua userdata. */
struct lua_ptr {
	void *ptr;
	uint32_t scope;
};

static void push_ptr(lua_State *L, void *ptr, uint32_t scope, const char *mt)
{
	if (!ptr) {
		lua_pushnil(L);
		return;
	}
	struct lua_ptr *u = lua_newuserdata(L, sizeof(*u));
	u->ptr = ptr;
	u->scope = scope;
	luaL_getmetatable(L, mt);
	lua_setmetatable(L, -2);
}

void kr__config_push_pkt(lua_State *L, kr_pkt_t *pkt, uint32_t scope)
{
	push_ptr(L, pkt, scope, PKT_MT);
}

void kr__config_push_req(lua_State *L, struct kr_request *req, uint32_t scope)
{
	push_ptr(L, req, scope, REQ_MT);
}

static struct lua_ptr *check_ptr(lua_State *L, int idx, const char *mt, const char *what)
{
	struct lua_ptr *u = luaL_checkudata(L, idx, mt);
	if (!u->ptr || !scope_alive(u->scope))
		luaL_error(L, "%s is no longer valid: it lives only during the callback that received it", what);
	return u;
}

static kr_pkt_t *check_pkt(lua_State *L, int idx)
{
	return check_ptr(L, idx, PKT_MT, "the packet")->ptr;
}

/* --- conversions --- */

/** Wire name from a Lua string argument (checked). */
static const uint8_t *check_wire_name(lua_State *L, int idx, const char *fname)
{
	size_t len;
	const char *s = luaL_checklstring(L, idx, &len);
	if (kr_dname_check((const uint8_t *)s, len) != (int)len)
		luaL_error(L, "%s: argument #%d is not a domain name in wire format (use todname())",
			   fname, idx);
	return (const uint8_t *)s;
}

static void push_dname(lua_State *L, const uint8_t *name)
{
	if (name)
		lua_pushlstring(L, (const char *)name, kr_dname_size(name));
	else
		lua_pushnil(L);
}

/** An RR type given as a number or a mnemonic ('AAAA'). */
static uint16_t check_rrtype(lua_State *L, int idx, const char *fname)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		int t = kr_rrtype_from_str(lua_tostring(L, idx));
		if (t < 0)
			luaL_error(L, "%s: unknown RR type '%s'", fname, lua_tostring(L, idx));
		return (uint16_t)t;
	}
	if (lua_type(L, idx) != LUA_TNUMBER)
		luaL_argerror(L, idx, lua_pushfstring(L, "an RR type (e.g. kres.type.A) expected, got %s",
						      luaL_typename(L, idx)));
	lua_Number n = lua_tonumber(L, idx);
	if (n < 0 || n > 65535 || n != (lua_Number)(uint16_t)n)
		luaL_error(L, "%s: argument #%d: %f is not an RR type", fname, idx, n);
	return (uint16_t)n;
}

static uint16_t opt_rrclass(lua_State *L, int idx, const char *fname)
{
	if (lua_isnoneornil(L, idx))
		return KR_CLASS_IN;
	if (lua_type(L, idx) == LUA_TSTRING) {
		int c = kr_rrclass_from_str(lua_tostring(L, idx));
		if (c < 0)
			luaL_error(L, "%s: unknown class '%s'", fname, lua_tostring(L, idx));
		return (uint16_t)c;
	}
	if (lua_type(L, idx) != LUA_TNUMBER)
		luaL_argerror(L, idx, lua_pushfstring(L, "a class (e.g. kres.class.IN) expected, got %s",
						      luaL_typename(L, idx)));
	lua_Number n = lua_tonumber(L, idx);
	if (n < 0 || n > 65535 || n != (lua_Number)(uint16_t)n)
		luaL_error(L, "%s: argument #%d: %f is not a class", fname, idx, n);
	return (uint16_t)n;
}

/**
 * Query flags: a number (sum of kres.query values), a flag name, or a table of
 * names or numbers.
 */
uint64_t kr__config_check_qflags(lua_State *L, int idx, const char *fname)
{
	switch (lua_type(L, idx)) {
	case LUA_TNONE:
	case LUA_TNIL:
		return 0;
	case LUA_TNUMBER: {
		lua_Number n = lua_tonumber(L, idx);
		if (n < 0 || n >= 18446744073709551616.0)
			luaL_error(L, "%s: %f is not a set of query flags", fname, n);
		return (uint64_t)n;
	}
	case LUA_TSTRING: {
		uint64_t f = kr_qflag_from_str(lua_tostring(L, idx));
		if (!f)
			luaL_error(L, "%s: unknown query flag '%s'", fname, lua_tostring(L, idx));
		return f;
	}
	case LUA_TTABLE: {
		uint64_t flags = 0;
		int abs = idx > 0 ? idx : lua_gettop(L) + idx + 1;
		for (int i = 1;; ++i) {
			lua_rawgeti(L, abs, i);
			if (lua_isnil(L, -1)) {
				lua_pop(L, 1);
				break;
			}
			flags |= kr__config_check_qflags(L, -1, fname);
			lua_pop(L, 1);
		}
		return flags;
	}
	default:
		luaL_error(L, "%s: query flags (a kres.query value, a name or a table of names) expected, got %s",
			   fname, luaL_typename(L, idx));
		return 0;
	}
}

static int l_dname2str(lua_State *L)
{
	const uint8_t *name = check_wire_name(L, 1, "kres.dname2str");
	char text[KR_DNAME_MAXTEXT];
	if (kr_dname_to_str(text, sizeof(text), name) < 0)
		return luaL_error(L, "kres.dname2str: cannot convert the name");
	lua_pushstring(L, text);
	return 1;
}

static int l_str2dname(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	uint8_t name[KR_DNAME_MAXLEN];
	int len = kr_dname_from_str(name, sizeof(name), s);
	if (len < 0)
		return luaL_error(L, "kres.str2dname('%s'): invalid domain name", s);
	lua_pushlstring(L, (const char *)name, (size_t)len);
	return 1;
}

/** Read a record table { owner=, ttl=, class=, type=, rdata= } into rr (RDATA malloc()ed). */
static void check_record(lua_State *L, int idx, kr_rrset_t *rr, const char *fname)
{
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_getfield(L, idx, "owner");
	lua_getfield(L, idx, "type");
	lua_getfield(L, idx, "class");
	lua_getfield(L, idx, "ttl");
	lua_getfield(L, idx, "rdata");
	int top = lua_gettop(L);
	size_t olen = 0, rdlen = 0;
	const char *owner = lua_tolstring(L, top - 4, &olen);
	if (!owner || lua_type(L, top - 4) != LUA_TSTRING ||
	    kr_dname_check((const uint8_t *)owner, olen) != (int)olen)
		luaL_error(L, "%s: the record's owner must be a domain name in wire format", fname);
	lua_Number t = lua_tonumber(L, top - 3), c = lua_isnil(L, top - 2) ? KR_CLASS_IN : lua_tonumber(L, top - 2);
	if (lua_type(L, top - 3) != LUA_TNUMBER || t < 0 || t > 65535)
		luaL_error(L, "%s: the record's type must be a number such as kres.type.A", fname);
	if ((!lua_isnil(L, top - 2) && lua_type(L, top - 2) != LUA_TNUMBER) || c < 0 || c > 65535)
		luaL_error(L, "%s: the record's class must be a number such as kres.class.IN", fname);
	uint16_t type = (uint16_t)t, rclass = (uint16_t)c;
	lua_Number ttl = lua_isnil(L, top - 1) ? 0 : luaL_checknumber(L, top - 1);
	if (ttl < 0 || ttl > 4294967295.0)
		luaL_error(L, "%s: the record's ttl is out of range", fname);
	const char *rdata = lua_tolstring(L, top, &rdlen);
	if (!rdata || lua_type(L, top) != LUA_TSTRING || rdlen > 65535)
		luaL_error(L, "%s: the record's rdata must be a string (wire format)", fname);
	kr_rrset_init(rr, (uint8_t *)owner, type, rclass, (uint32_t)ttl);
	if (kr_rrset_add_rdata(rr, (const uint8_t *)rdata, (uint16_t)rdlen, NULL) != 0)
		luaL_error(L, "%s: out of memory", fname);
	/* the strings stay referenced by the table at idx */
	lua_settop(L, top - 5);
}

static int l_rr2str(lua_State *L)
{
	kr_rrset_t rr;
	check_record(L, 1, &rr, "kres.rr2str");
	const size_t cap = KR_PKT_MAXSIZE * 4;
	char *buf = malloc(cap);
	int len = buf ? kr_rrset_to_str(&rr, buf, cap) : -ENOMEM;
	kr_rrset_clear(&rr, NULL);
	if (len >= 0)
		lua_pushlstring(L, buf, (size_t)len);
	free(buf);
	if (len < 0)
		return luaL_error(L, "kres.rr2str: %s", kr_strerror(len));
	return 1;
}

static void push_record(lua_State *L, const kr_rrset_t *rr, const struct kr_rdata *rd);

/** kres.str2rr('owner [TTL] [IN] TYPE rdata'): the record as a table, as rr2str takes it. */
static int l_str2rr(lua_State *L)
{
	const char *line = luaL_checkstring(L, 1);
	kr_rrset_t rr;
	if (kr_rrset_from_str(&rr, line, NULL, 0, NULL) != 0)
		return luaL_error(L, "kres.str2rr: not a record: %s", line);
	push_record(L, &rr, kr_rdataset_first(&rr.rrs));
	kr_rrset_clear(&rr, NULL);
	free(rr.owner);
	return 1;
}

/* --- kres.pkt_t --- */

static int l_pkt_rcode(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	if (!lua_isnoneornil(L, 2)) {
		lua_Integer rc = luaL_checkinteger(L, 2);
		if (rc < 0 || rc > 4095 || kr_pkt_set_rcode(pkt, (uint16_t)rc) != 0)
			return luaL_error(L, "pkt:rcode(%d): invalid rcode for this packet", (int)rc);
	}
	lua_pushinteger(L, kr_pkt_rcode(pkt));
	return 1;
}

static int l_pkt_id(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	if (!lua_isnoneornil(L, 2))
		kr_pkt_set_id(pkt, (uint16_t)luaL_checkinteger(L, 2));
	lua_pushinteger(L, kr_pkt_id(pkt));
	return 1;
}

static int l_pkt_opcode(lua_State *L)
{
	lua_pushinteger(L, kr_pkt_opcode(check_pkt(L, 1)));
	return 1;
}

static int l_pkt_qname(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	push_dname(L, pkt->qname_size ? pkt->qname : NULL);
	return 1;
}

static int l_pkt_qtype(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	lua_pushinteger(L, pkt->qtype);
	return 1;
}

static int l_pkt_qclass(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	lua_pushinteger(L, pkt->qclass);
	return 1;
}

/** pkt:aa([bool]) and the other header flags; the flag bit is the upvalue. */
static int l_pkt_flag(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	enum kr_pkt_flag flag = (enum kr_pkt_flag)lua_tointeger(L, lua_upvalueindex(1));
	if (!lua_isnoneornil(L, 2))
		kr_pkt_set_flag(pkt, flag, lua_toboolean(L, 2));
	lua_pushboolean(L, kr_pkt_flag(pkt, flag));
	return 1;
}

static enum kr_section check_section(lua_State *L, int idx, const char *fname)
{
	lua_Integer s = luaL_checkinteger(L, idx);
	if (s < KR_SECTION_ANSWER || s > KR_SECTION_ADDITIONAL)
		luaL_error(L, "%s: %d is not a section (kres.section.ANSWER, AUTHORITY or ADDITIONAL)",
			   fname, (int)s);
	return (enum kr_section)s;
}

static void push_record(lua_State *L, const kr_rrset_t *rr, const struct kr_rdata *rd)
{
	lua_createtable(L, 0, 5);
	push_dname(L, rr->owner);
	lua_setfield(L, -2, "owner");
	lua_pushnumber(L, rr->ttl);
	lua_setfield(L, -2, "ttl");
	lua_pushinteger(L, rr->rclass);
	lua_setfield(L, -2, "class");
	lua_pushinteger(L, rr->type);
	lua_setfield(L, -2, "type");
	lua_pushlstring(L, (const char *)rd->data, rd->len);
	lua_setfield(L, -2, "rdata");
}

/** pkt:section(n): the records of a section, one table per record (RDATA item). */
static int l_pkt_section(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	enum kr_section s = check_section(L, 2, "pkt:section");
	lua_newtable(L);
	int n = 0;
	for (uint16_t i = 0; i < kr_pkt_count(pkt, s); ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(pkt, s, i);
		if (!rr)
			continue;
		for (const struct kr_rdata *rd = kr_rdataset_first(&rr->rrs); rd;
		     rd = kr_rdataset_next(&rr->rrs, rd)) {
			push_record(L, rr, rd);
			lua_rawseti(L, -2, ++n);
		}
	}
	return 1;
}

static int l_pkt_begin(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	enum kr_section s = check_section(L, 2, "pkt:begin");
	int ret = kr_pkt_begin(pkt, s);
	if (ret != 0)
		return luaL_error(L, "pkt:begin: %s", kr_strerror(ret));
	return 0;
}

/** pkt:put(owner, ttl, class, type, rdata): append a record to the current section. */
static int l_pkt_put(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	const uint8_t *owner = check_wire_name(L, 2, "pkt:put");
	lua_Number ttl = luaL_checknumber(L, 3);
	uint16_t rclass = opt_rrclass(L, 4, "pkt:put");
	uint16_t type = check_rrtype(L, 5, "pkt:put");
	size_t rdlen;
	const char *rdata = luaL_checklstring(L, 6, &rdlen);
	if (ttl < 0 || ttl > 4294967295.0 || rdlen > 65535)
		return luaL_error(L, "pkt:put: ttl or rdata out of range");
	if (!pkt->mm)
		return luaL_error(L, "pkt:put: this packet cannot take records from Lua");
	/* The packet keeps a shallow copy: everything lives in the packet's memory. */
	kr_rrset_t *rr = kr_mm_alloc(pkt->mm, sizeof(*rr));
	uint8_t *o = rr ? kr_dname_copy(owner, pkt->mm) : NULL;
	if (!o)
		return luaL_error(L, "pkt:put: out of memory");
	kr_rrset_init(rr, o, type, rclass, (uint32_t)ttl);
	int ret = kr_rrset_add_rdata(rr, (const uint8_t *)rdata, (uint16_t)rdlen, pkt->mm);
	if (ret == 0)
		ret = kr_pkt_put(pkt, rr);
	if (ret != 0)
		return luaL_error(L, "pkt:put: %s", kr_strerror(ret));
	lua_pushboolean(L, 1);
	return 1;
}

static int l_pkt_towire(lua_State *L)
{
	kr_pkt_t *pkt = check_pkt(L, 1);
	lua_pushlstring(L, (const char *)pkt->wire, pkt->size);
	return 1;
}

static int l_pkt_tostring(lua_State *L)
{
	struct lua_ptr *u = luaL_checkudata(L, 1, PKT_MT);
	if (!u->ptr || !scope_alive(u->scope)) {
		lua_pushliteral(L, "kres.pkt_t (no longer valid)");
		return 1;
	}
	kr_pkt_t *pkt = u->ptr;
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	lua_pushfstring(L, ";; id %d, opcode %d, rcode %d, flags", (int)kr_pkt_id(pkt),
			(int)kr_pkt_opcode(pkt), (int)kr_pkt_rcode(pkt));
	luaL_addvalue(&b);
	static const struct { enum kr_pkt_flag f; const char *name; } flags[] = {
		{ KR_PKT_QR, " qr" }, { KR_PKT_AA, " aa" }, { KR_PKT_TC, " tc" }, { KR_PKT_RD, " rd" },
		{ KR_PKT_RA, " ra" }, { KR_PKT_AD, " ad" }, { KR_PKT_CD, " cd" },
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); ++i)
		if (kr_pkt_flag(pkt, flags[i].f))
			luaL_addstring(&b, flags[i].name);
	luaL_addstring(&b, "\n");
	if (pkt->qname_size) {
		char name[KR_DNAME_MAXTEXT], type[32], cls[32];
		kr_dname_to_str(name, sizeof(name), pkt->qname);
		kr_rrtype_to_str(pkt->qtype, type, sizeof(type));
		kr_rrclass_to_str(pkt->qclass, cls, sizeof(cls));
		lua_pushfstring(L, ";; QUESTION\n%s %s %s\n", name, cls, type);
		luaL_addvalue(&b);
	}
	static const char *names[] = { "ANSWER", "AUTHORITY", "ADDITIONAL" };
	char *buf = malloc(KR_PKT_MAXSIZE * 4);
	for (int s = KR_SECTION_ANSWER; buf && s <= KR_SECTION_ADDITIONAL; ++s) {
		uint16_t count = kr_pkt_count(pkt, (enum kr_section)s);
		if (!count)
			continue;
		lua_pushfstring(L, ";; %s\n", names[s]);
		luaL_addvalue(&b);
		for (uint16_t i = 0; i < count; ++i) {
			const kr_rrset_t *rr = kr_pkt_rr(pkt, (enum kr_section)s, i);
			if (rr && rr->type != KR_TYPE_OPT && kr_rrset_to_str(rr, buf, KR_PKT_MAXSIZE * 4) > 0)
				luaL_addstring(&b, buf);
		}
	}
	free(buf);
	luaL_pushresult(&b);
	return 1;
}

/** kres.pkt_t(x): x itself when it is a packet (Knot Resolver casts pointers this way). */
static int l_pkt_t(lua_State *L)
{
	check_pkt(L, 1);
	lua_settop(L, 1);
	return 1;
}

/* --- kres.request_t --- */

/** hasflag(query, flag) for the query tables of req:current() and req:resolved(). */
static int l_query_hasflag(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	uint64_t want = kr__config_check_qflags(L, 2, "query:hasflag");
	lua_getfield(L, 1, "flags");
	uint64_t flags = (uint64_t)lua_tonumber(L, -1);
	lua_pushboolean(L, want && (flags & want) == want);
	return 1;
}

/** A copy of a sub-query as a table: sname, stype, sclass, flags, uid, zone_cut.name, hasflag(). */
static void push_query(lua_State *L, const struct kr_query *q)
{
	if (!q) {
		lua_pushnil(L);
		return;
	}
	lua_createtable(L, 0, 8);
	push_dname(L, q->sname);
	lua_setfield(L, -2, "sname");
	lua_pushinteger(L, q->stype);
	lua_setfield(L, -2, "stype");
	lua_pushinteger(L, q->sclass);
	lua_setfield(L, -2, "sclass");
	lua_pushnumber(L, (lua_Number)q->flags);
	lua_setfield(L, -2, "flags");
	lua_pushnumber(L, q->uid);
	lua_setfield(L, -2, "uid");
	lua_createtable(L, 0, 1);
	push_dname(L, q->zone_cut);
	lua_setfield(L, -2, "name");
	lua_setfield(L, -2, "zone_cut");
	lua_pushcfunction(L, l_query_hasflag);
	lua_setfield(L, -2, "hasflag");
}

static int l_req_current(lua_State *L)
{
	struct kr_request *req = check_ptr(L, 1, REQ_MT, "the request")->ptr;
	push_query(L, req->current_query ? req->current_query : kr_rplan_current(&req->rplan));
	return 1;
}

/** req:resolved(): the last resolved sub-query (the client's own one at the end). */
static int l_req_resolved(lua_State *L)
{
	struct kr_request *req = check_ptr(L, 1, REQ_MT, "the request")->ptr;
	const struct kr_rplan *rp = &req->rplan;
	push_query(L, rp->resolved_len ? rp->resolved[rp->resolved_len - 1] : NULL);
	return 1;
}

static int l_req_index(lua_State *L)
{
	struct lua_ptr *u = check_ptr(L, 1, REQ_MT, "the request");
	struct kr_request *req = u->ptr;
	const char *key = luaL_checkstring(L, 2);
	if (strcmp(key, "current") == 0) {
		lua_pushcfunction(L, l_req_current);
	} else if (strcmp(key, "resolved") == 0) {
		lua_pushcfunction(L, l_req_resolved);
	} else if (strcmp(key, "answer") == 0) {
		push_ptr(L, req->answer, u->scope, PKT_MT);
	} else if (strcmp(key, "state") == 0) {
		lua_pushinteger(L, req->state);
	} else if (strcmp(key, "options") == 0) {
		lua_pushnumber(L, (lua_Number)req->options);
	} else if (strcmp(key, "uid") == 0) {
		lua_pushnumber(L, req->uid);
	} else if (strcmp(key, "qsource") == 0) {
		lua_createtable(L, 0, 4);
		if (req->qsource.addr) {
			char ip[INET6_ADDRSTRLEN + 1];
			lua_pushstring(L, kr_net_addr_str((const union kr_sockaddr *)req->qsource.addr,
							  ip, sizeof(ip)));
			lua_setfield(L, -2, "addr");
		}
		lua_pushboolean(L, (req->qsource.flags & KR_REQ_TCP) != 0);
		lua_setfield(L, -2, "tcp");
		lua_pushboolean(L, (req->qsource.flags & KR_REQ_INTERNAL) != 0);
		lua_setfield(L, -2, "internal");
		push_ptr(L, (void *)req->qsource.packet, u->scope, PKT_MT);
		lua_setfield(L, -2, "packet");
	} else {
		lua_pushnil(L);
	}
	return 1;
}

static int l_request_t(lua_State *L)
{
	check_ptr(L, 1, REQ_MT, "the request");
	lua_settop(L, 1);
	return 1;
}

/* --- resolve() --- */

struct resolve_baton {
	lua_State *L;
	int cb_ref;   /**< LUA_NOREF without a callback */
};

static void resolve_done_cb(struct kr_request *req, void *baton)
{
	struct resolve_baton *b = baton;
	lua_State *L = the_daemon.L;
	if (L && L == b->L && b->cb_ref != LUA_NOREF) {
		uint32_t scope = kr__config_scope_open();
		lua_rawgeti(L, LUA_REGISTRYINDEX, b->cb_ref);
		kr__config_push_pkt(L, req->answer, scope);
		kr__config_push_req(L, req, scope);
		if (lua_pcall(L, 2, 0, 0) != 0) {
			kr_log_error(config, "resolve() callback failed: %s", lua_tostring(L, -1));
			lua_pop(L, 1);
		}
		kr__config_scope_close(scope);
		luaL_unref(L, LUA_REGISTRYINDEX, b->cb_ref);
	}
	free(b);
}

/**
 * resolve(qname, qtype[, qclass, options, callback]) or
 * resolve{name=, type=, class=, options=, finish=}.
 */
static int l_resolve(lua_State *L)
{
	if (lua_istable(L, 1) && lua_gettop(L) == 1) {
		static const char *keys[] = { "name", "type", "class", "options", "finish" };
		for (int i = 0; i < 5; ++i)
			lua_getfield(L, 1, keys[i]);
		lua_remove(L, 1);
		if (lua_isnil(L, 2)) {
			lua_pushinteger(L, KR_TYPE_A);
			lua_replace(L, 2);
		}
	}
	const char *qname = luaL_checkstring(L, 1);
	uint8_t name[KR_DNAME_MAXLEN];
	if (kr_dname_from_str(name, sizeof(name), qname) < 0)
		return luaL_error(L, "resolve: '%s' is not a valid domain name", qname);
	uint16_t qtype = check_rrtype(L, 2, "resolve");
	uint16_t qclass = opt_rrclass(L, 3, "resolve");
	uint64_t options = kr__config_check_qflags(L, 4, "resolve");
	if (!lua_isnoneornil(L, 5) && !lua_isfunction(L, 5))
		return luaL_argerror(L, 5, lua_pushfstring(L, "a callback function expected, got %s",
							   luaL_typename(L, 5)));
	struct resolve_baton *b = calloc(1, sizeof(*b));
	if (!b)
		return luaL_error(L, "resolve: out of memory");
	b->L = L;
	b->cb_ref = LUA_NOREF;
	if (lua_isfunction(L, 5)) {
		lua_pushvalue(L, 5);
		b->cb_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	int ret = kr__worker_resolve(name, qtype, qclass, options, resolve_done_cb, b);
	if (ret != 0) {
		if (b->cb_ref != LUA_NOREF)
			luaL_unref(L, LUA_REGISTRYINDEX, b->cb_ref);
		free(b);
		return luaL_error(L, "resolve: %s", kr_strerror(ret));
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* --- the kres table --- */

struct named { const char *name; lua_Number value; };

static const struct named rrtypes[] = {
	{ "A", 1 }, { "NS", 2 }, { "MD", 3 }, { "MF", 4 }, { "CNAME", 5 }, { "SOA", 6 },
	{ "MB", 7 }, { "MG", 8 }, { "MR", 9 }, { "NULL", 10 }, { "WKS", 11 }, { "PTR", 12 },
	{ "HINFO", 13 }, { "MINFO", 14 }, { "MX", 15 }, { "TXT", 16 }, { "RP", 17 },
	{ "AFSDB", 18 }, { "X25", 19 }, { "ISDN", 20 }, { "RT", 21 }, { "NSAP", 22 },
	{ "SIG", 24 }, { "KEY", 25 }, { "PX", 26 }, { "GPOS", 27 }, { "AAAA", 28 }, { "LOC", 29 },
	{ "SRV", 33 }, { "NAPTR", 35 }, { "KX", 36 }, { "CERT", 37 }, { "A6", 38 },
	{ "DNAME", 39 }, { "OPT", 41 }, { "APL", 42 }, { "DS", 43 }, { "SSHFP", 44 },
	{ "IPSECKEY", 45 }, { "RRSIG", 46 }, { "NSEC", 47 }, { "DNSKEY", 48 }, { "DHCID", 49 },
	{ "NSEC3", 50 }, { "NSEC3PARAM", 51 }, { "TLSA", 52 }, { "SMIMEA", 53 }, { "HIP", 55 },
	{ "CDS", 59 }, { "CDNSKEY", 60 }, { "OPENPGPKEY", 61 }, { "CSYNC", 62 }, { "ZONEMD", 63 },
	{ "SVCB", 64 }, { "HTTPS", 65 }, { "SPF", 99 }, { "NID", 104 }, { "L32", 105 },
	{ "L64", 106 }, { "LP", 107 }, { "EUI48", 108 }, { "EUI64", 109 }, { "TKEY", 249 },
	{ "TSIG", 250 }, { "IXFR", 251 }, { "AXFR", 252 }, { "MAILB", 253 }, { "MAILA", 254 },
	{ "ANY", 255 }, { "URI", 256 }, { "CAA", 257 }, { "TA", 32768 }, { "DLV", 32769 },
	{ NULL, 0 },
};

static const struct named rrclasses[] = {
	{ "IN", KR_CLASS_IN }, { "CH", KR_CLASS_CH }, { "HS", 4 }, { "NONE", KR_CLASS_NONE },
	{ "ANY", KR_CLASS_ANY }, { NULL, 0 },
};

static const struct named rcodes[] = {
	{ "NOERROR", 0 }, { "FORMERR", 1 }, { "SERVFAIL", 2 }, { "NXDOMAIN", 3 },
	{ "NOTIMPL", 4 }, { "REFUSED", 5 }, { "YXDOMAIN", 6 }, { "YXRRSET", 7 },
	{ "NXRRSET", 8 }, { "NOTAUTH", 9 }, { "NOTZONE", 10 }, { "BADVERS", 16 },
	{ "BADCOOKIE", 23 }, { NULL, 0 },
};

static const struct named sections[] = {
	{ "ANSWER", KR_SECTION_ANSWER }, { "AUTHORITY", KR_SECTION_AUTHORITY },
	{ "ADDITIONAL", KR_SECTION_ADDITIONAL }, { NULL, 0 },
};

static const struct named states[] = {
	{ "NOOP", 0 }, { "CONSUME", KR_STATE_CONSUME }, { "PRODUCE", KR_STATE_PRODUCE },
	{ "DONE", KR_STATE_DONE }, { "FAIL", KR_STATE_FAIL }, { "YIELD", KR_STATE_YIELD },
	{ NULL, 0 },
};

static void set_named(lua_State *L, const struct named *n)
{
	for (; n->name; ++n) {
		lua_pushnumber(L, n->value);
		lua_setfield(L, -2, n->name);
	}
}

static void new_named_table(lua_State *L, const char *field, const struct named *n)
{
	lua_newtable(L);
	set_named(L, n);
	lua_setfield(L, -2, field);
}

static void open_pkt_mt(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "rcode", l_pkt_rcode }, { "id", l_pkt_id }, { "opcode", l_pkt_opcode },
		{ "qname", l_pkt_qname }, { "qtype", l_pkt_qtype }, { "qclass", l_pkt_qclass },
		{ "section", l_pkt_section }, { "begin", l_pkt_begin }, { "put", l_pkt_put },
		{ "towire", l_pkt_towire }, { NULL, NULL },
	};
	static const struct { const char *name; enum kr_pkt_flag flag; } flags[] = {
		{ "qr", KR_PKT_QR }, { "aa", KR_PKT_AA }, { "tc", KR_PKT_TC }, { "rd", KR_PKT_RD },
		{ "ra", KR_PKT_RA }, { "ad", KR_PKT_AD }, { "cd", KR_PKT_CD },
	};
	luaL_newmetatable(L, PKT_MT);
	lua_newtable(L);
	luaL_register(L, NULL, methods);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); ++i) {
		lua_pushinteger(L, flags[i].flag);
		lua_pushcclosure(L, l_pkt_flag, 1);
		lua_setfield(L, -2, flags[i].name);
	}
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, l_pkt_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
	luaL_newmetatable(L, REQ_MT);
	lua_pushcfunction(L, l_req_index);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}

void kr__config_open_kres(lua_State *L)
{
	open_pkt_mt(L);
	lua_newtable(L);
	new_named_table(L, "type", rrtypes);
	new_named_table(L, "class", rrclasses);
	new_named_table(L, "rcode", rcodes);
	new_named_table(L, "section", sections);
	set_named(L, states);
	lua_newtable(L);
	for (int bit = 0; bit < 64; ++bit) {
		const char *name = kr_qflag_to_str(1ull << bit);
		if (!name)
			continue;
		lua_pushnumber(L, (lua_Number)(1ull << bit));
		lua_setfield(L, -2, name);
	}
	lua_setfield(L, -2, "query");
	static const luaL_Reg fns[] = {
		{ "dname2str", l_dname2str }, { "str2dname", l_str2dname }, { "rr2str", l_rr2str },
		{ "str2rr", l_str2rr },
		{ "pkt_t", l_pkt_t }, { "request_t", l_request_t }, { NULL, NULL },
	};
	luaL_register(L, NULL, fns);
	lua_setglobal(L, "kres");
	lua_register(L, "resolve", l_resolve);
}
