/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the hints props (props.c) and layer (layer.c) on hand-built requests. */
#include <arpa/inet.h>
#include "tests/unit/plugins/hints/testutil.h"

#define LOCALHOST_V6_REV "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."

/* --- a hand-built request --- */

struct asked {
	struct kr_arena *arena;
	struct kr_request req;
	struct kr_query qry;
	struct kr_layer_ctx ctx;
	kr_pkt_t *pkt;             /* the packet given to produce */
	kr_pkt_t *answer;          /* its wire parsed into a fresh packet */
	enum kr_layer_state state; /* what produce returned */
};

/**
 * Run the layer's produce for (name, type, cls) into a packet of max_size,
 * starting from state; parse the result.
 */
static void ask_full(struct asked *a, struct hints *h, const char *name, uint16_t type,
		     uint16_t cls, enum kr_layer_state state, size_t max_size)
{
	memset(a, 0, sizeof(*a));
	a->arena = kr_arena_new(0);
	ck_assert_ptr_nonnull(a->arena);
	kr_mm_t *mm = kr_arena_mm(a->arena);
	uint8_t sname[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(sname, sizeof(sname), name), 0);
	a->qry.sname = kr_dname_copy(sname, mm);
	a->qry.stype = type;
	a->qry.sclass = cls;
	a->qry.flags = KR_QF_DNSSEC_WANT;
	a->req.pool = mm;
	a->req.current_query = &a->qry;
	a->req.rplan.initial = &a->qry;
	a->pkt = kr_pkt_new(NULL, max_size, mm);
	ck_assert_ptr_nonnull(a->pkt);
	kr_pkt_set_id(a->pkt, 0xbeef);
	ck_assert_int_eq(kr_pkt_put_question(a->pkt, a->qry.sname, cls, type), 0);
	a->ctx.state = state;
	a->ctx.req = &a->req;
	a->state = hints_produce(h, &a->ctx, a->pkt);
	uint8_t *wire = kr_mm_memdup(mm, a->pkt->wire, a->pkt->size);
	a->answer = kr_pkt_new(wire, a->pkt->size, mm);
	a->answer->size = a->pkt->size;
	ck_assert_int_eq(kr_pkt_parse(a->answer), 0);
	ck_assert_int_eq(kr_pkt_id(a->answer), 0xbeef);
	ck_assert_int_eq(a->answer->qtype, type);
	ck_assert_int_eq(a->answer->qclass, cls);
	ck_assert(kr_dname_eq(a->answer->qname, a->qry.sname));
}

static void ask_in(struct asked *a, struct hints *h, const char *name, uint16_t type,
		   uint16_t cls, enum kr_layer_state state)
{
	ask_full(a, h, name, type, cls, state, KR_PKT_MAXSIZE);
}

static void ask(struct asked *a, struct hints *h, const char *name, uint16_t type)
{
	ask_in(a, h, name, type, KR_CLASS_IN, KR_STATE_PRODUCE);
}

static void asked_done(struct asked *a)
{
	kr_pkt_free(a->answer);
	kr_pkt_free(a->pkt);
	kr_arena_delete(a->arena);
}

