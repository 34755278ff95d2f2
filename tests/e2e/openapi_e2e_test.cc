// End to end with a real nginx serving a few paths of the example API (examples/openapi.yaml)
// on a loopback port chosen at run time: the exporter follows nginx's access log and judges
// every response against the operation it answered. Then the document changes under a running
// exporter: a good one is applied by SIGHUP, a broken one is refused and the running one stays.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <string>
#include <vector>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::ReadFile;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;
using testing::WriteFile;

const std::string kSpec = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/openapi.yaml";

// nginx answers as the kittens API would: the code depends on the path and the method.
std::string NginxConf(const std::string& dir, int port) {
  std::string conf = "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + dir +
                     "/nginx.pid;\nerror_log " + dir +
                     "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n"
                     "  access_log " +
                     dir + "/access.log combined;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf += "  " + std::string(t) + "_temp_path " + dir + "/" + t + ";\n";
  }
  conf += "  server {\n    listen 127.0.0.1:" + std::to_string(port) +
          ";\n"
          "    location = /v1/kittens {\n"
          "      if ($arg_conflict) { return 409; }\n"
          "      if ($request_method = POST) { return 201; }\n"
          "      if ($request_method = PUT) { return 405; }\n"
          "      return 200;\n    }\n"
          "    location ~ ^/v1/kittens/[0-9]+$ {\n"
          "      if ($request_method = DELETE) { return 204; }\n"
          "      if ($arg_gone) { return 410; }\n"
          "      return 200;\n    }\n"
          "    location ~ ^/v1/kittens/[0-9]+/photos/[0-9]+\\.(jpg|png)$ { return 200; }\n"
          "    location = /v1/kittens/search { return 200; }\n"
          "    location = /v1/search {\n"
          "      if ($request_method = PATCH) { return 405; }\n"
          "      return 429;\n    }\n"
          "    location = /v1/coffee { return 418; }\n"
          "    location = /healthz { return 200; }\n"
          "    location / { return 404; }\n"
          "  }\n}\n";
  return conf;
}

struct Request {
  std::string method;
  std::string path;
  int status;
  // The series it must count in, without its class (the test adds it).
  std::string series;
};

const std::vector<Request> kRequests = {
    {"GET", "/v1/kittens?page=2", 200,
     R"(code="200",documented="true",method="GET",route="/kittens",operation="listKittens")"},
    {"POST", "/v1/kittens", 201,
     R"(code="201",documented="true",method="POST",route="/kittens",operation="createKitten")"},
    {"PUT", "/v1/kittens", 405,
     R"(code="405",documented="true",method="PUT",route="/kittens",operation="replaceAllKittens")"},
    {"GET", "/v1/kittens/7", 200,
     R"(code="200",documented="true",method="GET",route="/kittens/{kittenId}",operation="getKitten")"},
    {"HEAD", "/v1/kittens/8", 200,
     R"(code="200",documented="true",method="HEAD",route="/kittens/{kittenId}",operation="getKitten")"},
    {"GET", "/v1/kittens/9?gone=1", 410,
     R"(code="410",documented="true",method="GET",route="/kittens/{kittenId}",operation="getKitten")"},
    {"DELETE", "/v1/kittens/7", 204,
     R"(code="204",documented="true",method="DELETE",route="/kittens/{kittenId}",operation="deleteKitten")"},
    {"GET", "/v1/kittens/7/photos/3.jpg", 200,
     R"(code="200",documented="true",method="GET",route="/kittens/{kittenId}/photos/{photoId}.{format}",operation="getKittenPhoto")"},
    {"GET", "/v1/kittens/search?name=tom", 200,
     R"(code="200",documented="true",method="GET",route="/kittens/search",operation="searchKittensByName")"},
    // An undocumented code: createKitten does not promise 409.
    {"POST", "/v1/kittens?conflict=1", 409,
     R"(code="409",documented="false",method="POST",route="/kittens",operation="createKitten")"},
    {"GET", "/v1/search", 429,
     R"(code="429",documented="true",method="GET",route="/search",operation="searchKittens")"},
    // A method the path does not have: no operation, the API-wide table documents 405.
    {"PATCH", "/v1/search", 405,
     R"(code="405",documented="true",method="PATCH",route="/search",operation="")"},
    {"POST", "/v1/coffee", 418,
     R"(code="418",documented="true",method="POST",route="/coffee",operation="brewCoffee")"},
    {"GET", "/v1/coffee", 418,
     R"(code="418",documented="true",method="GET",route="/coffee",operation="")"},
    // Outside the spec.
    {"GET", "/healthz", 200,
     R"(code="200",documented="true",method="GET",route="__unmatched__",operation="")"},
    {"GET", "/v2/kittens", 404,
     R"(code="404",documented="true",method="GET",route="__unmatched__",operation="")"},
    {"PUT", "/v1/kittens/7/photos/3.jpg", 200,
     R"(code="200",documented="true",method="PUT",route="/kittens/{kittenId}/photos/{photoId}.{format}",operation="")"},
};

