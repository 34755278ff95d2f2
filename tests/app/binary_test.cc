// Tests of the accesslog_exporter binary as a user runs it: --oneshot against golden
// expositions, exit statuses, the HTTP endpoints, signals.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <sstream>
#include <thread>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::ExporterPort;
using testing::HttpGet;
using testing::Process;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
const std::string kTestdata = ACCESSLOG_TESTDATA_DIR;

// The exposition without what changes from run to run (process_*, build info, the time of the
// last line) and with the log's path replaced by its base name.
std::string Stable(const std::string& text, const std::string& log_path, const std::string& base) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (line.find("process_") != std::string::npos ||
        line.find("accesslog_build_info") != std::string::npos ||
        line.find("accesslog_last_line_timestamp_seconds") != std::string::npos) {
      continue;
    }
    for (size_t at; (at = line.find(log_path)) != std::string::npos;) {
      line.replace(at, log_path.size(), base);
    }
    out += line + "\n";
  }
  return out;
}

TEST(OneshotTest, CombinedLogMatchesGolden) {
  const std::string log = kTestdata + "/combined.log";
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--log.file=" + log}, &out), 0) << out;
  const std::string golden = testing::ReadFile(kTestdata + "/combined.golden");
  EXPECT_EQ(Stable(out, log, "combined.log"), golden)
      << "to update: accesslog_exporter --oneshot --log.file=tests/testdata/combined.log";
}

// The API contract example (examples/openapi.yaml, examples/openapi-access.log): every response
// judged against its operation, routes from the document's templates, __unmatched__ outside it.
TEST(OneshotTest, OpenApiExampleMatchesGolden) {
  const std::string log = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/openapi-access.log";
  std::string out;
  ASSERT_EQ(
      RunCommand({kBin, "--oneshot", "--log.file=" + log,
                  "--api.openapi=" + std::string(ACCESSLOG_SOURCE_DIR) + "/examples/openapi.yaml",
                  "--labels=method,route,operation"},
                 &out),
      0)
      << out;
  const std::string golden = testing::ReadFile(kTestdata + "/openapi.golden");
  EXPECT_EQ(Stable(out, log, "openapi-access.log"), golden)
      << "to update: accesslog_exporter --oneshot --log.file=examples/openapi-access.log "
         "--api.openapi=examples/openapi.yaml --labels=method,route,operation";
  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, out), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";
}

// Two sources, each with its own contract: one an OpenAPI document and the API-wide table of
// its own, the other the pipeline's table; `documented` follows each source's, and
// accesslog_status_code_info carries `log`.
TEST(OneshotTest, EachSourceIsJudgedByItsOwnContract) {
  TempDir dir;
  testing::WriteFile(dir.File("api.yaml"),
                     "openapi: 3.0.3\ninfo: {title: Pets, version: '7'}\nservers: [{url: /v1}]\n"
                     "paths:\n  /pets/{id}:\n    get:\n      operationId: getPet\n"
                     "      responses: {'200': {}, '409': {}}\n");
  testing::WriteFile(dir.File("pets-codes.yaml"), "codes:\n  - {code: 404, meaning: No pet}\n");
  const std::string pet = "192.0.2.1 - - [25/Nov/2026:10:00:00 +0000] \"GET /v1/pets/7 HTTP/1.1\" ";
  testing::WriteFile(dir.File("pets.log"), pet + "409 1 \"-\" \"-\"\n" + pet +
                                               "404 1 \"-\" \"-\"\n" +
                                               "192.0.2.1 - - [25/Nov/2026:10:00:00 +0000] \"GET "
                                               "/v1/cats HTTP/1.1\" 404 1 \"-\" \"-\"\n");
  testing::WriteFile(dir.File("other.log"), pet + "409 1 \"-\" \"-\"\n");
  testing::WriteFile(dir.File("config.yaml"),
                     "sources:\n"
                     "  - {name: pets, files: pets.log, api: {openapi: api.yaml}, status_codes: "
                     "pets-codes.yaml}\n"
                     "  - {name: other, files: other.log}\n"
                     "labels: {log: true, route: true, operation: true}\n");
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--config.file=" + dir.File("config.yaml")}, &out), 0)
      << out;
  auto value = [&](const std::string& series) { return SampleValue(out, series); };
  EXPECT_EQ(
      value(
          R"(accesslog_http_responses_total{class="4xx",code="409",documented="true",log="pets",route="/pets/{id}",operation="getPet"})"),
      1)
      << out;
  // The operation does not list 404: undocumented, although the source's table has it.
  EXPECT_EQ(
      value(
          R"(accesslog_http_responses_total{class="4xx",code="404",documented="false",log="pets",route="/pets/{id}",operation="getPet"})"),
      1)
      << out;
  // No template matched: the source's own table decides.
  EXPECT_EQ(
      value(
          R"(accesslog_http_responses_total{class="4xx",code="404",documented="true",log="pets",route="__unmatched__",operation=""})"),
      1)
      << out;
  // The other source: the embedded table, which has no 409; its route is the heuristic one.
  EXPECT_EQ(
      value(
          R"(accesslog_http_responses_total{class="4xx",code="409",documented="false",log="other",route="/v1/pets/:id",operation=""})"),
      1)
      << out;
  EXPECT_EQ(
      value(R"(accesslog_status_code_info{class="4xx",code="404",log="pets",meaning="No pet"})"), 1)
      << out;
  EXPECT_EQ(
      value(
          R"(accesslog_status_code_info{class="4xx",code="429",log="other",meaning="Too Many Requests – You’re requesting too many kittens! Slow down!"})"),
      1)
      << out;
  EXPECT_EQ(value(R"(accesslog_api_info{log="pets",title="Pets",version="7"})"), 1) << out;
  EXPECT_EQ(
      value(
          R"(accesslog_api_operation_info{log="pets",method="GET",operation="getPet",route="/pets/{id}"})"),
      1)
      << out;
}

