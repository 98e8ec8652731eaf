#!/bin/sh
# The delivered rate (samples per second of CPU time, REC_RATE) and the
# sample count follow the requested rate, at 101 Hz and 1 kHz.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/shim-lib.sh"

check_rate() {
	hz=$1 secs=$2
	expect_status 0 "$SPROF" run -q -o r$hz.raw -F "$hz" -- "$work" burn "$secs" 20
	dump r$hz.raw
	millihz=$(proc_field millihz)
	assert_between "$((hz * 750))" "$((hz * 1250))" "$millihz" "delivered rate at $hz Hz (mHz)"
	samples=$(proc_field samples)
	cpu_ns=$(proc_field cpu_ns)
	# the rate is samples over the sampled threads' CPU time
	expect=$(awk -v s="$samples" -v c="$cpu_ns" 'BEGIN { printf "%d", s * 1e12 / c }')
	assert_between "$((expect - expect / 50 - 1))" "$((expect + expect / 50 + 1))" "$millihz" \
		"REC_RATE against samples / cpu_ns"
	lo=$(awk -v h="$hz" -v s="$secs" 'BEGIN { printf "%d", h * s * 0.75 }')
	hi=$(awk -v h="$hz" -v s="$secs" 'BEGIN { printf "%d", h * s * 1.4 + 3 }')
	assert_between "$lo" "$hi" "$samples" "samples at $hz Hz for $secs s of CPU"
}

check_rate 101 1.5
check_rate 1000 0.8
exit 0
