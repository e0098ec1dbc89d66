#!/usr/bin/env bash
# The README's run command: installs what is missing, starts the embedded stack and creates the
# contract's topics, then waits; Ctrl-C stops everything. (The services join as they are built.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
"$ROOT/deploy/local/install.sh"
trap '"$ROOT/deploy/local/stack.sh" stop' EXIT INT TERM
"$ROOT/deploy/local/stack.sh" start
set -a; source "$ENV_FILE"; set +a
for topic in threezero.petitions.v1 threezero.hazards.v1 threezero.cases.v1; do
    "$TANSU_BIN" topic create "$topic" --broker "tcp://$KAFKA_BOOTSTRAP_SERVERS" --partitions "${THREEZERO_PARTITIONS:-12}" >/dev/null 2>&1 || true
done
"$TANSU_BIN" topic create threezero.roster.v1 --broker "tcp://$KAFKA_BOOTSTRAP_SERVERS" --partitions 1 >/dev/null 2>&1 || true
say "stack ready; Ctrl-C stops it"
while true; do sleep 3600; done