int Send(httplib::Client& c, const Request& r) {
  auto status = [](const httplib::Result& res) { return res ? res->status : -1; };
  if (r.method == "GET") return status(c.Get(r.path));
  if (r.method == "HEAD") return status(c.Head(r.path));
  if (r.method == "POST") return status(c.Post(r.path));
  if (r.method == "PUT") return status(c.Put(r.path));
  if (r.method == "PATCH") return status(c.Patch(r.path));
  if (r.method == "DELETE") return status(c.Delete(r.path));
  return -1;
}

class OpenApiEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nginx_port_ = testing::FreePort();
    WriteFile(dir_.File("nginx.conf"), NginxConf(dir_.path(), nginx_port_));
    nginx_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/nginx", "-p", dir_.path(), "-e", dir_.File("error.log"),
                                 "-c", dir_.File("nginx.conf")},
        dir_.File("nginx.out"), dir_.File("nginx.err"));
    ASSERT_TRUE(nginx_->started());
    ASSERT_TRUE(WaitFor([&] { return HttpGet(nginx_port_, "/healthz").has_value(); }, 10s))
        << ReadFile(dir_.File("nginx.err")) << ReadFile(dir_.File("error.log"));
    ASSERT_TRUE(WaitFor([&] { return !ReadFile(dir_.File("access.log")).empty(); }, 5s));
  }
  void TearDown() override {
    if (exporter_) exporter_->Stop(SIGTERM, 10s);
    if (nginx_) nginx_->Stop(SIGQUIT, 10s);
  }
  void StartExporter(std::vector<std::string> args) {
    exporter_ = std::make_unique<testing::ExporterProcess>(args, dir_.File("exporter.out"),
                                                           dir_.File("exporter.err"));
    ASSERT_TRUE(exporter_->Ready()) << exporter_->log();
    port_ = exporter_->port();
  }
  // Sends the requests, each `times` times; waits until the exporter has read them all.
  std::string SendAll(const std::vector<Request>& requests, int times, int* total) {
    httplib::Client client("127.0.0.1", nginx_port_);
    for (const Request& r : requests) {
      for (int i = 0; i < times; ++i) {
        EXPECT_EQ(Send(client, r), r.status) << r.method << " " << r.path;
        ++*total;
      }
    }
    std::string metrics;
    const std::string parsed = "accesslog_lines_total{log=\"" +
                               (log_.empty() ? dir_.File("access.log") : log_) +
                               "\",result=\"parsed\"}";
    EXPECT_TRUE(WaitFor(
        [&] {
          metrics = HttpGet(port_, "/metrics").value_or("");
          return SampleValue(metrics, parsed) == *total;
        },
        10s))
        << metrics;
    return metrics;
  }
  static std::string Series(const Request& r) {
    return "accesslog_http_responses_total{class=\"" + std::to_string(r.status / 100) + "xx\"," +
           r.series + "}";
  }

  TempDir dir_;
  int nginx_port_ = 0;
  int port_ = 0;
  std::string log_;  // the source's name when not its path
  std::unique_ptr<Process> nginx_;
  std::unique_ptr<testing::ExporterProcess> exporter_;
};

TEST_F(OpenApiEndToEndTest, EveryResponseIsJudgedByTheOperationItAnswered) {
  StartExporter({"--log.file=" + dir_.File("access.log"), "--api.openapi=" + kSpec,
                 "--labels=method,route,operation"});
  int total = 0;
  const std::string metrics = SendAll(kRequests, 2, &total);
  for (const Request& r : kRequests) {
    EXPECT_EQ(SampleValue(metrics, Series(r)), 2) << Series(r) << "\n" << metrics;
  }
  EXPECT_EQ(SampleValue(metrics, R"(accesslog_api_info{log=")" + dir_.File("access.log") +
                                     R"(",title="Kittens API",version="1.4.0"})"),
            1);
  std::string lint;
  EXPECT_EQ(testing::RunCommand({"promtool", "check", "metrics"}, &lint, 60s, metrics), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool had remarks";
}

