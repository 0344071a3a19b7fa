/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of plugins/bogus_log/table.c: the bounded frequency table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "plugins/bogus_log/bogus_log-impl.h"
#include "tests/unit/check_main.h"

static void add(struct bogus_log_table *t, const char *text, uint16_t type)
{
	uint8_t name[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(name, sizeof(name), text), 0);
	bogus_log_table_add(t, name, type);
}

static const char *name_of(const struct bogus_log_entry *e)
{
	static char text[KR_DNAME_MAXTEXT];
	kr_dname_to_str(text, sizeof(text), e->name);
	return text;
}

START_TEST(test_count_and_order)
{
	struct bogus_log_table t;
	const struct bogus_log_entry *top[8];
	ck_assert_int_eq(bogus_log_table_init(&t, 8), 0);
	ck_assert_uint_eq(bogus_log_table_top(&t, top, 8), 0);
	add(&t, "www.bad.example.", KR_TYPE_A);
	add(&t, "WWW.Bad.Example.", KR_TYPE_A);   /* letter case ignored */
	add(&t, "www.bad.example.", KR_TYPE_AAAA);
	add(&t, "bad.example.", KR_TYPE_DNSKEY);
	add(&t, "bad.example.", KR_TYPE_DNSKEY);
	add(&t, "bad.example.", KR_TYPE_DNSKEY);
	ck_assert_uint_eq(bogus_log_table_top(&t, top, 8), 3);
	ck_assert_str_eq(name_of(top[0]), "bad.example.");
	ck_assert_uint_eq(top[0]->count, 3);
	ck_assert_str_eq(name_of(top[1]), "www.bad.example.");
	ck_assert_uint_eq(top[1]->type, KR_TYPE_A);
	ck_assert_uint_eq(top[1]->count, 2);
	ck_assert_uint_eq(top[2]->type, KR_TYPE_AAAA);
	ck_assert_uint_eq(bogus_log_table_top(&t, top, 1), 1);
	ck_assert_str_eq(name_of(top[0]), "bad.example.");
	bogus_log_table_clear(&t);
	ck_assert_uint_eq(bogus_log_table_top(&t, top, 8), 0);
	bogus_log_table_free(&t);
}
END_TEST

START_TEST(test_bounded)
{
	struct bogus_log_table t;
	const struct bogus_log_entry *top[4];
	ck_assert_int_eq(bogus_log_table_init(&t, 2), 0);
	for (int i = 0; i < 10; ++i)
		add(&t, "often.example.", KR_TYPE_A);
	/* Rare names take the other slot in turn (inheriting its count) and, fewer
	 * than the frequent name's count, never evict it. */
	char name[64];
	for (int i = 0; i < 5; ++i) {
		snprintf(name, sizeof(name), "rare%d.example.", i);
		add(&t, name, KR_TYPE_A);
	}
	ck_assert_uint_eq(bogus_log_table_top(&t, top, 4), 2);
	ck_assert_str_eq(name_of(top[0]), "often.example.");
	ck_assert_str_eq(name_of(top[1]), "rare4.example.");
	ck_assert_uint_eq(top[1]->count, 5);
	bogus_log_table_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bogus_log_table");
	unit_tcase(s, "bogus_log_table_add", NULL, test_count_and_order, test_bounded);
	return unit_run(s);
}
