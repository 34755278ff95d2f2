// End to end with a real nginx (Debian package) configured as ingress-nginx configures itself:
// the `upstreaminfo` log format, `set $proxy_upstream_name` in each location, two real upstream
// servers on loopback (nginx server blocks answering 200 and 503) and one closed port in an
// upstream block, so that nginx retries. Probes from kube-probe/1.29 are dropped by a drop rule.
// /metrics must show exact counts per upstream and code, the probes as dropped, the retries
// exactly, and promtool must have nothing to say. The same log, put into CRI envelopes (as the
// kubelet writes an ingress controller's stdout), must give the same counts through the cri
// wrapper.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <sstream>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
const char* kNginx = "/usr/sbin/nginx";

// ingress-nginx's default log_format upstreaminfo.
const char* kUpstreamInfo =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] )"
    R"([$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length )"
    R"($upstream_response_time $upstream_status $req_id)";

struct Ports {
  int front, ok, bad, closed;
};

std::string NginxConf(const std::string& dir, const Ports& p) {
  auto port = [](int n) { return std::to_string(n); };
  return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir + "/nginx.pid;\n" +
         "error_log " + dir + "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n" +
         "  client_body_temp_path " + dir + "/body;\n  proxy_temp_path " + dir + "/proxy;\n" +
         "  fastcgi_temp_path " + dir + "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n" +
         "  scgi_temp_path " + dir + "/scgi;\n" + "  log_format upstreaminfo '" + kUpstreamInfo +
         "';\n" +
         // The upstream servers: not logged, as the pods behind an ingress are not.
         "  server { listen 127.0.0.1:" + port(p.ok) +
         "; access_log off; location / { return 200 'ok\\n'; } }\n" +
         "  server { listen 127.0.0.1:" + port(p.bad) +
         "; access_log off; location / { return 503; } }\n" +
         "  upstream default-ok-80 { server 127.0.0.1:" + port(p.ok) + "; }\n" +
         "  upstream default-bad-80 { server 127.0.0.1:" + port(p.bad) + "; }\n" +
         // The closed port first, never marked down (max_fails=0): every request is refused there
         // and passed to the next upstream, the backup, exactly once.
         "  upstream default-retry-80 { server 127.0.0.1:" + port(p.closed) +
         " max_fails=0; server 127.0.0.1:" + port(p.ok) + " backup; }\n" +
         "  server {\n    listen 127.0.0.1:" + port(p.front) + ";\n" + "    access_log " + dir +
         "/access.log upstreaminfo;\n" +
         "    set $proxy_upstream_name \"-\";\n    set $proxy_alternative_upstream_name \"\";\n" +
         "    set $req_id $request_id;\n" +
         "    location /ok { set $proxy_upstream_name \"default-ok-80\"; "
         "proxy_pass http://default-ok-80; }\n" +
         "    location /bad { set $proxy_upstream_name \"default-bad-80\"; "
         "proxy_pass http://default-bad-80; }\n" +
         "    location /retry { set $proxy_upstream_name \"default-retry-80\"; "
         "proxy_pass http://default-retry-80; }\n" +
         "    location = /healthz { return 200 'ok\\n'; }\n" + "  }\n}\n";
}

const char* kConfig = R"(sources:
  - name: ingress
    files: %LOG%
    format: ingress-nginx%WRAPPER%
    drop:
      - {route: '/(healthz|readyz)', user_agent: 'kube-probe/.*'}
labels:
  upstream: true
)";

std::string Config(const std::string& log, bool cri) {
  std::string c = kConfig;
  c.replace(c.find("%LOG%"), 5, log);
  c.replace(c.find("%WRAPPER%"), 9, cri ? "\n    wrapper: cri" : "");
  return c;
}

int Get(int port, const std::string& path, const std::string& agent) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  auto res = client.Get(path, {{"User-Agent", agent}});
  return res ? res->status : -1;
}

// The requests, and what the exporter must show for them.
constexpr int kOk = 5, kBad = 4, kRetry = 3, kProbes = 6, kHumanHealthz = 2;

