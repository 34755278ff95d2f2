#include "config/cli.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <vector>

#include "config/config_file.h"

namespace accesslog {
namespace {

CliOutcome Parse(std::vector<const char*> args, Options* options, std::string* message) {
  args.insert(args.begin(), "accesslog_exporter");
  return ParseCommandLine(static_cast<int>(args.size()), args.data(), options, message);
}

TEST(CliTest, DefaultsFollowTheExporterConventions) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=/var/log/nginx/access.log"}, &o, &msg), CliOutcome::kRun) << msg;
  EXPECT_EQ(o.web.listen_address, ":9958");
  EXPECT_EQ(o.web.telemetry_path, "/metrics");
  ASSERT_EQ(o.sources.size(), 1u);
  EXPECT_EQ(o.sources[0].format.format, "combined");
  EXPECT_FALSE(o.tail.from_start);
  EXPECT_EQ(o.command, Command::kServe);
  EXPECT_EQ(o.sources[0].name, "/var/log/nginx/access.log");
  EXPECT_EQ(o.sources[0].files, std::vector<std::string>{"/var/log/nginx/access.log"});
  EXPECT_FALSE(o.labels.any_dynamic());
}

TEST(CliTest, RepeatableLogFileAndEveryFlag) {
  Options o;
  std::string msg;
  ASSERT_EQ(
      Parse({"--log.file=a.log", "--log.file", "b.log", "--tail.from=start", "--log.format=common",
             "--web.listen-address=127.0.0.1:0", "--web.telemetry-path=/m", "--status.codes=t.yaml",
             "--oneshot", "--tail.poll-interval=250", "--tail.batch-window=40",
             "--log.max-line-bytes=4096", "--log.level=debug", "--labels=method,route",
             "--positions.file=p.json"},
            &o, &msg),
      CliOutcome::kRun)
      << msg;
  ASSERT_EQ(o.sources.size(), 2u);
  EXPECT_EQ(o.sources[0].files, std::vector<std::string>{"a.log"});
  EXPECT_EQ(o.sources[1].files, std::vector<std::string>{"b.log"});
  EXPECT_EQ(o.sources[1].name, "b.log");
  EXPECT_TRUE(o.tail.from_start);
  EXPECT_EQ(o.sources[1].format.format, "common");
  EXPECT_TRUE(o.flags_given.count("--tail.from"));
  EXPECT_FALSE(o.flags_given.count("--config.file"));
  EXPECT_EQ(o.web.listen_address, "127.0.0.1:0");
  EXPECT_EQ(o.web.telemetry_path, "/m");
  EXPECT_EQ(o.status_codes_file, "t.yaml");
  EXPECT_EQ(o.command, Command::kOneshot);
  EXPECT_EQ(o.tail.poll_interval.count(), 250);
  EXPECT_EQ(o.tail.read_batch_window.count(), 40);
  EXPECT_EQ(o.tail.max_line_bytes, 4096u);
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_TRUE(o.labels.method && o.labels.route);
  EXPECT_FALSE(o.labels.host || o.labels.log);
  EXPECT_EQ(o.tail.positions_file, "p.json");
}

TEST(CliTest, LogWrapperAppliesToEveryLogFile) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=a.log", "--log.file=b.log", "--log.wrapper=cri"}, &o, &msg),
            CliOutcome::kRun)
      << msg;
  ASSERT_EQ(o.sources.size(), 2u);
  for (const auto& s : o.sources) EXPECT_EQ(s.unwrap.wrapper, Wrapper::kCri);
  Options d;
  ASSERT_EQ(Parse({"--log.file=a.log"}, &d, &msg), CliOutcome::kRun) << msg;
  EXPECT_EQ(d.sources[0].unwrap.wrapper, Wrapper::kNone);
  Options bad;
  EXPECT_EQ(Parse({"--log.file=a.log", "--log.wrapper=json-file"}, &bad, &msg),
            CliOutcome::kUsageError);
  EXPECT_NE(msg.find("--log.wrapper"), std::string::npos) << msg;
  Options both;
  EXPECT_EQ(Parse({"--config.file=c.yaml", "--log.wrapper=cri"}, &both, &msg),
            CliOutcome::kUsageError);
  EXPECT_NE(msg.find("set the source's wrapper"), std::string::npos) << msg;
}

TEST(CliTest, HistogramsNative) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=a.log"}, &o, &msg), CliOutcome::kRun) << msg;
  EXPECT_FALSE(o.histograms.native.enabled);
  Options n;
  ASSERT_EQ(Parse({"--log.file=a.log", "--histograms.native"}, &n, &msg), CliOutcome::kRun) << msg;
  EXPECT_EQ(n.histograms.native, (NativeHistogramOptions{.enabled = true}));
  EXPECT_TRUE(n.flags_given.count("--histograms.native"));
}

