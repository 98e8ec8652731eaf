#!/bin/sh
# The program's stdin, stdout and stderr are its own: byte for byte the same
# with and without sprof (sprof adds only its summary line on stderr).
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

# some binary input, including NULs and no final newline
printf 'line one\n\000\001\377binary\ttabs\nlast' > in
"$p" cat < in > plain.out 2> plain.err || fail "prog-run cat failed without sprof"
"$SPROF" run -q -- "$p" cat < in > sprof.out 2> sprof.err || fail "prog-run cat failed under sprof"
cmp plain.out sprof.out || fail "stdout differs under sprof"
cmp plain.err sprof.err || { show sprof.err; fail "stderr differs under sprof -q"; }
cmp in sprof.out || fail "stdin did not reach the program intact"

# without -q: the program's stderr plus exactly one sprof line at the end
"$SPROF" run -- "$p" cat < in > sprof.out 2> sprof.err || fail "prog-run cat failed under sprof"
cmp plain.out sprof.out || fail "stdout differs under sprof without -q"
head -n 1 sprof.err | cmp - plain.err || { show sprof.err; fail "program stderr changed"; }
[ "$(grep -c '^sprof: ' sprof.err)" = 1 ] || { show sprof.err; fail "expected exactly one sprof line"; }
tail -n 1 sprof.err | grep -q '^sprof: .* samples ' || { show sprof.err; fail "summary is not the last line"; }

# a closed stdin stays closed-ish: the program sees EOF, not a sprof pipe
"$SPROF" run -q -- "$p" cat < /dev/null > out2 2>/dev/null || fail "cat with /dev/null failed"
[ -s out2 ] && fail "program read something from /dev/null"
exit 0
