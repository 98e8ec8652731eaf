#!/bin/sh
# A static program inside a profiled tree runs normally, unprofiled, and
# `sprof info` lists it under the process that started it.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/wall-lib.sh"
st=$(prog prog-tree-static)
cat > tree.sh <<EOS
#!/bin/sh
"$st"
echo after
EOS
chmod +x tree.sh

expect_status 0 "$SPROF" run -q -o u.raw -- ./tree.sh
assert_grep '^static program ran$' out
assert_grep '^after$' out
"$SPROF" info u.raw > info.txt || fail "sprof info failed"
assert_grep "^  unprofiled: [0-9.]+ s: .*prog-tree-static: it is statically linked" info.txt
exit 0
