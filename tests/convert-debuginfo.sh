#!/bin/sh
# Debug information kept apart from a stripped binary is found through its
# build-id under --debug-dir; a binary rebuilt after the run (other
# build-id) is not trusted: its frames stay unsymbolized, with one warning.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
command -v objcopy > /dev/null || skip "objcopy (binutils) is not installed"
work=$(prog prog-conv-work)
src=$SPROF_SRCDIR/tests/prog-conv-work.c

# stripped binary, debug file laid out as DIR/.build-id/xx/yyyy.debug
cp "$work" ./stripped
id=$("$PYTHON3" -c "
import importlib.util, sys
s = importlib.util.spec_from_file_location('ce', '$SPROF_SRCDIR/tests/convert-expect.py')
m = importlib.util.module_from_spec(s); s.loader.exec_module(m)
print(m.build_id('stripped').hex())")
[ -n "$id" ] || hard_error "no build-id in $work"
mkdir -p "dbg/.build-id/$(echo "$id" | cut -c1-2)"
objcopy --only-keep-debug stripped "dbg/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"
objcopy --strip-all stripped
profile_run s.raw ./stripped single 0.3

expect_status 0 "$SPROF" convert -o bare.json s.raw
check_sentry bare.json
expect_frames bare.json "$src" "no_func|conv_work_a" "no_func|conv_spin_leaf"
expect_status 0 "$SPROF" convert --debug-dir dbg -o dbg.json s.raw
check_sentry dbg.json
expect_frames dbg.json "$src" "func|conv_spin_leaf|prog-conv-work.c" "call|conv_work_a|work_a" \
	"call|main|main" "in_app|conv_work_a|true"

# rebuilt: the same program with another build-id (the note's bytes flipped)
cp "$work" ./rebuilt
profile_run r.raw ./rebuilt single 0.3
"$PYTHON3" - rebuilt "$id" <<'PY' || hard_error "cannot patch the build-id"
import sys
data = bytearray(open(sys.argv[1], "rb").read())
bid = bytes.fromhex(sys.argv[2])
i = data.find(b"GNU\0" + bid)
assert i > 0
data[i + 4] ^= 0xff
open(sys.argv[1], "wb").write(data)
PY
expect_status 0 "$SPROF" convert -o r.json r.raw
check_sentry r.json
[ "$(grep -c . err)" -eq 1 ] || { show err; fail "expected exactly one warning"; }
assert_grep "rebuilt: build-id differs" err
expect_frames r.json "$src" "unsymbolized|rebuilt" "no_func|conv_work_a" "module_in_app|libc.so.6|false"
exit 0
