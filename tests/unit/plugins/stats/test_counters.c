/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stats plugin's counters, props, frequent names and upstream RTTs. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "plugins/stats/stats-impl.h"
#include "tests/unit/check_main.h"

static json_t *js(char *text)
{
	ck_assert_ptr_nonnull(text);
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
	ck_assert_msg(v != NULL, "bad JSON %s", text);
	free(text);
	return v;
}

static uint64_t get(struct stats *s, const char *key)
{
	char arg[128];
	snprintf(arg, sizeof(arg), "\"%s\"", key);
	json_t *v = js(stats_prop_get(s, arg));
	uint64_t n = (uint64_t)json_number_value(v);
	json_decref(v);
	return n;
}

/** A request with a query (EDNS, DO) and an answer of rcode with n A records. */
static void answer(struct stats *s, uint16_t rcode, int n, bool tcp, uint64_t ms)
{
	struct kr_request req;
	memset(&req, 0, sizeof(req));
	uint8_t qname[KR_DNAME_MAXLEN];
	kr_dname_from_str(qname, sizeof(qname), n ? "www.Example.com" : "nx.example.com");
	kr_pkt_t *q = kr_pkt_new(NULL, 512, NULL);
	kr_pkt_put_question(q, qname, KR_CLASS_IN, KR_TYPE_A);
	kr_rrset_t qopt, aopt;
	kr_edns_init(&qopt, 1232, 0, NULL);
	kr_edns_set_do(&qopt, true);
	q->opt = &qopt;
	kr_pkt_t *a = kr_pkt_new(NULL, 512, NULL);
	kr_pkt_put_question(a, qname, KR_CLASS_IN, KR_TYPE_A);
	kr_pkt_set_flag(a, KR_PKT_QR, true);
	kr_pkt_set_flag(a, KR_PKT_RD, true);
	kr_pkt_set_flag(a, KR_PKT_RA, true);
	kr_pkt_set_rcode(a, rcode);
	kr_rrset_t rr;
	kr_rrset_init(&rr, qname, KR_TYPE_A, KR_CLASS_IN, 60);
	for (int i = 0; i < n; ++i)
		kr_rrset_add_rdata(&rr, (uint8_t[]){ 192, 0, 2, (uint8_t)i }, 4, NULL);
	if (n)
		kr_pkt_put(a, &rr);
	kr_edns_init(&aopt, 1232, 0, NULL);
	a->opt = &aopt;
	req.qsource.packet = q;
	req.qsource.flags = tcp ? KR_REQ_TCP : 0;
	req.qsource.size = tcp ? 65535 : 1232;
	req.answer = a;
	req.started_ms = 1000;
	stats_count_request(s, &req);
	stats_count_answer(s, &req, 1000 + ms);
	kr_rrset_clear(&rr, NULL);
	kr_rrset_clear(&qopt, NULL);
	kr_rrset_clear(&aopt, NULL);
	a->opt = q->opt = NULL;
	kr_pkt_free(a);
	kr_pkt_free(q);
}

START_TEST(test_answers)
{
	struct stats *s = stats_new();
	answer(s, KR_RCODE_NOERROR, 2, false, 0);
	answer(s, KR_RCODE_NOERROR, 0, true, 7);
	answer(s, KR_RCODE_NXDOMAIN, 0, false, 60);
	answer(s, KR_RCODE_SERVFAIL, 0, false, 2000);
	answer(s, KR_RCODE_REFUSED, 0, false, 1500);
	ck_assert_uint_eq(get(s, "request.total"), 5);
	ck_assert_uint_eq(get(s, "request.udp"), 4);
	ck_assert_uint_eq(get(s, "request.tcp"), 1);
	ck_assert_uint_eq(get(s, "query.edns"), 5);
	ck_assert_uint_eq(get(s, "query.dnssec"), 5);
	ck_assert_uint_eq(get(s, "answer.total"), 5);
	ck_assert_uint_eq(get(s, "answer.noerror"), 1);
	ck_assert_uint_eq(get(s, "answer.nodata"), 1);
	ck_assert_uint_eq(get(s, "answer.nxdomain"), 1);
	ck_assert_uint_eq(get(s, "answer.servfail"), 1);
	ck_assert_uint_eq(get(s, "answer.refused"), 1);
	ck_assert_uint_eq(get(s, "answer.1ms"), 1);
	ck_assert_uint_eq(get(s, "answer.10ms"), 1);
	ck_assert_uint_eq(get(s, "answer.100ms"), 1);
	ck_assert_uint_eq(get(s, "answer.1500ms"), 1);
	ck_assert_uint_eq(get(s, "answer.slow"), 1);
	ck_assert_uint_eq(get(s, "answer.sum_ms"), 3567);
	ck_assert_uint_eq(get(s, "answer.rd"), 5);
	ck_assert_uint_eq(get(s, "answer.ra"), 5);
	ck_assert_uint_eq(get(s, "answer.aa"), 0);
	ck_assert_uint_eq(get(s, "answer.edns0"), 5);
	ck_assert_uint_eq(get(s, "answer.do"), 0);
	/* list() with a prefix; unknown keys are nil. */
	json_t *l = js(stats_prop_list(s, "\"answer.1\""));
	ck_assert_uint_eq(json_object_size(l), 5);   /* 1ms 10ms 100ms 1000ms 1500ms */
	json_decref(l);
	ck_assert_ptr_null(stats_prop_get(s, "\"no.such\""));
	stats_free(s);
}
END_TEST

