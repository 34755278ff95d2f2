// libFuzzer target: the web configuration loader (ParseWebConfigText, exporter-toolkit format)
// on arbitrary bytes. Whatever the input, the loader returns (no exception escapes, nothing
// leaks) and either accepts the text or refuses it with a message that starts with the file's
// name, leaving the options as they were. What it accepts is what the endpoint relies on:
// TLS has both files and a known client-auth type (with a CA where the type verifies), known
// TLS versions; every basic-auth user is non-empty without ':' and has a 60-character bcrypt
// hash; every header is a valid HTTP field (a token for a name, no CR, LF or NUL in a value),
// so nothing can be injected into a response; the listen address and telemetry path are never
// touched. Loading with file checks on accepts only what loading without them accepts, and then
// every file it names is readable.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/web_config.h"

namespace {

using accesslog::WebOptions;

constexpr std::string_view kSource = "web.yml";
// A directory that does not exist: relative paths never name a readable file.
const std::string kBase = "/nonexistent-fuzz-dir";

void Check(bool condition) {
  if (!condition) std::abort();
}

bool Same(const WebOptions& a, const WebOptions& b) {
  const bool same_tls =
      a.tls.has_value() == b.tls.has_value() &&
      (!a.tls ||
       (a.tls->cert_file == b.tls->cert_file && a.tls->key_file == b.tls->key_file &&
        a.tls->client_ca_file == b.tls->client_ca_file &&
        a.tls->client_auth_type == b.tls->client_auth_type &&
        a.tls->min_version == b.tls->min_version && a.tls->max_version == b.tls->max_version));
  return same_tls && a.listen_address == b.listen_address && a.telemetry_path == b.telemetry_path &&
         a.config_file == b.config_file && a.basic_auth_users == b.basic_auth_users &&
         a.headers == b.headers;
}

bool TlsVersion(const std::string& v) {
  return v == "TLS10" || v == "TLS11" || v == "TLS12" || v == "TLS13";
}

bool TokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void CheckAccepted(const WebOptions& w, const WebOptions& before) {
  Check(w.listen_address == before.listen_address && w.telemetry_path == before.telemetry_path &&
        w.config_file == before.config_file);
  if (w.tls) {
    Check(!w.tls->cert_file.empty() && !w.tls->key_file.empty());
    const std::string& a = w.tls->client_auth_type;
    Check(a == "NoClientCert" || a == "RequestClientCert" || a == "RequireAnyClientCert" ||
          a == "VerifyClientCertIfGiven" || a == "RequireAndVerifyClientCert");
    if (a == "VerifyClientCertIfGiven" || a == "RequireAndVerifyClientCert") {
      Check(!w.tls->client_ca_file.empty());
    }
    Check(TlsVersion(w.tls->min_version));
    Check(w.tls->max_version.empty() || TlsVersion(w.tls->max_version));
  }
  for (const auto& [user, hash] : w.basic_auth_users) {
    Check(!user.empty() && user.find(':') == std::string::npos);
    Check(hash.size() == 60);
    Check(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
  }
  for (const auto& [name, value] : w.headers) {
    Check(!name.empty() && !value.empty());
    for (char c : name) Check(TokenChar(c));
    for (char c : value) Check(c != '\r' && c != '\n' && c != '\0');
  }
}

bool Readable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), R_OK) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);

  // Options as the flags leave them, with something already set that a refusal must keep.
  WebOptions before;
  before.listen_address = "127.0.0.1:0";
  before.telemetry_path = "/custom";
  before.config_file = "/etc/web.yml";
  before.headers["X-Before"] = "kept on refusal";

  WebOptions unchecked = before;
  std::string error;
  const bool accepted = accesslog::ParseWebConfigText(yaml, kSource, kBase, /*check_files=*/false,
                                                      &unchecked, &error);
  if (accepted) {
    CheckAccepted(unchecked, before);
  } else {
    Check(error.starts_with(std::string(kSource) + ":"));
    Check(Same(unchecked, before));
  }

  WebOptions checked = before;
  std::string checked_error;
  if (accesslog::ParseWebConfigText(yaml, kSource, kBase, /*check_files=*/true, &checked,
                                    &checked_error)) {
    Check(accepted && Same(checked, unchecked));
    if (checked.tls) {
      Check(Readable(checked.tls->cert_file) && Readable(checked.tls->key_file));
      if (!checked.tls->client_ca_file.empty()) Check(Readable(checked.tls->client_ca_file));
    }
  } else {
    Check(checked_error.starts_with(std::string(kSource) + ":"));
    Check(Same(checked, before));
  }
  return 0;
}