// Drop rules of a source with a document: by operation, and by route, which is the document's
// template or __unmatched__.
TEST(OneshotTest, DropRulesSeeTheOperationAndTheDocumentsRoute) {
  TempDir dir;
  const std::string log = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/openapi-access.log";
  testing::WriteFile(
      dir.File("config.yaml"),
      "sources:\n  - name: api\n    files: " + log +
          "\n    api: {openapi: " + ACCESSLOG_SOURCE_DIR +
          "/examples/openapi.yaml}\n    drop:\n      - {operation: brewCoffee}\n"
          "      - {route: __unmatched__}\n      - {route: '/kittens/\\{kittenId\\}', "
          "method: DELETE}\n");
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--config.file=" + dir.File("config.yaml")}, &out), 0)
      << out;
  // What the rules name, counted in the log by its own text.
  int coffee = 0, outside = 0, deletes = 0;
  std::istringstream in(testing::ReadFile(log));
  for (std::string line; std::getline(in, line);) {
    coffee += line.find("\"POST /v1/coffee ") != std::string::npos;
    outside += line.find("\"GET /healthz ") != std::string::npos ||
               line.find(" /v1/dogs/") != std::string::npos ||
               line.find("\"GET /v2/kittens ") != std::string::npos ||
               line.find(" /v1/admin/") != std::string::npos ||
               line.find("\"\\x16") != std::string::npos;
    const size_t d = line.find("\"DELETE /v1/kittens/");
    deletes += d != std::string::npos && line.find("/photos", d) > line.find(" HTTP", d);
  }
  ASSERT_GT(coffee, 0);
  ASSERT_GT(outside, 0);
  ASSERT_GT(deletes, 0);
  EXPECT_EQ(SampleValue(out, R"(accesslog_lines_total{log="api",result="dropped"})"),
            coffee + outside + deletes)
      << coffee << " " << outside << " " << deletes;
}

TEST(OneshotTest, ExpositionPassesPromtoolCheckMetrics) {
  std::string out, lint;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--log.file=" + kTestdata + "/combined.log"}, &out), 0);
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, out), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";
}

