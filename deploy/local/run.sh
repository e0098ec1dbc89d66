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
for product in petitions hazards cases aggregator simulator; do swift build -c release --product "$product"; done
BIN="$(swift build -c release --show-bin-path)"

# Demo tokens: configuration, never code. Replace them for anything but a demo.
export AUTH_TOKENS="${AUTH_TOKENS:-petitions-clerk:petitions_clerk:demo-petitions,hazards-clerk:hazards_clerk:demo-hazards,cases-clerk:cases_clerk:demo-cases,reader:reader:demo-reader,office:office_admin:demo-office}"
[[ -f "$STACK_DIR/identity.key" ]] || head -c 32 /dev/urandom | base64 >"$STACK_DIR/identity.key"
export PETITIONS_IDENTITY_KEY="$(cat "$STACK_DIR/identity.key")"

# A fresh demo city each time: the broker keeps memory only, so the databases start empty too.
for name in aggregator petitions hazards cases; do
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS demo_$name WITH (FORCE)" >/dev/null
done

start_service() {
    local name=$1 port=$2
    # Own session: Ctrl-C reaches this script only, which stops the services first, then the stack.
    DATABASE_NAME=demo_$name HTTP_PORT=$port setsid "$BIN/$name" >>"$LOG_DIR/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.2; done
    say "$name   http://127.0.0.1:$port   (OpenAPI: /openapi.yaml, log: .local/logs/$name.log)"
}
# The map of the city's counties, derived by the install (deploy/data/boundaries.py).
MAP_BOUNDARIES="${MAP_BOUNDARIES:-$MAP_FILE}" start_service aggregator 8080
start_service petitions 8081
start_service hazards 8082
start_service cases 8083

# The simulated city: its roster imported through the command center as the office would, then the
# year so far sent through the departments' APIs, and on, at a gentle rate, until Ctrl-C.
SUBJECTS=${SUBJECTS:-1200}
RATE=${RATE:-30}
setsid "$BIN/simulator" run --subjects "$SUBJECTS" --from "$(TZ=Asia/Shanghai date +%Y)-01-01" --follow --rate "$RATE" --import-roster --map-boundaries "${MAP_BOUNDARIES:-$MAP_FILE}" \
    --petitions-token demo-petitions --hazards-token demo-hazards --cases-token demo-cases --office-token demo-office \
    >>"$LOG_DIR/simulator.log" 2>&1 &
pids=("$!" "${pids[@]}")
say "simulator: $SUBJECTS subjects of Changzhi's 12 counties, the year so far and on at $RATE requests/s (log: .local/logs/simulator.log)"
say "dashboard (指挥中心): http://127.0.0.1:8080/   sign in as 'reader' / 'demo-reader' (查阅) or 'office' / 'demo-office' (创建办)"
say "API: curl -H 'Authorization: Bearer demo-reader' http://127.0.0.1:8080/api/v1/overview   (clerks: demo-petitions, demo-hazards, demo-cases)"
say "running; Ctrl-C stops everything"
while true; do sleep 3600 & wait $!; done
