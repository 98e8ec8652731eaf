#!/bin/sh
# No raw file crashes sprof: profiles a small multi-threaded program for
# real (a whole run, a second one, and one killed with SIGKILL), then damages
# the files in some 300 ways (tests/harden-mutate.py has the table and the
# rules) and runs `sprof info` and `sprof convert` on every result under a
# time and memory limit.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
work=$(prog prog-harden-work)

"$SPROF" run -q -F 1000 -o good.raw -- "$work" 2 0.5 > run.out 2>&1 || { show run.out; hard_error "sprof run failed"; }
"$SPROF" run -q -F 1000 -o other.raw -- "$work" 1 0.5 > run.out 2>&1 || { show run.out; hard_error "sprof run failed"; }

# kill -9 once the shim has written its second block (about a second in;
# the program would end by itself after 30 s should this test die first);
# the launcher then reports the signal
"$SPROF" run -q -F 1000 -o cut.raw -- "$work" 2 30 > cut.out 2>&1 &
launcher=$!
first=0 n=0
while [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
	size=$(stat -c %s cut.raw 2>/dev/null || echo 0)
	[ "$first" = 0 ] && [ "$size" -gt 16 ] && first=$size
	[ "$first" != 0 ] && [ "$size" -gt "$first" ] && break
done
child=$(pgrep -P "$launcher" | head -n 1)
[ -n "$child" ] && kill -9 "$child"
wait "$launcher" 2>/dev/null
[ -n "$child" ] && [ "$first" != 0 ] && [ "$size" -gt "$first" ] || { show cut.out; hard_error "the killed run wrote no second block"; }

mkdir cases
"$PYTHON3" "$SPROF_SRCDIR/tests/harden-mutate.py" good.raw cut.raw other.raw cases || fail "see above"
exit 0
