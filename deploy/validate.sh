#!/usr/bin/env bash
# Checks the deployment files as far as a machine without a Docker engine or a cluster allows:
#   - deploy/compose/compose.yaml against the Compose Specification's JSON schema (check-jsonschema)
#   - deploy/k8s: each kustomization rendered (kubectl kustomize) and every object validated
#     strictly against the Kubernetes schemas (kubernetes-validate), plus the aggregator's
#     autoscaler bounded by the partition count
# The tools go into the project venv (.local/venv) when missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/local/common.sh"
cd "$ROOT"

KUBERNETES_VERSION=1.32.0
TOOLS=("check-jsonschema==0.39.0" "kubernetes-validate==1.37.0")
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c 'import check_jsonschema, kubernetes_validate' 2>/dev/null; then
    say "installing ${TOOLS[*]} into the venv"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${TOOLS[@]}"
fi

say "compose: deploy/compose/compose.yaml against the Compose Specification"
"$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose/compose.yaml

rendered="$STACK_DIR/k8s"
mkdir -p "$rendered"
overlays=(deploy/k8s/base deploy/k8s/overlays/*/)
if ! command -v kubectl >/dev/null; then
    # Without kubectl (which renders kustomizations), the base's objects are checked as written.
    say "kubectl not found: validating the base's files as written, without rendering the overlays"
    overlays=(deploy/k8s/base)
fi
for overlay in "${overlays[@]}"; do
    name="$(basename "$overlay")"
    if command -v kubectl >/dev/null; then
        kubectl kustomize "$overlay" >"$rendered/$name.yaml"
    else
        for f in "$overlay"/*.yaml; do [[ "$(basename "$f")" == kustomization.yaml ]] || { cat "$f"; echo "---"; }; done >"$rendered/$name.yaml"
    fi
    say "kubernetes: $overlay renders $(grep -c '^kind:' "$rendered/$name.yaml") objects; validating against Kubernetes $KUBERNETES_VERSION"
    "$VENV/bin/kubernetes-validate" --quiet --strict --kubernetes-version "$KUBERNETES_VERSION" "$rendered/$name.yaml"
    "$VENV/bin/python" - "$rendered/$name.yaml" <<'PY'
import sys, yaml
objects = [o for o in yaml.safe_load_all(open(sys.argv[1])) if o]
partitions = int(next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "threezero-config")["data"]["KAFKA_TOPIC_PARTITIONS"])
for hpa in (o for o in objects if o["kind"] == "HorizontalPodAutoscaler"):
    assert hpa["spec"]["maxReplicas"] <= partitions, f"{hpa['metadata']['name']}: maxReplicas {hpa['spec']['maxReplicas']} > {partitions} partitions"
for d in (o for o in objects if o["kind"] == "Deployment"):
    for c in d["spec"]["template"]["spec"]["containers"]:
        assert all(k in c for k in ("livenessProbe", "readinessProbe", "resources")), f"{d['metadata']['name']}: probes and resources"
        assert not any("value" in e and any(w in e["name"] for w in ("TOKEN", "PASSWORD", "KEY", "DATABASE_URL")) for e in c.get("env", [])), \
            f"{d['metadata']['name']}: a secret given as a literal value"
    assert any(p["kind"] == "PodDisruptionBudget" and p["metadata"]["name"] == d["metadata"]["name"] for p in objects), f"{d['metadata']['name']}: no PodDisruptionBudget"
print(f"  {len(objects)} objects: autoscaler within {partitions} partitions, probes, resources, disruption budgets, secrets by reference")
PY
done
say "deployment files valid"
