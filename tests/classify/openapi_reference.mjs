// The exporter's reading of real OpenAPI documents against a real tool's: for every document of
// @readme/oas-examples (Swagger 2.0, OpenAPI 3.0 and 3.1, JSON and YAML: petstore, server
// variables, path-level servers, circular references, ...) and GitHub's api.github.com.json
// (@octokit/openapi), @apidevtools/swagger-parser dereferences the document and gives, per
// operation, its path template, method, operationId and response keys; openapi_dump (the
// exporter's loader and compiled contract) must give the same operations with the same
// documented codes (a key "404" documents 404, "4XX" 400-499, "default" nothing unless asked),
// the same title and version, and the same server path prefixes. A document swagger-parser
// refuses must be refused by the exporter too.
//
//   node openapi_reference.mjs OPENAPI_DUMP NPM_DIR
import { execFileSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const [dump, npmDir] = process.argv.slice(2);
const require = createRequire(join(npmDir, "node_modules", "noop.js"));
const SwaggerParser = require("@apidevtools/swagger-parser");

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function documented(keys, withDefault) {
  const codes = new Set();
  for (const key of keys) {
    if (key === "default") {
      if (withDefault) for (let c = 100; c <= 599; c++) codes.add(c);
    } else if (/^[1-5][xX][xX]$/.test(key)) {
      const base = Number(key[0]) * 100;
      for (let c = base; c < base + 100; c++) codes.add(c);
    } else if (/^[1-5][0-9][0-9]$/.test(key)) {
      codes.add(Number(key));
    }
  }
  return [...codes].sort((a, b) => a - b);
}

function prefixOf(url) {
  let path = url.replace(/[?#].*$/, "");
  const scheme = path.indexOf("://");
  if (scheme >= 0 || path.startsWith("//")) {
    const from = scheme >= 0 ? scheme + 3 : 2;
    const slash = path.indexOf("/", from);
    path = slash < 0 ? "" : path.slice(slash);
  }
  path = path.replace(/\/+$/, "");
  if (path === "") return "";
  return path.startsWith("/") ? path : "/" + path;
}

function expectedPrefixes(api) {
  if (api.swagger) return [prefixOf(api.basePath || "")];
  const out = [];
  for (const server of api.servers || []) {
    let urls = [server.url || ""];
    for (const [name, v] of Object.entries(server.variables || {})) {
      if (!server.url.includes(`{${name}}`)) continue;
      const values = [];
      if (v.default !== undefined) values.push(String(v.default));
      for (const e of v.enum || []) if (!values.includes(String(e))) values.push(String(e));
      if (values.length) urls = urls.flatMap((u) => values.map((x) => u.split(`{${name}}`).join(x)));
    }
    for (const u of urls) if (!out.includes(prefixOf(u))) out.push(prefixOf(u));
  }
  return out.length ? out : [""];
}

function expected(api, withDefault) {
  const ops = [];
  for (const [path, item] of Object.entries(api.paths || {})) {
    if (path.startsWith("x-") || !item) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      ops.push({
        method,
        path,
        operationId: op.operationId === undefined ? "" : String(op.operationId),
        documented: documented(Object.keys(op.responses || {}), withDefault),
      });
    }
  }
  return ops;
}

const key = (o) => `${o.method} ${o.path}`;

function compare(file, ours, theirs) {
  const problems = [];
  const mine = new Map(ours.operations.map((o) => [key(o), o]));
  if (ours.operations.length !== theirs.ops.length) {
    problems.push(`${theirs.ops.length} operations, the exporter has ${ours.operations.length}`);
  }
  for (const t of theirs.ops) {
    const o = mine.get(key(t));
    if (!o) {
      problems.push(`${key(t)}: missing`);
      continue;
    }
    if (o.operationId !== t.operationId) {
      problems.push(`${key(t)}: operationId ${JSON.stringify(o.operationId)} != ${JSON.stringify(t.operationId)}`);
    }
    if (JSON.stringify(o.documented) !== JSON.stringify(t.documented)) {
      problems.push(`${key(t)}: documented ${JSON.stringify(o.documented)} != ${JSON.stringify(t.documented)}`);
    }
  }
  for (const [what, a, b] of [
    ["title", ours.title, theirs.title],
    ["version", ours.version, theirs.version],
    ["prefixes", JSON.stringify(ours.prefixes), JSON.stringify(theirs.prefixes)],
  ]) {
    if (a !== b) problems.push(`${what}: ${a} != ${b}`);
  }
  return problems.map((p) => `${file}: ${p}`);
}

const files = [];
const examples = join(npmDir, "node_modules", "@readme", "oas-examples");
for (const version of ["2.0", "3.0", "3.1"]) {
  for (const format of ["json", "yaml"]) {
    const dir = join(examples, version, format);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (/\.(json|ya?ml)$/.test(f)) files.push(join(dir, f));
    }
  }
}
files.push(join(npmDir, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json"));

let failures = [];
let compared = 0;
let operations = 0;
let refusedByBoth = 0;
for (const file of files) {
  let theirs;
  let refused = null;
  try {
    const api = await SwaggerParser.dereference(file);
    theirs = { ops: [], title: String(api.info?.title ?? ""), version: String(api.info?.version ?? ""),
               prefixes: expectedPrefixes(api) };
    for (const withDefault of [false, true]) {
      theirs[withDefault] = expected(api, withDefault);
    }
  } catch (e) {
    refused = e.message;
  }
  let ours = {};
  let ourError = null;
  for (const withDefault of [false, true]) {
    try {
      const args = [file];
      if (withDefault) args.push("--default-is-documented");
      ours[withDefault] = JSON.parse(execFileSync(dump, args, { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] }));
    } catch (e) {
      ourError = (e.stderr || e.message).toString().trim();
    }
  }
  if (refused !== null) {
    if (ourError === null) failures.push(`${file}: swagger-parser refuses it (${refused}), the exporter reads it`);
    else refusedByBoth++;
    continue;
  }
  if (ourError !== null) {
    failures.push(`${file}: the exporter refuses it: ${ourError}`);
    continue;
  }
  for (const withDefault of [false, true]) {
    failures = failures.concat(compare(file + (withDefault ? " (default documented)" : ""), ours[withDefault],
                                       { ...theirs, ops: theirs[withDefault] }));
  }
  compared++;
  operations += theirs[false].length;
}
for (const f of failures) console.log(f);
console.log(`openapi_reference: ${compared} documents (${operations} operations) compared with swagger-parser, ${refusedByBoth} refused by both, ${failures.length} difference(s)`);
process.exit(failures.length || compared < 20 ? 1 : 0);
