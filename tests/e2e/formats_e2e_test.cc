// End to end for the log formats, with real servers writing real logs:
//   - nginx (Debian package) with a custom log_format carrying $request_time,
//     $upstream_response_time and $host, and a second access_log in escape=json; some requests
//     go through proxy_pass to a second server block (so upstream times are real numbers), some
//     are answered directly (upstream "-"), some hit a dead upstream (502);
//   - Apache httpd (Debian apache2, single process -X) with combined + %D.
// Each server runs on a free loopback port with a config in a temporary directory and is
// stopped by PID. After a known number of requests of each code, `accesslog_exporter --oneshot`
// with the same format string must count every code exactly, parse every line and find no
// malformed one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::ReadFile;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
const char* kNginx = "/usr/sbin/nginx";
const char* kApache = "/usr/sbin/apache2";

size_t CountLines(const std::string& path) {
  const std::string text = ReadFile(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Runs `accesslog_exporter --oneshot` over one log; returns the exposition (stdout).
std::string Oneshot(const TempDir& dir, const std::string& log, const std::string& format,
                    const std::string& tag) {
  Process exporter({kBin, "--oneshot", "--log.file=" + log, "--log.format=" + format},
                   dir.File(tag + ".out"), dir.File(tag + ".err"));
  EXPECT_TRUE(exporter.started());
  EXPECT_EQ(exporter.Wait(30s), 0) << ReadFile(dir.File(tag + ".err"));
  return ReadFile(dir.File(tag + ".out"));
}

// The counts every test asserts: per code, lines parsed, nothing malformed.
void ExpectCounts(const std::string& metrics, const std::string& log,
                  const std::map<int, int>& codes) {
  int total = 0;
  for (const auto& [code, n] : codes) {
    const bool documented = code != 302 && code != 502;
    const std::string series = "accesslog_http_responses_total{class=\"" +
                               std::to_string(code / 100) + "xx\",code=\"" + std::to_string(code) +
                               "\",documented=\"" + (documented ? "true" : "false") + "\"}";
    EXPECT_EQ(SampleValue(metrics, series), n) << series << "\n" << metrics;
    total += n;
  }
  EXPECT_EQ(SampleValue(metrics, "accesslog_lines_total{log=\"" + log + "\",result=\"parsed\"}"),
            total)
      << metrics;
  EXPECT_EQ(SampleValue(metrics, "accesslog_lines_total{log=\"" + log + "\",result=\"malformed\"}"),
            0)
      << metrics;
}

// Sums a histogram's _count and _sum over every label set of `family` in an exposition.
std::pair<double, double> HistogramTotals(const std::string& metrics, const std::string& family) {
  double count = 0, sum = 0;
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    const double v =
        line.empty() || line[0] == '#' ? 0 : std::stod(line.substr(line.rfind(' ') + 1));
    if (line.rfind(family + "_count{", 0) == 0) count += v;
    if (line.rfind(family + "_sum{", 0) == 0) sum += v;
  }
  return {count, sum};
}

// The durations a log carries, read independently of the exporter: the number after `key` on
// each line (in `unit` seconds), skipping "-" and empty values; multi-value upstream lists
// ("0.001, 0.002 : 0.003") are summed, as nginx means them.
std::pair<double, double> LoggedDurations(const std::string& log, const std::regex& field,
                                          double unit) {
  double count = 0, sum = 0;
  std::istringstream in(ReadFile(log));
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, field)) continue;
    const std::string values = m[1];
    static const std::regex kNumber(R"([0-9]+(\.[0-9]+)?)");
    double line_sum = 0;
    bool any = false;
    for (auto it = std::sregex_iterator(values.begin(), values.end(), kNumber);
         it != std::sregex_iterator(); ++it) {
      line_sum += std::stod(it->str()) * unit;
      any = true;
    }
    if (!any) continue;
    ++count;
    sum += line_sum;
  }
  return {count, sum};
}

