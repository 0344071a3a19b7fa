#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# DNSSEC tests: kresd validating from a signed fake Internet (knotd serving
# zones signed at start by signer.py, some broken on purpose), inside a private
# network namespace (unshare -n): no packet can leave.
# Needs root, Knot DNS (knotd, knotc), ldnsutils (ldns-verify-zone), faketime,
# Debian's python3 with dnspython, cryptography and pytest.
#
# `make check` runs this with KRESD_BUILDDIR, KRESD_SRCDIR, KRESD_MODULE_DIR set.
# By hand: sh tests/dnssec/run.sh [pytest arguments, e.g. -k bogus]
# Tests listed in tests/dnssec/known-failures.txt are strict xfails (conftest.py).
# Exit status: pytest's (1 on a missing prerequisite, 124 on timeout).
set -u
here=$(cd "$(dirname "$0")" && pwd)
KRESD_SRCDIR=${KRESD_SRCDIR:-$(cd "$here/../.." && pwd)}
if [ -z "${KRESD_BUILDDIR:-}" ]; then
	if [ -x ./kresd ]; then KRESD_BUILDDIR=$(pwd); else KRESD_BUILDDIR=/work/build; fi
fi
KRESD_MODULE_DIR=${KRESD_MODULE_DIR:-$KRESD_BUILDDIR/plugins-build}
KRESD_FAKETIME_LIB=${KRESD_FAKETIME_LIB:-/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1}
export KRESD_SRCDIR KRESD_BUILDDIR KRESD_MODULE_DIR KRESD_FAKETIME_LIB
python=${KRESD_TEST_PYTHON:-/usr/bin/python3}
limit=${KRESD_DNSSEC_TIMEOUT:-110}

fail() {
	echo "dnssec tests: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || fail "not root: the tests need a private network namespace (unshare -n), addresses on its lo and port 53"
command -v unshare >/dev/null 2>&1 || fail "unshare not found (Debian package util-linux)"
command -v ip >/dev/null 2>&1 || fail "ip not found (Debian package iproute2)"
command -v knotd >/dev/null 2>&1 && command -v knotc >/dev/null 2>&1 ||
	fail "knotd/knotc not found (Debian package knot)"
command -v ldns-verify-zone >/dev/null 2>&1 || fail "ldns-verify-zone not found (Debian package ldnsutils)"
[ -r "$KRESD_FAKETIME_LIB" ] || fail "$KRESD_FAKETIME_LIB not found (Debian package faketime)"
"$python" -c 'import dns.dnssec, dns.zone, pytest, cryptography' 2>/dev/null ||
	fail "$python lacks dnspython, cryptography or pytest (python3-dnspython python3-cryptography python3-pytest)"
[ -x "$KRESD_BUILDDIR/kresd" ] || fail "$KRESD_BUILDDIR/kresd not built (set KRESD_BUILDDIR)"
[ -e "$KRESD_MODULE_DIR/validate.so" ] || fail "$KRESD_MODULE_DIR/validate.so not built"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kresd-dnssec.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

echo "dnssec tests: kresd from $KRESD_BUILDDIR, plugins from $KRESD_MODULE_DIR"
start=$(date +%s)
# Bounded: the suite takes well under a minute; $limit s means a hang. The
# servers live in the namespace and are stopped by PID at teardown; the
# timeout's SIGKILL is the last resort.
timeout -k 5 "$limit" unshare -n -- sh -c 'py=$0 basetemp=$1 dir=$2; shift 3
	ip link set lo up || exit 1
	exec "$py" -m pytest -q -ra -p no:cacheprovider --basetemp="$basetemp" --durations=5 "$dir" "$@"' \
	"$python" "$tmp/pytest" "$here" -- "$@"
rc=$?
[ $rc -eq 124 ] && echo "dnssec tests: TIMEOUT after $limit s" >&2
echo "dnssec tests: exit status $rc after $(($(date +%s) - start)) s"
exit $rc
