#!/bin/sh
# Files that are not (usable) raw files: one "sprof: FILE: problem" line on
# stderr, nothing on stdout, exit 1.
. "$SPROF_SRCDIR/tests/lib.sh"

check_bad() {   # FILE EXPECTED-PROBLEM-REGEX
	run_capture "$SPROF" info "$1"
	[ "$status" = 1 ] || { show out err; fail "info $1 exited $status, expected 1"; }
	[ -s out ] && { show out; fail "info $1 wrote to stdout"; }
	[ "$(wc -l < err)" = 1 ] || { show err; fail "info $1: expected one line"; }
	assert_grep "^sprof: $1: $2\$" err
}

: > empty.raw
check_bad empty.raw 'empty file'
check_bad missing.raw 'No such file or directory'
mkdir dir.raw
check_bad dir.raw 'Is a directory'
printf 'hello world, not a profile at all\n' > text.raw
check_bad text.raw 'not a sprof raw file'
head -c 5000 /dev/urandom > random.raw 2>/dev/null || hard_error "no /dev/urandom"
check_bad random.raw 'not a sprof raw file'
printf 'SPROFRA' > short.raw
check_bad short.raw 'not a sprof raw file'
printf 'SPROFRAW\002\000\000\000\020\000\000\000' > newer.raw
check_bad newer.raw 'format version 2\.0 is newer than this sprof supports.*'

# a good header followed by garbage is a raw file cut at block 1
printf 'SPROFRAW\001\000\000\000\020\000\000\000' > hdr.raw
head -c 200 /dev/urandom >> hdr.raw
expect_status 0 "$SPROF" info hdr.raw
assert_grep '^end: cut \(crash or kill\): (block 1 at offset 16: bad block magic|truncated in block 1 at offset 16);' out
assert_grep '^processes: 0$' out
exit 0
