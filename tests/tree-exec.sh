#!/bin/sh
# exec: a failed execvp leaves the process profiled (samples after it);
# fork + exec gives the child its own process record ending in the new
# program; posix_spawn with an environment lacking the settings still
# profiles the child (the shim puts them back); so do system() and popen().
# Without --pid, convert takes the command sprof ran: the root of the tree,
# and of the programs its pid exec'd (env, then the program) the busiest.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
w=$(prog prog-tree-work)

expect_status 0 "$SPROF" run -q -o x.raw -F 200 -- "$w" exec-fail 300
[ "$(info_field x.raw processes)" = 1 ] || fail "want one process"
folded x.raw
within 40 80 "$(fsum ';after_exec_fail;')" "samples after the failed exec"
"$SPROF" info x.raw > info.txt
assert_grep '^  end: exit 0$' info.txt

expect_status 0 "$SPROF" run -q -o e.raw -F 200 -- "$w" exec "$w" 300
"$SPROF" info e.raw > info.txt
[ "$(info_field e.raw processes)" = 2 ] || { show info.txt; fail "want 2 processes"; }
gpid=$(pid_of 'gamma' e.raw)
folded e.raw --pid "$gpid"
within 40 80 "$(fsum ';burn_gamma;')" "samples of the exec'ed program"
# the child execs and so may write its blocks first: still the parent
folded e.raw
within 40 80 "$(fsum ';burn_alpha;')" "samples of the root process by default"
[ "$(fsum ';burn_gamma;')" = 0 ] || { show folded.txt; fail "the child's samples in the default process"; }
assert_grep "2 processes in the file; converted pid [0-9]+ \\(prog-tree-work\\), --pid or --all" folded.err

# env execs the program in the same pid: its entry has no samples, the
# program's has them all, and is the default
expect_status 0 "$SPROF" run -q -o v.raw -F 200 -- env SPROF_TEST=1 "$w" beta 300
[ "$(info_field v.raw processes)" = 2 ] || { "$SPROF" info v.raw; fail "want env and the program"; }
folded v.raw
within 40 80 "$(fsum ';burn_beta;')" "samples of the program env exec'd, by default"

# a shell that forks its work has no samples of its own at 1 Hz: the
# default (the shell) cannot make a Sentry profile, and the one-line error
# says where the samples are
expect_status 0 "$SPROF" run -q -o sh.raw -F 1 -- sh -c "\"$w\" alpha 3000; true"
expect_status 1 "$SPROF" convert sh.raw
[ "$(grep -c . err)" = 1 ] || { show err; fail "want one line on stderr"; }
assert_grep '^sprof: sh.raw: not enough samples \(0\) for a Sentry profile \(the file holds other processes: sprof info lists them; --pid PID or --all\)$' err
expect_status 0 "$SPROF" convert --all -o all.json sh.raw
# one envelope file per process that has samples; the shell is skipped
expect_status 0 "$SPROF" convert --all -f envelope -o sh.env sh.raw
shpid=$(pid_of '^  command: sh -c' sh.raw)
apid=$(pid_of 'prog-tree-work alpha' sh.raw)
[ -s "sh.env.$apid" ] && [ ! -e "sh.env.$shpid" ] || { ls; show err; fail "--all envelopes: want sh.env.$apid only"; }
assert_grep "^sprof: sh.env.$apid: pid $apid \\(prog-tree-work\\), [0-9]+ samples$" err
assert_grep "^sprof: sh.raw: 1 of 2 processes have too few samples for a Sentry profile; skipped \\(sprof info lists them\\)$" err
[ "$(grep -c . err)" = 2 ] || { show err; fail "--all envelopes: want one line per file and one for the skipped"; }

# a pid that burns CPU, then execs a program that burns too: two entries
# with samples under one pid (~25 of the shell's loop, ~120 of the
# program's).  --pid takes the busier one, as one profile; --all envelopes
# get FILE.PID and FILE.PID-2
expect_status 0 "$SPROF" run -q -o x2.raw -F 200 -- sh -c \
	"i=0; while [ \$i -lt 100000 ]; do i=\$((i + 1)); done; exec \"$w\" beta 600"
"$SPROF" info x2.raw > info.txt
xpid=$(pid_of '^  command: sh -c' x2.raw)
[ "$(grep -c "^process $xpid\$" info.txt)" = 2 ] || { show info.txt; fail "want two entries of pid $xpid"; }
expect_status 0 "$SPROF" convert --pid "$xpid" -o x2.json x2.raw
check_sentry x2.json
"$PYTHON3" - x2.json <<'PY' || { show info.txt; fail "--pid did not give the busier program's profile"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert any(f.get("function") == "burn_beta" for f in d["profile"]["frames"])
PY
expect_status 0 "$SPROF" convert --all -f envelope -o x2.env x2.raw
[ -s "x2.env.$xpid" ] && [ -s "x2.env.$xpid-2" ] || { ls; show err; fail "--all envelopes of an exec chain"; }

expect_status 0 "$SPROF" run -q -o s.raw -F 200 -- "$w" spawn "$w"
"$SPROF" info s.raw > info.txt
[ "$(info_field s.raw processes)" = 2 ] || { show info.txt; fail "the posix_spawn child was not profiled"; }
folded s.raw --pid "$(pid_of 'beta' s.raw)"
within 20 60 "$(fsum ';burn_beta;')" "samples of the spawned program"

# system() and popen() start /bin/sh inside libc, with environ: followed
expect_status 0 "$SPROF" run -q -o y.raw -F 200 -- "$w" system "$w" 200
"$SPROF" info y.raw > info.txt
for f in beta gamma; do
	pid=$(pid_of "prog-tree-work $f" y.raw)
	[ -n "$pid" ] || { show info.txt; fail "the $f child of system/popen was not profiled"; }
	folded y.raw --pid "$pid"
	within 20 60 "$(fsum ";burn_$f;")" "samples of burn_$f under system/popen"
done
exit 0
