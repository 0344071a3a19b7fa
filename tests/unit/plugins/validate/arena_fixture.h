/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The validate unit tests' fixture: everything a test allocates comes from one
 * arena, released after each test; records are written in text form. */
#pragma once
#include <check.h>
#include "plugins/validate/validate-impl.h"

static struct kr_arena *arena;
static kr_mm_t *mm;

static void setup(void)
{
	arena = kr_arena_new(0);
	mm = kr_arena_mm(arena);
}

static void teardown(void)
{
	kr_arena_delete(arena);
}

/** One record line ("owner [TTL] [IN] TYPE rdata") as a new RR set from the arena. */
static kr_rrset_t *rr_parse(const char *line)
{
	kr_rrset_t *rr = kr_mm_calloc(mm, sizeof(*rr));
	ck_assert_msg(kr_rrset_from_str(rr, line, NULL, 3600, mm) == 0, "parse: %s", line);
	return rr;
}
