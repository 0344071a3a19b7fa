/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the detect_time_jump plugin's clock comparison (plugins/detect_time_jump/check.c). */
#include <check.h>
#include <stdlib.h>
#include "plugins/detect_time_jump/detect_time_jump-impl.h"
#include "tests/unit/check_main.h"

START_TEST(test_init)
{
	struct time_jump_state s;
	time_jump_init(&s);
	ck_assert_uint_eq(s.threshold_ms, 600000);
	ck_assert_uint_eq(s.period_ms, 60000);
	ck_assert(!s.have_last);
}
END_TEST

START_TEST(test_check)
{
	struct time_jump_state s;
	time_jump_init(&s);
	s.threshold_ms = 60000;
	int64_t jump;
	const int64_t t0 = 1700000000000;
	/* The first check is the reference. */
	ck_assert_int_eq(time_jump_check(&s, 5000, t0, &jump), TIME_JUMP_NONE);
	ck_assert_int_eq(jump, 0);
	/* Both clocks advance alike (a little drift is no jump). */
	ck_assert_int_eq(time_jump_check(&s, 65000, t0 + 60050, &jump), TIME_JUMP_NONE);
	ck_assert_int_eq(jump, 50);
	/* A process stopped for an hour: both advance by an hour. */
	ck_assert_int_eq(time_jump_check(&s, 3665000, t0 + 3660050, &jump), TIME_JUMP_NONE);
	/* Back by two hours. */
	ck_assert_int_eq(time_jump_check(&s, 3725000, t0 + 3660050 + 60000 - 7200000, &jump),
			 TIME_JUMP_BACKWARD);
	ck_assert_int_eq(jump, -7200000);
	ck_assert_uint_eq(s.backward, 1);
	/* The next check compares with the new time: no second report. */
	int64_t now = t0 + 3660050 + 60000 - 7200000;
	ck_assert_int_eq(time_jump_check(&s, 3785000, now + 60000, &jump), TIME_JUMP_NONE);
	now += 60000;
	/* Exactly the threshold is no jump; one more millisecond is. */
	ck_assert_int_eq(time_jump_check(&s, 3845000, now + 60000 + 60000, &jump), TIME_JUMP_NONE);
	now += 120000;
	ck_assert_int_eq(time_jump_check(&s, 3905000, now + 60000 + 60001, &jump), TIME_JUMP_FORWARD);
	ck_assert_int_eq(jump, 60001);
	ck_assert_uint_eq(s.forward, 1);
	now += 120001;
	ck_assert_int_eq(time_jump_check(&s, 3965000, now + 60000 - 60000, &jump), TIME_JUMP_NONE);
	now += 0;
	ck_assert_int_eq(time_jump_check(&s, 4025000, now - 1, &jump), TIME_JUMP_BACKWARD);
	ck_assert_uint_eq(s.backward, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("detect_time_jump_check");
	unit_tcase(s, "time_jump_init", NULL, test_init);
	unit_tcase(s, "time_jump_check", NULL, test_check);
	return unit_run(s);
}
