#!/bin/sh
# sentry-cli sends what `sprof convert -f envelope` writes (to a listener of
# this test on 127.0.0.1), and the bytes that arrive are the envelope.
# sentry-cli 3.x parses envelopes with sentry-types, which knows no
# "profile"/"profile_chunk" items, so whole envelopes go with --raw; the
# transaction item alone is sent parsed, which validates the event.  Also compares sprof's debug ids with sentry-cli's
# own (`debug-files check`).  Needs sentry-cli (npm install -g @sentry/cli,
# or SENTRY_CLI=path); skipped without it.
. "$SPROF_SRCDIR/tests/lib.sh"
. "$SPROF_SRCDIR/tests/convert-lib.sh"
need_shim
cli=${SENTRY_CLI:-$(command -v sentry-cli || true)}
[ -n "$cli" ] && [ -x "$cli" ] || skip "sentry-cli is not installed (npm install -g @sentry/cli)"
work=$(prog prog-conv-work)
src=$SPROF_SRCDIR/tests/prog-conv-work.c

profile_run w.raw "$work" single 0.3

# the listener: records each request body, answers like Sentry does
cat > listen.py <<'PY'
import http.server, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        with open("received.%d" % H.count, "wb") as f:
            f.write(body)
        with open("path.%d" % H.count, "w") as f:
            f.write(self.path + "\n" + self.headers.get("Content-Encoding", "") + "\n")
        H.count += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id":"00000000000000000000000000000001"}')
    def log_message(self, *a):
        pass
H.count = 0
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port", "w").write(str(s.server_address[1]))
threading.Timer(20, s.shutdown).start()
s.serve_forever()
PY
"$PYTHON3" listen.py &
listener=$!
trap 'kill $listener 2>/dev/null; cd /; rm -rf "$tmp"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s port ] && break; sleep 0.2; done
[ -s port ] || hard_error "the listener did not start"
dsn="http://publickey@127.0.0.1:$(cat port)/42"

k=0      # the listener numbers what it receives
for fmt in envelope envelope-chunk; do
	expect_status 0 "$SPROF" convert -f $fmt --dsn "$dsn" -o e.env w.raw
	check_sentry e.env
	SENTRY_DSN=$dsn expect_status 0 "$cli" send-envelope --raw e.env
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -e received.$k ] && break; sleep 0.2; done
	[ -e received.$k ] || { show out err; fail "$fmt: nothing reached the listener"; }
	grep -q "^/api/42/envelope/" path.$k || { show path.$k; fail "$fmt: sent to $(head -n 1 path.$k)"; }
	"$PYTHON3" - received.$k "$(head -n 2 path.$k | tail -n 1)" <<'PY' || fail "$fmt: received bytes are not the envelope"
import gzip, json, sys, zlib
data = open(sys.argv[1], "rb").read()
enc = sys.argv[2]
if enc == "gzip" or data[:2] == b"\x1f\x8b":
    data = gzip.decompress(data)
elif enc == "deflate":
    data = zlib.decompress(data)
head, _, rest = data.partition(b"\n")
json.loads(head)
types = []
while rest.strip():
    hl, _, rest = rest.partition(b"\n")
    ih = json.loads(hl)
    payload, rest = rest[:ih["length"]], rest[ih["length"]:].lstrip(b"\n")
    json.loads(payload)
    types.append(ih["type"])
assert "profile" in types or "profile_chunk" in types, types
print(types)
PY
	cp received.$k "sent-$fmt"
	k=$((k + 1))
done
check_sentry sent-envelope

# the transaction item on its own, parsed by sentry-cli
"$SPROF" convert -f envelope -o e.env w.raw || fail "convert -f envelope failed"
"$PYTHON3" - e.env > tx.env <<'PY' || hard_error "cannot cut the transaction out"
import sys
data = open(sys.argv[1], "rb").read()
head, _, rest = data.partition(b"\n")
ih, _, rest = rest.partition(b"\n")
assert b'"transaction"' in ih
n = int(ih.split(b'"length":')[1].split(b",")[0].rstrip(b"}"))
sys.stdout.buffer.write(head + b"\n" + ih + b"\n" + rest[:n] + b"\n")
PY
SENTRY_DSN=$dsn expect_status 0 "$cli" send-envelope tx.env
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e received.$k ] && break; sleep 0.2; done
[ -e received.$k ] || { show out err; fail "the parsed transaction did not arrive"; }

# debug ids: sprof's equal sentry-cli's for the program
expect_status 0 "$SPROF" convert -o p.json w.raw
"$cli" debug-files check "$work" > dif.out 2>&1 || { show dif.out; fail "sentry-cli debug-files check failed"; }
want=$(sed -n 's/.*Debug ID: *//p' dif.out | head -n 1)
[ -n "$want" ] || { show dif.out; hard_error "no debug id from sentry-cli"; }
grep -q "\"debug_id\":\"$want\"" p.json || { show dif.out; fail "sentry-cli says $want, not in the profile"; }
exit 0
