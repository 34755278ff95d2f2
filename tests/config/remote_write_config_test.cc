// remote_write: in the config file, and --remote-write.url / --remote-write.interval.
#include <gtest/gtest.h>

#include <fstream>

#include "config/cli.h"
#include "config/config_file.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

bool Parse(const std::string& yaml, Options* o, std::string* error,
           const std::string& base = "/etc/ax") {
  return ParseConfigText("sources: [{name: a, files: x}]\n" + yaml, "c.yaml", base, o, error);
}

CliOutcome Cli(std::vector<const char*> args, Options* options, std::string* message) {
  args.insert(args.begin(), "accesslog_exporter");
  return ParseCommandLine(static_cast<int>(args.size()), args.data(), options, message);
}

TEST(RemoteWriteConfigTest, EveryKey) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("token"), "abc\n");
  testing::WriteFile(dir.File("password"), "pw\n");
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("remote_write:\n"
            "  url: https://mimir.example/api/v1/push\n"
            "  interval: 30s\n"
            "  timeout: 5s\n"
            "  headers: {X-Scope-OrgID: tenant-1}\n"
            "  basic_auth: {username: u, password_file: password}\n"
            "  tls: {insecure_skip_verify: true}\n"
            "  external_labels: {cluster: eu-1, job: edge}\n"
            "  queue: {max_samples: 5000, max_samples_per_send: 500, min_backoff: 100ms,"
            " max_backoff: 10s}\n",
            &o, &error, dir.path()))
      << error;
  const RemoteWriteOptions& rw = o.remote_write;
  EXPECT_EQ(rw.url, "https://mimir.example/api/v1/push");
  EXPECT_EQ(rw.interval, std::chrono::seconds(30));
  EXPECT_EQ(rw.timeout, std::chrono::seconds(5));
  EXPECT_EQ(rw.headers,
            (std::vector<std::pair<std::string, std::string>>{{"X-Scope-OrgID", "tenant-1"}}));
  EXPECT_EQ(rw.basic_auth_username, "u");
  EXPECT_EQ(rw.basic_auth_password_file, dir.File("password"));
  EXPECT_TRUE(rw.tls.insecure_skip_verify);
  EXPECT_EQ(rw.external_labels.size(), 2u);
  EXPECT_EQ(rw.queue.max_samples, 5000u);
  EXPECT_EQ(rw.queue.max_samples_per_send, 500u);
  EXPECT_EQ(rw.queue.min_backoff, std::chrono::milliseconds(100));
  EXPECT_EQ(rw.queue.max_backoff, std::chrono::seconds(10));
  EXPECT_TRUE(ValidateOptions(o, &error)) << error;

  Options bearer;
  ASSERT_TRUE(
      Parse("remote_write: {url: 'http://127.0.0.1:9090/api/v1/write', "
            "bearer_token_file: token}\n",
            &bearer, &error, dir.path()))
      << error;
  EXPECT_EQ(bearer.remote_write.bearer_token_file, dir.File("token"));
  EXPECT_EQ(bearer.remote_write.interval, std::chrono::seconds(15));  // the defaults
  EXPECT_EQ(bearer.remote_write.timeout, std::chrono::seconds(10));
  EXPECT_EQ(bearer.remote_write.queue.max_samples, 100000u);
}