TEST(OneshotTest, UserStatusTableReplacesTheEmbeddedOne) {
  TempDir dir;
  testing::WriteFile(dir.File("codes.yaml"),
                     "codes:\n  - {code: 502, meaning: Bad Gateway – upstream failed}\n");
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--log.file=" + kTestdata + "/combined.log",
                        "--status.codes=" + dir.File("codes.yaml")},
                       &out),
            0)
      << out;
  EXPECT_EQ(SampleValue(
                out, R"(accesslog_http_responses_total{class="5xx",code="502",documented="true"})"),
            1.0);
  EXPECT_EQ(
      SampleValue(out,
                  R"(accesslog_http_responses_total{class="4xx",code="429",documented="false"})"),
      3.0);
  EXPECT_EQ(
      SampleValue(
          out,
          R"(accesslog_status_code_info{class="5xx",code="502",meaning="Bad Gateway – upstream failed"})"),
      1.0);
}

TEST(ExitStatusTest, BadConfigurationIsRefusedWithTheReason) {
  TempDir dir;
  testing::WriteFile(dir.File("bad.yaml"), "codes:\n  - {code: 200, class: 5xx, meaning: OK}\n");
  std::string out;
  EXPECT_EQ(
      RunCommand({kBin, "--oneshot", "--log.file=x", "--status.codes=" + dir.File("bad.yaml")},
                 &out),
      1);
  EXPECT_NE(out.find(dir.File("bad.yaml") + ":2:"), std::string::npos) << out;
  EXPECT_NE(out.find("belongs to class 2xx"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({kBin, "--log.file=x", "--log.format=ltsv"}, &out), 2);
  EXPECT_NE(out.find("--log.format"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({kBin, "--no-such-flag"}, &out), 2);
  EXPECT_EQ(RunCommand({kBin, "--oneshot", "--log.file=/nonexistent/access.log"}, &out), 1);
  EXPECT_NE(out.find("/nonexistent/access.log"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({kBin, "--log.file=x", "--web.listen-address=nonsense"}, &out), 2);
  EXPECT_NE(out.find("--web.listen-address"), std::string::npos) << out;
}

TEST(ExitStatusTest, HelpAndVersionExitZero) {
  std::string out;
  EXPECT_EQ(RunCommand({kBin, "--help"}, &out), 0);
  EXPECT_NE(out.find("--web.listen-address"), std::string::npos);
  EXPECT_EQ(RunCommand({kBin, "--version"}, &out), 0);
  EXPECT_EQ(out.rfind("accesslog_exporter 0.", 0), 0u) << out;
}

class ServingTest : public ::testing::Test {
 protected:
  void StartExporter(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--log.file=" + log_, "--tail.poll-interval=100"};
    args.insert(args.end(), extra.begin(), extra.end());
    exporter_ =
        std::make_unique<testing::ExporterProcess>(args, dir_.File("stdout"), dir_.File("stderr"));
    // The port is logged before the logs are opened; with --tail.from=end a line appended before
    // that would be skipped. Ready means every log is positioned.
    ASSERT_TRUE(exporter_->Ready()) << exporter_->log();
    port_ = exporter_->port();
  }
  std::string Metrics() { return HttpGet(port_, "/metrics").value_or(""); }

  TempDir dir_;
  std::string log_ = dir_.File("access.log");
  std::unique_ptr<testing::ExporterProcess> exporter_;
  int port_ = 0;
};

TEST_F(ServingTest, EndpointsAnswer) {
  testing::WriteFile(log_, "");
  StartExporter();
  int status = 0;
  auto landing = HttpGet(port_, "/", &status);
  ASSERT_TRUE(landing);
  EXPECT_EQ(status, 200);
  EXPECT_NE(landing->find("href=\"/metrics\""), std::string::npos) << *landing;
  ASSERT_TRUE(HttpGet(port_, "/-/healthy", &status));
  EXPECT_EQ(status, 200);
  ASSERT_TRUE(WaitFor([&] { return HttpGet(port_, "/-/ready", &status) && status == 200; }, 5s));
  ASSERT_TRUE(HttpGet(port_, "/nothing-here", &status));
  EXPECT_EQ(status, 404);
  const std::string m = Metrics();
  EXPECT_NE(m.find("# TYPE accesslog_http_responses_total counter"), std::string::npos) << m;
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0) << "SIGTERM must stop cleanly";
}

// The `healthcheck` subcommand a container HEALTHCHECK runs: 0 while the exporter answers on
// /-/healthy, 1 when it does not (never 2, which Docker reserves), whether the address is given
// as the exporter's --web.listen-address or as a URL.
TEST_F(ServingTest, HealthcheckSubcommandAsksTheRunningExporter) {
  testing::WriteFile(log_, "");
  StartExporter();
  const std::string port = std::to_string(port_);
  std::string out;
  EXPECT_EQ(RunCommand({kBin, "healthcheck", "--web.listen-address=:" + port}, &out, 10s), 0)
      << out;
  EXPECT_NE(out.find("healthy: http://127.0.0.1:" + port + "/-/healthy"), std::string::npos) << out;
  EXPECT_EQ(
      RunCommand({kBin, "healthcheck", "--url=http://127.0.0.1:" + port + "/-/healthy"}, &out, 10s),
      0)
      << out;
  // Answers, but not 200: unhealthy, with the status in the reason.
  EXPECT_EQ(
      RunCommand({kBin, "healthcheck", "--url=http://127.0.0.1:" + port + "/nothing"}, &out, 10s),
      1);
  EXPECT_NE(out.find("HTTP 404"), std::string::npos) << out;
  // A mistyped invocation is "unhealthy" too, not Docker's reserved 2.
  EXPECT_EQ(RunCommand({kBin, "healthcheck", "--no-such-flag"}, &out, 10s), 1) << out;
  EXPECT_EQ(RunCommand({kBin, "healthcheck", "--url=ftp://127.0.0.1/"}, &out, 10s), 1) << out;
  ASSERT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
  // Nothing listens any more: connection refused, well within the timeout.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(
      RunCommand({kBin, "healthcheck", "--web.listen-address=127.0.0.1:" + port, "--timeout=2"},
                 &out, 10s),
      1);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  EXPECT_NE(out.find("unhealthy"), std::string::npos) << out;
}

TEST_F(ServingTest, CustomTelemetryPath) {
  testing::WriteFile(log_, "");
  StartExporter({"--web.telemetry-path=/custom"});
  int status = 0;
  auto body = HttpGet(port_, "/custom", &status);
  ASSERT_TRUE(body);
  EXPECT_EQ(status, 200);
  EXPECT_NE(body->find("accesslog_lines_total"), std::string::npos);
  auto landing = HttpGet(port_, "/");
  ASSERT_TRUE(landing);
  EXPECT_NE(landing->find("href=\"/custom\""), std::string::npos);
}

TEST_F(ServingTest, SighupReloadsTheTableAndKeepsTheOldOneWhenTheNewOneIsBad) {
  testing::WriteFile(log_, "");
  const std::string codes = dir_.File("codes.yaml");
  testing::WriteFile(codes, "codes:\n  - {code: 200, meaning: OK}\n");
  StartExporter({"--status.codes=" + codes});
  const std::string line =
      "192.0.2.1 - - [25/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 502 0 \"-\" \"-\"\n";
  testing::AppendFile(log_, line);
  const std::string undocumented =
      R"(accesslog_http_responses_total{class="5xx",code="502",documented="false"})";
  const std::string documented =
      R"(accesslog_http_responses_total{class="5xx",code="502",documented="true"})";
  ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), undocumented) == 1.0; }, 5s));

  testing::WriteFile(codes, "codes: [ this is not valid");
  ::kill(exporter_->pid(), SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        return testing::ReadFile(dir_.File("stderr")).find("reload failed") != std::string::npos;
      },
      5s));
  EXPECT_EQ(SampleValue(Metrics(), undocumented), 1.0) << "the old table keeps running";

  testing::WriteFile(codes, "codes:\n  - {code: 502, meaning: Bad Gateway}\n");
  ::kill(exporter_->pid(), SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), documented) == 1.0; }, 5s));
  EXPECT_TRUE(exporter_->Running());
}

}  // namespace
}  // namespace accesslog

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::ExporterPort;
using testing::HttpGet;
using testing::Process;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kLine200 =
    "192.0.2.1 - - [25/Nov/2026:10:00:00 +0000] \"GET /v1/kittens/7 HTTP/1.1\" 200 10 \"-\" "
    "\"-\"\n";
