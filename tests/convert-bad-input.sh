#!/bin/sh
# Bad options exit 2 with one line; bad input files (missing, empty, not a
# raw file, newer version, cut inside the header, corrupt first block, bad
# zlib data behind a valid crc) exit 1 with one line naming the file; a file
# cut inside a later block still converts, with one warning.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
work=$(prog prog-conv-work)

one_line_error() {       # STATUS FILE-IN-MESSAGE CMD...
	want=$1 name=$2
	shift 2
	expect_status "$want" "$@"
	[ ! -s out ] || { show out; fail "'$*' wrote to stdout"; }
	[ "$(grep -c . err)" -eq 1 ] || { show err; fail "'$*': expected one line on stderr"; }
	assert_grep "^sprof: " err
	[ -z "$name" ] || grep -qF -- "$name" err || { show err; fail "'$*': message does not name $name"; }
}

for args in "--bogus w.raw" "-f nosuchformat w.raw" "--pid x w.raw" "--trace-id 123 w.raw" \
	"--trace-id 00000000000000000000000000000000 w.raw" "--start -1 w.raw" \
	"--start 2 --end 1 w.raw" "--max-duration 0 w.raw" "--seed abc w.raw" "" "a.raw b.raw" \
	"--pid 1 --all w.raw" "--format"; do
	# shellcheck disable=SC2086
	one_line_error 2 "" "$SPROF" convert $args
	assert_grep "sprof convert --help" err
done
expect_status 0 "$SPROF" convert --help
assert_grep "envelope-chunk" out

profile_run w1.raw "$work" single 0.3
profile_run w2.raw "$work" single 0.3
# two processes' blocks in one file, so that damage to the last block leaves
# a whole process before it
{ cat w1.raw; tail -c +17 w2.raw; } > w.raw

one_line_error 1 missing.raw "$SPROF" convert missing.raw
assert_grep "missing.raw: No such file" err
: > empty.raw
one_line_error 1 empty.raw "$SPROF" convert empty.raw
echo "hello, world" > text.raw
one_line_error 1 text.raw "$SPROF" convert text.raw
mkdir dir.raw
one_line_error 1 dir.raw "$SPROF" convert dir.raw

"$PYTHON3" - w.raw <<'PY' || hard_error "cannot make the damaged files"
import struct, sys, zlib
d = bytearray(open(sys.argv[1], "rb").read())
blocks, p = [], 16
while p + 36 <= len(d):
    h = struct.unpack_from("<9I", d, p)
    blocks.append((p, h))
    p += 36 + h[5]
assert len(blocks) >= 2, "need two blocks"
def save(name, data):
    open(name, "wb").write(bytes(data))
newer = bytearray(d); struct.pack_into("<H", newer, 8, 99); save("newer.raw", newer)
save("short.raw", d[:10])
# corrupt payload byte in block 0: payload crc fails
bad = bytearray(d); bad[blocks[0][0] + 36 + 5] ^= 0x55; save("badcrc.raw", bad)
# garbage zlib data with the crcs fixed up: only inflating can tell
z = bytearray(d); off, h = blocks[0]
z[off + 36: off + 36 + h[5]] = bytes((i * 37 + 11) & 0xff for i in range(h[5]))
struct.pack_into("<I", z, off + 24, zlib.crc32(z[off + 36: off + 36 + h[5]]))
struct.pack_into("<I", z, off + 32, zlib.crc32(z[off: off + 32]))
save("badzlib.raw", z)
# cut inside the last block: the blocks before it still convert
off, h = blocks[-1]
save("cut.raw", d[:off + 36 + h[5] // 2])
# the same damage in the last block only
late = bytearray(d); late[blocks[-1][0] + 36 + 3] ^= 0x55; save("latebad.raw", late)
PY
one_line_error 1 newer.raw "$SPROF" convert newer.raw
one_line_error 1 short.raw "$SPROF" convert short.raw
one_line_error 1 badcrc.raw "$SPROF" convert badcrc.raw
one_line_error 1 badzlib.raw "$SPROF" convert badzlib.raw

for f in cut.raw latebad.raw; do
	expect_status 0 "$SPROF" convert -o "$f.json" "$f"
	# one warning about the damage, and the note that the first of the two
	# processes is the one converted
	[ "$(grep -c -v 'processes in the file; converted pid' err)" -eq 1 ] || { show err; fail "$f: expected one warning"; }
	assert_grep "^sprof: $f: 2 processes in the file; converted pid [0-9]+ \\(prog-conv-work\\)" err
	assert_grep "^sprof: $f: .*; converting the data before it$" err
	check_sentry "$f.json"
done

# too few samples: a program that exits at once
profile_run none.raw /bin/true
one_line_error 1 none.raw "$SPROF" convert none.raw
assert_grep "not enough samples" err
expect_status 0 "$SPROF" convert --force -o forced.json none.raw
"$PYTHON3" -c "import json; json.load(open('forced.json'))" || fail "--force wrote bad JSON"

# an unwritable output leaves nothing behind and says so
one_line_error 1 "nodir/p.json" "$SPROF" convert -o nodir/p.json w.raw
# a failed write to a device reports it and never removes the device
if [ -c /dev/full ]; then
	one_line_error 1 /dev/full "$SPROF" convert -o /dev/full w.raw
	[ -c /dev/full ] || fail "convert -o /dev/full removed /dev/full"
fi
exit 0
