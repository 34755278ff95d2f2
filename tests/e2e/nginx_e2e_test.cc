// End to end with a real nginx (Debian package): nginx answers each documented code plus 302
// and 502 on a loopback port chosen at run time and writes its real access log; the exporter
// follows that log; after a known number of requests of each code, /metrics must show exactly
// those counts, and promtool must have nothing to say about the exposition.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const char* kNginx = "/usr/sbin/nginx";

// code -> how many requests; different counts so a mix-up between codes cannot pass.
const std::map<int, int> kRequests = {{200, 9},  {201, 2}, {202, 3}, {204, 4}, {400, 5}, {401, 6},
                                      {403, 7},  {404, 8}, {405, 1}, {406, 2}, {410, 3}, {418, 4},
                                      {429, 11}, {500, 5}, {503, 6}, {504, 7}, {302, 3}, {502, 4}};

std::string NginxConf(const std::string& dir, int port) {
  std::string locations;
  for (const auto& [code, n] : kRequests) {
    const std::string c = std::to_string(code);
    locations +=
        "    location = /c" + c + " { return " + c + (code == 302 ? " /c200" : "") + "; }\n";
  }
  return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir +
         "/nginx.pid;\n"
         "error_log " +
         dir +
         "/error.log warn;\n"
         "events { worker_connections 64; }\n"
         "http {\n"
         "  access_log " +
         dir +
         "/access.log combined;\n"
         "  client_body_temp_path " +
         dir + "/body;\n  proxy_temp_path " + dir +
         "/proxy;\n"
         "  fastcgi_temp_path " +
         dir + "/fastcgi;\n  uwsgi_temp_path " + dir +
         "/uwsgi;\n"
         "  scgi_temp_path " +
         dir +
         "/scgi;\n"
         "  server {\n    listen 127.0.0.1:" +
         std::to_string(port) + ";\n" + locations + "  }\n}\n";
}

TEST(NginxEndToEndTest, CountsEveryCodeExactly) {
  TempDir dir;
  const int nginx_port = testing::FreePort();
  testing::WriteFile(dir.File("nginx.conf"), NginxConf(dir.path(), nginx_port));
  Process nginx(
      {kNginx, "-p", dir.path(), "-e", dir.File("error.log"), "-c", dir.File("nginx.conf")},
      dir.File("nginx.out"), dir.File("nginx.err"));
  ASSERT_TRUE(nginx.started());
  int status = 0;
  ASSERT_TRUE(WaitFor([&] { return HttpGet(nginx_port, "/c200", &status).has_value(); }, 10s))
      << testing::ReadFile(dir.File("nginx.err")) << testing::ReadFile(dir.File("error.log"));
  // nginx logs a request after it has answered it: wait until the probe is in the log, so
  // that it is there before the exporter starts and --tail.from=end skips it.
  ASSERT_TRUE(WaitFor([&] { return !testing::ReadFile(dir.File("access.log")).empty(); }, 5s));

  testing::ExporterProcess exporter({"--log.file=" + dir.File("access.log")},
                                    dir.File("exporter.out"), dir.File("exporter.err"));
  ASSERT_TRUE(exporter.Ready()) << exporter.log();
  const int port = exporter.port();

  int total = 0;
  for (const auto& [code, n] : kRequests) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(HttpGet(nginx_port, "/c" + std::to_string(code), &status));
      ASSERT_EQ(status, code);
      ++total;
    }
  }

  std::string metrics;
  const std::string parsed =
      "accesslog_lines_total{log=\"" + dir.File("access.log") + "\",result=\"parsed\"}";
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = HttpGet(port, "/metrics").value_or("");
        return SampleValue(metrics, parsed) == total;
      },
      10s))
      << metrics;
  std::map<std::string, double> by_class;
  for (const auto& [code, n] : kRequests) {
    const std::string cls = std::to_string(code / 100) + "xx";
    const bool documented = code != 302 && code != 502;
    const std::string series = "accesslog_http_responses_total{class=\"" + cls + "\",code=\"" +
                               std::to_string(code) + "\",documented=\"" +
                               (documented ? "true" : "false") + "\"}";
    EXPECT_EQ(SampleValue(metrics, series), n) << series;
    by_class[cls] += n;
  }
  for (const auto& [cls, n] : by_class) {
    EXPECT_EQ(
        SampleValue(metrics, "accesslog_http_responses_by_class_total{class=\"" + cls + "\"}"), n)
        << cls;
  }
  EXPECT_EQ(SampleValue(metrics, "accesslog_http_responses_by_class_total{class=\"1xx\"}"), 0);
  EXPECT_EQ(SampleValue(metrics, "accesslog_lines_total{log=\"" + dir.File("access.log") +
                                     "\",result=\"malformed\"}"),
            0);
  EXPECT_GT(SampleValue(metrics, "accesslog_last_line_timestamp_seconds{log=\"" +
                                     dir.File("access.log") + "\"}")
                .value_or(0),
            1.6e9);

  std::string lint;
  EXPECT_EQ(testing::RunCommand({"promtool", "check", "metrics"}, &lint, 60s, metrics), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";

  EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
  nginx.Stop(SIGQUIT, 10s);
}

}  // namespace
}  // namespace accesslog
