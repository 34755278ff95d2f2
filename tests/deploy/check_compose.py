#!/usr/bin/env python3
"""Checks the demo stack in deploy/compose/ without Docker.

    python3 tests/deploy/check_compose.py

- docker-compose.yml: the six services, pinned images, every bind-mounted file or folder exists,
  named volumes declared, ports published on 127.0.0.1 only, the exporter read-only, without
  capabilities and built from the repository's Dockerfile, nginx and the exporter sharing the log
  volume where nginx.conf writes and the exporter's configuration reads.
- prometheus.yml: `promtool check config` in a folder laid out as in the container (the rules
  mounted beside it), so the rule files are found and checked too; its scrape targets are
  services of the stack on the ports they listen on; the job is the one the thresholds watch.
- alertmanager.yml: `amtool check-config`, and `amtool config routes test` sends critical alerts
  to "page", warnings to "ticket".
- Grafana: the provisioning files under dashboards/provisioning point at the stack's Prometheus
  and at the folder where the compose file mounts dashboards/.
- traffic.sh: `sh -n`.
"""

import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
errors = []
checks = 0
LIMIT = 60  # seconds per external tool


def check(cond, message):
    global checks
    checks += 1
    if not cond:
        errors.append(message)
    return cond


def tool(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=LIMIT, **kw)


def parse_mount(spec):
    parts = spec.split(":")
    source, target = parts[0], parts[1]
    mode = parts[2] if len(parts) > 2 else "rw"
    return source, target, mode


