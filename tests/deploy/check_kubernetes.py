#!/usr/bin/env python3
"""Checks deploy/kubernetes/ without a cluster: structure, security, and that the pieces agree.

    python3 tests/deploy/check_kubernetes.py

- kustomization.yaml lists every manifest; every object has apiVersion, kind, name and the
  part-of label; `kubectl kustomize` builds them when kubectl is installed (optional).
- The Deployment meets Pod Security's "restricted" profile (runAsNonRoot, no privilege
  escalation, all capabilities dropped, RuntimeDefault seccomp, allowed volume types only) and
  more: read-only root file systems, numeric non-root users, requests and limits everywhere,
  pinned images.
- The exporter container: the Dockerfile's user and port, probes on /-/healthy and /-/ready,
  the log volume mounted read-only where its configuration reads, the positions file's directory
  writable, its --config.file provided by the ConfigMap; nginx writes its log into the same volume
  and listens on the port the Service targets.
- Service -> pods, ServiceMonitor -> Service port, and job="accesslog" as the thresholds file
  watches.
- The generated files hold exactly their sources: each PrometheusRule's spec loads to its rules
  file, each ConfigMap's data to its deploy/common file (deploy/sync.py --check checks the text).
"""

import pathlib
import re
import shutil
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "kubernetes"
errors = []
checks = 0


def check(cond, message):
    global checks
    checks += 1
    if not cond:
        errors.append(message)
    return cond


def load(path):
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def dockerfile_facts():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    final = text.split("\nFROM ")[-1]
    user = re.search(r"^USER\s+(\d+)(?::(\d+))?", final, re.M)
    port = re.search(r"^EXPOSE\s+(\d+)", final, re.M)
    return int(user.group(1)), int(port.group(1))


