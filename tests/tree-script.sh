#!/bin/sh
# A shell script running three programs at once (fork + exec, in the
# background) gives one raw file with four processes, written concurrently
# without a torn block, each program's samples under its own pid, in the
# function it burns in; `sprof convert --pid` picks one and --all gives all.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
w=$(prog prog-tree-work)
cat > tree.sh <<EOS
#!/bin/sh
"$w" alpha 300 &
"$w" beta 300 &
"$w" gamma 300
wait
EOS
chmod +x tree.sh

expect_status 0 "$SPROF" run -q -o t.raw -F 200 -- ./tree.sh
"$SPROF" info t.raw > info.txt || fail "sprof info failed"
[ "$(info_field t.raw processes)" = 4 ] || { show info.txt; fail "want 4 processes"; }
[ "$(info_field t.raw end)" = clean ] || { show info.txt; fail "the file is not clean"; }
[ "$(grep -c '^  end: exit 0$' info.txt)" = 4 ] || { show info.txt; fail "a process did not end cleanly"; }
for f in alpha beta gamma; do
	pid=$(pid_of "prog-tree-work $f" t.raw)
	[ -n "$pid" ] || { show info.txt; fail "no process for $f"; }
	folded t.raw --pid "$pid"
	within 40 80 "$(fsum ";burn_$f;")" "samples of burn_$f in its process"
	[ "$(fsum ';burn_')" = "$(fsum ";burn_$f;")" ] || { show folded.txt; fail "other burns in the $f process"; }
done
folded t.raw --all
for f in alpha beta gamma; do
	within 40 80 "$(fsum ";burn_$f;")" "samples of burn_$f with --all"
done
exit 0