/** Check an answered response: DONE, QR+AA, NOERROR, count records of type with ttl. */
static void check_answered(const struct asked *a, uint16_t type, uint16_t count, uint32_t ttl)
{
	ck_assert_int_eq(a->state, KR_STATE_DONE);
	ck_assert(a->qry.flags & KR_QF_CACHED);
	ck_assert(a->qry.flags & KR_QF_NO_CACHE);
	ck_assert(!(a->qry.flags & KR_QF_DNSSEC_WANT));
	ck_assert(kr_pkt_flag(a->answer, KR_PKT_QR));
	ck_assert(!kr_pkt_flag(a->answer, KR_PKT_AA));
	ck_assert(!kr_pkt_flag(a->answer, KR_PKT_TC));
	ck_assert_int_eq(kr_pkt_rcode(a->answer), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a->answer, KR_SECTION_ANSWER), count);
	ck_assert_int_eq(kr_pkt_count(a->answer, KR_SECTION_AUTHORITY), 0);
	ck_assert_int_eq(kr_pkt_count(a->answer, KR_SECTION_ADDITIONAL), 0);
	for (uint16_t i = 0; i < count; ++i) {
		const kr_rrset_t *rr = kr_pkt_rr(a->answer, KR_SECTION_ANSWER, i);
		ck_assert_ptr_nonnull(rr);
		ck_assert_int_eq(rr->type, type);
		ck_assert_int_eq(rr->rclass, KR_CLASS_IN);
		ck_assert_uint_eq(rr->ttl, ttl);
		/* The owner is the name as asked, letter case included. */
		ck_assert_uint_eq(kr_dname_size(rr->owner), kr_dname_size(a->qry.sname));
		ck_assert_mem_eq(rr->owner, a->qry.sname, kr_dname_size(a->qry.sname));
	}
}

/** Does the answer section hold an A/AAAA record with this address? */
static bool answer_has_addr(const struct asked *a, const char *text)
{
	struct hints_addr addr;
	ck_assert_int_eq(hints_addr_parse(text, &addr), 0);
	for (uint16_t i = 0; i < kr_pkt_count(a->answer, KR_SECTION_ANSWER); ++i) {
		const struct kr_rdata *rd = kr_rdataset_first(&kr_pkt_rr(a->answer, KR_SECTION_ANSWER, i)->rrs);
		if (rd && rd->len == hints_addr_len(&addr) && memcmp(rd->data, addr.bytes, rd->len) == 0)
			return true;
	}
	return false;
}

/** Does the answer section hold a PTR record to this name? */
static bool answer_has_ptr(const struct asked *a, const char *text)
{
	uint8_t target[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(target, sizeof(target), text), 0);
	for (uint16_t i = 0; i < kr_pkt_count(a->answer, KR_SECTION_ANSWER); ++i) {
		const struct kr_rdata *rd = kr_rdataset_first(&kr_pkt_rr(a->answer, KR_SECTION_ANSWER, i)->rrs);
		if (rd && rd->len == kr_dname_size(target) && memcmp(rd->data, target, rd->len) == 0)
			return true;
	}
	return false;
}

/** The packet is untouched: a query with no answer, QR clear. */
static void check_untouched(const struct asked *a, enum kr_layer_state expect)
{
	ck_assert_int_eq(a->state, expect);
	ck_assert_uint_eq(a->qry.flags, KR_QF_DNSSEC_WANT);
	ck_assert(!kr_pkt_flag(a->answer, KR_PKT_QR));
	ck_assert(!kr_pkt_flag(a->answer, KR_PKT_AA));
	ck_assert_int_eq(kr_pkt_count(a->answer, KR_SECTION_ANSWER), 0);
	ck_assert_uint_eq(a->pkt->size, KR_PKT_HDRSIZE + kr_dname_size(a->qry.sname) + 4);
}

/* --- layer --- */

START_TEST(test_produce_localhost)
{
	struct hints *h = hints_new();
	struct asked a;
	ask(&a, h, "LocalHost.", KR_TYPE_A);
	check_answered(&a, KR_TYPE_A, 1, HINTS_DEFAULT_TTL);
	ck_assert(answer_has_addr(&a, "127.0.0.1"));
	asked_done(&a);
	ask(&a, h, "localhost", KR_TYPE_AAAA);
	check_answered(&a, KR_TYPE_AAAA, 1, HINTS_DEFAULT_TTL);
	ck_assert(answer_has_addr(&a, "::1"));
	asked_done(&a);
	hints_free(h);
}
END_TEST

