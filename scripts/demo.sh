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
