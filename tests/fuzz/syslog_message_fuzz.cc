// libFuzzer target: the syslog header parser (RFC 3164 and 5424) on arbitrary bytes. Whatever
// the input, it returns without reading outside it; when it accepts, facility and severity are
// those of a priority 0..191, every field is a view inside the input, the message ends at the
// input's end (less trailing CR/LF) and holds no CR or LF at its end; and it accepts exactly
// the inputs that start with a valid <PRI>.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "listen/syslog_message.h"

namespace {
void Check(bool c) {
  if (!c) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  accesslog::SyslogMessage m;
  const bool ok = accesslog::ParseSyslog(in, &m);
  std::string_view trimmed = in;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) {
    trimmed.remove_suffix(1);
  }
  const size_t close = trimmed.find('>');
  bool valid_pri = trimmed.size() >= 3 && trimmed[0] == '<' && close != std::string_view::npos &&
                   close >= 2 && close <= 4;
  int pri = 0;
  for (size_t i = 1; valid_pri && i < close; ++i) {
    valid_pri = trimmed[i] >= '0' && trimmed[i] <= '9';
    pri = pri * 10 + (trimmed[i] - '0');
  }
  valid_pri =
      valid_pri && pri <= 191 && !(close > 2 && trimmed[1] == '0') && close + 1 <= trimmed.size();
  Check(ok == valid_pri);
  if (!ok) return 0;
  Check(m.facility == pri / 8 && m.severity == pri % 8);
  for (std::string_view f : {m.host, m.tag, m.message}) {
    if (f.empty()) continue;
    Check(f.data() >= in.data() && f.data() + f.size() <= in.data() + in.size());
  }
  if (!m.message.empty()) {
    Check(m.message.data() + m.message.size() == trimmed.data() + trimmed.size());
  }
  return 0;
}
