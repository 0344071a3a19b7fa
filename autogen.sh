#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Generate the configure script and Makefile.in files.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --install --force
