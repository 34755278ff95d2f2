#!/usr/bin/env bash
# Checks deploy/systemd/ without a running systemd (there is none in the test containers):
#
#   bash tests/deploy/systemd_test.sh PATH/TO/accesslog_exporter
#
# 1. `systemd-analyze verify` on the unit, in a root folder holding the binary and systemd's own
#    units (so ExecStart and the targets resolve);
# 2. `systemd-analyze security --offline=true`: exposure must stay at or below 2.0 ("OK");
# 3. the directives the least-privilege design rests on are there, and the positions file that
#    ExecStart passes is inside StateDirectory= (the only writable place under ProtectSystem=strict);
# 4. the ExecStart command line, with the shipped config.yaml, passes --config.check;
# 5. group adm is enough, and needed: with setpriv, as an unprivileged uid with no capabilities,
#    the exporter reads a root:adm 0640 log (as Debian's nginx writes them) when adm is among its
#    groups, and fails to when it is not;
# 6. the sysusers.d file creates that user in group adm.
# Exit 0 passed, 1 failed.
set -euo pipefail

exporter="${1:?usage: $0 PATH/TO/accesslog_exporter}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
unit="${root}/deploy/systemd/accesslog_exporter.service"
fail() { printf "systemd_test: FAIL: %b\n" "$*" >&2; exit 1; }
step() { echo "+ $*"; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (Debian package systemd)"

tmp="$(mktemp -d -t accesslog-systemd.XXXXXX)"
trap 'rm -rf "${tmp}"' EXIT
chmod 0755 "${tmp}"

step "systemd-analyze verify"
sysroot="${tmp}/root"
mkdir -p "${sysroot}/usr/local/bin" "${sysroot}/bin" "${sysroot}/etc/systemd/system" "${sysroot}/usr/lib/systemd"
cp "${exporter}" "${sysroot}/usr/local/bin/accesslog_exporter"
cp "$(command -v kill)" "${sysroot}/bin/kill" 2>/dev/null || cp /bin/kill "${sysroot}/bin/kill"
cp -a /usr/lib/systemd/system "${sysroot}/usr/lib/systemd/"
cp "${unit}" "${sysroot}/etc/systemd/system/"
out="$(timeout 60 systemd-analyze verify --root="${sysroot}" "${sysroot}/etc/systemd/system/accesslog_exporter.service" 2>&1)" \
  || fail "systemd-analyze verify:\n${out}"
[ -z "${out}" ] || fail "systemd-analyze verify printed warnings:\n${out}"

step "systemd-analyze security --offline=true"
security="$(timeout 60 systemd-analyze security --offline=true --root="${sysroot}" \
  "${sysroot}/etc/systemd/system/accesslog_exporter.service" 2>&1 || true)"
exposure="$(printf '%s\n' "${security}" | sed -n 's/.*Overall exposure level for accesslog_exporter.service: \([0-9.]*\).*/\1/p')"
[ -n "${exposure}" ] || fail "no exposure level in:\n${security}"
echo "  exposure ${exposure} (0 = fully locked down, 10 = unprotected)"
python3 -c "import sys; sys.exit(0 if float('${exposure}') <= 2.0 else 1)" || fail "exposure ${exposure} > 2.0"

step "least-privilege directives, positions file in the state directory"
python3 - "${unit}" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
joined = re.sub(r"\\\n\s*", " ", text)
settings = {}
for line in joined.splitlines():
    m = re.match(r"^(\w+)=(.*)$", line.strip())
    if m:
        settings.setdefault(m.group(1), []).append(m.group(2).strip())
def one(key):
    return settings.get(key, [None])[-1]
want = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes", "RestrictSUIDSGID": "yes", "SupplementaryGroups": "adm",
    "CapabilityBoundingSet": "", "AmbientCapabilities": "", "MemoryDenyWriteExecute": "yes",
    "StateDirectory": "accesslog_exporter", "User": "accesslog_exporter",
}
failures = [f"{k}={one(k)!r}, expected {v!r}" for k, v in want.items() if one(k) != v]
if "/var/log" not in (one("ReadOnlyPaths") or ""):
    failures.append("ReadOnlyPaths does not cover /var/log")
start = one("ExecStart") or ""
m = re.search(r"--positions\.file=(\S+)", start)
if not m or not m.group(1).startswith("/var/lib/" + (one("StateDirectory") or "?") + "/"):
    failures.append(f"--positions.file in ExecStart is not under /var/lib/{one('StateDirectory')}/")
if any(k in settings for k in ("PrivateUsers", "ProcSubset")):
    failures.append("PrivateUsers/ProcSubset set: they hide group adm's logs or /proc/stat")
