// Stage: exposition (HTTP), inside the server: bytes of one connection in, requests out. The
// HTTP/1.x parsing is Boost.Beast's request parser; this class keeps what a connection has
// received and not yet parsed, applies the limits and copies out the parts the routes read.
//
//   RequestReader reader;
//   reader.Append(bytes, n);
//   Request request;
//   switch (reader.Next(&request, &status, &why)) { ... }
//
// Bounded: the buffer holds at most one read beyond a request head of kHeaderLimit and a body of
// kBodyLimit; past either limit Next reports an error (431, 413) and the connection is closed.
//
// Thread-safety: none; one reader per connection, used on the I/O thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/router.h"

namespace accesslog::http_internal {

inline constexpr uint32_t kHeaderLimit = 16 * 1024;  // request line and headers
inline constexpr uint64_t kBodyLimit = 64 * 1024;    // we serve GETs and a body-less POST

class RequestReader {
 public:
  enum class Result {
    kNeedMore,  // no complete request in what was received
    kRequest,   // *request is the next request; bytes after it stay for the next call
    kError,     // not a valid request: answer *status with *message, then close
  };
  RequestReader();
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;  // holds a parser
  RequestReader& operator=(const RequestReader&) = delete;

  void Append(const char* data, size_t size) { in_.append(data, size); }
  // Parses what was appended. After kError the reader is empty.
  Result Next(Request* request, int* status, std::string* message);
  // True when bytes were received that are not part of a request handed out yet.
  [[nodiscard]] bool has_bytes() const { return !in_.empty() || parser_ != nullptr; }
  // Forgets everything (the connection is closing).
  void Clear();

 private:
  struct ParserBox;
  std::string in_;                     // received, not yet parsed
  std::unique_ptr<ParserBox> parser_;  // between a request's first byte and its end
};

}  // namespace accesslog::http_internal
