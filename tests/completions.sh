#!/bin/sh
# completions.sh -- the shell completions load and complete what they should:
# subcommands, options, --format values, files for FILE arguments, commands
# after `sprof run --`.  bash is exercised through its completion function;
# fish through `complete -C`; zsh through its line editor on a pseudo-
# terminal.  A shell that is not installed is left out (with a note); bash is
# required.
. "$SPROF_SRCDIR/tests/lib.sh"

comp=$SPROF_SRCDIR/completions
command -v bash >/dev/null 2>&1 || skip "bash is not installed"

# A few files to complete.
mkdir sub
: > app.raw
: > apple.txt

# ---- bash ---------------------------------------------------------------
# t WORDS...: the completions bash offers for the last word (space-joined).
cat > bash-driver <<'EOF'
source "$1" || exit 99
t() {
	COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
	COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
	_sprof
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
	echo
}
echo "top: $(t sprof '')"
echo "opt: $(t sprof --v)"
echo "run: $(t sprof run --max)"
echo "runF: $(t sprof run -F 4)"
echo "conv: $(t sprof convert --in-app)"
echo "fmt: $(t sprof convert -f sentry)"
echo "fmteq: $(t sprof convert --format=spe)"
echo "color: $(t sprof convert --color a)"
echo "file: $(t sprof info app)"
echo "out: $(t sprof run -o app)"
echo "cmd: $(t sprof run -q -- bas)"
echo "cmd2: $(t sprof run -o x.raw ./myprog --ma)"
echo "cmd3: $(t sprof run -F 99 bas)"
echo "dir: $(t sprof convert --debug-dir s)"
echo "dfmt: $(t sprof diff -f ma)"
echo "dopt: $(t sprof diff --fail)"
type complete >/dev/null && complete -p sprof
EOF
bash --norc --noprofile bash-driver "$comp/sprof.bash" > bash.out 2> bash.err ||
	{ show bash.out bash.err; fail "the bash completion did not load or run"; }
[ ! -s bash.err ] || { show bash.err; fail "the bash completion printed errors"; }

expect_line() {   # expect_line FILE LINE
	grep -qxF -- "$2" "$1" || { show "$1"; fail "expected the line '$2' in $1"; }
}
expect_line bash.out "top: convert diff info run"
expect_line bash.out "dfmt: markdown"
expect_line bash.out "dopt: --fail-on"
expect_line bash.out "opt: --version"
expect_line bash.out "run: --max-depth"
expect_line bash.out "runF: 49 499 4999"
expect_line bash.out "conv: --in-app-exclude --in-app-include"
expect_line bash.out "fmt: sentry sentry-chunk"
expect_line bash.out "fmteq: speedscope"
expect_line bash.out "color: always auto"
expect_line bash.out "file: app.raw apple.txt"
expect_line bash.out "out: app.raw apple.txt"
expect_line bash.out "dir: sub"
expect_line bash.out "complete -F _sprof sprof"
grep -qE '^cmd: .*\bbash\b' bash.out || { show bash.out; fail "no command completion after 'sprof run --'"; }
grep -qE '^cmd3: .*\bbash\b' bash.out || { show bash.out; fail "no command completion for run's first operand"; }
# the program's own arguments are not sprof's options
assert_no_grep '^cmd2: .*--max-depth' bash.out

# ---- fish ---------------------------------------------------------------
if command -v fish >/dev/null 2>&1; then
	fish -n "$comp/sprof.fish" 2> fish.err || { show fish.err; fail "fish -n: syntax error in sprof.fish"; }
	fish --no-config -c "source '$comp/sprof.fish'; function sprof; end
		for l in 'sprof ' 'sprof run --max' 'sprof convert --format sentry' 'sprof info app' 'sprof run -- bas' 'sprof convert --color a' 'sprof diff --format j'
			echo \"\$l|\"(complete -C \"\$l\" | string replace -r '\t.*' '' | sort | string join ' ')
		end" > fish.out 2> fish.err || { show fish.out fish.err; fail "the fish completion did not run"; }
	expect_line fish.out "sprof |convert diff info run"
	expect_line fish.out "sprof diff --format j|json"
	expect_line fish.out "sprof run --max|--max-depth"
	expect_line fish.out "sprof convert --format sentry|sentry sentry-chunk"
	expect_line fish.out "sprof info app|app.raw apple.txt"
	expect_line fish.out "sprof convert --color a|always auto"
	grep -qE '^sprof run -- bas\|.*\bbash\b' fish.out || { show fish.out; fail "fish: no command completion after 'sprof run --'"; }
else
	echo "note: fish is not installed; sprof.fish not checked" >&2
fi

# ---- zsh ----------------------------------------------------------------
# zsh completes only inside its line editor, so zdriver runs an interactive
# zsh on a pseudo-terminal (zpty), types each line and a key bound to a
# completion widget that records the candidates of line N in hits.N.
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$comp/_sprof" 2> zsh.err || { show zsh.err; fail "zsh -n: syntax error in _sprof"; }
	head -n 1 "$comp/_sprof" | grep -qx '#compdef sprof' || fail "_sprof does not start with '#compdef sprof'"
	cat > zdriver <<'EOF'
zmodload zsh/zpty || exit 77
zpty -b z zsh -f -i || exit 77
zpty -w z "PS1=''; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'ct() { compadd() { builtin compadd -O __h "$@"; print -rl -- $__h >> $HITS; builtin compadd "$@" }; _main_complete; unfunction compadd; print done >> $HITS.done }'
zpty -w z 'zle -C ct complete-word ct; bindkey "^T" ct'
integer n=0
for line in "${@:2}"; do
	(( n++ ))
	: > hits.$n
	zpty -w z "HITS=$PWD/hits.$n"
	zpty -w -n z "$line"$'\x14'
	integer i=0
	while [[ ! -e hits.$n.done ]] && (( i++ < 150 )); do sleep 0.1; done
	zpty -w z $'\x15'
done
zpty -d z
EOF
	zrc=0
	timeout 120 zsh -f zdriver "$comp" 'sprof ' 'sprof convert -f ' 'sprof run --max' \
		'sprof info ap' 'sprof run -q -- bas' 'sprof convert --color=' 'sprof run ./myprog --ma' \
		'sprof diff -f ' \
		> zsh.out 2>&1 || zrc=$?
	if [ "$zrc" -eq 77 ]; then
		echo "note: zsh has no zpty module; only the syntax of _sprof checked" >&2
	else
		[ "$zrc" -eq 0 ] || { show zsh.out; fail "the zsh completion driver failed ($zrc)"; }
		zhits() { sort -u "hits.$1" | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//'; }
		zexpect() {
			got=$(zhits "$1")
			[ "$got" = "$2" ] || { show zsh.out; fail "zsh: line $1 completed to '$got', expected '$2'"; }
		}
		zexpect 1 "convert diff info run"
		zexpect 2 "collapsed envelope envelope-chunk flamegraph pprof report sentry sentry-chunk speedscope"
		zexpect 3 "--max-depth"
		zexpect 4 "app.raw apple.txt"
		grep -qx bash hits.5 || { show hits.5; fail "zsh: no command completion after 'sprof run --'"; }
		zexpect 6 "always auto never"
		zexpect 7 ""
		zexpect 8 "flamegraph json markdown table"
	fi
else
	echo "note: zsh is not installed; _sprof not checked" >&2
fi
exit 0
