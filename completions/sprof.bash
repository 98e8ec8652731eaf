# sprof.bash -- bash completion for sprof: subcommands, their options, the
# values of --format and --color, file names for FILE arguments, and after
# `sprof run [OPTIONS] --` the command to run and then its own arguments.
# Installed as $(datadir)/bash-completion/completions/sprof; works with or
# without the bash-completion package (which adds completion of the profiled
# command's own arguments).

_sprof_run_opts='-o --output -F --frequency -m --mode --no-follow --max-depth --signal --allow-unprofiled -q --quiet -h --help -V --version'
_sprof_info_opts='-h --help'
_sprof_convert_opts='-o --output -f --format --transaction --trace-id --release --environment
  --dist --platform --dsn --pid --all --start --end --max-duration --pretty --seed --force
  --debug-dir --in-app-include --in-app-exclude --top --merge-threads --color --title --width
  --reverse --inline -h --help'
_sprof_formats='sentry sentry-chunk envelope envelope-chunk report flamegraph pprof speedscope collapsed'
_sprof_diff_opts='--base --new --pid --debug-dir --fail-on --confidence -f --format -o --output --top
  --color --merge-threads --inline --title --width -h --help'
_sprof_diff_formats='table markdown json flamegraph'

# Completes a value of option $1 with the current word $2; returns 1 when $1
# takes no value (so the caller completes an option or operand instead).
_sprof_value() {
	local opt=$1 cur=$2
	case $opt in
	-o|--output|--in-app-include|--in-app-exclude|--base|--new)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	--debug-dir)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
	-f|--format)
		local fmts=$_sprof_formats
		[ "${_sprof_cmd-}" != diff ] || fmts=$_sprof_diff_formats
		mapfile -t COMPREPLY < <(compgen -W "$fmts" -- "$cur") ;;
	--fail-on)
		mapfile -t COMPREPLY < <(compgen -W "'self>+2pp' 'total>+5pp' 'cpu>+5%' none" -- "$cur") ;;
	--color)
		mapfile -t COMPREPLY < <(compgen -W 'auto always never' -- "$cur") ;;
	--inline)
		mapfile -t COMPREPLY < <(compgen -W 'yes no' -- "$cur") ;;
	-F|--frequency)
		mapfile -t COMPREPLY < <(compgen -W '49 99 101 199 499 997 1999 4999 9999' -- "$cur") ;;
	--max-depth)
		mapfile -t COMPREPLY < <(compgen -W '32 64 128 256 512 1024' -- "$cur") ;;
	-m|--mode)
		mapfile -t COMPREPLY < <(compgen -W 'cpu wall' -- "$cur") ;;
	--signal)
		mapfile -t COMPREPLY < <(compgen -W 'PROF VTALRM USR1 USR2 ALRM RTMIN RTMIN+1 RTMIN+3 RTMAX' -- "$cur") ;;
	--transaction|--trace-id|--release|--environment|--dist|--platform|--dsn|--pid|\
	--start|--end|--max-duration|--seed|--top|--title|--width|--confidence)
		COMPREPLY=() ;;         # free-form value: nothing sensible to offer
	*)
		return 1 ;;
	esac
	return 0
}

_sprof() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()

	# The subcommand: the first word after "sprof" that is not an option.
	local i cmd='' cmd_at=0
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; cmd_at=$i; break ;;
		esac
	done

	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '-h --help -V --version' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W 'run convert info diff' -- "$cur")
		fi
		return 0
	fi

	if [ "$cmd" = run ]; then
		# After "--" (or the first operand) the words belong to the program.
		local cmd_start=0
		for ((i = cmd_at + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			--) cmd_start=$((i + 1)); break ;;
			-o|--output|-F|--frequency|-m|--mode|--max-depth|--signal) ((i++)) ;;
			-*) ;;
			*) cmd_start=$i; break ;;
			esac
		done
		if [ "$cmd_start" -gt 0 ]; then
			if [ "$cmd_start" -eq "$COMP_CWORD" ]; then
				compopt -o filenames 2>/dev/null
				mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
			elif declare -F _command_offset >/dev/null; then
				_command_offset "$cmd_start"
			else
				compopt -o filenames 2>/dev/null
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return 0
		fi
	fi

	_sprof_cmd=$cmd         # _sprof_value: diff has formats of its own
	# an option and its value in one word, as in --format=sentry
	if [[ $cur == --*=* ]]; then
		local opt=${cur%%=*}
		_sprof_value "$opt" "${cur#*=}" || COMPREPLY=()
		return 0
	fi
	_sprof_value "$prev" "$cur" && return 0

	local opts
	case $cmd in
	run) opts=$_sprof_run_opts ;;
	convert) opts=$_sprof_convert_opts ;;
	info) opts=$_sprof_info_opts ;;
	diff) opts=$_sprof_diff_opts ;;
	*) return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
	elif [ "$cmd" = run ]; then
		# run's first operand is the command (like after "--")
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -c -- "$cur" | sort -u)
	else
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
	return 0
}

complete -F _sprof sprof
