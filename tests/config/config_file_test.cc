#include "config/config_file.h"

#include <gtest/gtest.h>

#include "config/cli.h"

namespace accesslog {
namespace {

bool Parse(const std::string& yaml, Options* o, std::string* error) {
  return ParseConfigText(yaml, "c.yaml", "/etc/ax", o, error);
}

TEST(ConfigFileTest, TheDocumentedExampleIsValid) {
  Options o;
  o.config_file = std::string(ACCESSLOG_SOURCE_DIR) + "/examples/config.yaml";
  std::string error;
  ASSERT_TRUE(LoadConfigFile(&o, &error)) << error;
  ASSERT_TRUE(ValidateOptions(o, &error)) << error;
  ASSERT_EQ(o.sources.size(), 3u);
  EXPECT_EQ(o.sources[0].name, "api");
  EXPECT_EQ(o.sources[0].files, std::vector<std::string>{std::string(ACCESSLOG_SOURCE_DIR) +
                                                         "/examples/sample-access.log"});
  EXPECT_EQ(o.sources[1].format.format, "json:envoy");
  ASSERT_TRUE(o.sources[2].format.json_fields.has_value());
  EXPECT_EQ(o.sources[2].format.json_fields->status, "/response/status");
  EXPECT_DOUBLE_EQ(o.sources[2].format.json_fields->request_time_to_seconds, 1e-3);
  EXPECT_TRUE(o.labels.log && o.labels.method && o.labels.route);
  EXPECT_FALSE(o.labels.host);
  EXPECT_EQ(o.labels.static_labels.size(), 1u);
  EXPECT_EQ(o.labels.max_routes, 500u);
  EXPECT_EQ(o.histograms.response_size.size(), 6u);
  EXPECT_EQ(o.tail.poll_interval.count(), 1000);
  EXPECT_EQ(o.tail.read_batch_window.count(), 1000);
}

TEST(ConfigFileTest, TailBatchWindow) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\ntail: {batch_window: 0ms}\n", &o, &error))
      << error;
  EXPECT_EQ(o.tail.read_batch_window.count(), 0);
  Options given;
  given.flags_given = {"--tail.batch-window"};
  given.tail.read_batch_window = std::chrono::milliseconds(30);
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\ntail: {batch_window: 2s}\n", &given, &error))
      << error;
  EXPECT_EQ(given.tail.read_batch_window.count(), 30);
  Options bad;
  EXPECT_FALSE(Parse("sources: [{name: a, files: x}]\ntail: {batch_window: 11s}\n", &bad, &error));
  EXPECT_NE(error.find("tail.batch_window: must be at most 10s"), std::string::npos) << error;
}

TEST(ConfigFileTest, RelativePathsAreRelativeToTheFile) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse(
      "sources:\n  - {name: a, files: [logs/*.log, /abs.log]}\nstatus_codes: c.yaml\n", &o, &error))
      << error;
  EXPECT_EQ(o.sources[0].files, (std::vector<std::string>{"/etc/ax/logs/*.log", "/abs.log"}));
  EXPECT_EQ(o.status_codes_file, "/etc/ax/c.yaml");
  EXPECT_EQ(o.sources[0].format.format, "combined");
}

TEST(ConfigFileTest, FlagsGivenWinOverTheFile) {
  Options o;
  o.flags_given = {"--tail.from", "--tail.poll-interval"};
  o.tail.from_start = false;
  o.tail.poll_interval = std::chrono::milliseconds(100);
  std::string error;
  ASSERT_TRUE(
      Parse("sources: [{name: a, files: x}]\ntail: {from: start, poll_interval: 5s, "
            "max_line_bytes: 1024}\n",
            &o, &error))
      << error;
  EXPECT_FALSE(o.tail.from_start);
  EXPECT_EQ(o.tail.poll_interval.count(), 100);
  EXPECT_EQ(o.tail.max_line_bytes, 1024u);
}

struct BadConfig {
  const char* yaml;
  const char* error;  // substring: file, line and key path, and the reason
};

class ConfigErrorTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigErrorTest, IsRefusedNamingTheKeyLineAndReason) {
  Options o;
  std::string error;
  EXPECT_FALSE(Parse(GetParam().yaml, &o, &error));
  EXPECT_NE(error.find(GetParam().error), std::string::npos) << error;
  EXPECT_EQ(error.rfind("c.yaml", 0), 0u) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ConfigErrorTest,
    ::testing::Values(
        BadConfig{"", "the file is empty"}, BadConfig{"sources: [", "invalid YAML"},
        BadConfig{"sorces: []\n", "c.yaml:1:1: sorces: unknown key"},
        BadConfig{"sources: [{name: a, files: x}]\nkubernetes: {node_name: Node_7}\n",
                  "kubernetes.node_name: 'Node_7' is not a node name"},
        BadConfig{"sources: [{name: a, files: x}]\nkubernetes: {node: n1}\n",
                  "kubernetes.node: unknown key"},
        BadConfig{"sources: [{name: a, files: x, path_labels: kubernetes-workload}]\n"
                  "histograms: {labels: [method, workload]}\n",
                  "histograms.labels: path labels go on histograms together"},
        BadConfig{"sources: []\n", "sources: expected a non-empty list"},
        BadConfig{"sources:\n  - {files: x}\n", "c.yaml:2:5: sources[0].name: is required"},
        BadConfig{"sources:\n  - {name: a}\n", "sources[0].files: is required"},
        BadConfig{"sources:\n  - {name: a, files: x}\n  - {name: a, files: y}\n",
                  "c.yaml:3:12: sources[1].name: 'a' is used twice"},
        BadConfig{"sources:\n  - {name: a, files: x, format: ltsv}\n",
                  "sources[0].format: unknown log format 'ltsv'"},
        BadConfig{"sources:\n  - {name: a, files: x, formt: json}\n",
                  "sources[0].formt: unknown key"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {method: yes}\n",
                  "labels.method: expected true or false, got 'yes'"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {limits: {routes: 0}}\n",
                  "labels.limits.routes: expected a whole number from 1 to 100000"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {route_templates: ['users/{id}']}\n",
                  "labels.route_templates[0]: route template 'users/{id}' must start with '/'"},
        BadConfig{
            "sources: [{name: a, files: x}]\nhistograms: {request_duration_seconds: [1, 0.5]}\n",
            "histograms.request_duration_seconds[1]: bucket bounds must increase"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {response_size_bytes: [a]}\n",
                  "histograms.response_size_bytes[0]: expected a number, got 'a'"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {native: yes}\n",
                  "histograms.native: expected true or false, got 'yes'"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {native: {schema: 9}}\n",
                  "histograms.native.schema: expected a whole number from -4 to 8"},
        BadConfig{"sources: [{name: a, files: x}]\n"
                  "histograms: {native: {schema: 3, bucket_factor: 1.1}}\n",
                  "histograms.native.bucket_factor: give schema or bucket_factor, not both"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {native: {bucket_factor: 1}}\n",
                  "histograms.native.bucket_factor: must be greater than 1"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {native: {max_buckets: 4}}\n",
                  "histograms.native.max_buckets: expected a whole number from 8 to 32768"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {native: {zero_threshold: -1}}\n",
                  "histograms.native.zero_threshold: must not be negative"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {native: {scheme: 3}}\n",
                  "histograms.native.scheme: unknown key"},
        BadConfig{"sources: [{name: a, files: x, exemplars: {trace_id: $request_id}}]\n",
                  "sources[0].exemplars.trace_id: exemplars.trace_id: the combined format "
                  "carries no trace id"},
        BadConfig{"sources: [{name: a, files: x, format: '$status', exemplars: {trace_id: "
                  "$request_id}}]\n",
                  "sources[0].exemplars.trace_id: nginx log_format '$status': "
                  "exemplars.trace_id: the log_format does not write $request_id"},
        BadConfig{"sources: [{name: a, files: x, exemplars: {span_id: x}}]\n",
                  "sources[0].exemplars.span_id: unknown key"},
        BadConfig{"sources: [{name: a, files: x, exemplars: $request_id}]\n",
                  "sources[0].exemplars: expected a mapping: {trace_id: FIELD}"},
        BadConfig{"sources: [{name: a, files: x}]\ntail: {from: middle}\n",
                  "tail.from: expected start or end, got 'middle'"},
        BadConfig{"sources: [{name: a, files: x}]\ntail: {poll_interval: 10}\n",
                  "tail.poll_interval: expected a duration such as 250ms"},
        BadConfig{"sources: [{name: a, files: x, format: json, json_fields: {method: /m}}]\n",
                  "sources[0].json_fields.status: is required"},
        BadConfig{"sources: [{name: a, files: x, format: json, json_fields: {status: s}}]\n",
                  "sources[0].json_fields.status: expected a JSON pointer"},
        BadConfig{"sources: [{name: a, files: x, format: json, json_fields: {status: /s, "
                  "request_time_unit: min}}]\n",
                  "request_time_unit: expected s, ms, us or ns, got 'min'"},
        BadConfig{"sources: [{name: a, files: ''}]\n",
                  "sources[0].files: a path must not be empty"},
        BadConfig{"sources: [{name: a, files: [x, '']}]\n",
                  "sources[0].files: a path must not be empty"},
        // A raw byte: YAML's own "\xff" escape would be U+00FF, which is valid.
        BadConfig{"sources: [{name: a\xff, files: x}]\n", "sources[0].name: must be valid UTF-8"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {static: {code: x}}\n",
                  "c.yaml:2:19: labels.static.code: the label 'code' is already used"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {static: {route: x}}\n",
                  "labels.static.route: the label 'route' is already used"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {static: {bad-name: x}}\n",
                  "labels.static.bad-name: a label name is a letter or '_'"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {static: {__env: x}}\n",
                  "labels.static.__env: a label name"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {static: {1env: x}}\n",
                  "labels.static.1env: a label name"},
        BadConfig{"sources: [{name: a, files: x}]\ntail: {poll_interval: infms}\n",
                  "tail.poll_interval: expected a duration such as 250ms, 1s or 1m (at most 1h), "
                  "got 'infms'"},
        BadConfig{"sources: [{name: a, files: x}]\ntail: {poll_interval: 1e300s}\n",
                  "tail.poll_interval: expected a duration"},
        BadConfig{"sources: [{name: a, files: x}]\ntail: {poll_interval: 61m}\n",
                  "tail.poll_interval: expected a duration"},
        // Leaving the key out means the embedded table / no positions; "" is a mistake.
        BadConfig{"sources: [{name: a, files: x}]\nstatus_codes: ''\n",
                  "c.yaml:2:15: status_codes: expected a non-empty string"},
        BadConfig{"sources: [{name: a, files: x}]\ntail: {positions_file: ''}\n",
                  "tail.positions_file: expected a non-empty string"},
        BadConfig{"sources: [{name: a, files: x, wrapper: json-file}]\n",
                  "c.yaml:1:40: sources[0].wrapper: expected none, cri, docker or auto, got "
                  "'json-file'"},
        BadConfig{"sources: [{name: a, files: x, wrapper: cri, streams: [stdin]}]\n",
                  "sources[0].streams: expected stdout or stderr, got 'stdin'"},
        BadConfig{"sources: [{name: a, files: x, wrapper: cri, streams: []}]\n",
                  "sources[0].streams: expected stdout, stderr or both"},
        BadConfig{"sources: [{name: a, files: x, streams: [stdout]}]\n",
                  "sources[0].streams: applies to container logs only"},
        BadConfig{"sources: [{name: a, files: x, path_labels: '/(.*)'}]\n",
                  "sources[0].path_labels: the pattern has no named group"},
        BadConfig{"sources: [{name: a, files: x, path_labels: '(?P<x'}]\n",
                  "sources[0].path_labels: not a valid RE2 pattern"},
        BadConfig{"sources: [{name: a, files: x, path_labels: '/(?P<route>.*)'}]\n",
                  "c.yaml:1:44: sources[0].path_labels: the label 'route' is already used"},
        BadConfig{"sources: [{name: a, files: x, path_labels: kubernetes}]\n"
                  "labels: {static: {namespace: prod}}\n",
                  "sources[0].path_labels: the label 'namespace' is already used"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {limits: {paths: 0}}\n",
                  "labels.limits.paths: expected a whole number from 1 to 100000"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {expire_after: 10}\n",
                  "labels.expire_after: expected a duration of whole seconds"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {expire_after: 0s}\n",
                  "labels.expire_after: expected a duration"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {expire_after: 400d}\n",
                  "(1s to 365d), got '400d'"},
        BadConfig{"sources: [{name: a, files: x}]\nlabels: {limits: {series: 0}}\n",
                  "labels.limits.series: expected a whole number from 1 to 10000000"},
        BadConfig{"sources: [{name: a, files: x}]\nhistograms: {labels: [class, code]}\n",
                  "c.yaml:2:30: histograms.labels[1]: 'code' is not a label of the exporter"},
        BadConfig{"sources: [{name: a, files: x, path_labels: kubernetes}]\n"
                  "histograms: {labels: [method, pod]}\n",
                  "histograms.labels: path labels go on histograms together"}));

