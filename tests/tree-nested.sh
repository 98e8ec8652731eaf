#!/bin/sh
# A nested sprof run (a profiled script that itself runs sprof run -o
# inner.raw -F 997): the inner run's own settings win, so inner.raw holds
# the inner program's samples at 997 Hz and its summary describes them,
# while the outer profile keeps the inner launcher and says the inner
# program went to its own file.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
p=$(prog prog-run)

expect_status 0 "$SPROF" run -q -o outer.raw -- \
	sh -c '"$0" run -F 997 -o inner.raw -- "$1" spin 0.4' "$SPROF" "$p"
assert_grep '^sprof: [1-9][0-9]* samples .* \(997 Hz requested\) -> inner\.raw' err
assert_no_grep 'wrote nothing' err
[ "$(info_field inner.raw command)" = "$p spin 0.4" ] ||
	fail "inner.raw is not the inner program's: $(info_field inner.raw command)"
info_field inner.raw rate | grep -q '^requested 997 Hz' ||
	fail "inner.raw's rate is not the inner run's -F: $(info_field inner.raw rate)"
"$SPROF" info outer.raw > outer.info 2>&1 || { show outer.info; fail "sprof info outer.raw failed"; }
assert_grep "unprofiled: .*prog-run: profiled by its own sprof run into $tmp/inner\.raw\$" outer.info
assert_grep "command: $SPROF run -F 997" outer.info
exit 0
