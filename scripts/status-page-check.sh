#!/usr/bin/env bash
# Renders the status page of a running `sluice run` in a real headless browser (Debian's chromium:
# `apt-get install chromium`), saves a screenshot, and checks what the page's script drew: the
# cards, the throughput chart's lines and the partition table. Exit 0 when the page rendered.
#
#   scripts/status-page-check.sh [SCREENSHOT.png]     (default: status-page.png)
#
# Uses the newer of .build/release/sluice and .build/debug/sluice.
set -euo pipefail
cd "$(dirname "$0")/.."
shot="${1:-status-page.png}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "no chromium: apt-get install chromium" >&2; exit 2; }
sluice=""
for candidate in .build/release/sluice .build/debug/sluice; do
    if [ -x "$candidate" ] && { [ -z "$sluice" ] || [ "$candidate" -nt "$sluice" ]; }; then sluice="$candidate"; fi
done
[ -n "$sluice" ] || { echo "build sluice first: swift build" >&2; exit 2; }

work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$sluice" gen --events 300000 --out "$work" --formats csv >/dev/null 2>&1
# A slowed-down run (a delay per micro-batch) so the page has a few seconds of history to draw.
"$sluice" run sensor-features -i "$work/events_300000.csv" -o "$work/out.csv" --metrics-port 0 --log-format json \
    --source-delay-ms 40 --batch-size 1024 --shards 2 2> "$work/run.log" &
pid=$!
port=""
for _ in $(seq 50); do
    port="$(grep -o '"port":[0-9]*' "$work/run.log" | head -1 | cut -d: -f2 || true)"
    [ -n "$port" ] && break
    sleep 0.2
done
[ -n "$port" ] || { echo "the run did not report its metrics port:" >&2; cat "$work/run.log" >&2; exit 1; }
sleep 6
url="http://127.0.0.1:$port/"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1000 --virtual-time-budget=4000)
"$browser" "${flags[@]}" --screenshot="$shot" "$url" >/dev/null 2>&1
"$browser" "${flags[@]}" --dump-dom "$url" > "$work/dom.html" 2>/dev/null
fail=0
check() { if grep -q -- "$1" "$work/dom.html"; then echo "ok: $2"; else echo "MISSING: $2" >&2; fail=1; fi; }
check 'data-ready="1"' "the page fetched /status.json"
check 'sluice run: sensor-features' "the title names the verb and pipeline"
check '<span>records in</span>' "the cards"
check '<path d="M' "the throughput chart has lines"
size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then echo "ok: screenshot $shot ($size bytes)"; else echo "MISSING: a screenshot with content ($shot: $size bytes)" >&2; fail=1; fi
exit $fail
