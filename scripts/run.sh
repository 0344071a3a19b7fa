#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Set up a fresh Debian 12 machine (as root), build kresd, install it under
# build/install and run it in the rundir run/ (listening on 127.0.0.1 and ::1 port 53
# unless run/config says otherwise). Extra arguments go to kresd.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh build
[ -x configure ] || ./autogen.sh
mkdir -p build run
cd build
[ -f Makefile ] || ../configure --prefix="$top/build/install" --sbindir="$top/build/install/sbin"
make -j"$(nproc)"
make install >/dev/null
# In a fresh network namespace the loopback interface starts down.
if command -v ip >/dev/null && ip link show lo 2>/dev/null | grep -q "state DOWN"; then
	ip link set lo up
fi
exec "$top/build/install/sbin/kresd" "$@" "$top/run"
