// A source's drop rules across a reload: a reload that changes only the rules applies them (the
// counters and file positions go on), and one with a bad pattern is refused, naming the key.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kProbe =
    "10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] \"GET /healthz HTTP/1.1\" 200 2 \"-\" "
    "\"kube-probe/1.29\"\n";
const std::string kApi =
    "10.0.0.2 - - [10/Oct/2026:13:55:37 +0000] \"GET /v1/cats HTTP/1.1\" 200 9 \"-\" "
    "\"curl/8.4.0\"\n";

TEST(DropReloadTest, ChangedRulesApplyAfterReloadAndBadOnesAreRefused) {
  TempDir dir;
  testing::WriteFile(dir.File("a.log"), kProbe + kApi);
  testing::WriteFile(dir.File("c.yaml"), "sources:\n  - {name: api, files: a.log}\n");
  testing::ExporterProcess exporter(
      {"--config.file=" + dir.File("c.yaml"), "--tail.poll-interval=100", "--tail.from=start",
       "--web.enable-lifecycle"},
      dir.File("stdout"), dir.File("stderr"));
  ASSERT_TRUE(exporter.Listening()) << exporter.log();
  const int port = exporter.port();
  auto metrics = [&] { return HttpGet(port, "/metrics").value_or(""); };
  const std::string parsed = R"(accesslog_lines_total{log="api",result="parsed"})";
  const std::string dropped = R"(accesslog_lines_total{log="api",result="dropped"})";
  ASSERT_TRUE(WaitFor([&] { return SampleValue(metrics(), parsed) == 2; }, 5s)) << metrics();

  auto reload = [&](std::string* body) {
    httplib::Client client("127.0.0.1", port);
    auto res = client.Post("/-/reload");
    if (!res) return -1;
    *body = res->body;
    return res->status;
  };
  std::string body;
  testing::WriteFile(dir.File("c.yaml"),
                     "sources:\n  - name: api\n    files: a.log\n    drop:\n"
                     "      - {path: '/healthz', user_agent: 'kube-probe/.*'}\n");
  ASSERT_EQ(reload(&body), 200) << body;
  testing::AppendFile(dir.File("a.log"), kProbe + kApi + kProbe);
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string m = metrics();
        return SampleValue(m, parsed) == 3 && SampleValue(m, dropped) == 2;
      },
      5s))
      << metrics();

  testing::WriteFile(dir.File("c.yaml"),
                     "sources:\n  - name: api\n    files: a.log\n    drop:\n"
                     "      - {path: '/(healthz'}\n");
  EXPECT_EQ(reload(&body), 500);
  EXPECT_NE(body.find("c.yaml:5:16: sources[0].drop[0].path: invalid RE2 pattern"),
            std::string::npos)
      << body;
  // The running rules stay.
  testing::AppendFile(dir.File("a.log"), kProbe);
  ASSERT_TRUE(WaitFor([&] { return SampleValue(metrics(), dropped) == 3; }, 5s)) << metrics();
  EXPECT_EQ(SampleValue(metrics(), parsed), 3);
  EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