START_TEST(test_produce_ptr)
{
	struct hints *h = hints_new();
	struct asked a;
	ask(&a, h, "1.0.0.127.IN-ADDR.ARPA.", KR_TYPE_PTR);
	check_answered(&a, KR_TYPE_PTR, 1, HINTS_DEFAULT_TTL);
	ck_assert(answer_has_ptr(&a, "localhost."));
	asked_done(&a);
	ask(&a, h, LOCALHOST_V6_REV, KR_TYPE_PTR);
	check_answered(&a, KR_TYPE_PTR, 1, HINTS_DEFAULT_TTL);
	ck_assert(answer_has_ptr(&a, "localhost."));
	asked_done(&a);
	/* Two names on one address: two PTR records. */
	ck_prop_eq(hints_prop_set(h, "\"a.lan 192.0.2.8\""), "true");
	ck_prop_eq(hints_prop_set(h, "\"B.lan 192.0.2.8\""), "true");
	ask(&a, h, "8.2.0.192.in-addr.arpa", KR_TYPE_PTR);
	check_answered(&a, KR_TYPE_PTR, 2, HINTS_DEFAULT_TTL);
	ck_assert(answer_has_ptr(&a, "a.lan."));
	ck_assert(answer_has_ptr(&a, "b.lan."));
	asked_done(&a);
	hints_free(h);
}
END_TEST

START_TEST(test_produce_several_and_ttl)
{
	struct hints *h = hints_new();
	ck_prop_eq(hints_prop_set(h, "\"multi.lan 192.0.2.1\""), "true");
	ck_prop_eq(hints_prop_set(h, "[\"multi.lan\", \"192.0.2.2\"]"), "true");
	ck_prop_eq(hints_prop_set(h, "\"multi.lan 2001:db8::1 2001:db8::2\""), "true");
	ck_prop_eq(hints_prop_ttl(h, "3600"), "3600");
	struct asked a;
	ask(&a, h, "Multi.LAN", KR_TYPE_A);
	check_answered(&a, KR_TYPE_A, 2, 3600);
	ck_assert(answer_has_addr(&a, "192.0.2.1"));
	ck_assert(answer_has_addr(&a, "192.0.2.2"));
	asked_done(&a);
	ask(&a, h, "multi.lan", KR_TYPE_AAAA);
	check_answered(&a, KR_TYPE_AAAA, 2, 3600);
	ck_assert(answer_has_addr(&a, "2001:db8::1"));
	ck_assert(answer_has_addr(&a, "2001:db8::2"));
	asked_done(&a);
	hints_free(h);
}
END_TEST

START_TEST(test_produce_nodata)
{
	struct hints *h = hints_new();
	ck_prop_eq(hints_prop_set(h, "\"v4only.lan 192.0.2.1\""), "true");
	struct asked a;
	ask(&a, h, "v4only.lan", KR_TYPE_AAAA);
	check_answered(&a, KR_TYPE_AAAA, 0, 0);
	asked_done(&a);
	ask(&a, h, "localhost", KR_TYPE_MX);
	check_answered(&a, KR_TYPE_MX, 0, 0);
	asked_done(&a);
	ask(&a, h, "1.0.0.127.in-addr.arpa", KR_TYPE_A);
	check_answered(&a, KR_TYPE_A, 0, 0);
	asked_done(&a);
	hints_free(h);
}
END_TEST

START_TEST(test_produce_not_ours)
{
	struct hints *h = hints_new();
	struct asked a;
	/* Not in the table. */
	ask(&a, h, "example.com", KR_TYPE_A);
	check_untouched(&a, KR_STATE_PRODUCE);
	asked_done(&a);
	/* A subdomain of a hinted name is not hinted. */
	ask(&a, h, "sub.localhost", KR_TYPE_A);
	check_untouched(&a, KR_STATE_PRODUCE);
	asked_done(&a);
	/* Another class. */
	ask_in(&a, h, "localhost", KR_TYPE_A, KR_CLASS_CH, KR_STATE_PRODUCE);
	check_untouched(&a, KR_STATE_PRODUCE);
	asked_done(&a);
	/* An earlier layer decided already. */
	ask_in(&a, h, "localhost", KR_TYPE_A, KR_CLASS_IN, KR_STATE_DONE);
	check_untouched(&a, KR_STATE_DONE);
	asked_done(&a);
	ask_in(&a, h, "localhost", KR_TYPE_A, KR_CLASS_IN, KR_STATE_FAIL);
	check_untouched(&a, KR_STATE_FAIL);
	asked_done(&a);
	hints_free(h);
}
END_TEST

