#!/bin/sh
# sprof names every sampled address as llvm-symbolizer --inlining and
# addr2line -i do (function, inline chain, file, line), in >= 99 % of the
# locations, for: an -flto -g program whose debug info is split off with
# objcopy --only-keep-debug/--add-gnu-debuglink, an -O2 -g C++ program
# (lambdas, templates), libc/libm with libc6-dbg, and Debian's python3.11
# with python3.11-dbg (an LTO build with a separate .debug file).  Each
# part prints its disagreement rate; a part whose package is missing is
# left out, and the test skips when every part was.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
for t in llvm-symbolizer addr2line objcopy nm; do
	command -v $t > /dev/null || skip "$t is not installed"
done
agree="$SPROF_SRCDIR/tests/sym-agree.py"
min=99
parts=0

# check NAME JSON IMAGE: sprof's names for IMAGE's addresses in JSON agree
check() {
	"$PYTHON3" "$agree" "$2" --image "$3" --min-agree $min > agree.out 2>&1
	st=$?
	echo "$1: $(head -1 agree.out)"
	tail -n +2 agree.out
	case $st in
	0) parts=$((parts + 1)) ;;
	77) ;;
	*) show agree.out; fail "$1: below $min % agreement" ;;
	esac
}

# has_debug FILE: the debug file of FILE is installed under /usr/lib/debug
has_debug() {
	id=$(readelf -n "$1" 2> /dev/null | sed -n 's/.*Build ID: *//p')
	[ -n "$id" ] && [ -e "/usr/lib/debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug" ]
}

# 1. LTO, debug info in a separate file found through .gnu_debuglink
cp "$(prog prog-sym-lto)" lto
objcopy --only-keep-debug lto lto.debug
objcopy --strip-debug --add-gnu-debuglink=lto.debug lto
readelf -S lto | grep -q debug_info && hard_error "objcopy left debug info in lto"
profile_run lto.raw ./lto 0.6
expect_status 0 "$SPROF" convert -o lto.json lto.raw
check_sentry lto.json
check "lto program" lto.json /lto

# 2. an optimized C++ program
profile_run cxx.raw "$(prog prog-sym-cxx)" 0.6
expect_status 0 "$SPROF" convert -o cxx.json cxx.raw
check_sentry cxx.json
check "C++ -O2" cxx.json /prog-sym-cxx

# 3. libc and libm, named from libc6-dbg's files
libc=$(ldd ./lto | sed -n 's/.*libc.so.6 => \([^ ]*\).*/\1/p')
if [ -n "$libc" ] && has_debug "$libc"; then
	check "libc" lto.json libc.so.6
	check "libm" cxx.json libm.so.6
else
	echo "libc: no libc6-dbg; left out"
fi

# 4. Debian's python3.11 with python3.11-dbg
py=/usr/bin/python3.11
if [ -x $py ] && has_debug $py; then
	cat > work.py <<'PY'
import json
d = [{"a": i, "b": str(i)} for i in range(200000)]
s = json.dumps(d)
x = sorted(d, key=lambda e: e["b"])
PY
	"$SPROF" run -q -F 1000 --no-follow -o py.raw -- $py work.py > run.out 2> run.err ||
		{ show run.out run.err; fail "sprof run python3.11 failed"; }
	expect_status 0 "$SPROF" convert -o py.json py.raw
	check_sentry py.json
	check "python3.11" py.json /usr/bin/python3.11
else
	echo "python3.11: no Debian python3.11 with python3.11-dbg; left out"
fi
[ $parts -gt 0 ] || skip "no part had addresses to compare"
exit 0
