/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of plugins/detect_time_skew/skew.c: the clock against signature windows. */
#include <check.h>
#include <stdlib.h>
#include "plugins/detect_time_skew/detect_time_skew-impl.h"
#include "tests/unit/check_main.h"

START_TEST(test_judge)
{
	const uint32_t inc[] = { 1000, 5000 }, exp[] = { 2000, 6000 };
	uint32_t by = 0;
	ck_assert_int_eq(skew_judge(1000, inc, exp, 1, &by), SKEW_NONE);
	ck_assert_int_eq(skew_judge(2000, inc, exp, 1, &by), SKEW_NONE);
	ck_assert_int_eq(skew_judge(999, inc, exp, 1, &by), SKEW_BEHIND);
	ck_assert_uint_eq(by, 1);
	ck_assert_int_eq(skew_judge(2100, inc, exp, 1, &by), SKEW_AHEAD);
	ck_assert_uint_eq(by, 100);
	/* One window that holds now is enough. */
	ck_assert_int_eq(skew_judge(5500, inc, exp, 2, &by), SKEW_NONE);
	/* Between two windows: the nearer edge decides. */
	ck_assert_int_eq(skew_judge(2500, inc, exp, 2, &by), SKEW_AHEAD);
	ck_assert_uint_eq(by, 500);
	ck_assert_int_eq(skew_judge(4900, inc, exp, 2, &by), SKEW_BEHIND);
	ck_assert_uint_eq(by, 100);
	/* Serial-number arithmetic across the 32-bit wrap (RFC 4034 3.1.5). */
	const uint32_t winc[] = { 0xfffff000u }, wexp[] = { 0x00001000u };
	ck_assert_int_eq(skew_judge(0xffffff00u, winc, wexp, 1, &by), SKEW_NONE);
	ck_assert_int_eq(skew_judge(0x00000100u, winc, wexp, 1, &by), SKEW_NONE);
	ck_assert_int_eq(skew_judge(0x00002000u, winc, wexp, 1, &by), SKEW_AHEAD);
	ck_assert_uint_eq(by, 0x1000);
	/* No signatures: nothing to say. */
	ck_assert_int_eq(skew_judge(0, inc, exp, 0, &by), SKEW_NONE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("detect_time_skew_skew");
	unit_tcase(s, "skew_judge", NULL, test_judge);
	return unit_run(s);
}
