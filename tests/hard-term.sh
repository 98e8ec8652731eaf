#!/bin/sh
# Deaths that CI causes keep their samples (issue 12, first part): a
# program killed by SIGTERM, SIGINT, SIGHUP or SIGPIPE while it burns at
# 1 kHz writes its final block first -- samples cover >= 90 % of the CPU
# time burnt until the signal (the writer's once-a-second blocks lost up to
# a second before) -- dies of the same signal, and `sprof info` says so.
# `timeout 1 sprof run ...` (SIGTERM to the launcher, forwarded) the same.
# A program with its own SIGTERM handler keeps it (it exits 3 from it).
# Each case runs 3 times (signals: make check's repetition adds to that).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

# killed SIG SIGNO RAW: burns for 30 s under sprof, SIG to the program after
# about 1.2 s; checks status, end record and samples against the CPU time
# the shim accounted for the program (the file's cpu_ns).
killed() {
	sig=$1 num=$2 raw=$3
	# a background job of a script starts with SIGINT ignored, and a job
	# under nohup with SIGHUP ignored: the test is about the default action
	env --default-signal=INT,HUP,PIPE,TERM "$SPROF" run -q -o "$raw" -F 1000 -- "$work" burn 30 > out 2> err &
	pid=$!
	sleep 1.2
	child=$(pgrep -P "$pid" | head -n 1)
	[ -n "$child" ] || { show err; fail "$sig: no program under the launcher"; }
	kill "-$sig" "$child"
	st=0
	wait "$pid" || st=$?
	want=$((128 + num))
	[ "$st" = "$want" ] || { show err; fail "$sig: launcher status $st, not $want"; }
	check_raw "$sig" "$raw" "$num"
}

# check_raw WHAT RAW SIGNO: a clean end by signal SIGNO, samples >= 90 % of
# 1000 per CPU second of the process
check_raw() {
	"$SPROF" info "$2" > info.txt 2>&1 || { show info.txt; fail "$1: unreadable file"; }
	grep -q "^  end: killed by signal $3 " info.txt || { show info.txt; fail "$1: no end by signal $3"; }
	dump "$2"
	n=$(proc_field samples)
	cpu=$(($(proc_field cpu_ns) / 1000000))
	[ -n "$cpu" ] && [ "$cpu" -gt 150 ] || { show dump.txt; fail "$1: CPU time '$cpu' ms"; }
	assert_between "$((cpu * 9 / 10))" "$((cpu * 12 / 10))" "$n" "$1: samples of $cpu ms CPU at 1 kHz"
}

for i in 1 2 3; do
	killed TERM 15 "k-term-$i.raw"
	killed INT 2 "k-int-$i.raw"
	killed HUP 1 "k-hup-$i.raw"
	killed PIPE 13 "k-pipe-$i.raw"
	st=0
	timeout 1.5 "$SPROF" run -q -o "t-$i.raw" -F 1000 -- "$work" burn 30 > out 2> err || st=$?
	[ "$st" = 124 ] || { show err; fail "timeout: status $st, not 124"; }
	check_raw timeout "t-$i.raw" 15
done
exit 0
