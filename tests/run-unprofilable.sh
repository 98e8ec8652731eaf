#!/bin/sh
# Programs the shim cannot enter are refused with exit 125 and not run: static
# executables, setuid ones, #! scripts whose interpreter is static.  With
# --allow-unprofiled they run, unprofiled, and sprof says so once.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

# setuid (an owner may set the bit on their own file)
cp "$p" suid-prog
chmod u+s suid-prog
[ -u suid-prog ] || skip "cannot make a setuid file here"
expect_status 125 "$SPROF" run -- ./suid-prog touch ran
assert_grep '^sprof: \./suid-prog: .*setuid' err
[ -e ran ] && fail "setuid program was run"
[ -e sprof.raw ] && fail "a raw file was made for a refused program"
cp "$p" sgid-prog
chmod g+s sgid-prog
if [ -g sgid-prog ]; then
	expect_status 125 "$SPROF" run -- ./sgid-prog touch ran
	assert_grep 'setgid' err
fi
expect_status 0 "$SPROF" run --allow-unprofiled -- ./suid-prog touch ran
[ -e ran ] || fail "--allow-unprofiled did not run the program"
[ "$(wc -l < err)" = 1 ] || { show err; fail "expected one line about running unprofiled"; }
assert_grep 'unprofiled' err
rm -f ran
expect_status 0 "$SPROF" run -q --allow-unprofiled -- ./suid-prog touch ran
[ -s err ] && { show err; fail "-q --allow-unprofiled still talked"; }
[ -e ran ] || fail "--allow-unprofiled -q did not run the program"
rm -f ran

# static: build one if the C library's static archive is there
cc=${CC:-cc}
printf '#include <fcntl.h>\nint main(int c, char **v) { return c > 1 && open(v[1], O_CREAT | O_WRONLY, 0644) < 0; }\n' > static.c
if ! $cc -static -o static static.c 2> cc.err; then
	show cc.err
	skip "cannot link a static program (no libc.a?)"
fi
expect_status 125 "$SPROF" run -- ./static ran
assert_grep '^sprof: \./static: .*statically linked' err
[ -e ran ] && fail "static program was run"
# a script whose interpreter is static
printf '#!%s\n' "$tmp/static" > script
chmod +x script
expect_status 125 "$SPROF" run -- ./script
assert_grep '^sprof: \./script: .*interpreter.*statically linked' err
expect_status 0 "$SPROF" run --allow-unprofiled -- ./static ran
[ -e ran ] || fail "--allow-unprofiled did not run the static program"

# a script with a dynamic interpreter is fine
printf '#!/bin/sh\nexit 4\n' > dyn.sh
chmod +x dyn.sh
expect_status 4 "$SPROF" run -q -- ./dyn.sh
exit 0
