#!/usr/bin/env python3
"""run.py -- the `make bench` driver: measures sprof next to no profiler,
gperftools (libprofiler.so preloaded) and `perf record -g`, and prints
Markdown tables (and JSON with --json FILE).

What each section measures and how is in doc/performance.md; in short:

  overhead   CPU (wait4 rusage of the whole command, so perf's own process
             and sprof's launcher count) and wall time of a fixed-work
             program, 1 and 4 threads, at 101 Hz and 1 kHz.
  cost       CPU the program itself spends per sample (its own getrusage at
             the end of main, minus the unprofiled median, over samples) at
             stack depths 8, 32 and 128.
  rate       samples / CPU seconds of the program vs the requested rate.
  attrib     leaf-function shares in the profile vs the shares the program
             measured itself with CLOCK_THREAD_CPUTIME_ID.
  size       profile bytes per sample, steady and many-distinct-stack.
  startup    wall time added to `true`.
  convert    samples/s and peak RSS of `sprof convert` on a >= 1 M-sample
             file, next to `perf script` and `google-pprof --text`.
  diff       false alarms of `sprof diff`'s default gate: pairs of runs of
             the same program with the same input must pass >= 99 %.

Runs of the variants being compared are interleaved (round-robin, N times)
and reported as median [min-max], because the machines are small, shared
and noisy.  Nothing is adjusted: a missed target prints as a miss.

The gperftools profile is parsed directly.  Its format (CPUPROFILE, see
gperftools' docs/cpuprofile-fileformat.html) is a sequence of native
machine words (8 bytes here): a header [0, 3, 0, period_us, 0], then
records [count, npcs, pc_1 .. pc_npcs], a trailer record [0, 1, 0], and
then the text of /proc/self/maps.  Samples = the sum of the counts.

The sprof raw file is parsed here too (src/raw/format.h: a 16-byte header,
then 36-byte block headers with zlib payloads holding typed records) to
count samples, stacks and lost samples without depending on the layout of
`sprof info`'s text.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib

GPERF_LIB_CANDIDATES = [
    "/usr/lib/x86_64-linux-gnu/libprofiler.so.0",
    "/usr/lib/aarch64-linux-gnu/libprofiler.so.0",
    "/usr/lib64/libprofiler.so.0",
    "/usr/lib/libprofiler.so.0",
]
VARIANTS = ["none", "sprof", "gperftools", "perf"]
PROFILERS = ["sprof", "gperftools", "perf"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- parsing --

def read_varint(buf, pos):
    v = 0
    shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, pos
        shift += 7


def parse_sprof_raw(path):
    """Counts what matters for the bench in a sprof raw file."""
    out = {"samples": 0, "stacks": 0, "stat_samples": 0, "lost_full": 0,
           "lost_other": 0, "cpu_ns": 0, "rate_millihz": 0, "blocks": 0,
           "procs": 0, "bytes": os.path.getsize(path), "error": None}
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"SPROFRAW":
        out["error"] = "not a sprof raw file"
        return out
    hsize = struct.unpack_from("<I", data, 12)[0]
    pos = hsize
    stats = {}
    rates = {}
    pids = set()
    while pos + 36 <= len(data):
        (magic, pid, seq, flags, raw_len, stored_len, pcrc, _res,
         hcrc) = struct.unpack_from("<9I", data, pos)
        if magic != 0x4B4C4253:
            out["error"] = "bad block magic at %d" % pos
            break
        payload = data[pos + 36:pos + 36 + stored_len]
        pos += 36 + stored_len
        if len(payload) != stored_len:
            out["error"] = "cut block"
            break
        if flags & 1:
            try:
                payload = zlib.decompress(payload)
            except zlib.error:
                out["error"] = "bad zlib block"
                break
        out["blocks"] += 1
        pids.add(pid)
        p = 0
        try:
            while p < len(payload):
                rtype = payload[p]
                rlen, p = read_varint(payload, p + 1)
                body = payload[p:p + rlen]
                p += rlen
                if rtype == 5:
                    out["stacks"] += 1
                elif rtype == 6:
                    count, _ = read_varint(body, 0)
                    out["samples"] += count
                elif rtype == 7:
                    q = 0
                    vals = []
                    for _ in range(5):
                        v, q = read_varint(body, q)
                        vals.append(v)
                    stats[pid] = vals
                elif rtype == 9:
                    v, _ = read_varint(body, 0)
                    rates[pid] = v
        except ValueError:
            out["error"] = "bad record"
            break
    out["procs"] = len(pids)
    for vals in stats.values():
        out["stat_samples"] += vals[0]
        out["lost_full"] += vals[1]
        out["lost_other"] += vals[2]
        out["cpu_ns"] += vals[3]
    if rates:
        out["rate_millihz"] = max(rates.values())
    return out


def parse_gperf(path):
    """Samples and records in a gperftools CPUPROFILE file (see the top)."""
    out = {"samples": 0, "stacks": 0, "bytes": 0, "error": None}
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        out["error"] = str(e)
        return out
    out["bytes"] = len(data)
    words = len(data) // 8
    if words < 5:
        out["error"] = "short file"
        return out
    hdr = struct.unpack_from("<5Q", data, 0)
    if hdr[0] != 0 or hdr[1] != 3:
        out["error"] = "bad header"
        return out
    out["period_us"] = hdr[3]
    i = 5
    while i + 2 <= words:
        count, npcs = struct.unpack_from("<2Q", data, i * 8)
        if count == 0 and npcs == 1:
            break
        out["samples"] += count
        out["stacks"] += 1
        i += 2 + npcs
    return out


def perf_sample_count(perf, path):
    r = subprocess.run([perf, "script", "-i", path, "-F", "tid"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return sum(1 for line in r.stdout.splitlines() if line.strip())


# ---------------------------------------------------------------- running --

class Bench:
    def __init__(self, args):
        self.a = args
        self.sprof = args.sprof
        self.bindir = args.bindir
        self.work = tempfile.mkdtemp(prefix="sprof-bench-", dir=args.tmpdir)
        self.gperf_lib = next((p for p in GPERF_LIB_CANDIDATES if os.path.exists(p)), None)
        self.pprof = shutil.which("google-pprof") or shutil.which("pprof")
        self.perf = shutil.which("perf")
        self.perf_why = None
        self.sprof_why = None
        self.counter = 0
        self.per_unit = {}
        self.results = {"meta": {}, "sections": {}}
        self.md = []

    # -- availability --
    def probe(self):
        if self.perf:
            out = os.path.join(self.work, "probe.perf")
            r = subprocess.run([self.perf, "record", "-q", "-e", "cpu-clock", "-g",
                                "-o", out, "--", "true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if r.returncode != 0:
                self.perf_why = "perf record fails here: " + \
                    r.stderr.decode(errors="replace").strip().splitlines()[-1:][0]
                self.perf = None
        else:
            self.perf_why = "perf not installed"
        if not self.gperf_lib:
            log("bench: libprofiler.so.0 not found; gperftools column will be n/a")
        if not (self.sprof and os.access(self.sprof, os.X_OK)):
            self.sprof_why = "sprof not built"
        else:
            out = os.path.join(self.work, "probe.raw")
            r = subprocess.run(self.sprof_argv(101, out, ["true"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if r.returncode != 0 or not os.path.exists(out):
                self.sprof_why = "`sprof run -- true` fails: " + \
                    (r.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        if self.sprof_why:
            log("bench: sprof column n/a: " + self.sprof_why)
        if self.perf_why:
            log("bench: perf column n/a: " + self.perf_why)

    def available(self, variant):
        if variant == "sprof":
            return self.sprof_why is None
        if variant == "gperftools":
            return self.gperf_lib is not None
        if variant == "perf":
            return self.perf is not None
        return True

    def why_na(self, variant):
        return {"sprof": self.sprof_why, "perf": self.perf_why,
                "gperftools": "libprofiler.so.0 not found"}.get(variant)

    def sprof_argv(self, hz, out, argv):
        return [self.sprof, "run", "-F", str(hz), "-o", out, "--"] + argv

    def prog(self, name):
        return os.path.join(self.bindir, "bench-" + name)

    def run(self, variant, hz, argv, tag, keep=False):
        """Runs argv under variant at hz.  Returns a dict of measurements."""
        self.counter += 1
        base = os.path.join(self.work, "%s-%s-%d-%d" % (tag, variant, hz, self.counter))
        report = base + ".report"
        env = dict(os.environ)
        env["BENCH_REPORT"] = report
        prof = None
        if variant == "none":
            cmd = list(argv)
        elif variant == "sprof":
            prof = base + ".raw"
            cmd = self.sprof_argv(hz, prof, argv)
        elif variant == "sprof-wall":
            prof = base + ".raw"
            cmd = self.sprof_argv(hz, prof, argv)
            cmd[2:2] = ["--mode", "wall"]
        elif variant == "gperftools":
            prof = base + ".gperf"
            cmd = list(argv)
            env["LD_PRELOAD"] = self.gperf_lib + (
                (":" + env["LD_PRELOAD"]) if env.get("LD_PRELOAD") else "")
            env["CPUPROFILE"] = prof
            env["CPUPROFILE_FREQUENCY"] = str(hz)
        elif variant == "perf":
            prof = base + ".perf"
            cmd = [self.perf, "record", "-q", "-e", "cpu-clock", "-g", "-F", str(hz),
                   "-o", prof, "--"] + list(argv)
        else:
            raise ValueError(variant)
        stdout_path = base + ".out"
        with open(stdout_path, "wb") as so, open(base + ".err", "wb") as se:
            t0 = time.perf_counter()
            p = subprocess.Popen(cmd, env=env, stdout=so, stderr=se)
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
        res = {"variant": variant, "hz": hz, "wall": wall,
               "cpu": ru.ru_utime + ru.ru_stime, "utime": ru.ru_utime,
               "stime": ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
               "status": p.returncode}
        if p.returncode != 0:
            with open(base + ".err", "rb") as f:
                err = f.read().decode(errors="replace").strip().splitlines()
            res["error"] = (err or ["exit %d" % p.returncode])[-1]
            log("bench: %s failed: %s" % (" ".join(cmd), res["error"]))
        try:
            with open(report) as f:
                rep = json.loads(f.readline())
            res["prog_wall"] = rep["wall"]
            res["prog_cpu"] = rep["utime"] + rep["stime"]
            if "thread_cpu" in rep:
                res["thread_cpu"] = rep["thread_cpu"]
        except (OSError, ValueError, KeyError):
            pass
        with open(stdout_path, "rb") as f:
            res["stdout"] = f.read().decode(errors="replace")
        if prof and os.path.exists(prof):
            res["profile"] = prof
            res["profile_bytes"] = os.path.getsize(prof)
            if variant.startswith("sprof"):
                raw = parse_sprof_raw(prof)
                res["samples"] = raw["samples"]
                res["raw"] = raw
            elif variant == "gperftools":
                g = parse_gperf(prof)
                res["samples"] = g["samples"]
            elif variant == "perf":
                res["samples"] = perf_sample_count(self.perf, prof)
        if not keep:
            for suffix in (".report", ".out", ".err"):
                try:
                    os.unlink(base + suffix)
                except OSError:
                    pass
            if prof and os.path.exists(prof) and variant != "sprof":
                os.unlink(prof)
            elif prof and os.path.exists(prof):
                os.unlink(prof)
                old = prof + ".old"
                if os.path.exists(old):
                    os.unlink(old)
        return res

    def interleave(self, configs, reps, argv_of, tag):
        """configs: list of (variant, hz).  Round-robin reps times, the order
        shuffled each round.  Returns {(variant, hz): [results]}."""
        out = {c: [] for c in configs}
        rng = random.Random(42)
        for r in range(reps):
            order = list(configs)
            rng.shuffle(order)
            for c in order:
                out[c].append(self.run(c[0], c[1], argv_of(c), tag))
        return out

    # -- output --
    def emit(self, text=""):
        self.md.append(text)
        print(text, flush=True)

    def table(self, header, rows):
        self.emit("| " + " | ".join(header) + " |")
        self.emit("|" + "|".join(" --- " for _ in header) + "|")
        for r in rows:
            self.emit("| " + " | ".join(str(x) for x in r) + " |")
        self.emit()

    # -- calibration --
    def calibrate(self, name, extra, target_s, base_units):
        """Units of work that take about target_s CPU seconds unprofiled."""
        key = (name, tuple(extra))
        if key not in self.per_unit:
            argv = [self.prog(name)] + extra + ["-n", str(base_units)]
            res = self.run("none", 0, argv, "calib")
            cpu = res.get("prog_cpu") or res["cpu"]
            self.per_unit[key] = max(cpu, 1e-4) / base_units
        return max(1, int(round(target_s / self.per_unit[key])))


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_range(xs, scale=1.0, prec=3):
    if not xs:
        return "n/a"
    f = "%%.%df" % prec
    return (f + " [" + f + "–" + f + "]") % (med(xs) * scale, min(xs) * scale, max(xs) * scale)


def pct(x, base):
    return (x / base - 1.0) * 100.0


def mark(ok):
    if ok is None:
        return "–"
    return "✔" if ok else "✘"


# ---------------------------------------------------------------- sections --

def section_overhead(b, q):
    reps = 3 if q else 5
    # ~3 s of work: the fixed cost of a run (launcher, shim start-up, last
    # flush: ~4.5 ms, shown on its own by the start-up section) then weighs
    # ~0.15 %, not ~0.5 % as with 1 s, and the rows show the sampling cost
    target = 0.3 if q else 3.0
    rates = [101, 1000]
    b.emit("## Overhead (fixed work, CPU-bound)")
    b.emit()
    b.emit("CPU = user+sys from wait4 of the whole command (perf's own process and "
           "sprof's launcher included); wall from the driver.  %d interleaved "
           "repetitions, median [min–max]; overhead vs the no-profiler median.  "
           "About %.0f s of work per run, so the fixed cost of a run (the start-up "
           "section measures it on its own) is a small part.  "
           "Targets for sprof: CPU overhead ≤ 0.5%% at 101 Hz, ≤ 2%% at 1 kHz, "
           "and below gperftools at every rate.  'program CPU' is the program's own "
           "getrusage at the end of main: it leaves out perf's process, sprof's "
           "launcher and the final flush at exit.  'samples' shows what each "
           "profiler really delivered (gperftools' setitimer is capped by the "
           "kernel tick)." % (reps, target))
    b.emit()
    rows = []
    data = {}
    for threads in (1, 4):
        units = b.calibrate("burn", ["-t", str(threads)], target * threads / min(threads, 2), 40)
        argv = [b.prog("burn"), "-t", str(threads), "-d", "16", "-n", str(units)]
        configs = [("none", 0)] + [(v, hz) for hz in rates for v in PROFILERS if b.available(v)]
        res = b.interleave(configs, reps, lambda c: argv, "ovh%d" % threads)
        base = res[("none", 0)]
        bcpu = med([r["cpu"] for r in base])
        bwall = med([r["wall"] for r in base])
        bprog = med([r.get("prog_cpu", r["cpu"]) for r in base])
        d = data.setdefault("%dT" % threads, {"argv": argv, "runs": {}})
        d["runs"]["none"] = base
        rows.append(["%d thread%s" % (threads, "s" if threads > 1 else ""), "–", "none",
                     fmt_range([r["cpu"] for r in base]), "–", "–",
                     fmt_range([r["wall"] for r in base]), "–", "–", "–"])
        for hz in rates:
            ovh = {}
            for v in PROFILERS:
                if not b.available(v):
                    rows.append(["", hz, v, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a",
                                 b.why_na(v)])
                    continue
                rr = res[(v, hz)]
                d["runs"]["%s@%d" % (v, hz)] = rr
                ovh[v] = pct(med([r["cpu"] for r in rr]), bcpu)
            for v in PROFILERS:
                if v not in ovh:
                    continue
                rr = res[(v, hz)]
                wo = pct(med([r["wall"] for r in rr]), bwall)
                po = pct(med([r.get("prog_cpu", r["cpu"]) for r in rr]), bprog)
                verdict = ""
                if v == "sprof":
                    lim = 0.5 if hz == 101 else 2.0
                    ok = ovh[v] <= lim
                    verdict = "≤ %.1f%%: %s" % (lim, mark(ok))
                    if "gperftools" in ovh:
                        verdict += "; < gperftools (%+.2f%%): %s" % (
                            ovh["gperftools"], mark(ovh[v] < ovh["gperftools"]))
                    d.setdefault("verdicts", {})[str(hz)] = {"cpu_overhead_pct": ovh[v],
                                                            "ok": ok}
                rows.append(["", hz, v, fmt_range([r["cpu"] for r in rr]),
                             "%+.2f%%" % ovh[v], "%+.2f%%" % po,
                             fmt_range([r["wall"] for r in rr]),
                             "%+.2f%%" % wo, "%d" % med([r.get("samples", 0) for r in rr]),
                             verdict])
    b.table(["workload", "Hz", "profiler", "CPU s", "CPU ovh", "program CPU ovh",
             "wall s", "wall ovh", "samples", "target (on CPU ovh)"], rows)
    b.results["sections"]["overhead"] = data


def section_cost(b, q):
    reps = 2 if q else 4
    hz = 10000
    target = 0.3 if q else 1.0
    b.emit("## Per-sample cost in the program")
    b.emit()
    b.emit("Single thread at %d Hz, stack depth 8 / 32 / 128.  Cost = (program CPU "
           "under the profiler − unprofiled median) / samples taken, where program CPU "
           "is the program's own getrusage(RUSAGE_SELF) at the end of main (so perf's "
           "process is not counted; its in-kernel unwinding is).  %d interleaved "
           "repetitions; median [min–max] in µs per sample." % (hz, reps))
    b.emit()
    rows = []
    data = {}
    units = b.calibrate("burn", [], target, 40)
    for depth in (8, 32, 128):
        argv = [b.prog("burn"), "-d", str(depth), "-n", str(units)]
        configs = [("none", 0)] + [(v, hz) for v in PROFILERS if b.available(v)]
        res = b.interleave(configs, reps, lambda c: argv, "cost%d" % depth)
        base = med([r.get("prog_cpu", r["cpu"]) for r in res[("none", 0)]])
        row = [depth]
        dd = {}
        for v in PROFILERS:
            if not b.available(v):
                row.append("n/a")
                continue
            costs = []
            for r in res[(v, hz)]:
                if r.get("samples"):
                    costs.append((r.get("prog_cpu", r["cpu"]) - base) / r["samples"])
            ns = [r.get("samples", 0) for r in res[(v, hz)]]
            dd[v] = {"us_per_sample": costs, "samples": ns}
            row.append("%s (%d samples)" % (fmt_range(costs, 1e6, 2), med(ns)) if costs
                       else "n/a (no samples)")
        data[str(depth)] = dd
        rows.append(row)
    b.table(["depth", "sprof µs/sample", "gperftools µs/sample", "perf µs/sample"], rows)
    b.results["sections"]["cost"] = data


def section_walk(b, q):
    reps = 20000 if q else 200000
    b.emit("## Stack walk: the shim's unwinder and libunwind")
    b.emit()
    b.emit("One walk of the calling thread's stack at depth 8 / 32 / 128 (plus the "
           "program's own outer frames), thread CPU ns per walk, best of 5 interleaved "
           "rounds of %d walks each (bench-walk).  sprof's walker (src/shim/unwind.c: "
           "_dl_find_object, .eh_frame_hdr, a row cache) takes no lock and calls no "
           "loader function that can wait; libunwind's unw_backtrace, which the shim used "
           "before, calls dl_iterate_phdr and takes its cache lock.  Both with caches "
           "warm, as in a long run." % reps)
    b.emit()
    rows = []
    data = {}
    for depth in (8, 32, 128):
        out = subprocess.run([b.prog("walk"), str(depth), str(reps)], capture_output=True,
                             text=True, check=True).stdout
        r = json.loads(out)
        data[str(depth)] = r
        rows.append([depth, "%d" % r["frames_sprof"], "%.0f" % r["ns_sprof"],
                     "%.0f" % r["ns_libunwind"], "%.2f" % (r["ns_sprof"] / r["ns_libunwind"]),
                     "%.1f" % (r["ns_sprof"] / r["frames_sprof"])])
    b.table(["depth", "frames", "sprof ns/walk", "libunwind ns/walk", "ratio",
             "sprof ns/frame"], rows)
    b.results["sections"]["walk"] = data


def section_rate(b, q):
    rates = [1, 101, 1000, 10000]
    b.emit("## Delivered vs requested rate")
    b.emit()
    b.emit("Samples / CPU seconds of the program's working threads (each thread's "
           "CLOCK_THREAD_CPUTIME_ID at its end, summed; a profiler's helper threads "
           "are not counted), so 100% means one sample per 1/Hz of CPU time.  Target for sprof: within 5% from 1 Hz to "
           "10 kHz.  sprof's own measurement (REC_RATE) in brackets.")
    b.emit()
    rows = []
    data = {}
    for threads in (1, 4):
        for hz in rates:
            want_cpu = 2.0 if not q else 0.5
            note = ""
            if hz == 1:
                want_cpu = 12.0 if not q else 2.0
                if want_cpu * hz < 10:
                    note = "only ~%d samples expected (--quick)" % (want_cpu * hz)
            units = b.calibrate("burn", ["-t", str(threads)], want_cpu, 40)
            argv = [b.prog("burn"), "-t", str(threads), "-n", str(units)]
            row = ["%d" % threads, hz]
            dd = {}
            for v in PROFILERS:
                if not b.available(v):
                    row.append("n/a")
                    continue
                r = b.run(v, hz, argv, "rate")
                cpu = r.get("thread_cpu", r.get("prog_cpu", r["cpu"]))
                n = r.get("samples", 0)
                got = n / cpu if cpu > 0 else 0.0
                ratio = got / hz
                cell = "%.1f Hz (%.1f%%, %d)" % (got, ratio * 100, n)
                if v == "sprof":
                    own = r.get("raw", {}).get("rate_millihz", 0) / 1000.0
                    ok = abs(ratio - 1) <= 0.05
                    cell += " [%.1f] %s" % (own, mark(ok))
                    # A per-thread sampler cannot do better than +-1 sample
                    # per thread; say so when that alone explains a miss.
                    exp = hz * cpu
                    if not ok and abs(n - exp) <= threads:
                        cell += " (off by %.1f samples: within ±1 per thread)" % (n - exp)
                    dd["sprof_own_hz"] = own
                    dd["sprof_ok"] = ok
                    dd["sprof_lost"] = r.get("raw", {}).get("lost_full", 0) + \
                        r.get("raw", {}).get("lost_other", 0)
                dd[v] = {"samples": n, "cpu": cpu, "hz": got}
                row.append(cell)
            row.append(note)
            data["%dT@%d" % (threads, hz)] = dd
            rows.append(row)
    b.table(["threads", "requested Hz", "sprof", "gperftools", "perf", "note"], rows)
    b.results["sections"]["rate"] = data


def leaf_shares_sprof(b, raw):
    """{function: share} of leaf frames, from `sprof convert -f collapsed`,
    else from the Sentry JSON."""
    r = subprocess.run([b.sprof, "convert", "-f", "collapsed", raw],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    counts = {}
    if r.returncode == 0 and r.stdout.strip():
        for line in r.stdout.decode(errors="replace").splitlines():
            m = re.match(r"^(.*)\s+(\d+)$", line)
            if not m:
                continue
            leaf = m.group(1).split(";")[-1]
            counts[leaf] = counts.get(leaf, 0) + int(m.group(2))
        how = "collapsed"
    else:
        r = subprocess.run([b.sprof, "convert", raw], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode != 0:
            return None, "sprof convert failed: " + r.stderr.decode(errors="replace").strip()
        doc = json.loads(r.stdout)
        prof = doc.get("profile", doc)
        frames = prof["frames"]
        stacks = prof["stacks"]
        for s in prof["samples"]:
            st = stacks[s["stack_id"]]
            leaf = frames[st[0]].get("function", "?") if st else "?"
            counts[leaf] = counts.get(leaf, 0) + 1
        how = "sentry json"
    return counts, how


def leaf_shares_gperf(b, prog, prof):
    r = subprocess.run([b.pprof, "--text", prog, prof], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    counts = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        m = re.match(r"^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+\d+\s+[\d.]+%\s+(.*)$", line)
        if m:
            counts[m.group(2).strip()] = counts.get(m.group(2).strip(), 0) + int(m.group(1))
    return counts, "google-pprof --text"


def leaf_shares_perf(b, prof):
    r = subprocess.run([b.perf, "script", "-i", prof, "-F", "ip,sym", "-G"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    counts = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        parts = line.split(None, 1)
        if not parts:
            continue
        s = parts[1].strip() if len(parts) > 1 else "[unknown]"
        s = re.sub(r"\+0x[0-9a-f]+$", "", s)
        counts[s] = counts.get(s, 0) + 1
    return counts, "perf script -F ip,sym -G"


def shares_error(counts, truth):
    total = sum(counts.values())
    if not total:
        return None, {}
    prof = {}
    for fn in truth:
        if fn == "other":
            continue
        prof[fn] = sum(c for name, c in counts.items()
                       if name == fn or name.startswith(fn + " ") or
                       name.startswith(fn + "(")) / total * 100
    prof["other"] = 100 - sum(prof.values())
    err = sum(abs(prof[k] - truth[k]) for k in truth)
    return err, prof


def chance_error(truth, n):
    """Expected error (pp) of n independent random samples: the mean of
    |binomial share - p| is about sqrt(2/pi) * sqrt(p(1-p)/n).  A sampler on a
    regular CPU-time period can do better; much worse means bias."""
    import math
    return sum(math.sqrt(2 / math.pi) * math.sqrt(max(p / 100 * (1 - p / 100), 0) / n) * 100
               for p in truth.values()) if n else float("nan")


def section_attrib(b, q):
    secs = 1.5 if q else 5.0
    reps = 1 if q else 2
    b.emit("## Attribution error")
    b.emit()
    b.emit("bench-shares (~%.0f s, single thread) times its four leaf functions with "
           "CLOCK_THREAD_CPUTIME_ID, less one clock read per call (a read is a system call; "
           "the program times one before its work, and the read's time is clock_gettime's, "
           "'other', for any sampler); error = Σ |profile share − measured share| over the "
           "four functions and 'other', in percentage points; median of %d run%s.  "
           "'chance' is what independent random samples would give on average "
           "(binomial), for scale.  "
           "Target for sprof: ≤ 2 pp at 1 kHz." % (secs, reps, "s" if reps > 1 else ""))
    b.emit()
    units = b.calibrate("shares", [], secs, 500)
    argv = [b.prog("shares"), "-n", str(units)]
    rows = []
    data = {}
    for hz in (101, 1000):
        row = [hz]
        for v in PROFILERS:
            if not b.available(v) or (v == "gperftools" and not b.pprof):
                row.append("n/a")
                continue
            errs = []
            runs = []
            for _ in range(reps):
                r = b.run(v, hz, argv, "attr", keep=True)
                try:
                    t = json.loads(r["stdout"].strip().splitlines()[-1])
                except (ValueError, IndexError):
                    continue
                tot = t.pop("total_ns")
                calls = t.pop("calls", {})
                read_ns = t.pop("clock_read_ns", 0.0)
                # one clock read per call belongs to clock_gettime, not to
                # the function (see bench/shares.c)
                truth = {k: max(t[k] - calls.get(k, 0) * read_ns, 0) / tot * 100 for k in t}
                truth["other"] = 100 - sum(truth.values())
                if v == "sprof":
                    counts, how = leaf_shares_sprof(b, r["profile"])
                elif v == "gperftools":
                    counts, how = leaf_shares_gperf(b, argv[0], r["profile"])
                else:
                    counts, how = leaf_shares_perf(b, r["profile"])
                for ext in ("", ".old"):
                    if os.path.exists(r["profile"] + ext):
                        os.unlink(r["profile"] + ext)
                if counts is None:
                    log("bench: " + how)
                    continue
                err, prof = shares_error(counts, truth)
                if err is None:
                    continue
                errs.append(err)
                runs.append({"truth": truth, "profile": prof, "error_pp": err,
                             "samples": sum(counts.values()), "how": how})
            data["%s@%d" % (v, hz)] = runs
            if not errs:
                row.append("n/a")
                continue
            e = med(errs)
            cell = "%.2f pp (%d samples; chance ≈ %.1f)" % (
                e, runs[0]["samples"], chance_error(runs[0]["truth"], runs[0]["samples"]))
            if v == "sprof" and hz == 1000:
                cell += " ≤ 2: %s" % mark(e <= 2.0)
            row.append(cell)
        rows.append(row)
    b.table(["Hz", "sprof", "gperftools", "perf"], rows)
    ex = data.get("sprof@1000") or data.get("gperftools@1000")
    if ex:
        b.emit("Example (%s at 1 kHz): measured %s; profile %s." % (
            "sprof" if data.get("sprof@1000") else "gperftools",
            ", ".join("%s %.1f%%" % (k, v) for k, v in ex[0]["truth"].items()),
            ", ".join("%s %.1f%%" % (k, v) for k, v in ex[0]["profile"].items())))
        b.emit()
    b.results["sections"]["attrib"] = data


def section_size(b, q):
    secs = 1.0 if q else 4.0
    hz = 1000
    b.emit("## Profile bytes per sample")
    b.emit()
    b.emit("At %d Hz, ~%.0f s single thread: whole file size / samples.  Steady = "
           "bench-burn (one stack); many stacks = bench-manystacks (random call paths, "
           "nearly every sample a new stack).  Target for sprof: ≤ 4 bytes per "
           "sample on the steady program." % (hz, secs))
    b.emit()
    rows = []
    data = {}
    for name, label in (("burn", "steady"), ("manystacks", "many stacks")):
        units = b.calibrate(name, [], secs, 40 if name == "burn" else 2000)
        argv = [b.prog(name), "-n", str(units)]
        row = [label]
        for v in PROFILERS:
            if not b.available(v):
                row.append("n/a")
                continue
            r = b.run(v, hz, argv, "size")
            n = r.get("samples", 0)
            size = r.get("profile_bytes", 0)
            if not n:
                row.append("n/a (no samples)")
                continue
            bps = size / n
            cell = "%.2f (%d B, %d samples)" % (bps, size, n)
            if v == "sprof":
                stacks = r["raw"]["stacks"]
                cell += ", %d stacks" % stacks
                if label == "steady":
                    cell += " ≤ 4: %s" % mark(bps <= 4)
            data["%s/%s" % (label, v)] = {"bytes": size, "samples": n, "bytes_per_sample": bps}
            row.append(cell)
        rows.append(row)
    b.table(["program", "sprof B/sample", "gperftools B/sample", "perf B/sample"], rows)
    b.results["sections"]["size"] = data


def section_startup(b, q):
    reps = 8 if q else 25
    b.emit("## Start-up time added to `true`")
    b.emit()
    b.emit("Wall time of `true` (the one in PATH) at 101 Hz, %d interleaved runs, "
           "median [min–max] in ms." % reps)
    b.emit()
    true = shutil.which("true") or "/bin/true"
    configs = [(v, 101 if v != "none" else 0) for v in VARIANTS if b.available(v)]
    res = b.interleave(configs, reps, lambda c: [true], "start")
    base = med([r["wall"] for r in res[("none", 0)]])
    rows = []
    data = {}
    for v in VARIANTS:
        if not b.available(v):
            rows.append([v, "n/a", "n/a"])
            continue
        w = [r["wall"] for r in res[(v, 101 if v != "none" else 0)]]
        data[v] = w
        rows.append([v, fmt_range(w, 1e3, 2),
                     "–" if v == "none" else "%+.2f ms" % ((med(w) - base) * 1e3)])
    b.table(["profiler", "wall ms", "added"], rows)
    b.results["sections"]["startup"] = data


def timed(cmd, out_path):
    """Runs cmd with stdout to out_path; wall, CPU and peak RSS.

    Peak RSS comes from GNU time when there is one: a child forked from this
    Python process starts with the driver's RSS high-water mark (Linux
    carries it across fork and exec into ru_maxrss), which after parsing a
    large profile here is hundreds of MB; a child forked from `time` starts
    from a couple of MB."""
    gnu_time = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    tfile = out_path + ".time"
    full = ([gnu_time, "-f", "%M %e %U %S", "-o", tfile] if gnu_time else []) + list(cmd)
    with open(out_path, "wb") as so:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdout=so, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    res = {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "maxrss_kb": ru.ru_maxrss,
           "status": os.waitstatus_to_exitcode(status),
           "stderr": err.decode(errors="replace").strip()[-300:],
           "out_bytes": os.path.getsize(out_path), "rss_from": "wait4"}
    if gnu_time:
        try:
            with open(tfile) as f:
                m = f.read().split()[-4]
            # wall and CPU stay the finer-grained ones measured here
            res.update(maxrss_kb=int(m), rss_from="GNU time")
            os.unlink(tfile)
        except (OSError, ValueError):
            pass
    return res


def count_output_samples(path, cmd):
    """Samples actually written by a sprof convert run."""
    try:
        if "collapsed" in cmd:
            with open(path, errors="replace") as f:
                return sum(int(line.rsplit(None, 1)[1]) for line in f if line.strip())
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError, IndexError):
        return 0
    docs = doc if isinstance(doc, list) else [doc]
    return sum(len(d.get("profile", d).get("samples", [])) for d in docs)


def section_convert(b, q):
    hz = 10000
    secs_sprof = 3.0 if q else 50.0
    secs_peer = 2.0 if q else 20.0
    b.emit("## Converting a large profile")
    b.emit()
    b.emit("bench-burn with 4 threads at %d Hz: ~%.0f s of wall for sprof "
           "(≥ 1 M samples on 2 cores in a full run), ~%.0f s for perf and gperftools "
           "(throughput is per sample; perf's -g output makes a 1 M-sample `perf script` "
           "take minutes).  samples/s = samples written / wall (or CPU) time of the "
           "conversion; on a loaded 2-core machine the wall time mostly measures "
           "waiting for a core; "
           "peak RSS from GNU time (/usr/bin/time; wait4 from this driver would "
           "inherit its own high-water mark).  The targets are judged on `-f sentry-chunk`, the "
           "Sentry format that keeps every sample.  Targets for sprof: ≥ 2 M samples/s and peak RSS ≤ 2× the "
           "output size." % (hz, secs_sprof, secs_peer))
    b.emit()
    rows = []
    data = {}
    for v in PROFILERS:
        if not b.available(v) or (v == "gperftools" and not b.pprof):
            rows.append([v, "n/a", "", "", "", "", "", "", "", b.why_na(v) or ""])
            continue
        secs = secs_sprof if v == "sprof" else secs_peer
        # 2 cores busy: secs of wall is 2 * secs of CPU; sprof gets 25% more
        # so that a rate a little short of 10 kHz still gives >= 1 M samples
        units = b.calibrate("burn", ["-t", "4"], secs * 2 * (1.25 if v == "sprof" else 1), 40)
        argv = [b.prog("burn"), "-t", "4", "-n", str(units)]
        r = b.run(v, hz, argv, "conv", keep=True)
        prof = r.get("profile")
        n = r.get("samples", 0)
        if not prof or not n:
            rows.append([v, "n/a (no profile)", "", "", "", "", "", "", "", ""])
            continue
        if v == "sprof":
            # sentry-chunk holds every sample (the default v1 profile stops
            # at 30 s), so it is the one judged; the others are for scale.
            jobs = [("sprof convert -f sentry-chunk", [b.sprof, "convert", "-f",
                                                       "sentry-chunk", prof], True),
                    ("sprof convert (sentry v1, first 30 s)", [b.sprof, "convert", prof],
                     False),
                    ("sprof convert -f collapsed", [b.sprof, "convert", "-f", "collapsed",
                                                    prof], False)]
        elif v == "perf":
            jobs = [("perf script", [b.perf, "script", "-i", prof], False)]
        else:
            jobs = [("google-pprof --text", [b.pprof, "--text", argv[0], prof], False)]
        out = prof + ".out"
        for label, cmd, judged in jobs:
            t = timed(cmd, out)
            nout = n
            if v == "sprof":
                nout = count_output_samples(out, cmd)
            rate = nout / t["wall"] if t["wall"] > 0 else 0
            rss = t["maxrss_kb"] * 1024
            verdict = ""
            crate = nout / t["cpu"] if t["cpu"] > 0 else 0
            if judged:
                ok1 = rate >= 2e6
                ok1c = crate >= 2e6
                ok2 = rss <= 2 * t["out_bytes"]
                verdict = "≥ 2 M/s: %s by wall, %s by CPU; RSS ≤ 2× output: %s" % (
                    mark(ok1), mark(ok1c), mark(ok2))
                if not q and nout < 1000000:
                    verdict += " (only %d samples)" % nout
            if t["status"] != 0:
                verdict = "failed: " + t["stderr"]
            data[label] = {"samples_in": n, "samples_out": nout,
                           "input_bytes": r.get("profile_bytes", 0), **t}
            rows.append([label, "%d of %d" % (nout, n) if nout != n else n,
                         "%.1f MB" % (r.get("profile_bytes", 0) / 1e6),
                         "%.2f s" % t["wall"], "%.2f s" % t["cpu"], "%.0f" % rate,
                         "%.0f" % crate,
                         "%.1f MB" % (rss / 1e6),
                         "%.1f MB" % (t["out_bytes"] / 1e6), verdict])
        for path in (prof, out, prof + ".old"):
            if os.path.exists(path):
                os.unlink(path)
    b.table(["tool", "samples", "input", "wall", "CPU", "samples/s (wall)",
             "samples/s (CPU)", "peak RSS", "output", "target"], rows)
    b.results["sections"]["convert"] = data


def section_wall(b, q):
    b.emit("## Wall mode")
    b.emit()
    has = False
    if b.available("sprof"):
        r = subprocess.run([b.sprof, "run", "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        has = re.search(rb"--mode", r.stdout) is not None and b"wall" in r.stdout
    b.results["sections"]["wall"] = {"implemented": has}
    if not has:
        b.emit("wall mode: not implemented yet")
        b.emit()
        return
    reps = 2 if q else 4
    b.emit("`sprof run --mode wall` on bench-burn, 1 thread, ~%.1f s, %d interleaved "
           "repetitions: CPU overhead (wait4, whole command) vs no profiler, and "
           "delivered rate = samples / wall seconds of the program (its one thread "
           "is sampled whether running or not).  No target is set for wall mode."
           % (0.5 if q else 1.0, reps))
    b.emit()
    units = b.calibrate("burn", [], 0.5 if q else 1.0, 40)
    argv = [b.prog("burn"), "-n", str(units)]
    configs = [("none", 0), ("sprof-wall", 101), ("sprof-wall", 1000)]
    res = b.interleave(configs, reps, lambda c: argv, "wall")
    bcpu = med([r["cpu"] for r in res[("none", 0)]])
    rows = []
    data = {}
    for hz in (101, 1000):
        rr = res[("sprof-wall", hz)]
        rates = [r.get("samples", 0) / r["prog_wall"] for r in rr if r.get("prog_wall")]
        data[str(hz)] = rr
        rows.append([hz, fmt_range([r["cpu"] for r in rr]),
                     "%+.2f%%" % pct(med([r["cpu"] for r in rr]), bcpu),
                     "%.1f Hz (%.1f%%)" % (med(rates), med(rates) / hz * 100) if rates
                     else "n/a"])
    b.table(["Hz", "CPU s", "CPU ovh", "delivered (per wall s)"], rows)
    b.results["sections"]["wall"]["runs"] = data


def copy_tree(src, dst):
    """A clean copy of the source tree: the committed files when it is a git
    checkout, else the directory without build trees and caches."""
    if os.path.exists(os.path.join(src, ".git")):
        arch = subprocess.run(["git", "-C", src, "archive", "HEAD"], stdout=subprocess.PIPE)
        if arch.returncode == 0:
            os.makedirs(dst)
            subprocess.run(["tar", "-x", "-C", dst], input=arch.stdout, check=True)
            return
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
        "build*", ".git", "autom4te.cache", "*.o", "*.raw"))


def section_tree(b, q):
    b.emit("## Converting a process tree")
    b.emit()
    target = ["src/sprof"] if q else []
    b.emit("`sprof run -- make -j2 %s` of this source tree from clean (configured unprofiled "
           "first), then `sprof convert --all` of the whole tree: wall time and peak RSS "
           "(GNU time).  Symbol tables are shared by every process, so memory grows with "
           "the distinct binaries (sh, make, cc1, as, ld...), not with the processes.  "
           "Targets: ≤ 300 MB peak RSS and ≤ 10 s for the full build's tree."
           % " ".join(target))
    b.emit()
    if not b.available("sprof") or not b.a.srcdir:
        b.emit("n/a: %s" % (b.why_na("sprof") or "no --srcdir"))
        b.emit()
        return
    tree = os.path.join(b.work, "tree")
    copy_tree(b.a.srcdir, tree)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tree}
    if (subprocess.run(["autoreconf", "-fi"], **quiet).returncode or
            subprocess.run(["./configure", "-q"], **quiet).returncode):
        b.emit("n/a: the copy does not configure")
        b.emit()
        return
    raw = os.path.join(b.work, "tree.raw")
    t0 = time.perf_counter()
    r = subprocess.run([b.sprof, "run", "-o", raw, "--", "make", "-j2"] + target, **quiet)
    build_s = time.perf_counter() - t0
    info = subprocess.run([b.sprof, "info", raw], stdout=subprocess.PIPE, text=True).stdout
    m = re.search(r"^processes: (\d+)", info, re.M)
    nproc = int(m.group(1)) if m else 0
    outdir = os.path.join(b.work, "envelopes")
    os.makedirs(outdir)
    jobs = [("convert --all -f collapsed", [b.sprof, "convert", "--all", "-f", "collapsed", raw]),
            ("convert --all -f envelope -o DIR/p",
             [b.sprof, "convert", "--all", "-f", "envelope", "-o", os.path.join(outdir, "p"), raw])]
    rows = []
    data = {"build_status": r.returncode, "build_s": build_s, "processes": nproc,
            "raw_bytes": os.path.getsize(raw) if os.path.exists(raw) else 0}
    for label, cmd in jobs:
        t = timed(cmd, raw + ".out")
        ok = t["maxrss_kb"] * 1024 <= 300e6 and t["wall"] <= 10
        data[label] = t
        rows.append([label, nproc, "%.1f MB" % (data["raw_bytes"] / 1e6), "%.2f s" % t["wall"],
                     "%.2f s" % t["cpu"], "%.1f MB" % (t["maxrss_kb"] * 1024 / 1e6),
                     ("failed: " + t["stderr"]) if t["status"] not in (0,) else
                     ("≤ 300 MB, ≤ 10 s: " + mark(ok)) if not q else "(--quick: partial build)"])
    b.table(["job", "processes", "raw", "wall", "CPU", "peak RSS", "target"], rows)
    b.results["sections"]["tree"] = data

def diff_json(b, base, new):
    """Exit status and JSON of `sprof diff -f json` (default gate)."""
    r = subprocess.run([b.sprof, "diff", "-f", "json"] +
                       sum((["--base", f] for f in base), []) +
                       sum((["--new", f] for f in new), []),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        d = json.loads(r.stdout)
    except ValueError:
        d = None
    return r.returncode, d


def section_diff(b, q):
    b.emit("## sprof diff: false alarms of the default gate")
    b.emit()
    if not b.available("sprof"):
        b.emit("n/a: " + b.why_na("sprof"))
        b.emit()
        return
    secs, npairs = (0.5, 100) if q else (1.0, 100)
    b.emit("%d runs of bench-shares (the same program and input, ~%.1f s of CPU each) "
           "under `sprof run -F 1000`; `sprof diff` with its default gate (self>+2pp, "
           "cpu>+5%%, 99%% confidence, Bonferroni) on %d disjoint pairs (1 run per side: "
           "the cpu rule is not tested) and on %d disjoint groups of 2 runs per side "
           "(shares and CPU time tested with the runs' spread).  Every diff should pass "
           "(exit 0): target >= 99 %%.  The runs alternate between the sides (base, new, base, "
           "new ...), as a CI job should run them, so that a change of the machine's load "
           "over time does not fall between the sides." % (2 * npairs, secs, npairs, npairs // 2))
    b.emit()
    units = b.calibrate("shares", [], secs, 500)
    argv = [b.prog("shares"), "-n", str(units)]
    raws = []
    for i in range(2 * npairs):
        out = os.path.join(b.work, "diff-%d.raw" % i)
        subprocess.run(b.sprof_argv(1000, out, argv), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        raws.append(out)
    configs = [("1 run per side", [([raws[2 * i]], [raws[2 * i + 1]]) for i in range(npairs)]),
               ("2 runs per side", [(raws[4 * i:4 * i + 4:2], raws[4 * i + 1:4 * i + 4:2])
                                    for i in range(npairs // 2)])]
    rows, data = [], {}
    for name, pairs in configs:
        res = [diff_json(b, base, new) for base, new in pairs]
        passed = sum(1 for rc, _ in res if rc == 0)
        other = sum(1 for rc, _ in res if rc not in (0, 3))
        biggest = [max((abs(f["self"]["delta"]) for f in d["functions"]), default=0) * 100
                   for _, d in res if d]
        cpu = [abs(d["cpu_seconds_per_run"]["relative"]) * 100 for _, d in res if d]
        fired = {}
        for _, d in res:
            for g in (d or {}).get("gate", []):
                fired[g["rule"]] = fired.get(g["rule"], 0) + (g["fired"] > 0)
        rate = 100.0 * passed / len(res)
        rows.append([name, len(res), passed, len(res) - passed - other, other,
                     ", ".join("%s %d" % kv for kv in sorted(fired.items())),
                     "%.1f%%" % rate, fmt_range(biggest, prec=2), fmt_range(cpu, prec=1),
                     mark(rate >= 99 and other == 0)])
        data[name] = {"diffs": len(res), "passed": passed, "errors": other, "fired": fired,
                      "max_self_pp": biggest, "cpu_change_pct": cpu}
    b.table(["sides", "diffs", "pass", "fail (exit 3)", "error", "rules fired", "pass rate",
             "largest |Δ self| pp", "|Δ CPU| %", "≥ 99 %"], rows)
    b.results["sections"]["diff"] = data


SECTIONS = {
    "overhead": section_overhead,
    "cost": section_cost,
    "walk": section_walk,
    "rate": section_rate,
    "attrib": section_attrib,
    "size": section_size,
    "startup": section_startup,
    "convert": section_convert,
    "wall": section_wall,
    "tree": section_tree,
    "diff": section_diff,
}


def main():
    ap = argparse.ArgumentParser(description="sprof benchmark driver (make bench)")
    ap.add_argument("--sprof", help="path to the built sprof")
    ap.add_argument("--bindir", required=True, help="directory of the bench-* workloads")
    ap.add_argument("--srcdir", help="the source tree (the tree section builds a copy)")
    ap.add_argument("--quick", action="store_true", help="fewer, shorter runs (≤ ~2 min)")
    ap.add_argument("--json", metavar="FILE", help="write all measurements as JSON")
    ap.add_argument("--only", metavar="LIST",
                    help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--tmpdir", help="where profiles go (default $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    sel = list(SECTIONS)
    if args.only:
        sel = [s.strip() for s in args.only.split(",") if s.strip()]
        bad = [s for s in sel if s not in SECTIONS]
        if bad:
            ap.error("unknown section(s): " + ", ".join(bad))
    for name in ("burn", "shares", "manystacks"):
        if not os.access(os.path.join(args.bindir, "bench-" + name), os.X_OK):
            print("run.py: bench-%s not found in %s" % (name, args.bindir), file=sys.stderr)
            return 2
    b = Bench(args)
    b.probe()
    start = time.time()
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "command": " ".join(sys.argv),
        "quick": args.quick,
        "host": os.uname().nodename,
        "kernel": os.uname().release,
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "sprof_na": b.sprof_why, "perf_na": b.perf_why,
    }
    b.results["meta"] = meta
    b.emit("# sprof bench (%s%s)" % (meta["date"], ", --quick" if args.quick else ""))
    b.emit()
    b.emit("%d CPUs, Linux %s, load average at start %.2f.  Profilers: sprof%s, "
           "gperftools (%s), perf record -e cpu-clock -g%s." % (
               meta["cpus"], meta["kernel"], meta["loadavg_start"][0],
               "" if not b.sprof_why else " (n/a: %s)" % b.sprof_why,
               b.gperf_lib or "n/a",
               "" if not b.perf_why else " (n/a: %s)" % b.perf_why))
    b.emit()
    try:
        for s in sel:
            t0 = time.time()
            SECTIONS[s](b, args.quick)
            log("bench: %s took %.0f s" % (s, time.time() - t0))
    finally:
        meta["seconds"] = time.time() - start
        meta["loadavg_end"] = os.getloadavg()
        b.emit("Total bench time %.0f s; load average at end %.2f." % (
            meta["seconds"], meta["loadavg_end"][0]))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(b.results, f, indent=1, default=str)
        if not args.keep:
            shutil.rmtree(b.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
