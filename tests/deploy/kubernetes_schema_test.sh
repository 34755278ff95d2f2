#!/usr/bin/env bash
# Every Kubernetes object under deploy/ against Kubernetes' own schemas:
#
#   bash tests/deploy/kubernetes_schema_test.sh
#
# 1. every kustomization under deploy/ rendered with `kubectl kustomize` (when kubectl is
#    installed: Debian's kubernetes-client, or the machine's own), and every YAML manifest under
#    deploy/ on its own (each document with an apiVersion and a kind, kustomize's own files aside);
# 2. each object validated by tests/deploy/check_kubernetes_schemas.mjs with the npm packages
#    kubernetes-models and @kubernetes-models/prometheus-operator (installed into a cache folder
#    by scripts/install-deps.sh): wrong types, missing required fields and unknown fields fail;
# 3. mutated copies of the objects (a misspelt field, a string where an integer goes, an unknown
#    field in a ServiceMonitor/PodMonitor endpoint and in a PrometheusRule rule) must each fail.
# 4. every container of every pod template: requests and a memory limit, probes where it listens,
#    Pod Security's "restricted" container settings; mutants (no resources, privilege
#    escalation, no probes, writable root) must fail.
# tests/deploy/check_kubernetes.py checks the sidecar Deployment in more depth (PrometheusRule =
# rules/, wiring, volumes). Exit 0 passed, 1 failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="${root}/tests/deploy"
fail() { printf "kubernetes_schema_test: FAIL: %b\n" "$*" >&2; exit 1; }
modules="$("${root}/scripts/install-npm-deps.sh" --print)/node_modules" || fail "the npm packages are not installed"
command -v node >/dev/null || fail "no node (scripts/install-deps.sh installs it)"
tmp="$(mktemp -d -t accesslog-k8s-schema.XXXXXX)"
trap 'rm -rf "${tmp}"' EXIT

mapfile -t kustomizations < <(cd "${root}" && find deploy -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization | sort)
[ "${#kustomizations[@]}" -gt 0 ] || fail "no kustomization under deploy/"
: >"${tmp}/rendered.list"
if command -v kubectl >/dev/null; then
  for k in "${kustomizations[@]}"; do
    dir="$(dirname "${k}")"
    out="${tmp}/kustomize-$(tr / _ <<<"${dir}").yaml"
    (cd "${root}" && kubectl kustomize "${dir}") >"${out}" 2>"${tmp}/kustomize.err" \
      || fail "kubectl kustomize ${dir} failed:\n$(cat "${tmp}/kustomize.err")"
    printf 'kubectl kustomize %s\t%s\n' "${dir}" "${out}" >>"${tmp}/rendered.list"
    echo "kubectl kustomize ${dir}: $(grep -c '^kind:' "${out}") objects"
  done
else
  echo "kubectl is not installed: the manifests are validated file by file only"
fi

python3 - "${root}" "${tmp}/rendered.list" "${tmp}/objects.json" "${tmp}/mutants.json" <<'PY'
import copy, json, pathlib, sys, yaml
root, rendered, out, mutants_out = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
objects = []
for line in open(rendered):
    source, path = line.rstrip("\n").split("\t")
    objects += [{"source": source, "object": o} for o in yaml.safe_load_all(open(path)) if o]
for path in sorted((root / "deploy").rglob("*.y*ml")):
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d]
    except yaml.YAMLError as e:
        sys.exit(f"kubernetes_schema_test: FAIL: {path}: {e}")
    for d in docs:
        if isinstance(d, dict) and "apiVersion" in d and "kind" in d \
                and not d["apiVersion"].startswith("kustomize.config.k8s.io/"):
            objects.append({"source": str(path.relative_to(root)), "object": d})
if not objects:
    sys.exit("kubernetes_schema_test: FAIL: no Kubernetes object under deploy/")
json.dump(objects, open(out, "w"))

# Mutations of the first object of each kind that has the field: (name, kinds, function, expected).
def pod_spec(o):
    return o["spec"]["template"]["spec"]
def misspell_image(o):
    c = pod_spec(o)["containers"][0]; c["imgae"] = c.pop("image")
def string_port(o):
    for c in pod_spec(o)["containers"]:
        if c.get("ports"):
            c["ports"][0]["containerPort"] = str(c["ports"][0]["containerPort"]); return
    raise KeyError("ports")
def string_replicas(o):
    o["spec"]["replicas"] = "2"
def misspell_probe(o):
    for c in pod_spec(o)["containers"]:
        if "readinessProbe" in c:
            c["readinesProbe"] = c.pop("readinessProbe"); return
    raise KeyError("readinessProbe")
def service_port(o):
    o["spec"]["ports"][0]["port"] = str(o["spec"]["ports"][0]["port"])
def endpoint_field(o):
    key = "endpoints" if "endpoints" in o["spec"] else "podMetricsEndpoints"
    o["spec"][key][0]["intervall"] = o["spec"][key][0].pop("interval", "30s")
def rule_field(o):
    r = o["spec"]["groups"][0]["rules"][0]; r["exprr"] = r.pop("expr")
def security_context(o):
    pod_spec(o)["containers"][0].setdefault("securityContext", {})["runAsNonRoot"] = "true"
