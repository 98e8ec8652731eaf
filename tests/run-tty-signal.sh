#!/bin/sh
# Ctrl-C on a terminal: the terminal sends SIGINT to the whole foreground
# process group, launcher and program; the launcher must survive it, pass
# the program's own exit status on, and not forward it again (a second
# delivery usually merges with the pending first one, so the count below
# catches it only sometimes).  A SIGINT sent with kill(2) to the launcher
# alone is forwarded, once.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

cat > ctrl-c.py <<'PY'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
deadline = time.time() + 20
while not os.path.exists('ready'):
    if time.time() > deadline:
        sys.exit(99)
    time.sleep(0.02)
os.write(fd, b'\x03')       # Ctrl-C, with the default ISIG/VINTR settings
try:
    while os.read(fd, 1024):
        pass
except OSError:
    pass
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st))
PY
status=0
"$PYTHON3" ctrl-c.py "$SPROF" run -q -- "$p" count-int ready got > out 2> err || status=$?
[ "$status" = 99 ] && [ ! -e ready ] && hard_error "program never started under a pty"
[ "$status" = 42 ] || { show out err; fail "launcher exited $status under a pty, expected 42"; }
[ "$(cat got)" = "count 1" ] || fail "Ctrl-C delivered $(cat got) times"

# kill(2) to the launcher only: forwarded once
rm -f ready got
"$SPROF" run -q -- "$p" count-int ready got > out 2> err &
pid=$!
i=0
while [ ! -e ready ]; do
	i=$((i + 1))
	[ $i -gt 1000 ] && { kill -KILL $pid; fail "program never got ready"; }
	sleep 0.02
done
kill -INT $pid
status=0
wait $pid || status=$?
[ "$status" = 42 ] || { show err; fail "launcher exited $status, expected 42"; }
[ "$(cat got)" = "count 1" ] || fail "kill -INT delivered $(cat got) times"
exit 0
