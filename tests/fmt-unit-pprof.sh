#!/bin/sh
# fmt-unit-pprof.sh -- the pprof writer on tests/fmt-unit.c's hand-built
# model, read back by `go tool pprof` (skipped without Go): gzip framing, the
# top function, inlined frames as extra Lines, thread labels, sample types.
. "$SPROF_SRCDIR/tests/lib.sh"

"$(prog fmt-unit)" . || fail "fmt-unit found problems (see above)"
gzip -t profile.pb.gz || fail "profile.pb.gz is not gzip"
gzip -t empty.pb.gz || fail "empty.pb.gz is not gzip"
command -v go >/dev/null 2>&1 || skip "go is not installed (Debian golang-go)"
export GOCACHE="$PWD/gocache" GOPATH="$PWD/gopath" HOME="$PWD" GOTOOLCHAIN=local GOFLAGS=

go tool pprof -top profile.pb.gz > top 2>&1 || { show top; fail "go tool pprof -top failed"; }
# first row: hot_a with 40% flat, 60% cum; cpu values are count x 10 ms
awk '/flat%/ { getline; print; exit }' top > first
assert_grep '400ms +40\.00% +40\.00% +600ms +60\.00% +hot_a$' first
assert_grep 'square \(inline\)' top
assert_grep 'libc\.so\.6\+0x1234' top
assert_grep '^Build ID: 0123456789abcdef0123456789abcdef01234567' top
assert_grep '^Duration: 2s' top
go tool pprof -sample_index=samples -top profile.pb.gz > count 2>&1 || fail "-sample_index=samples"
assert_grep '^ +40 +40\.00% .* hot_a$' count
# the inline chain is one location: square (inline) directly above hot_a
go tool pprof -traces profile.pb.gz > traces 2>&1 || fail "go tool pprof -traces failed"
grep -A1 'square (inline)' traces | tail -n 1 > below
assert_grep '^ +hot_a$' below
go tool pprof -tags profile.pb.gz > tags 2>&1 || fail "go tool pprof -tags failed"
assert_grep 'hotapp' tags
assert_grep 'worker' tags
# two processes: one profile, samples labelled with their pid, 2.5 s in all
go tool pprof -tags two.pb.gz > tags2 2>&1 || fail "go tool pprof -tags (two processes)"
assert_grep '4242' tags2
assert_grep '5000' tags2
go tool pprof -top two.pb.gz > top2 2>&1 || fail "go tool pprof -top (two processes)"
assert_grep '^Duration: 2\.50?s,' top2
assert_grep 'Total samples = 2000ms' top2
go tool pprof -top empty.pb.gz > empty 2>&1 || { show empty; fail "the empty profile is unreadable"; }
exit 0
