#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Build the libFuzzer targets with clang (ASan + UBSan) and run each for a
# bounded time from its seed corpus: run.sh TOPSRCDIR [SECONDS]
set -e
top=$1
secs=${2:-30}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
srcs="$top/core/wire/dname.c $top/core/wire/edns.c $top/core/wire/pkt.c $top/core/wire/rdesc.c
	$top/core/wire/rrline.c $top/core/wire/rrset.c $top/core/wire/rrtext.c $top/core/wire/rrtype.c
	$top/core/util/errors.c $top/core/util/log.c $top/core/util/mm.c"
# The YAML loader without its Lua side (config/yaml_run.c), with libyaml.
yaml_srcs=$(ls "$top"/config/yaml_*.c | grep -v yaml_run.c)
for target in fuzz_pkt fuzz_rrline fuzz_yaml fuzz_answer_cache; do
	extra=
	[ "$target" = fuzz_yaml ] && extra="$yaml_srcs $(pkg-config --cflags --libs yaml-0.1)"
	[ "$target" = fuzz_answer_cache ] && extra="$top/core/net/answer_cache.c"
	clang -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I"$top/api" -I"$top" \
		"$top/tests/fuzz/$target.c" $srcs $extra -o "$out/$target"
	mkdir -p "$out/corpus-$target"
	cp "$top"/tests/fuzz/seeds/"$target"/* "$out/corpus-$target/" 2>/dev/null || true
	echo "fuzzing $target for $secs s"
	if ! "$out/$target" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$out/" "$out/corpus-$target" 2>"$out/$target.log"; then
		tail -n 40 "$out/$target.log"
		for a in "$out"/crash-* "$out"/leak-* "$out"/timeout-*; do
			[ -f "$a" ] && { echo "input $a:"; od -A x -t x1z "$a"; }
		done
		exit 1
	fi
	grep -E "stat::number_of_executed_units" "$out/$target.log" || true
done
