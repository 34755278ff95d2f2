// libFuzzer target: the JSON-lines parser (simdjson On-Demand) with every preset and a nested
// user map, on arbitrary bytes. Whatever the input, Parse returns; every view in Fields lies
// inside the parser's own buffers (its padded copy of the line or its unescape buffer); numbers
// are absent (-1) or non-negative; ParsePadded on the same bytes followed by garbage gives the
// same result and the same fields.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
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
  // The same bytes in a buffer with padding after them (garbage: the start of the input again),
  // for ParsePadded, which reads the line in place.
  static std::string padded;
  padded.assign(line);
  for (size_t i = 0; i < accesslog::kParsePaddingBytes; ++i) {
    padded.push_back(size > 0 ? line[i % size] : '"');
  }
  const std::string_view in_place(padded.data(), size);
  accesslog::Fields f;
  accesslog::Fields g;
  for (auto* p : {nginx.get(), envoy.get(), traefik.get(), caddy.get(), deep.get()}) {
    const accesslog::ParseResult padded_result = p->ParsePadded(in_place, &g);
    // Copy what ParsePadded found before Parse reuses the parser's buffers.
    const std::string padded_fields[] = {std::string(g.status),  std::string(g.method),
                                         std::string(g.path),    std::string(g.host),
                                         std::string(g.request), std::string(g.user_agent)};
    const double padded_numbers[] = {static_cast<double>(g.body_bytes), g.request_time,
                                     g.upstream_time};
    if (p->Parse(line, &f) != padded_result) std::abort();
    if (padded_result != accesslog::ParseResult::kOk) continue;
    const std::string_view fields[] = {f.status, f.method, f.path, f.host, f.request, f.user_agent};
    for (size_t i = 0; i < 6; ++i) {
      if (fields[i] != padded_fields[i]) std::abort();
    }
    const double numbers[] = {static_cast<double>(f.body_bytes), f.request_time, f.upstream_time};
    for (size_t i = 0; i < 3; ++i) {
      if (std::memcmp(&numbers[i], &padded_numbers[i], sizeof(double)) != 0) std::abort();
    }
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
