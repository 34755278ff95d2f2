// Docker's json-file log driver: daemon/logger/jsonfilelog writes one JSON object per record,
// {"log":"<bytes, escaped>","stream":"stdout|stderr","time":"<RFC 3339 nano>"}, and splits a
// line longer than 16 KiB into records whose "log" has no final "\n".
#include <cstring>

#include "unwrap/envelope.h"

namespace accesslog {

DockerDecoder::DockerDecoder(size_t max_line_bytes)
    : max_line_(max_line_bytes),
      copy_(new char[max_line_bytes + simdjson::SIMDJSON_PADDING]),
      parser_(max_line_bytes) {
  // Sized for the longest record now, so that no record allocates later.
  if (parser_.allocate(max_line_bytes) != simdjson::SUCCESS) max_line_ = 0;
}

DecodeResult DockerDecoder::Decode(std::string_view line, bool padded, Record* out) {
  if (line.size() > max_line_) return DecodeResult::kInvalid;
  const char* data = line.data();
  if (!padded) {
    std::memcpy(copy_.get(), line.data(), line.size());
    std::memset(copy_.get() + line.size(), ' ', simdjson::SIMDJSON_PADDING);
    data = copy_.get();
  }
  simdjson::ondemand::document doc;
  if (parser_.iterate(data, line.size(), line.size() + simdjson::SIMDJSON_PADDING).get(doc)) {
    return DecodeResult::kInvalid;
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return DecodeResult::kInvalid;
  bool have_log = false, have_stream = false;
  out->time = {};
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return DecodeResult::kInvalid;
    if (key == "log") {
      if (field.value().get_string().get(out->message)) return DecodeResult::kInvalid;
      have_log = true;
    } else if (key == "stream") {
      std::string_view stream;
      if (field.value().get_string().get(stream)) return DecodeResult::kInvalid;
      if (stream == "stdout") {
        out->stream = LogStream::kStdout;
      } else if (stream == "stderr") {
        out->stream = LogStream::kStderr;
      } else {
        return DecodeResult::kInvalid;
      }
      have_stream = true;
    } else if (key == "time") {
      if (field.value().get_string().get(out->time)) return DecodeResult::kInvalid;
    }
    // Any other key ("attrs" with --log-opt labels=...) is skipped by the iteration.
  }
  if (!have_log || !have_stream) return DecodeResult::kInvalid;
  // Past the last token after the object: "{...} trailing" is not a record (as in json_lines).
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return DecodeResult::kInvalid;
  out->partial = !out->message.ends_with('\n');
  if (!out->partial) out->message.remove_suffix(1);
  return DecodeResult::kOk;
}

}  // namespace accesslog
