#include "parse/nginx_format.h"

#include <cctype>

namespace accesslog {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct KnownVariable {
  const char* name;
  VariableSpec spec;
};

// Priorities: the lower number wins when a format has several variables for one field.
const KnownVariable kVariables[] = {
    {"status", {.target = Target::kStatus}},
    {"remote_addr", {.target = Target::kRemoteAddr, .address = true}},
    {"remote_user", {.target = Target::kRemoteUser}},
    {"time_local", {.target = Target::kTimeLocal, .priority = 0}},
    {"time_iso8601", {.target = Target::kTimeLocal, .priority = 1}},
    {"request", {.target = Target::kRequest}},
    {"request_method", {.target = Target::kMethod}},
    {"request_uri", {.target = Target::kPath, .priority = 0}},
    {"uri", {.target = Target::kPath, .priority = 1}},
    {"document_uri", {.target = Target::kPath, .priority = 1}},
    {"server_protocol", {.target = Target::kProtocol}},
    {"body_bytes_sent", {.target = Target::kBodyBytes, .priority = 0}},
    {"bytes_sent", {.target = Target::kBodyBytes, .priority = 1}},
    {"request_time", {.target = Target::kRequestTime}},
    {"upstream_response_time", {.target = Target::kUpstreamTime, .multi_value = true}},
    {"host", {.target = Target::kHost, .priority = 0}},
    {"http_host", {.target = Target::kHost, .priority = 1}},
    {"server_name", {.target = Target::kHost, .priority = 2}},
    {"http_referer", {.target = Target::kReferer}},
    {"http_user_agent", {.target = Target::kUserAgent}},
    {"proxy_upstream_name", {.target = Target::kUpstream}},
    {"upstream_addr", {.target = Target::kUpstreamAddr, .multi_value = true}},
    {"upstream_status", {.target = Target::kUpstreamTries, .multi_value = true}},
    // Lists that are captured and dropped: multi_value lets them hold ", " before a space.
    {"upstream_response_length", {.multi_value = true}},
    {"upstream_bytes_received", {.multi_value = true}},
    {"upstream_bytes_sent", {.multi_value = true}},
    {"upstream_connect_time", {.multi_value = true}},
    {"upstream_header_time", {.multi_value = true}},
};

VariableSpec SpecFor(std::string_view name) {
  const std::string lower = Lower(name);
  for (const KnownVariable& v : kVariables) {
    if (lower == v.name) return v.spec;
  }
  return {};  // captured and dropped
}

// Reads nginx.conf-style arguments: quoted strings ('...' or "...", with \" \' \\ \t \r \n
// escapes, as ngx_conf_read_token does) and bare words, up to an optional ';'. nginx joins the
// string arguments of log_format without a separator.
bool ReadConfArguments(std::string_view s, std::vector<std::string>* args, std::string* error) {
  size_t i = 0;
  while (true) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i == s.size()) return true;
    if (s[i] == ';') {
      ++i;
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i != s.size()) {
        *error = "unexpected text after ';' at column " + std::to_string(i + 1);
        return false;
      }
      return true;
    }
    std::string arg;
    if (s[i] == '\'' || s[i] == '"') {
      const char quote = s[i];
      const size_t open = i++;
      bool closed = false;
      while (i < s.size()) {
        const char c = s[i];
        if (c == quote) {
          closed = true;
          ++i;
          break;
        }
        if (c == '\\' && i + 1 < s.size()) {
          const char n = s[i + 1];
          if (n == '"' || n == '\'' || n == '\\') {
            arg += n;
          } else if (n == 't') {
            arg += '\t';
          } else if (n == 'r') {
            arg += '\r';
          } else if (n == 'n') {
            arg += '\n';
          } else {
            arg += c;
            arg += n;
          }
          i += 2;
          continue;
        }
        arg += c;
        ++i;
      }
      if (!closed) {
        *error = std::string("unterminated ") + quote + " quote opened at column " +
                 std::to_string(open + 1);
        return false;
      }
    } else {
      while (i < s.size() && !IsSpace(s[i]) && s[i] != ';') arg += s[i++];
    }
    args->push_back(std::move(arg));
  }
}

