#!/usr/bin/env bash
# Does the edge agent keep its pace inside a memory limit? Runs it in a memory cgroup (every page it
# touches charged to it: its heap and stacks, the pages of its binary and shared libraries, the page
# cache of its spool and checkpoints), feeds it the canonical events through a followed file while it
# forwards its results to an HTTP collector, and prints how long it took to take them all and the
# cgroup's peak charge.
#
#   scripts/edge-cgroup-check.sh [-b BINARY] [-l LIMIT_MIB] [-e EVENTS]
#     -b  .build/release/sluice-edge (default) or ".build/release/sluice edge"
#     -l  memory limit in MiB (default 32)
#     -e  events (default 1000000)
#     -s  the spool's segment_size (default 256KiB)
#     -a  the upstream away (results stay in the spool): what the intake alone needs
#     -t  seconds to give up after (default 300: a thrashing agent may never finish)
#
# Needs root and a cgroup v1 memory controller or cgroup v2. Drops the page cache first, so the
# agent pays for every page it touches; the feeding is done with shell tools only, which share no
# Swift library pages with the agent.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=".build/release/sluice-edge"
limit=32
events=1000000
timeout=300
segment=256KiB
away=""
while getopts "b:l:e:s:t:a" opt; do
  case $opt in
    b) binary=$OPTARG ;;
    l) limit=$OPTARG ;;
    e) events=$OPTARG ;;
    s) segment=$OPTARG ;;
    t) timeout=$OPTARG ;;
    a) away=1 ;;
    *) sed -n 2,16p "$0"; exit 2 ;;
  esac
