#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Print the automake rules of unit tests: gen-test-rules.sh DIR NAME...
# e.g. `scripts/gen-test-rules.sh core/engine resolve rplan` for
# tests/unit/core/engine/test_resolve.c and test_rplan.c (paste into DIR/Makefile.inc).
dir=$1
shift
for t in "$@"; do
	v=$(echo "tests/unit/$dir/test_$t" | tr '/.-' '___')
	cat <<RULES

check_PROGRAMS += tests/unit/$dir/test_$t
${v}_SOURCES = tests/unit/$dir/test_$t.c
${v}_CFLAGS = \$(KR_TEST_CFLAGS)
${v}_LDFLAGS = \$(KR_TEST_LDFLAGS)
${v}_LDADD = \$(KR_TEST_LDADD)
${v}_DEPENDENCIES = libkres.la
TESTS += tests/unit/$dir/test_$t
RULES
done
