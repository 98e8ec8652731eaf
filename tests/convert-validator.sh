#!/bin/sh
# tests/sentry-validate.py, the tree's Sentry ingestion check, accepts what
# sprof writes in each Sentry format and rejects each way Relay rejects a
# profile: every case below is a real profile with one thing broken, which
# must be refused with the reason named (a validator that accepts anything
# would pass every other test).
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
raw=$SPROF_SRCDIR/tests/corpus/threads.raw
for f in sentry sentry-chunk envelope envelope-chunk; do
	expect_status 0 "$SPROF" convert -f "$f" --seed 1 -o "p.$f" "$raw"
	"$PYTHON3" "$SENTRY_VALIDATE" --format "$f" "p.$f" > v.out 2>&1 ||
		{ show v.out; fail "sentry-validate.py rejects sprof's own $f output"; }
	check_sentry "p.$f"             # and again with the format guessed
done
"$PYTHON3" - "$SENTRY_VALIDATE" <<'PY' || fail "sentry-validate.py let a broken profile through"
import copy, json, subprocess, sys
validate = sys.argv[1]
v1 = json.load(open("p.sentry"))
chunks = json.load(open("p.sentry-chunk"))
env = open("p.envelope", "rb").read()
envc = open("p.envelope-chunk", "rb").read()

def run(data, fmt):
    open("case", "wb").write(data)
    p = subprocess.run([sys.executable, validate, "--format", fmt, "case"], stdout=subprocess.PIPE)
    return p.returncode, p.stdout.decode()

bad = []
def case(name, fmt, doc, want):
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    rc, out = run(data, fmt)
    if rc != 1 or want not in out:
        bad.append(f"{name}: exit {rc}, wanted a rejection naming {want!r}:\n{out}")

def v1_with(f):
    d = copy.deepcopy(v1); f(d); return d

tx = lambda d: d["transactions"][0]
case("v1 version", "sentry", v1_with(lambda d: d.update(version="2")), "version")
case("v1 no transaction", "sentry", v1_with(lambda d: d.pop("transactions")), "no_transaction_associated")
case("v1 nil trace id", "sentry", v1_with(lambda d: tx(d).update(trace_id="0" * 32)), "trace_id")
case("v1 empty name", "sentry", v1_with(lambda d: tx(d).update(name="")), "name")
case("v1 start >= end", "sentry",
     v1_with(lambda d: tx(d).update(relative_start_ns="5", relative_end_ns="5")), "relative_start_ns")
case("v1 bad timestamp", "sentry", v1_with(lambda d: d.update(timestamp="yesterday")), "timestamp")
case("v1 no os", "sentry", v1_with(lambda d: d.pop("os")), "os")
case("v1 cocoa", "sentry", v1_with(lambda d: d.update(platform="cocoa")), "cocoa")
case("v1 elf image", "sentry",
     v1_with(lambda d: d["debug_meta"]["images"][0].update(type="elf")), "symbolic")