done
read -r -a agent <<< "$binary"
[ -x "${agent[0]}" ] || { echo "no binary at ${agent[0]}: swift build -c release --product sluice-edge" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root (cgroups, dropping the page cache)" >&2; exit 1; }

work=$(mktemp -d /tmp/sluice-edge-cgroup.XXXXXX)
if [ -d /sys/fs/cgroup/memory ]; then
  cg=/sys/fs/cgroup/memory/sluice-edge-check-$$
  mkdir -p "$cg"
  echo $((limit << 20)) > "$cg/memory.limit_in_bytes"
  peak_file=$cg/memory.max_usage_in_bytes
else
  cg=/sys/fs/cgroup/sluice-edge-check-$$
  mkdir -p "$cg"
  echo $((limit << 20)) > "$cg/memory.max"
  peak_file=$cg/memory.peak
fi
pid=""
collector_pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$collector_pid" ] && kill "$collector_pid" 2>/dev/null || true
  rmdir "$cg" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"${agent[0]%/*}/sluice" gen --events "$events" --out "$work/gen" --formats csv > /dev/null 2>&1 \
  || { echo "cannot generate the events with ${agent[0]%/*}/sluice (swift build -c release)" >&2; exit 1; }
csv="$work/gen/events_$events.csv"
head -1 "$csv" > "$work/readings.csv"
port=$((20000 + RANDOM % 20000))
collector=$((port + 1))
# The upstream: an HTTP collector that takes every request (Python: it shares no pages with the agent).
python3 -c '
import http.server, sys
class Collector(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Collector).serve_forever()
' "$collector" &
collector_pid=$!
upstream_port=$collector
[ -n "$away" ] && upstream_port=1  # nothing listens there
cp examples/edge/sensor-edge.yaml "$work/"
cat > "$work/edge.yaml" <<EOF
spec: sensor-edge.yaml
input: {file: $work/readings.csv, format: csv}
state_dir: $work/state
spool: {max_size: 16MiB, segment_size: $segment, policy: block, fsync: always}
output:
  http: {url: "http://127.0.0.1:$upstream_port/ingest", timeout: 2s}
  format: csv
  decimals: 3
metrics: {port: $port, host: 127.0.0.1}
EOF

sync
echo 3 > /proc/sys/vm/drop_caches
bash -c "echo \$\$ > $cg/cgroup.procs && exec ${agent[*]} --config $work/edge.yaml --log-level error" 2> "$work/agent.log" &
pid=$!
for _ in $(seq 1 100); do curl -sf --max-time 2 "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
sleep 2
idle_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
start=$(date +%s%N)
tail -n +2 "$csv" >> "$work/readings.csv"
# Until every event is in, then until every window closed so far is delivered (the last minute's
# windows stay open while the agent runs; its metrics are sampled once a second).
taken=0 pending=1 delivered=0 intake_ns=""
while :; do
  kill -0 "$pid" 2>/dev/null || { echo "the agent died:" >&2; cat "$work/agent.log" >&2; exit 1; }
  metrics=$(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" || true)
  taken=$(awk '/^sluice_records_in_total/ {printf "%d", $2; exit}' <<< "$metrics")
  pending=$(awk '/^sluice_spool_pending_records/ {printf "%d", $2; exit}' <<< "$metrics")
  delivered=$(awk '/^sluice_upstream_delivered_records/ {printf "%d", $2; exit}' <<< "$metrics")
  now=$(( $(date +%s%N) - start ))
  if [ -z "$intake_ns" ] && [ "${taken:-0}" -ge "$events" ]; then intake_ns=$now; [ -n "$away" ] && break; fi
  if [ -n "$intake_ns" ] && [ "${pending:-1}" = 0 ] && [ "${delivered:-0}" -gt 0 ] && [ $((now - intake_ns)) -gt 1500000000 ]; then break; fi
  if [ "$now" -gt $((timeout * 1000000000)) ]; then
    echo "${agent[*]##*/} in $limit MiB: not done after $timeout s (${taken:-0} of $events events taken, ${delivered:-0} results delivered, ${pending:-?} pending)"
    exit 1
  fi
  sleep 0.1
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
start=$(date +%s%N)
tail -n +2 "$csv" >> "$work/readings.csv"
taken=0
while [ "$taken" -lt "$events" ]; do
  kill -0 "$pid" 2>/dev/null || { echo "the agent died:" >&2; cat "$work/agent.log" >&2; exit 1; }
  taken=$(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk '/^sluice_records_in_total/ {printf "%d", $2; exit}' || true)
  taken=${taken:-0}
  if [ $(( $(date +%s%N) - start )) -gt $((timeout * 1000000000)) ]; then echo "${agent[*]##*/} in $limit MiB: not done after $timeout s ($taken of $events events taken)"; exit 1; fi
  sleep 0.05
done
nanoseconds=$(( $(date +%s%N) - start ))
# Every window closed so far delivered (the agent's metrics are sampled once a second).
delivered=0
for _ in $(seq 1 100); do
  sleep 0.2
  metrics=$(curl -s --max-time 2 "http://127.0.0.1:$port/metrics" || true)
  pending=$(awk '/^sluice_spool_pending_records/ {printf "%d", $2; exit}' <<< "$metrics")
  delivered=$(awk '/^sluice_upstream_delivered_records/ {printf "%d", $2; exit}' <<< "$metrics")
  [ "${pending:-1}" = 0 ] && [ "${delivered:-0}" -gt 0 ] && break
done
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
awk -v name="${agent[*]##*/}" -v limit="$limit" -v events="$events" -v intake="$intake_ns" -v done_ns="$now" -v idle="$idle_rss" -v rss="$rss" -v peak="$(cat "$peak_file")" -v delivered="$delivered" -v away="$away" 'BEGIN {
  if (away) {
    printf "%s in %d MiB, upstream away: %d events in %.2f s (%.2f M events/s); RSS idle %.1f MiB, after %.1f MiB; cgroup peak %.1f MiB\n", name, limit, events, intake / 1e9, events / (intake / 1e9) / 1e6, idle / 1024, rss / 1024, peak / 1048576
    exit
  }
  printf "%s in %d MiB: %d events in %.2f s (%.2f M events/s), every closed window delivered after %.2f s (%d results); RSS idle %.1f MiB, after %.1f MiB; cgroup peak %.1f MiB\n", name, limit, events, intake / 1e9, events / (intake / 1e9) / 1e6, done_ns / 1e9, delivered, idle / 1024, rss / 1024, peak / 1048576
}'
