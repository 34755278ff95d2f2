// The unwrap stage's per-line path allocates nothing once warm: whole records, split lines
// reassembled per stream, dropped streams and invalid records, in both envelopes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "support/allocation_counter.h"
#include "unwrap/unwrap.h"

namespace accesslog {
namespace {

class CountingSink : public MessageSink {
 public:
  void OnLine(std::string_view line) override { bytes += line.size(); }
  void OnOverlongLine() override {}
  void OnBytesRead(size_t) override {}
  void OnRotation() override {}
  void OnDroppedLine() override { ++dropped; }
  void OnMalformedRecord() override { ++malformed; }
  size_t bytes = 0, dropped = 0, malformed = 0;
};

std::vector<std::string> Records(Wrapper w) {
  const std::string line = R"(10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 1)";
  const std::string big(20000, 'x');
  std::vector<std::string> out;
  if (w == Wrapper::kCri) {
    out.push_back("2024-05-06T07:08:09.1Z stdout F " + line);
    out.push_back("2024-05-06T07:08:09.1Z stdout P " + big.substr(0, 16384));
    out.push_back("2024-05-06T07:08:09.1Z stderr P " + big.substr(0, 100));
    out.push_back("2024-05-06T07:08:09.1Z stdout F " + big.substr(16384));
    out.push_back("2024-05-06T07:08:09.1Z stderr F e");
    out.push_back("garbage");
  } else {
    out.push_back(R"({"log":"GET \"/a\" 200\n","stream":"stdout","time":"t"})");
    out.push_back(R"({"log":")" + big.substr(0, 16384) + R"(","stream":"stdout","time":"t"})");
    out.push_back(R"({"log":"e","stream":"stderr","time":"t"})");
    out.push_back(R"({"log":")" + big.substr(16384) + R"(\n","stream":"stdout","time":"t"})");
    out.push_back(R"({"log":"\n","stream":"stderr","time":"t"})");
    out.push_back(R"({"log":)");
  }
  return out;
}

class AllocationTest : public ::testing::TestWithParam<Wrapper> {};
INSTANTIATE_TEST_SUITE_P(Envelopes, AllocationTest,
                         ::testing::Values(Wrapper::kCri, Wrapper::kDocker),
                         [](const ::testing::TestParamInfo<Wrapper>& p) {
                           return std::string(WrapperName(p.param));
                         });

TEST_P(AllocationTest, ThePerLinePathDoesNotAllocateOnceWarm) {
  CountingSink sink;
  DockerDecoder docker(64 * 1024);
  UnwrapOptions options;
  options.wrapper = GetParam();
  Unwrapper u(options, 64 * 1024, &sink, &docker);
  const std::vector<std::string> records = Records(GetParam());
  for (const auto& r : records) u.OnLine(r);  // warm: the partial buffers grow once
  const size_t before = testing::Allocations();
  for (int round = 0; round < 100; ++round) {
    for (const auto& r : records) u.OnLine(r);
  }
  EXPECT_EQ(testing::Allocations() - before, 0u);
  EXPECT_EQ(sink.dropped, 101u * 1);  // one stderr line per round, split or not
  EXPECT_EQ(sink.malformed, 101u);
}

}  // namespace
}  // namespace accesslog
