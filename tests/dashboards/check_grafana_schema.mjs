// Validates Grafana dashboards against Grafana's own TypeScript types (npm @grafana/schema), for
// the oldest and the newest Grafana release we support:
//
//   node check_grafana_schema.mjs NODE_MODULES DASHBOARD.json...
//
// NODE_MODULES holds grafana-schema-oldest and grafana-schema-newest (npm aliases of
// @grafana/schema, tests/schemas/package.json), ts-json-schema-generator and ajv. For each
// version, strict JSON Schemas (every object closed: additionalProperties false) are generated
// from the types at run time and checked with ajv:
//   - the dashboard as a whole against `Dashboard` (raw/dashboard/x), minus the export-only
//     fields listed in EXPORT_ONLY below;
//   - each panel's `options` against its panel plugin's `Options`, and
//     `fieldConfig.defaults.custom` against its `FieldConfig` (raw/composable/<type>/panelcfg/x);
//     a panel type without a FieldConfig type must have no custom field config.
// Prints one line per dashboard and version; exits 1 if any check fails, 2 on a usage error.
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [modules, ...dashboards] = process.argv.slice(2);
if (!modules || dashboards.length === 0) {
  console.error("usage: check_grafana_schema.mjs NODE_MODULES DASHBOARD.json...");
  process.exit(2);
}
const require = createRequire(join(modules, "noop.js"));
const tsj = require("ts-json-schema-generator");
const Ajv = require("ajv").default;

// Fields Grafana's own exports ("Export for sharing externally") write that its types do not
// declare: the allow-list, each entry with its reason. Nothing else unknown is let through.
const EXPORT_ONLY = {
  // Removed before the Dashboard check; tests/dashboards/dashboard_checks.py checks them.
  dashboard: [
    "__inputs",   // the data source and constant inputs asked for at import
    "__requires", // the Grafana version and plugins the dashboard needs
    "__elements", // library panels carried in the export (none here: {})
  ],
  // AnnotationQuery declares the generic fields only; the Prometheus data source's annotation
  // editor stores its query in these (Grafana's annotations docs for Prometheus).
  annotation: ["expr", "step", "titleFormat", "textFormat", "tagKeys", "useValueForTime"],
  // VariableModel omits the query editor's text that query variables carry.
  variable: ["definition"],
  // The time series field config Grafana 10.4 writes; its types declare it from Grafana 11 on.
  timeseriesCustom: ["insertNulls"],
  // The table's footer: Grafana 10.4 writes `fields: ""` when no field is picked (its type says
  // string[]); Grafana 12 moved the footer into the field config and migrates `options.footer`
  // of older dashboards when it loads them, so the newest Options no longer declare it (the
  // oldest still check what is inside).
  tableFooterEmptyFields: true,
  tableFooterMigrated: ["footer"],
};
// `required` is dropped from the generated schemas: Grafana fills every option a saved dashboard
// leaves out from the plugin's defaults (defaultOptions), so a missing option is no mistake; an
// unknown one, a wrong type or a value outside an enum is.
function dropRequired(schema) {
  if (Array.isArray(schema)) return schema.forEach(dropRequired);
  if (schema && typeof schema === "object") {
    delete schema.required;
    Object.values(schema).forEach(dropRequired);
  }
}
function withoutKeys(object, keys) {
  const copy = { ...object };
  for (const k of keys) delete copy[k];
  return copy;
}