// The node's name comes from NODE_NAME (the DaemonSet's downward API); the config file's
// kubernetes.node_name wins over it.
TEST(CliTest, NodeNameFromTheEnvironmentAndTheConfigFile) {
  ASSERT_EQ(::setenv("NODE_NAME", "node-7", 1), 0);
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=/var/log/pods/*/*/*.log", "--log.path-labels=kubernetes-workload"},
                  &o, &msg),
            CliOutcome::kRun)
      << msg;
  EXPECT_EQ(o.kubernetes.node_name, "node-7");
  EXPECT_EQ(o.sources[0].path_labels, "kubernetes-workload");
  std::string error;
  ASSERT_TRUE(ParseConfigText("sources: [{name: a, files: x}]\nkubernetes: {node_name: n1}\n",
                              "c.yaml", "", &o, &error))
      << error;
  EXPECT_EQ(o.kubernetes.node_name, "n1");
  ASSERT_EQ(::unsetenv("NODE_NAME"), 0);
  Options none;
  ASSERT_EQ(Parse({"--log.file=a.log"}, &none, &msg), CliOutcome::kRun) << msg;
  EXPECT_EQ(none.kubernetes.node_name, "");
}

TEST(CliTest, LogPathLabels) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=/var/log/pods/*/*/*.log", "--log.path-labels=kubernetes"}, &o, &msg),
            CliOutcome::kRun)
      << msg;
  EXPECT_EQ(o.sources[0].path_labels, "kubernetes");
  Options bad;
  EXPECT_EQ(Parse({"--log.file=a.log", "--log.path-labels=/(.*)"}, &bad, &msg),
            CliOutcome::kUsageError);
  EXPECT_NE(msg.find("--log.path-labels: the pattern has no named group"), std::string::npos)
      << msg;
  Options taken;
  EXPECT_EQ(Parse({"--log.file=a.log", "--log.path-labels=/(?P<code>.*)"}, &taken, &msg),
            CliOutcome::kUsageError);
  EXPECT_NE(msg.find("'code' is already used"), std::string::npos) << msg;
}

TEST(CliTest, ConfigFileAndCheck) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--config.file=c.yaml", "--config.check"}, &o, &msg), CliOutcome::kRun) << msg;
  EXPECT_EQ(o.config_file, "c.yaml");
  EXPECT_EQ(o.command, Command::kConfigCheck);
  EXPECT_TRUE(o.sources.empty());
  EXPECT_EQ(Parse({"--config.file=c.yaml", "--log.file=a.log"}, &o, &msg), CliOutcome::kUsageError);
  EXPECT_NE(msg.find("not both"), std::string::npos) << msg;
}

TEST(CliTest, BadFlagsAreOneLineUsageErrors) {
  for (std::vector<const char*> args : {std::vector<const char*>{"--nope"},
                                        {"--log.file=a", "--tail.from=middle"},
                                        {"--log.file=a", "--tail.poll-interval=0"},
                                        {"--log.file=a", "--web.telemetry-path=m"},
                                        {"--log.file=a", "--labels=path"},
                                        {}}) {
    Options o;
    std::string msg;
    EXPECT_EQ(Parse(args, &o, &msg), CliOutcome::kUsageError);
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind("accesslog_exporter: ", 0), 0u) << msg;
  }
}

TEST(CliTest, HelpAndVersion) {
  Options o;
  std::string msg;
  EXPECT_EQ(Parse({"--help"}, &o, &msg), CliOutcome::kExitOk);
  for (const char* flag :
       {"--log.file", "--log.format", "--tail.from", "--tail.poll-interval", "--log.max-line-bytes",
        "--status.codes", "--web.listen-address", "--config.file", "--config.check", "--labels",
        "--positions.file", "--web.telemetry-path", "--log.level", "--oneshot", "--version"}) {
    EXPECT_NE(msg.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(Parse({"--version"}, &o, &msg), CliOutcome::kExitOk);
  EXPECT_EQ(msg.rfind("accesslog_exporter ", 0), 0u) << msg;
}

}  // namespace
}  // namespace accesslog

namespace accesslog {
namespace {

TEST(CliTest, ListenAndStandardInput) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.listen=udp://127.0.0.1:5514", "--log.listen=unix:///run/x.sock",
                   "--log.file=-", "--log.format=common"},
                  &o, &msg),
            CliOutcome::kRun)
      << msg;
  ASSERT_EQ(o.sources.size(), 3u);
  EXPECT_EQ(o.sources[0].name, "udp://127.0.0.1:5514");
  EXPECT_EQ(o.sources[0].listen, "udp://127.0.0.1:5514");
  EXPECT_EQ(o.sources[1].listen, "unix:///run/x.sock");
  EXPECT_EQ(o.sources[1].format.format, "common");
  EXPECT_EQ(o.sources[2].name, "stdin");
  EXPECT_EQ(o.sources[2].files, std::vector<std::string>{"-"});
  EXPECT_EQ(Parse({"--log.listen=udp://nohost"}, &o, &msg), CliOutcome::kUsageError);
  EXPECT_NE(msg.find("--log.listen: listen address 'udp://nohost': expected HOST:PORT"),
            std::string::npos)
      << msg;
}

TEST(CliTest, WebConnectionLimits) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=a.log", "--web.max-connections=100", "--web.header-timeout=1m30s",
                   "--web.idle-timeout=250ms"},
                  &o, &msg),
            CliOutcome::kRun)
      << msg;
  EXPECT_EQ(o.web.max_connections, 100u);
  EXPECT_EQ(o.web.header_timeout.count(), 90000);
  EXPECT_EQ(o.web.idle_timeout.count(), 250);
  for (const char* bad :
       {"--web.header-timeout=5", "--web.idle-timeout=0s", "--web.max-connections=3"}) {
    Options p;
    EXPECT_EQ(Parse({"--log.file=a.log", bad}, &p, &msg), CliOutcome::kUsageError) << bad;
  }
}

}  // namespace
}  // namespace accesslog
