#!/usr/bin/env bash
# The README's run command: installs what is missing, starts the embedded stack, builds the
# services (release), imports a demo roster, and runs the aggregator and the three department
# services until Ctrl-C, which stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
"$ROOT/deploy/local/install.sh"

pids=()
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    "$ROOT/deploy/local/stack.sh" stop
}
trap stop_all EXIT
trap 'exit 0' INT TERM

"$ROOT/deploy/local/stack.sh" start
set -a; source "$ENV_FILE"; set +a
say "building the services (release; the first build takes several minutes)"
# One product at a time: a plain `swift build` would also build the test support (and swift-nio-ssl).
for product in petitions hazards cases aggregator; do swift build -c release --product "$product"; done
BIN="$(swift build -c release --show-bin-path)"

# Demo tokens: configuration, never code. Replace them for anything but a demo.
export AUTH_TOKENS="${AUTH_TOKENS:-demo-clerk:petitions_clerk:demo-petitions,demo-safety:hazards_clerk:demo-hazards,demo-police:cases_clerk:demo-cases,demo-reader:reader:demo-reader,demo-office:office_admin:demo-office}"
[[ -f "$STACK_DIR/identity.key" ]] || head -c 32 /dev/urandom | base64 >"$STACK_DIR/identity.key"
export PETITIONS_IDENTITY_KEY="$(cat "$STACK_DIR/identity.key")"

start_service() {
    local name=$1 port=$2
    # Own session: Ctrl-C reaches this script only, which stops the services first, then the stack.
    HTTP_PORT=$port setsid "$BIN/$name" >>"$LOG_DIR/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
    say "$name   http://127.0.0.1:$port   (OpenAPI: /openapi.yaml, log: .local/logs/$name.log)"
}
start_service aggregator 8080
# A small demo roster of Changzhi (two per county and more), imported as the office would.
curl -sf -X POST http://127.0.0.1:8080/api/v1/subjects:import -H 'Authorization: Bearer demo-office' -H 'Content-Type: text/csv' \
    --data-binary @"$ROOT/deploy/local/demo-roster.csv" >/dev/null && say "demo roster imported (deploy/local/demo-roster.csv)"
start_service petitions 8081
start_service hazards 8082
start_service cases 8083
say "demo tokens: petitions clerk 'demo-petitions', hazards clerk 'demo-hazards', cases clerk 'demo-cases', reader 'demo-reader', office 'demo-office'"
say "try: curl -H 'Authorization: Bearer demo-reader' http://127.0.0.1:8080/api/v1/overview"
say "running; Ctrl-C stops everything"
while true; do sleep 3600 & wait $!; done
