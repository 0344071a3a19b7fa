/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Unit tests of config/kres.c: the kres table (constants, conversions), packet
 * and request objects and their scopes, and resolve() through the engine with
 * the hints plugin answering (no network).
 * Plugins come from $KRESD_MODULE_DIR.
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
	const char *moduledir = getenv("KRESD_MODULE_DIR");
	daemon_up(&loop, moduledir && *moduledir ? moduledir : NULL, 0, 0);
}

static void teardown(void)
{
	daemon_down(&loop);
}

#define ck_lua(cond) do { \
		const char *err_ = lua_run("assert(%s)", (cond)); \
		ck_assert_msg(err_ == NULL, "false: %s (%s)", (cond), err_); \
	} while (0)

static void load_hints(void)
{
	ck_ok("modules.load('hints')");
}

/* --- constants --- */

START_TEST(constants)
{
	static const struct { const char *name; int value; } types[] = {
		{ "A", KR_TYPE_A }, { "NS", KR_TYPE_NS }, { "CNAME", KR_TYPE_CNAME }, { "SOA", KR_TYPE_SOA },
		{ "PTR", KR_TYPE_PTR }, { "HINFO", KR_TYPE_HINFO }, { "MX", KR_TYPE_MX }, { "TXT", KR_TYPE_TXT },
		{ "AAAA", KR_TYPE_AAAA }, { "SRV", KR_TYPE_SRV }, { "NAPTR", KR_TYPE_NAPTR },
		{ "DNAME", KR_TYPE_DNAME }, { "OPT", KR_TYPE_OPT }, { "DS", KR_TYPE_DS },
		{ "RRSIG", KR_TYPE_RRSIG }, { "NSEC", KR_TYPE_NSEC }, { "DNSKEY", KR_TYPE_DNSKEY },
		{ "NSEC3", KR_TYPE_NSEC3 }, { "NSEC3PARAM", KR_TYPE_NSEC3PARAM }, { "SVCB", KR_TYPE_SVCB },
		{ "HTTPS", KR_TYPE_HTTPS }, { "TSIG", KR_TYPE_TSIG }, { "IXFR", KR_TYPE_IXFR },
		{ "AXFR", KR_TYPE_AXFR }, { "ANY", KR_TYPE_ANY }, { "CAA", KR_TYPE_CAA },
	};
	char cond[256];
	/* every type api/kres/rrset.h names */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); ++i) {
		snprintf(cond, sizeof(cond), "kres.type.%s == %d", types[i].name, types[i].value);
		ck_lua(cond);
	}
	ck_lua("kres.type.TLSA == 52 and kres.type.DLV == 32769");
	ck_lua("kres.class.IN == 1 and kres.class.CH == 3 and kres.class.NONE == 254 and kres.class.ANY == 255");
	ck_lua("kres.rcode.NOERROR == 0 and kres.rcode.FORMERR == 1 and kres.rcode.SERVFAIL == 2");
	ck_lua("kres.rcode.NXDOMAIN == 3 and kres.rcode.NOTIMPL == 4 and kres.rcode.REFUSED == 5");
	ck_lua("kres.rcode.NOTAUTH == 9 and kres.rcode.BADVERS == 16");
	ck_lua("kres.section.ANSWER == 0 and kres.section.AUTHORITY == 1 and kres.section.ADDITIONAL == 2");
	ck_lua("kres.NOOP == 0 and kres.CONSUME == 1 and kres.PRODUCE == 2 and kres.DONE == 4");
	ck_lua("kres.FAIL == 8 and kres.YIELD == 16");
	/* every query flag, with its bit */
	int flags = 0;
	for (int bit = 0; bit < 64; ++bit) {
		const char *name = kr_qflag_to_str(1ull << bit);
		if (!name)
			continue;
		snprintf(cond, sizeof(cond), "kres.query.%s == 2^%d", name, bit);
		ck_lua(cond);
		++flags;
	}
	ck_assert_int_ge(flags, 36);
	ck_lua("kres.query.NO_CACHE == 1024 and kres.query.DNSSEC_WANT == 8192");
}
END_TEST

/* --- names and records --- */