void ExpectCounts(const std::string& metrics, const std::string& log) {
  auto responses = [&](const char* cls, const char* code, const char* upstream) {
    return SampleValue(metrics, std::string("accesslog_http_responses_total{class=\"") + cls +
                                    "\",code=\"" + code + "\",documented=\"true\",upstream=\"" +
                                    upstream + "\"}");
  };
  auto retries = [&](const char* cls, const char* upstream) {
    return SampleValue(metrics, std::string("accesslog_http_upstream_retries_total{class=\"") +
                                    cls + "\",upstream=\"" + upstream + "\"}");
  };
  auto lines = [&](const char* result) {
    return SampleValue(
        metrics, "accesslog_lines_total{log=\"ingress\",result=\"" + std::string(result) + "\"}");
  };
  EXPECT_EQ(responses("2xx", "200", "default-ok-80"), kOk) << log;
  EXPECT_EQ(responses("2xx", "200", "default-retry-80"), kRetry) << log;
  EXPECT_EQ(responses("5xx", "503", "default-bad-80"), kBad) << log;
  EXPECT_EQ(responses("2xx", "200", ""), kHumanHealthz) << log;  // no upstream
  EXPECT_EQ(retries("2xx", "default-retry-80"), kRetry) << log;
  EXPECT_EQ(retries("2xx", "default-ok-80"), 0) << log;
  EXPECT_EQ(retries("5xx", "default-bad-80"), 0) << log;
  EXPECT_EQ(retries("2xx", ""), 0) << log;
  EXPECT_EQ(lines("parsed"), kOk + kBad + kRetry + kHumanHealthz) << log;
  EXPECT_EQ(lines("dropped"), kProbes) << log;
  EXPECT_EQ(lines("malformed"), 0) << log;
  // The probes are nowhere else: every response series sums to the parsed lines.
  double sum = 0;
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("accesslog_http_responses_total{")) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  EXPECT_EQ(sum, kOk + kBad + kRetry + kHumanHealthz) << log;
  std::string lint;
  EXPECT_EQ(testing::RunCommand({"promtool", "check", "metrics"}, &lint, 60s, metrics), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";
}

TEST(IngressNginxEndToEndTest, UpstreamsRetriesAndDroppedProbes) {
  TempDir dir;
  const Ports ports{testing::FreePort(), testing::FreePort(), testing::FreePort(),
                    testing::FreePort()};
  testing::WriteFile(dir.File("nginx.conf"), NginxConf(dir.path(), ports));
  Process nginx(
      {kNginx, "-p", dir.path(), "-e", dir.File("error.log"), "-c", dir.File("nginx.conf")},
      dir.File("nginx.out"), dir.File("nginx.err"));
  ASSERT_TRUE(nginx.started());
  int status = 0;
  ASSERT_TRUE(WaitFor([&] { return HttpGet(ports.ok, "/", &status).has_value(); }, 10s))
      << testing::ReadFile(dir.File("nginx.err")) << testing::ReadFile(dir.File("error.log"));

  testing::WriteFile(dir.File("config.yml"), Config(dir.File("access.log"), false));
  testing::ExporterProcess exporter(
      {"--config.file=" + dir.File("config.yml"), "--tail.from=start"}, dir.File("exporter.out"),
      dir.File("exporter.err"));
  ASSERT_TRUE(exporter.Listening()) << exporter.log();
  const int port = exporter.port();

  for (int i = 0; i < kOk; ++i) ASSERT_EQ(Get(ports.front, "/ok", "curl/8.4.0"), 200);
  for (int i = 0; i < kBad; ++i) ASSERT_EQ(Get(ports.front, "/bad", "curl/8.4.0"), 503);
  for (int i = 0; i < kRetry; ++i) ASSERT_EQ(Get(ports.front, "/retry", "curl/8.4.0"), 200);
  for (int i = 0; i < kProbes; ++i) ASSERT_EQ(Get(ports.front, "/healthz", "kube-probe/1.29"), 200);
  for (int i = 0; i < kHumanHealthz; ++i) ASSERT_EQ(Get(ports.front, "/healthz", "curl/8"), 200);
  const int total = kOk + kBad + kRetry + kProbes + kHumanHealthz;

  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = HttpGet(port, "/metrics").value_or("");
        return SampleValue(metrics, "accesslog_lines_total{log=\"ingress\",result=\"parsed\"}")
                       .value_or(0) +
                   SampleValue(metrics, "accesslog_lines_total{log=\"ingress\",result=\"dropped\"}")
                       .value_or(0) >=
               total;
      },
      10s))
      << metrics << testing::ReadFile(dir.File("access.log"));
  // Read after the exporter has seen every line: nginx writes a line after its response.
  const std::string log = testing::ReadFile(dir.File("access.log"));
  // nginx really retried: the closed port, then the backup, in the retried lines.
  EXPECT_NE(log.find("127.0.0.1:" + std::to_string(ports.closed) +
                     ", 127.0.0.1:" + std::to_string(ports.ok)),
            std::string::npos)
      << log;
  ExpectCounts(metrics, log);
  EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
  nginx.Stop(SIGQUIT, 10s);

  // The same lines as the kubelet writes a container's stdout (CRI), one of them split into a
  // partial record and its end: the cri wrapper, then the ingress-nginx format.
  std::string cri;
  std::istringstream in(log);
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const std::string time = "2026-12-02T01:00:0" + std::to_string(n % 10) + ".123456789Z";
    if (n == 2) {
      cri += time + " stdout P " + line.substr(0, 40) + "\n";
      cri += time + " stdout F " + line.substr(40) + "\n";
    } else {
      cri += time + " stdout F " + line + "\n";
    }
  }
  testing::WriteFile(dir.File("cri.log"), cri);
  testing::WriteFile(dir.File("cri.yml"), Config(dir.File("cri.log"), true));
  std::string out;
  ASSERT_EQ(testing::RunCommand({kBin, "--config.file=" + dir.File("cri.yml"), "--oneshot"}, &out),
            0)
      << out;
  ExpectCounts(out, cri);
}

}  // namespace
}  // namespace accesslog
