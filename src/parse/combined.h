// Stage: fields. The nginx/Apache "common" and "combined" formats:
//
//   common:   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
//   combined: common + ` "$http_referer" "$http_user_agent"`
//
// The parser walks the line once, left to right, and never splits on whitespace blindly: the
// user field may hold spaces, the request line may be empty, one word, or escaped binary (TLS and
// SSH probes that nginx answers with 400), and quoted fields may contain \" (Apache) or \xHH
// (nginx). Text after the last required field (e.g. ` "$http_x_forwarded_for" rt=0.003`) is
// allowed and ignored. Parse never allocates.
#pragma once

#include "parse/parser.h"

namespace accesslog {

class CombinedParser final : public Parser {
 public:
  // With `require_agent` (format "combined"), the referer and user-agent fields must follow the
  // byte count; without it ("common") they are read when present.
  explicit CombinedParser(bool require_agent) : require_agent_(require_agent) {}

  [[nodiscard]] ParseResult Parse(std::string_view line, Fields* out) override;
  [[nodiscard]] FormatCapabilities capabilities() const override {
    return {.body_bytes = true,
            .method = true,
            .path = true,
            .remote_addr = true,
            .referer = require_agent_,
            .user_agent = require_agent_};
  }

 private:
  bool require_agent_;
};

}  // namespace accesslog
