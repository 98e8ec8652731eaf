#!/bin/sh
# -o never renames, replaces or writes into anything but a regular file:
# a device node, FIFO (with a reader waiting), socket, directory or symlink
# is a one-line error and exit 125 before the program runs, and stays as it
# was.  `-o -` is refused (stdout is the program's).  One raw file, one
# writer: a second run on a path in use is refused without touching it or
# the first run's file, and a kill -9 of the first run leaves no stale lock.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

refused() {     # refused PATH KIND: sprof run -o PATH is refused, naming KIND
	rm -f ran
	expect_status 125 "$SPROF" run -q -o "$1" -- "$p" touch ran
	assert_grep "^sprof: $1: is $2; the raw file must be a regular file or absent\$" err
	[ "$(wc -l < err)" = 1 ] || { show err; fail "-o $1: more than one line"; }
	[ -e ran ] && fail "-o $1: the program ran"
	[ -e "$1.old" ] && fail "-o $1: it was moved to $1.old"
	return 0
}

mkfifo fifo
# a reader waiting on the FIFO: sprof must neither open nor rename it
timeout 10 cat fifo > fifo.got &
reader=$!
refused fifo "a FIFO"
[ -p fifo ] || fail "the FIFO was replaced"
echo hello > fifo                       # the reader still gets its data
wait $reader || fail "the FIFO's reader did not finish"
[ "$(cat fifo.got)" = hello ] || fail "the FIFO's reader got '$(cat fifo.got)'"

"$PYTHON3" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' sock
refused sock "a socket"
[ -S sock ] || fail "the socket was replaced"
mkdir dir
refused dir "a directory"
ln -s /dev/stdout stdout-link
refused stdout-link "a symbolic link"
refused /dev/null "a character device"
[ -c /dev/null ] || fail "/dev/null is no longer a device"
if [ "$(id -u)" = 0 ] && mknod nul c 1 3 2>/dev/null; then
	# as root a rename would succeed: the case of the bug report
	refused nul "a character device"
	[ -c nul ] || fail "the device node was replaced"
fi
expect_status 125 "$SPROF" run -q -o - -- "$p" touch ran
assert_grep "^sprof: the raw file cannot go to stdout" err
# FILE.old is replaced only when it is a regular file too
: > keep.raw
mkfifo keep.raw.old
expect_status 125 "$SPROF" run -q -o keep.raw -- "$p" touch ran
assert_grep '^sprof: keep\.raw\.old: is a FIFO; not replacing it$' err
[ -p keep.raw.old ] && [ -f keep.raw ] || fail "keep.raw or its .old FIFO was touched"
[ -e ran ] && fail "the program ran"

# one raw file, one writer: a second run on a file in use is refused and
# neither moves the first run's file nor describes it
wait_for() {    # wait_for FILE: up to 10 s
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && fail "$1 never appeared"
		sleep 0.02
	done
}
"$SPROF" run -o busy.raw -- "$p" wait-signal ready got > first.out 2> first.err &
first=$!
wait_for ready
ino=$(stat -c %i busy.raw)
expect_status 125 "$SPROF" run -o busy.raw -- "$p" touch ran
assert_grep '^sprof: busy\.raw: in use by another sprof run; pick another -o FILE$' err
[ "$(wc -l < err)" = 1 ] || { show err; fail "the refused run printed more than its error"; }
[ -e ran ] && fail "the second run ran its program"
[ -e busy.raw.old ] && fail "the second run moved the first run's file"
[ "$(stat -c %i busy.raw)" = "$ino" ] || fail "busy.raw was replaced"
kill -TERM $first
st=0
wait $first || st=$?
[ "$st" = 42 ] || { show first.err; fail "first run exited $st, expected 42"; }
assert_grep '-> busy\.raw \(' first.err
# free again once the first run ended
expect_status 0 "$SPROF" run -q -o busy.raw -- "$p" exit 0
[ -f busy.raw.old ] || fail "the finished run's file was not kept as .old"

# kill -9 of a run: its program goes too (SIGKILL), and the path is free
rm -f ready
"$SPROF" run -q -o killed.raw -- "$p" wait-signal ready got &
launcher=$!
wait_for ready
prog_pid=$(pgrep -P $launcher) || fail "no program under the launcher"
kill -KILL $launcher
wait $launcher 2>/dev/null
i=0
while kill -0 "$prog_pid" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 250 ] && { kill -KILL "$prog_pid"; fail "the program outlived its killed launcher"; }
	sleep 0.02
done
expect_status 0 "$SPROF" run -q -o killed.raw -- "$p" exit 0
exit 0
