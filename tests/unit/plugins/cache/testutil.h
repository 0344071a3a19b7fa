/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the cache plugin's unit tests: temporary directories, names, JSON. */
#pragma once
#include "tests/unit/plugins/prop_check.h"

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

