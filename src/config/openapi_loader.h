// Configuration: a source's OpenAPI document (api.openapi, --api.openapi) read into the contract
// its lines are judged against.
//
//   ApiOptions api{.openapi = "/etc/accesslog/kittens.yaml"};
//   std::string error;
//   auto contract = LoadApiContract(api, &error);   // at start-up and on every reload
//   if (!contract) die(error);  // "kittens.yaml:12:7: $ref '#/components/x': ... has nothing at"
//
// Reads OpenAPI 3.0 and 3.1 and Swagger 2.0 documents, YAML or JSON (openapi_document.h), with
// their $ref within the document and to files beside it. What it takes (classify/api_spec.h):
// info.title and info.version; the server path prefixes (OAS 3 `servers[].url` with every
// server variable at its default and enum values, also per path item and per operation;
// Swagger 2 `basePath`; or api.base_path, which replaces them all); per path item, its template
// and its operations (get, put, post, delete, options, head, patch, trace) with their
// operationId and the keys of their responses.
//
// Refused, with the file, the location (line and column, or a JSON pointer) and the reason: a
// file that cannot be read or parsed; a document that is neither OpenAPI 3.x (`openapi: 3.x.y`)
// nor Swagger 2.0 (`swagger: "2.0"`); a $ref anywhere in the files that is a URL or leads
// nowhere; a path template that is not well-formed; two path templates that are the same but for
// their parameters' names and have an operation for the same method (classify/api_contract.h).
//
// Thread-safety: none needed; called at start-up and on reload.
#pragma once

#include <memory>
#include <string>

#include "classify/api_contract.h"
#include "classify/api_spec.h"
#include "config/options.h"

namespace accesslog {

// Reads api.openapi into *spec (without compiling it). False with *error set.
[[nodiscard]] bool LoadOpenApiSpec(const ApiOptions& api, ApiSpec* spec, std::string* error);

// The same with the document's text given (api.openapi names it): fuzzing and tests.
[[nodiscard]] bool ParseOpenApiSpec(const ApiOptions& api, std::string text, ApiSpec* spec,
                                    std::string* error);

// Reads and compiles api.openapi. Null with *error set.
[[nodiscard]] std::shared_ptr<const ApiContract> LoadApiContract(const ApiOptions& api,
                                                                 std::string* error);

}  // namespace accesslog
