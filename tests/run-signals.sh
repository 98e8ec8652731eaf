#!/bin/sh
# A signal sent to the launcher with kill(1) reaches the program once, and
# the launcher exits with the program's status.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

for sig in TERM USR1 HUP; do
	rm -f ready got
	"$SPROF" run -q -- "$p" wait-signal ready got > out 2> err &
	pid=$!
	i=0
	while [ ! -e ready ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && { kill -KILL $pid; fail "program never got ready"; }
		sleep 0.02
	done
	kill -$sig $pid
	status=0
	wait $pid || status=$?
	[ "$status" = 42 ] || { show err; fail "SIG$sig: launcher exited $status, expected 42"; }
	[ "$(cat got)" = "got $sig" ] || fail "SIG$sig: program saw '$(cat got)'"
done
exit 0
