/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks of plugin props, shared by the plugin unit suites: props return
 * malloc()ed JSON text (or NULL for nil). */
#pragma once
#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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
		const char *exp_ = (expect); \
		if (!exp_) { \
			ck_assert_msg(out_ == NULL, "expected nil, got %s", out_); \
		} else { \
			ck_assert_msg(out_ != NULL, "expected %s, got nil", exp_); \
			ck_assert_str_eq(out_, exp_); \
		} \
		free(out_); \
	} while (0)