TEST(ConfigFileTest, SeriesBudgetAndHistogramLabels) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\n", &o, &error)) << error;
  EXPECT_EQ(o.labels.max_series, 10000u);
  EXPECT_EQ(o.histograms.labels, (std::vector<std::string>{"class", "method"}));
  ASSERT_TRUE(
      Parse("sources: [{name: a, files: x, path_labels: kubernetes}]\n"
            "labels: {limits: {series: 50000}}\n"
            "histograms: {labels: [class, route, namespace, workload, pod, container]}\n",
            &o, &error))
      << error;
  EXPECT_EQ(o.labels.max_series, 50000u);
  EXPECT_EQ(o.histograms.labels, (std::vector<std::string>{"class", "route", "namespace",
                                                           "workload", "pod", "container"}));
}

TEST(ConfigFileTest, NativeHistograms) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\n", &o, &error)) << error;
  EXPECT_FALSE(o.histograms.native.enabled) << "off by default";
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\nhistograms: {native: true}\n", &o, &error));
  EXPECT_TRUE(o.histograms.native.enabled);
  EXPECT_EQ(o.histograms.native, (NativeHistogramOptions{.enabled = true}));
  EXPECT_EQ(o.histograms.native.schema, 3);
  EXPECT_EQ(o.histograms.native.max_buckets, 160u);
  EXPECT_EQ(o.histograms.native.zero_threshold, 0x1p-128);
  o = Options();
  ASSERT_TRUE(
      Parse("sources: [{name: a, files: x}]\nhistograms:\n  native:\n"
            "    bucket_factor: 2\n    max_buckets: 40\n    zero_threshold: 0.0001\n",
            &o, &error))
      << error;
  EXPECT_EQ(o.histograms.native,
            (NativeHistogramOptions{
                .enabled = true, .schema = 0, .max_buckets = 40, .zero_threshold = 0.0001}));
  o = Options();
  ASSERT_TRUE(
      Parse("sources: [{name: a, files: x}]\nhistograms: {native: {schema: -2}}\n", &o, &error));
  EXPECT_EQ(o.histograms.native.schema, -2);
  // --histograms.native wins over a false in the file.
  o = Options();
  o.histograms.native.enabled = true;
  o.flags_given.insert("--histograms.native");
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\nhistograms: {native: false}\n", &o, &error));
  EXPECT_TRUE(o.histograms.native.enabled);
}

