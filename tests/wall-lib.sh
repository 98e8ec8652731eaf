# tests/wall-lib.sh -- helpers of the wall-mode and process-tree tests,
# sourced after lib.sh:
#   folded FILE [ARGS]     sprof convert -f collapsed ARGS FILE into folded.txt
#   fsum RE                samples of the folded.txt lines matching RE (grep -E)
#   pid_of RE              pid of the first process whose command matches RE
#   within LO HI VALUE WHAT   fail unless LO <= VALUE <= HI (reals)
need_shim

folded() {
	_raw=$1
	shift
	"$SPROF" convert -f collapsed "$@" "$_raw" > folded.txt 2> folded.err ||
		{ show folded.err; fail "sprof convert $* $_raw failed"; }
}

fsum() {
	grep -E -- "$1" folded.txt | awk '{ s += $NF } END { print s + 0 }'
}

pid_of() {
	"$SPROF" info "$2" | awk -v re="$1" '/^process / { p = $2 } /^  command: / && $0 ~ re { print p; exit }'
}

within() {
	awk -v lo="$1" -v hi="$2" -v v="$3" 'BEGIN { exit !(v + 0 >= lo + 0 && v + 0 <= hi + 0) }' ||
		fail "$4: $3 is not within [$1, $2]"
}
