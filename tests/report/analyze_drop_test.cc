// analyze with the config file's drop rules: matching lines are reported as dropped and counted
// nowhere else, as the exporter counts them; a rule the format cannot serve is a usage error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "report/analyze.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using testing::TempDir;
using testing::WriteFile;

std::string Line(const char* path, int code, const char* agent) {
  return std::string("192.0.2.1 - - [10/Oct/2026:13:55:36 +0000] \"GET ") + path + " HTTP/1.1\" " +
         std::to_string(code) + " 2 \"-\" \"" + agent + "\"\n";
}

TEST(AnalyzeDropTest, DroppedLinesAreReportedAndCountedNowhereElse) {
  TempDir dir;
  WriteFile(dir.File("a.log"), Line("/healthz", 200, "kube-probe/1.29") +
                                   Line("/healthz?x=1", 503, "kube-probe/1.29") +
                                   Line("/healthz", 200, "curl/8") + Line("/v1", 500, "curl/8"));
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.output = "json";
  o.drop = {{{"route", "/healthz"}, {"user_agent", "kube-probe/.*"}}};
  std::ostringstream out, err;
  ASSERT_EQ(RunAnalyze(o, out, err), kAnalyzeOk) << err.str();
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["totals"]["lines"], 4) << out.str();
  EXPECT_EQ(j["totals"]["dropped"], 2) << out.str();
  EXPECT_EQ(j["totals"]["responses"], 2) << out.str();

  o.output = "table";
  std::ostringstream text, text_err;
  ASSERT_EQ(RunAnalyze(o, text, text_err), kAnalyzeOk) << text_err.str();
  EXPECT_NE(text.str().find("dropped     2 (drop rules)"), std::string::npos) << text.str();
}

TEST(AnalyzeDropTest, ARuleTheFormatCannotServeIsAUsageError) {
  TempDir dir;
  WriteFile(dir.File("a.log"), Line("/", 200, "x"));
  AnalyzeOptions o;
  o.files = {dir.File("a.log")};
  o.drop = {{{"upstream", "x"}}};
  std::ostringstream out, err;
  EXPECT_EQ(RunAnalyze(o, out, err), kAnalyzeUsage);
  EXPECT_NE(err.str().find("drop rules: drop[0].upstream: the source's format does not carry"),
            std::string::npos)
      << err.str();
}

}  // namespace
}  // namespace accesslog
