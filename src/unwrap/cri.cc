// The CRI log format (containerd, CRI-O): kubelet's
// pkg/kubelet/kuberuntime/logs parses the same "<time> <stream> <tags> <message>" layout.
#include "unwrap/envelope.h"

namespace accesslog {
namespace {

bool Digits(std::string_view s, size_t at, size_t n, int* value) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

}  // namespace

bool IsRfc3339Time(std::string_view t) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Digits(t, 0, 4, &year) || t.size() < 20 || t[4] != '-' || !Digits(t, 5, 2, &month) ||
      t[7] != '-' || !Digits(t, 8, 2, &day) || (t[10] != 'T' && t[10] != 't') ||
      !Digits(t, 11, 2, &hour) || t[13] != ':' || !Digits(t, 14, 2, &minute) || t[16] != ':' ||
      !Digits(t, 17, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  size_t i = 19;
  if (t[i] == '.') {  // a fraction: one digit at least (containerd writes nine, others fewer)
    const size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i == t.size()) return false;
  if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) return true;
  int zh = 0, zm = 0;
  return (t[i] == '+' || t[i] == '-') && i + 6 == t.size() && Digits(t, i + 1, 2, &zh) &&
         t[i + 3] == ':' && Digits(t, i + 4, 2, &zm) && zh <= 23 && zm <= 59;
}

DecodeResult DecodeCri(std::string_view line, Record* out) {
  const size_t t_end = line.find(' ');
  if (t_end == std::string_view::npos || !IsRfc3339Time(line.substr(0, t_end))) {
    return DecodeResult::kInvalid;
  }
  out->time = line.substr(0, t_end);
  std::string_view rest = line.substr(t_end + 1);
  if (rest.starts_with("stdout ")) {
    out->stream = LogStream::kStdout;
  } else if (rest.starts_with("stderr ")) {
    out->stream = LogStream::kStderr;
  } else {
    return DecodeResult::kInvalid;
  }
  rest.remove_prefix(7);
  // Tags: "P" or "F", then possibly more, separated by ':' (the CRI spec leaves room for them).
  if (rest.empty() || (rest[0] != 'P' && rest[0] != 'F')) return DecodeResult::kInvalid;
  out->partial = rest[0] == 'P';
  size_t tags_end = rest.find(' ');
  if (tags_end == std::string_view::npos) tags_end = rest.size();
  if (tags_end > 1 && rest[1] != ':') return DecodeResult::kInvalid;
  out->message = tags_end < rest.size() ? rest.substr(tags_end + 1) : std::string_view();
  return DecodeResult::kOk;
}

}  // namespace accesslog
