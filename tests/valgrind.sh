#!/bin/bash
# tests/valgrind.sh -- sprof and the shim under valgrind's memcheck: no
# invalid access, no use of uninitialised memory, no definite leak.
#
# Usage: tests/valgrind.sh [--quick] [BUILDDIR]     (BUILDDIR default ./build)
# Run by CI (.ci/run) after make check, with the plain (unsanitized) build;
# --quick is the short version tests/harden-valgrind.sh runs in make check.
#
# Covers: `sprof info` and `sprof convert` in every format on a real raw
# file, on a file cut by kill -9 and on damaged files (from the table of
# tests/harden-mutate.py); the launcher `sprof run` itself; and a program
# profiled by the shim at 101 Hz, with both the program and the shim under
# memcheck (so the shim's SIGPROF handler, sampler and writer threads run on
# valgrind's synthetic CPU too).
#
# Exit 0 when every run is clean, 1 when one is not, 77 when valgrind is
# missing or sprof was built with a sanitizer, 99 when the set-up fails.
set -u
quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
builddir=$(cd "${1:-./build}" 2>/dev/null && pwd) || { echo "valgrind.sh: no build dir ${1:-./build}" >&2; exit 99; }
sprof=$builddir/src/sprof
shim=$builddir/src/shim/.libs/libsprof.so
work=$builddir/tests/prog-harden-work
srcdir=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON3:-python3}

command -v valgrind > /dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 77; }
for f in "$sprof" "$shim" "$work"; do
	[ -e "$f" ] || { echo "valgrind.sh: $f is missing (run make check first)" >&2; exit 99; }
done
if grep -q __asan_init "$sprof"; then
	echo "valgrind.sh: $sprof is built with AddressSanitizer; valgrind cannot run it" >&2
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sprof-valgrind.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99

VG=(--error-exitcode=3 --leak-check=full --errors-for-leak-kinds=definite
    --child-silent-after-fork=yes)

runs=0 bad=0 t_start=$SECONDS
summary=()
vgcmd=(valgrind)
# vg NAME CMD...: one command under memcheck (run by "${vgcmd[@]}"); its log
# is shown when unclean
vg() {
	local name=$1 t0=$SECONDS rc=0
	shift
	"${vgcmd[@]}" "${VG[@]}" --log-file="$tmp/vg.$runs.log" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	runs=$((runs + 1))
	local errs
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$tmp/vg.$((runs - 1)).log" | tail -n 1)
	summary+=("$(printf '%-44s exit %3d  errors %-3s %3d s' "$name" "$rc" "${errs:-?}" $((SECONDS - t0)))")
	if [ "$rc" -eq 3 ] || [ "${errs:-1}" != 0 ] || [ "$rc" -ge 128 ]; then
		bad=$((bad + 1))
		echo "---- valgrind: $name: exit $rc" >&2
		cat "$tmp/vg.$((runs - 1)).log" >&2
		tail -n 5 "$tmp/err" >&2
	fi
	return "$rc"
}

# ---- input files (made without valgrind)
"$sprof" run -q -F 1000 -o good.raw -- "$work" 2 0.5 > /dev/null 2>&1 || { echo "valgrind.sh: sprof run failed" >&2; exit 99; }
if [ "$quick" = 0 ]; then
	"$sprof" run -q -F 1000 -o other.raw -- "$work" 1 0.3 > /dev/null 2>&1 || { echo "valgrind.sh: sprof run failed" >&2; exit 99; }
	"$sprof" run -q -F 1000 -o cut.raw -- "$work" 2 30 > /dev/null 2>&1 &
	launcher=$!
	n=0
	while [ $n -lt 50 ] && [ "$(stat -c %s cut.raw 2>/dev/null || echo 0)" -le 600 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	sleep 1.1         # the shim writes a block a second: let a second one land
	child=$(pgrep -P "$launcher" | head -n 1)
	[ -n "$child" ] && kill -9 "$child"
	wait "$launcher" 2> /dev/null
fi

# ---- sprof info / convert
formats=$("$sprof" convert --help | sed -n '/-f, --format/,/-o, --output/p' |
	sed -n 's/^      \([a-z][a-z-]*\)  .*/\1/p')
[ -n "$formats" ] || formats=sentry
vg "info good.raw" "$sprof" info good.raw
[ "$quick" = 1 ] || vg "info cut.raw" "$sprof" info cut.raw
for f in $formats; do
	[ "$quick" = 1 ] && [ "$f" != sentry ] && [ "$f" != pprof ] && continue
	vg "convert -f $f good.raw" "$sprof" convert -f "$f" -o "good.$f" good.raw
done
if [ "$quick" = 0 ]; then
	cat good.raw > two.raw && tail -c +17 other.raw >> two.raw
	vg "convert --all -f sentry two.raw" "$sprof" convert --all -f sentry two.raw
	vg "convert -f speedscope cut.raw" "$sprof" convert -f speedscope cut.raw
	vg "convert -f sentry-chunk cut.raw" "$sprof" convert -f sentry-chunk cut.raw

	# damaged files: a sample of the mutation table, one per layer
	mkdir cases
	"$python" - "$srcdir/tests/harden-mutate.py" good.raw cut.raw other.raw cases <<'PY' || { echo "valgrind.sh: cannot make the damaged files" >&2; exit 99; }
import importlib.util, os, sys
spec = importlib.util.spec_from_file_location("hm", sys.argv[1])
hm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hm)
good, cut, other = (open(p, "rb").read() for p in sys.argv[2:5])
want = {"inflate-flip-blk1-2", "rec6-unterminated-varints", "rec5-empty-body", "stack-depth-1025",
        "sample-undefined-stack", "stack-ids-swapped", "process-second-record", "duplicated-body",
        "interleaved-two-pids", "no-block0", "thread-name-hostile", "stack-depth-0",
        "stack-pcs-0-and-max", "image-path-text", "image-wraps-address-space", "rawlen-minus-1",
        "stored-trailing-garbage", "trunc-575+60", "header-size-17", "samples-count-plus-1",
        "process-argc-past-end", "image-build-id-65"}
