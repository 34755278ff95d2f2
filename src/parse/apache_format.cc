#include "parse/apache_format.h"

#include <cctype>

namespace accesslog {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// `LogFormat "..." nickname` -> the text between the quotes, with the config reader's \" -> ".
// Anything else is taken as the format itself.
std::string Unwrap(std::string_view format) {
  std::string_view s = format;
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  if (!(s.starts_with("LogFormat") && s.size() > 9 && IsSpace(s[9]))) return std::string(format);
  s.remove_prefix(9);
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  if (s.empty() || s.front() != '"') {
    const size_t space = s.find_first_of(" \t");
    return std::string(s.substr(0, space));
  }
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '"') {
      out += "\\\"";  // kept escaped; Unescape below turns it into "
      ++i;
      continue;
    }
    if (s[i] == '"') break;
    out += s[i];
  }
  return out;
}

// apache2.conf's \" (the user pasted the text from inside the quotes) and mod_log_config's
// \n \t \r \\. Other backslashes stay, as Apache keeps them.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[i + 1];
      const char* replacement = n == '"'    ? "\""
                                : n == '\\' ? "\\"
                                : n == 'n'  ? "\n"
                                : n == 't'  ? "\t"
                                : n == 'r'  ? "\r"
                                            : nullptr;
      if (replacement) {
        out += replacement;
        ++i;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

VariableSpec SpecFor(char letter, std::string_view arg, char redirect) {
  switch (letter) {
    case 'a':
      return {.target = Target::kRemoteAddr, .priority = 0, .address = true};
    case 'h':
      return {.target = Target::kRemoteAddr, .priority = 1, .address = true};
    case 'u':
      return {.target = Target::kRemoteUser};
    case 't':
      if (!arg.empty()) return {};  // strftime-style time: free text, skipped
      return {.target = Target::kTimeLocal, .shape = Shape::kBracketed};
    case 'r':
      return {.target = Target::kRequest};
    case 'm':
      return {.target = Target::kMethod};
    case 'U':
      return {.target = Target::kPath};
    case 'q':
      return {.target = Target::kQuery};
    case 'H':
      return {.target = Target::kProtocol};
    case 's':
      return {.target = Target::kStatus, .priority = redirect == '>' ? 0 : redirect == '<' ? 2 : 1};
    case 'B':
    case 'b':
      return {.target = Target::kBodyBytes, .priority = 0, .dash_bytes = 0};
    case 'O':
      return {.target = Target::kBodyBytes, .priority = 1, .dash_bytes = 0};
    case 'D':
      return {.target = Target::kRequestTime, .priority = 0, .divisor = 1e6};
    case 'T':
      if (arg == "us") return {.target = Target::kRequestTime, .priority = 0, .divisor = 1e6};
      if (arg == "ms") return {.target = Target::kRequestTime, .priority = 1, .divisor = 1e3};
      if (arg.empty() || arg == "s") {
        return {.target = Target::kRequestTime, .priority = 2, .divisor = 1};
      }
      return {};
    case 'V':
      return {.target = Target::kHost, .priority = 0};
    case 'v':
      return {.target = Target::kHost, .priority = 2};
    case 'i':
      if (EqualsIgnoreCase(arg, "Host")) return {.target = Target::kHost, .priority = 1};
      if (EqualsIgnoreCase(arg, "Referer")) return {.target = Target::kReferer};
      if (EqualsIgnoreCase(arg, "User-Agent")) return {.target = Target::kUserAgent};
      return {};
    default:
      return {};
  }
}

}  // namespace

std::unique_ptr<ApacheFormatParser> ApacheFormatParser::Compile(std::string_view format,
                                                                std::string* error) {
  const std::string text = Unescape(Unwrap(format));
  std::unique_ptr<ApacheFormatParser> parser(new ApacheFormatParser());
  LineTemplate& t = parser->template_;
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '%') {
      literal += text[i++];
      continue;
    }
    const size_t percent = i++;
    const std::string column = std::to_string(percent + 1);
    if (i < text.size() && text[i] == '%') {
      literal += '%';
      ++i;
      continue;
    }
    // Modifiers in any order, as mod_log_config reads them: conditions (!, digits, commas),
    // < or > (original or final request) and one {argument}.
    char redirect = 0;
    std::string_view arg;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '!' || c == ',' || (c >= '0' && c <= '9')) {
        ++i;
      } else if (c == '<' || c == '>') {
        redirect = c;
        ++i;
      } else if (c == '{') {
        const size_t close = text.find('}', i + 1);
        if (close == std::string::npos) {
          *error = "unterminated %{ at column " + column;
          return nullptr;
        }
        arg = std::string_view(text).substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        break;
      }
    }
    if (i >= text.size()) {
      *error = "incomplete directive '" + text.substr(percent) + "' at column " + column;
      return nullptr;
    }
    const char letter = text[i];
    if (letter == '^') {
      // Two-letter directives: %^ti, %^to (trailers).
      if (i + 2 >= text.size()) {
        *error = "incomplete directive '" + text.substr(percent) + "' at column " + column;
        return nullptr;
      }
      i += 3;
    } else if (std::isalpha(static_cast<unsigned char>(letter))) {
      ++i;
    } else {
      *error = std::string("'%") + letter + "' is not an Apache LogFormat directive (column " +
               column + "; write %% for a literal %)";
      return nullptr;
    }
    t.AddLiteral(literal);
    literal.clear();
    t.AddVariable(letter == '^' ? VariableSpec{} : SpecFor(letter, arg, redirect));
  }
  t.AddLiteral(literal);
  t.Finish();
  if (!t.Has(Target::kStatus)) {
    *error = "the Apache LogFormat has no %s or %>s; every line needs a status to be counted";
    return nullptr;
  }
  return parser;
}

}  // namespace accesslog
