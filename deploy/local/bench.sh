#!/usr/bin/env bash
# Benchmarks of the raw paths against the embedded stack (release build). Prints figures only.
#   deploy/local/bench.sh [events]        default 200000
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
"$ROOT/deploy/local/install.sh"
trap '"$ROOT/deploy/local/stack.sh" stop' EXIT
"$ROOT/deploy/local/stack.sh" start
set -a; source "$ENV_FILE"; set +a
swift build -c release --product threezero-bench
"$(swift build -c release --show-bin-path)/threezero-bench" "$@"
