#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Install test: `make install` into a staging directory, check the installed
# files, build plugins-contrib/hello out of tree against the installed headers
# only (pkg-config libkres), run the installed kresd with it (inside a private
# network namespace) and check its answers and counters. Then, unless
# KRESD_INSTALL_NO_PLAIN=1, build kresd without sanitizers and measure its
# start-up time and idle memory (MEASURE: lines).
#
# Usage: sh tests/install/run.sh TOPSRCDIR BUILDDIR   (as root; scripts/test.sh calls it)
set -eu
[ $# -eq 2 ] || { echo "usage: $0 TOPSRCDIR BUILDDIR" >&2; exit 2; }
top=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
python=${KRESD_TEST_PYTHON:-/usr/bin/python3}
jobs=$(nproc 2>/dev/null || echo 2)

fail() {
	echo "install test: FAIL: $*" >&2
	exit 1
}
step() {
	echo "install test: $*"
}

[ "$(id -u)" = 0 ] || fail "not root: kresd runs in a private network namespace (unshare -n), which needs root"
"$python" -c 'import dns.message' 2>/dev/null || fail "$python lacks dnspython (python3-dnspython)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kresd-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
dest=$tmp/dest
start=$(date +%s)

# The build's own directory variables, expanded by make.
makevar() {
	printf 'print-%%:\n\t@echo $($*)\n' | make -s --no-print-directory -C "$1" -f Makefile -f - "print-$2"
}

step "make install DESTDIR=$dest"
make -s -C "$build" install DESTDIR="$dest" >"$tmp/install.log" 2>&1 ||
	{ tail -n 30 "$tmp/install.log" >&2; fail "make install failed"; }
case " $(makevar "$build" sbin_PROGRAMS) " in
*" kresd "*) bindir=$(makevar "$build" sbindir) ;;
*) bindir=$(makevar "$build" bindir) ;;
esac
moduledir=$(makevar "$build" kr_moduledir)
includedir=$(makevar "$build" includedir)
pkgconfigdir=$(makevar "$build" pkgconfigdir)

for f in "$bindir/kresd" "$moduledir/hints.so" "$moduledir/hints.lua" \
	"$includedir/kres/kres.h" "$includedir/kres/plugin.h" "$pkgconfigdir/libkres.pc"; do
	[ -f "$dest$f" ] || fail "$f is not installed"
done
[ -x "$dest$bindir/kresd" ] || fail "$bindir/kresd is not executable"
# Every header kres.h includes is installed too.
for h in $(sed -n 's|^#include <kres/\(.*\)>|\1|p' "$dest$includedir/kres/"*.h | sort -u); do
	[ -f "$dest$includedir/kres/$h" ] || fail "kres/$h is included but not installed"
done
ls "$dest$moduledir"/*.la >/dev/null 2>&1 && fail "libtool .la files left in $moduledir"
step "installed: $bindir/kresd, $moduledir/{hints.so,hints.lua}, $includedir/kres/*.h, $pkgconfigdir/libkres.pc"

# --- the out-of-tree plugin --------------------------------------------------
step "building plugins-contrib/hello out of tree against the installed headers"
cp -R "$top/plugins-contrib/hello" "$tmp/hello"
rm -f "$tmp/hello/hello.so"
PKG_CONFIG_SYSROOT_DIR=$dest
PKG_CONFIG_LIBDIR=$dest$pkgconfigdir   # only the staged .pc, not the system's
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
cflags=$(pkg-config --cflags libkres) || fail "pkg-config does not know libkres"
case "$cflags" in
*"$dest$includedir"*) ;;
*) fail "pkg-config --cflags libkres gives '$cflags', not $dest$includedir" ;;
esac
# -MD lists every header the compiler opened: all kres/ ones must be the installed ones.
make -C "$tmp/hello" CFLAGS="-O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -MD -MF $tmp/hello.d" \
	>"$tmp/hello.log" 2>&1 || { cat "$tmp/hello.log" >&2; fail "hello does not build out of tree"; }
# What a plugin's own Makefile may well do: compile and link in one go with --cflags --libs.
# shellcheck disable=SC2046
cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags --libs libkres) "$tmp/hello/hello.c" \
	-o "$tmp/hello-linked.so" 2>"$tmp/hello-linked.log" ||
	{ cat "$tmp/hello-linked.log" >&2; fail "cc \$(pkg-config --cflags --libs libkres) hello.c fails"; }
[ "$(pkg-config --variable=moduledir libkres)" = "$dest$moduledir" ] ||
	fail "pkg-config --variable=moduledir libkres is not $moduledir"
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
[ -f "$tmp/hello/hello.so" ] || fail "hello.so not built"
tr ' \\' '\n\n' <"$tmp/hello.d" | grep 'kres/' | sort -u >"$tmp/hello.headers"
[ -s "$tmp/hello.headers" ] || fail "the hello build used no kres/ header?"
if grep -v "^$dest$includedir/kres/" "$tmp/hello.headers" >&2; then
	fail "hello was built with headers from outside the installation (above)"
fi
grep -q "$top/api" "$tmp/hello.log" && fail "the hello build saw the source tree's api/"
nm -D --defined-only "$tmp/hello/hello.so" | grep -q ' kr_plugin_descriptor$' ||
	fail "hello.so does not export kr_plugin_descriptor"
step "hello.so built with $(wc -l <"$tmp/hello.headers") installed headers only"

mkdir "$tmp/modules"
cp "$dest$moduledir"/* "$tmp/modules/"
cp "$tmp/hello/hello.so" "$tmp/modules/"

step "running the installed kresd with hello (private network namespace)"
unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh \
	timeout 60 "$python" "$top/tests/install/check.py" hello "$dest$bindir/kresd" "$tmp/modules" ||
	fail "the installed kresd with hello"
asan=unknown
if nm "$dest$bindir/kresd" 2>/dev/null | grep -q __asan_init; then asan="ASan+UBSan build"; else asan="plain build"; fi
unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh \
	timeout 60 "$python" "$top/tests/install/check.py" measure "$dest$bindir/kresd" "$tmp/modules" \
	"installed, $asan" || fail "measuring the installed kresd"

# --- a build without sanitizers, for the measurements ------------------------
if [ "${KRESD_INSTALL_NO_PLAIN:-0}" = 1 ]; then
	step "no plain build (KRESD_INSTALL_NO_PLAIN=1)"
elif [ "$asan" = "plain build" ]; then
	step "the installed build has no sanitizers: measured above"
else
	step "configuring and building kresd without sanitizers in $tmp/plain"
	mkdir "$tmp/plain"
	(cd "$tmp/plain" && "$top/configure" --prefix=/usr/local >"$tmp/plain.log" 2>&1 &&
		make -j"$jobs" all >>"$tmp/plain.log" 2>&1) ||
		{ tail -n 30 "$tmp/plain.log" >&2; fail "plain build"; }
	nm "$tmp/plain/kresd" | grep -q __asan_init && fail "the plain build has ASan"
	step "plain build: $(grep -m1 '^CFLAGS = ' "$tmp/plain/Makefile")"
	mkdir "$tmp/plain-modules"
	cp -L "$tmp/plain/plugins-build/"* "$tmp/plain-modules/"   # every default plugin
	unshare -n -- sh -c 'ip link set lo up && exec "$@"' sh \
		timeout 60 "$python" "$top/tests/install/check.py" measure "$tmp/plain/kresd" "$tmp/plain-modules" \
		"plain -O2 build (no sanitizers)" || fail "measuring the plain kresd"
fi
step "passed in $(($(date +%s) - start)) s"
