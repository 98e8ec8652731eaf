#!/bin/sh
# A program killed by SIGINT or SIGQUIT: the launcher writes its summary,
# then dies of the same signal (no core of its own), so the shell that ran
# it sees a death by signal, not an exit status of 130/131.  Other signals
# keep the exit status 128+N (tests/run-exit-status.sh).  The bug report's
# case: Ctrl-C in a bash loop of `sprof run`s stops the loop.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog prog-run)

# how the launcher ended, as its parent sees it: "signal N" or "exit N"
ended() {
	"$PYTHON3" - "$@" <<'PY'
import subprocess, sys
r = subprocess.run(sys.argv[1:], stderr=open("err", "w")).returncode
print(f"signal {-r}" if r < 0 else f"exit {r}")
PY
}
[ "$(ended "$SPROF" run -o int.raw -- "$p" signal 2)" = "signal 2" ] ||
	{ show err; fail "SIGINT: the launcher did not die of SIGINT"; }
assert_grep '^sprof: [0-9]+ samples .* -> int\.raw' err
[ "$(ended "$SPROF" run -q -- "$p" signal 3)" = "signal 3" ] ||
	{ show err; fail "SIGQUIT: the launcher did not die of SIGQUIT"; }
ls core* 2>/dev/null && fail "the launcher dumped a core of its own"
[ "$(ended "$SPROF" run -q -- "$p" signal 15)" = "exit 143" ] ||
	fail "SIGTERM: the launcher did not exit 143"

# Ctrl-C, as the terminal sends it: SIGINT to the whole foreground process
# group, bash loop included.  bash then stops the loop only if its child
# died of SIGINT too.
command -v bash > /dev/null || skip "no bash"
"$PYTHON3" - "$SPROF" "$p" <<'PY' || fail "Ctrl-C did not stop the loop: it went on after iteration(s) $(tr '\n' ' ' < iterations)"
import os, signal, subprocess, sys, time
open("iterations", "w").close()
# the program dies of SIGINT by default (prog-run spin keeps it); "ready"
# says it is running
with open("loop.sh", "w") as f:
    f.write('for i in 1 2 3; do\n'
            '  "$1" run -q -o loop.raw -- sh -c \'touch ready; exec "$0" spin 10\' "$2"\n'
            '  echo $i >> iterations\n'
            'done\n')
b = subprocess.Popen(["bash", "loop.sh", sys.argv[1], sys.argv[2]], start_new_session=True)
for _ in range(500):
    if os.path.exists("ready"):
        break
    time.sleep(0.02)
else:
    os.killpg(b.pid, signal.SIGKILL)
    sys.exit("the loop's first program never got ready")
os.killpg(b.pid, signal.SIGINT)         # what the terminal does on Ctrl-C
try:
    b.wait(timeout=20)
except subprocess.TimeoutExpired:
    os.killpg(b.pid, signal.SIGKILL)
sys.exit(1 if open("iterations").read() else 0)
PY
exit 0
