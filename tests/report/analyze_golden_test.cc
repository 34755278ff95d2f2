// Golden-output tests of `analyze`: logs generated deterministically by the test, run through
// RunAnalyze in-process, compared byte for byte with tests/testdata/analyze/*.golden.
//
// To regenerate the goldens after an intended change of the output:
//   ACCESSLOG_UPDATE_GOLDEN=1 build/tests/report_test --gtest_filter='AnalyzeGolden*'
// and review the diff.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "config/openapi_loader.h"
#include "report/analyze.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

const std::string kGoldenDir = std::string(ACCESSLOG_TESTDATA_DIR) + "/analyze";

// "10/Oct/2000:HH:MM:SS -0700" for `seconds` after 10/Oct/2000:00:00:00 -0700 (< 20 days).
std::string ClfTime(int seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d/Oct/2000:%02d:%02d:%02d -0700", 10 + seconds / 86400,
                seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
  return buf;
}

std::string Combined(int seconds, const std::string& method, const std::string& path, int code,
                     int bytes) {
  return "192.0.2." + std::to_string(seconds % 200) + " - - [" + ClfTime(seconds) + "] \"" +
         method + " " + path + " HTTP/1.1\" " + std::to_string(code) + " " + std::to_string(bytes) +
         " \"-\" \"golden/1.0\"\n";
}

// 26 hours of traffic, one response every 2 minutes (so the windows are hourly), with an
// incident of 5xx in hour 5, a burst of 429 in hour 12, undocumented codes (302, 502) and a
// malformed line of every kind, including control bytes, invalid UTF-8, an over-long line and
// more malformed lines than there are samples.
std::string GoldenCombinedLog() {
  std::string log;
  for (int i = 0; i < 780; ++i) {
    const int t = i * 120;
    const int hour = t / 3600;
    std::string path;
    switch (i % 5) {
      case 0:
        path = "/v1/kittens";
        break;
      case 1:
        path = "/v1/kittens/" + std::to_string(1000 + i);
        break;
      case 2:
        path = "/v1/users/" + std::to_string(i % 7) + "/orders";
        break;
      case 3:
        path = "/health";
        break;
      default:
        path = "/v1/kittens/0a1b2c3d4e5f60718293a4b5?page=2";
    }
    int code = 200;
    if (i % 11 == 0) code = 201;
    if (i % 13 == 0) code = 404;
    if (i % 50 == 7) code = 400;
    if (i % 17 == 0) code = 302;
    if (hour == 5 && i % 3 == 0) code = 503;
    if (hour == 5 && i % 5 == 1) code = 500;
    if (hour == 12 && i % 2 == 0) code = 429;
    if (i % 97 == 0) code = 502;
    log += Combined(t, i % 5 == 2 ? "POST" : "GET", path, code, 100 + i % 900);
    switch (i) {
      case 100:
        log += "this is not an access log line\n";
        break;
      case 200:
        log += "192.0.2.1 - - [" + ClfTime(t) + "] \"GET / HTTP/1.1\" 2000 0 \"-\" \"x\"\n";
        break;
      case 300:
        log += "\x01\x1b[31mred\xff\xfe garbage\ttab\\end\n";
        break;
      case 400:
        log += "\n";
        break;
      case 500:
        log += std::string(2000, 'x') + "\n";  // over --log.max-line-bytes=1024
        break;
      case 600:
        log += "192.0.2.1 - - [" + ClfTime(t) + "] \"GET / HTTP/1.1\" abc 0 \"-\" \"x\"\n";
        break;
      case 700:
        log += "garbage " + std::string(300, 'g') + "\n";  // a sample is cut at 200 bytes
        break;
      case 750:
        log += "the seventh malformed line: counted, not sampled\n";
        break;
      default:
        break;
    }
  }
  return log;
}

// 30 minutes, one response every 15 s, in an nginx log_format with $request_time; the first
// half plain, the second half gzip-compressed.
constexpr const char* kNginxFormat =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent rt=$request_time)";

std::string NginxLine(int i) {
  const int t = 13 * 3600 + i * 15;
  int code = i % 9 == 0 ? 429 : 200;
  if (i % 20 == 3) code = 500;
  char rt[32];
  // Latencies from 1 ms to 1 s, and slow 5xx.
  std::snprintf(rt, sizeof rt, "%.3f",
                code == 500 ? 2.5 + i / 1000.0 : (1 + (i * 37) % 1000) / 1000.0);
  return "198.51.100.7 - - [" + ClfTime(t) + "] \"GET /api/orders/" + std::to_string(i) +
         " HTTP/1.1\" " + std::to_string(code) + " 321 rt=" + rt + "\n";
}

void WriteGzip(const std::string& path, const std::string& content) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

void ExpectGolden(const std::string& actual, const std::string& name) {
  const std::string path = kGoldenDir + "/" + name;
  const char* update = std::getenv("ACCESSLOG_UPDATE_GOLDEN");
  if (update != nullptr && *update != '\0') {
    WriteFile(path, actual);
    GTEST_SKIP() << "updated " << path;
  }
  EXPECT_EQ(actual, ReadFile(path))
      << "to update: ACCESSLOG_UPDATE_GOLDEN=1 report_test --gtest_filter='AnalyzeGolden*'";
}

// Runs the test inside the log's directory, so that reports name files by their short relative
// names and columns line up exactly as a user would see them.
class ScopedCwd {
 public:
  explicit ScopedCwd(const std::string& dir) : old_(getcwd(nullptr, 0)) {
    EXPECT_EQ(chdir(dir.c_str()), 0);
  }
  ~ScopedCwd() {
    EXPECT_EQ(chdir(old_), 0);
    free(old_);
  }
  ScopedCwd(const ScopedCwd&) = delete;
  ScopedCwd& operator=(const ScopedCwd&) = delete;

