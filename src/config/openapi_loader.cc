#include "config/openapi_loader.h"

#include <algorithm>

#include "config/openapi_document.h"

namespace accesslog {
namespace {

constexpr size_t kMaxPrefixes = 256;  // server URLs times their variables' values

constexpr std::string_view kMethods[] = {"get",     "put",  "post",  "delete",
                                         "options", "head", "patch", "trace"};

// "/v1/" -> "/v1"; "/" and "" -> "" (no prefix); "v1" -> "/v1".
std::string NormalizePrefix(std::string_view p) {
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  if (p.empty()) return "";
  return p.front() == '/' ? std::string(p) : "/" + std::string(p);
}

// The path of a server URL: "https://api.example.com/v1?x" -> "/v1"; a relative URL ("/v1",
// "v1") is a path already.
std::string UrlPath(std::string_view url) {
  const size_t cut = url.find_first_of("?#");
  if (cut != std::string_view::npos) url = url.substr(0, cut);
  size_t authority = std::string_view::npos;
  if (const size_t sep = url.find("://"); sep != std::string_view::npos) {
    authority = sep + 3;
  } else if (url.starts_with("//")) {
    authority = 2;
  }
  if (authority != std::string_view::npos) {
    const size_t slash = url.find('/', authority);
    url = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
  }
  return NormalizePrefix(url);
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

// The path prefixes of an OAS 3 `servers` list (rules in the header). Empty when the list is
// absent or empty: the caller's prefixes apply.
bool ServerPrefixes(const SpecNode& servers, std::vector<std::string>* out, std::string* error) {
  out->clear();
  if (servers.missing() || servers.kind() == SpecNode::Kind::kNull) return true;
  if (!servers.IsSequence()) {
    *error = servers.Location() + ": servers: expected a list of server objects";
    return false;
  }
  for (const SpecNode& server : servers.Items()) {
    const std::string url = server.Get("url").Scalar();
    std::vector<std::string> expansions = {url};
    for (const auto& [name, variable] : server.Get("variables").Entries()) {
      const std::string placeholder = "{" + name + "}";
      if (url.find(placeholder) == std::string::npos) continue;
      std::vector<std::string> values;
      if (const std::string d = variable.Get("default").Scalar();
          variable.Get("default").IsScalar()) {
        values.push_back(d);
      }
      for (const SpecNode& v : variable.Get("enum").Items()) {
        if (std::find(values.begin(), values.end(), v.Scalar()) == values.end()) {
          values.push_back(v.Scalar());
        }
      }
      std::vector<std::string> next;
      for (const std::string& e : expansions) {
        for (const std::string& v : values) {
          std::string s = e;
          ReplaceAll(&s, placeholder, v);
          next.push_back(std::move(s));
        }
      }
      if (next.size() > kMaxPrefixes) {
        *error = server.Location() + ": server url '" + url + "': its variables' values make " +
                 "more than " + std::to_string(kMaxPrefixes) + " URLs; give api.base_path instead";
        return false;
      }
      if (!next.empty()) expansions = std::move(next);
    }
    for (const std::string& e : expansions) {
      const std::string prefix = UrlPath(e);
      if (const size_t open = prefix.find('{'); open != std::string::npos) {
        const size_t close = prefix.find('}', open);
        *error =
            server.Location() + ": server url '" + url + "': the variable " +
            prefix.substr(open, close == std::string::npos ? std::string::npos : close - open + 1) +
            " in its path has no value (variables.NAME.default); or give api.base_path";
        return false;
      }
      if (std::find(out->begin(), out->end(), prefix) == out->end()) out->push_back(prefix);
    }
  }
  return true;
}

}  // namespace

namespace {

bool ReadSpec(const ApiOptions& api, OpenApiFiles& files, const SpecNode& root, ApiSpec* spec,
              std::string* error);

}  // namespace

bool LoadOpenApiSpec(const ApiOptions& api, ApiSpec* spec, std::string* error) {
  OpenApiFiles files;
  SpecNode root;
  if (!files.Open(api.openapi, &root, error)) return false;
  return ReadSpec(api, files, root, spec, error);
}

bool ParseOpenApiSpec(const ApiOptions& api, std::string text, ApiSpec* spec, std::string* error) {
  OpenApiFiles files;
  SpecNode root;
  if (!files.OpenText(api.openapi, std::move(text), &root, error)) return false;
  return ReadSpec(api, files, root, spec, error);
}

namespace {

bool ReadSpec(const ApiOptions& api, OpenApiFiles& files, const SpecNode& root, ApiSpec* spec,
              std::string* error) {
  if (!root.IsMap()) {
    *error = api.openapi + ": not an OpenAPI document (expected a mapping at the top level)";
    return false;
  }
  const SpecNode openapi = root.Get("openapi");
  const SpecNode swagger = root.Get("swagger");
  const bool oas3 = openapi.IsScalar() && openapi.Scalar().starts_with("3.");
  const bool swagger2 =
      !oas3 && swagger.IsScalar() && (swagger.Scalar() == "2.0" || swagger.Scalar() == "2");
  if (!oas3 && !swagger2) {
    *error =
        api.openapi +
        ": neither an OpenAPI 3.x document (openapi: 3.x.y) nor a Swagger 2.0 one (swagger: "
        "\"2.0\"): " +
        (openapi.IsScalar()   ? "it says openapi: " + openapi.Scalar()
         : swagger.IsScalar() ? "it says swagger: " + swagger.Scalar()
                              : std::string("it has no openapi or swagger key at the top level"));
    return false;
  }
  // Every reference, wherever it is, must lead somewhere (as a resolver that dereferences the
  // document would require), not only those the contract reads.
  if (!files.CheckAllReferences(error)) return false;

  spec->file = api.openapi;
  spec->title = root.Get("info").Get("title").Scalar();
  spec->version = root.Get("info").Get("version").Scalar();
  const bool override = !api.base_path.empty();
  spec->prefixes.clear();
  if (override) {
    for (const std::string& p : api.base_path) spec->prefixes.push_back(NormalizePrefix(p));
  } else if (oas3) {
    if (!ServerPrefixes(root.Get("servers"), &spec->prefixes, error)) return false;
  } else {
    spec->prefixes.push_back(NormalizePrefix(root.Get("basePath").Scalar()));
  }
  if (spec->prefixes.empty()) spec->prefixes.push_back("");

  spec->paths.clear();
  const SpecNode paths = root.Get("paths");
  if (!paths.missing() && paths.kind() != SpecNode::Kind::kNull && !paths.IsMap()) {
    *error = paths.Location() + ": paths: expected a mapping of path templates";
    return false;
  }
  for (const auto& [key, raw] : paths.Entries()) {
    if (key.starts_with("x-")) continue;  // an extension, not a path
    SpecNode item;
    if (!raw.Deref(&item, error)) return false;
    ApiPathSpec& path = spec->paths.emplace_back();
    path.path_template = key;
    path.location = raw.Location();
    if (oas3 && !override && !ServerPrefixes(item.Get("servers"), &path.prefixes, error)) {
      return false;
    }
    for (const auto& [method, raw_op] : item.Entries()) {
      if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) {
        continue;
      }
      SpecNode op;
      if (!raw_op.Deref(&op, error)) return false;
      ApiOperationSpec& o = path.operations.emplace_back();
      o.method = method;
      o.operation_id = op.Get("operationId").Scalar();
      o.location = raw_op.Location();
      SpecNode responses;
      if (!op.Get("responses").Deref(&responses, error)) return false;
      for (const auto& [code, response] : responses.Entries()) o.responses.push_back(code);
      if (oas3 && !override && !ServerPrefixes(op.Get("servers"), &o.prefixes, error)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

std::shared_ptr<const ApiContract> LoadApiContract(const ApiOptions& api, std::string* error) {
  ApiSpec spec;
  if (!LoadOpenApiSpec(api, &spec, error)) return nullptr;
  return ApiContract::Compile(spec, api.contract, error);
}

}  // namespace accesslog