const std::string kLine429 =
    "192.0.2.1 - - [25/Nov/2026:10:00:01 +0000] \"POST /v1/kittens HTTP/1.1\" 429 5 \"-\" \"-\"\n";

TEST(ConfigCheckTest, ValidAndInvalidConfigurations) {
  TempDir dir;
  testing::WriteFile(dir.File("good.yaml"),
                     "sources:\n  - {name: api, files: [a.log, b.log]}\nlabels: {method: true}\n");
  testing::WriteFile(dir.File("bad.yaml"),
                     "sources:\n  - {name: api, files: a.log}\nlabels: {methd: true}\n");
  std::string out;
  EXPECT_EQ(RunCommand({kBin, "--config.file=" + dir.File("good.yaml"), "--config.check"}, &out), 0)
      << out;
  EXPECT_NE(out.find("configuration is valid: 1 source(s)"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({kBin, "--config.file=" + dir.File("bad.yaml"), "--config.check"}, &out), 1);
  EXPECT_NE(out.find(dir.File("bad.yaml") + ":3:10: labels.methd: unknown key"), std::string::npos)
      << out;
  EXPECT_EQ(RunCommand({kBin, "--config.file=" + dir.File("bad.yaml")}, &out), 1)
      << "serving refuses a bad configuration too";
  EXPECT_NE(out.find("labels.methd"), std::string::npos) << out;
}

TEST(ConfigFileRunTest, SourcesLabelsAndHistogramsFromTheFile) {
  TempDir dir;
  testing::WriteFile(dir.File("a.log"), kLine200 + kLine200 + kLine429);
  testing::WriteFile(dir.File("b-1.log"), kLine429);
  testing::WriteFile(dir.File("b-2.log"), kLine200);
  testing::WriteFile(dir.File("c.yaml"),
                     "sources:\n"
                     "  - {name: api, files: a.log}\n"
                     "  - {name: web, files: 'b-*.log', format: common}\n"
                     "labels: {log: true, method: true, route: true, static: {env: test}}\n"
                     "histograms: {response_size_bytes: [6, 100]}\n");
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--config.file=" + dir.File("c.yaml"), "--oneshot"}, &out), 0) << out;
  EXPECT_EQ(
      SampleValue(
          out,
          R"(accesslog_http_responses_total{class="2xx",code="200",documented="true",log="api",method="GET",route="/v1/kittens/:id",env="test"})"),
      2);
  EXPECT_EQ(
      SampleValue(
          out,
          R"(accesslog_http_responses_total{class="4xx",code="429",documented="true",log="web",method="POST",route="/v1/kittens",env="test"})"),
      1);
  EXPECT_EQ(
      SampleValue(
          out,
          R"(accesslog_http_responses_by_class_total{class="2xx",log="web",method="GET",route="/v1/kittens/:id",env="test"})"),
      1);
  EXPECT_EQ(
      SampleValue(
          out,
          R"(accesslog_http_response_size_bytes_bucket{class="4xx",log="api",method="POST",env="test",le="6"})"),
      1);
  EXPECT_EQ(
      SampleValue(
          out,
          R"(accesslog_http_response_size_bytes_sum{class="2xx",log="api",method="GET",env="test"})"),
      20);
  EXPECT_EQ(SampleValue(out, R"(accesslog_lines_total{log="web",result="parsed"})"), 2);
  EXPECT_EQ(SampleValue(out, R"(accesslog_lines_total{log="api",result="parsed"})"), 3);
  std::string lint;
  EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, out), 0) << lint;
  EXPECT_EQ(lint, "");
}