 private:
  char* old_;
};

struct AnalyzeRun {
  int status = -1;
  std::string out;
  std::string err;
};

AnalyzeRun Analyze(const AnalyzeOptions& options, const TempDir& dir) {
  ScopedCwd cwd(dir.path());
  std::ostringstream out, err;
  AnalyzeRun r;
  r.status = RunAnalyze(options, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

AnalyzeOptions CombinedOptions(const TempDir& dir, const std::string& output) {
  WriteFile(dir.File("access.log"), GoldenCombinedLog());
  AnalyzeOptions o;
  o.files = {"access.log"};
  o.output = output;
  o.route_templates = {"/v1/users/{user}/orders"};
  o.top = 5;
  o.max_line_bytes = 1024;
  o.color = AnalyzeOptions::Color::kNever;
  o.fail_on = {"5xx>1%", "undocumented>0", "429>=50%"};
  return o;
}

AnalyzeOptions NginxOptions(const TempDir& dir, const std::string& output) {
  std::string first, second;
  for (int i = 0; i < 60; ++i) first += NginxLine(i);
  for (int i = 60; i < 120; ++i) second += NginxLine(i);
  WriteFile(dir.File("nginx.log.1"), first);
  WriteGzip(dir.File("nginx.log.2.gz"), second);
  AnalyzeOptions o;
  o.files = {"nginx.log.1", "nginx.log.2.gz"};
  o.format.format = kNginxFormat;
  o.output = output;
  o.color = AnalyzeOptions::Color::kNever;
  return o;
}

// The contract example: examples/openapi-access.log against examples/openapi.yaml, both copied
// beside the run so that the report names them by their short names.
AnalyzeOptions OpenApiOptions(const TempDir& dir, const std::string& output) {
  const std::string examples = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/";
  WriteFile(dir.File("openapi-access.log"), ReadFile(examples + "openapi-access.log"));
  WriteFile(dir.File("openapi.yaml"), ReadFile(examples + "openapi.yaml"));
  AnalyzeOptions o;
  o.files = {"openapi-access.log"};
  o.output = output;
  o.color = AnalyzeOptions::Color::kNever;
  o.fail_on = {"unmatched>1%", "undocumented>0"};
  ScopedCwd cwd(dir.path());
  std::string error;
  o.api = LoadApiContract({.openapi = "openapi.yaml"}, &error);
  EXPECT_TRUE(o.api) << error;
  return o;
}

class AnalyzeGoldenTest : public ::testing::TestWithParam<std::string> {};

std::string Extension(const std::string& output) {
  return output == "table" ? "txt" : output == "json" ? "json" : "md";
}

TEST_P(AnalyzeGoldenTest, CombinedLog) {
  TempDir dir;
  const AnalyzeRun r = Analyze(CombinedOptions(dir, GetParam()), dir);
  EXPECT_EQ(r.status, kAnalyzeFailedOn);  // 5xx>1% and undocumented>0 hold
  EXPECT_EQ(r.err,
            "analyze: fail-on condition holds: 5xx>1% (5xx ratio is 2.95%)\n"
            "analyze: fail-on condition holds: undocumented>0 (undocumented count is 52)\n");
  ExpectGolden(r.out, "combined." + Extension(GetParam()) + ".golden");
}

TEST_P(AnalyzeGoldenTest, NginxLogWithLatencyPlainAndGzip) {
  TempDir dir;
  const AnalyzeRun r = Analyze(NginxOptions(dir, GetParam()), dir);
  EXPECT_EQ(r.status, kAnalyzeOk) << r.err;
  EXPECT_EQ(r.err, "");
  ExpectGolden(r.out, "nginx." + Extension(GetParam()) + ".golden");
}

TEST_P(AnalyzeGoldenTest, OpenApiExample) {
  TempDir dir;
  const AnalyzeRun r = Analyze(OpenApiOptions(dir, GetParam()), dir);
  EXPECT_EQ(r.status, kAnalyzeFailedOn);
  EXPECT_EQ(r.err,
            "analyze: fail-on condition holds: unmatched>1% (unmatched ratio is 9.70%)\n"
            "analyze: fail-on condition holds: undocumented>0 (undocumented count is 8)\n");
  ExpectGolden(r.out, "openapi." + Extension(GetParam()) + ".golden");
}

INSTANTIATE_TEST_SUITE_P(Outputs, AnalyzeGoldenTest, ::testing::Values("table", "markdown", "json"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST(AnalyzeColorTest, AlwaysColoursTheTableAndNeverDoesNot) {
  TempDir dir;
  AnalyzeOptions o = CombinedOptions(dir, "table");
  o.color = AnalyzeOptions::Color::kAlways;
  const AnalyzeRun coloured = Analyze(o, dir);
  EXPECT_NE(coloured.out.find("\033[1mResponses by status code\033[0m"), std::string::npos);
  EXPECT_NE(coloured.out.find("\033[33mNO\033[0m"), std::string::npos);  // undocumented
  o.color = AnalyzeOptions::Color::kNever;
  EXPECT_EQ(Analyze(o, dir).out.find('\033'), std::string::npos);
  // kAuto writes no colour to anything but a terminal on stdout (an ostringstream here).
  o.color = AnalyzeOptions::Color::kAuto;
  EXPECT_EQ(Analyze(o, dir).out.find('\033'), std::string::npos);
}

TEST(AnalyzeProgressTest, SilentWhenErrIsNotATerminal) {
  TempDir dir;
  AnalyzeOptions o = CombinedOptions(dir, "json");
  o.fail_on.clear();
  const AnalyzeRun r = Analyze(o, dir);
  EXPECT_EQ(r.status, kAnalyzeOk);
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace accesslog
