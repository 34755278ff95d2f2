// Stage: unwrap. The container log envelopes, one decoder each (cri.cc, docker.cc), and the
// picker that chooses one for `wrapper: auto` (picker.cc). A decoder reads one record (one line
// of the file, without its "\n") and says what it holds; reassembling split lines is the
// Unwrapper's job (unwrap.h), not theirs.
//
// Thread-safety: DecodeCri and PickEnvelope are pure; a DockerDecoder is used by one thread.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace accesslog {

enum class LogStream : uint8_t { kStdout = 0, kStderr = 1 };
inline constexpr int kNumLogStreams = 2;

// One record of an envelope. The views point into the input line or the decoder's buffer and
// are valid until the next Decode.
struct Record {
  LogStream stream = LogStream::kStdout;
  bool partial = false;      // the line goes on in the next record of the same stream
  std::string_view time;     // as written: RFC 3339, with or without a fraction of a second
  std::string_view message;  // the server's bytes; docker: unescaped, without its final "\n"
  // At least kMessagePaddingBytes readable bytes follow `message` in memory (any content).
  bool message_padded = false;
};
// What a decoder guarantees after a message it marks message_padded (the line splitter's
// padding, so that the parser after it reads the message in place).
inline constexpr size_t kMessagePaddingBytes = 64;

enum class DecodeResult : uint8_t { kOk, kInvalid };

// Whether `t` is an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS, an optional fraction, and Z or
// +HH:MM / -HH:MM. Checks the shape and the ranges of the fields, not the calendar.
[[nodiscard]] bool IsRfc3339Time(std::string_view t);

// A CRI record: "<time> <stdout|stderr> <P|F>[:<more tags>] <message>" (a final record may
// have nothing after its tag). kInvalid when any part is missing or not of that form.
[[nodiscard]] DecodeResult DecodeCri(std::string_view line, Record* out);

// Docker's json-file records: one JSON object with "log" and "stream" strings ("time" is kept
// when present; other keys, such as "attrs", are ignored).
//
// Two paths with one result: the layout Docker writes ({"log":"…","stream":"…","time":"…"}, no
// blanks, ASCII outside "log") is scanned directly, with "log" unescaped into the decoder's
// padded buffer (message_padded); anything else, including everything invalid, is decoded by
// simdjson On-Demand (DecodeAnyLayout), so the direct scan never decides that a record is
// invalid.
class DockerDecoder {
 public:
  // Records up to `max_line_bytes` long are decoded; the buffers are allocated here, once.
  explicit DockerDecoder(size_t max_line_bytes);
  DockerDecoder(const DockerDecoder&) = delete;  // owns simdjson's parser and a large buffer
  DockerDecoder& operator=(const DockerDecoder&) = delete;

  // Decodes `line`; kInvalid when it is not a JSON object with a string "log" and a "stream"
  // of stdout or stderr, or is longer than max_line_bytes. `padded`: at least
  // kDockerPaddingBytes readable bytes follow the line in memory (any content), so it is read
  // in place instead of copied.
  [[nodiscard]] DecodeResult Decode(std::string_view line, bool padded, Record* out);
  // The same through simdjson only, whatever the layout (Decode's fallback; for tests that
  // compare the two paths).
  [[nodiscard]] DecodeResult DecodeAnyLayout(std::string_view line, bool padded, Record* out);

 private:
  // Docker's own layout, scanned directly; false when the record is not exactly in it (then
  // simdjson decides). `padded` as for Decode.
  bool DecodeDockerLayout(std::string_view line, bool padded, Record* out);

  size_t max_line_;
  std::unique_ptr<char[]> copy_;       // max_line_ + padding: a copy of an unpadded line
  std::unique_ptr<char[]> unescaped_;  // max_line_ + kMessagePaddingBytes: "log", unescaped
  simdjson::ondemand::parser parser_;
};
inline constexpr size_t kDockerPaddingBytes = simdjson::SIMDJSON_PADDING;

enum class Envelope : uint8_t { kCri, kDocker };
// The envelope of a file whose first record is `first` (wrapper: auto): docker when it starts
// with '{' (after blanks), cri otherwise.
[[nodiscard]] Envelope PickEnvelope(std::string_view first);

}  // namespace accesslog
