#!/bin/sh
# sprof info on raw files with known contents (written by prog-rawgen):
# every field, interleaved processes, compressed and stored payloads, stdin.
. "$SPROF_SRCDIR/tests/lib.sh"
gen=$(prog prog-rawgen)

"$gen" one.raw samples 1000 threads 3 stacks 50 || hard_error "prog-rawgen failed"
expect_status 0 "$SPROF" info one.raw
cat > want <<'WANT'
file: one.raw
format: 1.2
blocks: 1
end: clean
processes: 1
process 1000
  ppid: 999
  command: 'synthetic app' --flag 'it'\''s'
  exe: /usr/bin/synthetic app
  system: x86_64 Linux 6.1.0-test
  runtime: glibc 2.36-test
  mechanism: synthetic
  mode: cpu
  max depth: 128
  started: 2023-11-14 22:13:20.000 UTC
  duration: 1.001 s
  samples: 1000
  lost: 3 (full 2, other 1)
  rate: requested 1000 Hz, delivered 999.5 Hz
  stacks: 50
  blocks: 1
  threads: 3
    thread 1000 "main": 334 samples
    thread 1001 "worker-1": 333 samples
    thread 1002 "worker-2": 333 samples
  images: 2
    image 0x555555554000 0x10000 deadbeef0102030405060708090a0b0c0d0e0f10 /usr/bin/synthetic app
    image 0x7f0000000000 0x200000 - /lib/x86_64-linux-gnu/libc.so.6
  end: exit 7
WANT
grep -v '^size: ' out > got
diff want got || fail "sprof info output differs"
assert_grep "^size: $(stat -c %s one.raw) bytes" out

# the same through stdin
expect_status 0 "$SPROF" info - < one.raw
grep -v '^size: \|^file: ' out > got2
grep -v '^file: ' want | diff - got2 || fail "info from stdin differs"

# uncompressed payloads read the same
"$gen" stored.raw samples 1000 threads 3 stacks 50 stored || hard_error "prog-rawgen failed"
expect_status 0 "$SPROF" info stored.raw
grep -v '^size: \|^file: ' out > got3
grep -v '^file: ' want | diff - got3 || fail "stored payloads read differently"

# three processes whose blocks interleave, many blocks each, no end records
"$gen" three.raw procs 3 samples 10000 per-block 700 threads 5 no-end || hard_error "prog-rawgen failed"
expect_status 0 "$SPROF" info three.raw
assert_grep '^end: clean$' out
assert_grep '^processes: 3$' out
assert_grep '^blocks: 45$' out
[ "$(grep -c '^  samples: 10000$' out)" = 3 ] || { show out; fail "not 10000 samples in each process"; }
[ "$(grep -c '^  blocks: 15$' out)" = 3 ] || { show out; fail "blocks not grouped per process"; }
[ "$(grep -c '^  end: cut (no end record' out)" = 3 ] || { show out; fail "missing end records not reported"; }
[ "$(grep -c '^    thread ' out)" = 15 ] || { show out; fail "expected 15 thread lines"; }
grep '^process ' out | tr '\n' ' ' | grep -q '^process 1000 process 1001 process 1002 $' ||
	{ show out; fail "processes not in order of first appearance"; }
# threads sorted by samples, most first
sed -n '/^process 1000$/,/^process 1001$/p' out | sed -n 's/^    thread [0-9]* "[^"]*": \([0-9]*\) samples$/\1/p' > counts
sort -rn counts | cmp -s - counts || { show out; fail "threads not sorted by samples"; }

# a file with only its header: clean, no processes
head -c 16 one.raw > empty.raw
expect_status 0 "$SPROF" info empty.raw
assert_grep '^blocks: 0$' out
assert_grep '^processes: 0$' out
assert_grep '^end: clean$' out

expect_status 0 "$SPROF" info --help
assert_grep '^Usage: sprof info' out
expect_status 2 "$SPROF" info
assert_grep "^sprof: .*sprof info --help" err
expect_status 2 "$SPROF" info --bogus one.raw
assert_grep "^sprof: .*sprof info --help" err
exit 0
