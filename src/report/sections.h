// Stage: report, inside the text renderings. A section of the report as the table and markdown
// renderings both lay it out (render_text.cc), so that they cannot drift apart; the sections of
// the OpenAPI contract are built in render_api.cc.
//
// Thread-safety: plain values and functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"

namespace accesslog::report_text {

inline constexpr std::string_view kBold = "\033[1m";
inline constexpr std::string_view kRed = "\033[31m";
inline constexpr std::string_view kGreen = "\033[32m";
inline constexpr std::string_view kYellow = "\033[33m";
inline constexpr std::string_view kReset = "\033[0m";

struct Cell {
  std::string text;
  std::string_view color;  // empty: none
};

struct Section {
  std::string title;
  std::vector<std::string> notes;   // short paragraphs before the table
  bool key_value = false;           // two columns without a header: a list in markdown
  std::vector<std::string> header;  // column names
  std::vector<bool> right;          // right-align the column (numbers)
  std::vector<std::vector<Cell>> rows;
  std::vector<std::string> block;  // preformatted lines (malformed samples)
};

inline std::string Count(uint64_t n) { return std::to_string(n); }

// The sections of the OpenAPI contract (report.api), in their order; none without one.
[[nodiscard]] std::vector<Section> ApiSections(const Report& report);

// "200: 90, 404: 4, 409: 2 (NO)": codes and their counts, "(NO)" after undocumented ones.
[[nodiscard]] std::string CodeList(const std::vector<Report::CodeCount>& codes);

}  // namespace accesslog::report_text
