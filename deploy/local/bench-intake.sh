#!/usr/bin/env bash
# Intake benchmark of the department services (release build) against the embedded stack:
# for each service, wrk drives its main POST for a while, twice; prints requests/s, p50/p99,
# and the service's resident memory idle and after each round (it must stay flat).
#   [CONNECTIONS=16] deploy/local/bench-intake.sh [seconds-per-round]      default 30 s, 16 connections
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
SECONDS_PER_ROUND=${1:-30}
"$ROOT/deploy/local/install.sh"
command -v wrk >/dev/null || { sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
trap '"$ROOT/deploy/local/stack.sh" stop; kill $(jobs -p) 2>/dev/null || true' EXIT
"$ROOT/deploy/local/stack.sh" start
set -a; source "$ENV_FILE"; set +a
for product in petitions hazards cases; do swift build -c release --product "$product" 2>&1 | tail -1; done
BIN="$(swift build -c release --show-bin-path)"

VILLAGE=140403001001
# One subject on the roster, published the way the command center does.
"$VENV/bin/python" - <<PY
import confluent_kafka, json, uuid
p = confluent_kafka.Producer({"bootstrap.servers": "$KAFKA_BOOTSTRAP_SERVERS"})
data = {"code": "$VILLAGE", "name": "老顶山村", "type": "village", "county": "140403", "active": True}
event = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": "/command/roster", "type": "cn.threezero.subject.upserted.v1",
         "subject": "$VILLAGE", "time": "2026-01-01T00:00:00+08:00", "sequence": "00000000000000000001",
         "datacontenttype": "application/json", "data": data}
p.produce("threezero.roster.v1", key="$VILLAGE", value=json.dumps(event))
p.flush()
PY

rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$1/status"; }

bench() {
    local service=$1 port=$2 path=$3 body=$4
    HTTP_PORT=$port DATABASE_NAME="bench_${service}_$RANDOM" AUTH_TOKENS="bench:${service}_clerk:bench-token" LOG_LEVEL=warning \
        PETITIONS_IDENTITY_KEY="$(head -c 32 /dev/urandom | base64)" "$BIN/$service" >"$LOG_DIR/bench-$service.log" 2>&1 &
    local pid=$!
    for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.2; done
    cat >"$RUN_DIR/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token"
wrk.body = [[$body]]
LUA
    curl -sf -X POST "http://127.0.0.1:$port$path" -H 'Content-Type: application/json' -H 'Authorization: Bearer bench-token' -d "$body" >/dev/null \
        || die "$service refused the benchmark body"
    sleep 2
    echo "== $service  POST $path   idle RSS $(rss $pid)"
    for round in 1 2; do
        wrk -t2 -c"${CONNECTIONS:-16}" -d"${SECONDS_PER_ROUND}s" --latency -s "$RUN_DIR/post.lua" "http://127.0.0.1:$port$path" >"$RUN_DIR/wrk.txt"
        local rps p50 p99 total
        rps=$(awk '/Requests\/sec/ {print $2}' "$RUN_DIR/wrk.txt")
        p50=$(awk '$1 == "50%" {print $2}' "$RUN_DIR/wrk.txt")
        p99=$(awk '$1 == "99%" {print $2}' "$RUN_DIR/wrk.txt")
        total=$(awk '/requests in/ {print $1}' "$RUN_DIR/wrk.txt")
        non2xx=$(awk '/Non-2xx/ {print $NF}' "$RUN_DIR/wrk.txt")
        echo "   round $round: $total requests, ${rps} req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}, RSS after $(rss $pid)"
    done
    kill -TERM $pid; wait $pid 2>/dev/null || true
}

bench petitions 18181 /api/v1/petitions '{"subject":"'$VILLAGE'","time":"2026-03-01T09:30:00+08:00","channel":"online","persons":2,"lodgedLevel":"unit","collective":false,"origin":"self_found","category":"劳动社保","petitioner":{"name":"张三","idNumber":"11010519491231002X","phone":"13800138000"}}'
bench hazards 18182 /api/v1/hazards '{"subject":"'$VILLAGE'","time":"2026-03-01T09:30:00+08:00","category":"消防","severity":"general","deadline":"2026-04-01T00:00:00+08:00"}'
bench cases 18183 /api/v1/cases '{"subject":"'$VILLAGE'","time":"2026-03-01T09:30:00+08:00","kind":"criminal","category":"fraud","majorImpact":false}'
