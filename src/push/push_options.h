// Stage: push. Every knob of the remote-write pusher, with its default (the `remote_write:`
// section of the config file, --remote-write.url and --remote-write.interval;
// docs/configuration.md). Filled by the config stage; the pusher reads nothing else.
//
// Thread-safety: plain data.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace accesslog {

// TLS towards the receiver (Prometheus' tls_config).
struct RemoteWriteTlsOptions {
  std::string ca_file;    // empty: the system's CA certificates
  std::string cert_file;  // with key_file: a client certificate (mTLS)
  std::string key_file;
  bool insecure_skip_verify = false;  // no check of the receiver's certificate or name
  bool operator==(const RemoteWriteTlsOptions&) const = default;
};

// The queue of requests waiting for the receiver, and how they are retried.
struct RemoteWriteQueueOptions {
  size_t max_samples = 100000;         // samples held at most; past it the oldest are dropped
  size_t max_samples_per_send = 2000;  // samples per request at most
  std::chrono::milliseconds min_backoff{30};    // the first retry's delay, doubled each time
  std::chrono::milliseconds max_backoff{5000};  // up to this
  bool operator==(const RemoteWriteQueueOptions&) const = default;
};

struct RemoteWriteOptions {
  std::string url;  // --remote-write.url / remote_write.url; empty: nothing is pushed
  std::chrono::milliseconds interval{15000};  // --remote-write.interval / remote_write.interval
  std::chrono::milliseconds timeout{10000};   // one request, connecting included
  // Sent with every request (e.g. X-Scope-OrgID), in the order given.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string basic_auth_username;
  std::string basic_auth_password;       // or:
  std::string basic_auth_password_file;  // read at start and before every request
  std::string bearer_token_file;         // read at start and before every request
  RemoteWriteTlsOptions tls;
  // On every series, besides the defaults job="accesslog_exporter" and
  // instance="<hostname>:<port>" (which these replace when they name job or instance).
  std::vector<std::pair<std::string, std::string>> external_labels;
  RemoteWriteQueueOptions queue;

  bool enabled() const { return !url.empty(); }
  bool operator==(const RemoteWriteOptions&) const = default;
};

}  // namespace accesslog
