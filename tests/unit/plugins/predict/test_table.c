/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the predict plugin's query table (plugins/predict/table.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "plugins/predict/predict-impl.h"
#include "tests/unit/check_main.h"

static const uint8_t *name(const char *text)
{
	static uint8_t buf[4][KR_DNAME_MAXLEN];
	static int i;
	uint8_t *b = buf[i++ % 4];
	ck_assert_int_gt(kr_dname_from_str(b, KR_DNAME_MAXLEN, text), 0);
	return b;
}

START_TEST(test_init)
{
	struct predict_table t;
	ck_assert_int_eq(predict_table_init(&t, 100, 24), 0);
	ck_assert_uint_eq(t.cap, 128);
	ck_assert_uint_eq(t.period, 24);
	predict_table_deinit(&t);
	ck_assert_int_eq(predict_table_init(&t, 1, 0), 0);
	ck_assert_uint_eq(t.cap, 16);
	ck_assert_uint_eq(t.period, 1);
	predict_table_deinit(&t);
	ck_assert_int_eq(predict_table_init(&t, 16, 1000), 0);
	ck_assert_uint_eq(t.period, PREDICT_PERIOD_MAX);
	predict_table_deinit(&t);
}
END_TEST

START_TEST(test_prefetch)
{
	struct predict_table t;
	struct predict_key out[8];
	ck_assert_int_eq(predict_table_init(&t, 64, 4), 0);
	/* Upstream answer with TTL 100 at t=1000. */
	ck_assert(!predict_observe(&t, name("WWW.lab."), KR_TYPE_A, true, false, 100, 1000, false));
	ck_assert_uint_eq(t.used, 1);
	/* Cached with 50 left: nothing. With 11 left: nothing (more than 10%). The
	 * answers may be repeated from the answer cache (false). */
	ck_assert(!predict_observe(&t, name("www.lab."), KR_TYPE_A, true, true, 50, 1050, false));
	ck_assert(!predict_observe(&t, name("www.lab."), KR_TYPE_A, true, true, 11, 1089, false));
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 0);
	/* 10 left (10%): one prefetch, whatever the letter case, once; until the
	 * refresh is back, no answer of the name is to be repeated (true). */
	ck_assert(predict_observe(&t, name("www.LAB."), KR_TYPE_A, true, true, 10, 1090, false));
	ck_assert(predict_observe(&t, name("www.lab."), KR_TYPE_A, true, true, 9, 1091, false));
	ck_assert_uint_eq(t.used, 1);
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 1);
	ck_assert(kr_dname_eq(out[0].name, name("www.lab.")));
	ck_assert_uint_eq(out[0].type, KR_TYPE_A);
	ck_assert_uint_eq(t.prefetched, 1);
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 0);
	/* The refresh comes back from upstream (not a client). An answer the answer
	 * cache repeats near expiry now was kept before it: forgotten (true), nothing
	 * queued again. The cache's own answer near expiry queues the next one. */
	predict_observe(&t, name("www.lab."), KR_TYPE_A, false, false, 100, 1092, false);
	ck_assert(predict_observe(&t, name("www.lab."), KR_TYPE_A, true, true, 8, 1093, true));
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 0);
	ck_assert_uint_eq(t.prefetched, 1);
	ck_assert(!predict_observe(&t, name("www.lab."), KR_TYPE_A, true, true, 95, 1097, true));
	predict_observe(&t, name("www.lab."), KR_TYPE_A, true, true, 5, 1187, false);
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 1);
	/* A repeated answer near expiry of data a client fetched queues as any other. */
	predict_observe(&t, name("rep.lab."), KR_TYPE_A, true, false, 100, 1100, false);
	ck_assert(predict_observe(&t, name("rep.lab."), KR_TYPE_A, true, true, 5, 1195, true));
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 1);
	ck_assert(kr_dname_eq(out[0].name, name("rep.lab.")));
	/* Another type is another entry; an answer never fetched by this process is not prefetched. */
	predict_observe(&t, name("www.lab."), KR_TYPE_AAAA, true, true, 1, 1200, false);
	ck_assert_uint_eq(t.used, 3);
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 0);
	/* Internal (non-client) cached answers never queue anything. */
	predict_observe(&t, name("www.lab."), KR_TYPE_A, false, true, 1, 1201, false);
	ck_assert_int_eq(predict_take_pending(&t, out, 8), 0);
	/* take_pending with a small out keeps the rest. */
	for (int i = 0; i < 3; ++i) {
		char text[32];
		snprintf(text, sizeof(text), "n%d.lab.", i);
		predict_observe(&t, name(text), KR_TYPE_A, true, false, 100, 2000, false);
		predict_observe(&t, name(text), KR_TYPE_A, true, true, 1, 2099, false);
	}
	ck_assert_int_eq(predict_take_pending(&t, out, 2), 2);
	ck_assert_int_eq(predict_take_pending(&t, out, 2), 1);
	ck_assert(kr_dname_eq(out[0].name, name("n2.lab.")));
	predict_table_deinit(&t);
}
END_TEST