START_TEST(test_produce_truncated)
{
	struct hints *h = hints_new();
	char args[64];
	for (int i = 1; i <= 40; ++i) {
		snprintf(args, sizeof(args), "\"big.lan 2001:db8::%x\"", i);
		ck_prop_eq(hints_prop_set(h, args), "true");
	}
	struct asked a;
	ask_full(&a, h, "big.lan", KR_TYPE_AAAA, KR_CLASS_IN, KR_STATE_PRODUCE, 512);
	ck_assert_int_eq(a.state, KR_STATE_DONE);
	ck_assert(kr_pkt_flag(a.answer, KR_PKT_TC));
	ck_assert(kr_pkt_flag(a.answer, KR_PKT_QR));
	ck_assert_int_eq(kr_pkt_rcode(a.answer), KR_RCODE_NOERROR);
	ck_assert_int_eq(kr_pkt_count(a.answer, KR_SECTION_ANSWER), 0);
	asked_done(&a);
	ask(&a, h, "big.lan", KR_TYPE_AAAA);
	check_answered(&a, KR_TYPE_AAAA, 40, HINTS_DEFAULT_TTL);
	ck_assert(answer_has_addr(&a, "2001:db8::28"));
	asked_done(&a);
	hints_free(h);
}
END_TEST

/* --- props --- */

START_TEST(test_prop_set_get_del)
{
	struct hints *h = hints_new();
	ck_prop_eq(hints_prop_get(h, "\"localhost\""), "[\"127.0.0.1\",\"::1\"]");
	ck_prop_eq(hints_prop_get(h, "\"1.0.0.127.in-addr.arpa\""), "[\"localhost.\"]");
	ck_prop_eq(hints_prop_get(h, "\"nothing.lan\""), NULL);
	ck_prop_eq(hints_prop_set(h, "\"Printer.LAN 192.0.2.40\""), "true");
	ck_prop_eq(hints_prop_set(h, "\"printer.lan. 2001:db8::40\""), "true");
	ck_prop_eq(hints_prop_set(h, "\"printer.lan 192.0.2.40\""), "true");   /* no duplicate */
	ck_prop_eq(hints_prop_get(h, "\"PRINTER.lan\""), "[\"192.0.2.40\",\"2001:db8::40\"]");
	ck_prop_eq(hints_prop_get(h, "\"40.2.0.192.in-addr.arpa.\""), "[\"printer.lan.\"]");
	/* del one address: its reverse name goes too. */
	ck_prop_eq(hints_prop_del(h, "\"printer.lan 192.0.2.40\""), "true");
	ck_prop_eq(hints_prop_del(h, "\"printer.lan 192.0.2.40\""), "false");
	ck_prop_eq(hints_prop_get(h, "\"printer.lan\""), "[\"2001:db8::40\"]");
	ck_prop_eq(hints_prop_get(h, "\"40.2.0.192.in-addr.arpa.\""), NULL);
	/* del a name. */
	ck_prop_eq(hints_prop_del(h, "\"printer.lan\""), "true");
	ck_prop_eq(hints_prop_get(h, "\"printer.lan\""), NULL);
	ck_prop_eq(hints_prop_del(h, "\"printer.lan\""), "false");
	ck_prop_eq(hints_prop_del(h, "[\"localhost\", \"::1\"]"), "true");
	ck_prop_eq(hints_prop_get(h, "\"localhost\""), "[\"127.0.0.1\"]");
	ck_assert_uint_eq(h->table.count, 2);   /* localhost, 1.0.0.127.in-addr.arpa */
	hints_free(h);
}
END_TEST

