// openapi_dump FILE [--default-is-documented]: what the exporter reads from an OpenAPI document
// (config/openapi_loader.h, classify/api_contract.h), as JSON on stdout, for
// tests/classify/openapi_reference.mjs to compare with what @apidevtools/swagger-parser reads.
// Exit 1 with the loader's message on stderr when the document is refused.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "config/openapi_loader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: openapi_dump FILE [--default-is-documented]\n";
    return 2;
  }
  accesslog::ApiOptions api{.openapi = argv[1]};
  api.contract.default_is_documented = argc > 2 && std::string(argv[2]) == "--default-is-documented";
  accesslog::ApiSpec spec;
  std::string error;
  if (!accesslog::LoadOpenApiSpec(api, &spec, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  auto contract = accesslog::ApiContract::Compile(spec, api.contract, &error);
  if (!contract) {
    std::cerr << error << "\n";
    return 1;
  }
  nlohmann::json out;
  out["title"] = spec.title;
  out["version"] = spec.version;
  out["prefixes"] = spec.prefixes;
  out["operations"] = nlohmann::json::array();
  for (uint32_t i = 0; i < contract->operations().size(); ++i) {
    const auto& op = contract->operations()[i];
    nlohmann::json codes = nlohmann::json::array();
    for (int c = accesslog::kMinStatusCode; c <= accesslog::kMaxStatusCode; ++c) {
      if (contract->Documents(i, c)) codes.push_back(c);
    }
    std::string method(accesslog::MethodName(op.method));
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out["operations"].push_back({{"method", method},
                                 {"path", contract->routes()[op.route]},
                                 {"operationId", op.operation_id},
                                 {"documented", codes}});
  }
  std::cout << out.dump() << "\n";
  return 0;
}
