// libFuzzer target: the per-line matcher (classify/api_contract.h). The input's first line is a
// method; the lines up to an empty line are "METHOD TEMPLATE" pairs of a document (compiled once
// per input, refused templates skip the input); every further line is a request target matched
// against them for that method. Whatever the bytes: Match returns indexes in range, an operation
// only with a route, the operation's own route or (same-shape templates) one sharing its
// requests, and never reads outside the target (AddressSanitizer).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "classify/api_contract.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

std::string_view NextLine(std::string_view* in) {
  const size_t nl = in->find('\n');
  std::string_view line = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const accesslog::Method method = accesslog::ParseMethod(NextLine(&in));
  accesslog::ApiSpec spec;
  spec.file = "fuzz";
  while (!in.empty()) {
    const std::string_view line = NextLine(&in);
    if (line.empty()) break;
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::string tmpl(line.substr(space + 1));
    std::string m(line.substr(0, space));
    if (tmpl.starts_with("^")) {  // "^/v1 " sets a prefix
      spec.prefixes.push_back(tmpl.substr(1));
      continue;
    }
    accesslog::ApiPathSpec* path = nullptr;
    for (auto& p : spec.paths) {
      if (p.path_template == tmpl) path = &p;
    }
    if (!path) {
      spec.paths.push_back({.path_template = tmpl});
      path = &spec.paths.back();
    }
    path->operations.push_back({.method = m, .operation_id = m + tmpl, .responses = {"2XX"}});
  }
  std::string error;
  auto contract = accesslog::ApiContract::Compile(
      spec, {.multi_segment_parameters = {"path"}}, &error);
  if (!contract) return 0;
  while (!in.empty()) {
    const std::string target(NextLine(&in));  // its own allocation: ASan sees any overread
    const accesslog::ApiMatch m = contract->Match(method, target);
    if (m.route == accesslog::ApiMatch::kNone) {
      Check(m.operation == accesslog::ApiMatch::kNone);
      continue;
    }
    Check(m.route < contract->routes().size());
    if (m.operation != accesslog::ApiMatch::kNone) {
      Check(m.operation < contract->operations().size());
      Check(contract->operations()[m.operation].route == m.route);
      const accesslog::Method want =
          method == accesslog::Method::kHead &&
                  contract->operations()[m.operation].method == accesslog::Method::kGet
              ? accesslog::Method::kGet
              : method;
      Check(contract->operations()[m.operation].method == want);
    }
  }
  return 0;
}
