/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the policy plugin's unit tests: temporary files, rule matching. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "plugins/policy/policy-impl.h"
#include "tests/unit/check_main.h"

/** Write content to a new temporary file. @return its path, malloc()ed. */
static inline char *test_file(const char *content)
{
	char *path = strdup("/tmp/kresd-policy-test-XXXXXX");
	ck_assert_ptr_nonnull(path);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t len = strlen(content);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

static inline void test_file_drop(char *path)
{
	unlink(path);
	free(path);
}

/** Matches of one evaluation, in order. */
struct test_matches {
	unsigned n;
	uint32_t ids[16];
	enum policy_act acts[16];
	char zones[16][KR_DNAME_MAXTEXT];
	bool stop_first;
};

static inline bool test_collect_cb(const struct policy_match *m, void *baton)
{
	struct test_matches *t = baton;
	if (t->n < 16) {
		t->ids[t->n] = m->rule->id;
		t->acts[t->n] = m->act->type;
		kr_dname_to_str(t->zones[t->n], KR_DNAME_MAXTEXT, m->zone);
	}
	++t->n;
	return t->stop_first;
}

/** Evaluate name (text) against rs; all matches unless stop_first. */
static inline struct test_matches test_eval(struct policy_ruleset *rs, const char *name, bool post,
					    bool stop_first)
{
	struct test_matches t;
	memset(&t, 0, sizeof(t));
	t.stop_first = stop_first;
	uint8_t wire[KR_DNAME_MAXLEN];
	ck_assert_int_gt(kr_dname_from_str(wire, sizeof(wire), name), 0);
	policy_ruleset_eval(rs, wire, post, test_collect_cb, &t);
	return t;
}

/** Add a rule; it must succeed. @return its id. */
static inline int test_add(struct policy_ruleset *rs, const char *json)
{
	char err[POLICY_ERRLEN] = "";
	int id = policy_ruleset_add(rs, json, err, sizeof(err));
	ck_assert_msg(id > 0, "rule %s rejected: %s", json, err);
	return id;
}
