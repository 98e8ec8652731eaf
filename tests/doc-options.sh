#!/bin/sh
# doc-options.sh -- the man page and the shell completions document exactly
# the options and output formats sprof accepts: every option printed by
# `sprof --help` and `sprof run|convert|info|diff --help`, and every format listed
# under `sprof convert --help`, must appear in doc/sprof.1 and in each
# completion file; and every option those files mention must be one sprof
# prints (no stale options).  Also: the man page formats without warnings.
. "$SPROF_SRCDIR/tests/lib.sh"

man=$SPROF_SRCDIR/doc/sprof.1
comps="$SPROF_SRCDIR/completions/sprof.bash $SPROF_SRCDIR/completions/_sprof $SPROF_SRCDIR/completions/sprof.fish"
for f in $man $comps; do
	[ -f "$f" ] || hard_error "$f is missing"
done

# help.all: every help text.  Each must exist and exit 0.
for c in "" run convert info diff; do
	# shellcheck disable=SC2086  # $c empty means top-level help
	"$SPROF" $c --help > "help.${c:-top}" 2>&1 || { show "help.${c:-top}"; fail "sprof $c --help failed"; }
	cat "help.${c:-top}" >> help.all
done
grep -oE -- '--[a-z][a-z0-9-]+' help.all | sort -u > opts.help
[ -s opts.help ] || hard_error "no options found in the --help texts"

# The formats: the first word of each line between "--format" and the next
# option line of `sprof convert --help`.
sed -n '/--format/,/^ *-/p' help.convert | sed '1d;$d' | awk '{print $1}' > formats.help
[ -s formats.help ] || { show help.convert; hard_error "no formats found in sprof convert --help"; }
grep -qx sentry formats.help || { show formats.help; fail "sentry is not among the formats"; }

# Options as the documentation spells them: the man page writes a dash as \-.
sed 's/\\-/-/g' "$man" > man.txt
# For the stale check: the man page minus the lines of EXAMPLES that run
# other programs (sentry-cli's options are not sprof's).
awk '/^\.SH/ { ex = ($2 == "EXAMPLES") } !ex || /^sprof / || /^ / || /^\./' man.txt > man-own.txt
{
	grep -oE -- '--[a-z][a-z0-9-]+' man-own.txt
	for f in $comps; do
		grep -oE -- '--[a-z][a-z0-9-]+' "$f"
		# fish: complete ... -l NAME
		grep '^complete ' "$f" | grep -oE -- ' -l [a-z][a-z0-9-]+' | sed 's/ -l /--/'
	done
} | sort -u > opts.doc

missing=
for o in $(cat opts.help); do
	# bash/zsh spell options out; fish names them with -l NAME.
	grep -qF -- "$o" man.txt || missing="$missing $o(sprof.1)"
	for f in $comps; do
		case $f in
		*.fish) grep -qE -- "-l ${o#--}( |\$)" "$f" ;;
		*) grep -qE -- "$o([^a-z0-9-]|\$)" "$f" ;;
		esac || missing="$missing $o($(basename "$f"))"
	done
done
for fmt in $(cat formats.help); do
	grep -qE -- "^\.B $fmt\$" man.txt || missing="$missing format:$fmt(sprof.1)"
	for f in $comps; do
		grep -qE -- "(^|[ '(])$fmt([:\\ ']|\$)" "$f" || missing="$missing format:$fmt($(basename "$f"))"
	done
done
[ -z "$missing" ] || fail "documented nowhere:$missing"

# The reverse: nothing documented that sprof does not take.  "--" alone is
# not matched by the pattern; "--help" etc. are in the help texts.
stale=$(comm -23 opts.doc opts.help | tr '\n' ' ')
[ -z "$stale" ] || fail "documented but not in any --help: $stale"

# The man page formats cleanly.
if command -v groff >/dev/null 2>&1; then
	groff -man -Tutf8 -ww -z "$man" 2> groff.err || { show groff.err; fail "groff failed on sprof.1"; }
	[ ! -s groff.err ] || { show groff.err; fail "groff warns about sprof.1"; }
fi
exit 0