START_TEST(test_prop_errors)
{
	struct hints *h = hints_new();
	const char *bad_set[] = {
		"\"name-only.lan\"", "\"bad.lan 192.0.2.999\"", "\"bad.lan 192.0.2.1 nonsense\"",
		"\"bad..lan 192.0.2.1\"", "42", "{\"a\": 1}", "[\"x.lan\", 5]", NULL, "not json",
	};
	for (size_t i = 0; i < sizeof(bad_set) / sizeof(bad_set[0]); ++i) {
		json_t *v = test_json(hints_prop_set(h, bad_set[i]));
		ck_assert_msg(test_is_error(v, "set"), "set(%s) did not fail", bad_set[i]);
		json_decref(v);
	}
	/* A failed set adds nothing, not even its good addresses. */
	ck_prop_eq(hints_prop_get(h, "\"bad.lan\""), NULL);
	json_t *v = test_json(hints_prop_del(h, "\"localhost 127.0.0.300\""));
	ck_assert(test_is_error(v, "127.0.0.300"));
	json_decref(v);
	v = test_json(hints_prop_del(h, "\"localhost 127.0.0.1 ::1\""));
	ck_assert(test_is_error(v, "del"));
	json_decref(v);
	ck_prop_eq(hints_prop_get(h, "\"localhost\""), "[\"127.0.0.1\",\"::1\"]");
	v = test_json(hints_prop_get(h, NULL));
	ck_assert(test_is_error(v, "get"));
	json_decref(v);
	v = test_json(hints_prop_ttl(h, "-1"));
	ck_assert(test_is_error(v, "ttl"));
	json_decref(v);
	v = test_json(hints_prop_ttl(h, "1.5"));
	ck_assert(test_is_error(v, "ttl"));
	json_decref(v);
	v = test_json(hints_prop_ttl(h, "\"10\""));
	ck_assert(test_is_error(v, "ttl"));
	json_decref(v);
	ck_prop_eq(hints_prop_ttl(h, NULL), "5");
	ck_prop_eq(hints_prop_ttl(h, "60.0"), "60");
	ck_prop_eq(hints_prop_ttl(h, NULL), "60");
	hints_free(h);
}
END_TEST

START_TEST(test_prop_config_and_add_hosts)
{
	struct hints *h = hints_new();
	char *first = test_file("192.0.2.1 first.lan\n");
	char *second = test_file("# second file\n2001:db8::2 second.lan www.second.lan\n");
	char args[700];
	ck_prop_eq(hints_prop_set(h, "\"manual.lan 192.0.2.99\""), "true");
	/* config(path): back to the defaults, then the file. */
	snprintf(args, sizeof(args), "\"%s\"", first);
	ck_prop_eq(hints_prop_config(h, args), "true");
	ck_prop_eq(hints_prop_get(h, "\"manual.lan\""), NULL);
	ck_prop_eq(hints_prop_get(h, "\"first.lan\""), "[\"192.0.2.1\"]");
	ck_prop_eq(hints_prop_get(h, "\"localhost\""), "[\"127.0.0.1\",\"::1\"]");
	/* add_hosts(path) keeps what is there. */
	snprintf(args, sizeof(args), "\"%s\"", second);
	ck_prop_eq(hints_prop_add_hosts(h, args), "true");
	ck_prop_eq(hints_prop_get(h, "\"first.lan\""), "[\"192.0.2.1\"]");
	ck_prop_eq(hints_prop_get(h, "\"www.second.lan\""), "[\"2001:db8::2\"]");
	/* config {file = path, ttl = n} (also the modules = { hints = {...} } form). */
	snprintf(args, sizeof(args), "{\"file\": \"%s\", \"ttl\": 30}", second);
	ck_assert_int_eq(hints_configure(h, args, NULL, 0), 0);
	ck_prop_eq(hints_prop_get(h, "\"first.lan\""), NULL);
	ck_prop_eq(hints_prop_get(h, "\"second.lan\""), "[\"2001:db8::2\"]");
	ck_prop_eq(hints_prop_ttl(h, NULL), "30");
	/* config without "file" keeps the names. */
	ck_prop_eq(hints_prop_config(h, "{\"ttl\": 7}"), "true");
	ck_prop_eq(hints_prop_get(h, "\"second.lan\""), "[\"2001:db8::2\"]");
	ck_assert_int_eq(hints_configure(h, NULL, NULL, 0), 0);
	ck_prop_eq(hints_prop_ttl(h, NULL), "7");
	test_file_drop(first);
	test_file_drop(second);
	hints_free(h);
}
END_TEST

