// Stage: fields. The compiled form of a log-format string (nginx `log_format`, Apache
// `LogFormat`): a literal head, then a list of steps "capture one variable, then expect this
// literal". Format compilers (nginx_format.h, apache_format.h) build one at start-up; Match runs
// per line, left to right, without regex, allocation, locks or exceptions.
//
//   LineTemplate t;
//   t.AddLiteral("[");
//   t.AddVariable({.target = Target::kTimeLocal});
//   t.AddLiteral("] ");
//   t.AddVariable({.target = Target::kStatus});
//   t.Finish();
//   Fields f;
//   t.Match("[10/Oct/2026:13:55:36 +0000] 200", &f);  // kOk, f.status == "200"
//
// How a variable's value ends, in order of precedence:
//   - Shape::kBracketed (Apache %t): the value is "[...]"; the brackets are dropped.
//   - a quoted variable (the literal before it ends with '"' and the one after starts with '"'):
//     at the first '"' that is not escaped by an odd number of backslashes; the whole next
//     literal must follow it. Apache writes \" and nginx escape=json writes \" inside values;
//     nginx's default escaping writes \x22, so both shapes work without knowing the escape mode
//     (nginx escape=none, which writes raw quotes, cannot be read reliably by anyone).
//   - the last variable of the format: everything up to the final literal, which must end the
//     line (so `host=$host` at the end takes the rest of the line).
//   - a variable directly followed by another variable: its natural token (digits for numbers,
//     up to '?' for a URL path, else up to a space or quote).
//   - a multi-value variable (nginx's upstream lists) followed by a literal that starts with a
//     space: one token, then further tokens while the text goes on with ", " or " : " (so
//     "10.0.0.1:80, 10.0.0.2:80 503, 200" splits into two lists, as in ingress-nginx's format).
//   - otherwise: up to the first occurrence of the whole next literal (so " [" after
//     $remote_user lets the user name hold spaces, and ` "` after an unquoted upstream list lets
//     the list hold ", ").
// The line must match to its end; anything else is kMalformed.
//
// Thread-safety: Match is const and keeps no state; one template may serve many threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/fields.h"
#include "parse/parser.h"

namespace accesslog {

// Which member of Fields a variable fills.
enum class Target : uint8_t {
  kSkip,  // captured (so the line is walked correctly) and dropped
  kStatus,
  kRemoteAddr,
  kRemoteUser,
  kTimeLocal,
  kRequest,  // the request line; split into method/path/protocol where no variable fills them
  kMethod,
  kPath,
  kQuery,  // Apache %q: extends the path when it directly follows it in the format and the line
  kProtocol,
  kHost,
  kTraceId,  // exemplars.trace_id (trace_id.h)
  kReferer,
  kUserAgent,
  kBodyBytes,
  kRequestTime,
  kUpstreamTime,
  kUpstream,       // $proxy_upstream_name: the upstream's name (the last member of a list)
  kUpstreamAddr,   // $upstream_addr: fills upstream and upstream_tries where nothing else does
  kUpstreamTries,  // $upstream_status: its members count the upstream servers contacted
  kCount,          // number of targets, not a target
};

enum class Shape : uint8_t {
  kText,       // ends as described in the file comment
  kBracketed,  // "[...]" (Apache %t)
};

struct VariableSpec {
  Target target = Target::kSkip;
  // When several variables fill the same field ($host, $server_name), the lowest priority wins;
  // on a tie, the first in the format. The others are captured and dropped.
  int priority = 0;
  Shape shape = Shape::kText;
  double divisor = 1;        // durations: logged unit -> seconds (1e3 for ms, 1e6 for us)
  int64_t dash_bytes = -1;   // body bytes: the value "-" stands for (-1 absent, 0 for %b)
  bool multi_value = false;  // durations: nginx upstream list "0.1, 0.2 : 0.3" (summed)
  bool traceparent = false;  // trace id: the value is a W3C traceparent (TraceIdOfTraceparent)
  bool address = false;      // a client address: anything but one (IsClientAddress) is malformed,
                             // whether or not this variable fills the field
};

class LineTemplate {
 public:
  LineTemplate();

  // Appends literal text (joined with the literal before it).
  void AddLiteral(std::string_view text);
  // Appends a variable.
  void AddVariable(const VariableSpec& spec);
  // Decides which variable fills each field and how each value ends. Call once, after the last
  // Add and before Match.
  void Finish();

  // True when some variable fills `target` (after Finish).
  [[nodiscard]] bool Has(Target target) const { return winner_[static_cast<size_t>(target)] >= 0; }
  [[nodiscard]] FormatCapabilities capabilities() const;

  // Fills *out (cleared first) from `line`. kMalformed when the literals are not where the
  // format puts them, the line has more or less text, or a number field is not a number.
  [[nodiscard]] ParseResult Match(std::string_view line, Fields* out) const;

 private:
  enum class Adjacent : uint8_t { kToken, kNumber, kUrlPath };
  struct Step {
    VariableSpec spec;
    std::string literal_after;  // may be empty
    bool quoted = false;
    Adjacent adjacent = Adjacent::kToken;
  };

  [[nodiscard]] bool Assign(const Step& step, std::string_view value, Fields* out) const;

  std::string head_;  // literal before the first variable
  std::vector<Step> steps_;
  int winner_[static_cast<size_t>(Target::kCount)] = {};
  bool request_sets_method_ = false;
  bool request_sets_path_ = false;
  bool request_sets_protocol_ = false;
  bool addr_sets_upstream_ = false;  // $upstream_addr fills upstream (no $proxy_upstream_name)
  bool addr_sets_tries_ = false;     // $upstream_addr fills upstream_tries (no $upstream_status)
};

}  // namespace accesslog
