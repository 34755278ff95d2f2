// The endpoint with --web.config.file, as a user deploys it: TLS with a certificate made by the
// real openssl CLI, client certificates (mTLS), and basic auth with a real bcrypt hash; checked
// with the real curl.
#include <crypt.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::WaitFor;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;

std::string Bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", 5, nullptr, 0, salt, sizeof(salt)), nullptr);
  crypt_data data{};
  return crypt_r(password.c_str(), salt, &data);
}

// The exporter with a web configuration, and curl.
class WebEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::WriteFile(dir_.File("access.log"), ""); }

  void Start(const std::string& web_yaml, std::vector<std::string> extra = {}) {
    testing::WriteFile(dir_.File("web.yml"), web_yaml);
    std::vector<std::string> args = {"--log.file=" + dir_.File("access.log"),
                                     "--web.config.file=" + dir_.File("web.yml")};
    args.insert(args.end(), extra.begin(), extra.end());
    exporter_ =
        std::make_unique<testing::ExporterProcess>(args, dir_.File("stdout"), dir_.File("stderr"));
    ASSERT_TRUE(exporter_->Listening()) << exporter_->log();
    port_ = exporter_->port();
  }

  // curl's HTTP status for `url` with extra arguments ("000" when the request failed).
  std::string Curl(const std::string& url, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"curl", "-s",           "-o",         "/dev/null",
                                     "-w",   "%{http_code}", "--max-time", "10"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url);
    std::string out;
    RunCommand(args, &out);
    return out;
  }

  static std::vector<std::string> With(std::vector<std::string> a, std::vector<std::string> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  std::string Https(const std::string& path) {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
  }

  TempDir dir_;
  std::unique_ptr<testing::ExporterProcess> exporter_;
  int port_ = 0;
};

// With TLS: a CA, a server certificate for 127.0.0.1 signed by it, and a client certificate,
// made by the real openssl CLI (about 2 s).
class WebSecurityTest : public WebEndpointTest {
 protected:
  void SetUp() override {
    WebEndpointTest::SetUp();
    const std::string d = dir_.path();
    std::string out;
    auto run = [&](const std::string& cmd) {
      ASSERT_EQ(RunCommand({"bash", "-c", "cd " + d + " && " + cmd}, &out), 0) << cmd << "\n"
                                                                               << out;
    };
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout ca.key -out "
        "ca.crt");
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out "
        "server.csr");
    run("printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && openssl x509 -req -in server.csr "
        "-CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt");
    run("openssl req -newkey rsa:2048 -nodes -subj /CN=prometheus -keyout client.key -out "
        "client.csr");
    run("openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "
        "client.crt");
  }
};

