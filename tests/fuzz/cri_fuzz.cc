// libFuzzer target: the CRI envelope (DecodeCri) and the Unwrapper over it, on arbitrary bytes.
// Whatever the input: DecodeCri returns, and a decoded record's time and message are views
// inside the line; the input cut at "\n" and fed as records to an Unwrapper (both streams
// counted, a small maximum) never holds more than the maximum per stream, never hands on a
// message longer than the maximum, and holds nothing after OnEndOfFile.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "unwrap/envelope.h"
#include "unwrap/unwrap.h"

namespace {

constexpr size_t kMax = 512;

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

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() ||
         (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  accesslog::Record r;
  if (accesslog::DecodeCri(input, &r) == accesslog::DecodeResult::kOk) {
    if (!Inside(r.time, input) || !Inside(r.message, input)) std::abort();
    if (!accesslog::IsRfc3339Time(r.time)) std::abort();
  }
  CheckingSink sink;
  accesslog::UnwrapOptions options;
  options.wrapper = accesslog::Wrapper::kCri;
  options.streams = {true, true};
  accesslog::Unwrapper u(options, kMax, &sink, nullptr);
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
