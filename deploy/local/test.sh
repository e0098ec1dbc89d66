#!/usr/bin/env bash
# The README's test command: installs what is missing, starts the embedded stack, runs every test
# against the real broker and Postgres, and stops the stack again, also when a test fails.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"

"$ROOT/deploy/local/install.sh" --for-tests
cleanup() {
    # Brokers and aggregators that fault tests start themselves, should a test die before stopping them.
    pkill -9 -f "$STACK_DIR/bin-tansu" 2>/dev/null || true
    pkill -9 -f "$ROOT/.build/.*/(aggregator|petitions|hazards|cases|simulator)" 2>/dev/null || true
    # Postgres servers of the outage tests (TestSupport/PrivatePostgres), likewise.
    for data in /tmp/threezero-test-pg-*/data; do
        [[ -d "$data" ]] || continue
        as_postgres "$(pg_bin)/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$(dirname "$data")"
    done
    "$ROOT/deploy/local/stack.sh" stop
}
trap cleanup EXIT
"$ROOT/deploy/local/stack.sh" start

set -a; source "$ENV_FILE"; set +a
# Databases that earlier test runs left (each test names its own <prefix>_<8 hex digits>…) are
# dropped, so the stack's folder does not grow with every run; the demo's (demo_*) stay.
for database in $("$(pg_bin)/psql" "$DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname ~ '_[0-9a-f]{8}(_|$)'"); do
    "$(pg_bin)/psql" "$DATABASE_URL" -qc "DROP DATABASE \"$database\" WITH (FORCE)"
done
# The compose file and the Kubernetes manifests against their schemas (tools into the venv).
"$ROOT/deploy/validate.sh"
# The code follows the project's swift-format configuration (.swift-format): `swift format -i -r Services Shared Tests` fixes it.
say "checking the format"
swift format lint --strict -r Services Shared Tests Package.swift
say "building (debug) with tests"
swift build --build-tests
# The crash-recovery and end-to-end tests run the services and the simulator as processes of their own.
for product in petitions hazards cases aggregator simulator; do swift build --product "$product"; done
say "running the tests"
swift test --skip-build "$@"
# The dashboard in headless Chromium (screenshots in .artifacts/screenshots), every service's
# OpenAPI document fuzzed with schemathesis, and the map's boundary file (derived and configured).
say "running the browser, contract and data tests"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider Tests/Browser Tests/Contract Tests/Data
