/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The main() of a check unit suite: test cases built from a name, an optional fixture and
 * the tests, then the suite run with its failures turned into the exit code.
 *
 *   static const struct unit_fixture fx = { setup, teardown, 60 };
 *
 *   int main(void)
 *   {
 *           Suite *s = suite_create("dname");
 *           unit_tcase(s, "kr_dname_size", NULL, test_size);
 *           unit_tcase(s, "kr_dname_parse", &fx, test_parse, test_parse_errors);
 *           return unit_run(s);
 *   }
 */
#pragma once

#include <stdlib.h>
#include <check.h>

/** What every test of a case shares. */
struct unit_fixture {
	SFun setup;       /**< checked: runs in the test's process before each test; may be NULL */
	SFun teardown;    /**< checked: runs after each test; may be NULL */
	double timeout;   /**< seconds per test; 0: check's default */
};

/**
 * Add a test case to a suite.
 * @param s the suite
 * @param name the case's name: the function it tests
 * @param fx its fixture, or NULL for none
 * @param tests its tests (START_TEST names), NULL-terminated
 * @return the case, for settings of its own (loop tests, another fixture)
 */
static inline TCase *unit_tcase_list(Suite *s, const char *name, const struct unit_fixture *fx,
				     const TTest *const *tests)
{
	TCase *tc = tcase_create(name);
	if (fx && (fx->setup || fx->teardown))
		tcase_add_checked_fixture(tc, fx->setup, fx->teardown);
	if (fx && fx->timeout > 0)
		tcase_set_timeout(tc, fx->timeout);
	for (; *tests; ++tests)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return tc;
}

/** unit_tcase_list() with the tests as arguments: unit_tcase(s, "name", &fx, test_a, test_b). */
#define unit_tcase(s, name, fx, ...) \
	unit_tcase_list((s), (name), (fx), (const TTest *const[]){ __VA_ARGS__, NULL })

/**
 * Run every test of a suite: each in a process of its own unless CK_FORK=no.
 * @param s the suite; freed
 * @return EXIT_SUCCESS when none failed, else EXIT_FAILURE
 */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