TEST(ConfigFileTest, Exemplars) {
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("sources:\n  - {name: a, files: x, format: json, exemplars: {trace_id: "
            "/trace_id}}\n  - {name: b, files: y}\n",
            &o, &error))
      << error;
  EXPECT_EQ(o.sources[0].format.trace_id, "/trace_id");
  EXPECT_EQ(o.sources[1].format.trace_id, "");
  EXPECT_TRUE(o.histograms.exemplars) << "a source has them: the series keep room for them";
  o = Options();
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\n", &o, &error)) << error;
  EXPECT_FALSE(o.histograms.exemplars);
}

TEST(ConfigFileTest, PathLabels) {
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("sources:\n  - {name: a, files: x, wrapper: cri, path_labels: kubernetes}\n"
            "labels: {limits: {paths: 300}}\n",
            &o, &error))
      << error;
  EXPECT_EQ(o.sources[0].path_labels, "kubernetes");
  EXPECT_EQ(o.labels.max_paths, 300u);
  EXPECT_EQ(o.labels.expire_after.count(), 0);
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\nlabels: {expire_after: 2h}\n", &o, &error))
      << error;
  EXPECT_EQ(o.labels.expire_after.count(), 7200);
}

TEST(ConfigFileTest, WrapperAndStreams) {
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("sources:\n  - {name: a, files: x}\n  - {name: b, files: y, wrapper: auto}\n"
            "  - {name: c, files: z, wrapper: docker, streams: [stderr, stdout]}\n",
            &o, &error))
      << error;
  EXPECT_EQ(o.sources[0].unwrap.wrapper, Wrapper::kNone);
  EXPECT_EQ(o.sources[1].unwrap.wrapper, Wrapper::kAuto);
  EXPECT_EQ(o.sources[1].unwrap.streams, (std::array<bool, kNumLogStreams>{true, false}));
  EXPECT_EQ(o.sources[2].unwrap.wrapper, Wrapper::kDocker);
  EXPECT_EQ(o.sources[2].unwrap.streams, (std::array<bool, kNumLogStreams>{true, true}));
  EXPECT_FALSE(o.sources[1] == o.sources[2]);  // a change of wrapper restarts tailing on reload
}

TEST(ConfigFileTest, StaticLabelsWithValidNamesAreKept) {
  Options o;
  std::string error;
  ASSERT_TRUE(Parse("sources: [{name: a, files: x}]\nlabels: {static: {env: prod, _dc2: eu}}\n", &o,
                    &error))
      << error;
  EXPECT_EQ(o.labels.static_labels,
            (std::vector<std::pair<std::string, std::string>>{{"env", "prod"}, {"_dc2", "eu"}}));
}