for f in failures:
    print("  FAIL", f)
sys.exit(1 if failures else 0)
EOF

step "ExecStart, with the shipped config.yaml, passes --config.check"
exec_start="$(python3 - "${unit}" <<'EOF'
import re, sys
text = re.sub(r"\\\n\s*", " ", open(sys.argv[1]).read())
print(re.search(r"^ExecStart=(.*)$", text, re.M).group(1))
EOF
)"
read -r -a argv <<<"${exec_start//\$ARGS/}"
[ "${argv[0]}" = /usr/local/bin/accesslog_exporter ] || fail "ExecStart runs ${argv[0]}"
argv[0]="${exporter}"
mkdir -p "${tmp}/state"
for i in "${!argv[@]}"; do
  argv[i]="${argv[$i]/\/etc\/accesslog_exporter\/config.yaml/${root}/deploy/systemd/config.yaml}"
  argv[i]="${argv[$i]/\/var\/lib\/accesslog_exporter/${tmp}/state}"
done
timeout 30 "${argv[@]}" --config.check

step "group adm reads root:adm 0640 logs; without it, the log is unreadable"
command -v setpriv >/dev/null || fail "setpriv not found (Debian package util-linux)"
adm_gid="$(getent group adm | cut -d: -f3)"
[ -n "${adm_gid}" ] || fail "no group adm on this machine"
if [ "$(id -u)" -ne 0 ]; then
  echo "  SKIP: needs root to create a root:adm file and switch users"
else
  mkdir -p "${tmp}/log"
  printf '10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "GET /api/kittens HTTP/1.1" 200 12 "-" "curl/7.88.1"\n' >"${tmp}/log/access.log"
  chown root:adm "${tmp}/log/access.log"
  chmod 0640 "${tmp}/log/access.log"
  chmod 0755 "${tmp}/log"
  cp "${exporter}" "${tmp}/accesslog_exporter"
  chmod 0755 "${tmp}/accesslog_exporter"
  as_user=(setpriv --reuid=64999 --regid=64999 --inh-caps=-all --bounding-set=-all --no-new-privs)
  out="$(timeout 30 "${as_user[@]}" --groups="${adm_gid}" -- "${tmp}/accesslog_exporter" --oneshot \
    --log.file="${tmp}/log/access.log" 2>&1)" || fail "as a member of adm: ${out}"
  grep -q 'accesslog_lines_total{log="[^"]*",result="parsed"} 1' <<<"${out}" || fail "as a member of adm, the line was not counted"
  if out="$(timeout 30 "${as_user[@]}" --clear-groups -- "${tmp}/accesslog_exporter" --oneshot \
      --log.file="${tmp}/log/access.log" 2>&1)"; then
    fail "without group adm, the exporter read a root:adm 0640 log"
  fi
  echo "  with adm: read and counted; without: refused (${out##*msg=})"
fi

step "sysusers.d: user accesslog_exporter, member of adm"
grep -qE '^u[[:space:]]+accesslog_exporter[[:space:]]' "${root}/deploy/systemd/accesslog_exporter.sysusers" || fail "sysusers: no user accesslog_exporter"
grep -qE '^m[[:space:]]+accesslog_exporter[[:space:]]+adm$' "${root}/deploy/systemd/accesslog_exporter.sysusers" || fail "sysusers: accesslog_exporter not in adm"
if command -v systemd-sysusers >/dev/null; then
  mkdir -p "${tmp}/sysroot/etc"
  : >"${tmp}/sysroot/etc/passwd"; : >"${tmp}/sysroot/etc/group"; : >"${tmp}/sysroot/etc/shadow"; : >"${tmp}/sysroot/etc/gshadow"
  printf 'adm:x:4:\n' >"${tmp}/sysroot/etc/group"
  timeout 30 systemd-sysusers --root="${tmp}/sysroot" "${root}/deploy/systemd/accesslog_exporter.sysusers" >/dev/null 2>&1 \
    || fail "systemd-sysusers rejected the file"
  grep -q '^accesslog_exporter:' "${tmp}/sysroot/etc/passwd" || fail "systemd-sysusers created no user"
  grep -qE '^adm:x:4:(.*,)?accesslog_exporter(,.*)?$' "${tmp}/sysroot/etc/group" || fail "systemd-sysusers did not add the user to adm"
  echo "  systemd-sysusers --root: $(grep '^accesslog_exporter:' "${tmp}/sysroot/etc/passwd" | cut -d: -f1,3,4,6,7)"
fi

echo "systemd_test: passed"