TEST(RemoteWriteConfigTest, ErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* error;
  };
  const Case cases[] = {
      {"remote_write: {interval: 5s}", "remote_write: url is required"},
      {"remote_write: {url: 'mimir/api'}", "remote_write.url: 'mimir/api' is not an http://"},
      {"remote_write: {url: 'http://h:70000/'}", "remote_write.url: 'http://h:70000/': the port"},
      {"remote_write: {url: 'http://h/', interval: 500ms}",
       "remote_write.interval: must be at least 1s"},
      {"remote_write: {url: 'http://h/', timeout: 10m}",
       "remote_write.timeout: must be from 100ms to 5m"},
      {"remote_write: {url: 'http://h/', bearer_token_file: /nonexistent/token}",
       "remote_write.bearer_token_file: /nonexistent/token: cannot read the file"},
      {"remote_write: {url: 'http://h/', tls: {ca_file: /nonexistent/ca.pem}}",
       "remote_write.tls.ca_file: /nonexistent/ca.pem: cannot read the file"},
      {"remote_write: {url: 'http://h/', tls: {cert_file: /etc/passwd}}",
       "remote_write.tls: give cert_file and key_file together"},
      {"remote_write: {url: 'http://h/', basic_auth: {password: x}}",
       "remote_write.basic_auth: username is required"},
      {"remote_write: {url: 'http://h/', basic_auth: {username: u}, bearer_token_file: "
       "/etc/passwd}",
       "remote_write.bearer_token_file: give basic_auth or bearer_token_file, not both"},
      {"remote_write: {url: 'http://h/', headers: {Authorization: x}}",
       "remote_write.headers.Authorization: is set by the exporter itself"},
      {"remote_write: {url: 'http://h/', headers: {content-encoding: x}}",
       "remote_write.headers.content-encoding: is set by the exporter itself"},
      {"remote_write: {url: 'http://h/', external_labels: {__x: y}}",
       "remote_write.external_labels.__x: a label name"},
      {"remote_write: {url: 'http://h/', external_labels: {x: ''}}",
       "remote_write.external_labels.x: expected a non-empty string"},
      {"remote_write: {url: 'http://h/', queue: {max_samples: 10}}",
       "remote_write.queue: max_samples_per_send must not be above max_samples"},
      {"remote_write: {url: 'http://h/', queue: {max_size: 10}}",
       "remote_write.queue.max_size: unknown key"},
      {"remote_write: {url: 'http://h/', write_relabel_configs: []}",
       "remote_write.write_relabel_configs: unknown key"},
  };
  for (const Case& c : cases) {
    Options o;
    std::string error;
    EXPECT_FALSE(Parse(std::string(c.yaml) + "\n", &o, &error)) << c.yaml;
    EXPECT_NE(error.find(c.error), std::string::npos) << c.yaml << "\n  got: " << error;
    EXPECT_TRUE(error.starts_with("c.yaml:")) << error;
  }
}

TEST(RemoteWriteConfigTest, ATlsFileThatIsNoCertificateIsRefusedAtStart) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("ca.pem"), "not a certificate\n");
  Options o;
  std::string error;
  ASSERT_TRUE(
      Parse("remote_write: {url: 'https://h/', tls: {ca_file: ca.pem}}\n", &o, &error, dir.path()))
      << error;
  EXPECT_FALSE(ValidateOptions(o, &error));
  EXPECT_NE(error.find("remote_write.tls.ca_file: " + dir.File("ca.pem") +
                       ": cannot load the CA certificates"),
            std::string::npos)
      << error;
}

TEST(RemoteWriteConfigTest, FlagsWinOverTheFile) {
  Options o;
  std::string msg;
  ASSERT_EQ(Cli({"--config.file=c.yaml", "--remote-write.url=http://127.0.0.1:9090/api/v1/write",
                 "--remote-write.interval=1m"},
                &o, &msg),
            CliOutcome::kRun)
      << msg;
  EXPECT_EQ(o.remote_write.interval, std::chrono::minutes(1));
  std::string error;
  ASSERT_TRUE(
      Parse("remote_write: {url: 'http://other/', interval: 5s, timeout: 2s}\n", &o, &error))
      << error;
  EXPECT_EQ(o.remote_write.url, "http://127.0.0.1:9090/api/v1/write");
  EXPECT_EQ(o.remote_write.interval, std::chrono::minutes(1));
  EXPECT_EQ(o.remote_write.timeout, std::chrono::seconds(2));  // the file's: no flag for it
}

TEST(RemoteWriteConfigTest, FlagErrors) {
  Options o;
  std::string msg;
  EXPECT_EQ(Cli({"--log.file=a", "--remote-write.url=mimir:9009"}, &o, &msg),
            CliOutcome::kUsageError);
  EXPECT_NE(msg.find("--remote-write.url: 'mimir:9009' is not an http:// or https:// URL"),
            std::string::npos)
      << msg;
  Options p;
  EXPECT_EQ(Cli({"--log.file=a", "--remote-write.url=http://h/", "--remote-write.interval=100ms"},
                &p, &msg),
            CliOutcome::kUsageError);
  EXPECT_NE(msg.find("--remote-write.interval must be from 1s to 1h"), std::string::npos) << msg;
  Options q;
  ASSERT_EQ(Cli({"--log.file=a"}, &q, &msg), CliOutcome::kRun) << msg;
  EXPECT_FALSE(q.remote_write.enabled());
  EXPECT_EQ(q.remote_write.interval, std::chrono::seconds(15));
}

}  // namespace
}  // namespace accesslog
