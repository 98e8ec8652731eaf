#!/bin/sh
# diff-options.sh -- sprof diff's command line: usage errors exit 2 with one
# line, unreadable or unusable input exits 1, and neither is ever the
# regression status 3.  Uses synthetic raw files (tests/prog-rawgen.c).
. "$SPROF_SRCDIR/tests/lib.sh"
gen=$(prog prog-rawgen)
"$gen" a.raw samples 2000 >/dev/null || hard_error "prog-rawgen failed"
"$gen" b.raw samples 2000 >/dev/null || hard_error "prog-rawgen failed"

usage() {
	expect_status 2 "$SPROF" diff "$@"
	[ "$(wc -l < err)" -eq 1 ] || { show err; fail "'$*': not one line"; }
	assert_grep '^sprof: ' err
}
usage
usage a.raw
usage a.raw b.raw c.raw
usage --base a.raw
usage -f svg a.raw b.raw
usage --fail-on 'self>2' a.raw b.raw
usage --fail-on 'self<+2pp' a.raw b.raw
usage --fail-on 'cpu>+2pp' a.raw b.raw
usage --fail-on 'self>+2ms' a.raw b.raw
usage --fail-on 'cpu(main)>+5%' a.raw b.raw
usage --fail-on 'self>-2pp' a.raw b.raw
usage --fail-on 'speed>+2pp' a.raw b.raw
usage --fail-on 'self>+2pp junk' a.raw b.raw
usage --confidence 100 a.raw b.raw
usage --top 0 a.raw b.raw
usage --color=sometimes a.raw b.raw
usage --inline maybe a.raw b.raw
usage --no-such-option a.raw b.raw
assert_grep "unknown option '--no-such-option'" err
expect_status 0 "$SPROF" diff --help
assert_grep '^Usage: sprof diff' out
expect_status 0 "$SPROF" --help
assert_grep '^  diff ' out

# bad input: one line, exit 1
expect_status 1 "$SPROF" diff a.raw missing.raw
assert_grep '^sprof: missing.raw: ' err
echo 'not a raw file' > junk.raw
expect_status 1 "$SPROF" diff junk.raw a.raw
assert_grep '^sprof: junk.raw: ' err
expect_status 1 "$SPROF" diff --pid 4242 a.raw b.raw
assert_grep 'no process 4242' err
expect_status 1 "$SPROF" diff -o /nonexistent/dir/x a.raw b.raw
expect_status 1 "$SPROF" diff -o /dev/full a.raw b.raw

# the same file on both sides: nothing changed, exit 0, every output
for f in table markdown json flamegraph; do
	expect_status 0 "$SPROF" diff -f "$f" -o "same.$f" a.raw a.raw
	[ -s "same.$f" ] || fail "-f $f wrote nothing"
done
$PYTHON3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["regression"] is False' same.json ||
	fail "json"
expect_status 0 "$SPROF" diff --inline no a.raw a.raw
exit 0
