#include <cctype>
#include <fstream>
#include <set>

#include "config/config_readers.h"
#include "counters/labels.h"
#include "push/http_client.h"
#include "util/utf8.h"

namespace accesslog {
namespace {

// Headers the pusher sets itself (remote write's own, the connection's, the credentials'):
// a configured header of one of these names would contradict them.
bool ReservedHeader(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::set<std::string> kReserved = {"host",
                                                  "content-type",
                                                  "content-encoding",
                                                  "content-length",
                                                  "user-agent",
                                                  "connection",
                                                  "transfer-encoding",
                                                  "authorization",
                                                  "x-prometheus-remote-write-version"};
  return kReserved.count(name) > 0;
}

bool HeaderToken(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A file the pusher reads: relative to the config file's directory, and readable now.
std::string ReadableFile(const ConfigWalker& w, const YAML::Node& n, const std::string& path,
                         const std::string& base_dir) {
  const std::string file = ResolvePath(base_dir, w.NonEmptyString(n, path));
  if (!std::ifstream(file, std::ios::binary)) w.Fail(n, path, file + ": cannot read the file");
  return file;
}

}  // namespace

void ReadRemoteWrite(const ConfigWalker& w, const YAML::Node& n, const std::string& base_dir,
                     Options* o) {
  const std::string at = "remote_write";
  w.OnlyKeys(n, at,
             {"url", "interval", "timeout", "headers", "basic_auth", "bearer_token_file", "tls",
              "external_labels", "queue"});
  // o->remote_write holds the flags' values (--remote-write.url, --remote-write.interval),
  // which win over the file's.
  RemoteWriteOptions& rw = o->remote_write;
  if (n["url"] && !FlagGiven(*o, "--remote-write.url")) {
    rw.url = w.NonEmptyString(n["url"], at + ".url");
    PushUrl parsed;
    std::string error;
    if (!ParsePushUrl(rw.url, &parsed, &error)) w.Fail(n["url"], at + ".url", error);
  }
  if (!rw.enabled()) w.Fail(n, at, "url is required (or --remote-write.url)");
  if (n["interval"] && !FlagGiven(*o, "--remote-write.interval")) {
    rw.interval = w.Duration(n["interval"], at + ".interval");
    if (rw.interval.count() < 1000) w.Fail(n["interval"], at + ".interval", "must be at least 1s");
  }
  if (n["timeout"]) {
    rw.timeout = w.Duration(n["timeout"], at + ".timeout");
    if (rw.timeout.count() < 100 || rw.timeout.count() > 300000) {
      w.Fail(n["timeout"], at + ".timeout", "must be from 100ms to 5m");
    }
  }
  if (const YAML::Node h = n["headers"]; h) {
    if (!h.IsMap()) w.Fail(h, at + ".headers", "expected a map of header name to value");
    for (const auto& kv : h) {
      const std::string name = kv.first.Scalar();
      const std::string path = at + ".headers." + name;
      if (!HeaderToken(name)) w.Fail(kv.first, path, "not an HTTP header name");
      if (ReservedHeader(name)) {
        w.Fail(kv.first, path,
               "is set by the exporter itself (credentials: basic_auth or bearer_token_file)");
      }
      const std::string value = w.String(kv.second, path);
      if (value.find_first_of("\r\n") != std::string::npos) {
        w.Fail(kv.second, path, "a header value cannot hold a line break");
      }
      rw.headers.emplace_back(name, value);
    }
  }
  if (const YAML::Node b = n["basic_auth"]; b) {
    const std::string path = at + ".basic_auth";
    w.OnlyKeys(b, path, {"username", "password", "password_file"});
    if (!b["username"]) w.Fail(b, path, "username is required");
    rw.basic_auth_username = w.NonEmptyString(b["username"], path + ".username");
    if (rw.basic_auth_username.find(':') != std::string::npos) {
      w.Fail(b["username"], path + ".username", "a basic auth user name cannot hold ':'");
    }
    if (b["password"] && b["password_file"]) {
      w.Fail(b["password_file"], path + ".password_file",
             "give password or password_file, not both");
    }
    if (b["password"]) rw.basic_auth_password = w.String(b["password"], path + ".password");
    if (b["password_file"]) {
      rw.basic_auth_password_file =
          ReadableFile(w, b["password_file"], path + ".password_file", base_dir);
    }
  }
  if (n["bearer_token_file"]) {
    if (n["basic_auth"]) {
      w.Fail(n["bearer_token_file"], at + ".bearer_token_file",
             "give basic_auth or bearer_token_file, not both");
    }
    rw.bearer_token_file =
        ReadableFile(w, n["bearer_token_file"], at + ".bearer_token_file", base_dir);
  }
  if (const YAML::Node t = n["tls"]; t) {
    const std::string path = at + ".tls";
    w.OnlyKeys(t, path, {"ca_file", "cert_file", "key_file", "insecure_skip_verify"});
    if (t["ca_file"]) rw.tls.ca_file = ReadableFile(w, t["ca_file"], path + ".ca_file", base_dir);
    if (t["cert_file"]) {
      rw.tls.cert_file = ReadableFile(w, t["cert_file"], path + ".cert_file", base_dir);
    }
    if (t["key_file"]) {
      rw.tls.key_file = ReadableFile(w, t["key_file"], path + ".key_file", base_dir);
    }
    if (rw.tls.cert_file.empty() != rw.tls.key_file.empty()) {
      w.Fail(t, path, "give cert_file and key_file together");
    }
    if (t["insecure_skip_verify"]) {
      rw.tls.insecure_skip_verify =
          w.Bool(t["insecure_skip_verify"], path + ".insecure_skip_verify");
    }
  }
  if (const YAML::Node l = n["external_labels"]; l) {
    if (!l.IsMap()) w.Fail(l, at + ".external_labels", "expected a map of label name to value");
    std::set<std::string> seen;
    for (const auto& kv : l) {
      const std::string name = kv.first.Scalar();
      const std::string path = at + ".external_labels." + name;
      if (!IsValidLabelName(name)) {
        w.Fail(kv.first, path,
               "a label name is a letter or '_' followed by letters, digits and '_', and does "
               "not start with '__'");
      }
      if (!seen.insert(name).second) w.Fail(kv.first, path, "given twice");
      const std::string value = w.NonEmptyString(kv.second, path);
      if (!IsValidUtf8(value)) w.Fail(kv.second, path, "not valid UTF-8");
      rw.external_labels.emplace_back(name, value);
    }
  }
  if (const YAML::Node q = n["queue"]; q) {
    const std::string path = at + ".queue";
    w.OnlyKeys(q, path, {"max_samples", "max_samples_per_send", "min_backoff", "max_backoff"});
    if (q["max_samples"]) {
      rw.queue.max_samples = w.Count(q["max_samples"], path + ".max_samples", 1, 100000000);
    }
    if (q["max_samples_per_send"]) {
      rw.queue.max_samples_per_send =
          w.Count(q["max_samples_per_send"], path + ".max_samples_per_send", 1, 1000000);
    }
    if (rw.queue.max_samples_per_send > rw.queue.max_samples) {
      w.Fail(q, path, "max_samples_per_send must not be above max_samples");
    }
    if (q["min_backoff"]) {
      rw.queue.min_backoff = w.Duration(q["min_backoff"], path + ".min_backoff");
      if (rw.queue.min_backoff.count() < 1) {
        w.Fail(q["min_backoff"], path + ".min_backoff", "must be at least 1ms");
      }
    }
    if (q["max_backoff"])
      rw.queue.max_backoff = w.Duration(q["max_backoff"], path + ".max_backoff");
    if (rw.queue.max_backoff < rw.queue.min_backoff) {
      w.Fail(q, path, "max_backoff must not be below min_backoff");
    }
  }
}

}  // namespace accesslog
