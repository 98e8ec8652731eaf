# tests/hard-lib.sh -- helpers of the hardening tests, sourced after lib.sh
# and shim-lib.sh.
#   hard                    path of tests/prog-hard
#   plain_vs_sprof RAW ARGS...   runs prog-hard ARGS plainly, then under
#                           `sprof run -q -o RAW` (extra sprof options in
#                           $sprof_opts); fails unless the exit status and
#                           stdout are the same.  Leaves $status, out/err of
#                           the sprof run, plain.out.
#   info_end RAW            the "end:" line of the process in `sprof info RAW`

hard=$(prog prog-hard)
ulimit -c 0 2>/dev/null         # no core files in the scratch directory

plain_vs_sprof() {
	raw=$1
	shift
	plain_status=0
	"$hard" "$@" > plain.out 2> plain.err || plain_status=$?
	# shellcheck disable=SC2086
	run_capture "$SPROF" run -q -o "$raw" ${sprof_opts:-} -- "$hard" "$@"
	if [ "$status" != "$plain_status" ]; then
		show plain.out plain.err out err
		fail "prog-hard $*: status $status under sprof, $plain_status without"
	fi
	if ! cmp -s plain.out out; then
		show plain.out out err
		fail "prog-hard $*: stdout differs under sprof"
	fi
}

info_end() {
	"$SPROF" info "$1" > info.txt 2> info.err || { show info.txt info.err; fail "sprof info $1 failed"; }
	sed -n 's/^  end: //p' info.txt | head -n 1
}
