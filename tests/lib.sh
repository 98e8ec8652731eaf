# tests/lib.sh -- sourced by every shell test:  . "$SPROF_SRCDIR/tests/lib.sh"
#
# Gives each test a private scratch directory (the current directory, removed
# on exit), the Automake exit conventions (0 pass, 77 skip, 99 hard error,
# else fail) and small helpers for running sprof and checking what it did.
#
#   fail MSG...            the test failed (exit 1)
#   skip MSG...            cannot run here (exit 77)
#   hard_error MSG...      the test itself is broken/setup failed (exit 99)
#   need_file PATH         PATH must exist (a built test program): else 99
#   need_shim              skip unless the shim libsprof.so has been built
#   prog NAME              path of the built test program tests/NAME
#   run_capture CMD...     run CMD with stdout > out, stderr > err; $status
#   expect_status N CMD... run_capture, fail unless the exit status is N
#   assert_grep RE FILE    fail unless FILE has a line matching RE (grep -E)
#   assert_no_grep RE FILE fail if FILE has a line matching RE
#   info_field FILE FIELD  value of the first "FIELD: VALUE" line (any
#                          indentation) of `sprof info FILE`; "" if none
#   show FILE...           print files (with a header) to the log
#
# Environment (set by the Makefile): SPROF, SPROF_TESTDIR, SPROF_SRCDIR,
# SENTRY_VALIDATE (tests/sentry-validate.py), PYTHON3.

set -u

: "${SPROF:?SPROF is not set: run the tests with make check}"
: "${SPROF_TESTDIR:?SPROF_TESTDIR is not set: run the tests with make check}"
: "${SPROF_SRCDIR:?SPROF_SRCDIR is not set: run the tests with make check}"

test_name=$(basename "$0" .sh)

fail() { echo "FAIL: $test_name: $*" >&2; exit 1; }
skip() { echo "SKIP: $test_name: $*" >&2; exit 77; }
hard_error() { echo "ERROR: $test_name: $*" >&2; exit 99; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sprof-$test_name.XXXXXX") || hard_error "mktemp failed"
trap 'cd /; rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM
cd "$tmp" || hard_error "cannot cd to $tmp"

[ -x "$SPROF" ] || hard_error "$SPROF is not built"

need_file() {
	[ -e "$1" ] || hard_error "$1 is missing (not built?)"
}

# The shim as the launcher finds it in the build tree (src/shim/.libs/).
shim_path=$(dirname "$SPROF")/shim/.libs/libsprof.so
need_shim() {
	[ -e "$shim_path" ] || skip "the shim $shim_path is not built"
}

prog() {
	need_file "$SPROF_TESTDIR/$1"
	echo "$SPROF_TESTDIR/$1"
}

run_capture() {
	status=0
	"$@" > out 2> err || status=$?
}

expect_status() {
	want=$1
	shift
	run_capture "$@"
	if [ "$status" != "$want" ]; then
		show out err
		fail "'$*' exited $status, expected $want"
	fi
}

assert_grep() {
	grep -Eq -- "$1" "$2" || { show "$2"; fail "no line matching '$1' in $2"; }
}

assert_no_grep() {
	! grep -Eq -- "$1" "$2" || { show "$2"; fail "unexpected line matching '$1' in $2"; }
}

info_field() {
	"$SPROF" info "$1" 2>/dev/null | sed -n "s/^ *$2: //p" | head -n 1
}

show() {
	for f in "$@"; do
		echo "---- $f" >&2
		cat "$f" >&2 2>/dev/null || echo "(missing)" >&2
	done
}
