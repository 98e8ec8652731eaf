#!/bin/sh
# The vDSO has no file on disk: its frames are named from the converting
# process's own vDSO when the build-id matches the one recorded at run time
# (converted under the same kernel), and left as module + offset with one
# warning when it does not (another kernel) -- never a wrong name.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
work=$(prog prog-conv-work)

profile_run c.raw "$work" clock 0.5
expect_status 0 "$SPROF" convert -o c.json c.raw
[ ! -s err ] || { show err; fail "convert of a clean file wrote to stderr"; }
check_sentry c.json
"$PYTHON3" - c.json <<'PY' || fail "no named vDSO frame in c.json"
import json, sys
d = json.load(open(sys.argv[1]))
frames = d["profile"]["frames"]
vdso = [f for f in frames if f.get("module") == "[vdso]"]
assert vdso, "no [vdso] frame at all"
named = [f for f in vdso if "clock_gettime" in f.get("function", "")]
assert named, vdso
assert all(f["in_app"] is False and f["instruction_addr"].startswith("0x") for f in vdso), vdso
# the vDSO's caller is the program's own loop, in its own frame
assert any(f.get("function") == "conv_clock_loop" for f in frames)
PY

# the same file with another kernel's vDSO build-id
"$SPROF" info c.raw > info.txt || fail "sprof info failed"
id=$(awk '$1 == "image" && $NF == "[vdso]" { print $4; exit }' info.txt)
[ -n "$id" ] && [ "$id" != - ] || { show info.txt; fail "no vDSO build-id recorded"; }
"$PYTHON3" - c.raw o.raw "$id" <<'PY' || hard_error "cannot rewrite the vDSO build-id"
import struct, sys, zlib
d = bytearray(open(sys.argv[1], "rb").read())
old = bytes.fromhex(sys.argv[3])
new = bytes(b ^ 0x5a for b in old)
out, p, n = d[:16], 16, 0
while p + 36 <= len(d):
    h = list(struct.unpack_from("<9I", d, p))
    stored = bytes(d[p + 36:p + 36 + h[5]])
    raw = zlib.decompress(stored) if h[3] & 1 else stored
    n += raw.count(old)
    raw = raw.replace(old, new)
    stored = zlib.compress(raw) if h[3] & 1 else raw
    h[5], h[6] = len(stored), zlib.crc32(stored)
    hb = struct.pack("<8I", *h[:8])
    out += hb + struct.pack("<I", zlib.crc32(hb)) + stored
    p += 36 + struct.unpack_from("<I", d, p + 20)[0]
assert n > 0, "build-id not found in any block"
open(sys.argv[2], "wb").write(out)
PY
expect_status 0 "$SPROF" convert -o o.json o.raw
[ "$(grep -c . err)" = 1 ] || { show err; fail "want one warning"; }
assert_grep '^sprof: \[vdso\]: build-id differs from this kernel.s .*; its frames are left unsymbolized$' err
check_sentry o.json
"$PYTHON3" - o.json <<'PY' || fail "vDSO frames of another kernel were named"
import json, sys
d = json.load(open(sys.argv[1]))
vdso = [f for f in d["profile"]["frames"] if f.get("module") == "[vdso]"]
assert vdso and all("function" not in f or f["function"].startswith("[vdso]+0x") for f in vdso), vdso
PY
exit 0