void ExpectHistogram(const std::string& metrics, const std::string& family,
                     std::pair<double, double> logged) {
  const auto [count, sum] = HistogramTotals(metrics, family);
  EXPECT_GT(logged.first, 0) << family << ": the log carries no such duration";
  EXPECT_EQ(count, logged.first) << family << "\n" << metrics;
  EXPECT_NEAR(sum, logged.second, 1e-9 + 1e-9 * logged.second) << family;
}

// --- nginx -------------------------------------------------------------------------------

// The custom format, exactly as it appears between the quotes in nginx.conf.
const std::string kTimedFormat =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent" rt=$request_time urt="$upstream_response_time" )"
    R"(host=$host)";
const std::string kJsonFormat =
    R"({"time_local":"$time_local","remote_addr":"$remote_addr","request":"$request",)"
    R"("status":"$status","body_bytes_sent":$body_bytes_sent,"request_time":$request_time,)"
    R"("upstream_response_time":"$upstream_response_time","http_user_agent":)"
    R"("$http_user_agent","host":"$host","request_method":"$request_method",)"
    R"("request_uri":"$request_uri"})";

// Codes the backend answers (through /p/cNNN on the front) and the front answers itself.
const int kBackendCodes[] = {200, 201, 404, 500};
const int kFrontCodes[] = {200, 204, 404, 429, 503};

std::string NginxConf(const std::string& dir, int front, int back, int dead) {
  std::string back_locations, front_locations;
  for (int code : kBackendCodes) {
    const std::string c = std::to_string(code);
    back_locations += "    location = /c" + c + " { return " + c + " \"backend " + c + "\"; }\n";
  }
  for (int code : kFrontCodes) {
    const std::string c = std::to_string(code);
    front_locations += "    location = /c" + c + " { return " + c + "; }\n";
  }
  return "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir + "/nginx.pid;\n" +
         "error_log " + dir + "/error.log warn;\n" + "events { worker_connections 64; }\n" +
         "http {\n" + "  log_format timed '" + kTimedFormat + "';\n" +
         "  log_format jsonlog escape=json '" + kJsonFormat + "';\n" + "  client_body_temp_path " +
         dir + "/body;\n  proxy_temp_path " + dir + "/proxy;\n" + "  fastcgi_temp_path " + dir +
         "/fastcgi;\n  uwsgi_temp_path " + dir + "/uwsgi;\n" + "  scgi_temp_path " + dir +
         "/scgi;\n" + "  server {\n    listen 127.0.0.1:" + std::to_string(back) + ";\n" +
         "    access_log off;\n    location = /ready { return 200; }\n" + back_locations + "  }\n" +
         "  server {\n    listen 127.0.0.1:" + std::to_string(front) + ";\n" +
         "    server_name api.example.test;\n" + "    access_log " + dir + "/timed.log timed;\n" +
         "    access_log " + dir + "/json.log jsonlog;\n" +
         "    location /p/ { proxy_pass http://127.0.0.1:" + std::to_string(back) + "/; }\n" +
         "    location = /dead { proxy_pass http://127.0.0.1:" + std::to_string(dead) + "/; }\n" +
         front_locations + "  }\n}\n";
}

