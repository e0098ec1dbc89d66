#!/usr/bin/env bash
# The aggregator at province scale (release build) against the embedded stack: fills the topics
# with a year of a province, replays them into an empty view with the aggregator binary, and
# prints events/s, peak memory, a reference consumer's events/s, /overview and /counties
# latency, and freshness under 1,000 events/s. The broker is restarted first (empty topics).
#   [BENCH_REPLAY_ONLY=1] [BENCH_KEEP_DATABASE=1] [AGGREGATOR_BATCH_SIZE=n] deploy/local/bench-aggregator.sh [subjects] [events]   default 600000 1000000
# The map's benchmark (一张图): the subjects in the map's city (MAP_BOUNDARIES, the installed
# Changzhi file by default), each placed inside its county, and /map and /map?county= timed:
#   BENCH_MAP=1 deploy/local/bench-aggregator.sh 56000 100000     (and 600000 1000000 for a province's number)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
"$ROOT/deploy/local/install.sh"
# Whatever happens, no aggregator of the benchmark outlives it.
trap 'pkill -f "$ROOT/.build/.*/release/aggregator" || true; "$ROOT/deploy/local/stack.sh" stop' EXIT
"$ROOT/deploy/local/stack.sh" start
"$ROOT/deploy/local/stack.sh" restart-broker
set -a; source "$ENV_FILE"; set +a
for product in aggregator threezero-aggregator-bench; do swift build -c release --product "$product" 2>&1 | tail -1; done
BIN="$(swift build -c release --show-bin-path)"
MAP_BOUNDARIES="${MAP_BOUNDARIES:-$MAP_FILE}" AGGREGATOR_BIN="$BIN/aggregator" "$BIN/threezero-aggregator-bench" "$@"
