// config/openapi_loader.h: what is read from an OpenAPI or Swagger document, in YAML and JSON,
// with its references; and what is refused, each with its exact message.
#include "config/openapi_loader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::TempDir;
using testing::WriteFile;

std::string Ops(const ApiSpec& spec) {
  std::string out;
  for (const ApiPathSpec& p : spec.paths) {
    out += p.path_template;
    for (const std::string& prefix : p.prefixes) out += " [" + prefix + "]";
    out += ":";
    for (const ApiOperationSpec& o : p.operations) {
      out += " " + o.method + "=" + o.operation_id + "(";
      for (size_t i = 0; i < o.responses.size(); ++i) out += (i ? "," : "") + o.responses[i];
      out += ")";
      for (const std::string& prefix : o.prefixes) out += "[" + prefix + "]";
    }
    out += "\n";
  }
  return out;
}

std::string Prefixes(const ApiSpec& spec) {
  std::string out;
  for (const std::string& p : spec.prefixes) out += "[" + p + "]";
  return out;
}

TEST(OpenApiLoaderTest, Oas3YamlWithServersVariablesAndReferences) {
  TempDir dir;
  WriteFile(dir.File("common.yaml"),
            "responses:\n"
            "  NotFound: {description: gone}\n"
            "pets:\n"
            "  get:\n"
            "    operationId: listPets\n"
            "    responses:\n"
            "      200: {description: ok}\n"
            "      default: {$ref: '#/responses/NotFound'}\n");
  WriteFile(dir.File("api.yaml"),
            "openapi: 3.1.0\n"
            "info: {title: Pets, version: 2.0.1}\n"
            "servers:\n"
            "  - url: https://{host}/api/{version}/\n"
            "    variables:\n"
            "      host: {default: pets.example}\n"
            "      version: {default: v1, enum: [v1, v2]}\n"
            "  - url: /internal\n"
            "paths:\n"
            "  /pets: {$ref: 'common.yaml#/pets'}\n"
            "  /pets/{petId}:\n"
            "    servers: [{url: 'https://beta.example/beta'}]\n"
            "    parameters: []\n"
            "    summary: one pet\n"
            "    get:\n"
            "      operationId: getPet\n"
            "      responses:\n"
            "        '200': {description: ok}\n"
            "        4XX: {$ref: 'common.yaml#/responses/NotFound'}\n"
            "    delete:\n"
            "      servers: [{url: /admin}]\n"
            "      responses: {'204': {description: gone}}\n"
            "    x-internal: true\n"
            "  x-extension: {}\n");
  ApiSpec spec;
  std::string error;
  ASSERT_TRUE(LoadOpenApiSpec({.openapi = dir.File("api.yaml")}, &spec, &error)) << error;
  EXPECT_EQ(spec.title, "Pets");
  EXPECT_EQ(spec.version, "2.0.1");
  EXPECT_EQ(Prefixes(spec), "[/api/v1][/api/v2][/internal]");
  EXPECT_EQ(Ops(spec),
            "/pets: get=listPets(200,default)\n"
            "/pets/{petId} [/beta]: get=getPet(200,4XX) delete=(204)[/admin]\n");
}

TEST(OpenApiLoaderTest, Swagger2JsonWithBasePath) {
  TempDir dir;
  WriteFile(dir.File("api.json"),
            R"({"swagger": "2.0", "info": {"title": "T", "version": "1"}, "basePath": "/v2/",
                "paths": {"/a/{id}": {"get": {"operationId": "getA",
                  "responses": {"200": {"description": "ok"}, "404": {"$ref": "#/responses/nf"}}},
                  "parameters": [{"$ref": "#/parameters/id"}]}},
                "parameters": {"id": {"name": "id", "in": "path"}},
                "responses": {"nf": {"description": "nf"}}})");
  ApiSpec spec;
  std::string error;
  ASSERT_TRUE(LoadOpenApiSpec({.openapi = dir.File("api.json")}, &spec, &error)) << error;
  EXPECT_EQ(Prefixes(spec), "[/v2]");
  EXPECT_EQ(Ops(spec), "/a/{id}: get=getA(200,404)\n");
}

TEST(OpenApiLoaderTest, BasePathReplacesEveryServer) {
  TempDir dir;
  WriteFile(dir.File("api.yaml"),
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\nservers: [{url: /v1}]\n"
            "paths:\n  /a:\n    servers: [{url: /x}]\n    get: {responses: {'200': {}}}\n");
  ApiSpec spec;
  std::string error;
  ASSERT_TRUE(
      LoadOpenApiSpec({.openapi = dir.File("api.yaml"), .base_path = {"/", "/gw/"}}, &spec, &error))
      << error;
  EXPECT_EQ(Prefixes(spec), "[][/gw]");
  EXPECT_EQ(Ops(spec), "/a: get=(200)\n");
}

