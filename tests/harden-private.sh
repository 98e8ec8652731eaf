#!/bin/sh
# The raw file is private and keeps no secrets: it is mode 0600 whatever the
# umask; links planted at its path (or at PATH.old, where an existing file
# is moved) are never followed, not by the launcher and not by the shim
# when the file is swapped for a symlink before the shim opens it; and
# neither it nor its inflated payloads hold the value of any environment
# variable of the profiled program (argv is recorded, the environment is
# not).  tests/run-output.sh covers the default mode and a symlink at -o.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
work=$(prog prog-harden-work)
echo precious > target

# mode 0600 under umask 000, with -o and as the default sprof.raw
(umask 000 && "$SPROF" run -q -o open.raw -- "$work" 0 0.1 && "$SPROF" run -q -- "$work" 0 0.1) > out 2> err ||
	{ show out err; fail "sprof run failed"; }
for f in open.raw sprof.raw; do
	[ "$(stat -c %a $f)" = 600 ] || fail "$f has mode $(stat -c %a $f) under umask 000"
done

# a symlink at PATH.old: the existing file replaces the link, the target
# stays as it was
ln -s "$tmp/target" open.raw.old
expect_status 0 "$SPROF" run -q -o open.raw -- "$work" 0 0.1
[ "$(cat target)" = precious ] || fail "the target of a symlink at open.raw.old was written"
[ -L open.raw.old ] && fail "open.raw.old is still a symlink"
[ "$(stat -c %a open.raw)" = 600 ] || fail "open.raw mode $(stat -c %a open.raw)"

# a hard link at the path: the other name keeps its data
cp target hl-target
ln hl-target hard.raw
expect_status 0 "$SPROF" run -q -o hard.raw -- "$work" 0 0.1
[ "$(cat hl-target)" = precious ] || fail "the file hard-linked at hard.raw was written"

# the shim itself: SPROF_OUTPUT naming a symlink (the file swapped after the
# launcher made it) is not followed; the program still runs
"$PYTHON3" -c 'import struct, sys; sys.stdout.buffer.write(b"SPROFRAW" + struct.pack("<HHI", 1, 0, 16))' > real.raw
cp real.raw shim-target.raw
ln -s "$tmp/shim-target.raw" swapped.raw
SPROF_OUTPUT="$tmp/swapped.raw" SPROF_FREQUENCY=1000 LD_PRELOAD="$shim_path" "$work" 1 0.2 > out 2> err ||
	{ show out err; fail "the program failed with the shim and a symlinked SPROF_OUTPUT"; }
cmp -s real.raw shim-target.raw || fail "the shim wrote through the symlink SPROF_OUTPUT"

# no environment values: a program, and a shell that runs it (the shell is
# profiled; the shim hides its settings from children, so they are not)
secret=hunter2-xyz-$$
SECRET_TOKEN=$secret OTHER_SECRET="also-$secret" expect_status 0 "$SPROF" run -q -F 1000 -o env.raw -- "$work" 1 0.3
SECRET_TOKEN=$secret expect_status 0 "$SPROF" run -q -F 1000 -o env2.raw -- /bin/sh -c "\"$work\" 1 0.2; true"
[ "$(info_field env.raw samples)" -gt 0 ] 2>/dev/null || { "$SPROF" info env.raw >&2; fail "env.raw has no samples"; }
for f in env.raw env2.raw; do
	"$PYTHON3" - "$f" "$secret" <<'PY' || fail "$f holds the value of SECRET_TOKEN (see above)"
import struct, sys, zlib
path, secret = sys.argv[1], sys.argv[2].encode()
d = open(path, "rb").read()
found, p, blocks = [], 16, 0
if secret in d:
    found.append("the file itself")
while p + 36 <= len(d):
    magic, pid, seq, flags, raw_len, stored = struct.unpack_from("<6I", d, p)
    assert magic == 0x4B4C4253, f"bad block at {p}"
    payload = d[p + 36:p + 36 + stored]
    if flags & 1:
        payload = zlib.decompress(payload)
    assert len(payload) == raw_len
    if secret in payload:
        found.append(f"block {blocks} (pid {pid} seq {seq})")
    blocks += 1
    p += 36 + stored
assert p == len(d) and blocks >= 1, f"{path}: {blocks} blocks, stopped at {p} of {len(d)}"
if found:
    print(f"{path}: {secret.decode()} found in " + ", ".join(found), file=sys.stderr)
    sys.exit(1)
PY
done
# ... and the check above can see it: the value as an argument is recorded
expect_status 0 "$SPROF" run -q -F 1000 -o arg.raw -- /bin/sh -c "\"$work\" 0 0.1; : $secret"
"$PYTHON3" -c '
import struct, sys, zlib
d = open("arg.raw", "rb").read(); p = 16; hit = False
while p + 36 <= len(d):
    f, n = struct.unpack_from("<I", d, p + 12)[0], struct.unpack_from("<I", d, p + 20)[0]
    b = d[p + 36:p + 36 + n]
    hit |= sys.argv[1].encode() in (zlib.decompress(b) if f & 1 else b)
    p += 36 + n
sys.exit(0 if hit else 1)' "$secret" || fail "the inflater did not find an argument it should see"
exit 0
