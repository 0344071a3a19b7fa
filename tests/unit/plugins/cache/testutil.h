/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the cache plugin's unit tests: temporary directories, names, JSON. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "plugins/cache/cache-impl.h"
#include "tests/unit/check_main.h"

/** A new temporary directory. @return its path, malloc()ed. */
static inline char *test_dir(void)
{
	char *path = strdup("/tmp/kresd-cache-test-XXXXXX");
	ck_assert_ptr_nonnull(path);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

/** Remove a directory from test_dir() with its files, and free the path. */
static inline void test_dir_drop(char *path)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
	free(path);
}

/** Wire form of a name (static buffer per call site is the caller's). */
static inline uint8_t *test_name(uint8_t *buf, const char *text)
{
	ck_assert_int_gt(kr_dname_from_str(buf, KR_DNAME_MAXLEN, text), 0);
	return buf;
}

/** Parse (and free) a prop's JSON result; NULL stays NULL. */
static inline json_t *test_json(char *text)
{
	if (!text)
		return NULL;
	json_error_t err;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
	ck_assert_msg(v != NULL, "prop returned invalid JSON: %s", text);
	free(text);
	return v;
}

/** Is v {"error": msg} with msg containing part? */
static inline bool test_is_error(const json_t *v, const char *part)
{
	if (!json_is_object(v) || json_object_size(v) != 1)
		return false;
	const char *msg = json_string_value(json_object_get(v, "error"));
	return msg && (!part || strstr(msg, part));
}

/** Call a prop and compare its compact JSON result with expect (NULL: nil). */
#define ck_prop_eq(call, expect) do { \
		char *out_ = (call); \
		const char *exp_ = (expect); \
		if (!exp_) { \
			ck_assert_msg(out_ == NULL, "expected nil, got %s", out_); \
		} else { \
			ck_assert_msg(out_ != NULL, "expected %s, got nil", exp_); \
			ck_assert_str_eq(out_, exp_); \
		} \
		free(out_); \
	} while (0)
