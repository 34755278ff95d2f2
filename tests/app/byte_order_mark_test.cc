// A UTF-8 byte-order mark at the start of a file or stream (what editors and Windows tools write)
// is not part of the first line, for every format: read by the real binary from a file
// (--oneshot), from standard input, and by `analyze`. On main the first line of each case was
// malformed (the mark stood before its first field).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WriteFile;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
const std::string kMark = "\xEF\xBB\xBF";

struct Case {
  const char* name;
  std::vector<std::string> flags;  // besides --oneshot and --log.file
  std::string first, second;       // two lines that parse
};

const std::string kCommon = R"(192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5)";
const std::string kCombined = kCommon + R"( "-" "curl/8")";

const Case kCases[] = {
    {"Combined", {"--log.format=combined"}, kCombined, kCombined},
    {"Common", {"--log.format=common"}, kCommon, kCommon},
    {"Json",
     {"--log.format=json"},
     R"({"status":200,"request":"GET / HTTP/1.1"})",
     R"({"status":404})"},
    {"Nginx",
     {"--log.format=$remote_addr [$time_local] \"$request\" $status"},
     R"(192.0.2.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200)",
     R"(192.0.2.2 [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 404)"},
    {"Apache",
     {"--log.format=%h %t \"%r\" %>s"},
     R"(192.0.2.1 [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200)",
     R"(192.0.2.2 [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 404)"},
    {"Regex", {"--log.format=^(?P<status>\\d{3}) (?P<path>\\S+)$"}, "200 /a", "404 /b"},
    {"CriEnvelope",
     {"--log.format=combined", "--log.wrapper=cri"},
     "2024-05-06T07:08:09.000000001Z stdout F " + kCombined,
     "2024-05-06T07:08:09.000000002Z stdout F " + kCombined},
};

std::string Lines(const std::string& out, const std::string& log, const char* result) {
  const auto v =
      SampleValue(out, "accesslog_lines_total{log=\"" + log + "\",result=\"" + result + "\"}");
  return v ? std::to_string(static_cast<long>(*v)) : "absent";
}

class ByteOrderMarkTest : public ::testing::TestWithParam<Case> {};

TEST_P(ByteOrderMarkTest, IsSkippedInAFileAndOnStandardInput) {
  const Case& c = GetParam();
  TempDir dir;
  const std::string text = kMark + c.first + "\n" + c.second + "\n";
  WriteFile(dir.File("access.log"), text);
  std::vector<std::string> argv = {kBin, "--oneshot", "--log.file=" + dir.File("access.log")};
  argv.insert(argv.end(), c.flags.begin(), c.flags.end());
  std::string out;
  ASSERT_EQ(RunCommand(argv, &out, 30s), 0) << out;
  EXPECT_EQ(Lines(out, dir.File("access.log"), "parsed"), "2") << out;
  EXPECT_EQ(Lines(out, dir.File("access.log"), "malformed"), "0");

  argv[2] = "--log.file=-";
  ASSERT_EQ(RunCommand(argv, &out, 30s, text), 0) << out;
  EXPECT_EQ(Lines(out, "stdin", "parsed"), "2") << out;
  EXPECT_EQ(Lines(out, "stdin", "malformed"), "0");
}

INSTANTIATE_TEST_SUITE_P(Formats, ByteOrderMarkTest, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(ByteOrderMarkAnalyzeTest, EachInputFromItsFirstByte) {
  TempDir dir;
  const std::string line = R"({"status":200})";
  WriteFile(dir.File("a.log"), kMark + line + "\n");
  WriteFile(dir.File("b.log"), kMark + line + "\n" + kMark + line + "\n");
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "analyze", "--output=json", "--log.format=json", dir.File("a.log"),
                        dir.File("b.log")},
                       &out, 30s),
            0)
      << out;
  // Three lines: two parsed, and a mark that is not at the start of its file stays part of its
  // line (malformed).
  EXPECT_NE(out.find("\"responses\": 2,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"malformed\": 1,"), std::string::npos) << out;
}

}  // namespace
}  // namespace accesslog
