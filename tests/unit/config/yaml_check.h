/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The translation state of the YAML unit tests (tests/unit/config/test_yaml_*.c), fresh for
 * each test of a case with the fixture yaml_fx:
 *   unit_tcase(s, "kr__yaml_seconds", &yaml_fx, seconds);
 *   ...
 *   ck_assert(!kr__yaml_seconds(&ctx, yaml_node(KR_YAML_SCALAR, "1X", true), "t", 0, 60, &v));
 *   ck_assert_str_eq(yaml_errors(), "t.yaml:0:0: t: ...\n");
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include "config/yaml.h"
#include "tests/unit/check_main.h"

static struct kr_yaml_lua out;   /**< what a translation made; out.arena holds the test's nodes */
static struct kr_yaml_ctx ctx;   /**< over out, for the file "t.yaml" */

static inline void yaml_setup(void)
{
	memset(&out, 0, sizeof(out));
	out.arena = kr_arena_new(0);
	ck_assert_ptr_nonnull(out.arena);
	ctx = (struct kr_yaml_ctx){ .file = "t.yaml", .mm = kr_arena_mm(out.arena), .out = &out };
}

static inline void yaml_teardown(void)
{
	free(ctx.lua.data);
	free(ctx.errv);
	kr__yaml_lua_free(&out);
}

/** yaml_setup() before each test, yaml_teardown() after it. */
static const struct unit_fixture yaml_fx = { yaml_setup, yaml_teardown, 0 };

/** A node in out's arena, at line 0 column 0. */
static inline struct kr_yaml_node *yaml_node(enum kr_yaml_kind kind, const char *text, bool plain)
{
	struct kr_yaml_node *n = kr_mm_calloc(ctx.mm, sizeof(*n));
	n->kind = kind;
	n->text = text;
	n->len = text ? strlen(text) : 0;
	n->plain = plain;
	return n;
}

/** The errors recorded in ctx so far, then forgotten. @return their text (valid until the next call). */
static inline const char *yaml_errors(void)
{
	static char buf[4096];
	char *text = kr__yaml_errors_text(&ctx);
	snprintf(buf, sizeof(buf), "%s", text ? text : "");
	free(text);
	free(ctx.errv);
	ctx.errv = NULL;
	ctx.errc = ctx.errcap = 0;
	out.error_count = 0;
	return buf;
}
