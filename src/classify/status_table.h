// Stage: classification (status code -> class, documented, meaning).
//
// The documented status-code table is data: a YAML file (data/status-codes.yaml is embedded into
// the binary as the default, --status.codes=FILE replaces it). Classification itself is
// arithmetic on the code, so the per-line path only validates the code (ParseStatusCode) and
// counts it; class, "documented" and meaning are looked up once per code at scrape time.
//
//   std::string error;
//   auto table = accesslog::StatusTable::Load("my-api.yaml", &error);
//   if (!table) { die(error); }          // error names the file, line and key
//   table->IsDocumented(502);            // false: still counted, documented="false"
//
// Thread-safety: a StatusTable is immutable after construction; share it freely.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accesslog {

inline constexpr int kMinStatusCode = 100;
inline constexpr int kMaxStatusCode = 599;
// Slots indexed directly by code: index 0..99 are never used, which keeps the hot path a single
// array index with no subtraction or bounds logic beyond ParseStatusCode.
inline constexpr int kStatusSlots = kMaxStatusCode + 1;
inline constexpr int kNumClasses = 5;  // 1xx .. 5xx

// Returns the code (100-599) when `field` is exactly three ASCII digits in that range, else 0.
// Anything else ("-", "2000", "20", "abc", "099", "600") makes a line malformed, never a response.
[[nodiscard]] inline int ParseStatusCode(std::string_view field) {
  if (field.size() != 3) return 0;
  const unsigned d0 = static_cast<unsigned char>(field[0]) - '0';
  const unsigned d1 = static_cast<unsigned char>(field[1]) - '0';
  const unsigned d2 = static_cast<unsigned char>(field[2]) - '0';
  if (d0 > 9 || d1 > 9 || d2 > 9) return 0;
  const int code = static_cast<int>(d0 * 100 + d1 * 10 + d2);
  return code >= kMinStatusCode && code <= kMaxStatusCode ? code : 0;
}

// Class index 0..4 for a valid code (100 -> 0 "1xx", 599 -> 4 "5xx").
[[nodiscard]] inline int ClassIndex(int code) { return code / 100 - 1; }

// "1xx" .. "5xx" for a class index 0..4.
[[nodiscard]] std::string_view ClassName(int class_index);

struct StatusCodeEntry {
  int code = 0;
  std::string meaning;
};

class StatusTable {
 public:
  // Parses a table from YAML text. `source` names it in error messages (a path, or "embedded").
  // On failure returns nullopt and sets *error to "SOURCE:LINE:COL: key: reason".
  static std::optional<StatusTable> Parse(std::string_view yaml, std::string_view source,
                                          std::string* error);
  // Reads and parses FILE. On failure returns nullopt and sets *error (naming FILE).
  static std::optional<StatusTable> Load(const std::string& path, std::string* error);
  // The table embedded at build time from data/status-codes.yaml. Never fails: the build
  // checks it (tests/classify), and a broken embedded table aborts at start-up.
  static const StatusTable& Embedded();

  [[nodiscard]] bool IsDocumented(int code) const {
    return code >= 0 && code < kStatusSlots && documented_[static_cast<size_t>(code)];
  }
  // The documented meaning, or nullptr when the code is not in the table.
  [[nodiscard]] const std::string* Meaning(int code) const;
  // All documented codes, sorted by code.
  [[nodiscard]] const std::vector<StatusCodeEntry>& entries() const { return entries_; }

 private:
  StatusTable() = default;
  std::vector<StatusCodeEntry> entries_;
  std::array<bool, kStatusSlots> documented_{};
};

}  // namespace accesslog