TEST_F(OpenApiEndToEndTest, AReloadAppliesAChangedDocumentAndKeepsTheOldOneWhenBroken) {
  const std::string spec = dir_.File("kittens.yaml");
  std::string text = ReadFile(kSpec);
  WriteFile(spec, text);
  WriteFile(dir_.File("config.yaml"),
            "sources:\n  - name: api\n    files: " + dir_.File("access.log") +
                "\n    api: {openapi: kittens.yaml}\n"
                "labels: {method: true, route: true, operation: true}\n");
  log_ = "api";
  StartExporter({"--config.file=" + dir_.File("config.yaml")});
  const Request search = {"GET", "/v1/search", 429, ""};
  int total = 0;
  std::string metrics = SendAll({search}, 1, &total);
  const std::string v1 =
      R"(accesslog_http_responses_total{class="4xx",code="429",documented="true",method="GET",route="/search",operation="searchKittens"})";
  EXPECT_EQ(SampleValue(metrics, v1), 1) << metrics;

  // Version 2 of the document: the search operation is renamed and no longer promises 429.
  const std::string from = "operationId: searchKittens\n      responses:\n";
  ASSERT_NE(text.find(from), std::string::npos);
  text.replace(text.find(from), from.size(), "operationId: findKittens\n      responses:\n");
  text.replace(text.find("version: 1.4.0"), 14, "version: 2.0.0");
  const std::string promise =
      "        \"429\": {$ref: \"#/components/responses/TooManyRequests\"}\n"
      "        \"503\": {$ref: \"#/components/responses/Unavailable\"}\n"
      "  /owners";
  ASSERT_NE(text.find(promise), std::string::npos);
  text.replace(text.find(promise), promise.size(),
               "        \"503\": {$ref: \"#/components/responses/Unavailable\"}\n  /owners");
  WriteFile(spec, text);
  ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return HttpGet(port_, "/metrics").value_or("").find(R"(version="2.0.0")") !=
               std::string::npos;
      },
      10s))
      << ReadFile(dir_.File("exporter.err"));
  metrics = SendAll({search}, 1, &total);
  const std::string v2 =
      R"(accesslog_http_responses_total{class="4xx",code="429",documented="false",method="GET",route="/search",operation="findKittens"})";
  EXPECT_EQ(SampleValue(metrics, v2), 1) << metrics;

  // Version 2.1: the same operations, 429 promised again: only the verdicts change (the sinks
  // are new although the routes, the operations and every file name are the same).
  text.replace(text.find("version: 2.0.0"), 14, "version: 2.1.0");
  const std::string unpromised =
      "        \"503\": {$ref: \"#/components/responses/Unavailable\"}\n  /owners";
  text.replace(text.find(unpromised), unpromised.size(), promise);
  WriteFile(spec, text);
  ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return HttpGet(port_, "/metrics").value_or("").find(R"(version="2.1.0")") !=
               std::string::npos;
      },
      10s))
      << ReadFile(dir_.File("exporter.err"));
  metrics = SendAll({search}, 1, &total);
  const std::string v21 =
      R"(accesslog_http_responses_total{class="4xx",code="429",documented="true",method="GET",route="/search",operation="findKittens"})";
  EXPECT_EQ(SampleValue(metrics, v21), 1) << metrics;
  EXPECT_EQ(SampleValue(metrics, v2), 1) << "earlier lines keep their verdict\n" << metrics;

  // A broken document is refused with its location; the running one stays.
  WriteFile(spec, text + "paths: [unclosed\n");
  ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        return ReadFile(dir_.File("exporter.err")).find("kittens.yaml:") != std::string::npos;
      },
      10s))
      << ReadFile(dir_.File("exporter.err"));
  metrics = SendAll({search}, 1, &total);
  EXPECT_EQ(SampleValue(metrics, v21), 2) << metrics;
  EXPECT_NE(metrics.find(R"(version="2.1.0")"), std::string::npos);
}

}  // namespace
}  // namespace accesslog
