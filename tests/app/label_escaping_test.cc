// Label values hold whatever bytes the logs and the configuration hold; the /metrics exposition
// must stay valid text format 0.0.4 (what `promtool check metrics` reads): in a label value `\`
// is written `\\`, `"` is written `\"` and a newline `\n`, and nothing else is escaped; values
// are UTF-8, so an ill-formed sequence is exported as U+FFFD (README, Metrics).
#include <gtest/gtest.h>
#include <signal.h>

#include <string>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// nginx's default escaping writes `"`, `\` and control bytes as \xHH: those reach the labels as
// the four characters, so each backslash must be escaped in the exposition.
std::string Nginx(const std::string& request, const std::string& status, const std::string& host) {
  return "192.0.2.9 - - [25/Nov/2026:10:00:00 +0000] \"" + request + "\" " + status +
         " 10 \"-\" \"-\" host=" + host + "\n";
}

TEST(LabelEscapingTest, AnyBytesInLabelValuesGiveAValidExposition) {
  TempDir dir;
  const std::string long_path = "/" + std::string(60000, 'p');
  const std::string long_host = std::string(3000, 'h');
  const std::string edge =
      Nginx(R"(GET /a\x22b\x5Cc\x0Ad HTTP/1.1)", "200", R"(ex\x22ample.com)") +
      Nginx("GET /caf\xe9/\xc3\xa9t\xc3\xa9 HTTP/1.1", "404", "h\xff\xfe.example") +
      Nginx("GET " + long_path + " HTTP/1.1", "200", long_host) +
      Nginx(R"(G\x22ET /x HTTP/1.1)", "200", "m.example") +
      // Apache-style escapes inside the quoted request: a quote and a backslash in the path.
      Nginx(R"(GET /q\"uote\\ HTTP/1.1)", "200", "q.example");
  // JSON escapes decode to the bytes themselves: quotes, backslashes, a newline, a tab.
  const std::string json =
      R"({"status":200,"request_method":"POST","request_uri":"/j/\"q\"/back\\slash",)"
      R"("host":"line1\nline2\ttab"})"
      "\n"
      R"({"status":201,"request_method":"PUT","request_uri":"/\u00e9t\u00e9","host":"\ud83d\ude00"})"
      "\n";
  testing::WriteFile(dir.File("edge.log"), edge);
  testing::WriteFile(dir.File("app.json"), json);
  testing::WriteFile(
      dir.File("c.yaml"),
      "sources:\n"
      "  - name: edge\n"
      "    files: edge.log\n"
      "    format: '$remote_addr - $remote_user [$time_local] \"$request\" $status "
      "$body_bytes_sent \"$http_referer\" \"$http_user_agent\" host=$host'\n"
      // The source name and the static value carry a quote, a backslash and a newline too.
      "  - {name: 'js\"o\\n', files: app.json, format: json}\n"
      "labels:\n"
      "  log: true\n"
      "  method: true\n"
      "  host: true\n"
      "  route: true\n"
      "  static: {env: \"pro\\\"d\\\\uction\\nline2\"}\n");

  testing::ExporterProcess exporter(
      {"--config.file=" + dir.File("c.yaml"), "--tail.from=start", "--tail.poll-interval=100"},
      dir.File("stdout"), dir.File("stderr"));
  ASSERT_TRUE(exporter.Listening()) << exporter.log();
  const int port = exporter.port();
  std::string m;
  ASSERT_TRUE(WaitFor(
      [&] {
        m = HttpGet(port, "/metrics").value_or("");
        return SampleValue(m, R"(accesslog_lines_total{log="edge",result="parsed"})") == 5 &&
               SampleValue(m, R"(accesslog_lines_total{log="js\"o\\n",result="parsed"})") == 2;
      },
      10s))
      << m << testing::ReadFile(dir.File("stderr"));
  // A scrape collects the responses before the line counts: scrape again, now that every line
  // has been counted, to see all of them.
  m = HttpGet(port, "/metrics").value_or("");

  const std::string env = R"(env="pro\"d\\uction\nline2")";
  const std::string ok200 = R"(accesslog_http_responses_total{class="2xx",code="200",)"
                            R"(documented="true",)";
  // nginx \xHH escapes: each backslash doubled, nothing else touched.
  EXPECT_EQ(SampleValue(m, ok200 +
                               R"(log="edge",method="GET",host="ex\\x22ample.com",)"
                               R"(route="/a\\x22b\\x5Cc\\x0Ad",)" +
                               env + "}"),
            1)
      << m;
  // Invalid UTF-8: one U+FFFD per ill-formed sequence; the valid "été" is kept as it is.
  EXPECT_EQ(SampleValue(m, R"(accesslog_http_responses_total{class="4xx",code="404",)"
                           R"(documented="true",log="edge",method="GET",host="h)" +
                               kReplacement + kReplacement + R"(.example",route="/caf)" +
                               kReplacement + "/\xc3\xa9t\xc3\xa9\"," + env + "}"),
            1);
  // Long values are kept whole.
  EXPECT_EQ(SampleValue(m, ok200 + R"(log="edge",method="GET",host=")" + long_host +
                               R"(",route=")" + long_path + "\"," + env + "}"),
            1);
  // A method that is not a known one is OTHER, whatever its bytes.
  EXPECT_EQ(SampleValue(
                m, ok200 + R"(log="edge",method="OTHER",host="m.example",route="/x",)" + env + "}"),
            1);
  // A raw quote and backslashes in a value.
  EXPECT_EQ(SampleValue(m, ok200 +
                               R"(log="edge",method="GET",host="q.example",)"
                               R"(route="/q\\\"uote\\\\",)" +
                               env + "}"),
            1);
  // JSON: a real newline is written \n, a tab stays a tab.
  EXPECT_EQ(SampleValue(m, ok200 + R"(log="js\"o\\n",method="POST",host="line1\nline2)" + "\t" +
                               R"(tab",route="/j/\"q\"/back\\slash",)" + env + "}"),
            1);
  EXPECT_EQ(SampleValue(m, R"(accesslog_http_responses_total{class="2xx",code="201",)"
                           R"(documented="true",log="js\"o\\n",method="PUT",host=")"
                           "\xf0\x9f\x98\x80"
                           R"(",route="/)"
                           "\xc3\xa9t\xc3\xa9\"," +
                               env + "}"),
            1);
  EXPECT_EQ(SampleValue(m, R"(accesslog_files_followed{log="js\"o\\n"})"), 1);

  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, m), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";
  EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
