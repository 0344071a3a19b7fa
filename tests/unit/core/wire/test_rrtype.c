/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of RR type and class mnemonics (core/wire/rrtype.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <kres/rrset.h>
#include "tests/unit/check_main.h"

typedef int (*to_str_fn)(uint16_t value, char *dst, size_t maxlen);

/** Print into a buffer of exactly size bytes (ASan catches overflow). */
static int to_str_exact(to_str_fn fn, uint16_t value, size_t size, char *copy)
{
	char *buf = malloc(size ? size : 1);
	ck_assert_ptr_nonnull(buf);
	int ret = fn(value, size ? buf : NULL, size);
	if (ret >= 0 && copy)
		memcpy(copy, buf, (size_t)ret + 1);
	free(buf);
	return ret;
}

/** value prints as text; every smaller buffer gives KR_ESPACE. */
static void check_to_str(to_str_fn fn, uint16_t value, const char *text)
{
	char out[32];
	size_t need = strlen(text) + 1;
	for (size_t size = 0; size < need; ++size)
		ck_assert_int_eq(to_str_exact(fn, value, size, NULL), KR_ESPACE);
	ck_assert_int_eq(to_str_exact(fn, value, need, out), (int)need - 1);
	ck_assert_str_eq(out, text);
}

/* ---- kr_rrtype_to_str ---- */

START_TEST(type_to_str)
{
	check_to_str(kr_rrtype_to_str, KR_TYPE_A, "A");
	check_to_str(kr_rrtype_to_str, KR_TYPE_AAAA, "AAAA");
	check_to_str(kr_rrtype_to_str, KR_TYPE_NSEC3PARAM, "NSEC3PARAM");
	check_to_str(kr_rrtype_to_str, KR_TYPE_SVCB, "SVCB");
	check_to_str(kr_rrtype_to_str, KR_TYPE_HTTPS, "HTTPS");
	check_to_str(kr_rrtype_to_str, KR_TYPE_OPT, "OPT");
	check_to_str(kr_rrtype_to_str, KR_TYPE_ANY, "ANY");
	check_to_str(kr_rrtype_to_str, KR_TYPE_CAA, "CAA");
	check_to_str(kr_rrtype_to_str, 23, "NSAP-PTR");
	check_to_str(kr_rrtype_to_str, 32769, "DLV");
	check_to_str(kr_rrtype_to_str, 0, "TYPE0");
	check_to_str(kr_rrtype_to_str, 54, "TYPE54");
	check_to_str(kr_rrtype_to_str, 731, "TYPE731");
	check_to_str(kr_rrtype_to_str, 65535, "TYPE65535");
}
END_TEST

/** Every type prints as something that parses back to it. */
START_TEST(type_to_str_all)
{
	char out[16];
	for (uint32_t t = 0; t <= UINT16_MAX; ++t) {
		int len = kr_rrtype_to_str((uint16_t)t, out, sizeof(out));
		ck_assert_int_gt(len, 0);
		ck_assert_int_eq((size_t)len, strlen(out));
		ck_assert_int_eq(kr_rrtype_from_str(out), (int)t);
	}
}
END_TEST

/* ---- kr_rrtype_from_str ---- */

START_TEST(type_from_str)
{
	ck_assert_int_eq(kr_rrtype_from_str("A"), KR_TYPE_A);
	ck_assert_int_eq(kr_rrtype_from_str("a"), KR_TYPE_A);
	ck_assert_int_eq(kr_rrtype_from_str("aAaA"), KR_TYPE_AAAA);
	ck_assert_int_eq(kr_rrtype_from_str("rrsig"), KR_TYPE_RRSIG);
	ck_assert_int_eq(kr_rrtype_from_str("NSEC3"), KR_TYPE_NSEC3);
	ck_assert_int_eq(kr_rrtype_from_str("NSEC3PARAM"), KR_TYPE_NSEC3PARAM);
	ck_assert_int_eq(kr_rrtype_from_str("https"), KR_TYPE_HTTPS);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE28"), KR_TYPE_AAAA);
	ck_assert_int_eq(kr_rrtype_from_str("type731"), 731);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE0"), 0);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE00065535"), 65535);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE65536"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE99999999999"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE-1"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE+1"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE1x"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("TYPE 1"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("AA"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str(" A"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("A "), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("IN"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str("CLASS1"), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str(""), KR_ETYPE);
	ck_assert_int_eq(kr_rrtype_from_str(NULL), KR_ETYPE);
}
END_TEST

/* ---- kr_rrclass_to_str ---- */

START_TEST(class_to_str)
{
	check_to_str(kr_rrclass_to_str, KR_CLASS_IN, "IN");
	check_to_str(kr_rrclass_to_str, KR_CLASS_CH, "CH");
	check_to_str(kr_rrclass_to_str, 4, "HS");
	check_to_str(kr_rrclass_to_str, KR_CLASS_NONE, "NONE");
	check_to_str(kr_rrclass_to_str, KR_CLASS_ANY, "ANY");
	check_to_str(kr_rrclass_to_str, 0, "CLASS0");
	check_to_str(kr_rrclass_to_str, 2, "CLASS2");
	check_to_str(kr_rrclass_to_str, 32, "CLASS32");
	check_to_str(kr_rrclass_to_str, 65535, "CLASS65535");
}
END_TEST

START_TEST(class_to_str_all)
{
	char out[16];
	for (uint32_t c = 0; c <= UINT16_MAX; ++c) {
		int len = kr_rrclass_to_str((uint16_t)c, out, sizeof(out));
		ck_assert_int_gt(len, 0);
		ck_assert_int_eq(kr_rrclass_from_str(out), (int)c);
	}
}
END_TEST

/* ---- kr_rrclass_from_str ---- */

START_TEST(class_from_str)
{
	ck_assert_int_eq(kr_rrclass_from_str("IN"), KR_CLASS_IN);
	ck_assert_int_eq(kr_rrclass_from_str("in"), KR_CLASS_IN);
	ck_assert_int_eq(kr_rrclass_from_str("Ch"), KR_CLASS_CH);
	ck_assert_int_eq(kr_rrclass_from_str("HS"), 4);
	ck_assert_int_eq(kr_rrclass_from_str("none"), KR_CLASS_NONE);
	ck_assert_int_eq(kr_rrclass_from_str("ANY"), KR_CLASS_ANY);
	ck_assert_int_eq(kr_rrclass_from_str("CLASS1"), KR_CLASS_IN);
	ck_assert_int_eq(kr_rrclass_from_str("class32"), 32);
	ck_assert_int_eq(kr_rrclass_from_str("CLASS65535"), 65535);
	ck_assert_int_eq(kr_rrclass_from_str("CLASS65536"), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str("CLASS"), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str("CLASSX"), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str("TYPE1"), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str("A"), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str("INN"), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str(""), KR_ETYPE);
	ck_assert_int_eq(kr_rrclass_from_str(NULL), KR_ETYPE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rrtype");
	unit_tcase(s, "kr_rrtype_to_str", NULL, type_to_str, type_to_str_all);
	unit_tcase(s, "kr_rrtype_from_str", NULL, type_from_str);
	unit_tcase(s, "kr_rrclass_to_str", NULL, class_to_str, class_to_str_all);
	unit_tcase(s, "kr_rrclass_from_str", NULL, class_from_str);
	return unit_run(s);
}
