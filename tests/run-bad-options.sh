#!/bin/sh
# Bad options and values: one "sprof: ..." line with a hint to --help,
# exit 125 (sprof run's own failure), and the program is never run.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

check_bad() {
	run_capture "$SPROF" run "$@" -- "$p" touch ran
	[ "$status" = 125 ] || { show err; fail "'run $*' exited $status, expected 125"; }
	[ -e ran ] && fail "'run $*' ran the program"
	[ "$(wc -l < err)" = 1 ] || { show err; fail "'run $*': expected one line"; }
	assert_grep "^sprof: .*sprof run --help" err
	[ -s out ] && { show out; fail "'run $*' wrote to stdout"; }
	return 0
}

check_bad -F 0
check_bad -F 10001
check_bad -F abc
check_bad -F ''
check_bad --frequency=-5
check_bad --max-depth 0
check_bad --max-depth 1025
check_bad --max-depth 12x
check_bad -x
check_bad --no-such-option
check_bad --quiet=yes
check_bad -o ''
[ -e sprof.raw ] && fail "a raw file was made for bad options"

# missing option value and missing command
expect_status 125 "$SPROF" run -F
assert_grep "^sprof: .*sprof run --help" err
expect_status 125 "$SPROF" run
assert_grep "^sprof: .*command.*sprof run --help" err
expect_status 125 "$SPROF" run -q --
assert_grep "^sprof: .*sprof run --help" err

# good values at the edges are accepted
expect_status 0 "$SPROF" run -q -F 1 --max-depth 1 -- "$p" exit 0
expect_status 0 "$SPROF" run -q --frequency=10000 --max-depth=1024 -- "$p" exit 0

expect_status 0 "$SPROF" run --help
assert_grep '^Usage: sprof run' out
expect_status 0 "$SPROF" run -V
assert_grep '^sprof [0-9]' out
exit 0
