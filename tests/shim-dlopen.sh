#!/bin/sh
# A library dlopen()ed at run time is reported (REC_IMAGE, seen after the
# start) with the samples taken in it, and its dlclose (REC_IMAGE_GONE).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

lib="$SPROF_TESTDIR/.libs/libshim-dl.so"
need_file "$lib"
expect_status 0 "$SPROF" run -q -o dl.raw -F 1000 -- "$work" dlopen "$lib"
dump dl.raw
set -- $(grep '^image .* [^ ]*/libshim-dl\.so$' dump.txt)
[ $# = 6 ] || { show dump.txt; fail "no REC_IMAGE for libshim-dl.so"; }
assert_between 1 100000000 "$3" "time the library was seen (us)"
[ "$4" != - ] || { show dump.txt; fail "no REC_IMAGE_GONE for libshim-dl.so"; }
# 0.4 s burnt in the library (its leaf pcs partly in the vdso's clock_gettime)
assert_between 80 600 "$5" "samples with the leaf in the library"
exit 0