START_TEST(test_prop_file_errors)
{
	struct hints *h = hints_new();
	json_t *v = test_json(hints_prop_add_hosts(h, "\"/nonexistent/hosts\""));
	ck_assert(test_is_error(v, "/nonexistent/hosts"));
	json_decref(v);
	v = test_json(hints_prop_config(h, "{\"file\": \"/nonexistent/hosts\"}"));
	ck_assert(test_is_error(v, "/nonexistent/hosts"));
	json_decref(v);
	ck_assert_int_ne(hints_configure(h, "\"/nonexistent/hosts\"", NULL, 0), 0);
	v = test_json(hints_prop_config(h, "{\"fiel\": \"/etc/hosts\"}"));
	ck_assert(test_is_error(v, "fiel"));
	json_decref(v);
	v = test_json(hints_prop_config(h, "17"));
	ck_assert(test_is_error(v, NULL));
	json_decref(v);
	v = test_json(hints_prop_add_hosts(h, "[1]"));
	ck_assert(test_is_error(v, NULL));
	json_decref(v);
	/* A bad line: reported with FILE:LINE, the good lines loaded. */
	char *path = test_file("192.0.2.1 ok.lan\n\n192.0.2.1.5 broken.lan\n");
	char args[600], where[600];
	snprintf(args, sizeof(args), "\"%s\"", path);
	snprintf(where, sizeof(where), "%s:3:", path);
	v = test_json(hints_prop_add_hosts(h, args));
	ck_assert_msg(test_is_error(v, where), "no '%s' in %s", where,
		      json_string_value(json_object_get(v, "error")));
	json_decref(v);
	ck_prop_eq(hints_prop_get(h, "\"ok.lan\""), "[\"192.0.2.1\"]");
	test_file_drop(path);
	hints_free(h);
}
END_TEST

START_TEST(test_prop_add_hosts_default)
{
	/* add_hosts() reads /etc/hosts: the result is the same as naming it. */
	struct hints *h = hints_new();
	char *out = hints_prop_add_hosts(h, NULL);
	ck_assert_ptr_nonnull(out);
	bool readable = access(HINTS_DEFAULT_HOSTS, R_OK) == 0;
	json_t *v = test_json(out);
	if (readable)
		ck_assert(json_is_true(v) || test_is_error(v, HINTS_DEFAULT_HOSTS ":"));
	else
		ck_assert(test_is_error(v, HINTS_DEFAULT_HOSTS));
	json_decref(v);
	hints_free(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hints");
	unit_tcase(s, "hints_produce_localhost", NULL, test_produce_localhost);
	unit_tcase(s, "hints_produce_ptr", NULL, test_produce_ptr);
	unit_tcase(s, "hints_produce_several", NULL, test_produce_several_and_ttl);
	unit_tcase(s, "hints_produce_nodata", NULL, test_produce_nodata);
	unit_tcase(s, "hints_produce_not_ours", NULL, test_produce_not_ours);
	unit_tcase(s, "hints_produce_truncated", NULL, test_produce_truncated);
	unit_tcase(s, "hints_prop_set_get_del", NULL, test_prop_set_get_del);
	unit_tcase(s, "hints_prop_errors", NULL, test_prop_errors);
	unit_tcase(s, "hints_prop_config", NULL, test_prop_config_and_add_hosts);
	unit_tcase(s, "hints_prop_file_errors", NULL, test_prop_file_errors);
	unit_tcase(s, "hints_prop_add_hosts", NULL, test_prop_add_hosts_default);
	return unit_run(s);
}
