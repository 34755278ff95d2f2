// libFuzzer target: the JSON-lines parser (simdjson On-Demand) with every preset and a nested
// user map, on arbitrary bytes. Whatever the input, Parse returns; every view in Fields lies
// inside the parser's own buffers (its padded copy of the line or its unescape buffer); numbers
// are absent (-1) or non-negative.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "parse/json_lines.h"

namespace {

std::unique_ptr<accesslog::JsonLinesParser> Preset(const char* name) {
  std::string error;
  auto p = accesslog::JsonLinesParser::ForPreset(name, &error);
  if (!p) std::abort();
  return p;
}

std::unique_ptr<accesslog::JsonLinesParser> DeepMap() {
  accesslog::JsonFieldMap map;
  map.status = "/a/b/0/status";
  map.method = "/a/b/0";
  map.path = "/a/~1x/1";
  map.request = "/r";
  map.body_bytes = "/a/n";
  map.request_time = "/a/b/1";
  map.upstream_time = "/u";
  map.request_time_to_seconds = 1e-3;
  std::string error;
  auto p = accesslog::JsonLinesParser::ForMap(map, &error);
  if (!p) std::abort();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  static auto nginx = Preset("json");
  static auto envoy = Preset("json:envoy");
  static auto traefik = Preset("json:traefik");
  static auto caddy = Preset("json:caddy");
  static auto deep = DeepMap();
  accesslog::Fields f;
  for (auto* p : {nginx.get(), envoy.get(), traefik.get(), caddy.get(), deep.get()}) {
    if (p->Parse(line, &f) != accesslog::ParseResult::kOk) continue;
    for (std::string_view v : {f.status, f.remote_addr, f.remote_user, f.time_local, f.request,
                               f.method, f.path, f.protocol, f.host, f.referer, f.user_agent}) {
      if (!v.empty() && !p->OwnsView(v)) std::abort();
    }
    for (double d : {f.request_time, f.upstream_time}) {
      if (!(d == -1 || (d >= 0 && std::isfinite(d)))) std::abort();
    }
    if (f.body_bytes < -1) std::abort();
  }
  return 0;
}
