// Stage: fields. Apache httpd `LogFormat` strings (mod_log_config), compiled once into a
// LineTemplate (no regex per line).
//
//   std::string error;
//   auto p = ApacheFormatParser::Compile(
//       R"(%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D)", &error);
//   if (!p) die(error);   // e.g. "unterminated %{ at column 22"
//
// Accepted input: the format as Apache sees it, or as written inside the quotes in
// apache2.conf (\" is read as "), or the whole directive `LogFormat "..." nickname`.
// mod_log_config's own escapes \n \t \r \\ are honoured.
//
// Directives (modifiers such as %>s, %<s, %400,501{...}i and %!200{...}i are read and ignored;
// the preferred directive wins when a format has several for one field):
//   %>s (then %s, %<s)            -> status (at least one is required)
//   %a (then %h, also %{c}a %{c}h) -> remote_addr
//   %u                            -> remote_user ("-" -> "")
//   %t                            -> time_local (brackets dropped); %{format}t is skipped
//   %r                            -> request, split into method/path/protocol where no
//                                    dedicated directive fills them
//   %m, %U, %H                    -> method, path, protocol; %U%q (adjacent) -> path with query
//   %B, %b (then %O)              -> body_bytes; %b's "-" means 0 bytes (CLF)
//   %D, %{us}T (then %{ms}T, then %T / %{s}T) -> request_time: microseconds, milliseconds,
//                                    seconds, converted to seconds
//   %V (then %{Host}i, then %v)   -> host
//   %{Referer}i, %{User-agent}i   -> referer, user_agent (header names are case-insensitive)
// Every other directive (%l %A %p %P %X %k %L %I %S %f %e %R %n %{X}i %{X}o %{X}e %{X}n %{X}C
// %^ti ... and letters Apache does not know) is captured and dropped. %% is a literal %.
//
// Errors (Compile returns nullptr and sets *error, with the 1-based column in the format):
// an unterminated "%{", a "%" at the end, a "%" followed by something that is not a directive,
// no status directive.
//
// Thread-safety: Parse is stateless.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "parse/line_template.h"
#include "parse/parser.h"

namespace accesslog {

class ApacheFormatParser final : public Parser {
 public:
  [[nodiscard]] static std::unique_ptr<ApacheFormatParser> Compile(std::string_view format,
                                                                   std::string* error);

  [[nodiscard]] ParseResult Parse(std::string_view line, Fields* out) override {
    return template_.Match(line, out);
  }
  [[nodiscard]] FormatCapabilities capabilities() const override {
    return template_.capabilities();
  }

 private:
  ApacheFormatParser() = default;
  LineTemplate template_;
};

}  // namespace accesslog
