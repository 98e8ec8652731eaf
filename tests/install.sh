#!/bin/sh
# make install into a staging DESTDIR gives a working sprof: run from
# another directory, it finds its installed libsprof.so and profiles a
# program; the man page and the bash, zsh and fish completions are where
# the README says; make uninstall leaves no file behind.
. "$SPROF_SRCDIR/tests/lib.sh"
need_shim
build=$(dirname "$SPROF_TESTDIR")
p=$(prog prog-run)
dest=$tmp/dest

# a make of its own, not a part of the make check that runs this test
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$build" "$@"; }
mk install DESTDIR="$dest" > install.log 2>&1 || { show install.log; fail "make install failed"; }
bindir=$(mk -f Makefile -f - print-dirs <<'MK' 2>/dev/null
print-dirs: ; @echo $(bindir) $(pkglibdir) $(mandir) $(bashcompdir) $(zshcompdir) $(fishcompdir)
MK
) || fail "cannot ask make for the install directories"
set -- $bindir
for f in "$1/sprof" "$2/libsprof.so" "$3/man1/sprof.1" "$4/sprof" "$5/_sprof" "$6/sprof.fish"; do
	[ -e "$dest$f" ] || { find "$dest" > found; show found; fail "make install did not install $f"; }
done
sprof=$dest$1/sprof

# run from elsewhere, without the build tree's help
mkdir elsewhere
cd elsewhere
status=0
env -u SPROF_SHIM "$sprof" run -o inst.raw -- "$p" spin 0.3 > out 2> err || status=$?
[ "$status" = 0 ] || { show err; fail "the installed sprof run exited $status"; }
assert_grep '^sprof: [1-9][0-9]* samples .* -> inst\.raw' err
"$sprof" info inst.raw > info.out 2>&1 || { show info.out; fail "installed sprof info failed"; }
assert_grep "^  command: $p spin 0.3\$" info.out
"$sprof" convert -o p.json inst.raw 2> err || { show err; fail "installed sprof convert failed"; }
cd ..
"$PYTHON3" "$SENTRY_VALIDATE" elsewhere/p.json > v.out || { show v.out; fail "the installed sprof's profile is rejected"; }
# the completion loads in bash and completes sprof
if command -v bash > /dev/null; then
	bash -c '. "$1"; complete -p sprof' sh "$dest$4/sprof" > comp.out 2>&1 ||
		{ show comp.out; fail "the installed bash completion does not load"; }
fi
if command -v man > /dev/null; then
	MANPATH=$dest$3 man -w sprof > man.out 2>&1 || { show man.out; fail "man does not find sprof(1)"; }
fi

mk uninstall DESTDIR="$dest" > uninstall.log 2>&1 || { show uninstall.log; fail "make uninstall failed"; }
find "$dest" ! -type d > left
[ -s left ] && { show left; fail "make uninstall left files behind"; }
exit 0