for name, data, _ in hm.build_cases(good, cut, other, sys.argv[5]):
    if name in want and isinstance(data, bytes):
        open(os.path.join(sys.argv[5], name + ".raw"), "wb").write(data)
PY
	# convert too where the damage reaches the converter (the rest stops
	# in the reader, which info covers)
	for f in cases/*.raw; do
		name=$(basename "$f" .raw)
		vg "info $name" "$sprof" info "$f"
		case $name in
		duplicated-body|interleaved-two-pids|no-block0|thread-name-hostile|stack-depth-0|\
		stack-pcs-0-and-max|image-path-text|image-wraps-address-space|inflate-flip-blk1-2|\
		rec6-unterminated-varints)
			vg "convert --force $name" "$sprof" convert --force -f sentry "$f" ;;
		esac
	done
	vg "convert -f collapsed thread-name-hostile" "$sprof" convert --force -f collapsed cases/thread-name-hostile.raw
fi

# ---- the launcher (its child runs natively)
vg "sprof run (launcher)" --trace-children=no "$sprof" run -q -F 1000 -o launcher.raw -- "$work" 1 0.3

# ---- a program with the shim, all under memcheck.  Not `sprof run --
# valgrind PROG`: the shim would load into valgrind's own (dynamic) launcher,
# take the SPROF_* settings out of its environment and leave the program
# unprofiled.  So the tool runs directly, as valgrind's launcher would run it,
# with the settings the launcher gives the shim and a raw file header.
tool=$(ls "${VALGRIND_LIB:-/usr/libexec/valgrind}"/memcheck-*-linux 2> /dev/null | head -n 1)
if [ -z "$tool" ] || [ ! -x "$tool" ]; then
	echo "valgrind.sh: no memcheck tool binary found; the shim was not checked" >&2
	bad=$((bad + 1))
else
	secs=2
	[ "$quick" = 1 ] && secs=1
	"$python" -c 'import struct, sys; sys.stdout.buffer.write(b"SPROFRAW" + struct.pack("<HHI", 1, 0, 16))' > shim.raw
	# env sets LD_PRELOAD for the tool only, which is static and passes it
	# on to the program it runs
	vgcmd=(env VALGRIND_LAUNCHER="$(command -v valgrind)" VALGRIND_LIB="$(dirname "$tool")"
	       LD_PRELOAD="$shim" SPROF_OUTPUT="$tmp/shim.raw" SPROF_FREQUENCY=101 "$tool")
	vg "shim at 101 Hz in prog-harden-work 2 $secs" "$work" 2 "$secs"
	vgcmd=(valgrind)
	# the shim must really have sampled: memcheck runs one thread at a time,
	# so about 101 samples per second of wall time in all; a tenth of that
	# proves the signals get through (a loaded machine gives memcheck less)
	"$sprof" info shim.raw > shim.info 2>&1
	samples=$(sed -n 's/^  samples: //p' shim.info | head -n 1)
	threads=$(sed -n 's/^  threads: //p' shim.info | head -n 1)
	if ! grep -q '^  end: exit 0$' shim.info || [ "${samples:-0}" -lt $((secs * 10)) ] || [ "${threads:-0}" -lt 3 ]; then
		echo "valgrind.sh: the shim under valgrind did not profile the program" >&2
		cat shim.info >&2
		bad=$((bad + 1))
	fi
	summary+=("$(printf '%-44s %s samples, %s threads' "  (shim.raw)" "${samples:-0}" "${threads:-0}")")
fi

printf '%s\n' "${summary[@]}"
echo "valgrind.sh: $runs runs under memcheck, $bad unclean, $((SECONDS - t_start)) s"
[ "$bad" -eq 0 ]