workloads = {"Deployment", "DaemonSet", "StatefulSet"}
mutations = [
    ("misspelt-image", workloads, misspell_image, "unknown field"),
    ("string-containerPort", workloads, string_port, "must be integer"),
    ("string-replicas", {"Deployment", "StatefulSet"}, string_replicas, "must be integer"),
    ("misspelt-readinessProbe", workloads, misspell_probe, "unknown field"),
    ("string-runAsNonRoot", workloads, security_context, "must be boolean"),
    ("string-service-port", {"Service"}, service_port, "must be integer"),
    ("misspelt-endpoint-interval", {"ServiceMonitor", "PodMonitor"}, endpoint_field, "unknown field"),
    ("misspelt-rule-expr", {"PrometheusRule"}, rule_field, "unknown field"),
]
mutants, seen = [], set()
for entry in objects:
    o = entry["object"]
    for name, kinds, mutate, expected in mutations:
        key = (name, o["kind"])
        if o["kind"] not in kinds or key in seen:
            continue
        m = copy.deepcopy(o)
        try:
            mutate(m)
        except (KeyError, IndexError, TypeError):
            continue
        seen.add(key)
        mutants.append({"source": f"mutant {name} of {entry['source']}", "object": m, "expected": expected})
kinds = {o["object"]["kind"] for o in objects}
for name, k, _, _ in mutations:
    if kinds & k and not any(n == name for n, _ in seen):
        sys.exit(f"kubernetes_schema_test: FAIL: mutation {name} applies to no object: update the test")
json.dump(mutants, open(mutants_out, "w"))
print(f"{len(objects)} objects, {len(mutants)} mutants")

# Every container of every pod template under deploy/ (whatever the kustomization, e.g. a node
# DaemonSet): requests and a memory limit, readiness and liveness probes where it listens, and
# Pod Security's "restricted" container settings (check_kubernetes.py checks the sidecar
# Deployment in more depth).
def policy(entry):
    o, errs = entry["object"], []
    spec = o.get("spec", {})
    pod = (spec.get("jobTemplate", {}).get("spec", spec)).get("template", {}).get("spec")
    if pod is None:
        return errs
    psc = pod.get("securityContext", {})
    for c in pod.get("initContainers", []) + pod.get("containers", []):
        w = f"{entry['source']}: {o['kind']}/{o['metadata'].get('name')} container {c.get('name')}"
        r = c.get("resources", {})
        if not (r.get("requests", {}).get("cpu") and r.get("requests", {}).get("memory") and r.get("limits", {}).get("memory")):
            errs.append(f"{w}: needs cpu and memory requests and a memory limit")
        if c.get("ports") and not (c.get("readinessProbe") and c.get("livenessProbe")):
            errs.append(f"{w}: listens but has no readiness and liveness probes")
        sc = c.get("securityContext", {})
        if not sc.get("runAsNonRoot", psc.get("runAsNonRoot")) or sc.get("runAsUser", psc.get("runAsUser", 1)) == 0:
            errs.append(f"{w}: restricted: runAsNonRoot")
        if sc.get("allowPrivilegeEscalation") is not False:
            errs.append(f"{w}: restricted: allowPrivilegeEscalation must be false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []) or set(sc.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            errs.append(f"{w}: restricted: capabilities must drop ALL (add at most NET_BIND_SERVICE)")
        if sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type") not in ("RuntimeDefault", "Localhost"):
            errs.append(f"{w}: restricted: seccompProfile RuntimeDefault or Localhost")
        if sc.get("privileged"):
            errs.append(f"{w}: restricted: privileged")
        if sc.get("readOnlyRootFilesystem") is not True:
            errs.append(f"{w}: readOnlyRootFilesystem must be true")
    return errs
errs = [e for entry in objects for e in policy(entry)]
if errs:
    sys.exit("kubernetes_schema_test: FAIL:\n  " + "\n  ".join(errs))
workloads_seen = [e for e in objects if policy(e) == [] and e["object"].get("spec", {}).get("template")]
for name, mutate in (("no-resources", lambda c: c.pop("resources")),
                     ("privilege-escalation", lambda c: c["securityContext"].update(allowPrivilegeEscalation=True)),
                     ("no-probes", lambda c: (c.pop("readinessProbe", None), c.pop("livenessProbe", None))),
                     ("writable-root", lambda c: c["securityContext"].pop("readOnlyRootFilesystem"))):
    for entry in workloads_seen:
        m = copy.deepcopy(entry)
        c = next(c for c in m["object"]["spec"]["template"]["spec"]["containers"] if c.get("ports"))
        mutate(c)
        if not policy(m):
            sys.exit(f"kubernetes_schema_test: FAIL: the policy check accepted the {name} mutant of {entry['source']}")
print(f"policy: every container of {len(workloads_seen)} workloads; 4 mutants of each rejected")
PY

echo "+ every object against the schemas"
node "${here}/check_kubernetes_schemas.mjs" "${modules}" "${tmp}/objects.json" || fail "objects under deploy/ do not match Kubernetes' schemas"

echo "+ every mutant must fail"
node "${here}/check_kubernetes_schemas.mjs" "${modules}" "${tmp}/mutants.json" >"${tmp}/mutants.out" || true
python3 - "${tmp}/mutants.json" "${tmp}/mutants.out" <<'PY'
import json, sys
mutants = json.load(open(sys.argv[1]))
blocks = open(sys.argv[2]).read().split("\n")
out = "\n".join(blocks)
bad = 0
for m in mutants:
    head = f"FAIL {m['source']}: {m['object']['kind']}/{m['object']['metadata'].get('name')}"
    i = out.find(head + "\n")
    if i < 0:
        print(f"kubernetes_schema_test: FAIL: accepted: {m['source']}"); bad += 1; continue
    detail = out[i + len(head):].split("\nok ", 1)[0].split("\nFAIL ", 1)[0]
    if m["expected"] not in detail:
        print(f"kubernetes_schema_test: FAIL: {m['source']} failed without '{m['expected']}':{detail}"); bad += 1; continue
    print(f"  rejected: {m['source']} ({detail.strip().splitlines()[0]})")
sys.exit(1 if bad else 0)
PY
echo "kubernetes_schema_test: passed"
