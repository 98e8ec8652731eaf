#!/bin/sh
# C++: demangled names with namespaces and template arguments in the short
# style (no return type or parameters), the always-inlined function as its
# own frame sharing the caller's address (or, with --inline=no, its time in
# the caller), and inlined lambdas named apart as the demangler and perf
# name them.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
cxx=$(prog prog-conv-cxx)
src=$SPROF_SRCDIR/tests/prog-conv-cxx.cc

profile_run x.raw "$cxx" 0.4
expect_status 0 "$SPROF" convert -o x.json x.raw
check_sentry x.json
expect_frames x.json "$src" \
	"func|convns::Accum<double>::spin|prog-conv-cxx.cc" \
	"inline|convns::inlined_step|inl|convns::outer|outer" \
	"call|main|main" "in_app|convns::outer|true" "debug_id|$cxx"

# --inline: the default keeps the inlined call; no puts its time in outer
expect_status 0 "$SPROF" convert -f collapsed x.raw
assert_grep ';convns::outer;convns::inlined_step;convns::Accum<double>::spin [0-9]+$' out
expect_status 0 "$SPROF" convert -f collapsed --inline=no x.raw
assert_grep ';convns::outer;convns::Accum<double>::spin [0-9]+$' out
assert_no_grep 'inlined_step' out
expect_status 0 "$SPROF" convert -f report --inline=no x.raw
assert_no_grep 'inlined_step' out
expect_status 2 "$SPROF" convert --inline=maybe x.raw
assert_grep "^sprof: --inline 'maybe': expected yes or no" err

# three lambdas inlined into main, two taking an int
profile_run l.raw "$(prog prog-sym-cxx)" 0.6
expect_status 0 "$SPROF" convert -f report --top 100 l.raw
for l in 'lambda(int)#1' 'lambda(int)#2' 'lambda(double)#1'; do
	grep -qF "main::{$l}::operator()" out || { show out; fail "no row for main::{$l}"; }
done
assert_no_grep ' operator\(\)$' out
exit 0
