#!/usr/bin/env bash
# The dashboards against Grafana's own types, for the oldest and the newest Grafana release we
# support (docs/dashboards.md), and Grafana's import step:
#
#   bash tests/dashboards/grafana_schema_test.sh
#
# 1. tests/dashboards/check_grafana_schema.mjs: strict JSON Schemas generated at run time from
#    @grafana/schema (npm, installed into a cache folder by scripts/install-deps.sh) validate each
#    dashboard, each panel's options and fieldConfig.defaults.custom; unknown properties fail,
#    apart from a short commented allow-list of what Grafana's exports write and its types omit;
# 2. planted mistakes in copies of each dashboard must fail: a misspelt option, wrong enum values
#    in options and field config, a wrong type at the dashboard's top;
# 3. the import step (dashboard_checks.py static, on copies): an undeclared ${VAR}, an unused
#    __input, a duplicate panel id, overlapping panels and a panel outside the 24-column grid
#    must each fail with their own message.
# Exit 0 passed, 1 failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
fail() { printf "grafana_schema_test: FAIL: %b\n" "$*" >&2; exit 1; }
modules="$("${root}/scripts/install-npm-deps.sh" --print)/node_modules" || fail "the npm packages are not installed"
command -v node >/dev/null || fail "no node (scripts/install-deps.sh installs it)"
tmp="$(mktemp -d -t accesslog-grafana-schema.XXXXXX)"
trap 'rm -rf "${tmp}"' EXIT

# One run of check_grafana_schema.mjs checks the dashboards and the planted mistakes: generating
# the schemas from the types is most of its time, and it does that once a run.
echo "+ the dashboards against @grafana/schema (oldest and newest supported), and planted"
echo "  mistakes in copies of them, which must fail the schema check"
python3 - "${root}/dashboards" "${tmp}" <<'PY'
import copy, json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def panels(d):
    for p in d["panels"]:
        yield p
        yield from p.get("panels", [])
def first(d, *types):
    return next(p for p in panels(d) if p["type"] in types and p.get("options"))
def misspell_option(d):
    p = first(d, "stat", "timeseries", "table", "bargauge", "heatmap")
    key = sorted(p["options"])[0]
    p["options"][key + "x"] = p["options"].pop(key)
    return f"unknown property /{key}x"
def legend_enum(d):
    p = first(d, "timeseries")
    p["options"]["legend"]["displayMode"] = "lists"
    return "must be one of"
def draw_style(d):
    p = first(d, "timeseries")
    p["fieldConfig"]["defaults"]["custom"]["drawStyle"] = "curve"
    return "fieldConfig.defaults.custom: /drawStyle must be one of"
def graph_tooltip(d):
    d["graphTooltip"] = "shared"
    return "dashboard: /graphTooltip must be"
expected = {}
for f in sorted(src.glob("*.json")):
    for name, mutate in (("misspelt-option", misspell_option), ("legend-enum", legend_enum),
                         ("draw-style-enum", draw_style), ("graph-tooltip-type", graph_tooltip)):
        d = json.load(open(f))
        want = mutate(d)
        path = out / f"{f.stem}.{name}.json"
        json.dump(d, open(path, "w"), indent=2)
        expected[str(path)] = want
json.dump(expected, open(out / "expected.json", "w"))
PY
mapfile -t mutants < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))))' "${tmp}/expected.json")
# Exits 1 (the planted mistakes fail): the script below reads what it said of each file.
node "${here}/check_grafana_schema.mjs" "${modules}" "${root}"/dashboards/*.json "${mutants[@]}" \
  >"${tmp}/schema.out" || true
python3 - "${tmp}/expected.json" "${tmp}/schema.out" "${root}"/dashboards/*.json <<'PY'
import json, re, sys
expected = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read()
blocks = re.split(r"\n(?=ok |FAIL )", out)
bad = 0
def blocks_of(path):
    return [b for b in blocks if b.split(" against ")[0].split(" ", 1)[-1].strip() == path]
for path in sys.argv[3:]:  # the dashboards themselves: ok against both
    mine = blocks_of(path)
    if len(mine) != 2 or not all(b.startswith("ok ") for b in mine):
        print(f"grafana_schema_test: FAIL: the dashboards do not match Grafana's types:")
        print("\n".join(mine) if mine else f"{path}: no result\n{out[-2000:]}"); bad += 1
    else:
        print("\n".join(mine))
for path, want in expected.items():
    mine = blocks_of(path)
    if len(mine) != 2:
        print(f"grafana_schema_test: FAIL: {path}: {len(mine)} results, want 2 (oldest, newest)"); bad += 1; continue
    for b in mine:
        version = b.split(" against ")[1].splitlines()[0]
        if not b.startswith("FAIL ") or want not in b:
            print(f"grafana_schema_test: FAIL: {path} against {version}: want a failure saying {want!r}, got:\n{b}"); bad += 1
    if all(b.startswith("FAIL ") and want in b for b in mine):
        print(f"  rejected by both: {path.rsplit('/', 1)[-1]} ({want})")
sys.exit(1 if bad else 0)
PY

echo "+ Grafana's import step: planted mistakes must fail dashboard_checks.py static"
# import_mutant NAME PYTHON-STATEMENTS-ON-d EXPECTED-MESSAGE: on a copy of the repository's
# dashboards/ (and generate.py, whose up-to-date check then fails too: the message is what counts).
import_mutant() {
  local name="$1" code="$2" expected="$3" copy="${tmp}/import-$1" out
  mkdir -p "${copy}"
  cp -r "${root}/dashboards" "${copy}/dashboards"
  [ -d "${root}/rules" ] && cp -r "${root}/rules" "${copy}/rules"
  python3 - "${copy}/dashboards/accesslog-overview.json" "${code}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
panels = [p for p in d["panels"] if p["type"] != "row"]
exec(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
  if out="$(python3 "${here}/dashboard_checks.py" static "${copy}" 2>&1)"; then
    fail "dashboard_checks.py static accepted the ${name} mistake"
  fi
  grep -qF -- "${expected}" <<<"${out}" || fail "the ${name} mistake failed without '${expected}':\n${out}"
  echo "  rejected: ${name} (${expected})"
}
# shellcheck disable=SC2016 # $job, $jobs: Grafana variables in the planted query
import_mutant undeclared-variable 'panels[0]["targets"][0]["expr"] = panels[0]["targets"][0]["expr"].replace("$job", "$jobs", 1)' '$jobs is neither a variable nor an __inputs entry'
import_mutant unused-input 'd["__inputs"].append(dict(d["__inputs"][0], name="DS_OTHER"))' '__inputs DS_OTHER is never used'
import_mutant duplicate-id 'panels[1]["id"] = panels[0]["id"]' 'shared with another panel'
import_mutant overlap 'panels[1]["gridPos"] = dict(panels[0]["gridPos"])' 'overlaps panel'
import_mutant outside-grid 'panels[0]["gridPos"]["x"] = 20; panels[0]["gridPos"]["w"] = 12' 'outside the 24-column grid'
echo "grafana_schema_test: passed"
