#!/usr/bin/env bash
# Checks and unit-tests the Prometheus rules in rules/ with promtool; no network, no server.
#
#   bash tests/rules/run_rules_tests.sh        (from any directory)
#
# 1. promtool check rules on every rules/*.yml;
# 2. promtool test rules on every tests/rules/*_test.yml;
# 3. every alert has a case where it fires and one where it must not, a section in
#    docs/runbooks.md that its runbook_url anchor points at, and an entry in docs/alerts.md;
# 4. no tabs or trailing blanks in the YAML.
# Exits non-zero on the first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
limit=120 # seconds per promtool call; the whole suite takes a few seconds

if ! command -v promtool >/dev/null 2>&1; then
  echo "run_rules_tests: promtool not found (Debian package 'prometheus'; scripts/install-deps.sh installs it)" >&2
  exit 1
fi
promtool --version 2>&1 | head -n 1

shopt -s nullglob
rule_files=("${root}"/rules/*.yml)
test_files=("${here}"/*_test.yml)
if [ ${#rule_files[@]} -eq 0 ] || [ ${#test_files[@]} -eq 0 ]; then
  echo "run_rules_tests: no rule files in ${root}/rules or no *_test.yml in ${here}" >&2
  exit 1
fi

echo "+ promtool check rules ${rule_files[*]#"${root}/"}"
timeout "${limit}" promtool check rules "${rule_files[@]}"

for t in "${test_files[@]}"; do
  echo "+ promtool test rules ${t#"${root}/"}"
  # promtool resolves rule_files relative to the test file's directory.
  (cd "${here}" && timeout "${limit}" promtool test rules "$(basename "${t}")")
done

echo "+ alert coverage: tests, runbook anchors, docs/alerts.md"
python3 - "${root}" <<'EOF'
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
alerts_text = (root / "rules" / "accesslog-alerts.rules.yml").read_text()
alerts = sorted(set(re.findall(r"^\s*- alert:\s*(\S+)", alerts_text, re.M)))
failures = []

# Test cases: "- alertname: X" followed by "exp_alerts: []" (must not fire) or a list (fires).
fires, quiet = set(), set()
for path in sorted((root / "tests" / "rules").glob("*_test.yml")):
    current = None
    for line in path.read_text().splitlines():
        m = re.match(r"\s*- alertname:\s*(\S+)", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"\s*exp_alerts:\s*(\S.*)?$", line)
        if m and current:
            (quiet if (m.group(1) or "").strip() == "[]" else fires).add(current)
            current = None

def slug(heading):  # GitHub's anchor for a heading
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")

runbooks = (root / "docs" / "runbooks.md").read_text()
anchors = {slug(h) for h in re.findall(r"^#{1,6}\s+(.+)$", runbooks, re.M)}
alerts_doc = (root / "docs" / "alerts.md").read_text()

for name in alerts:
    if name not in fires:
        failures.append(f"{name}: no test case where it fires")
    if name not in quiet:
        failures.append(f"{name}: no test case where it must not fire")
    if name not in alerts_doc:
        failures.append(f"{name}: not described in docs/alerts.md")
for anchor in sorted(set(re.findall(r"runbook_url:.*#([\w-]+)'", alerts_text))):
    if anchor not in anchors:
        failures.append(f"runbook_url anchor #{anchor}: no such section in docs/runbooks.md")
for name in sorted((fires | quiet) - set(alerts)):
    failures.append(f"tests name an alert that does not exist: {name}")

for f in failures:
    print("  FAIL", f)
print(f"  {len(alerts)} alerts, {len(fires)} with a firing case, {len(quiet)} with a quiet case")
sys.exit(1 if failures else 0)
EOF

echo "+ whitespace check"
if grep -nP '\t| +$' "${rule_files[@]}" "${test_files[@]}"; then
  echo "run_rules_tests: tabs or trailing blanks above" >&2
  exit 1
fi

echo "run_rules_tests: all passed"
