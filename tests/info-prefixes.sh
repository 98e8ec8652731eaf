#!/bin/sh
# The reader on every kind of cut: sprof info on many prefixes of a raw file
# (several processes, several blocks each) never crashes or hangs; it either
# reads the file (exit 0, cut unless it ends with a whole block) or rejects
# it (exit 1).
. "$SPROF_SRCDIR/tests/lib.sh"
gen=$(prog prog-rawgen)

"$gen" small.raw procs 2 samples 60 per-block 20 threads 2 stacks 4 || hard_error "prog-rawgen failed"
size=$(stat -c %s small.raw)
# a prefix that ends just after a whole block is a good, shorter file
bounds=" $("$PYTHON3" - small.raw <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
off, out = 16, []
while off + 36 <= len(b):
    off += 36 + struct.unpack_from("<I", b, off + 20)[0]
    out.append(str(off))
print(" ".join(out))
PY
) "
n=0
while [ $n -lt "$size" ]; do
	head -c $n small.raw > p.raw
	status=0
	"$SPROF" info p.raw > out 2> err || status=$?
	case $status in
	0) [ $n -ge 16 ] || fail "prefix $n: read as a raw file"
	   case $bounds in
	   *" $n "*) grep -q '^end: clean$' out || { show out; fail "prefix $n: whole blocks not clean"; } ;;
	   *) [ $n -eq 16 ] || grep -q '^end: cut ' out || { show out; fail "prefix $n: not reported cut"; } ;;
	   esac ;;
	1) [ $n -lt 16 ] || { show err; fail "prefix $n: rejected"; } ;;
	*) show err; fail "prefix $n: exit status $status" ;;
	esac
	n=$((n + 5))
done
expect_status 0 "$SPROF" info small.raw
assert_grep '^end: clean$' out
exit 0