class ReloadTest : public ::testing::Test {
 protected:
  void Start() {
    exporter_ = std::make_unique<testing::ExporterProcess>(
        std::vector<std::string>{"--config.file=" + dir_.File("c.yaml"), "--tail.poll-interval=100",
                                 "--tail.from=start", "--web.enable-lifecycle"},
        dir_.File("stdout"), dir_.File("stderr"));
    ASSERT_TRUE(exporter_->Listening()) << exporter_->log();
    port_ = exporter_->port();
  }
  std::string Metrics() { return HttpGet(port_, "/metrics").value_or(""); }
  int PostReload(std::string* body) {
    httplib::Client client("127.0.0.1", port_);
    auto res = client.Post("/-/reload");
    if (!res) return -1;
    *body = res->body;
    return res->status;
  }

  TempDir dir_;
  std::unique_ptr<testing::ExporterProcess> exporter_;
  int port_ = 0;
};

TEST_F(ReloadTest, PostReloadAppliesAGoodConfigurationAndRefusesABadOne) {
  testing::WriteFile(dir_.File("a.log"), kLine200);
  testing::WriteFile(dir_.File("b.log"), kLine429);
  testing::WriteFile(dir_.File("c.yaml"), "sources:\n  - {name: api, files: a.log}\n");
  Start();
  const std::string api_parsed = R"(accesslog_lines_total{log="api",result="parsed"})";
  ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), api_parsed) == 1; }, 5s)) << Metrics();

  testing::WriteFile(dir_.File("c.yaml"),
                     "sources:\n  - {name: api, files: a.log, format: nope}\n");
  std::string body;
  EXPECT_EQ(PostReload(&body), 500);
  EXPECT_NE(body.find("sources[0].format"), std::string::npos) << body;
  EXPECT_EQ(SampleValue(Metrics(), api_parsed), 1) << "the old configuration keeps running";

  testing::WriteFile(dir_.File("c.yaml"),
                     "sources:\n  - {name: api, files: a.log}\n  - {name: web, files: b.log}\n");
  ASSERT_EQ(PostReload(&body), 200) << body;
  const std::string web_parsed = R"(accesslog_lines_total{log="web",result="parsed"})";
  ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), web_parsed) == 1; }, 5s)) << Metrics();
  testing::AppendFile(dir_.File("a.log"), kLine200);
  // The reload restarted the tailer: a.log must go on from where it was, neither read again
  // from its start nor skipped. Wait until everything was read; then a few more scrapes, each
  // of which has the tailer read everything written by then (a catch-up round), and check
  // that each byte and line was counted exactly once.
  const std::string api_bytes = R"(accesslog_bytes_read_total{log="api"})";
  const double size = static_cast<double>(2 * kLine200.size());
  ASSERT_TRUE(WaitFor([&] { return SampleValue(Metrics(), api_bytes) >= size; }, 5s)) << Metrics();
  for (int scrape = 0; scrape < 3; ++scrape) Metrics();
  const std::string m = Metrics();
  EXPECT_EQ(SampleValue(m, api_bytes), size) << m;
  EXPECT_EQ(SampleValue(m, api_parsed), 2) << "api's counters continue across the reload\n" << m;
  EXPECT_EQ(SampleValue(Metrics(), R"(accesslog_files_followed{log="web"})"), 1);
  EXPECT_EQ(SampleValue(Metrics(), R"(accesslog_read_lag_bytes{log="api",path=")" +
                                       dir_.File("a.log") + "\"}"),
            0);
}

