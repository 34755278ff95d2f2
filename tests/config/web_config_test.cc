#include "config/web_config.h"

#include <gtest/gtest.h>

namespace accesslog {
namespace {

const std::string kHash = "$2y$10$" + std::string(53, 'a');  // shape only: 60 characters

bool Parse(const std::string& yaml, WebOptions* web, std::string* error) {
  return ParseWebConfigText(yaml, "web.yml", "/etc/ax", /*check_files=*/false, web, error);
}

TEST(WebConfigTest, TlsAndBasicAuth) {
  WebOptions web;
  std::string error;
  ASSERT_TRUE(
      Parse("tls_server_config:\n  cert_file: s.crt\n  key_file: /k/s.key\n"
            "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
            "  min_version: TLS13\n"
            "http_server_config:\n  headers: {X-Frame-Options: deny}\n"
            "basic_auth_users:\n  prometheus: '" +
                kHash + "'\n",
            &web, &error))
      << error;
  ASSERT_TRUE(web.tls.has_value());
  EXPECT_EQ(web.tls->cert_file, "/etc/ax/s.crt");
  EXPECT_EQ(web.tls->key_file, "/k/s.key");
  EXPECT_EQ(web.tls->client_ca_file, "/etc/ax/ca.crt");
  EXPECT_EQ(web.tls->min_version, "TLS13");
  EXPECT_EQ(web.basic_auth_users.at("prometheus"), kHash);
  EXPECT_EQ(web.headers.at("X-Frame-Options"), "deny");
}

TEST(WebConfigTest, AnEmptyFileMeansPlainHttpWithoutAuth) {
  WebOptions web;
  std::string error;
  ASSERT_TRUE(Parse("", &web, &error)) << error;
  EXPECT_FALSE(web.tls.has_value());
  EXPECT_TRUE(web.basic_auth_users.empty());
}

struct BadWebConfig {
  std::string yaml;
  const char* error;
};

class WebConfigErrorTest : public ::testing::TestWithParam<BadWebConfig> {};

TEST_P(WebConfigErrorTest, IsRefusedNamingTheKeyAndReason) {
  WebOptions web;
  std::string error;
  EXPECT_FALSE(Parse(GetParam().yaml, &web, &error));
  EXPECT_NE(error.find(GetParam().error), std::string::npos) << error;
  EXPECT_EQ(error.rfind("web.yml", 0), 0u) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, WebConfigErrorTest,
    ::testing::Values(
        BadWebConfig{"tls_server_config: {cert_file: a}\n",
                     "cert_file and key_file are both required"},
        BadWebConfig{"tls_server_config: {cert_file: a, key_file: b, client_auth_type: Maybe}\n",
                     "tls_server_config.client_auth_type: expected NoClientCert"},
        BadWebConfig{"tls_server_config: {cert_file: a, key_file: b, client_auth_type: "
                     "RequireAndVerifyClientCert}\n",
                     "tls_server_config.client_ca_file: is required"},
        BadWebConfig{"tls_server_config: {cert_file: a, key_file: b, min_version: SSL3}\n",
                     "min_version: expected TLS10, TLS11, TLS12 or TLS13, got 'SSL3'"},
        BadWebConfig{"tls_server_config: {cert_file: a, key_file: b, cipher_suites: [x]}\n",
                     "tls_server_config.cipher_suites: is not supported"},
        BadWebConfig{"http_server_config: {http2: true}\n",
                     "http_server_config.http2: is not supported"},
        BadWebConfig{"basic_auth_users: {alice: plaintext}\n",
                     "basic_auth_users.alice: expected a bcrypt hash"},
        BadWebConfig{"basic_auth_users: [alice]\n", "basic_auth_users: expected a map"},
        BadWebConfig{"tls_config: {}\n", "web.yml:1:1: tls_config: unknown key"},
        BadWebConfig{"basic_auth_users: {a: [\n", "invalid YAML"},
        BadWebConfig{"http_server_config: {headers: {X-A: \"a\\r\\nX-Injected: yes\"}}\n",
                     "web.yml:1:37: http_server_config.headers.X-A: a header value must be one "
                     "line"},
        BadWebConfig{"http_server_config: {headers: {\"X A\": b}}\n",
                     "http_server_config.headers.X A: not a valid HTTP header name"},
        BadWebConfig{"http_server_config: {headers: {\"X:A\": b}}\n",
                     "http_server_config.headers.X:A: not a valid HTTP header name"}));

TEST(WebConfigTest, UnreadableFilesAreNamed) {
  WebOptions web;
  std::string error;
  EXPECT_FALSE(ParseWebConfigText("tls_server_config: {cert_file: nope.crt, key_file: nope.key}\n",
                                  "web.yml", "/nonexistent", /*check_files=*/true, &web, &error));
  EXPECT_NE(error.find("cannot read '/nonexistent/nope.crt'"), std::string::npos) << error;
  web.config_file = "/nonexistent/web.yml";
  EXPECT_FALSE(LoadWebConfigFile(&web, &error));
  EXPECT_NE(error.find("/nonexistent/web.yml"), std::string::npos) << error;
}

}  // namespace
}  // namespace accesslog
