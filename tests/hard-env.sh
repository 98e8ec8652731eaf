#!/bin/sh
# Odd environments: the program closes every descriptor, chdir()s,
# daemon()izes, or runs under a file size limit the raw file hits.  The
# program's status and stdout never change; the raw file stays readable.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"
. "$SPROF_SRCDIR/tests/hard-lib.sh"
sprof_opts="-F 1000"

# closes every descriptor, then opens files of its own on the low numbers:
# the shim reopens its file by path and writes every block; a thread whose
# task-clock counter fd was closed gets a new counter (polling would lose
# samples on a loaded machine)
plain_vs_sprof c.raw closefds
[ "$status" = 0 ] || fail "closefds: status $status"
[ "$(info_end c.raw)" = "exit 0" ] || { show info.txt; fail "closefds: end"; }
dump c.raw
if grep -q '^  mechanism: perf-task-clock$' info.txt; then
	assert_between 1350 2100 "$(proc_field samples)" "samples of 1.6 s CPU after closing all fds (counter)"
else
	assert_between 1000 2100 "$(proc_field samples)" "samples of 1.6 s CPU after closing all fds"
fi

# chdir("/"): the output path is absolute
plain_vs_sprof d.raw chdir
[ "$(info_end d.raw)" = "exit 0" ] || { show info.txt; fail "chdir: end"; }
[ ! -e /c.raw ] && [ ! -e /d.raw ] || fail "a raw file went to /"

# the raw file removed while the program runs (it also closed its fds, so
# the shim cannot reopen it): the program does not notice
"$SPROF" run -q -o gone.raw -F 1000 -- "$hard" closefds > out 2> err &
pid=$!
sleep 0.7
rm -f gone.raw
status=0
wait "$pid" || status=$?
[ "$status" = 0 ] || { show out err; fail "file removed: status $status"; }
assert_grep '^closefds done$' out

# ulimit -f: the raw file reaches the limit; the writer's write fails with
# EFBIG and its SIGXFSZ is never delivered (the writer blocks it): the
# program ends normally with its own output, the file is readable up to
# the last whole block
status=0
( ulimit -f 2 && exec "$SPROF" run -q -o f.raw -F 10000 -- "$hard" bigout ) > out 2> err || status=$?
[ "$status" = 0 ] || { show out err; fail "ulimit -f: status $status"; }
[ "$(grep -c '^line [0-4]$' out)" = 5 ] || { show out err; fail "ulimit -f: output"; }
"$SPROF" info f.raw > info.txt 2> info.err || { show info.txt info.err; fail "ulimit -f: unreadable"; }
size=$(wc -c < f.raw)
[ "$size" -le 1024 ] || fail "ulimit -f 2: the raw file has $size bytes"

# daemon(): the parent exits 0 at once; the child (new session, cwd /,
# descriptors closed) goes on and finishes; the raw file stays readable
plain_status=0
"$SPROF" run -q -o dm.raw -F 1000 -- "$hard" daemon "$PWD/daemon.pid" > out 2> err || plain_status=$?
[ "$plain_status" = 0 ] || { show out err; fail "daemon: parent status $plain_status"; }
assert_grep '^daemon$' out
i=0
while [ ! -s daemon.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s daemon.pid ] || fail "the daemon child did not finish"
dpid=$(cat daemon.pid)
i=0
while kill -0 "$dpid" 2> /dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$SPROF" info dm.raw > info.txt 2> info.err || { show info.txt info.err; fail "daemon: unreadable"; }
# a followed child (sprof run follows forks) ends cleanly too
if grep -q "^process $dpid\$" info.txt; then
	awk -v p="process $dpid" '$0 == p { on = 1; next } /^process / { on = 0 } on && /^  end: / { print; exit }' \
		info.txt | grep -q '^  end: exit 0$' || { show info.txt; fail "daemon child: no clean end"; }
fi
exit 0
