#include "parse/trace_id.h"

namespace accesslog {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string_view TraceIdOfTraceparent(std::string_view v) {
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return {};
  const std::string_view version = v.substr(0, 2);
  if (!IsLowerHex(version) || version == "ff") return {};
  if (version == "00" ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) return {};
  const std::string_view trace = v.substr(3, 32);
  if (!IsLowerHex(trace) || !IsLowerHex(v.substr(36, 16)) || !IsLowerHex(v.substr(53, 2))) {
    return {};
  }
  if (trace == "00000000000000000000000000000000") return {};
  return trace;
}

}  // namespace accesslog
