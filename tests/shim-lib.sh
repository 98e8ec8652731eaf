# tests/shim-lib.sh -- helpers shared by the shim tests, sourced after lib.sh.
# Raw files are read back with prog-shim-dump (the real reader), whose output
# is kept in dump.txt:
#   dump FILE              read FILE into dump.txt (fail if unreadable)
#   proc_field KEY         value after KEY on the first "proc" line
#   thread_samples NAME    samples of the thread named NAME (0 if none)
#   assert_between LO HI VALUE WHAT   fail unless LO <= VALUE <= HI (reals)
#   raw_header FILE        write the 16-byte file header, as the launcher does

need_shim
work=$(prog prog-shim-work)
dumper=$(prog prog-shim-dump)

dump() {
	"$dumper" "$1" > dump.txt 2> dump.err || { show dump.txt dump.err; fail "cannot read $1"; }
}

proc_field() {
	awk -v k="$1" '$1 == "proc" { for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' dump.txt
}

thread_samples() {
	awk -v n="$1" 'BEGIN { s = 0 } $1 == "thread" && $4 == n { s += $5 } END { print s }' dump.txt
}

assert_between() {
	if ! awk -v lo="$1" -v hi="$2" -v v="$3" 'BEGIN { exit !(v + 0 >= lo + 0 && v + 0 <= hi + 0) }'; then
		show dump.txt
		fail "$4: $3 is not within [$1, $2]"
	fi
}

raw_header() {
	"$PYTHON3" -c 'import struct, sys; sys.stdout.buffer.write(b"SPROFRAW" + struct.pack("<HHI", 1, 0, 16))' > "$1" ||
		hard_error "cannot write $1"
}