TEST_F(ReloadTest, SighupReloadsLabels) {
  testing::WriteFile(dir_.File("a.log"), kLine200);
  testing::WriteFile(dir_.File("c.yaml"), "sources:\n  - {name: api, files: a.log}\n");
  Start();
  ASSERT_TRUE(WaitFor(
      [&] {
        return SampleValue(Metrics(), R"(accesslog_lines_total{log="api",result="parsed"})") == 1;
      },
      5s));
  testing::WriteFile(dir_.File("c.yaml"),
                     "sources:\n  - {name: api, files: a.log}\nlabels: {method: true}\n");
  ::kill(exporter_->pid(), SIGHUP);
  // Labels changed, so response counters restart with the new label set: a line is counted
  // under the new labels once the reload is done.
  ASSERT_TRUE(WaitFor(
      [&] {
        return testing::ReadFile(dir_.File("stderr")).find("reloaded the configuration") !=
               std::string::npos;
      },
      5s))
      << testing::ReadFile(dir_.File("stderr"));
  testing::AppendFile(dir_.File("a.log"), kLine429);
  ASSERT_TRUE(WaitFor(
      [&] {
        return SampleValue(
                   Metrics(),
                   R"(accesslog_http_responses_total{class="4xx",code="429",documented="true",method="POST"})") ==
               1;
      },
      5s))
      << Metrics();
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
