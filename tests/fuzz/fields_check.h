// Shared by the parser fuzz targets: what must hold of every line a parser accepts, whatever the
// bytes. A violation aborts, which libFuzzer reports as a crash with the input that caused it.
#pragma once

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "parse/parser.h"
#include "parse/values.h"

namespace accesslog::fuzz {

// Every view in `f` lies inside `line`; durations are absent (-1) or finite and non-negative;
// the byte count is absent (-1) or non-negative.
inline void CheckFields(const Fields& f, std::string_view line) {
  for (std::string_view v :
       {f.status, f.remote_addr, f.remote_user, f.time_local, f.request, f.method, f.path,
        f.protocol, f.host, f.referer, f.user_agent, f.upstream}) {
    if (v.empty()) continue;
    if (v.data() < line.data() || v.data() + v.size() > line.data() + line.size()) std::abort();
  }
  for (double d : {f.request_time, f.upstream_time}) {
    if (!(d == -1 || (d >= 0 && std::isfinite(d)))) std::abort();
  }
  if (f.body_bytes < -1) std::abort();
  if (f.upstream_tries < -1) std::abort();
}

// `address`: the parser takes the client address as nginx and Apache write it (their format
// compilers, the combined parser): an accepted line's address is one (or empty, for "-").
inline void ParseAndCheck(Parser* parser, std::string_view line, bool address = false) {
  Fields f;
  if (parser->Parse(line, &f) != ParseResult::kOk) return;
  CheckFields(f, line);
  if (address && !f.remote_addr.empty() && !IsClientAddress(f.remote_addr)) std::abort();
}

// Compiles a format the target itself supplies; one that does not compile is a bug.
template <typename ParserT>
std::unique_ptr<ParserT> MustCompile(const char* format) {
  std::string error;
  auto p = ParserT::Compile(format, &error);
  if (!p) std::abort();
  return p;
}

}  // namespace accesslog::fuzz
