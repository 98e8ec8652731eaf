#!/bin/sh
# Like a shell: 127 when the command is not found, 126 when it cannot be
# executed; nothing is run and no raw file is made.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

expect_status 127 "$SPROF" run -- sprof-no-such-command-xyz
assert_grep '^sprof: sprof-no-such-command-xyz: command not found$' err
expect_status 127 "$SPROF" run -- ./no-such-file
assert_grep '^sprof: \./no-such-file: ' err
# PATH search finds programs, and misses are still 127
mkdir bin
cp "$p" bin/myprog
expect_status 5 env PATH="$tmp/bin:$PATH" "$SPROF" run -q -- myprog exit 5
rm -f sprof.raw
expect_status 127 env PATH="$tmp/bin" "$SPROF" run -q -- prog-run exit 0

printf 'echo hi\n' > noexec.sh
chmod 644 noexec.sh
if [ "$(id -u)" != 0 ]; then
	expect_status 126 "$SPROF" run -- ./noexec.sh
	assert_grep '^sprof: \./noexec\.sh: Permission denied$' err
else
	# root may read anything, but still cannot execute a file without x bits
	expect_status 126 "$SPROF" run -- ./noexec.sh
fi
expect_status 126 "$SPROF" run -- "$tmp"
assert_grep 'Is a directory' err
[ -e sprof.raw ] && fail "a raw file was made for a command that did not run"
exit 0
