#!/bin/sh
# The raw file cannot be written any more: a file size limit (EFBIG) and,
# as root, a full tmpfs (ENOSPC).  The program runs on unaffected (exit 0);
# the shim says so on stderr at the time, naming the file and the cause;
# the summary and `sprof info` name the cause (not "crash or kill") and
# count the samples not written, those due after the failure included, so
# written + lost still adds up to the run's ~1.5 s of CPU at 1000 Hz.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
p=$(prog prog-run)

check_failed() {        # check_failed FILE TEXT
	f=$1 text=$2
	[ "$status" = 0 ] || { show err; fail "$text: the program's status became $status"; }
	assert_grep "^sprof: $tmp/.*$f: $text; sampling stopped \\(pid [0-9]+\\)" err
	assert_grep "^sprof: [0-9]+ samples \\([0-9]+ lost\\) .*-> $(basename "$f") \\(.*; writing failed: $text, [1-9][0-9]* samples not written\\)\$" err
	"$SPROF" info "$f" > info.out 2>&1 || { show info.out; fail "sprof info $f failed"; }
	assert_grep "^end: writing failed: $text" info.out
	assert_no_grep "crash or kill" info.out
	assert_grep "^  write error: [0-9.]+ s: $text; sampling stopped, [1-9][0-9]* samples not written\$" info.out
	assert_grep '^  end: exit 0$' info.out
	total=$(awk '/^  samples:/ { s = $2 } /^  lost:/ { l = $2 } END { print s + l }' info.out)
	[ "$total" -ge 1100 ] ||
		{ show info.out; fail "$text: only $total samples written or counted for 1.5 s at 1000 Hz"; }
}

# EFBIG: a 1500-byte file size limit (the header and the first block fit;
# the shim keeps 1 KiB below the limit for its last block)
run_capture "$PYTHON3" -c '
import resource, os, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (1500, 1500))
os.execv(sys.argv[1], sys.argv[1:])' "$SPROF" run -F 1000 -o big.raw -- "$p" spin 1.5
check_failed big.raw "File too large"
[ "$(stat -c %s big.raw)" -le 1500 ] || fail "big.raw grew past the limit"

# ENOSPC: a 64 KiB tmpfs with 8 KiB free, less than the room the shim keeps
# for its last block: it stops at its first block
[ "$(id -u)" = 0 ] || skip "not root: no tmpfs for the disk-full case"
mkdir mnt
mount -t tmpfs -o size=64k sprof-test "$tmp/mnt" 2>/dev/null || skip "cannot mount a tmpfs"
trap 'umount "$tmp/mnt"; cd /; rm -rf "$tmp"' EXIT
head -c $((56 * 1024)) /dev/zero > mnt/filler
cd mnt                  # (its own output cannot go there: it is full)
status=0
"$SPROF" run -F 1000 -o full.raw -- "$p" spin 1.5 > "$tmp/out" 2> "$tmp/err" || status=$?
cd ..
check_failed mnt/full.raw "No space left on device"
exit 0
