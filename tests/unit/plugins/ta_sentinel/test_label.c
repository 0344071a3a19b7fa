/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of plugins/ta_sentinel/label.c: the sentinel label and its verdict. */
#include <check.h>
#include <stdlib.h>
#include <kres/kres.h>
#include "plugins/ta_sentinel/ta_sentinel-impl.h"
#include "tests/unit/check_main.h"

static enum ta_sentinel_kind parse(const char *text, uint16_t *tag)
{
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_msg(kr_dname_from_str(name, sizeof(name), text) > 0, "name %s", text);
	return ta_sentinel_parse(name, tag);
}

START_TEST(test_parse)
{
	uint16_t tag = 0;
	ck_assert_int_eq(parse("root-key-sentinel-is-ta-20326.example.", &tag), TA_SENTINEL_IS_TA);
	ck_assert_uint_eq(tag, 20326);
	ck_assert_int_eq(parse("root-key-sentinel-not-ta-00042.example.", &tag), TA_SENTINEL_NOT_TA);
	ck_assert_uint_eq(tag, 42);
	ck_assert_int_eq(parse("ROOT-Key-Sentinel-IS-TA-65535.", &tag), TA_SENTINEL_IS_TA);
	ck_assert_uint_eq(tag, 65535);
	/* Not sentinels: a tag too large, too short or long, not digits, not the first label. */
	ck_assert_int_eq(parse("root-key-sentinel-is-ta-65536.example.", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(parse("root-key-sentinel-is-ta-2032.example.", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(parse("root-key-sentinel-is-ta-203260.example.", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(parse("root-key-sentinel-is-ta-2032x.example.", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(parse("root-key-sentinel-no-ta-20326.example.", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(parse("www.root-key-sentinel-is-ta-20326.example.", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(parse(".", &tag), TA_SENTINEL_NONE);
	ck_assert_int_eq(ta_sentinel_parse(NULL, &tag), TA_SENTINEL_NONE);
}
END_TEST

START_TEST(test_fails)
{
	const uint16_t tags[] = { 20326, 38696 };
	ck_assert(!ta_sentinel_fails(TA_SENTINEL_IS_TA, 20326, tags, 2));
	ck_assert(ta_sentinel_fails(TA_SENTINEL_IS_TA, 11111, tags, 2));
	ck_assert(ta_sentinel_fails(TA_SENTINEL_NOT_TA, 38696, tags, 2));
	ck_assert(!ta_sentinel_fails(TA_SENTINEL_NOT_TA, 11111, tags, 2));
	/* No root anchor at all: every is-ta fails, no not-ta does. */
	ck_assert(ta_sentinel_fails(TA_SENTINEL_IS_TA, 20326, tags, 0));
	ck_assert(!ta_sentinel_fails(TA_SENTINEL_NOT_TA, 20326, tags, 0));
	ck_assert(!ta_sentinel_fails(TA_SENTINEL_NONE, 20326, tags, 2));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ta_sentinel_label");
	unit_tcase(s, "ta_sentinel_parse", NULL, test_parse);
	unit_tcase(s, "ta_sentinel_fails", NULL, test_fails);
	return unit_run(s);
}
