// RunAnalyze in-process: validation, statuses and the sections a format decides.
#include "report/analyze.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "report/run_analyze.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::Analyze;
using testing::AnalyzeResult;
using testing::TempDir;
using testing::WriteFile;

constexpr const char* kLine =
    R"(192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 1 "-" "u")";

TEST(AnalyzeTest, UsageErrorsAreStatus2WithOneLineNamingTheProblem) {
  TempDir dir;
  WriteFile(dir.File("a.log"), std::string(kLine) + "\n");
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};

  AnalyzeOptions bad = o;
  bad.fail_on = {"5xx>1%", "5xx>>1%"};
  AnalyzeResult r = Analyze(bad);
  EXPECT_EQ(r.status, kAnalyzeUsage);
  EXPECT_EQ(r.err, "analyze: --fail-on '5xx>>1%': '>1' is not a non-negative number\n");
  EXPECT_EQ(r.out, "") << "no report on a usage error";

  bad = o;
  bad.output = "xml";
  EXPECT_EQ(Analyze(bad).status, kAnalyzeUsage);

  bad = o;
  bad.format.format = "regex:(";
  r = Analyze(bad);
  EXPECT_EQ(r.status, kAnalyzeUsage);
  EXPECT_NE(r.err.find("--log.format"), std::string::npos) << r.err;

  bad = o;
  bad.files = {"-", "-"};
  EXPECT_EQ(Analyze(bad).status, kAnalyzeUsage);

  bad = o;
  bad.route_templates = {"users/{id}"};
  EXPECT_EQ(Analyze(bad).status, kAnalyzeUsage);
}

TEST(AnalyzeTest, AMissingFileIsStatus1BeforeAnyReading) {
  TempDir dir;
  WriteFile(dir.File("a.log"), std::string(kLine) + "\n");
  AnalyzeOptions o;
  o.files = {dir.File("a.log"), dir.File("missing.log")};
  const AnalyzeResult r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeError);
  EXPECT_EQ(r.err,
            "analyze: cannot open '" + dir.File("missing.log") + "': No such file or directory\n");
  EXPECT_EQ(r.out, "");
}

TEST(AnalyzeTest, ADirectoryOrABadStatusTableIsStatus1) {
  TempDir dir;
  AnalyzeOptions o;
  o.files = {dir.path()};
  AnalyzeResult r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeError);
  EXPECT_NE(r.err.find("it is a directory"), std::string::npos) << r.err;

  WriteFile(dir.File("a.log"), std::string(kLine) + "\n");
  WriteFile(dir.File("codes.yaml"), "codes: [ {code: 99} ]\n");
  o.files = {dir.File("a.log")};
  o.status_codes_file = dir.File("codes.yaml");
  r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeError);
  EXPECT_NE(r.err.find("--status.codes"), std::string::npos) << r.err;
}

TEST(AnalyzeTest, ACustomStatusTableDecidesWhatIsDocumented) {
  TempDir dir;
  WriteFile(dir.File("a.log"), std::string(kLine) + "\n");
  WriteFile(dir.File("codes.yaml"), "codes:\n  - code: 418\n    meaning: teapot\n");
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.status_codes_file = dir.File("codes.yaml");
  o.output = "json";
  o.fail_on = {"undocumented>0"};
  const AnalyzeResult r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeFailedOn);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["codes"][0]["code"], 200);
  EXPECT_EQ(j["codes"][0]["documented"], false);
  EXPECT_TRUE(j["codes"][0]["meaning"].is_null());
}

TEST(AnalyzeTest, AFormatWithoutTimeSkipsTheWindowsAndSaysSo) {
  TempDir dir;
  WriteFile(dir.File("a.json"), R"({"status":200,"request_uri":"/a","request_time":0.010})"
                                "\n"
                                R"({"status":503,"request_uri":"/a","request_time":0.020})"
                                "\n");
  AnalyzeOptions o;
  o.files = {dir.File("a.json")};
  o.format.format = "json";
  o.output = "json";
  AnalyzeResult r = Analyze(o);
  ASSERT_EQ(r.status, kAnalyzeOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["windows"]["available"], false);
  EXPECT_EQ(j["windows"]["reason"], "the log lines carry no timestamp");
  EXPECT_TRUE(j["windows"]["worst_5xx"].is_null());
  EXPECT_EQ(j["windows"]["untimed"], 2);
  EXPECT_EQ(j["latency"]["count"], 2);
  EXPECT_NEAR(j["latency"]["max"].get<double>(), 0.020, 1e-9);
  EXPECT_EQ(j["routes"]["top_5xx"][0]["route"], "/a");

  o.output = "table";
  r = Analyze(o);
  EXPECT_NE(r.out.find("Time windows\n  Skipped: the log lines carry no timestamp."),
            std::string::npos)
      << r.out;
}