START_TEST(dnames)
{
	ck_lua("kres.str2dname('Example.COM') == '\\7Example\\3COM\\0'");
	ck_lua("kres.str2dname('.') == '\\0'");
	ck_lua("kres.dname2str('\\7example\\3com\\0') == 'example.com.'");
	ck_lua("kres.dname2str(todname('a.b.')) == 'a.b.'");
	ck_lua("kres.dname2str(kres.str2dname('x\\\\.y.z')) == 'x\\\\.y.z.'");
	ck_fails("kres.str2dname('a..b'): invalid domain name", "kres.str2dname('a..b')");
	ck_fails("not a domain name in wire format", "kres.dname2str('example.com')");
	ck_fails("not a domain name in wire format", "kres.dname2str('\\7example\\3com\\0extra')");
	ck_fails("bad argument #1 to 'dname2str'", "kres.dname2str()");
	ck_fails("bad argument #1 to 'str2dname'", "kres.str2dname({})");
}
END_TEST

START_TEST(rr2str)
{
	ck_lua("kres.rr2str({ owner = todname('example.com'), ttl = 300, class = kres.class.IN, "
	       "type = kres.type.A, rdata = '\\192\\0\\2\\1' }) == 'example.com.\\t300\\tIN\\tA\\t192.0.2.1\\n'");
	/* class defaults to IN */
	ck_lua("kres.rr2str({ owner = todname('a'), ttl = 5, type = kres.type.TXT, rdata = '\\2hi' })"
	       ":find('a.\\t5\\tIN\\tTXT\\t\"hi\"', 1, true) == 1");
	ck_fails("bad argument #1 to 'rr2str'", "kres.rr2str('x')");
	ck_fails("owner must be a domain name", "kres.rr2str({ owner = 'x', type = 1, rdata = '' })");
	ck_fails("type must be a number", "kres.rr2str({ owner = '\\0', type = 'A', rdata = '' })");
	ck_fails("rdata must be a string", "kres.rr2str({ owner = '\\0', type = 1 })");
	ck_fails("kres.rr2str", "kres.rr2str({ owner = '\\0', type = 1, rdata = '\\1\\2' })");
}
END_TEST

/* --- packet objects --- */

/** A parsed answer for example.com. A with two A records and an SOA in authority. */
static kr_pkt_t *make_answer(void)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, KR_PKT_MAXSIZE, NULL);
	ck_assert_ptr_nonnull(pkt);
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), "example.com"), 0);
	kr_pkt_set_id(pkt, 4321);
	kr_pkt_set_flag(pkt, KR_PKT_QR, true);
	kr_pkt_set_flag(pkt, KR_PKT_RD, true);
	ck_assert_int_eq(kr_pkt_put_question(pkt, name, KR_CLASS_IN, KR_TYPE_A), 0);
	kr_rrset_t a, soa;
	kr_rrset_init(&a, name, KR_TYPE_A, KR_CLASS_IN, 300);
	ck_assert_int_eq(kr_rrset_add_rdata(&a, (const uint8_t *)"\xc0\x00\x02\x01", 4, NULL), 0);
	ck_assert_int_eq(kr_rrset_add_rdata(&a, (const uint8_t *)"\xc0\x00\x02\x02", 4, NULL), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &a), 0);
	ck_assert_int_eq(kr_pkt_begin(pkt, KR_SECTION_AUTHORITY), 0);
	uint8_t rd[KR_PKT_MAXSIZE];
	int len = kr_rdata_from_str(KR_TYPE_SOA, "ns.example.com. admin.example.com. 1 2 3 4 5", NULL,
				    rd, sizeof(rd));
	ck_assert_int_gt(len, 0);
	kr_rrset_init(&soa, name, KR_TYPE_SOA, KR_CLASS_IN, 60);
	ck_assert_int_eq(kr_rrset_add_rdata(&soa, rd, (uint16_t)len, NULL), 0);
	ck_assert_int_eq(kr_pkt_put(pkt, &soa), 0);
	/* parse it back: records as the wire has them */
	uint8_t *wire = malloc(pkt->size);
	memcpy(wire, pkt->wire, pkt->size);
	size_t size = pkt->size;
	kr_pkt_free(pkt);
	kr_rrset_clear(&a, NULL);
	kr_rrset_clear(&soa, NULL);
	kr_pkt_t *parsed = kr_pkt_new(wire, size, NULL);
	parsed->size = size;
	ck_assert_int_eq(kr_pkt_parse(parsed), 0);
	return parsed;
}

