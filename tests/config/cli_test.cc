#include "config/cli.h"

#include <gtest/gtest.h>

#include <vector>

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
  EXPECT_EQ(o.log_format, "combined");
  EXPECT_FALSE(o.tail.from_start);
  EXPECT_EQ(o.command, Command::kServe);
  EXPECT_EQ(o.log_files, std::vector<std::string>{"/var/log/nginx/access.log"});
}

TEST(CliTest, RepeatableLogFileAndEveryFlag) {
  Options o;
  std::string msg;
  ASSERT_EQ(Parse({"--log.file=a.log", "--log.file", "b.log", "--tail.from=start",
                   "--log.format=common", "--web.listen-address=127.0.0.1:0",
                   "--web.telemetry-path=/m", "--status.codes=t.yaml", "--oneshot",
                   "--tail.poll-interval=250", "--log.max-line-bytes=4096", "--log.level=debug"},
                  &o, &msg),
            CliOutcome::kRun)
      << msg;
  EXPECT_EQ(o.log_files, (std::vector<std::string>{"a.log", "b.log"}));
  EXPECT_TRUE(o.tail.from_start);
  EXPECT_EQ(o.log_format, "common");
  EXPECT_EQ(o.web.listen_address, "127.0.0.1:0");
  EXPECT_EQ(o.web.telemetry_path, "/m");
  EXPECT_EQ(o.status_codes_file, "t.yaml");
  EXPECT_EQ(o.command, Command::kOneshot);
  EXPECT_EQ(o.tail.poll_interval.count(), 250);
  EXPECT_EQ(o.tail.max_line_bytes, 4096u);
  EXPECT_EQ(o.log_level, "debug");
}

TEST(CliTest, BadFlagsAreOneLineUsageErrors) {
  for (std::vector<const char*> args : {std::vector<const char*>{"--nope"},
                                        {"--log.file=a", "--tail.from=middle"},
                                        {"--log.file=a", "--tail.poll-interval=0"},
                                        {"--log.file=a", "--web.telemetry-path=m"},
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
  for (const char* flag : {"--log.file", "--log.format", "--tail.from", "--tail.poll-interval",
                           "--log.max-line-bytes", "--status.codes", "--web.listen-address",
                           "--web.telemetry-path", "--log.level", "--oneshot", "--version"}) {
    EXPECT_NE(msg.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(Parse({"--version"}, &o, &msg), CliOutcome::kExitOk);
  EXPECT_EQ(msg.rfind("accesslog_exporter ", 0), 0u) << msg;
}

}  // namespace
}  // namespace accesslog
