#!/bin/sh
# The short run of tests/valgrind.sh (CI runs the full one after make
# check): sprof info, two convert formats, the launcher and the shim in a
# profiled program under memcheck.  Skipped without valgrind or when sprof
# is built with a sanitizer.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
command -v valgrind > /dev/null || skip "valgrind is not installed"
builddir=$(dirname "$(dirname "$SPROF")")
status=0
bash "$SPROF_SRCDIR/tests/valgrind.sh" --quick "$builddir" || status=$?
case $status in
0) exit 0 ;;
77) skip "tests/valgrind.sh cannot run here" ;;
99) hard_error "tests/valgrind.sh could not set up" ;;
*) fail "memcheck found errors (see above)" ;;
esac
