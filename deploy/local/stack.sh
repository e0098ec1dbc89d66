#!/usr/bin/env bash
# The embedded local stack: a Tansu broker and a Postgres server on free loopback ports, their data
# under .local/. Idempotent; works as root (Postgres then runs as the `postgres` user) or not.
#
#   stack.sh start            start what is not running, write .local/stack.env, print where things listen
#   stack.sh stop             stop both
#   stack.sh stop-broker | start-broker | restart-broker    (fault tests; the broker keeps memory only)
#   stack.sh stop-postgres | start-postgres
#   stack.sh status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

BROKER_PID="$RUN_DIR/tansu.pid"

pg_data_root() {
    # Postgres must be able to reach its folder; if the project sits somewhere the `postgres` user
    # cannot traverse, fall back to a folder of its own under /tmp.
    local dir="$STACK_DIR/pg"
    if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$STACK_DIR" 2>/dev/null; then
        dir="/tmp/threezero-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"
    fi
    printf '%s' "$dir"
}
PG_ROOT="$(pg_data_root)"
PG_DATA="$PG_ROOT/data"

env_get() { [[ -f "$ENV_FILE" ]] || return 0; sed -n "s/^$1=//p" "$ENV_FILE" | tail -1; }

broker_running() { [[ -f "$BROKER_PID" ]] && kill -0 "$(cat "$BROKER_PID")" 2>/dev/null; }
postgres_running() { [[ -f "$PG_DATA/postmaster.pid" ]] && as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

start_broker() {
    local port; port="$(env_get KAFKA_PORT)"; [[ -n "$port" ]] || port="$(free_port)"
    KAFKA_PORT=$port
    if broker_running; then return 0; fi
    [[ -x "$STACK_DIR/bin-tansu" ]] || die "run deploy/local/install.sh first"
    # A session of its own: a Ctrl-C meant for the run command must not take the broker down
    # before the services have drained (the run command stops it last).
    setsid nohup "$STACK_DIR/bin-tansu" broker \
        --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine "memory://tansu/" >>"$LOG_DIR/tansu.log" 2>&1 &
    wait_for_port "$port" 30 || die "Tansu did not start (see $LOG_DIR/tansu.log)"
    # setsid may fork: the broker's own pid is the one listening on the port.
    pgrep -n -f -- "bin-tansu broker --listener-url tcp://127.0.0.1:$port " >"$BROKER_PID" || die "Tansu started but cannot be found"
    KAFKA_PORT=$port
}

stop_broker() {
    if broker_running; then
        local pid; pid="$(cat "$BROKER_PID")"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$BROKER_PID"
}

start_postgres() {
    local port; port="$(env_get PG_PORT)"; [[ -n "$port" ]] || port="$(free_port)"
    local bin; bin="$(pg_bin)"; [[ -n "$bin" ]] || die "no Postgres server installed (run install.sh)"
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        mkdir -p "$PG_ROOT"
        [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_ROOT"
        # Collation "C": byte order, which for UTF-8 is the code-point order C.UTF-8 sorts by, but
        # compared with memcmp instead of strcoll (every text key of the view: codes, metric names).
        as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --lc-collate=C >"$LOG_DIR/initdb.log" 2>&1 \
            || die "initdb failed (see $LOG_DIR/initdb.log)"
    fi
    PG_PORT=$port
    if ! postgres_running; then
        as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_ROOT/postgres.log" -w -t 60 start \
            -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$PG_ROOT' -c max_connections=300 -c shared_buffers=1GB -c max_wal_size=4GB -c checkpoint_timeout=15min" \
            >/dev/null || die "Postgres did not start (see $PG_ROOT/postgres.log)"
    fi
    PG_PORT=$port
}

stop_postgres() {
    if postgres_running; then as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true; fi
}

write_env() {
    cat >"$ENV_FILE" <<ENV
KAFKA_PORT=$KAFKA_PORT
PG_PORT=$PG_PORT
KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT
DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/postgres
LD_LIBRARY_PATH=$STACK_DIR/lib
TANSU_BIN=$STACK_DIR/bin-tansu
THREEZERO_STACK=$ROOT/deploy/local/stack.sh
ENV
}

case "${1:-}" in
start)
    mkdir -p "$LOG_DIR" "$RUN_DIR"
    start_broker; start_postgres; write_env
    say "Kafka (Tansu)  127.0.0.1:$KAFKA_PORT"
    say "Postgres       postgresql://postgres@127.0.0.1:$PG_PORT/postgres   (data in $PG_DATA)"
    say "environment    $ENV_FILE"
    ;;
stop) stop_broker; stop_postgres; say "stack stopped" ;;
stop-broker) stop_broker ;;
start-broker) start_broker ;;
restart-broker) stop_broker; start_broker ;;
stop-postgres) stop_postgres ;;
start-postgres) start_postgres ;;
status)
    broker_running && say "broker running on $(env_get KAFKA_PORT)" || say "broker stopped"
    postgres_running && say "postgres running on $(env_get PG_PORT)" || say "postgres stopped"
    ;;
*) die "usage: stack.sh start|stop|status|stop-broker|start-broker|restart-broker|stop-postgres|start-postgres" ;;
esac
