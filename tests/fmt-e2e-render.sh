#!/bin/sh
# fmt-e2e-render.sh -- the flame graph of a real run, rendered by headless
# Chromium (its SVG engine and the inline script), must show flame-coloured
# frames, not a blank page.  Skipped when Chromium is not installed (Debian
# package chromium) or cannot start here.
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
exit 0
