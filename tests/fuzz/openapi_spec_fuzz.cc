// libFuzzer target: the OpenAPI loader (config/openapi_loader.h: YAML through yaml-cpp, JSON
// through simdjson's DOM, $ref within the document) and the contract compiler on arbitrary
// bytes. Whatever the input, loading returns (no exception escapes, nothing leaks, no reference
// loop spins) and either refuses the document with a message that starts with its name, or
// gives a spec whose compiled contract matches every template's own text to a template.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "classify/api_contract.h"
#include "config/openapi_loader.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // No file of that name exists: a reference to another file is refused, never read.
  const accesslog::ApiOptions api{.openapi = "/nonexistent-fuzz-dir/spec.yaml"};
  accesslog::ApiSpec spec;
  std::string error;
  if (!accesslog::ParseOpenApiSpec(api, std::string(reinterpret_cast<const char*>(data), size),
                                   &spec, &error)) {
    Check(error.starts_with(api.openapi));
    return 0;
  }
  Check(!spec.prefixes.empty());
  auto contract = accesslog::ApiContract::Compile(spec, api.contract, &error);
  if (!contract) {
    Check(!error.empty());
    return 0;
  }
  Check(contract->routes().size() == spec.paths.size());
  for (const auto& op : contract->operations()) {
    Check(op.route < contract->routes().size());
    // A template's own text, under the first prefix, matches some template (its own, or one
    // that wins over it by the precedence rules).
    const std::string target = spec.prefixes.front() + contract->routes()[op.route];
    const accesslog::ApiMatch m = contract->Match(op.method, target);
    Check(m.route == accesslog::ApiMatch::kNone || m.route < contract->routes().size());
    Check(m.operation == accesslog::ApiMatch::kNone ||
          m.operation < contract->operations().size());
  }
  return 0;
}
