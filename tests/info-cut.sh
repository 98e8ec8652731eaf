#!/bin/sh
# A cut raw file (crash, kill -9, disk full, corruption) still shows
# everything up to the last good block, and says it was cut and where.
. "$SPROF_SRCDIR/tests/lib.sh"
gen=$(prog prog-rawgen)

# 20 blocks of 1000 samples
"$gen" full.raw samples 20000 per-block 1000 || hard_error "prog-rawgen failed"
expect_status 0 "$SPROF" info full.raw
assert_grep '^blocks: 20$' out

# block_offset FILE N: where block N (1-based) starts
block_offset() {
	"$PYTHON3" -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 16
for _ in range(int(sys.argv[2]) - 1):
    off += 36 + struct.unpack_from("<I", d, off + 20)[0]
print(off)' "$1" "$2" || hard_error "python failed"
}
off20=$(block_offset full.raw 20)
size=$(stat -c %s full.raw)

# cut in the middle of the last block's payload
head -c $(( (off20 + 36 + size) / 2 )) full.raw > cut.raw
expect_status 0 "$SPROF" info cut.raw
assert_grep "^end: cut \(crash or kill\): truncated in block 20 at offset $off20; showing everything up to the last good block\$" out
assert_grep '^blocks: 19$' out
assert_grep '^  samples: 19000$' out
assert_grep '^  end: cut \(no end record; the file is cut\)$' out

# cut inside a block header
head -c $((off20 + 10)) full.raw > cut2.raw
expect_status 0 "$SPROF" info cut2.raw
assert_grep "^end: cut .*truncated in block 20 at offset $off20;" out
assert_grep '^  samples: 19000$' out

# a flipped byte in block 11's payload: blocks 1-10 kept, bad checksum named
off11=$(block_offset full.raw 11)
"$PYTHON3" -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[int(sys.argv[3])] ^= 0x55
open(sys.argv[2], "wb").write(d)' full.raw bad.raw $((off11 + 40)) || hard_error "python failed"
expect_status 0 "$SPROF" info bad.raw
assert_grep "^end: cut \(crash or kill\): block 11 at offset $off11: bad checksum; " out
assert_grep '^  samples: 10000$' out
assert_grep '^blocks: 10$' out

# a flipped byte in block 11's header
"$PYTHON3" -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[int(sys.argv[3])] ^= 0x01
open(sys.argv[2], "wb").write(d)' full.raw badh.raw $((off11 + 8)) || hard_error "python failed"
expect_status 0 "$SPROF" info badh.raw
assert_grep "^end: cut \(crash or kill\): block 11 at offset $off11: bad header checksum; " out
assert_grep '^  samples: 10000$' out

# a real file from the shim, cut short
need_shim
p=$(prog prog-run)
expect_status 0 "$SPROF" run -q -F 1000 -o real.raw -- "$p" spin 1
rsize=$(stat -c %s real.raw)
head -c $((rsize - 5)) real.raw > realcut.raw
expect_status 0 "$SPROF" info realcut.raw
assert_grep '^end: cut \(crash or kill\): truncated in block [0-9]+ at offset [0-9]+; ' out
assert_grep '^  samples: [0-9]+$' out
exit 0