const scratch = mkdtempSync(join(tmpdir(), "grafana-schema-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function typesRoot(pkg) {
  // 10.x ships its declarations beside the ES modules, 11 and later under dist/types.
  for (const d of ["dist/types", "dist/esm"]) {
    if (existsSync(join(modules, pkg, d, "index.d.ts"))) return join(modules, pkg, d);
  }
  throw new Error(`${pkg}: no index.d.ts`);
}

function generator(pkg, file) {
  const root = typesRoot(pkg);
  // The generated files import '@grafana/schema' (the package itself): point that name at this
  // version, whatever the alias it is installed under.
  const tsconfig = join(scratch, `${pkg}.tsconfig.json`);
  if (!existsSync(tsconfig)) {
    writeFileSync(tsconfig, JSON.stringify({
      compilerOptions: {
        baseUrl: root, skipLibCheck: true, strict: false, noEmit: true,
        paths: { "@grafana/schema": [join(root, "index.d.ts")] },
      },
    }));
  }
  return tsj.createGenerator({
    path: file, tsconfig, skipTypeCheck: true, additionalProperties: false, expose: "export",
    topRef: true, jsDoc: "none",
  });
}

const cache = new Map();
function validator(pkg, file, type) {
  const key = `${pkg}|${file}|${type}`;
  if (!cache.has(key)) {
    let v = null;
    if (existsSync(file)) {
      const schema = generator(pkg, file).createSchema(type);
      dropRequired(schema);
      const ajv = new Ajv({ allErrors: true, strict: false });
      v = ajv.compile(schema);
    }
    cache.set(key, v);
  }
  return cache.get(key);
}

function exportedTypes(file) {
  return new Set([...readFileSync(file, "utf8").matchAll(/^export (?:interface|type|declare enum) (\w+)/gm)].map((m) => m[1]));
}

function panelFile(pkg, type) {
  const dir = join(typesRoot(pkg), "raw/composable", type, "panelcfg/x");
  if (!existsSync(dir)) return null;
  const f = readdirSync(dir).find((n) => n.endsWith(".d.ts"));
  return f ? join(dir, f) : null;
}

function describe(errors) {
  return errors.map((e) => e.keyword === "additionalProperties"
    ? `unknown property ${e.instancePath}/${e.params.additionalProperty}`
    : e.keyword === "enum"
      ? `${e.instancePath} must be one of ${JSON.stringify(e.params.allowedValues)}`
      : `${e.instancePath || "/"} ${e.message}`);
}

let failed = 0;
for (const pkg of ["grafana-schema-oldest", "grafana-schema-newest"]) {
  const version = JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
  const dashFile = ["raw/dashboard/x/dashboard_types.gen.d.ts", "raw/dashboard/x/types.gen.d.ts"]
    .map((f) => join(typesRoot(pkg), f)).find(existsSync);
  const dashboardSchema = validator(pkg, dashFile, "Dashboard");
  for (const path of dashboards) {
    const dashboard = JSON.parse(readFileSync(path, "utf8"));
    const errors = [];
    const body = withoutKeys(dashboard, EXPORT_ONLY.dashboard);
    if (body.annotations?.list) {
      body.annotations = { ...body.annotations, list: body.annotations.list.map((a) => withoutKeys(a, EXPORT_ONLY.annotation)) };
    }
    if (body.templating?.list) {
      body.templating = { ...body.templating, list: body.templating.list.map((v) => withoutKeys(v, EXPORT_ONLY.variable)) };
    }
    if (!dashboardSchema(body)) errors.push(...describe(dashboardSchema.errors).map((e) => `dashboard: ${e}`));
    const panels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
    for (const panel of panels) {
      if (panel.type === "row") continue;
      const where = `panel ${panel.id} "${panel.title}" (${panel.type})`;
      const file = panelFile(pkg, panel.type);
      if (!file) {
        errors.push(`${where}: Grafana ${version} has no types for panel type ${panel.type}`);
        continue;
      }
      const types = exportedTypes(file);
      const options = validator(pkg, file, "Options");
      let panelOptions = panel.options ?? {};
      if (panel.type === "table") {
        if (panelOptions.footer?.fields === "" && EXPORT_ONLY.tableFooterEmptyFields) {
          panelOptions = { ...panelOptions, footer: withoutKeys(panelOptions.footer, ["fields"]) };
        }
        if (!/\bfooter\??:/.test(readFileSync(file, "utf8").split("export interface Options")[1]?.split("\n}")[0] ?? "")) {
          panelOptions = withoutKeys(panelOptions, EXPORT_ONLY.tableFooterMigrated);
        }
      }
      if (options && !options(panelOptions)) {
        errors.push(...describe(options.errors).map((e) => `${where} options: ${e}`));
      }
      let custom = panel.fieldConfig?.defaults?.custom;
      if (custom && panel.type === "timeseries") custom = withoutKeys(custom, EXPORT_ONLY.timeseriesCustom);
      if (types.has("FieldConfig")) {
        const fc = validator(pkg, file, "FieldConfig");
        if (custom !== undefined && !fc(custom)) {
          errors.push(...describe(fc.errors).map((e) => `${where} fieldConfig.defaults.custom: ${e}`));
        }
      } else if (custom !== undefined && Object.keys(custom).length) {
        errors.push(`${where}: fieldConfig.defaults.custom set, but ${panel.type} has no custom field config`);
      }
    }
    if (errors.length) {
      failed++;
      console.log(`FAIL ${path} against @grafana/schema ${version}\n  ${[...new Set(errors)].join("\n  ")}`);
    } else {
      console.log(`ok   ${path} against @grafana/schema ${version} (${panels.length} panels)`);
    }
  }
}
process.exit(failed ? 1 : 0);
