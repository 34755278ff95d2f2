#!/usr/bin/env python3
"""Checks deploy/kubernetes/node/ (the node mode DaemonSet) without a cluster.

    python3 tests/deploy/check_kubernetes_node.py [EXPORTER_BINARY]

- kustomization.yaml lists every manifest and generates the ConfigMap from config.yaml; every
  object has apiVersion, kind, name and the part-of label.
- The DaemonSet's pod: non-root numeric user (the Dockerfile's), read-only root file system,
  no privilege escalation, every capability dropped, RuntimeDefault seccomp (the sidecar's
  security context), group 0 as a supplemental group (the runtimes' 0640 root:root log files),
  /var/log/pods mounted read-only from a hostPath, the positions file's directory writable,
  requests and limits, probes on /-/healthy and /-/ready, tolerations for every node.
- The PodMonitor selects the DaemonSet's pods on its metrics port with honorLabels and
  job="accesslog"; the namespace allows hostPath (Pod Security "privileged").
- NODE_NAME comes from the downward API (spec.nodeName): static pods' workload label.
- With the exporter binary: config.yaml passes --config.check, and it uses wrapper, path_labels
  kubernetes-workload and labels.expire_after.
"""

import pathlib
import re
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
NODE = ROOT / "deploy" / "kubernetes" / "node"
errors = []


def check(cond, message):
    if not cond:
        errors.append(message)
    return cond


def load(name):
    return [d for d in yaml.safe_load_all((NODE / name).read_text(encoding="utf-8")) if d]


def main():
    kustomization = yaml.safe_load((NODE / "kustomization.yaml").read_text(encoding="utf-8"))
    manifests = sorted(p.name for p in NODE.glob("*.yaml")
                       if p.name not in ("kustomization.yaml", "config.yaml"))
    check(sorted(kustomization["resources"]) == manifests,
          f"kustomization resources {kustomization['resources']} != {manifests}")
    gen = kustomization["configMapGenerator"][0]
    check(gen["name"] == "accesslog-exporter-node" and gen["files"] == ["config.yaml"],
          "the ConfigMap is generated from config.yaml")
    objects = {}
    for name in manifests:
        for doc in load(name):
            check(doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"),
                  f"{name}: apiVersion, kind, metadata.name")
            check(doc["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") ==
                  "accesslog-exporter", f"{name}: part-of label")
            objects[doc["kind"]] = doc

    ns = objects["Namespace"]
    check(ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") == "privileged",
          "namespace: hostPath needs the privileged Pod Security level")
    check(kustomization["namespace"] == ns["metadata"]["name"], "kustomization namespace")

    ds = objects["DaemonSet"]
    pod = ds["spec"]["template"]["spec"]
    labels = ds["spec"]["template"]["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in ds["spec"]["selector"]["matchLabels"].items()),
          "DaemonSet selector matches its pods")
    sc = pod["securityContext"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("\nFROM ")[-1]
    user = int(re.search(r"^USER\s+(\d+)", dockerfile, re.M).group(1))
    check(sc.get("runAsNonRoot") is True and sc.get("runAsUser") == user,
          f"pod runs as the image's non-root user {user}")
    check(sc.get("supplementalGroups") == [0], "group 0 to read the 0640 root:root log files")
    check(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", "RuntimeDefault seccomp")
    check(pod.get("automountServiceAccountToken") is False, "no service account token")
    check(any(t.get("operator") == "Exists" for t in pod.get("tolerations", [])),
          "tolerates every taint: one exporter on every node")
    (c,) = pod["containers"]
    csc = c["securityContext"]
    check(csc.get("readOnlyRootFilesystem") is True, "read-only root file system")
    check(csc.get("allowPrivilegeEscalation") is False, "no privilege escalation")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"] and
          not csc.get("capabilities", {}).get("add"), "every capability dropped, none added")
    check(not csc.get("privileged"), "not privileged")
    for kind in ("requests", "limits"):
        check(c["resources"].get(kind, {}).get("memory"), f"memory {kind}")
    check(c["resources"]["requests"].get("cpu"), "cpu request")
    check(c["livenessProbe"]["httpGet"]["path"] == "/-/healthy", "liveness on /-/healthy")
    check(c["readinessProbe"]["httpGet"]["path"] == "/-/ready", "readiness on /-/ready")
    check(c["ports"][0]["containerPort"] == 9958 and c["ports"][0]["name"] == "metrics",
          "metrics port 9958")
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    logs = mounts["pod-logs"]
    check(logs["mountPath"] == "/var/log/pods" and logs.get("readOnly") is True,
          "/var/log/pods mounted read-only")
    check(volumes["pod-logs"]["hostPath"]["path"] == "/var/log/pods", "hostPath /var/log/pods")
    check(not mounts["exporter-state"].get("readOnly"), "positions directory writable")
    check(volumes["exporter-config"]["configMap"]["name"] == gen["name"], "config volume")

    config = yaml.safe_load((NODE / "config.yaml").read_text(encoding="utf-8"))
    src = config["sources"][0]
    check(src.get("wrapper") in ("cri", "docker", "auto"), "a container wrapper")
    check(src.get("path_labels") == "kubernetes-workload",
          "path_labels: kubernetes-workload (a rollout adds no series)")
    env = {e["name"]: e for e in c.get("env", [])}
    check(env.get("NODE_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") ==
          "spec.nodeName", "NODE_NAME from the downward API (spec.nodeName): static pods' workload")
    check(all(f.startswith(logs["mountPath"] + "/") for f in
              ([src["files"]] if isinstance(src["files"], str) else src["files"])),
          "files under the mounted /var/log/pods")
    check(config.get("labels", {}).get("expire_after"), "labels.expire_after is set")
    positions = config["tail"]["positions_file"]
    check(positions.startswith(mounts["exporter-state"]["mountPath"] + "/"),
          "positions file in the writable state volume")
    check("--config.file=" + mounts["exporter-config"]["mountPath"] + "/config.yaml" in c["args"],
          "--config.file points at the mounted config.yaml")

    pm = objects["PodMonitor"]
    ep = pm["spec"]["podMetricsEndpoints"][0]
    check(pm["spec"]["selector"]["matchLabels"].items() <= labels.items(),
          "PodMonitor selects the DaemonSet's pods")
    check(ep["port"] == "metrics" and ep.get("honorLabels") is True,
          "PodMonitor: metrics port, honorLabels (namespace/pod/container of the counted pods)")
    check(any(r.get("targetLabel") == "job" and r.get("replacement") == "accesslog"
              for r in ep.get("relabelings", [])), 'job="accesslog"')

    import shutil
    if shutil.which("kubectl"):
        r = subprocess.run(["kubectl", "kustomize", str(NODE)], capture_output=True, text=True,
                           timeout=120)
        check(r.returncode == 0 and "kind: DaemonSet" in r.stdout,
              f"kubectl kustomize deploy/kubernetes/node: {r.stderr}")

    if len(sys.argv) > 1:
        r = subprocess.run([sys.argv[1], "--config.check", "--config.file=" + str(NODE / "config.yaml")],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"config.yaml --config.check: {r.stdout}{r.stderr}")

    for e in errors:
        print("FAIL:", e)
    print(f"deploy/kubernetes/node: {'ok' if not errors else f'{len(errors)} problem(s)'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
