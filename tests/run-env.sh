#!/bin/sh
# The program runs with the shim first in LD_PRELOAD (an existing value
# kept after it), and the shim takes the SPROF_* variables out of its
# environment with --no-follow (doc/HACKING.md).
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)
need_shim

expect_status 0 "$SPROF" run -q -- "$p" env LD_PRELOAD
case $(cat out) in
*/libsprof.so) ;;
*) show out; fail "LD_PRELOAD is not the shim" ;;
esac

# an existing preload stays, after the shim (the loader warns about the
# missing file on stderr; that is the loader's business)
expect_status 0 env LD_PRELOAD=/nonexistent-sprof-test.so "$SPROF" run -q -- "$p" env LD_PRELOAD
case $(cat out) in
*/libsprof.so:/nonexistent-sprof-test.so) ;;
*) show out; fail "existing LD_PRELOAD not kept after the shim" ;;
esac

for v in SPROF_OUTPUT SPROF_FREQUENCY SPROF_MAX_DEPTH SPROF_MODE; do
	expect_status 0 "$SPROF" run -q --no-follow -- "$p" env $v
	[ "$(cat out)" = "(unset)" ] || fail "$v is visible to the program: $(cat out)"
done
exit 0
