#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Scenario conformance: replays the .rpl corpus (Deckard / Unbound testbound
# format) against a real kresd, each test case in its own private network
# namespace (unshare -n) inside the one made here: no packet can leave.
# First a self-test of the runner (tests/scenarios/selftest/*.rpl: scenarios
# written to fail must be reported as FAIL, the correct one as PASS), then the
# corpus, two test cases at a time, checked against known-failures.txt both
# ways (an unlisted failure or a listed pass fails the run).
#
# Needs root, Debian's python3 with dnspython, iproute2, util-linux (unshare)
# and libfaketime (Debian package faketime).
#
# `make check` runs this with KRESD_BUILDDIR, KRESD_SRCDIR, KRESD_MODULE_DIR set.
# By hand: sh tests/scenarios/run.sh [runner arguments, e.g. -v, or scenario files]
#   KRESD_SCENARIOS  the corpus directory (default /work/shared/deckard-scenarios/sets/resolver)
#   KRESD_SCENARIO_JOBS  parallel test cases (default 2)
# Exit status: 0 when the self-test passes and the corpus matches known-failures.txt.
set -u
here=$(cd "$(dirname "$0")" && pwd)
KRESD_SRCDIR=${KRESD_SRCDIR:-$(cd "$here/../.." && pwd)}
if [ -z "${KRESD_BUILDDIR:-}" ]; then
	if [ -x ./kresd ]; then KRESD_BUILDDIR=$(pwd); else KRESD_BUILDDIR=/work/build; fi
fi
KRESD_MODULE_DIR=${KRESD_MODULE_DIR:-$KRESD_BUILDDIR/plugins-build}
export KRESD_SRCDIR KRESD_BUILDDIR KRESD_MODULE_DIR
python=${KRESD_TEST_PYTHON:-/usr/bin/python3}
corpus=${KRESD_SCENARIOS:-/work/shared/deckard-scenarios/sets/resolver}
jobs=${KRESD_SCENARIO_JOBS:-2}
faketime=${KRESD_FAKETIME_LIB:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1}
export KRESD_FAKETIME_LIB=$faketime

fail() {
	echo "scenario tests: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "not root: each test case runs in a private network namespace (unshare -n) with addresses on lo and port 53"
command -v unshare >/dev/null 2>&1 || fail "unshare not found (Debian package util-linux)"
command -v ip >/dev/null 2>&1 || fail "ip not found (Debian package iproute2)"
[ -r "$faketime" ] || fail "$faketime not found (Debian package faketime)"
"$python" -c 'import dns.message' 2>/dev/null ||
	fail "$python lacks dnspython (Debian package python3-dnspython)"
[ -x "$KRESD_BUILDDIR/kresd" ] || fail "$KRESD_BUILDDIR/kresd not built (set KRESD_BUILDDIR)"
[ -d "$corpus" ] || fail "no scenario corpus at $corpus (set KRESD_SCENARIOS)"

PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE
echo "scenario tests: kresd from $KRESD_BUILDDIR, plugins from $KRESD_MODULE_DIR, corpus $corpus"
start=$(date +%s)

# 1. Self-test of the runner: its own scenarios against kresd.
timeout -k 10 120 unshare -n -- "$python" "$here/runner.py" --selftest "$here/selftest"
rc=$?
if [ $rc -ne 0 ]; then
	echo "scenario tests: runner self-test FAILED (status $rc)" >&2
	exit 1
fi

# 2. The corpus. Bounded: it takes a few minutes; 9 minutes means a hang.
if [ $# -gt 0 ]; then
	set -- --subset "$@"
else
	set -- "$corpus"
fi
timeout -k 10 540 unshare -n -- "$python" "$here/runner.py" --jobs "$jobs" \
	--known-failures "$here/known-failures.txt" "$@"
rc=$?
[ $rc -eq 124 ] && echo "scenario tests: TIMEOUT after 540 s" >&2
echo "scenario tests: exit status $rc after $(($(date +%s) - start)) s"
exit $rc
