// Stage: classification. An API's contract as its OpenAPI (or Swagger 2.0) document states it,
// reduced to what classifying a response needs: the path templates, the server path prefixes,
// and per operation its method, operationId and the response keys it documents. Plain data: the
// loader (config/openapi_loader.h) fills it from the document, ApiContract (api_contract.h)
// compiles it into the matcher every line goes through.
//
// Thread-safety: plain data.
#pragma once

#include <string>
#include <vector>

namespace accesslog {

struct ApiOperationSpec {
  std::string method;        // as the document writes the key, lower case: get, put, post, ...
  std::string operation_id;  // "" when the operation has none
  // The keys of its responses, as written: "200", "4XX", "default" (a number in YAML as text).
  std::vector<std::string> responses;
  // The path prefixes of the operation's own `servers` (OAS 3); empty: the path item's.
  std::vector<std::string> prefixes;
  std::string location;  // where it is in the document, for messages: FILE:LINE:COL or FILE#/ptr
};

struct ApiPathSpec {
  std::string path_template;  // the key of `paths`, as written: "/kittens/{kittenId}"
  // The path prefixes of the path item's own `servers` (OAS 3); empty: the document's.
  std::vector<std::string> prefixes;
  std::vector<ApiOperationSpec> operations;
  std::string location;
};

struct ApiSpec {
  std::string file;     // the document's path, as given
  std::string title;    // info.title
  std::string version;  // info.version
  // The document's server path prefixes ("/v1"; "" for none): the paths of OAS 3 `servers[].url`
  // with every server variable at its default and enum values, or Swagger 2's `basePath`; or
  // api.base_path when the configuration gives it. Never empty ("" when the document has none).
  std::vector<std::string> prefixes = {""};
  std::vector<ApiPathSpec> paths;
};

}  // namespace accesslog
