#!/bin/sh
# Crash signals: a program that crashes under sprof dies of the same signal
# with the same output; when it left the signal at its default, the raw file
# ends with REC_END "killed by signal N" (sprof wrote the final block before
# the signal was raised again).  A program's own handler still runs, sees
# its own disposition reported back, and decides.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"
. "$SPROF_SRCDIR/tests/hard-lib.sh"
sprof_opts="-F 1000"

for c in segv:11 abort:6 fpe:8 ill:4 trap:5 bus:7; do
	mode=${c%%:*} sig=${c#*:}
	plain_vs_sprof "$mode.raw" "$mode"
	[ "$status" = $((128 + sig)) ] || fail "$mode: status $status, want $((128 + sig))"
	end=$(info_end "$mode.raw")
	case $end in
	"killed by signal $sig "*) ;;
	*) show info.txt; fail "$mode: end is '$end', want killed by signal $sig" ;;
	esac
	grep -q '^  samples: [1-9]' info.txt || { show info.txt; fail "$mode: no samples"; }
done

# the program's own SA_SIGINFO handler runs (and is what sigaction reports)
plain_vs_sprof own.raw own-segv
[ "$status" = 139 ] || fail "own-segv: status $status"
assert_grep '^handler reported back$' out
assert_grep '^own handler: signal 11 code [12]$' out
# its handler re-raised with SIG_DFL: the shim's handler is back in front
end=$(info_end own.raw)
case $end in "killed by signal 11 "*) ;; *) show info.txt; fail "own-segv: end '$end'" ;; esac

# a signal() handler: the previous disposition reads SIG_DFL; it exits 42
plain_vs_sprof old.raw own-segv-old
[ "$status" = 42 ] || fail "own-segv-old: status $status"
assert_grep '^previous was SIG_DFL$' out
[ "$(info_end old.raw)" = "exit 42" ] || { show info.txt; fail "own-segv-old: no clean end"; }

# SA_RESETHAND: the handler runs once, the repeated fault kills by default
plain_vs_sprof reset.raw resethand
[ "$status" = 139 ] || fail "resethand: status $status"
[ "$(grep -c 'resethand handler' out)" = 1 ] || { show out; fail "resethand: handler count"; }
"$SPROF" info reset.raw > /dev/null || fail "resethand: unreadable raw file"

# a stack overflow: no alternate stack, so no handler can run -- the same
# death, and a raw file that is readable (cut: no end record)
plain_vs_sprof ovf.raw overflow
[ "$status" = 139 ] || fail "overflow: status $status"
end=$(info_end ovf.raw)
case $end in cut*|"killed by signal 11 "*) ;; *) show info.txt; fail "overflow: end '$end'" ;; esac
exit 0