TEST_F(WebSecurityTest, TlsWithBasicAuth) {
  Start(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "basic_auth_users:\n  prometheus: '" +
      Bcrypt("s3cret") + "'\n");
  const std::vector<std::string> ca_args = {"--cacert", dir_.File("ca.crt")};
  EXPECT_EQ(Curl(Https("/metrics"), With(ca_args, {"-u", "prometheus:s3cret"})), "200");
  EXPECT_EQ(Curl(Https("/metrics"), With(ca_args, {"-u", "prometheus:s3cret"})), "200")
      << "cached check";
  EXPECT_EQ(Curl(Https("/metrics"), With(ca_args, {"-u", "prometheus:wrong"})), "401");
  EXPECT_EQ(Curl(Https("/metrics"), With(ca_args, {"-u", "mallory:s3cret"})), "401");
  EXPECT_EQ(Curl(Https("/metrics"), ca_args), "401");
  EXPECT_EQ(Curl(Https("/"), ca_args), "401");
  EXPECT_EQ(Curl(Https("/-/healthy"), ca_args), "200") << "probes need no credentials";
  EXPECT_EQ(Curl(Https("/-/ready"), ca_args), "200");
  // Nothing is served over plain HTTP when TLS is on.
  EXPECT_NE(
      Curl("http://127.0.0.1:" + std::to_string(port_) + "/metrics", {"-u", "prometheus:s3cret"}),
      "200");
  // The healthcheck subcommand reads the same web config and asks over https (no credentials
  // needed for the probe; the certificate is not verified for a self-check).
  std::string out;
  EXPECT_EQ(RunCommand({kBin, "healthcheck", "--web.listen-address=:" + std::to_string(port_),
                        "--web.config.file=" + dir_.File("web.yml")},
                       &out, 10s),
            0)
      << out;
  EXPECT_NE(out.find("https://127.0.0.1:"), std::string::npos) << out;
  EXPECT_EQ(RunCommand({kBin, "healthcheck", "--web.listen-address=:" + std::to_string(port_)},
                       &out, 10s),
            1)
      << "plain http to a TLS endpoint is not healthy: " << out;
  // TLS 1.1 is below the default minimum (TLS 1.2).
  EXPECT_EQ(Curl(Https("/-/healthy"), With(ca_args, {"--tls-max", "1.1", "--tlsv1.1"})), "000");
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// The lifecycle endpoint is off unless --web.enable-lifecycle (as in Prometheus): a reload is
// SIGHUP's, which only who may signal the process can send. With basic auth, it needs the
// credentials as every path but the probes does.
TEST_F(WebEndpointTest, LifecycleEndpointIsOffByDefaultAndBehindBasicAuth) {
  const std::string web = "basic_auth_users:\n  prometheus: '" + Bcrypt("s3cret") + "'\n";
  Start(web);
  const std::string reload = "http://127.0.0.1:" + std::to_string(port_) + "/-/reload";
  std::string out;
  for (const char* method : {"POST", "PUT"}) {
    ASSERT_EQ(RunCommand({"curl", "-s", "-w", "\n%{http_code}", "--max-time", "10", "-X", method,
                          "-u", "prometheus:s3cret", reload},
                         &out),
              0);
    EXPECT_EQ(out,
              "Lifecycle API is not enabled: start the exporter with --web.enable-lifecycle, or "
              "send it SIGHUP.\n\n403")
        << method;
  }
  ASSERT_EQ(::kill(exporter_->pid(), SIGHUP), 0);
  EXPECT_TRUE(WaitFor(
      [&] {
        return testing::ReadFile(dir_.File("stderr")).find("reloaded the configuration") !=
               std::string::npos;
      },
      10s))
      << "SIGHUP always reloads";
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);

  Start(web, {"--web.enable-lifecycle"});
  const std::string url = "http://127.0.0.1:" + std::to_string(port_) + "/-/reload";
  EXPECT_EQ(Curl(url, {"-X", "POST"}), "401");
  EXPECT_EQ(Curl(url, {"-X", "POST", "-u", "prometheus:wrong"}), "401");
  EXPECT_EQ(Curl(url, {"-X", "POST", "-u", "prometheus:s3cret"}), "200");
  EXPECT_EQ(Curl(url, {"-X", "PUT", "-u", "prometheus:s3cret"}), "200");
  EXPECT_EQ(exporter_->Stop(SIGTERM, 10s), 0);
}