def mid_stack(d):
    # Relay takes an unknown stack at a thread's edge for an idle sample and
    # drops it: break one in the middle of a thread's run
    ss = d["profile"]["samples"]
    run = [s for s in ss if s["thread_id"] == ss[0]["thread_id"]]
    run[len(run) // 2]["stack_id"] = 10**6
case("v1 stack index", "sentry", v1_with(mid_stack), "malformed_samples")
case("v1 frame index", "sentry",
     v1_with(lambda d: d["profile"]["stacks"][0].append(10**6)), "malformed_stacks")
case("v1 thread id", "sentry",
     v1_with(lambda d: d["profile"]["samples"][0].update(thread_id="t1")), "thread_id")
case("v1 address", "sentry",
     v1_with(lambda d: d["profile"]["frames"][0].update(instruction_addr=4096)), "instruction_addr")
def one_per_thread(d):
    seen = set()
    d["profile"]["samples"] = [s for s in d["profile"]["samples"]
                               if s["thread_id"] not in seen and not seen.add(s["thread_id"])]
case("v1 one sample a thread", "sentry", v1_with(one_per_thread), "not_enough_samples")
def idle(d):
    d["profile"]["stacks"].append([])
    for s in d["profile"]["samples"]:
        s["stack_id"] = len(d["profile"]["stacks"]) - 1
case("v1 only idle samples", "sentry", v1_with(idle), "not_enough_samples")
def outside(d):
    tx(d).update(relative_start_ns="1", relative_end_ns="2")
case("v1 samples outside the transaction", "sentry", v1_with(outside), "not_enough_samples")
def long(d):
    tx(d)["relative_end_ns"] = str(40 * 10**9)
    d["profile"]["samples"][-1]["elapsed_since_start_ns"] = str(31 * 10**9)
    d["profile"]["samples"][-2]["elapsed_since_start_ns"] = str(31 * 10**9)
    d["profile"]["samples"][-2]["thread_id"] = d["profile"]["samples"][-1]["thread_id"]
    d["profile"]["samples"][-2]["stack_id"] = d["profile"]["samples"][-1]["stack_id"]
case("v1 past 30 s", "sentry", v1_with(long), "duration_is_too_long")

c0 = chunks[0]
def chunk_with(f):
    d = copy.deepcopy(c0); f(d); return [d]
case("chunk version", "sentry-chunk", chunk_with(lambda d: d.update(version="1")), "version")
case("chunk no release", "sentry-chunk", chunk_with(lambda d: d.pop("release")), "release")
case("chunk profiler id", "sentry-chunk", chunk_with(lambda d: d.update(profiler_id="x")), "profiler_id")
case("chunk numeric thread", "sentry-chunk",
     chunk_with(lambda d: d["profile"]["samples"][0].update(thread_id=1)), "thread_id")
case("chunk no samples", "sentry-chunk",
     chunk_with(lambda d: d["profile"].update(samples=[])), "not_enough_samples")
case("chunk stack index", "sentry-chunk",
     chunk_with(lambda d: d["profile"]["samples"][0].update(stack_id=10**6)), "malformed_samples")
case("chunk 1970", "sentry-chunk",
     chunk_with(lambda d: d["profile"]["samples"][0].update(timestamp=12.5)), "timestamp")
case("chunk too long", "sentry-chunk",
     chunk_with(lambda d: d["profile"]["samples"][-1].update(timestamp=d["profile"]["samples"][0]["timestamp"] + 100)),
     "66 s")

lines = env.split(b"\n")
head = json.loads(lines[1])
case("envelope length", "envelope",
     b"\n".join(lines[:1] + [json.dumps(dict(head, length=head["length"] + 1)).encode()] + lines[2:]),
     "length")
case("envelope no type", "envelope",
     b"\n".join(lines[:1] + [json.dumps({"length": head["length"]}).encode()] + lines[2:]), "type")
ev = json.loads(lines[2])
ev["contexts"]["profile"]["profile_id"] = "1" * 32
evb = json.dumps(ev).encode()
case("envelope profile id", "envelope",
     b"\n".join([lines[0], json.dumps(dict(head, length=len(evb))).encode(), evb] + lines[3:]),
     "profile_id")
ev = json.loads(lines[2]); ev["event_id"] = "2" * 32; evb = json.dumps(ev).encode()
case("envelope transaction id", "envelope",
     b"\n".join([lines[0], json.dumps(dict(head, length=len(evb))).encode(), evb] + lines[3:]),
     "transaction id")
case("envelope profile missing", "envelope", b"\n".join(lines[:3]) + b"\n", "want one transaction")
cl = envc.split(b"\n")
ch = json.loads(cl[1]); ch["platform"] = "cocoa"          # a UI platform: native is backend
case("chunk item platform", "envelope-chunk",
     b"\n".join([cl[0], json.dumps(ch).encode()] + cl[2:]), "invalid_profile_type")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("all cases rejected")
PY
