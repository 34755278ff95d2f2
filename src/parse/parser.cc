#include "parse/parser.h"

#include "parse/combined.h"

namespace accesslog {

std::unique_ptr<Parser> MakeParser(std::string_view format, std::string* error) {
  if (format == "combined") return std::make_unique<CombinedParser>(/*require_agent=*/true);
  if (format == "common") return std::make_unique<CombinedParser>(/*require_agent=*/false);
  *error = "unknown log format '" + std::string(format) + "' (known: combined, common)";
  return nullptr;
}

}  // namespace accesslog