// Failed logins cannot starve scrapes (issue 28): a wrong password costs a bcrypt, which runs on
// the password lane, never on the render workers, and the right one is checked once and then
// remembered. 8 clients send wrong passwords without a pause while Prometheus' credentials
// scrape; every scrape must be answered within the scraping client's timeout (500 ms here;
// before, each waited behind about 3.5 bcrypts of cost 12, 1 to 3 s). Latencies are printed.
TEST_F(WebEndpointTest, WrongPasswordsCannotStarveScrapes) {
  // bcrypt cost 12 of "s3cret": 0.25 s a check on the development machine, 1 s when loaded.
  Start(
      "basic_auth_users:\n  prometheus: "
      "'$2b$12$Sqy.o4VHzpzzTDIFS6wfsOtzm1U45lc0k6oT..Uw4YvmF36YjDFR6'\n");
  auto client = [&](const std::string& password, std::chrono::milliseconds timeout) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_basic_auth("prometheus", password);
    c->set_connection_timeout(timeout);
    c->set_read_timeout(timeout);
    c->set_write_timeout(timeout);
    return c;
  };
  auto first = client("s3cret", 30s)->Get("/metrics");  // checked once, remembered from now on
  ASSERT_TRUE(first && first->status == 200);

  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> attackers;
  for (int i = 0; i < 8; ++i) {
    attackers.emplace_back([&] {
      auto c = client("wrong", 60s);
      for (int n = 0; n < 1000 && !stop.load(); ++n) {
        auto r = c->Get("/metrics");
        if (r && r->status == 401) refused.fetch_add(1);
        if (!r) break;  // the exporter stopped
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return refused.load() >= 1; }, 30s)) << "the attack is under way";
  auto scraper = client("s3cret", 500ms);
  std::vector<double> ms;
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = scraper->Get("/metrics");
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r && r->status == 200) ++answered;
    std::this_thread::sleep_for(50ms);
  }
  stop.store(true);
  EXPECT_EQ(exporter_->Stop(SIGTERM, 30s), 0);  // the checks still waiting are answered 503
  for (auto& t : attackers) t.join();
  std::sort(ms.begin(), ms.end());
  std::cout << "scrapes during 8 clients' wrong passwords: " << answered << "/20 answered, p50 "
            << ms[ms.size() / 2] << " ms, p99 " << ms[ms.size() * 99 / 100] << " ms; "
            << refused.load() << " wrong passwords refused\n";
  EXPECT_EQ(answered, 20);
}

TEST_F(WebSecurityTest, MutualTlsRequiresAClientCertificateSignedByTheCa) {
  Start(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n");
  const std::vector<std::string> ca_args = {"--cacert", dir_.File("ca.crt")};
  EXPECT_EQ(Curl(Https("/metrics"), With(ca_args, {"--cert", dir_.File("client.crt"), "--key",
                                                   dir_.File("client.key")})),
            "200");
  EXPECT_EQ(Curl(Https("/metrics"), ca_args), "000") << "no client certificate: handshake fails";
  // A certificate the CA did not sign (the server's own key, self-signed) is refused.
  std::string out;
  ASSERT_EQ(RunCommand({"bash", "-c",
                        "cd " + dir_.path() +
                            " && openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                            "-subj /CN=rogue -keyout rogue.key -out rogue.crt"},
                       &out),
            0);
  EXPECT_EQ(Curl(Https("/metrics"), With(ca_args, {"--cert", dir_.File("rogue.crt"), "--key",
                                                   dir_.File("rogue.key")})),
            "000");
}

TEST_F(WebSecurityTest, BadWebConfigIsRefusedAtStart) {
  testing::WriteFile(dir_.File("web.yml"),
                     "tls_server_config:\n  cert_file: missing.crt\n"
                     "  key_file: server.key\n");
  std::string out;
  EXPECT_EQ(RunCommand({kBin, "--log.file=" + dir_.File("access.log"),
                        "--web.config.file=" + dir_.File("web.yml"), "--config.check"},
                       &out),
            1);
  EXPECT_NE(out.find("tls_server_config.cert_file: cannot read"), std::string::npos) << out;
  // A key that does not match the certificate is caught when the server starts.
  testing::WriteFile(dir_.File("web.yml"),
                     "tls_server_config:\n  cert_file: server.crt\n"
                     "  key_file: client.key\n");
  EXPECT_EQ(
      RunCommand({kBin, "--log.file=" + dir_.File("access.log"), "--web.listen-address=127.0.0.1:0",
                  "--web.config.file=" + dir_.File("web.yml")},
                 &out, 20s),
      1);
  EXPECT_NE(out.find("cannot set up TLS"), std::string::npos) << out;
}

}  // namespace
}  // namespace accesslog
