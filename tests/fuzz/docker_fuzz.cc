// libFuzzer target: the docker json-file envelope (DockerDecoder: its direct path for Docker's
// layout must agree with simdjson On-Demand, DecodeAnyLayout, on every input) and the
// Unwrapper over it, on arbitrary bytes. Whatever the input: Decode returns; reading the line
// in place (padded, garbage after it) gives the same result and the same record as reading a
// copy; a final record's message never ends in the "\n" that ended its "log"; the input cut at
// "\n" and fed as records to an Unwrapper never holds more than the maximum per stream and
// holds nothing after OnEndOfFile.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "unwrap/docker_scan.h"
#include "unwrap/envelope.h"
#include "unwrap/unwrap.h"

namespace {

constexpr size_t kMax = 4096;

class CheckingSink : public accesslog::MessageSink {
 public:
  void OnLine(std::string_view line) override {
    if (line.size() > kMax) std::abort();
  }
  void OnOverlongLine() override {}
  void OnBytesRead(size_t) override {}
  void OnRotation() override {}
  void OnDroppedLine() override {}
  void OnMalformedRecord() override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static accesslog::DockerDecoder decoder(kMax);
  static std::string padded;
  padded.assign(input);
  for (size_t i = 0; i < accesslog::kDockerPaddingBytes; ++i) {
    padded.push_back(size > 0 ? input[i % size] : '"');
  }
  accesslog::Record a;
  const auto in_place = decoder.Decode(std::string_view(padded.data(), size), true, &a);
  const std::string a_message(a.message), a_time(a.time);
  const auto a_stream = a.stream;
  const bool a_partial = a.partial;
  accesslog::Record b;
  if (decoder.Decode(input, false, &b) != in_place) std::abort();
  if (in_place == accesslog::DecodeResult::kOk) {
    if (b.message != a_message || b.time != a_time || b.stream != a_stream ||
        b.partial != a_partial) {
      std::abort();
    }
    if (b.message.size() > size) std::abort();
  }
  // The direct path (Docker's layout) and simdjson agree: same result, same record.
  accesslog::Record c;
  if (decoder.DecodeAnyLayout(input, false, &c) != in_place) std::abort();
  if (in_place == accesslog::DecodeResult::kOk &&
      (c.message != a_message || c.time != a_time || c.stream != a_stream ||
       c.partial != a_partial)) {
    std::abort();
  }

  // Every other scan this CPU can run gives the same result and record as the default one.
  const accesslog::DockerScan best = accesslog::CurrentDockerScan();
  for (const auto scan : {accesslog::DockerScan::kScalar, accesslog::DockerScan::kAvx2,
                          accesslog::DockerScan::kAvx512, accesslog::DockerScan::kNeon}) {
    if (scan == best || !accesslog::SetDockerScanForTesting(scan)) continue;
    accesslog::Record e, f;
    const auto re = decoder.Decode(std::string_view(padded.data(), size), true, &e);
    const std::string e_message(e.message);
    const auto rf = decoder.Decode(input, false, &f);
    if (re != in_place || rf != in_place) std::abort();
    if (in_place == accesslog::DecodeResult::kOk &&
        (e_message != a_message || f.message != a_message || f.time != a_time ||
         f.stream != a_stream || f.partial != a_partial)) {
      std::abort();
    }
  }
  if (!accesslog::SetDockerScanForTesting(best)) std::abort();

  CheckingSink sink;
  accesslog::UnwrapOptions options;
  options.wrapper = accesslog::Wrapper::kDocker;
  options.streams = {true, true};
  accesslog::Unwrapper u(options, kMax, &sink, &decoder);
  std::string_view rest = input;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    u.OnLine(rest.substr(0, nl));
    if (u.pending_bytes() > accesslog::kNumLogStreams * kMax) std::abort();
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  u.OnEndOfFile();
  if (u.pending_bytes() != 0) std::abort();
  return 0;
}
