#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Install the Debian 12 packages kresd needs: `deps.sh build` or `deps.sh test`.
# apt-get runs only when something is missing, so this works offline once installed.
set -e
BUILD="autoconf automake libtool pkg-config make gcc libc6-dev
	libuv1-dev liblua5.1-0-dev libdb5.3-dev libmbedtls-dev nettle-dev libssl-dev libyaml-dev libjansson-dev
	check iproute2"
TEST="python3 python3-dnspython python3-pytest util-linux clang libclang-rt-14-dev knot knot-dnsutils faketime
	ldnsutils python3-cryptography"
case "${1:-build}" in
	build) want="$BUILD" ;;
	test) want="$BUILD $TEST" ;;
	*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing; run as root to install them" >&2
	exit 1
fi
echo "installing:$missing"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
