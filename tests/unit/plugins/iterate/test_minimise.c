/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of QNAME minimisation steps (minimise.c). */
#include "tests/unit/plugins/iterate/testutil.h"

/** Next name asked for sname from zone with m; checks the type. */
static const char *next(struct iter_min *m, const char *sname, uint16_t stype, const char *zone,
			uint16_t expect_type)
{
	uint16_t qtype = 0;
	const uint8_t *n = iter_minimise_next(m, N(sname), stype, N(zone), &qtype);
	ck_assert_int_eq(qtype, expect_type);
	return T(n);
}

START_TEST(one_label_at_a_time)
{
	struct iter_min m = { 0 };
	ck_assert_str_eq(next(&m, "www.example.lab.", KR_TYPE_AAAA, ".", KR_TYPE_NS), "lab.");
	ck_assert_str_eq(next(&m, "www.example.lab.", KR_TYPE_AAAA, "lab.", KR_TYPE_NS), "example.lab.");
	/* the full name goes with the real type */
	ck_assert_str_eq(next(&m, "www.example.lab.", KR_TYPE_AAAA, "example.lab.", KR_TYPE_AAAA),
			 "www.example.lab.");
	/* an empty non-terminal (NODATA) moves known_labels, not the zone */
	m.known_labels = 2;
	ck_assert_str_eq(next(&m, "a.b.example.lab.", KR_TYPE_MX, "lab.", KR_TYPE_NS), "b.example.lab.");
	/* off (fallback or NO_MINIMIZE): always the full name */
	m = (struct iter_min){ .off = true };
	ck_assert_str_eq(next(&m, "www.example.lab.", KR_TYPE_A, ".", KR_TYPE_A), "www.example.lab.");
	/* the root and TLDs themselves */
	m = (struct iter_min){ 0 };
	ck_assert_str_eq(next(&m, ".", KR_TYPE_NS, ".", KR_TYPE_NS), ".");
	ck_assert_str_eq(next(&m, "lab.", KR_TYPE_NS, ".", KR_TYPE_NS), "lab.");
}
END_TEST

START_TEST(ds_stops_at_parent)
{
	struct iter_min m = { 0 };
	ck_assert_str_eq(next(&m, "example.lab.", KR_TYPE_DS, ".", KR_TYPE_NS), "lab.");
	ck_assert_str_eq(next(&m, "example.lab.", KR_TYPE_DS, "lab.", KR_TYPE_DS), "example.lab.");
	ck_assert_str_eq(next(&m, "a.example.lab.", KR_TYPE_DS, ".", KR_TYPE_NS), "lab.");
	ck_assert_str_eq(next(&m, "a.example.lab.", KR_TYPE_DS, "lab.", KR_TYPE_NS), "example.lab.");
	ck_assert_str_eq(next(&m, "a.example.lab.", KR_TYPE_DS, "example.lab.", KR_TYPE_DS), "a.example.lab.");
}
END_TEST

START_TEST(long_names_bounded)
{
	/* 34 labels (ip6.arpa-like): at most ITER_MINIMISE_MAX minimised steps */
	char name[256] = "";
	for (int i = 0; i < 32; ++i)
		strcat(name, "1.");
	strcat(name, "ip6.arpa.");
	struct iter_min m = { 0 };
	const uint8_t *sname = N(name);
	int total = kr_dname_labels(sname), steps = 0, prev = 0;
	for (;;) {
		uint16_t qtype;
		const uint8_t *n = iter_minimise_next(&m, sname, KR_TYPE_PTR, N("."), &qtype);
		int labels = kr_dname_labels(n);
		ck_assert_int_gt(labels, prev);
		if (labels == total) {
			ck_assert_int_eq(qtype, KR_TYPE_PTR);
			break;
		}
		ck_assert_int_eq(qtype, KR_TYPE_NS);
		if (steps < ITER_MINIMISE_ONE_LAB)
			ck_assert_int_eq(labels, steps + 1);
		prev = labels;
		m.known_labels = (uint8_t)labels;
		++m.steps;
		++steps;
	}
	ck_assert_int_le(steps, ITER_MINIMISE_MAX);
	ck_assert_str_eq(T(iter_name_suffix(sname, 2)), "ip6.arpa.");
	ck_assert_str_eq(T(iter_name_suffix(sname, 0)), ".");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("iterate_minimise");
	unit_tcase(s, "iter_minimise_next", NULL, one_label_at_a_time, ds_stops_at_parent,
		   long_names_bounded);
	return test_run(s);
}
