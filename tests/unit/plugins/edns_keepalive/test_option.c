/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the edns_keepalive plugin (plugins/edns_keepalive/option.c). */
#include <check.h>
#include <stdlib.h>
#include "plugins/edns_keepalive/edns_keepalive-impl.h"
#include "tests/unit/check_main.h"

START_TEST(test_units)
{
	ck_assert_uint_eq(edns_keepalive_units(10000), 100);
	ck_assert_uint_eq(edns_keepalive_units(0), 0);
	ck_assert_uint_eq(edns_keepalive_units(99), 0);
	ck_assert_uint_eq(edns_keepalive_units(250), 2);
	ck_assert_uint_eq(edns_keepalive_units(6553500), 65535);
	ck_assert_uint_eq(edns_keepalive_units(UINT32_MAX), 65535);
}
END_TEST

/** A packet with a question and an OPT record; with_option adds an empty keepalive option. */
static kr_pkt_t *packet(kr_mm_t *mm, bool opt, bool with_option)
{
	kr_pkt_t *pkt = kr_pkt_new(NULL, KR_PKT_MAXSIZE, mm);
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), "www.lab."), 0);
	ck_assert_int_eq(kr_pkt_put_question(pkt, name, KR_CLASS_IN, KR_TYPE_A), 0);
	if (opt) {
		kr_rrset_t *o = kr_mm_alloc(mm, sizeof(*o));
		ck_assert_int_eq(kr_edns_init(o, 1232, 0, mm), 0);
		if (with_option)
			ck_assert_int_eq(kr_edns_add_option(o, KR_EDNS_OPT_KEEPALIVE, 0, NULL, mm), 0);
		pkt->opt = o;
	}
	return pkt;
}

START_TEST(test_answer)
{
	struct kr_arena *a = kr_arena_new(0);
	kr_mm_t *mm = kr_arena_mm(a);
	kr_pkt_t *q = packet(mm, true, true);
	kr_pkt_t *ans = packet(mm, true, false);
	/* UDP: ignored. */
	ck_assert_int_eq(edns_keepalive_answer(q, ans, false, 10000, mm), 0);
	uint16_t len = 0;
	ck_assert_ptr_null(kr_edns_get_option(ans->opt, KR_EDNS_OPT_KEEPALIVE, &len));
	/* TCP: the timeout in units of 100 ms, big-endian. */
	ck_assert_int_eq(edns_keepalive_answer(q, ans, true, 12300, mm), 1);
	const uint8_t *data = kr_edns_get_option(ans->opt, KR_EDNS_OPT_KEEPALIVE, &len);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(len, 2);
	ck_assert_uint_eq(data[0], 0);
	ck_assert_uint_eq(data[1], 123);
	/* Once only. */
	ck_assert_int_eq(edns_keepalive_answer(q, ans, true, 12300, mm), 0);
	ck_assert_int_eq(kr_edns_check(ans->opt), 0);
	/* No option asked, no OPT in the query or in the answer: nothing. */
	kr_pkt_t *plain = packet(mm, true, false), *noopt = packet(mm, false, false);
	kr_pkt_t *ans2 = packet(mm, true, false);
	ck_assert_int_eq(edns_keepalive_answer(plain, ans2, true, 10000, mm), 0);
	ck_assert_int_eq(edns_keepalive_answer(noopt, ans2, true, 10000, mm), 0);
	ck_assert_int_eq(edns_keepalive_answer(q, noopt, true, 10000, mm), 0);
	ck_assert_int_eq(edns_keepalive_answer(NULL, ans2, true, 10000, mm), 0);
	ck_assert_ptr_null(kr_edns_get_option(ans2->opt, KR_EDNS_OPT_KEEPALIVE, &len));
	kr_arena_delete(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("edns_keepalive_option");
	unit_tcase(s, "edns_keepalive_units", NULL, test_units);
	unit_tcase(s, "edns_keepalive_answer", NULL, test_answer);
	return unit_run(s);
}
