#!/bin/sh
# tests/fuzz.sh -- builds the libFuzzer target tests/fuzz-convert.c with
# clang (-fsanitize=fuzzer,address,undefined) and runs it on the seed corpus
# tests/corpus/ for SECONDS (default 60).  Crashing inputs are copied to
# tests/corpus/regress/ (commit them: make check replays them).
#
# Usage: tests/fuzz.sh BUILDDIR [SECONDS]
#   BUILDDIR: a configured build directory (for config.h), e.g. the CI's.
# Exit: 0 no crash, 1 a crash (the input is saved), 77 clang cannot fuzz.
set -eu
builddir=${1:?usage: tests/fuzz.sh BUILDDIR [SECONDS]}
seconds=${2:-60}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "$builddir" && pwd)
[ -f "$builddir/config.h" ] || { echo "fuzz.sh: $builddir/config.h missing: configure first" >&2; exit 2; }
CLANG=${CLANG:-clang}
command -v "$CLANG" > /dev/null || { echo "fuzz.sh: $CLANG not found" >&2; exit 77; }

work=$builddir/fuzz
mkdir -p "$work/corpus" "$work/crashes"
# The converter's sources, the reader and the fuzz target, all instrumented.
set -- "$srcdir"/src/convert/*.c "$srcdir/src/raw/reader.c" "$srcdir/src/util.c" \
	"$srcdir/tests/fuzz-convert.c"
# shellcheck disable=SC2046
"$CLANG" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$srcdir/src" -I"$builddir" $(pkg-config --cflags libcjson libdw zlib) \
	"$@" -o "$work/fuzz-convert" \
	$(pkg-config --libs libcjson libdw libelf zlib) -lstdc++ -lm
cp "$srcdir"/tests/corpus/*.raw "$work/corpus/" 2>/dev/null || true
status=0
(cd "$work" && ./fuzz-convert -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/crashes/" corpus "$srcdir/tests/corpus") > "$work/fuzz.log" 2>&1 || status=$?
tail -n 5 "$work/fuzz.log"
if [ "$status" -ne 0 ] || [ -n "$(ls "$work/crashes")" ]; then
	mkdir -p "$srcdir/tests/corpus/regress"
	for f in "$work"/crashes/*; do
		[ -e "$f" ] && cp "$f" "$srcdir/tests/corpus/regress/$(basename "$f").raw"
	done
	echo "fuzz.sh: crash; inputs saved in tests/corpus/regress/ (log: $work/fuzz.log)" >&2
	exit 1
fi
echo "fuzz.sh: no crash in $seconds s"
