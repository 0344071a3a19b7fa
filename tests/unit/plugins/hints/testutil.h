/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the hints plugin's unit tests: temporary files and JSON results. */
#pragma once

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "plugins/hints/hints-impl.h"
#include "tests/unit/check_main.h"

/** Write content to a new temporary file. @return its path, malloc()ed. */
static inline char *test_file(const char *content)
{
	char *path = strdup("/tmp/kresd-hints-test-XXXXXX");
	ck_assert_ptr_nonnull(path);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	size_t len = strlen(content);
	ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
	close(fd);
	return path;
}

/** Remove and free a path from test_file(). */
static inline void test_file_drop(char *path)
{
	unlink(path);
	free(path);
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

/** Is v {"error": msg} with exactly one key and msg containing part? */
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
		if (!(expect)) { \
			ck_assert_msg(out_ == NULL, "expected nil, got %s", out_); \
		} else { \
			ck_assert_msg(out_ != NULL, "expected %s, got nil", (const char *)(expect)); \
			ck_assert_str_eq(out_, (const char *)(expect)); \
		} \
		free(out_); \
	} while (0)
