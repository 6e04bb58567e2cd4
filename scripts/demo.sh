#!/usr/bin/env bash
# The demo on the embedded default (local files, no external services):
# builds Sluice (release), generates the canonical workload, shows the plan,
# runs the sensor-features pipeline over CSV and NDJSON, and checks the results.
#   EVENTS=10000000 scripts/demo.sh   for the full-size benchmark data
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
DATA=${DATA:-data/demo}

scripts/setup.sh
echo "== building (release)"
swift build -c release --product sluice 2>&1 | tail -1
SLUICE=.build/release/sluice

echo "== generating $EVENTS canonical events into $DATA"
$SLUICE gen --events "$EVENTS" --out "$DATA"

echo "== the plan"
$SLUICE explain sensor-features

for fmt in csv ndjson; do
    echo "== run sensor-features over $fmt"
    $SLUICE run sensor-features --input "$DATA/events_$EVENTS.$fmt" --output "$DATA/windows-$fmt.csv" \
        --dead-letter "$DATA/dead-letter-$fmt.ndjson"
done

echo "== first result rows"
head -4 "$DATA/windows-csv.csv"
echo "== first dead letter"
head -1 "$DATA/dead-letter-csv.ndjson"

echo "== bench: both formats again, timed, checksum verified against the generator's expectation"
$SLUICE bench sensor-features --events "$EVENTS" --data-dir "$DATA" --runs 1

echo "== Kafka on the built-in dev cluster: produce, sensor-features Kafka -> Kafka, read the results"
BOOT="$DATA/bootstrap.txt"
rm -f "$BOOT"
$SLUICE broker --brokers 3 --topic sensors:32 --topic features:32 --bootstrap-file "$BOOT" >/dev/null 2>&1 </dev/null &
BROKER=$!
trap 'kill $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$BOOT" ] && break; sleep 0.1; done
B=$(cat "$BOOT")
$SLUICE produce --brokers "$B" --topic sensors --key sensor_id "$DATA/events_$EVENTS.csv"
$SLUICE run sensor-features --input "kafka://$B/sensors?group=demo" --format csv --output "kafka://$B/features" --until-end \
    --dead-letter "$DATA/dead-letter-kafka.ndjson"
$SLUICE consume --brokers "$B" --topic features --output "$DATA/windows-kafka.csv"
echo "== the same windows from Kafka as from the file:"
if diff <(sort "$DATA/windows-kafka.csv") <(tail -n +2 "$DATA/windows-csv.csv" | sort) >/dev/null; then
    echo "identical ($(wc -l < "$DATA/windows-kafka.csv") windows)"
else
    echo "DIFFERENT" >&2
    exit 1
fi

echo "== the edge agent: the events on stdin, pre-aggregated per sensor and minute, spooled, forwarded to the dev cluster"
cat > "$DATA/edge.yaml" <<YAML
spec: $PWD/examples/edge/sensor-edge.yaml
input: {stdin: true, format: csv}
state_dir: $DATA/edge-state
spool: {max_size: 16MiB, policy: block}
output:
  kafka: {brokers: "$B", topic: edge-features}
  decimals: 3
YAML
$SLUICE edge --config "$DATA/edge.yaml" --check
rm -rf "$DATA/edge-state"
$SLUICE edge --config "$DATA/edge.yaml" < "$DATA/events_$EVENTS.csv"
$SLUICE consume --brokers "$B" --topic edge-features --output "$DATA/edge-windows.csv"
echo "$(wc -l < "$DATA/edge-windows.csv") minute windows upstream for $EVENTS events: $(wc -c < "$DATA/events_$EVENTS.csv") bytes in, $(wc -c < "$DATA/edge-windows.csv") bytes of results before compression"
head -3 "$DATA/edge-windows.csv"
