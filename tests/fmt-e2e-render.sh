#!/bin/sh
# fmt-e2e-render.sh -- the flame graph of a real run in headless Chromium:
# rendered, it must show flame-coloured frames, not a blank page; and its
# script, driven through the URL (?z= zoom, ?s= search), must zoom into main
# (full width, the worker thread hidden) and report the share of samples
# matched.  Skipped when Chromium is not installed (Debian package chromium)
# or cannot start here.
. "$SPROF_SRCDIR/tests/lib.sh"
p=$(prog fmt-prog-hot)
need_shim
browser=
for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
[ -n "$browser" ] || skip "no chromium to render the SVG (Debian package chromium)"

expect_status 0 "$SPROF" run -q -F 500 -o hot.raw -- "$p" 300
expect_status 0 "$SPROF" convert -f flamegraph --width 1000 -o hot.svg hot.raw
height=$(sed -n 's/^<svg [^>]* height="\([0-9]*\)".*/\1/p' hot.svg)
[ -n "$height" ] || { head -n 3 hot.svg; fail "no height in the SVG"; }
# a private profile directory; --no-sandbox because CI runs as root
run_capture timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$PWD/chrome" --window-size="1000,$height" \
	--screenshot="$PWD/hot.png" "file://$PWD/hot.svg"
[ -s hot.png ] || { show err; skip "$browser could not take a screenshot here (status $status)"; }
$PYTHON3 "$SPROF_SRCDIR/tests/fmt-check.py" png hot.png --warm 0.05 || fail "the rendered flame graph looks blank"

# the script: zoom and search as a user's clicks would
run_capture timeout 60 "$browser" --headless --no-sandbox --disable-gpu \
	--user-data-dir="$PWD/chrome" --dump-dom "file://$PWD/hot.svg?z=main&s=%5Eburn_"
mv out dom
$PYTHON3 - dom <<'PY' || { show err; fail "the flame graph's script did not zoom or search"; }
import re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'id="matched"[^>]*>Matched: ([0-9.]+)%<', dom)
assert m, "no Matched: text after ?s="
# burn_seventy + burn_thirty: most of the main thread, ~80% of all samples
assert 50 <= float(m.group(1)) <= 98, "matched %s%%" % m.group(1)
frames = re.findall(r'<g class="(f[^"]*)"[^>]*><title>([^<]*) \(\d+ samples?, [\d.]+%\)</title>'
                    r'<rect x="([\d.]+)" y="\d+" width="([\d.]+)"[^>]*fill="([^"]+)"', dom)
assert frames, "no frames in the DOM"
main = [f for f in frames if f[1] == "main"]
assert main and abs(float(main[0][3]) - 980) < 0.5, "main is not zoomed to full width: %r" % main
assert all("hide" in f[0] for f in frames if f[1] == "worker_spin"), "worker_spin is not hidden"
burn = [f for f in frames if f[1].startswith("burn_")]
assert burn and all(f[4] == "rgb(230,0,230)" for f in burn), "matches are not highlighted"
PY
exit 0