static void free_answer(kr_pkt_t *pkt)
{
	uint8_t *wire = pkt->wire;
	kr_pkt_free(pkt);
	free(wire);
}

START_TEST(pkt_methods)
{
	kr_pkt_t *pkt = make_answer();
	lua_State *L = the_daemon.L;
	uint32_t scope = kr__config_scope_open();
	kr__config_push_pkt(L, pkt, scope);
	lua_setglobal(L, "answer");
	ck_lua("kres.pkt_t(answer) == answer");
	ck_lua("answer:rcode() == kres.rcode.NOERROR and answer:id() == 4321 and answer:opcode() == 0");
	ck_lua("answer:qname() == todname('example.com') and answer:qtype() == kres.type.A");
	ck_lua("answer:qclass() == kres.class.IN");
	ck_lua("answer:qr() and answer:rd() and not answer:aa() and not answer:tc() and not answer:ad()");
	ck_ok("records = answer:section(kres.section.ANSWER)");
	ck_lua("#records == 2");
	ck_lua("records[1].owner == todname('example.com') and records[1].ttl == 300");
	ck_lua("records[1].class == kres.class.IN and records[1].type == kres.type.A");
	ck_lua("records[1].rdata == '\\192\\0\\2\\1' and records[2].rdata == '\\192\\0\\2\\2'");
	ck_lua("kres.rr2str(records[2]) == 'example.com.\\t300\\tIN\\tA\\t192.0.2.2\\n'");
	ck_lua("#answer:section(kres.section.AUTHORITY) == 1");
	ck_lua("answer:section(kres.section.AUTHORITY)[1].type == kres.type.SOA");
	ck_lua("#answer:section(kres.section.ADDITIONAL) == 0");
	ck_lua("tostring(answer):find('example.com.\\t300\\tIN\\tA\\t192.0.2.1', 1, true) ~= nil");
	ck_lua("#answer:towire() > 12");
	/* setters */
	ck_lua("answer:rcode(kres.rcode.NXDOMAIN) == 3 and answer:rcode() == 3");
	ck_lua("answer:aa(true) == true and answer:aa() and answer:aa(false) == false");
	ck_lua("answer:id(7) == 7");
	/* bad calls */
	ck_fails("is not a section", "answer:section(7)");
	ck_fails("bad argument #1 to 'section' (number expected", "answer:section('x')");   /* Lua counts after self */
	ck_fails("bad argument #1 to 'rcode'", "answer.rcode(5)");
	ck_fails("bad argument #1 to 'pkt_t'", "kres.pkt_t(5)");
	ck_fails("invalid rcode", "answer:rcode(99)");
	/* invalid once the scope ends, never a dangling pointer */
	kr__config_scope_close(scope);
	ck_fails("the packet is no longer valid", "answer:rcode()");
	ck_fails("the packet is no longer valid", "kres.pkt_t(answer)");
	ck_lua("tostring(answer):find('no longer valid') ~= nil");
	free_answer(pkt);
}
END_TEST

