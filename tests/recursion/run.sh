#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Recursion tests: kresd resolving from a fake Internet of real authoritative
# servers (knotd, one process per zone level, plus misbehaving Python servers),
# all inside a private network namespace (unshare -n): no packet can leave.
# Needs root, Knot DNS (Debian package knot: knotd, knotc), Debian's python3
# with dnspython and pytest.
#
# `make check` runs this with KRESD_BUILDDIR, KRESD_SRCDIR, KRESD_MODULE_DIR set.
# By hand: sh tests/recursion/run.sh [pytest arguments, e.g. -k spoof]
# (defaults: /work/main and /work/build). Exit status: pytest's (1 on a missing prerequisite).
set -u
here=$(cd "$(dirname "$0")" && pwd)
KRESD_SRCDIR=${KRESD_SRCDIR:-$(cd "$here/../.." && pwd)}
[ -d "$KRESD_SRCDIR" ] || KRESD_SRCDIR=/work/main
if [ -z "${KRESD_BUILDDIR:-}" ]; then
	if [ -x ./kresd ]; then KRESD_BUILDDIR=$(pwd); else KRESD_BUILDDIR=/work/build; fi
fi
KRESD_MODULE_DIR=${KRESD_MODULE_DIR:-$KRESD_BUILDDIR/plugins-build}
export KRESD_SRCDIR KRESD_BUILDDIR KRESD_MODULE_DIR
python=${KRESD_TEST_PYTHON:-/usr/bin/python3}

fail() {
	echo "recursion tests: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "not root: the tests need a private network namespace (unshare -n), addresses on its lo and port 53; run 'make check' as root"
command -v unshare >/dev/null 2>&1 || fail "unshare not found (Debian package util-linux)"
command -v ip >/dev/null 2>&1 || fail "ip not found (Debian package iproute2)"
command -v knotd >/dev/null 2>&1 && command -v knotc >/dev/null 2>&1 ||
	fail "knotd/knotc not found (Debian package knot: apt-get install -y knot)"
"$python" -c 'import dns.message, dns.zone, pytest' 2>/dev/null ||
	fail "$python lacks dnspython or pytest (Debian packages python3-dnspython python3-pytest)"
[ -x "$KRESD_BUILDDIR/kresd" ] || fail "$KRESD_BUILDDIR/kresd not built (set KRESD_BUILDDIR)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kresd-recursion.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

echo "recursion tests: kresd from $KRESD_BUILDDIR, plugins from $KRESD_MODULE_DIR"
start=$(date +%s)
# Bounded: the suite takes about 2 minutes; 8 minutes means a hang. Everything the
# tests start lives in the namespace and is stopped by PID at teardown; the
# timeout's SIGKILL of the namespace's processes is the last resort.
timeout -k 10 480 unshare -n -- sh -c 'py=$0 basetemp=$1 dir=$2; shift 3
	ip link set lo up || exit 1
	exec "$py" -m pytest -q -ra -p no:cacheprovider --basetemp="$basetemp" --durations=8 "$dir" "$@"' \
	"$python" "$tmp/pytest" "$here" -- "$@"
rc=$?
[ $rc -eq 124 ] && echo "recursion tests: TIMEOUT after 480 s" >&2
echo "recursion tests: exit status $rc after $(($(date +%s) - start)) s"
exit $rc
