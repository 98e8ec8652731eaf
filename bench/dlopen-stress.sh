#!/bin/sh
# bench/dlopen-stress.sh BUILDDIR RUNS SECS -- runs tests/prog-hard-dlopen
# (4 threads dlopen/dlclose two libraries in a loop) under `sprof run -F
# 10000` RUNS times for SECS seconds each.  A run passes when it exits 0
# within SECS + 30 s with a readable raw file that has an end record.
# Prints one line per run and "dlopen-stress: P/RUNS passed"; exits 1
# unless all passed.
set -u
b=${1:?builddir} runs=${2:-20} secs=${3:-20}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sprof-dlstress.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
i=1
while [ "$i" -le "$runs" ]; do
	rc=0
	timeout -k 5 $((secs + 30)) "$b/src/sprof" run -q -o "$tmp/d.raw" -F 10000 -- \
		"$b/tests/prog-hard-dlopen" "$b/tests/.libs/libhard-dla.so" \
		"$b/tests/.libs/libhard-dlb.so" "$secs" 4 > "$tmp/out" 2> "$tmp/err" || rc=$?
	ended=$("$b/src/sprof" info "$tmp/d.raw" 2> /dev/null | sed -n 's/^  end: //p' | head -n 1)
	samples=$("$b/src/sprof" info "$tmp/d.raw" 2> /dev/null | sed -n 's/^  samples: //p' | head -n 1)
	lost=$("$b/src/sprof" info "$tmp/d.raw" 2> /dev/null | sed -n 's/^  lost: \([0-9]*\).*/\1/p' | head -n 1)
	cycles=$(sed -n 's/^cycles \([0-9]*\)$/\1/p' "$tmp/err")
	if [ "$rc" = 0 ] && [ "$ended" = "exit 0" ]; then
		pass=$((pass + 1))
		verdict=ok
	else
		verdict="FAILED (status $rc, end '$ended')"
	fi
	echo "run $i: $verdict; ${cycles:-?} dlopen/dlclose cycles, ${samples:-?} samples, ${lost:-?} lost"
	i=$((i + 1))
done
echo "dlopen-stress: $pass/$runs passed"
[ "$pass" = "$runs" ]
