#!/bin/sh
# tests/loader-stress.sh BUILDDIR RUNS SECS [STRESS...] -- runs each loader
# stress of tests/prog-hard-loader under `sprof run` RUNS times for SECS
# seconds, and says how many runs hung.  Used by tests/hard-loader.sh (45
# short runs each) and `make bench-dlopen` (500 each).
#
# Stresses (name: mode, threads, sampling rate):
#   dl4-10k     dlopen/dlclose churn, 4 threads, 10 kHz
#   dl1-10k     the same on the main thread alone
#   iconv4-101  iconv_open/iconv_close (glibc's internal dlopen/dlclose of
#               gconv modules), 4 threads, the default 101 Hz
#   iconv4-10k  the same at 10 kHz
#   nss4-1k     getpwnam_r/getaddrinfo, 4 threads, 1 kHz
#
# A run passes when the program exits 0 within SECS + 10 s with a raw file
# that ends cleanly.  A run still going then is a hang: the stacks of its
# threads (eu-stack, else gdb) are printed, then it is killed -- SIGKILL,
# since a hung handler may keep SIGTERM pending forever.  Per stress, one line:
#   stress NAME: RUNS runs, H hung, F failed, S samples, L lost (P %)
# Exits 1 when any run hung or failed.
set -u
b=${1:?builddir} runs=${2:?runs} secs=${3:?seconds}
shift 3
[ $# -gt 0 ] || set -- dl4-10k dl1-10k iconv4-101 iconv4-10k nss4-1k
sprof=$b/src/sprof
prog=$b/tests/prog-hard-loader
liba=$b/tests/.libs/libhard-dla.so
libb=$b/tests/.libs/libhard-dlb.so
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sprof-loader.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
limit=$(awk -v s="$secs" 'BEGIN { printf "%d", (s + 10) * 10 }')      # tenths of a second
bad=0

# stacks PID: every thread of every process under PID (timeout, the
# launcher, the program and whatever it started)
stacks() {
	for c in $(pgrep -P "$1"); do
		echo "---- stacks of pid $c ($(cat "/proc/$c/comm" 2> /dev/null))"
		if command -v eu-stack > /dev/null; then
			eu-stack -p "$c" 2>&1 | head -n 200
		else
			gdb -p "$c" -batch -ex 'thread apply all bt' 2>&1 | head -n 200
		fi
		stacks "$c"
	done
}

kill_tree() {
	for c in $(pgrep -P "$1"); do
		kill_tree "$c"
	done
	kill -KILL "$1" 2> /dev/null
}

# one NAME HZ ARGS...: one bounded run; sets verdict, samples, lost
one() {
	name=$1 hz=$2
	shift 2
	rm -f "$tmp/r.raw"
	timeout -k 5 $((limit / 10 + 20)) "$sprof" run -q -o "$tmp/r.raw" -F "$hz" -- \
		"$prog" "$@" > "$tmp/out" 2> "$tmp/err" &
	pid=$!
	t=0
	while kill -0 "$pid" 2> /dev/null && [ "$t" -lt "$limit" ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$pid" 2> /dev/null; then
		echo "stress $name: run hung after $((limit / 10)) s; stacks:"
		stacks "$pid"
		kill_tree "$pid"
		wait "$pid" 2> /dev/null
		verdict=hung
		return
	fi
	rc=0
	wait "$pid" || rc=$?
	"$sprof" info "$tmp/r.raw" > "$tmp/info" 2>&1
	ended=$(sed -n 's/^  end: //p' "$tmp/info" | head -n 1)
	samples=$(sed -n 's/^  samples: \([0-9]*\).*/\1/p' "$tmp/info" | head -n 1)
	lost=$(sed -n 's/^  lost: \([0-9]*\).*/\1/p' "$tmp/info" | head -n 1)
	if [ "$rc" = 0 ] && [ "$ended" = "exit 0" ] && grep -q '^cycles some$' "$tmp/out"; then
		verdict=ok
	else
		echo "stress $name: run failed: status $rc, end '$ended'"
		sed 's/^/  | /' "$tmp/err" | head -n 20
		verdict=failed
	fi
}

for stress in "$@"; do
	case $stress in
	dl4-10k) hz=10000 args="dl $secs 4 $liba $libb" ;;
	dl1-10k) hz=10000 args="dl $secs 1 $liba $libb" ;;
	iconv4-101) hz=101 args="iconv $secs 4" ;;
	iconv4-10k) hz=10000 args="iconv $secs 4" ;;
	nss4-1k) hz=1000 args="nss $secs 4" ;;
	*) echo "loader-stress: unknown stress $stress" >&2; exit 99 ;;
	esac
	hung=0 failed=0 tsamples=0 tlost=0 i=0
	while [ "$i" -lt "$runs" ]; do
		samples=0 lost=0
		# shellcheck disable=SC2086  # args are words
		one "$stress" "$hz" $args
		case $verdict in
		hung) hung=$((hung + 1)) ;;
		failed) failed=$((failed + 1)) ;;
		esac
		tsamples=$((tsamples + ${samples:-0}))
		tlost=$((tlost + ${lost:-0}))
		i=$((i + 1))
	done
	pct=$(awk -v s="$tsamples" -v l="$tlost" 'BEGIN { printf "%.2f", (s + l > 0) ? 100 * l / (s + l) : 0 }')
	echo "stress $stress: $runs runs, $hung hung, $failed failed, $tsamples samples, $tlost lost ($pct %)"
	[ "$hung" = 0 ] && [ "$failed" = 0 ] || bad=1
done
exit "$bad"