TEST(FormatsEndToEndTest, NginxCustomLogFormatAndEscapeJson) {
  TempDir dir;
  const int front = testing::FreePort();
  const int back = testing::FreePort();
  const int dead = testing::FreePort();  // nothing listens: proxying there answers 502
  ASSERT_NE(front, back);
  testing::WriteFile(dir.File("nginx.conf"), NginxConf(dir.path(), front, back, dead));
  Process nginx(
      {kNginx, "-p", dir.path(), "-e", dir.File("error.log"), "-c", dir.File("nginx.conf")},
      dir.File("nginx.out"), dir.File("nginx.err"));
  ASSERT_TRUE(nginx.started());
  int status = 0;
  // Probe the backend (not logged): both servers' sockets are bound before either serves.
  ASSERT_TRUE(WaitFor([&] { return HttpGet(back, "/ready", &status).has_value(); }, 10s))
      << ReadFile(dir.File("nginx.err")) << ReadFile(dir.File("error.log"));

  // code -> requests, through the front: direct, proxied and to the dead upstream.
  std::map<int, int> expected;
  auto get = [&](const std::string& path, int code, int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(HttpGet(front, path, &status)) << path;
      ASSERT_EQ(status, code) << path;
      ++expected[code];
    }
  };
  get("/c200", 200, 5);
  get("/c204", 204, 2);
  get("/c404", 404, 4);
  get("/c429", 429, 3);
  get("/c503", 503, 2);
  get("/p/c200", 200, 4);
  get("/p/c201", 201, 2);
  get("/p/c404", 404, 1);
  get("/p/c500", 500, 3);
  get("/dead", 502, 2);
  // A user agent with a quote and a backslash: \x22 / \x5C in the text log, \" / \\ in JSON.
  std::string out;
  ASSERT_EQ(RunCommand({"curl", "-sS", "-o", "/dev/null", "-A", R"(k6 "quoted" \agent)",
                        "http://127.0.0.1:" + std::to_string(front) + "/p/c200?q=1"},
                       &out, 30s),
            0)
      << out;
  ++expected[200];
  int total = 0;
  for (const auto& [code, n] : expected) total += n;

  // nginx writes the line after the response: wait until both logs hold every request.
  const std::string timed_log = dir.File("timed.log");
  const std::string json_log = dir.File("json.log");
  ASSERT_TRUE(WaitFor(
      [&] {
        return CountLines(timed_log) == static_cast<size_t>(total) &&
               CountLines(json_log) == static_cast<size_t>(total);
      },
      10s))
      << ReadFile(timed_log) << ReadFile(json_log);
  EXPECT_EQ(nginx.Stop(SIGQUIT, 10s), 0);

  // The timed log carries request time (all lines) and upstream time (proxied lines; "-" on
  // direct answers); the exporter gets the format string exactly as nginx.conf has it.
  const std::string timed = Oneshot(dir, timed_log, kTimedFormat, "timed");
  ExpectCounts(timed, timed_log, expected);
  ExpectHistogram(timed, "accesslog_http_request_duration_seconds",
                  LoggedDurations(timed_log, std::regex(R"x( rt=([0-9.]+))x"), 1));
  ExpectHistogram(timed, "accesslog_http_upstream_duration_seconds",
                  LoggedDurations(timed_log, std::regex(R"x( urt="([^"]*)")x"), 1));
  EXPECT_EQ(HistogramTotals(timed, "accesslog_http_response_size_bytes").first, total);
  // The same log with the whole directive pasted, nginx quoting and all.
  ExpectCounts(Oneshot(dir, timed_log, "log_format timed '" + kTimedFormat + "';", "directive"),
               timed_log, expected);
  // escape=json: --log.format=json alone knows nginx's variable names.
  const std::string json = Oneshot(dir, json_log, "json", "json");
  ExpectCounts(json, json_log, expected);
  ExpectHistogram(json, "accesslog_http_request_duration_seconds",
                  LoggedDurations(json_log, std::regex(R"x("request_time":"?([0-9.]+))x"), 1));
  const std::string json_text = ReadFile(json_log);
  EXPECT_NE(json_text.find(R"(k6 \"quoted\" \\agent)"), std::string::npos) << json_text;
}

// --- Apache httpd ------------------------------------------------------------------------

const std::string kApacheFormat = R"(%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i" %D)";

std::string ApacheConf(const std::string& dir, int port) {
  std::string format;  // LogFormat takes a quoted argument: escape the format's quotes
  for (char c : kApacheFormat) {
    if (c == '"') format += '\\';
    format += c;
  }
  const std::string modules = "/usr/lib/apache2/modules/";
  // Started as root, httpd drops to User/Group; as anyone else it ignores them.
  return "ServerRoot " + dir + "\n" + "LoadModule mpm_prefork_module " + modules +
         "mod_mpm_prefork.so\n" + "LoadModule authz_core_module " + modules +
         "mod_authz_core.so\n" + "LoadModule alias_module " + modules + "mod_alias.so\n" +
         "ServerName 127.0.0.1\n" + "Listen 127.0.0.1:" + std::to_string(port) + "\n" +
         "User nobody\nGroup nogroup\n" + "PidFile " + dir + "/httpd.pid\n" + "DefaultRuntimeDir " +
         dir + "\n" + "ErrorLog " + dir + "/error.log\n" + "LogLevel warn\n" + "DocumentRoot " +
         dir + "/htdocs\n" + "<Directory " + dir +
         "/htdocs>\n  Require all granted\n</Directory>\n" + "LogFormat \"" + format +
         "\" combined_d\n" + "CustomLog " + dir + "/access.log combined_d\n" +
         "Redirect gone /gone\n" + "Redirect 302 /found /index.html\n" +
         "<Location /forbidden>\n  Require all denied\n</Location>\n";
}

TEST(FormatsEndToEndTest, ApacheCombinedWithMicroseconds) {
  if (access(kApache, X_OK) != 0) GTEST_SKIP() << kApache << " is not installed (apt: apache2)";
  TempDir dir;
  // httpd, once it drops to `nobody`, must read the document root.
  ASSERT_EQ(chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(mkdir(dir.File("htdocs").c_str(), 0755), 0);
  testing::WriteFile(dir.File("htdocs/index.html"), "hello\n");
  const int port = testing::FreePort();
  testing::WriteFile(dir.File("httpd.conf"), ApacheConf(dir.path(), port));
  Process httpd({kApache, "-X", "-f", dir.File("httpd.conf")}, dir.File("httpd.out"),
                dir.File("httpd.err"));
  ASSERT_TRUE(httpd.started());
  int status = 0;
  // The readiness probe is a request too: it is logged and counted (200).
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port, "/index.html", &status).has_value(); }, 10s))
      << ReadFile(dir.File("httpd.err")) << ReadFile(dir.File("error.log"));
  std::map<int, int> expected = {{200, 1}};
  auto get = [&](const std::string& path, int code, int times) {
    for (int i = 0; i < times; ++i) {
      ASSERT_TRUE(HttpGet(port, path, &status)) << path;
      ASSERT_EQ(status, code) << path;
      ++expected[code];
    }
  };
  get("/index.html", 200, 5);
  get("/missing", 404, 4);
  get("/gone", 410, 3);
  get("/forbidden", 403, 2);
  get("/found", 302, 2);
  // Through curl: an invalid %-escape (400) and a user agent Apache writes as \"...\" \\.
  std::string out;
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  ASSERT_EQ(RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", base + "/%zz"},
                       &out, 30s),
            0);
  EXPECT_EQ(out, "400");
  ++expected[400];
  ASSERT_EQ(
      RunCommand({"curl", "-sS", "-o", "/dev/null", "-A", R"(bot "q" \x)", base + "/index.html"},
                 &out, 30s),
      0)
      << out;
  ++expected[200];
  int total = 0;
  for (const auto& [code, n] : expected) total += n;

  const std::string log = dir.File("access.log");
  ASSERT_TRUE(WaitFor([&] { return CountLines(log) == static_cast<size_t>(total); }, 10s))
      << ReadFile(log);
  EXPECT_EQ(httpd.Stop(SIGTERM, 10s), 0);
  EXPECT_NE(ReadFile(log).find(R"("bot \"q\" \\x")"), std::string::npos) << ReadFile(log);

  // Every line carries %D (microseconds); the exporter gets the LogFormat string itself.
  const std::string metrics = Oneshot(dir, log, kApacheFormat, "apache");
  ExpectCounts(metrics, log, expected);
  // %D is the last field: microseconds.
  ExpectHistogram(metrics, "accesslog_http_request_duration_seconds",
                  LoggedDurations(log, std::regex(R"x( ([0-9]+)$)x"), 1e-6));
}

}  // namespace
}  // namespace accesslog