TEST(ConfigFileTest, MissingFileIsNamed) {
  Options o;
  o.config_file = "/nonexistent/accesslog.yaml";
  std::string error;
  EXPECT_FALSE(LoadConfigFile(&o, &error));
  EXPECT_NE(error.find("/nonexistent/accesslog.yaml"), std::string::npos);
}

}  // namespace
}  // namespace accesslog

namespace accesslog {
namespace {

TEST(ConfigFileTest, ListenSourcesAndTheirLimits) {
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("sources:\n"
            "  - {name: edge, listen: 'udp://127.0.0.1:5514'}\n"
            "  - name: gw\n    listen: 'tcp://[::1]:5515'\n"
            "    syslog: {max_message_bytes: 4096, max_connections: 8, idle_timeout: 30s}\n"
            "  - {name: local, listen: 'unix:///run/log.sock', syslog: {socket_mode: '0666'}}\n"
            "  - {name: in, files: '-'}\n",
            &o, &error))
      << error;
  ASSERT_TRUE(ValidateOptions(o, &error)) << error;
  ASSERT_EQ(o.sources.size(), 4u);
  EXPECT_EQ(o.sources[0].listen, "udp://127.0.0.1:5514");
  EXPECT_TRUE(o.sources[0].files.empty());
  EXPECT_EQ(o.sources[1].syslog.max_message_bytes, 4096u);
  EXPECT_EQ(o.sources[1].syslog.max_connections, 8u);
  EXPECT_EQ(o.sources[1].syslog.idle_timeout.count(), 30000);
  EXPECT_EQ(o.sources[2].listen, "unix:///run/log.sock");
  EXPECT_EQ(o.sources[2].syslog.socket_mode, 0666u);
  EXPECT_EQ(o.sources[0].syslog.socket_mode, 0660u) << "the default: owner and group";
  EXPECT_EQ(o.sources[3].files, std::vector<std::string>{"-"}) << "'-' is not a path";
}

TEST(ConfigFileTest, ListenErrorsNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"sources:\n  - {name: a, listen: 'udp://x:1', files: a.log}\n",
       "sources[0].listen: a source has either files or listen, not both"},
      {"sources:\n  - {name: a, listen: 'http://x:1'}\n", "sources[0].listen: listen address"},
      {"sources:\n  - {name: a, listen: 'udp://x'}\n", "expected HOST:PORT"},
      {"sources:\n  - {name: a, listen: 'unix://rel'}\n", "a unix socket needs an absolute path"},
      {"sources:\n  - {name: a, files: a.log, syslog: {max_connections: 2}}\n",
       "sources[0].syslog: only applies to a source with listen:"},
      {"sources:\n  - {name: a, listen: 'udp://:1', syslog: {max_message_bytes: 10}}\n",
       "sources[0].syslog.max_message_bytes: expected a whole number from 256"},
      {"sources:\n  - {name: a, listen: 'udp://:1', syslog: {nope: 1}}\n", "sources[0].syslog"},
      {"sources:\n  - {name: a, listen: 'unix:///s', syslog: {socket_mode: '0999'}}\n",
       "sources[0].syslog.socket_mode: expected permission bits in octal"},
      {"sources:\n  - {name: a, listen: 'unix:///s', syslog: {socket_mode: '4660'}}\n",
       "sources[0].syslog.socket_mode: expected permission bits in octal"},
      {"sources:\n  - {name: a, listen: 'udp://:1', syslog: {socket_mode: '0660'}}\n",
       "sources[0].syslog.socket_mode: applies to a unix:// listen address only"},
  };
  for (const auto& [yaml, want] : cases) {
    Options o;
    std::string error;
    EXPECT_FALSE(Parse(yaml, &o, &error)) << yaml;
    EXPECT_NE(error.find(want), std::string::npos) << yaml << "\n" << error;
  }
  Options o;
  std::string error;
  EXPECT_FALSE(
      Parse("sources:\n  - {name: a, listen: 'udp://:1'}\n  - {name: b, listen: "
            "'udp://:1'}\n",
            &o, &error));
  EXPECT_NE(error.find("sources[1].listen: 'udp://:1' is listened on by source 'a' already"),
            std::string::npos)
      << error;
  EXPECT_FALSE(Parse("sources:\n  - {name: c, files: ['-', x.log]}\n", &o, &error));
  EXPECT_NE(error.find("sources[0].files: '-' (standard input) must be the source's only file"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace accesslog
