#include "parse/parser.h"

#include "parse/combined.h"

namespace accesslog {

std::unique_ptr<Parser> MakeParser(const FormatSpec& spec, std::string* error) {
  const std::string& format = spec.format;
  if (format == "combined") return std::make_unique<CombinedParser>(/*require_agent=*/true);
  if (format == "common") return std::make_unique<CombinedParser>(/*require_agent=*/false);
  *error = "unknown log format '" + format + "' (known: combined, common)";
  return nullptr;
}

}  // namespace accesslog