def main():
    compose = yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    check(set(services) == {"nginx", "exporter", "traffic", "prometheus", "alertmanager", "grafana"},
          f"services are {sorted(services)}")
    declared = set((compose.get("volumes") or {}).keys())
    used = set()
    mounts = {}  # service -> {target: (source, mode, host path or None)}
    for name, svc in services.items():
        image = svc.get("image", "")
        if "build" not in svc:
            check(":" in image and not image.endswith(":latest"), f"{name}: image {image!r} is not pinned to a tag")
        for port in svc.get("ports", []):
            check(str(port).startswith("127.0.0.1:"), f"{name}: port {port} is published on every address")
        mounts[name] = {}
        for spec in svc.get("volumes", []):
            source, target, mode = parse_mount(spec)
            host = None
            if source.startswith((".", "/")):
                host = (COMPOSE_DIR / source).resolve()
                check(host.exists(), f"{name}: bind mount source {source} does not exist ({host})")
            else:
                used.add(source)
                check(source in declared, f"{name}: named volume {source} is not declared")
            mounts[name][target] = (source, mode, host)
    check(used == declared, f"volumes declared {sorted(declared)} but used {sorted(used)}")

    exporter = services["exporter"]
    build = exporter.get("build", {})
    context = (COMPOSE_DIR / build.get("context", ".")).resolve()
    check(context == ROOT and (context / build.get("dockerfile", "Dockerfile")).exists(),
          "exporter: not built from the repository's Dockerfile")
    check(exporter.get("read_only") is True, "exporter: read_only is not true")
    check(exporter.get("cap_drop") == ["ALL"], "exporter: cap_drop is not [ALL]")
    check("no-new-privileges:true" in exporter.get("security_opt", []), "exporter: no-new-privileges not set")
    config_arg = [a for a in exporter.get("command", []) if a.startswith("--config.file=")]
    exporter_config = None
    if check(len(config_arg) == 1, "exporter: no --config.file in command"):
        target = config_arg[0].split("=", 1)[1]
        m = mounts["exporter"].get(target)
        if check(m is not None and m[2] is not None, f"exporter: {target} is not a bind-mounted file"):
            exporter_config = yaml.safe_load(m[2].read_text(encoding="utf-8"))

    nginx_conf_mount = mounts["nginx"].get("/etc/nginx/nginx.conf")
    if check(nginx_conf_mount is not None, "nginx: nginx.conf not mounted"):
        conf = nginx_conf_mount[2].read_text(encoding="utf-8")
        access_log = re.search(r"^\s*access_log\s+(/\S+)\s", conf, re.M).group(1)
        log_dir = str(pathlib.PurePosixPath(access_log).parent)
        n = mounts["nginx"].get(log_dir)
        e = mounts["exporter"].get(log_dir)
        check(n is not None and n[1] == "rw", f"nginx: {log_dir} is not a writable volume")
        check(e is not None and n is not None and e[0] == n[0] and e[1] == "ro",
              f"exporter: does not mount nginx's log volume read-only at {log_dir}")
        check("/tmp" in services["nginx"].get("tmpfs", []), "nginx: no tmpfs /tmp (pid file and temp paths)")
        listen = re.search(r"^\s*listen\s+(\d+);", conf, re.M).group(1)
        check(any(str(p).endswith(f":{listen}") for p in services["nginx"].get("ports", [])),
              f"nginx: listen {listen} is not published")
        traffic_cmd = services["traffic"].get("command", [])
        check(any(f"http://nginx:{listen}" in c for c in traffic_cmd), f"traffic: not aimed at http://nginx:{listen}")
        if exporter_config:
            files = [f for s in exporter_config["sources"]
                     for f in (s["files"] if isinstance(s["files"], list) else [s["files"]])]
            check(access_log in files, f"exporter config: does not read nginx's access_log {access_log}")
            positions = exporter_config.get("tail", {}).get("positions_file")
            if positions:
                d = str(pathlib.PurePosixPath(positions).parent)
                m = mounts["exporter"].get(d)
                check(m is not None and m[1] == "rw" and m[2] is None,
                      f"exporter: positions directory {d} is not a writable named volume (read_only root)")

    # Prometheus: promtool in a folder laid out as in the container.
    prom = services["prometheus"]
    prom_mounts = mounts["prometheus"]
    cfg = prom_mounts["/etc/prometheus/prometheus.yml"][2]
    rules_dir = prom_mounts["/etc/prometheus/rules"][2]
    check(rules_dir == ROOT / "rules", "prometheus: /etc/prometheus/rules is not the repository's rules/")
    check(any(a == "--config.file=/etc/prometheus/prometheus.yml" for a in prom.get("command", [])),
          "prometheus: --config.file is not the mounted file")
    promtool = shutil.which("promtool")
    if check(promtool is not None, "promtool not found (Debian package prometheus)"):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(cfg, pathlib.Path(tmp) / "prometheus.yml")
            (pathlib.Path(tmp) / "rules").symlink_to(rules_dir)
            r = tool([promtool, "check", "config", str(pathlib.Path(tmp) / "prometheus.yml")])
            out = r.stdout + r.stderr
            n_rules = len(list(rules_dir.glob("*.rules.yml")))
            check(r.returncode == 0, f"promtool check config failed:\n{out}")
            check(f"SUCCESS: {n_rules} rule files found" in out,
                  f"promtool did not find the {n_rules} rules/*.rules.yml files:\n{out}")
            print(f"check_compose: promtool check config: {n_rules} rule files found and valid")
    prom_cfg = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    ports = {"exporter": "9958", "alertmanager": "9093", "localhost": "9090"}
    jobs = {}
    for sc in prom_cfg["scrape_configs"]:
        for st in sc.get("static_configs", []):
            for t in st["targets"]:
                host, port = t.rsplit(":", 1)
                jobs[sc["job_name"]] = t
                check(host in services or host == "localhost", f"prometheus job {sc['job_name']}: target host {host} is no service")
                check(ports.get(host) == port, f"prometheus job {sc['job_name']}: {t}, but {host} listens on {ports.get(host)}")
    check(jobs.get("accesslog") == "exporter:9958", "prometheus: job accesslog does not scrape exporter:9958")
    am_targets = [t for a in prom_cfg["alerting"]["alertmanagers"] for s in a["static_configs"] for t in s["targets"]]
    check(am_targets == ["alertmanager:9093"], f"prometheus: alertmanagers {am_targets}")

    # Alertmanager.
    am_cfg = mounts["alertmanager"]["/etc/alertmanager/alertmanager.yml"][2]
    amtool = shutil.which("amtool")
    if check(amtool is not None, "amtool not found (Debian package prometheus-alertmanager)"):
        r = tool([amtool, "check-config", str(am_cfg)])
        check(r.returncode == 0 and "SUCCESS" in r.stdout, f"amtool check-config failed:\n{r.stdout}{r.stderr}")
        for labels, receiver in ((["severity=critical", "alertname=AccesslogHigh5xxRatio"], "page"),
                                 (["severity=warning", "alertname=AccesslogHigh429Ratio"], "ticket"),
                                 (["alertname=Watchdog"], "default")):
            r = tool([amtool, "config", "routes", "test", f"--config.file={am_cfg}", *labels])
            check(r.returncode == 0 and r.stdout.strip() == receiver,
                  f"amtool routes test {labels}: {r.stdout.strip()!r}, expected {receiver!r} {r.stderr.strip()}")
        print("check_compose: amtool check-config and routes test passed")

    # Grafana: the provisioning files agree with the stack.
    graf = mounts["grafana"]
    dashboards_target = next((t for t, m in graf.items() if m[2] == ROOT / "dashboards"), None)
    check(dashboards_target is not None, "grafana: dashboards/ is not mounted")
    ds_dir = graf.get("/etc/grafana/provisioning/datasources", (None, None, None))[2]
    db_dir = graf.get("/etc/grafana/provisioning/dashboards", (None, None, None))[2]
    if check(ds_dir is not None and db_dir is not None, "grafana: provisioning folders not mounted"):
        urls = [d.get("url") for f in sorted(ds_dir.glob("*.y*ml"))
                for d in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("datasources", [])]
        check("http://prometheus:9090" in urls, f"grafana datasources {urls}: none is http://prometheus:9090")
        paths = [p.get("options", {}).get("path") for f in sorted(db_dir.glob("*.y*ml"))
                 for p in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("providers", [])]
        check(dashboards_target in paths, f"grafana dashboard providers read {paths}, dashboards/ is mounted at {dashboards_target}")
        check(any((ROOT / "dashboards").glob("*.json")), "dashboards/ holds no dashboard JSON")

    r = tool(["sh", "-n", str(ROOT / "deploy" / "common" / "traffic.sh")])
    check(r.returncode == 0, f"traffic.sh: sh -n: {r.stderr}")

    for e in errors:
        print(f"  FAIL {e}")
    print(f"check_compose: {checks - len(errors)} of {checks} checks passed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