TEST(OpenApiLoaderTest, NoServersMeansNoPrefix) {
  TempDir dir;
  WriteFile(dir.File("a.yaml"), "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n");
  WriteFile(dir.File("b.yaml"), "swagger: '2.0'\ninfo: {title: T, version: '1'}\npaths: {}\n");
  for (const char* f : {"a.yaml", "b.yaml"}) {
    ApiSpec spec;
    std::string error;
    ASSERT_TRUE(LoadOpenApiSpec({.openapi = dir.File(f)}, &spec, &error)) << error;
    EXPECT_EQ(Prefixes(spec), "[]") << f;
  }
}

TEST(OpenApiLoaderTest, RefusalsNameTheFileTheLocationAndTheReason) {
  TempDir dir;
  const std::string d = dir.path() + "/";
  const std::string head = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n";
  struct Case {
    std::string file;
    std::string text;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"bad.yaml", "openapi: [3.0\n",
       d + "bad.yaml:2:1: not valid YAML: end of sequence flow not found"},
      {"bad.json", "{\"openapi\": \"3.0.0\",}",
       d + "bad.json: not valid JSON: The JSON "
           "document has an improper structure: missing "
           "or superfluous commas, braces, missing keys, "
           "etc."},
      {"v.yaml", "openapi: 2.5\ninfo: {}\n",
       d + "v.yaml: neither an OpenAPI 3.x document (openapi: 3.x.y) nor a Swagger 2.0 one "
           "(swagger: \"2.0\"): it says openapi: 2.5"},
      {"none.yaml", "info: {title: T}\npaths: {}\n",
       d + "none.yaml: neither an OpenAPI 3.x document (openapi: 3.x.y) nor a Swagger 2.0 one "
           "(swagger: \"2.0\"): it has no openapi or swagger key at the top level"},
      {"list.yaml", "- a\n",
       d + "list.yaml: not an OpenAPI document (expected a mapping at the top level)"},
      {"url.yaml", head + "paths:\n  /a: {$ref: 'https://example.com/a.yaml'}\n",
       d + "url.yaml:4:7: $ref 'https://example.com/a.yaml': a URL; only references within the "
           "document and to files beside it are read (nothing is downloaded)"},
      {"missing.yaml",
       head +
           "paths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/x'}\n",
       d + "missing.yaml:7:16: $ref '#/components/x': " + d +
           "missing.yaml has nothing at '/components/x' (no 'components' in " + d +
           "missing.yaml:1:1)"},
      {"nofile.yaml", head + "paths:\n  /a: {$ref: 'paths/a.yaml'}\n",
       d + "nofile.yaml:4:7: $ref 'paths/a.yaml': " + d +
           "paths/a.yaml: cannot open the OpenAPI document"},
      {"deep.json",
       R"({"openapi": "3.0.0", "paths": {}, "components": {"schemas": {"a": {"$ref": "#/nope"}}}})",
       d + "deep.json#/components/schemas/a: $ref '#/nope': " + d +
           "deep.json has nothing at '/nope' (no 'nope' in " + d + "deep.json#)"},
      {"loop.yaml", head + "paths:\n  /a: {$ref: '#/x'}\nx: {$ref: '#/paths/~1a'}\n",
       d + "loop.yaml:4:3: $ref: a chain of more than 32 references (a loop?)"},
      {"var.yaml", head + "servers: [{url: 'https://h/{tenant}/api'}]\npaths: {}\n",
       d + "var.yaml:3:11: server url 'https://h/{tenant}/api': the variable {tenant} in its "
           "path has no value (variables.NAME.default); or give api.base_path"},
      {"dup.yaml",
       head + "paths:\n  /p/{a}:\n    get: {responses: {}}\n  /p/{b}:\n    get: {responses: {}}\n",
       d +
           "dup.yaml:7:5: path '/p/{b}' and path '/p/{a}' answer the same requests (they differ "
           "only in their parameters' names) and both have a get operation (the other at " +
           d + "dup.yaml:5:5)"},
      {"tmpl.yaml", head + "paths:\n  /p/{a:\n    get: {responses: {}}\n",
       d + "tmpl.yaml:4:3: path template '/p/{a': a '{' without its '}'"},
  };
  for (const Case& c : cases) {
    WriteFile(d + c.file, c.text);
    std::string error;
    EXPECT_EQ(LoadApiContract({.openapi = d + c.file}, &error), nullptr) << c.file;
    EXPECT_EQ(error, c.want) << c.file;
  }
  std::string error;
  EXPECT_EQ(LoadApiContract({.openapi = d + "absent.yaml"}, &error), nullptr);
  EXPECT_EQ(error, d + "absent.yaml: cannot open the OpenAPI document");
}

}  // namespace
}  // namespace accesslog