def main():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    manifests = sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
    check(sorted(kustomization["resources"]) == manifests,
          f"kustomization.yaml resources {sorted(kustomization['resources'])} != files {manifests}")

    objects = {}
    for name in manifests:
        for doc in load(K8S / name):
            for key in ("apiVersion", "kind", "metadata"):
                check(key in doc, f"{name}: an object without {key}")
            meta = doc.get("metadata", {})
            check("name" in meta, f"{name}: {doc.get('kind')} without a name")
            check(meta.get("labels", {}).get("app.kubernetes.io/part-of") == "accesslog-exporter",
                  f"{name}: {doc.get('kind')}/{meta.get('name')} lacks app.kubernetes.io/part-of: accesslog-exporter")
            objects.setdefault(doc["kind"], []).append(doc)

    uid, port = dockerfile_facts()
    (deployment,) = objects["Deployment"]
    pod = deployment["spec"]["template"]
    spec = pod["spec"]
    check(deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items(),
          "Deployment: selector does not match the pod labels")
    psc = spec.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, "pod: securityContext.runAsNonRoot is not true")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "pod: seccompProfile is not RuntimeDefault")
    check(spec.get("automountServiceAccountToken") is False, "pod: automountServiceAccountToken is not false (nothing here talks to the API)")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        check(not spec.get(key), f"pod: {key}")
    volumes = {v["name"]: v for v in spec["volumes"]}
    allowed = {"configMap", "emptyDir", "secret", "projected", "downwardAPI", "persistentVolumeClaim", "ephemeral", "csi"}
    for v in volumes.values():
        kinds = set(v) - {"name"}
        check(kinds <= allowed, f"volume {v['name']}: type {kinds} not allowed by the restricted profile")
        if "emptyDir" in v:
            check("sizeLimit" in (v["emptyDir"] or {}), f"volume {v['name']}: emptyDir without sizeLimit")

    containers = {c["name"]: c for c in spec["containers"]}
    for c in containers.values():
        sc = c.get("securityContext", {})
        n = c["name"]
        check(sc.get("allowPrivilegeEscalation") is False, f"{n}: allowPrivilegeEscalation is not false")
        check(sc.get("readOnlyRootFilesystem") is True, f"{n}: readOnlyRootFilesystem is not true")
        check(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{n}: capabilities.drop is not [ALL]")
        check(not sc.get("capabilities", {}).get("add"), f"{n}: adds capabilities")
        check(not sc.get("privileged"), f"{n}: privileged")
        check(isinstance(sc.get("runAsUser"), int) and sc["runAsUser"] > 0, f"{n}: runAsUser is not a non-root number")
        image = c["image"]
        check(":" in image and not image.endswith(":latest"), f"{n}: image {image} is not pinned to a tag")
        res = c.get("resources", {})
        for what in ("cpu", "memory"):
            check(what in res.get("requests", {}), f"{n}: no {what} request")
        check("memory" in res.get("limits", {}), f"{n}: no memory limit")
        for m in c.get("volumeMounts", []):
            check(m["name"] in volumes, f"{n}: mounts unknown volume {m['name']}")

    exporter = containers["accesslog-exporter"]
    nginx = containers["nginx"]
    check(exporter["image"].split(":")[0].endswith("accesslog_exporter"), "exporter: image is not accesslog_exporter")
    check(exporter["securityContext"]["runAsUser"] == uid, f"exporter: runAsUser {exporter['securityContext']['runAsUser']} != Dockerfile USER {uid}")
    ports = {p["name"]: p["containerPort"] for c in containers.values() for p in c.get("ports", [])}
    check(ports.get("metrics") == port, f"exporter: metrics port {ports.get('metrics')} != Dockerfile EXPOSE {port}")
    for probe, path in (("livenessProbe", "/-/healthy"), ("readinessProbe", "/-/ready")):
        get = exporter.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and get.get("port") in ("metrics", port),
              f"exporter: {probe} is not httpGet {path} on the metrics port")
    mounts = {m["mountPath"]: m for m in exporter["volumeMounts"]}

    # The exporter's configuration, from its ConfigMap.
    args = exporter.get("args", [])
    config_arg = [a for a in args if a.startswith("--config.file=")]
    check(len(config_arg) == 1, "exporter: no --config.file argument")
    config_path = pathlib.PurePosixPath(config_arg[0].split("=", 1)[1])
    cm_mount = mounts.get(str(config_path.parent))
    maps = {m["metadata"]["name"]: m for m in objects["ConfigMap"]}
    exporter_config = None
    if check(cm_mount is not None, f"exporter: nothing mounted at {config_path.parent}"):
        vol = volumes[cm_mount["name"]]["configMap"]
        item = next((i for i in vol.get("items", []) if i["path"] == config_path.name), None)
        if check(item is not None and vol["name"] in maps, f"exporter: {config_path} is not an item of a ConfigMap"):
            exporter_config = yaml.safe_load(maps[vol["name"]]["data"][item["key"]])

    # Where nginx logs, where the exporter reads, and that they are the same volume.
    nginx_conf = maps["web-nginx"]["data"]["nginx.conf"]
    access_log = re.search(r"^\s*access_log\s+(/\S+)\s", nginx_conf, re.M).group(1)
    listen = int(re.search(r"^\s*listen\s+(\d+);", nginx_conf, re.M).group(1))
    check(ports.get("http") == listen, f"nginx: containerPort http {ports.get('http')} != nginx.conf listen {listen}")
    nginx_mounts = {m["mountPath"]: m for m in nginx["volumeMounts"]}
    log_dir = str(pathlib.PurePosixPath(access_log).parent)
    nm = nginx_mounts.get(log_dir)
    if check(nm is not None and not nm.get("readOnly"), f"nginx: {log_dir} (access_log {access_log}) is not a writable mount"):
        em = mounts.get(log_dir)
        check(em is not None and em["name"] == nm["name"] and em.get("readOnly") is True,
              f"exporter: the log volume {nm['name']} is not mounted read-only at {log_dir}")
    check("/tmp" in nginx_mounts, "nginx: no writable /tmp with a read-only root (pid file, temp paths)")
    if exporter_config:
        for source in exporter_config["sources"]:
            files = source["files"] if isinstance(source["files"], list) else [source["files"]]
            for f in files:
                check(str(pathlib.PurePosixPath(f).parent) == log_dir,
                      f"exporter config: source {source['name']} reads {f}, outside the shared log volume {log_dir}")
        check(access_log in [f for s in exporter_config["sources"] for f in
                             (s["files"] if isinstance(s["files"], list) else [s["files"]])],
              f"exporter config: does not read nginx's access_log {access_log}")
        positions = exporter_config.get("tail", {}).get("positions_file")
        if positions:
            d = str(pathlib.PurePosixPath(positions).parent)
            check(d in mounts and not mounts[d].get("readOnly"), f"exporter: positions file directory {d} is not a writable mount")

    # Service and ServiceMonitor.
    (service,) = objects["Service"]
    check(service["spec"]["selector"].items() <= pod["metadata"]["labels"].items(), "Service: selector does not match the pods")
    sports = {p["name"]: p for p in service["spec"]["ports"]}
    for p in sports.values():
        check(p["targetPort"] in ports, f"Service port {p['name']}: targetPort {p['targetPort']} is no container port")
    (monitor,) = objects["ServiceMonitor"]
    check(monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items(),
          "ServiceMonitor: selector does not match the Service")
    thresholds = (ROOT / "rules" / "accesslog-thresholds.rules.yml").read_text(encoding="utf-8")
    watched = set()
    for group in yaml.safe_load(thresholds)["groups"]:
        for rule in group["rules"]:
            if rule.get("record") == "accesslog:scrape_job:info":
                watched.add(rule["labels"]["job"])
    for ep in monitor["spec"]["endpoints"]:
        check(ep["port"] in sports and sports[ep["port"]]["targetPort"] == "metrics",
              f"ServiceMonitor: endpoint port {ep['port']} is not the Service's metrics port")
        jobs = [r.get("replacement") for r in ep.get("relabelings", []) if r.get("targetLabel") == "job"]
        check(jobs and jobs[-1] in watched,
              f"ServiceMonitor: job {jobs[-1] if jobs else '(the Service name)'} is not one the thresholds file watches {sorted(watched)}")

    # Generated content equals its sources.
    rules = sorted((ROOT / "rules").glob("*.yml"))
    specs = {r["metadata"]["annotations"]["accesslog-exporter/source"]: r["spec"] for r in objects["PrometheusRule"]}
    check(sorted(specs) == [str(p.relative_to(ROOT)) for p in rules],
          f"PrometheusRules cover {sorted(specs)}, rules/ holds {[p.name for p in rules]}")
    for p in rules:
        rel = str(p.relative_to(ROOT))
        if rel in specs:
            check(specs[rel] == yaml.safe_load(p.read_text(encoding="utf-8")), f"PrometheusRule for {rel}: spec differs from the file")
    common = ROOT / "deploy" / "common"
    check(maps["web-nginx"]["data"]["nginx.conf"] == (common / "nginx.conf").read_text(encoding="utf-8"),
          "ConfigMap web-nginx differs from deploy/common/nginx.conf")
    check(maps["accesslog-exporter"]["data"]["accesslog_exporter.yml"] == (common / "accesslog_exporter.yml").read_text(encoding="utf-8"),
          "ConfigMap accesslog-exporter differs from deploy/common/accesslog_exporter.yml")

    # Namespace: Pod Security "restricted" enforced.
    (ns,) = objects["Namespace"]
    check(ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") == "restricted",
          "Namespace: pod-security.kubernetes.io/enforce is not restricted")
    check(kustomization.get("namespace") == ns["metadata"]["name"], "kustomization namespace != the Namespace object")

    kubectl = shutil.which("kubectl")
    if kubectl:
        r = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120)
        if check(r.returncode == 0, f"kubectl kustomize failed: {r.stderr.strip()[:500]}"):
            built = [d for d in yaml.safe_load_all(r.stdout) if d]
            count = sum(len(v) for v in objects.values())
            check(len(built) == count, f"kubectl kustomize built {len(built)} objects, the files hold {count}")
            check(all(d["metadata"].get("namespace") == ns["metadata"]["name"] for d in built if d["kind"] != "Namespace"),
                  "kubectl kustomize: an object outside the namespace")
        print("check_kubernetes: kubectl kustomize builds the manifests")
    else:
        print("check_kubernetes: kubectl not installed: `kubectl kustomize` not tried")

    for e in errors:
        print(f"  FAIL {e}")
    print(f"check_kubernetes: {checks - len(errors)} of {checks} checks passed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
