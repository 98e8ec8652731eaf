#!/bin/sh
# C++: demangled names with namespaces and template arguments, and the
# always-inlined function as its own frame sharing the caller's address.
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
exit 0
