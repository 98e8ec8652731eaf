#!/bin/sh
# The sampling handler never waits for the dynamic loader (issue 11): the
# loader stresses of tests/loader-stress.sh -- dlopen/dlclose churn on 4
# threads and on 1 at 10 kHz, iconv_open/close on 4 threads at 101 Hz and
# 10 kHz (glibc's internal dlopen/dlclose), getpwnam/getaddrinfo on 4
# threads -- 45 runs of 0.3 s each, every one bounded.  Sizing: a hang in 1
# run of 10 escapes 45 runs with probability 0.9^45 < 1 %, per stress.
# Then SIGTERM, to the program and to the launcher, while it is sampled at
# 10 kHz in the middle of the churn: the program dies of it at once.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
loader=$(prog prog-hard-loader)
need_file "$SPROF_TESTDIR/.libs/libhard-dla.so"

if ! sh "$SPROF_SRCDIR/tests/loader-stress.sh" "$SPROF_TESTDIR/.." 45 0.3 > stress.txt 2>&1; then
	show stress.txt
	fail "a loader stress hung or failed"
fi
grep '^stress' stress.txt

# term_prompt WHO MODE: SIGTERM to the program (WHO=program) or to the
# launcher (WHO=launcher) 0.5 s into MODE's churn; it must be gone within
# 3 s with the status of a SIGTERM death.
term_prompt() {
	"$SPROF" run -q -o "t-$1-$2.raw" -F 10000 -- "$loader" "$2" 30 4 \
		"$SPROF_TESTDIR/.libs/libhard-dla.so" "$SPROF_TESTDIR/.libs/libhard-dlb.so" \
		> out 2> err &
	pid=$!
	sleep 0.5
	child=$(pgrep -P "$pid" | head -n 1)
	[ -n "$child" ] || { show err; fail "$2: no program under the launcher"; }
	if [ "$1" = program ]; then kill -TERM "$child"; else kill -TERM "$pid"; fi
	t=0
	while kill -0 "$pid" 2> /dev/null && [ "$t" -lt 30 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$pid" 2> /dev/null; then
		grep -E '^Sig(Blk|Pnd)' "/proc/$child/status" >&2
		kill -KILL "$child" "$pid" 2> /dev/null
		fail "$2: SIGTERM to the $1 did not end it within 3 s"
	fi
	st=0
	wait "$pid" || st=$?
	[ "$st" = 143 ] || { show err; fail "$2: SIGTERM to the $1: status $st, not 143"; }
}
for mode in dl iconv; do
	term_prompt program "$mode"
	term_prompt launcher "$mode"
done
exit 0