START_TEST(test_rotate)
{
	struct predict_table t;
	struct predict_key out[8];
	ck_assert_int_eq(predict_table_init(&t, 64, 3), 0);
	/* Window 1: popular and rare asked; popular expires at 1000 + 300. */
	predict_observe(&t, name("popular.lab."), KR_TYPE_A, true, false, 300, 1000, false);
	predict_observe(&t, name("rare.lab."), KR_TYPE_A, true, false, 100, 1000, false);
	ck_assert_int_eq(predict_rotate(&t, 1060, 60, out, 8), 0);   /* asked in one window only */
	/* Window 2: popular asked again (from cache). */
	predict_observe(&t, name("popular.lab."), KR_TYPE_A, true, true, 200, 1100, false);
	/* Expires at 1300 > 1120 + 60: not yet. */
	ck_assert_int_eq(predict_rotate(&t, 1120, 60, out, 8), 0);
	ck_assert_uint_eq(t.used, 2);
	/* Window 3: nobody asks; popular is still within the period (3 windows): due now. */
	ck_assert_int_eq(predict_rotate(&t, 1250, 60, out, 8), 1);
	ck_assert(kr_dname_eq(out[0].name, name("popular.lab.")));
	ck_assert_uint_eq(t.predicted, 1);
	/* rare was asked 3 windows ago: forgotten; popular stays while its refresh is out. */
	ck_assert_uint_eq(t.used, 1);
	/* Handed out once until the refresh comes back. */
	ck_assert_int_eq(predict_rotate(&t, 1260, 60, out, 8), 0);
	predict_observe(&t, name("popular.lab."), KR_TYPE_A, false, false, 300, 1261, false);
	/* Not asked by clients within the period any more: forgotten at the next rotation. */
	ck_assert_int_eq(predict_rotate(&t, 1270, 60, out, 8), 0);
	ck_assert_uint_eq(t.used, 0);
	predict_table_deinit(&t);
}
END_TEST

START_TEST(test_full_table)
{
	struct predict_table t;
	ck_assert_int_eq(predict_table_init(&t, 16, 4), 0);
	char text[32];
	for (int i = 0; i < 64; ++i) {
		snprintf(text, sizeof(text), "n%d.lab.", i);
		predict_observe(&t, name(text), KR_TYPE_A, true, false, 100, 1000, false);
	}
	ck_assert_uint_le(t.used, 16);
	ck_assert_uint_eq(t.used + t.dropped, 64);
	struct predict_key out[4];
	ck_assert_int_eq(predict_rotate(&t, 1000, 60, out, 4), 0);
	ck_assert_uint_eq(t.used, 16);
	/* The pending list is bounded too. */
	predict_table_deinit(&t);
	ck_assert_int_eq(predict_table_init(&t, 4096, 4), 0);
	for (int i = 0; i < PREDICT_PENDING_MAX + 10; ++i) {
		snprintf(text, sizeof(text), "p%d.lab.", i);
		predict_observe(&t, name(text), KR_TYPE_A, true, false, 100, 1000, false);
		predict_observe(&t, name(text), KR_TYPE_A, true, true, 1, 1099, false);
	}
	ck_assert_uint_eq(t.pending_len, PREDICT_PENDING_MAX);
	ck_assert_uint_eq(t.dropped, 10);
	predict_table_deinit(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("predict_table");
	unit_tcase(s, "predict_table_init", NULL, test_init);
	unit_tcase(s, "predict_observe", NULL, test_prefetch, test_full_table);
	unit_tcase(s, "predict_rotate", NULL, test_rotate);
	return unit_run(s);
}