START_TEST(pkt_put)
{
	struct kr_arena *arena = kr_arena_new(0);
	ck_assert_ptr_nonnull(arena);
	kr_mm_t *mm = kr_arena_mm(arena);
	kr_pkt_t *pkt = kr_pkt_new(NULL, 512, mm);
	uint8_t name[KR_DNAME_MAXLEN];
	kr_dname_from_str(name, sizeof(name), "lua.lab");
	kr_pkt_put_question(pkt, name, KR_CLASS_IN, KR_TYPE_TXT);
	lua_State *L = the_daemon.L;
	uint32_t scope = kr__config_scope_open();
	kr__config_push_pkt(L, pkt, scope);
	lua_setglobal(L, "p");
	ck_ok("p:begin(kres.section.ANSWER)");
	ck_lua("p:put(p:qname(), 300, kres.class.IN, kres.type.TXT, '\\5hello')");
	ck_lua("p:put(todname('x.lua.lab'), 60, nil, 'A', '\\1\\2\\3\\4')");
	ck_ok("p:begin(kres.section.ADDITIONAL)");
	ck_fails("pkt:begin", "p:begin(kres.section.ANSWER)");
	ck_fails("pkt:put: argument #2 is not a domain name in wire format", "p:put('x', 1, 1, 1, '')");
	ck_fails("pkt:put", "p:put(todname('a'), 1, 1, kres.type.A, '\\1')");   /* bad A RDATA */
	ck_lua("#p:section(kres.section.ANSWER) == 2");
	ck_lua("p:section(kres.section.ANSWER)[1].rdata == '\\5hello'");
	ck_lua("p:section(kres.section.ANSWER)[2].owner == todname('x.lua.lab')");
	kr__config_scope_close(scope);
	ck_assert_uint_eq(kr_pkt_count(pkt, KR_SECTION_ANSWER), 2);
	/* the records live in the packet's memory, not Lua's */
	lua_gc(L, LUA_GCCOLLECT, 0);
	char text[512];
	ck_assert_int_gt(kr_rrset_to_str(kr_pkt_rr(pkt, KR_SECTION_ANSWER, 0), text, sizeof(text)), 0);
	ck_assert_str_eq(text, "lua.lab.\t300\tIN\tTXT\t\"hello\"\n");
	kr_pkt_free(pkt);
	kr_arena_delete(arena);
}
END_TEST

START_TEST(scopes_nest)
{
	kr_pkt_t *pkt = make_answer();
	lua_State *L = the_daemon.L;
	uint32_t outer = kr__config_scope_open();
	kr__config_push_pkt(L, pkt, outer);
	lua_setglobal(L, "outer");
	uint32_t inner = kr__config_scope_open();
	kr__config_push_pkt(L, pkt, inner);
	lua_setglobal(L, "inner");
	ck_lua("outer:rcode() == 0 and inner:rcode() == 0");
	kr__config_scope_close(inner);
	ck_fails("no longer valid", "inner:rcode()");
	ck_lua("outer:rcode() == 0");
	kr__config_scope_close(outer);
	ck_fails("no longer valid", "outer:rcode()");
	/* a later scope does not revive an old wrapper */
	uint32_t later = kr__config_scope_open();
	ck_fails("no longer valid", "outer:rcode()");
	kr__config_scope_close(later);
	free_answer(pkt);
}
END_TEST

/* --- resolve() --- */

START_TEST(resolve_callback)
{
	load_hints();
	/* the reference's example, answered by hints (localhost) */
	ck_ok("seen = {}\n"
	      "resolve('localhost', kres.type.A, kres.class.IN, 0,\n"
	      "function (answer, req)\n"
	      "   local pkt = kres.pkt_t(answer)\n"
	      "   if pkt:rcode() == kres.rcode.NOERROR then\n"
	      "      local records = pkt:section(kres.section.ANSWER)\n"
	      "      for i = 1, #records do\n"
	      "         local rr = records[i]\n"
	      "         if rr.type == kres.type.A then\n"
	      "            table.insert(seen, kres.rr2str(rr))\n"
	      "         end\n"
	      "      end\n"
	      "   else\n"
	      "      table.insert(seen, 'rcode ' .. pkt:rcode())\n"
	      "   end\n"
	      "   qname = kres.dname2str(pkt:qname())\n"
	      "   resolved = req:resolved()\n"
	      "   internal = req.qsource.internal\n"
	      "   saved_pkt, saved_req = pkt, req\n"
	      "end)");
	/* hints answer at once: no loop run needed */
	ck_lua("#seen == 1 and seen[1]:find('^localhost%.%s+%d+%s+IN%s+A%s+127%.0%.0%.1') ~= nil");
	ck_lua("qname == 'localhost.' and internal == true");
	ck_lua("kres.dname2str(resolved.sname) == 'localhost.' and resolved.stype == kres.type.A");
	ck_lua("resolved:hasflag(kres.query.CACHED) and not resolved:hasflag(kres.query.TCP)");
	ck_lua("resolved.zone_cut ~= nil");
	/* valid during the callback only */
	ck_fails("the packet is no longer valid", "saved_pkt:rcode()");
	ck_fails("the request is no longer valid", "saved_req:resolved()");
	ck_fails("the request is no longer valid", "return saved_req.answer");
}
END_TEST

