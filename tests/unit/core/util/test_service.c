/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of core/util/service.c: the registry of services between plugins. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kres/service.h>
#include "tests/unit/check_main.h"

struct test_iface {
	size_t size;
	int value;
};

static const struct test_iface iface_a = { sizeof(iface_a), 1 };
static const struct test_iface iface_b = { sizeof(iface_b), 2 };

START_TEST(test_register)
{
	ck_assert_ptr_null(kr_service_get("test_a"));
	ck_assert_int_eq(kr_service_register("test_a", &iface_a), 0);
	const struct test_iface *got = kr_service_get("test_a");
	ck_assert_ptr_eq(got, &iface_a);
	ck_assert_int_eq(got->value, 1);
	/* the name is taken: by another provider and by the same one */
	ck_assert_int_eq(kr_service_register("test_a", &iface_b), -EEXIST);
	ck_assert_int_eq(kr_service_register("test_a", &iface_a), -EEXIST);
	ck_assert_ptr_eq(kr_service_get("test_a"), &iface_a);
	/* names are exact: no prefix or case folding */
	ck_assert_ptr_null(kr_service_get("test_"));
	ck_assert_ptr_null(kr_service_get("test_ab"));
	ck_assert_ptr_null(kr_service_get("TEST_A"));
	/* one provider may offer the same struct under two names */
	ck_assert_int_eq(kr_service_register("test_b", &iface_a), 0);
	ck_assert_ptr_eq(kr_service_get("test_b"), &iface_a);
	/* missing arguments */
	ck_assert_int_eq(kr_service_register(NULL, &iface_a), -EINVAL);
	ck_assert_int_eq(kr_service_register("test_c", NULL), -EINVAL);
	ck_assert_ptr_null(kr_service_get("test_c"));
	ck_assert_int_eq(kr_service_unregister("test_a", &iface_a), 0);
	ck_assert_int_eq(kr_service_unregister("test_b", &iface_a), 0);
}
END_TEST

START_TEST(test_register_copies_name)
{
	/* the registry keeps its own copy of the name (a plugin's buffer may go away) */
	char name[16];
	strcpy(name, "test_copy");
	ck_assert_int_eq(kr_service_register(name, &iface_a), 0);
	strcpy(name, "changed");
	ck_assert_ptr_eq(kr_service_get("test_copy"), &iface_a);
	ck_assert_ptr_null(kr_service_get("changed"));
	ck_assert_int_eq(kr_service_unregister("test_copy", &iface_a), 0);
}
END_TEST

START_TEST(test_register_limit)
{
	/* the table is bounded: the overflow is -ENOMEM and the table stays intact */
	char name[32];
	int n = 0;
	int ret;
	for (;;) {
		snprintf(name, sizeof(name), "test_%d", n);
		ret = kr_service_register(name, &iface_a);
		if (ret != 0)
			break;
		++n;
		ck_assert_int_lt(n, 100000);
	}
	ck_assert_int_eq(ret, -ENOMEM);
	ck_assert_int_ge(n, 16);
	for (int i = 0; i < n; ++i) {
		snprintf(name, sizeof(name), "test_%d", i);
		ck_assert_ptr_eq(kr_service_get(name), &iface_a);
	}
	/* a freed slot can be used again */
	ck_assert_int_eq(kr_service_unregister("test_0", &iface_a), 0);
	ck_assert_int_eq(kr_service_register("test_new", &iface_b), 0);
	ck_assert_ptr_eq(kr_service_get("test_new"), &iface_b);
	for (int i = 1; i < n; ++i) {
		snprintf(name, sizeof(name), "test_%d", i);
		ck_assert_int_eq(kr_service_unregister(name, &iface_a), 0);
	}
	ck_assert_int_eq(kr_service_unregister("test_new", &iface_b), 0);
}
END_TEST

START_TEST(test_unregister)
{
	ck_assert_int_eq(kr_service_unregister("test_none", &iface_a), -ENOENT);
	ck_assert_int_eq(kr_service_register("test_a", &iface_a), 0);
	ck_assert_int_eq(kr_service_register("test_b", &iface_b), 0);
	ck_assert_int_eq(kr_service_register("test_c", &iface_a), 0);
	/* only the provider's own pointer withdraws a name */
	ck_assert_int_eq(kr_service_unregister("test_a", &iface_b), -ENOENT);
	ck_assert_ptr_eq(kr_service_get("test_a"), &iface_a);
	/* removing the first entry keeps the others reachable */
	ck_assert_int_eq(kr_service_unregister("test_a", &iface_a), 0);
	ck_assert_ptr_null(kr_service_get("test_a"));
	ck_assert_ptr_eq(kr_service_get("test_b"), &iface_b);
	ck_assert_ptr_eq(kr_service_get("test_c"), &iface_a);
	/* twice: gone */
	ck_assert_int_eq(kr_service_unregister("test_a", &iface_a), -ENOENT);
	/* the name is free for another provider */
	ck_assert_int_eq(kr_service_register("test_a", &iface_b), 0);
	ck_assert_ptr_eq(kr_service_get("test_a"), &iface_b);
	ck_assert_int_eq(kr_service_unregister("test_c", &iface_a), 0);
	ck_assert_int_eq(kr_service_unregister("test_b", &iface_b), 0);
	ck_assert_int_eq(kr_service_unregister("test_a", &iface_b), 0);
	ck_assert_ptr_null(kr_service_get("test_a"));
	ck_assert_ptr_null(kr_service_get("test_b"));
	ck_assert_ptr_null(kr_service_get("test_c"));
}
END_TEST

START_TEST(test_get)
{
	/* the root hints interface as the hints plugin would offer it */
	static const struct kr_root_hints_api hints = { .size = sizeof(hints), .get = NULL };
	ck_assert_ptr_null(kr_service_get(KR_SERVICE_ROOT_HINTS));
	ck_assert_int_eq(kr_service_register(KR_SERVICE_ROOT_HINTS, &hints), 0);
	const struct kr_root_hints_api *h = kr_service_get(KR_SERVICE_ROOT_HINTS);
	ck_assert_ptr_eq(h, &hints);
	ck_assert_uint_eq(h->size, sizeof(struct kr_root_hints_api));
	ck_assert_ptr_eq(kr_service_get("root_hints"), &hints);
	ck_assert_ptr_null(kr_service_get(""));
	ck_assert_int_eq(kr_service_unregister(KR_SERVICE_ROOT_HINTS, &hints), 0);
	ck_assert_ptr_null(kr_service_get(KR_SERVICE_ROOT_HINTS));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("service");
	unit_tcase(s, "kr_service_register", NULL, test_register, test_register_copies_name,
		   test_register_limit);
	unit_tcase(s, "kr_service_unregister", NULL, test_unregister);
	unit_tcase(s, "kr_service_get", NULL, test_get);
	return unit_run(s);
}
