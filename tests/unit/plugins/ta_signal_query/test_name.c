/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of plugins/ta_signal_query/name.c: the RFC 8145 query name. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "plugins/ta_signal_query/ta_signal_query-impl.h"
#include "tests/unit/check_main.h"

START_TEST(test_name)
{
	char out[256];
	const uint16_t one[] = { 20326 };
	ck_assert_int_eq(ta_signal_query_name(one, 1, ".", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "_ta-4f66.");
	/* Ascending, four zero-padded lower-case hex digits, no duplicates (RFC 8145 5.1). */
	const uint16_t two[] = { 38696, 20326, 20326, 10 };
	ck_assert_int_eq(ta_signal_query_name(two, 4, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "_ta-000a-4f66-9728.");
	ck_assert_int_eq(ta_signal_query_name(one, 1, "example.", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "_ta-4f66.example.");
	/* At most 12 tags: the label stays within 63 characters. */
	uint16_t many[20];
	for (int i = 0; i < 20; ++i)
		many[i] = (uint16_t)(100 - i);
	ck_assert_int_eq(ta_signal_query_name(many, 20, ".", out, sizeof(out)), 0);
	ck_assert_uint_eq(strlen(out), 64);
	ck_assert(strncmp(out, "_ta-0051-0052-", 14) == 0);
	ck_assert_int_eq(ta_signal_query_name(one, 0, ".", out, sizeof(out)), -ENOENT);
	ck_assert_int_eq(ta_signal_query_name(one, 1, ".", out, 5), -ENOSPC);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ta_signal_query_name");
	unit_tcase(s, "ta_signal_query_name", NULL, test_name);
	return unit_run(s);
}
