// libFuzzer target: the combined/common parser and the status-code check on arbitrary bytes.
// Whatever the input, Parse must return, every view it fills must lie inside the input, and a
// status that ParseStatusCode accepts must be 100-599, and an accepted line's client address
// is one as the servers write it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "classify/status_table.h"
#include "parse/combined.h"
#include "parse/values.h"

namespace {

void CheckInside(std::string_view field, std::string_view line) {
  if (field.empty()) return;
  if (field.data() < line.data() || field.data() + field.size() > line.data() + line.size()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  static accesslog::CombinedParser combined(true);
  static accesslog::CombinedParser common(false);
  accesslog::Fields f;
  for (accesslog::CombinedParser* parser : {&combined, &common}) {
    if (parser->Parse(line, &f) != accesslog::ParseResult::kOk) continue;
    for (std::string_view v : {f.status, f.remote_addr, f.remote_user, f.time_local, f.request,
                               f.method, f.path, f.protocol, f.referer, f.user_agent}) {
      CheckInside(v, line);
    }
    // The address is one token as the servers write it: text before it is never accepted.
    if (!accesslog::IsClientAddress(f.remote_addr)) std::abort();
    const int code = accesslog::ParseStatusCode(f.status);
    if (code != 0 && (code < 100 || code > 599)) std::abort();
  }
  return 0;
}
