#!/bin/sh
# Replays the fuzz corpus and the inputs that once crashed the converter
# (tests/corpus/*.raw, tests/corpus/regress/*) through `sprof convert` in
# every Sentry format: each must end with status 0, 1 or 2, never a signal,
# and with an error say one line.
. "$SPROF_SRCDIR/tests/lib.sh"
n=0
for f in "$SPROF_SRCDIR"/tests/corpus/*.raw "$SPROF_SRCDIR"/tests/corpus/regress/*; do
	[ -f "$f" ] || continue
	for fmt in sentry sentry-chunk envelope envelope-chunk; do
		for force in "" --force; do
			# shellcheck disable=SC2086
			run_capture "$SPROF" convert -f $fmt $force "$f"
			[ "$status" -le 2 ] || { show err; fail "$f -f $fmt $force: exit status $status"; }
			if [ "$status" -ne 0 ] && [ "$(grep -c . err)" -ne 1 ]; then
				show err
				fail "$f -f $fmt $force: failed without exactly one line"
			fi
		done
	done
	n=$((n + 1))
done
[ "$n" -ge 2 ] || hard_error "the corpus has $n files"
exit 0