TEST(AnalyzeTest, EmptyInputIsAReportOfZeros) {
  TempDir dir;
  WriteFile(dir.File("empty.log"), "");
  AnalyzeOptions o;
  o.files = {dir.File("empty.log")};
  o.output = "json";
  o.fail_on = {"5xx>0%", "malformed>0"};
  const AnalyzeResult r = Analyze(o);
  EXPECT_EQ(r.status, kAnalyzeOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["totals"]["lines"], 0);
  EXPECT_EQ(j["ratios"]["5xx"]["ratio"], 0.0);
  EXPECT_EQ(j["windows"]["reason"], "no responses");
}

TEST(AnalyzeTest, CrlfLinesAndAMissingFinalNewlineAndFilesNotGluedTogether) {
  TempDir dir;
  // a.log ends without "\n": its last line must not be joined to b.log's first.
  WriteFile(dir.File("a.log"), std::string(kLine) + "\r\n" + kLine);
  WriteFile(dir.File("b.log"), std::string(kLine) + "\n");
  AnalyzeOptions o;
  o.files = {dir.File("a.log"), dir.File("b.log")};
  o.output = "json";
  const AnalyzeResult r = Analyze(o);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["totals"]["lines"], 3);
  EXPECT_EQ(j["totals"]["responses"], 3);
  EXPECT_EQ(j["inputs"][0]["lines"], 2);
}

TEST(AnalyzeTest, RouteTemplatesNameTheRoutes) {
  TempDir dir;
  std::string log;
  for (int i = 0; i < 5; ++i) {
    log += "192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /users/u" + std::to_string(i) +
           "/orders HTTP/1.1\" 500 1 \"-\" \"u\"\n";
  }
  WriteFile(dir.File("a.log"), log);
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.output = "json";
  o.route_templates = {"/users/{name}/orders"};
  const auto j = nlohmann::json::parse(Analyze(o).out);
  ASSERT_EQ(j["routes"]["top_5xx"].size(), 1u);
  EXPECT_EQ(j["routes"]["top_5xx"][0]["route"], "/users/{name}/orders");
  EXPECT_EQ(j["routes"]["top_5xx"][0]["count"], 5);
}

// --log.wrapper: the envelope is taken off as in the exporter, stderr lines are dropped (and
// said so), a split line counts once, and the runtime's time stands in for a format without one.
TEST(AnalyzeTest, ContainerLogsThroughTheirEnvelope) {
  TempDir dir;
  const std::string long_path = "/" + std::string(20000, 'a');
  std::string cri;
  cri += "2024-05-06T07:08:09.100000000Z stdout F GET /a 200\n";
  cri += "2024-05-06T07:08:10.100000000Z stderr F oops\n";
  const std::string split = "GET " + long_path + " 503";
  cri += "2024-05-06T07:08:11.000000001Z stdout P " + split.substr(0, 16384) + "\n";
  cri += "2024-05-06T07:08:11.000000002Z stdout F " + split.substr(16384) + "\n";
  cri += "not a record\n";
  WriteFile(dir.File("0.log"), cri);
  AnalyzeOptions o;
  o.files = {dir.File("0.log")};
  o.format.format = R"(regex:^(?P<method>\S+) (?P<path>\S+) (?P<status>\d{3})$)";
  o.unwrap.wrapper = Wrapper::kCri;
  o.output = "json";
  const AnalyzeResult r = Analyze(o);
  ASSERT_EQ(r.status, kAnalyzeOk) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["totals"]["lines"], 4);
  EXPECT_EQ(j["totals"]["responses"], 2);
  EXPECT_EQ(j["totals"]["malformed"], 1);
  EXPECT_EQ(j["totals"]["dropped"], 1);
  EXPECT_EQ(j["totals"]["first_time"], "2024-05-06T07:08:09Z");
  EXPECT_EQ(j["totals"]["last_time"], "2024-05-06T07:08:11Z");
  // Without a wrapper the report has no "dropped" (and reads the records as lines).
  o.unwrap.wrapper = Wrapper::kNone;
  const auto plain = nlohmann::json::parse(Analyze(o).out);
  EXPECT_FALSE(plain["totals"].contains("dropped"));
  EXPECT_EQ(plain["totals"]["responses"], 0);
}

}  // namespace
}  // namespace accesslog