START_TEST(test_set)
{
	struct stats *s = stats_new();
	free(stats_prop_set(s, "[\"user.widgets\", 42]"));
	free(stats_prop_set(s, "[\"answer.total\", 7]"));
	ck_assert_uint_eq(get(s, "user.widgets"), 42);
	ck_assert_uint_eq(get(s, "answer.total"), 7);
	json_t *l = js(stats_prop_list(s, "\"user.\""));
	ck_assert_uint_eq(json_object_size(l), 1);
	json_decref(l);
	json_t *e = js(stats_prop_set(s, "[\"x\"]"));
	ck_assert_ptr_nonnull(json_object_get(e, "error"));
	json_decref(e);
	stats_free(s);
}
END_TEST

START_TEST(test_frequent)
{
	struct stats *s = stats_new();
	for (int i = 0; i < 5; ++i)
		answer(s, KR_RCODE_NOERROR, 1, false, 0);
	answer(s, KR_RCODE_NXDOMAIN, 0, false, 0);
	/* Many names once each do not push out the frequent one. */
	uint8_t name[KR_DNAME_MAXLEN];
	char text[64];
	for (int i = 0; i < 3000; ++i) {
		snprintf(text, sizeof(text), "n%d.example.", i);
		kr_dname_from_str(name, sizeof(name), text);
		stats_freq_add(&s->freq, name, KR_TYPE_AAAA);
	}
	json_t *f = js(stats_prop_frequent(s, NULL));
	ck_assert_uint_ge(json_array_size(f), 2);
	json_t *top = json_array_get(f, 0);
	ck_assert_str_eq(json_string_value(json_object_get(top, "name")), "www.example.com.");
	ck_assert_str_eq(json_string_value(json_object_get(top, "type")), "A");
	ck_assert_int_eq(json_integer_value(json_object_get(top, "count")), 5);
	ck_assert_uint_le(json_array_size(f), STATS_FREQ_SETS * STATS_FREQ_WAYS);
	json_decref(f);
	free(stats_prop_clear_frequent(s, NULL));
	f = js(stats_prop_frequent(s, NULL));
	ck_assert_uint_eq(json_array_size(f), 0);
	json_decref(f);
	stats_free(s);
}
END_TEST

START_TEST(test_upstreams)
{
	struct stats *s = stats_new();
	union kr_sockaddr a;
	memset(&a, 0, sizeof(a));
	a.ip4.sin_family = AF_INET;
	a.ip4.sin_port = htons(53);
	inet_pton(AF_INET, "192.0.2.1", &a.ip4.sin_addr);
	for (uint32_t i = 0; i < 20; ++i)
		stats_upstream_add(s->up, &a, i, 100 + i);
	a.ip4.sin_port = htons(5353);
	stats_upstream_add(s->up, &a, 9, 200);
	json_t *u = js(stats_prop_upstreams(s, NULL));
	json_t *l = json_object_get(u, "192.0.2.1");
	ck_assert_uint_eq(json_array_size(l), STATS_UP_SAMPLES);
	ck_assert_int_eq(json_integer_value(json_array_get(l, 0)), 4);
	ck_assert_int_eq(json_integer_value(json_array_get(l, STATS_UP_SAMPLES - 1)), 19);
	ck_assert_uint_eq(json_array_size(json_object_get(u, "192.0.2.1#5353")), 1);
	json_decref(u);
	/* More addresses than slots: the oldest go. */
	for (uint32_t i = 0; i < STATS_UP_ADDRS + 10; ++i) {
		a.ip4.sin_addr.s_addr = htonl(0x0a000000 + i);
		stats_upstream_add(s->up, &a, 1, 1000 + i);
	}
	u = js(stats_prop_upstreams(s, NULL));
	ck_assert_uint_eq(json_object_size(u), STATS_UP_ADDRS);
	ck_assert_ptr_null(json_object_get(u, "192.0.2.1"));
	json_decref(u);
	stats_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("counters");
	unit_tcase(s, "counters", NULL, test_answers, test_set, test_frequent, test_upstreams);
	return unit_run(s);
}
