#!/bin/sh
# Options stop at the command: everything after it (or after --) is the
# program's, untouched, including things that look like sprof options.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

expect_status 0 "$SPROF" run -q -- "$p" args -o x -F 5 --help -- '' 'a b' '*'
printf '[-o]\n[x]\n[-F]\n[5]\n[--help]\n[--]\n[]\n[a b]\n[*]\n' > want
cmp want out || { show out; fail "arguments after -- changed"; }
[ -e x ] && fail "-o after the command was taken by sprof"

# without --: the first non-option is the command
expect_status 0 "$SPROF" run -q "$p" args -q -V
printf '[-q]\n[-V]\n' > want
cmp want out || { show out; fail "arguments after the command changed"; }
[ -e sprof.raw ] || fail "no sprof.raw in the working directory"
exit 0
