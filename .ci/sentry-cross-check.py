#!/usr/bin/env python3
"""sentry-cross-check.py OURS THEIRS DIR -- runs two Sentry validators (the
tree's tests/sentry-validate.py and an independent one) over every file in
DIR and lists the files on which their verdicts differ, with both outputs.
A JSON array of v2 chunks (`sprof convert -f sentry-chunk`) is given to the
other checker one chunk at a time, since it takes one document per file.
Exit 0 when they agree on every file, 1 otherwise."""
import json
import os
import subprocess
import sys
import tempfile


def verdict(checker, path):
    p = subprocess.run([sys.executable, checker, path], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    return p.returncode == 0, p.stdout.decode(errors="replace").strip()


def their_verdict(checker, path, tmp):
    """The other checker's verdict, chunk by chunk for a JSON array."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.lstrip().startswith(b"["):
        return verdict(checker, path)
    try:
        chunks = json.loads(data)
    except ValueError:
        return verdict(checker, path)
    ok, out = True, []
    for i, ch in enumerate(chunks):
        part = os.path.join(tmp, f"chunk.{i}")
        with open(part, "w") as f:
            json.dump(ch, f)
        good, text = verdict(checker, part)
        ok &= good
        out.append(text)
    return ok and bool(chunks), "\n".join(out)


def main(ours, theirs, d):
    files = sorted(os.listdir(d))
    differ = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            path = os.path.join(d, name)
            a, a_out = verdict(ours, path)
            b, b_out = their_verdict(theirs, path, tmp)
            if a != b:
                differ += 1
                print(f"DISAGREE {name}: sentry-validate.py {'accepts' if a else 'rejects'}, "
                      f"{os.path.basename(theirs)} {'accepts' if b else 'rejects'}")
                for line in (a_out + "\n" + b_out).splitlines()[:40]:
                    print(f"    {line}")
    print(f"{len(files)} profiles checked by both validators, {differ} disagreement(s)")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
