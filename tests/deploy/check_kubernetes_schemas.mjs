// Validates Kubernetes objects against Kubernetes' own schemas, with the npm packages
// kubernetes-models (core, apps, ... generated from Kubernetes' OpenAPI) and
// @kubernetes-models/prometheus-operator (ServiceMonitor, PodMonitor, PrometheusRule):
//
//   node check_kubernetes_schemas.mjs NODE_MODULES OBJECTS.json
//
// OBJECTS.json: [{"source": "where it came from", "object": {...}}, ...]. Two checks per object:
// 1. the package's own validate(): types, required fields, enums and formats of the OpenAPI
//    schema (it lets unknown fields through, as the API server's non-strict mode does);
// 2. unknown fields, as `kubectl apply --validate=strict` refuses them: a JSON Schema generated
//    from the package's TypeScript interface of the kind (ts-json-schema-generator, every object
//    closed with additionalProperties: false), checked with ajv.
// Prints one line per object; exits 1 if any object fails, 2 on a usage error.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, objectsFile] = process.argv.slice(2);
if (!modules || !objectsFile) {
  console.error("usage: check_kubernetes_schemas.mjs NODE_MODULES OBJECTS.json");
  process.exit(2);
}
const require = createRequire(join(modules, "noop.js"));
const tsj = require("ts-json-schema-generator");
const Ajv = require("ajv").default;

// apiVersion -> the package folder holding its kinds.
function modelPath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return join(modules, "@kubernetes-models/prometheus-operator", group, version, kind);
  }
  return join(modules, "kubernetes-models", group, version, kind);
}

const strictValidators = new Map();
function strictValidator(path, kind) {
  if (!strictValidators.has(path)) {
    const schema = tsj.createGenerator({
      path: `${path}.d.ts`, type: `I${kind}`, skipTypeCheck: true, additionalProperties: false,
      expose: "none", topRef: false,
    }).createSchema(`I${kind}`);
    const ajv = new Ajv({ allErrors: true, strict: false });
    strictValidators.set(path, ajv.compile(schema));
  }
  return strictValidators.get(path);
}

const objects = JSON.parse(readFileSync(objectsFile, "utf8"));
let failed = 0;
for (const { source, object } of objects) {
  const { apiVersion, kind } = object ?? {};
  const name = `${source}: ${kind}/${object?.metadata?.name}`;
  const errors = [];
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    errors.push("no apiVersion or kind");
  } else {
    const path = modelPath(apiVersion, kind);
    let Model;
    try {
      Model = (await import(pathToFileURL(`${path}.js`).href))[kind];
    } catch {
      errors.push(`${apiVersion} ${kind} is not a kind the schema packages know`);
    }
    if (Model) {
      try {
        new Model(object).validate();
      } catch (e) {
        errors.push(`schema: ${e.message}`);
      }
      const strict = strictValidator(path, kind);
      if (!strict(object)) {
        for (const e of strict.errors) {
          const where = e.instancePath || "/";
          errors.push(e.keyword === "additionalProperties"
            ? `unknown field ${where}/${e.params.additionalProperty}`
            : `${where} ${e.message}`);
        }
      }
    }
  }
  if (errors.length) {
    failed++;
    console.log(`FAIL ${name}\n  ${[...new Set(errors)].join("\n  ")}`);
  } else {
    console.log(`ok   ${name}`);
  }
}
console.log(`kubernetes schemas: ${objects.length - failed} of ${objects.length} objects valid`);
process.exit(failed ? 1 : 0);
