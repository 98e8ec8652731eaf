# tests/convert-lib.sh -- helpers of the tests/convert-*.sh tests, sourced
# after tests/lib.sh.
#
#   profile_run RAW PROG ARGS...   sprof run -F 1000 PROG into RAW (fails the
#                                   test when the run fails)
#   check_sentry FILE               tests/sentry-validate.py must accept FILE
#                                   (a copy goes to $SPROF_KEEP_PROFILES when set)
#   expect_frames OUT SRC CHECK...  tests/convert-expect.py checks
#   split_array FILE PREFIX         one file PREFIX.N per element of a JSON array

profile_run() {
	raw=$1
	shift
	"$SPROF" run -q -F 1000 -o "$raw" -- "$@" > run.out 2> run.err ||
		{ show run.out run.err; fail "sprof run $* failed"; }
}

check_sentry() {
	"$PYTHON3" "$SENTRY_VALIDATE" "$1" > check.out 2>&1 ||
		{ show check.out; fail "sentry-validate.py rejects $1"; }
	grep -q ': accepted$' check.out || { show check.out; fail "sentry-validate.py did not say accepted"; }
	# .ci/run cross-checks the kept copies with a second, independent checker
	if [ -n "${SPROF_KEEP_PROFILES:-}" ]; then
		cp "$1" "$SPROF_KEEP_PROFILES/$test_name.$$.$(basename "$1")" ||
			hard_error "cannot keep $1 in $SPROF_KEEP_PROFILES"
	fi
}

expect_frames() {
	"$PYTHON3" "$SPROF_SRCDIR/tests/convert-expect.py" "$@" > expect.out 2>&1 ||
		{ show expect.out; fail "$1 does not hold what was expected"; }
}

split_array() {
	"$PYTHON3" - "$1" "$2" <<'PY' || fail "$1 is not a JSON array"
import json, sys
a = json.load(open(sys.argv[1]))
assert isinstance(a, list) and a
for i, x in enumerate(a):
    json.dump(x, open(f"{sys.argv[2]}.{i}", "w"))
print(len(a))
PY
}