START_TEST(resolve_forms)
{
	load_hints();
	/* no callback: true */
	ck_lua("resolve('localhost', kres.type.AAAA) == true");
	ck_lua("resolve('localhost', 'AAAA', 'IN') == true");
	/* options: a number, names, a table */
	ck_ok("resolve('localhost', kres.type.A, kres.class.IN, kres.query.NO_CACHE + kres.query.TCP, "
	      "function (pkt, req) opts = req.options end)");
	ck_lua("opts % (2 * kres.query.NO_CACHE) >= kres.query.NO_CACHE");
	ck_lua("opts % (2 * kres.query.TCP) >= kres.query.TCP");
	ck_ok("resolve('localhost', kres.type.A, kres.class.IN, {'NO_0X20', kres.query.STUB}, "
	      "function (pkt, req) opts = req.options end)");
	ck_lua("opts % (2 * kres.query.NO_0X20) >= kres.query.NO_0X20");
	ck_lua("opts % (2 * kres.query.STUB) >= kres.query.STUB");
	ck_ok("resolve('localhost', kres.type.A, nil, 'NO_CACHE', function (pkt) rc = pkt:rcode() end)");
	ck_lua("rc == 0");
	/* the table form of Knot Resolver */
	ck_ok("tbl = nil; resolve{ name = 'localhost', type = kres.type.AAAA, "
	      "finish = function (pkt) tbl = pkt:section(kres.section.ANSWER)[1].rdata end }");
	ck_lua("tbl == '\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1'");
	/* a name nothing answers (no iterate loaded): SERVFAIL */
	ck_ok("rc = nil; resolve('nowhere.lab', kres.type.A, kres.class.IN, 0, function (pkt) rc = pkt:rcode() end)");
	for (int i = 0; i < 200; ++i) {
		if (!lua_run("assert(rc ~= nil)"))
			break;
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	ck_lua("rc == kres.rcode.SERVFAIL");
}
END_TEST

START_TEST(resolve_errors)
{
	load_hints();
	ck_fails("bad argument #1 to 'resolve'", "resolve()");
	ck_fails("resolve: 'a..b' is not a valid domain name", "resolve('a..b', 1)");
	ck_fails("bad argument #2 to 'resolve' (an RR type", "resolve('localhost')");
	ck_fails("unknown RR type 'BOGUS'", "resolve('localhost', 'BOGUS')");
	ck_fails("is not an RR type", "resolve('localhost', 70000)");
	ck_fails("bad argument #3 to 'resolve' (a class", "resolve('localhost', 1, {})");
	ck_fails("resolve: unknown query flag 'NOPE'", "resolve('localhost', 1, 1, 'NOPE')");
	ck_fails("resolve: unknown query flag 'NOPE'", "resolve('localhost', 1, 1, {'TCP', 'NOPE'})");
	ck_fails("query flags (a kres.query value", "resolve('localhost', 1, 1, true)");
	ck_fails("bad argument #5 to 'resolve' (a callback function expected, got string)",
		 "resolve('localhost', 1, 1, 0, 'cb')");
	/* an error in the callback is logged; the state goes on */
	fflush(stderr);
	ck_ok("resolve('localhost', 1, 1, 0, function () error('callback boom') end)");
	ck_lua("resolve('localhost', 1) == true");
}
END_TEST

START_TEST(resolve_pending_at_deinit)
{
	/* a request still running when the state closes: its callback never runs on the closed state */
	ck_ok("resolve('nowhere.lab', kres.type.A, kres.class.IN, 0, function () ran = true end)");
	kr_config_deinit(&the_daemon);
	uv_run(&loop, UV_RUN_NOWAIT);
	ck_assert_int_eq(kr_config_init(&the_daemon), 0);
	ck_lua("ran == nil");
}
END_TEST

int main(void)
{
	static const struct unit_fixture fx = { setup, teardown, 0 };
	Suite *s = suite_create("kres");
	unit_tcase(s, "constants", &fx, constants);
	unit_tcase(s, "conversions", &fx, dnames, rr2str);
	unit_tcase(s, "kres.pkt_t", &fx, pkt_methods, pkt_put, scopes_nest);
	unit_tcase(s, "resolve", &fx, resolve_callback, resolve_forms, resolve_errors,
		   resolve_pending_at_deinit);
	return unit_run(s);
}
