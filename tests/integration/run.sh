#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Integration tests: real kresd processes queried with real packets, all inside
# a private network namespace (unshare -n), so nothing can leave the machine.
# Needs root (for the namespace), Debian's python3 with dnspython and pytest.
#
# `make check` runs this with cwd = the build directory and KRESD_BUILDDIR,
# KRESD_SRCDIR, KRESD_MODULE_DIR set. By hand, from a build directory:
#   sh ../tests/integration/run.sh [pytest arguments, e.g. -k tcp]
# Exit status: pytest's (1 when not root).
set -u
here=$(cd "$(dirname "$0")" && pwd)
KRESD_SRCDIR=${KRESD_SRCDIR:-$(cd "$here/../.." && pwd)}
KRESD_BUILDDIR=${KRESD_BUILDDIR:-$(pwd)}
KRESD_MODULE_DIR=${KRESD_MODULE_DIR:-$KRESD_BUILDDIR/plugins-build}
export KRESD_SRCDIR KRESD_BUILDDIR KRESD_MODULE_DIR
python=${KRESD_TEST_PYTHON:-/usr/bin/python3}

fail() {
	echo "integration tests: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "not root: the tests run kresd in a private network namespace (unshare -n), which needs root; run 'make check' as root"
command -v unshare >/dev/null 2>&1 || fail "unshare not found (Debian package util-linux)"
command -v ip >/dev/null 2>&1 || fail "ip not found (Debian package iproute2)"
"$python" -c 'import dns.message, pytest' 2>/dev/null ||
	fail "$python lacks dnspython or pytest (Debian packages python3-dnspython python3-pytest)"
[ -x "$KRESD_BUILDDIR/kresd" ] || fail "$KRESD_BUILDDIR/kresd not built (set KRESD_BUILDDIR)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kresd-integration.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
KRESD_MEASURE=$tmp/measure
export KRESD_MEASURE
# No bytecode or cache files in the (possibly read-only) source tree.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

echo "integration tests: kresd from $KRESD_BUILDDIR, plugins from $KRESD_MODULE_DIR"
start=$(date +%s)
# Not -x: every failure is worth seeing, each test has its own kresd.
# Bounded: the whole suite takes about a minute; 10 minutes means a hang.
timeout -k 10 600 unshare -n -- sh -c 'py=$0 basetemp=$1 dir=$2; shift 2
	ip link set lo up || exit 1
	exec "$py" -m pytest -q -ra -p no:cacheprovider -W error::pytest.PytestUnhandledThreadExceptionWarning --basetemp="$basetemp" --durations=5 "$dir" "$@"' \
	"$python" "$tmp/pytest" "$here" "$@"
rc=$?
[ $rc -eq 124 ] && echo "integration tests: TIMEOUT after 600 s" >&2
echo "integration tests: exit status $rc after $(($(date +%s) - start)) s"
exit $rc
