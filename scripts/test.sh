#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Set up a fresh Debian 12 machine (as root), build kresd with AddressSanitizer
# and UBSan, and run every test: unit, ABI, integration (in private network
# namespaces), fuzz (bounded), and the out-of-tree plugin build against the
# installed headers; then the validation unit tests once more with the other
# DNSSEC crypto backend (--with-crypto=mbedtls, in build-test-mbedtls).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh test
./autogen.sh >/dev/null 2>&1 || ./autogen.sh
rm -rf build-test
mkdir build-test
cd build-test
../configure --enable-sanitizers --prefix=/usr/local >/dev/null
make -j"$(nproc)"
if ! make -j"$(nproc)" check; then
	for log in $(find . -name '*.log' ! -name config.log); do
		grep -q '^FAIL\|^ERROR' "${log%.log}.trs" 2>/dev/null && { echo "=== $log"; tail -n 60 "$log"; }
	done
	exit 1
fi
sh "$top/tests/install/run.sh" "$top" "$top/build-test"
sh "$top/tests/fuzz/run.sh" "$top" 30
# The other DNSSEC crypto backend (mbed TLS + nettle): only the validation unit
# tests, and only what they need is built.
cd "$top"
rm -rf build-test-mbedtls
mkdir build-test-mbedtls
cd build-test-mbedtls
../configure --enable-sanitizers --with-crypto=mbedtls >/dev/null
crypto_tests="tests/unit/plugins/validate/test_dnssec tests/unit/plugins/validate/test_denial"
make -j"$(nproc)" config/prelude.lua.h
if ! make -j"$(nproc)" check-TESTS check_PROGRAMS="$crypto_tests" TESTS="$crypto_tests"; then
	for t in $crypto_tests; do tail -n 60 "$t.log"; done
	exit 1
fi
echo "all tests passed"
