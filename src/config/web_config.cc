#include "config/web_config.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "config/yaml_walker.h"

namespace accesslog {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

// RFC 9110 field names are tokens; a value holds no CR, LF or NUL. Anything else would break
// (or inject into) every response the headers are added to.
bool IsHeaderName(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsHeaderValue(const std::string& value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

bool IsTlsVersion(const std::string& v) {
  return v == "TLS10" || v == "TLS11" || v == "TLS12" || v == "TLS13";
}

void Parse(const YamlWalker& c, const YAML::Node& root, const std::string& base_dir,
           bool check_files, WebOptions* web) {
  if (root.IsNull()) return;  // an empty file: plain HTTP, no auth (as exporter-toolkit)
  c.OnlyKeys(root, "", {"tls_server_config", "http_server_config", "basic_auth_users"});
  auto file = [&](const YAML::Node& n, const std::string& path) {
    const std::string f = Resolve(base_dir, c.NonEmptyString(n, path));
    if (check_files && ::access(f.c_str(), R_OK) != 0) {
      c.Fail(n, path, "cannot read '" + f + "'");
    }
    return f;
  };
  if (const YAML::Node t = root["tls_server_config"]; t) {
    c.OnlyKeys(t, "tls_server_config",
               {"cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version",
                "max_version"},
               {"cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
                "client_allowed_sans", "cert", "key"});
    TlsOptions tls;
    if (!t["cert_file"] || !t["key_file"]) {
      c.Fail(t, "tls_server_config", "cert_file and key_file are both required");
    }
    tls.cert_file = file(t["cert_file"], "tls_server_config.cert_file");
    tls.key_file = file(t["key_file"], "tls_server_config.key_file");
    if (t["client_auth_type"]) {
      tls.client_auth_type =
          c.NonEmptyString(t["client_auth_type"], "tls_server_config.client_auth_type");
      const std::string& a = tls.client_auth_type;
      if (a != "NoClientCert" && a != "RequestClientCert" && a != "RequireAnyClientCert" &&
          a != "VerifyClientCertIfGiven" && a != "RequireAndVerifyClientCert") {
        c.Fail(t["client_auth_type"], "tls_server_config.client_auth_type",
               "expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
               "VerifyClientCertIfGiven or RequireAndVerifyClientCert, got '" +
                   a + "'");
      }
    }
    if (t["client_ca_file"]) {
      tls.client_ca_file = file(t["client_ca_file"], "tls_server_config.client_ca_file");
    }
    if ((tls.client_auth_type == "RequireAndVerifyClientCert" ||
         tls.client_auth_type == "VerifyClientCertIfGiven") &&
        tls.client_ca_file.empty()) {
      c.Fail(t, "tls_server_config.client_ca_file",
             "is required with client_auth_type " + tls.client_auth_type);
    }
    for (const char* key : {"min_version", "max_version"}) {
      if (!t[key]) continue;
      const std::string v = c.NonEmptyString(t[key], std::string("tls_server_config.") + key);
      if (!IsTlsVersion(v)) {
        c.Fail(t[key], std::string("tls_server_config.") + key,
               "expected TLS10, TLS11, TLS12 or TLS13, got '" + v + "'");
      }
      (std::string(key) == "min_version" ? tls.min_version : tls.max_version) = v;
    }
    web->tls = tls;
  }
  if (const YAML::Node h = root["http_server_config"]; h) {
    c.OnlyKeys(h, "http_server_config", {"headers"}, {"http2"});
    if (const YAML::Node headers = h["headers"]; headers) {
      if (!headers.IsMap()) c.Fail(headers, "http_server_config.headers", "expected a map");
      for (const auto& kv : headers) {
        const std::string name = kv.first.Scalar();
        const std::string path = "http_server_config.headers." + name;
        if (!IsHeaderName(name)) c.Fail(kv.first, path, "not a valid HTTP header name");
        const std::string value = c.NonEmptyString(kv.second, path);
        if (!IsHeaderValue(value)) c.Fail(kv.second, path, "a header value must be one line");
        web->headers[name] = value;
      }
    }
  }
  if (const YAML::Node users = root["basic_auth_users"]; users) {
    if (!users.IsMap()) c.Fail(users, "basic_auth_users", "expected a map of user to bcrypt hash");
    for (const auto& kv : users) {
      const std::string user = kv.first.Scalar();
      const std::string path = "basic_auth_users." + user;
      const std::string hash = c.NonEmptyString(kv.second, path);
      if (user.empty() || user.find(':') != std::string::npos) {
        c.Fail(kv.first, path, "a user name must be non-empty and contain no ':'");
      }
      if (!(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$")) ||
          hash.size() != 60) {
        c.Fail(kv.second, path,
               "expected a bcrypt hash ($2y$..., 60 characters), e.g. from "
               "`htpasswd -nbBC 10 USER PASSWORD`");
      }
      web->basic_auth_users[user] = hash;
    }
  }
}

}  // namespace

bool ParseWebConfigText(std::string_view yaml, std::string_view source, const std::string& base_dir,
                        bool check_files, WebOptions* web, std::string* error) {
  const YamlWalker c(source, YamlWalker::KnownKeys::kNotListed);
  return c.Load(
      yaml,
      [&](const YAML::Node& root) {
        WebOptions parsed = *web;
        parsed.tls.reset();
        parsed.basic_auth_users.clear();
        parsed.headers.clear();
        Parse(c, root, base_dir, check_files, &parsed);
        *web = std::move(parsed);
      },
      error);
}

bool LoadWebConfigFile(WebOptions* web, std::string* error) {
  std::ifstream in(web->config_file, std::ios::binary);
  if (!in) {
    *error = web->config_file + ": cannot open the web configuration file (--web.config.file)";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  const size_t slash = web->config_file.rfind('/');
  const std::string base = slash == std::string::npos ? "" : web->config_file.substr(0, slash);
  return ParseWebConfigText(text.str(), web->config_file, base, /*check_files=*/true, web, error);
}

}  // namespace accesslog
