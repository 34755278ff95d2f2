// Stage: fields (line -> fields).
//
// A Parser turns one log line (without its newline) into Fields. Formats are compiled once, at
// start-up, by MakeParser; Parse runs per line and must not allocate, lock or throw.
//
//   std::string error;
//   std::unique_ptr<accesslog::Parser> parser = accesslog::MakeParser("combined", &error);
//   accesslog::Fields f;
//   if (parser->Parse(line, &f) == accesslog::ParseResult::kOk) { ... f.status ... }
//
// Thread-safety: Parse is const and keeps no state; one parser may serve many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "parse/fields.h"

namespace accesslog {

enum class ParseResult {
  kOk,
  kMalformed,  // the line does not match the format; count it and move on
};

class Parser {
 public:
  virtual ~Parser() = default;
  // Fills *out (cleared first) from `line`. Views in *out point into `line`.
  [[nodiscard]] virtual ParseResult Parse(std::string_view line, Fields* out) const = 0;
};

// Compiles a --log.format value. Known today: "combined", "common". Returns nullptr and sets
// *error to a one-line reason when the format is not understood.
std::unique_ptr<Parser> MakeParser(std::string_view format, std::string* error);

}  // namespace accesslog
