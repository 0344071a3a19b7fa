/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The Lua pattern matcher of policy.pattern() against the real Lua 5.1:
 * pattern_cases.h holds string.find() results for a table of patterns and
 * subjects (wire-format names and plain strings), made by gen_pattern_cases.lua.
 */
#include <check.h>
#include <stdlib.h>
#include "plugins/policy/policy-impl.h"
#include "tests/unit/plugins/policy/pattern_cases.h"
#include "tests/unit/check_main.h"

START_TEST(test_find_like_lua)
{
	size_t n = sizeof(pattern_cases) / sizeof(pattern_cases[0]);
	ck_assert_uint_gt(n, 1000);
	for (size_t i = 0; i < n; ++i) {
		const struct pattern_case *c = &pattern_cases[i];
		size_t start = 99, end = 99;
		bool found = policy_pattern_find(c->s, c->slen, c->p, c->plen, &start, &end);
		ck_assert_msg(found == (c->start >= 0), "case %zu: pattern '%.*s' on '%.*s': found %d, Lua says %d",
			      i, (int)c->plen, c->p, (int)c->slen, c->s, found, c->start >= 0);
		if (found) {
			ck_assert_msg((int)start == c->start && (int)end == c->end,
				      "case %zu: pattern '%.*s' on '%.*s': [%zu, %zu), Lua says [%d, %d)",
				      i, (int)c->plen, c->p, (int)c->slen, c->s, start, end, c->start, c->end);
		}
	}
}
END_TEST

START_TEST(test_check)
{
	static const char *good[] = { "", "abc", "%d+", "[%a_]+", "%b()", "%f[%w]", "(a)%1", "()",
				      "[]]", "[^]]", "^a$", "a-b*c+d?" };
	static const char *bad[] = { "[a", "%", "(a", "a)", "%1", "(a%1)", "%b", "%bx", "%fa", "%f[a",
				     "[a%" };
	char err[128];
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); ++i)
		ck_assert_msg(policy_pattern_check(good[i], strlen(good[i]), err, sizeof(err)) == 0,
			      "'%s' rejected: %s", good[i], err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		err[0] = '\0';
		ck_assert_msg(policy_pattern_check(bad[i], strlen(bad[i]), err, sizeof(err)) == -EINVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_msg(err[0], "no reason for '%s'", bad[i]);
		/* A malformed pattern never matches (and never crashes). */
		ck_assert(!policy_pattern_find("abc", 3, bad[i], strlen(bad[i]), NULL, NULL));
	}
}
END_TEST

START_TEST(test_depth_bound)
{
	/* Deep backtracking ends without overflowing the stack. */
	char s[256], p[600];
	memset(s, 'a', sizeof(s));
	size_t pl = 0;
	for (int i = 0; i < 200; ++i) {
		p[pl++] = 'a';
		p[pl++] = '?';
	}
	p[pl++] = 'b';
	ck_assert(!policy_pattern_find(s, sizeof(s), p, pl, NULL, NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pattern");
	unit_tcase(s, "pattern", NULL, test_find_like_lua, test_check, test_depth_bound);
	return unit_run(s);
}
