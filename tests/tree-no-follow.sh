#!/bin/sh
# --no-follow: only the first process is profiled, its children run
# unprofiled, and none of them sees a SPROF_* setting.  Following (the
# default), children of system() and popen() are profiled too.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
w=$(prog prog-tree-work)
cat > tree.sh <<EOS
#!/bin/sh
"$w" alpha 200
env | grep -E '^SPROF_(OUTPUT|FREQUENCY|MAX_DEPTH|MODE|SIGNAL|FOLLOW)=' || echo no-settings
"$w" beta 200
EOS
chmod +x tree.sh

expect_status 0 "$SPROF" run -q --no-follow -o n.raw -F 200 -- ./tree.sh
assert_grep '^no-settings$' out
[ "$(info_field n.raw processes)" = 1 ] || { "$SPROF" info n.raw > info.txt; show info.txt; fail "children were profiled"; }

expect_status 0 "$SPROF" run -q -o f.raw -F 200 -- ./tree.sh
# sh, alpha, env, grep, beta
[ "$(info_field f.raw processes)" = 5 ] || { "$SPROF" info f.raw > info.txt; show info.txt; fail "want 5 processes when following"; }
exit 0
