// Configuration: every knob the exporter has, with its default, in one place. Flags (cli.h)
// and the YAML file (config_file.h) fill these plain structs; components receive the part they
// need and never read flags or files themselves.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "classify/api_contract.h"
#include "classify/drop_rules.h"
#include "counters/labels.h"
#include "counters/recorder.h"
#include "http/server.h"
#include "listen/listener.h"
#include "parse/parser.h"
#include "push/push_options.h"
#include "report/analyze_options.h"
#include "tail/tailer.h"
#include "unwrap/unwrap.h"

namespace accesslog {

enum class Command { kServe, kOneshot, kConfigCheck, kAnalyze, kHealthcheck };

// The `healthcheck` subcommand: asks a running exporter's /-/healthy (a container HEALTHCHECK
// with no curl in the image). Exit 0 when it answers 200, 1 otherwise (never 2: Docker reserves
// it).
struct HealthcheckOptions {
  std::string url;  // --url; empty: /-/healthy on the loopback address of web.listen_address
  double timeout_seconds = 3;  // --timeout
};

// A source's `api:`: the OpenAPI (or Swagger 2.0) document its responses are judged against,
// per operation (config/openapi_loader.h reads it, classify/api_contract.h matches lines).
struct ApiOptions {
  std::string openapi;  // api.openapi / --api.openapi: the document; "": none
  // api.base_path: replaces every server prefix of the document ("/" or "": none); empty: the
  // document's own.
  std::vector<std::string> base_path;
  ApiContractOptions contract;  // api.default_is_documented, api.multi_segment_parameters
  bool operator==(const ApiOptions&) const = default;
};

// One log (or set of logs) in one format: the `log` label's value is its name.
// A source has either files (paths, globs, "-" for standard input, named pipes) or one listen
// address (syslog over UDP, TCP or a unix socket).
struct SourceOptions {
  std::string name;
  std::vector<std::string> files;  // paths or globs
  std::string listen;              // udp://HOST:PORT, tcp://HOST:PORT, unix:///PATH
  ListenOptions syslog;            // limits of the listener (syslog: in the config file)
  FormatSpec format;
  UnwrapOptions unwrap;  // wrapper: / --log.wrapper, streams:
  // path_labels: / --log.path-labels; "kubernetes", "kubernetes-workload" or RE2; "": none
  std::string path_labels;
  std::vector<DropCondition> drop;  // drop: (config file only); checked against the format
  ApiOptions api;                   // api: / --api.openapi
  // status_codes: (per source): the source's own API-wide table; "": the pipeline's.
  std::string status_codes_file;
  bool operator==(const SourceOptions& o) const {
    return name == o.name && files == o.files && listen == o.listen && syslog == o.syslog &&
           format.format == o.format.format &&
           format.json_fields.has_value() == o.format.json_fields.has_value() &&
           format.trace_id == o.format.trace_id && unwrap == o.unwrap &&
           path_labels == o.path_labels && drop == o.drop && api == o.api &&
           status_codes_file == o.status_codes_file;
  }
};

// `kubernetes:`: what node mode knows of the node it runs on.
struct KubernetesOptions {
  // kubernetes.node_name; else the environment's NODE_NAME (the DaemonSet sets it through the
  // downward API); "": not known. A static pod's workload is its name without "-<node name>"
  // (counters/workload.h).
  std::string node_name;
};

struct Options {
  Command command = Command::kServe;
  std::string config_file;  // --config.file; empty: flags only
  std::vector<SourceOptions> sources;
  std::string status_codes_file;   // --status.codes / status_codes; empty: the embedded table
  std::string log_level = "info";  // --log.level
  LabelOptions labels;             // --labels / labels:
  HistogramOptions histograms;     // histograms:
  TailOptions tail;                // --tail.*, --positions.file, --log.max-line-bytes / tail:
  WebOptions web;                  // --web.listen-address, --web.telemetry-path
  // --remote-write.url, --remote-write.interval / remote_write:
  RemoteWriteOptions remote_write;
  KubernetesOptions kubernetes;  // kubernetes: / NODE_NAME
  // Flags given on the command line ("--tail.from", ...): they win over the config file.
  std::set<std::string> flags_given;
  AnalyzeOptions analyze;          // the `analyze` subcommand's flags and files
  HealthcheckOptions healthcheck;  // the `healthcheck` subcommand's flags
};

}  // namespace accesslog
