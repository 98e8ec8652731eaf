#!/bin/sh
# The raw file: created with its header and mode 0600; an existing file is
# kept as FILE.old; a symlink at the path is refused, never followed nor
# moved (tests/run-output-safety.sh: devices, FIFOs, sockets, a file in use).
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

expect_status 0 "$SPROF" run -q -- "$p" exit 0
[ -f sprof.raw ] || fail "no default sprof.raw"
[ "$(head -c 8 sprof.raw)" = SPROFRAW ] || fail "sprof.raw has no file header"
[ "$(stat -c %a sprof.raw)" = 600 ] || fail "sprof.raw mode is $(stat -c %a sprof.raw), not 600"

# -o, relative to the working directory; the old one is kept as .old
mkdir sub
echo precious > sub/out.raw
expect_status 0 "$SPROF" run -q -o sub/out.raw -- "$p" exit 0
[ "$(cat sub/out.raw.old)" = precious ] || fail "existing file not kept as .old"
[ "$(head -c 8 sub/out.raw)" = SPROFRAW ] || fail "-o file has no header"
# a second run replaces the .old
cp sub/out.raw first.raw
expect_status 0 "$SPROF" run -q --output=sub/out.raw -- "$p" exit 0
cmp -s first.raw sub/out.raw.old || fail "second run did not keep the first file as .old"

# a symlink at the output path: refused (125), not followed, not moved
echo target-data > target
ln -s "$tmp/target" link.raw
ln -s "$tmp/nothing-here" dangling.raw
expect_status 125 "$SPROF" run -q -o link.raw -- "$p" touch ran
assert_grep '^sprof: link\.raw: is a symbolic link; the raw file must be a regular file or absent$' err
[ "$(cat target)" = target-data ] || fail "symlink target was written"
[ -L link.raw ] || fail "link.raw is no longer a symlink"
[ -e link.raw.old ] && fail "the symlink was moved to .old"
expect_status 125 "$SPROF" run -q -o dangling.raw -- "$p" touch ran
[ -e nothing-here ] && fail "dangling symlink target was created"
[ -e ran ] && fail "program ran although the output is a symlink"

# an output path in a missing directory: sprof fails (125), the program does not run
expect_status 125 "$SPROF" run -q -o no/such/dir.raw -- "$p" touch ran
assert_grep '^sprof: .*no/such/dir\.raw' err
[ -e ran ] && fail "program ran although the raw file could not be made"
# a directory is not replaced
mkdir adir
expect_status 125 "$SPROF" run -q -o adir -- "$p" touch ran
[ -d adir ] || fail "directory output was moved"
[ -e ran ] && fail "program ran although the output is a directory"
exit 0
