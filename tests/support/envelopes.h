// Container log envelopes as the runtimes write them, for the tests of the unwrap stage and of
// the exporter on /var/log/pods: a line split into 16 KiB pieces (kRuntimeSplit), each piece one
// record, as containerd (CRI) and Docker's json-file driver do. `time` gives each record's time
// stamp (tests make them differ: the tailer's fingerprint reads a file's first bytes).
#pragma once

#include <cstddef>
#include <string>

namespace accesslog::testing {

inline constexpr size_t kRuntimeSplit = 16 * 1024;

// `line` as containerd writes it: "TIME STREAM P|F piece" records, P on all but the last.
template <typename Time>
std::string CriRecords(const std::string& stream, const std::string& line, Time&& time) {
  std::string out;
  for (size_t at = 0; at < line.size() || out.empty(); at += kRuntimeSplit) {
    const bool last = at + kRuntimeSplit >= line.size();
    out += time() + " " + stream + (last ? " F " : " P ") + line.substr(at, kRuntimeSplit) + "\n";
  }
  return out;
}

// `line` as Docker's json-file driver writes it: split first, then escaped; the last piece ends
// with its "\n".
template <typename Time>
std::string DockerRecords(const std::string& stream, const std::string& line, Time&& time) {
  std::string out;
  for (size_t at = 0; at < line.size() || out.empty(); at += kRuntimeSplit) {
    const bool last = at + kRuntimeSplit >= line.size();
    std::string piece;
    for (const char c : line.substr(at, kRuntimeSplit)) {
      if (c == '"' || c == '\\') piece += '\\';
      piece += c == '\r' ? std::string("\\r") : std::string(1, c);
    }
    out += R"({"log":")" + piece + (last ? "\\n" : "") + R"(","stream":")" + stream +
           R"(","time":")" + time() + R"("})" + "\n";
  }
  return out;
}

}  // namespace accesslog::testing
