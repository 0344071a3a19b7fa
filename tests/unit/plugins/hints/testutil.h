/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the hints plugin's unit tests: temporary files and JSON results. */
#pragma once
#include "tests/unit/plugins/prop_check.h"

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