// The format text itself, out of what the user pasted (see the header).
bool Unwrap(std::string_view format, std::string* text, std::string* error) {
  std::string_view s = format;
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  const bool directive = s.starts_with("log_format") && s.size() > 10 && IsSpace(s[10]);
  // Only a leading single quote means "nginx.conf quoting": a format may well start with a
  // literal '"' ("$request" ...), but nginx logs never start with a quote character of their own.
  if (!directive && (s.empty() || s.front() != '\'')) {
    *text = std::string(format);
    return true;
  }
  std::vector<std::string> args;
  if (!ReadConfArguments(directive ? s.substr(10) : s, &args, error)) {
    *error = "cannot read the log_format: " + *error;
    return false;
  }
  size_t first = 0;
  if (directive) {
    if (args.empty()) {
      *error = "log_format without a name and format";
      return false;
    }
    first = 1;  // the format's name
    if (args.size() > 1 && args[1].starts_with("escape=")) {
      const std::string mode = args[1].substr(7);
      if (mode != "default" && mode != "json" && mode != "none") {
        *error = "log_format escape=" + mode + ": expected default, json or none";
        return false;
      }
      first = 2;
    }
  }
  text->clear();
  for (size_t i = first; i < args.size(); ++i) *text += args[i];
  return true;
}

}  // namespace

bool LooksLikeNginxFormat(std::string_view format) {
  for (size_t i = 0; i + 1 < format.size(); ++i) {
    if (format[i] != '$') continue;
    const char c = format[i + 1];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '{') return true;
  }
  return false;
}

std::unique_ptr<NginxFormatParser> NginxFormatParser::Compile(std::string_view format,
                                                              std::string* error,
                                                              std::string_view trace_variable) {
  std::string trace;  // the variable's name, lower case, without $ or braces
  if (!trace_variable.empty()) {
    trace = Lower(trace_variable.starts_with('$') ? trace_variable.substr(1) : trace_variable);
    if (trace.size() > 2 && trace.front() == '{' && trace.back() == '}') {
      trace = trace.substr(1, trace.size() - 2);
    }
  }
  std::string text;
  if (!Unwrap(format, &text, error)) return nullptr;
  std::unique_ptr<NginxFormatParser> parser(new NginxFormatParser());
  LineTemplate& t = parser->template_;
  size_t literal_start = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      ++i;
      continue;
    }
    t.AddLiteral(std::string_view(text).substr(literal_start, i - literal_start));
    const size_t dollar = i;
    std::string_view name;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      const size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        *error = "unterminated ${ at column " + std::to_string(dollar + 1);
        return nullptr;
      }
      name = std::string_view(text).substr(i + 2, close - i - 2);
      bool valid = !name.empty();
      for (char c : name) valid = valid && IsNameChar(c);
      if (!valid) {
        *error = "invalid variable name ${" + std::string(name) + "} at column " +
                 std::to_string(dollar + 1);
        return nullptr;
      }
      i = close + 1;
    } else {
      size_t j = i + 1;
      while (j < text.size() && IsNameChar(text[j])) ++j;
      if (j == i + 1) {
        *error = "'$' not followed by a variable name at column " + std::to_string(dollar + 1) +
                 " (nginx writes a literal dollar only through a variable)";
        return nullptr;
      }
      name = std::string_view(text).substr(i + 1, j - i - 1);
      i = j;
    }
    if (!trace.empty() && Lower(name) == trace) {
      t.AddVariable({.target = Target::kTraceId, .traceparent = trace == "http_traceparent"});
    } else {
      t.AddVariable(SpecFor(name));
    }
    literal_start = i;
  }
  t.AddLiteral(std::string_view(text).substr(literal_start));
  t.Finish();
  if (!t.Has(Target::kStatus)) {
    *error = "the nginx log_format has no $status; every line needs one to be counted";
    return nullptr;
  }
  if (!trace.empty() && !t.Has(Target::kTraceId)) {
    *error = "exemplars.trace_id: the log_format does not write $" + trace;
    return nullptr;
  }
  return parser;
}

}  // namespace accesslog
