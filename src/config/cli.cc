#include "config/cli.h"

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "config/config_file.h"
#include "parse/parser.h"
#include "push/http_client.h"
#include "unwrap/unwrap.h"
#include "util/log.h"
#include "version.h"

namespace accesslog {
namespace {

// CLI11 prints option names as "--web.listen-address"; keep its messages to one line.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// A duration as Prometheus and Go write them: one or more <number><unit>, units ms, s, m, h
// ("5s", "1m30s", "250ms"). False for anything else, and for 0.
bool ParseDuration(const std::string& text, std::chrono::milliseconds* out) {
  std::chrono::milliseconds total{0};
  size_t i = 0;
  if (text.empty()) return false;
  while (i < text.size()) {
    size_t digits = i;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    if (digits == i || digits - i > 9) return false;
    const long long n = std::stoll(text.substr(i, digits - i));
    size_t unit_end = digits;
    while (unit_end < text.size() && text[unit_end] >= 'a' && text[unit_end] <= 'z') ++unit_end;
    const std::string unit = text.substr(digits, unit_end - digits);
    if (unit == "ms") {
      total += std::chrono::milliseconds(n);
    } else if (unit == "s") {
      total += std::chrono::seconds(n);
    } else if (unit == "m") {
      total += std::chrono::minutes(n);
    } else if (unit == "h") {
      total += std::chrono::hours(n);
    } else {
      return false;
    }
    i = unit_end;
  }
  if (total.count() <= 0) return false;
  *out = total;
  return true;
}

std::string FormatDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 != 0) return std::to_string(d.count()) + "ms";
  if (d.count() % 60000 != 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count() / 60000) + "m";
}

const CLI::Validator kDuration(
    [](std::string& value) {
      std::chrono::milliseconds d;
      return ParseDuration(value, &d)
                 ? std::string()
                 : "'" + value + "' is not a duration such as 5s, 250ms, 2m or 1h30m";
    },
    "DURATION");

}  // namespace

CliOutcome ParseCommandLine(int argc, const char* const* argv, Options* options,
                            std::string* message) {
  CLI::App app{
      "accesslog_exporter follows HTTP access logs, classifies every response against the API's "
      "documented status codes and serves the counts on a Prometheus /metrics endpoint.",
      "accesslog_exporter"};
  app.set_version_flag(
      "--version", std::string("accesslog_exporter ") + kVersion + " (revision " + kRevision + ")");
  app.get_formatter()->column_width(34);

  std::string tail_from = options->tail.from_start ? "start" : "end";
  int poll_ms = static_cast<int>(options->tail.poll_interval.count());
  int batch_ms = static_cast<int>(options->tail.read_batch_window.count());
  size_t max_line = options->tail.max_line_bytes;
  std::string header_timeout = FormatDuration(options->web.header_timeout);
  std::string idle_timeout = FormatDuration(options->web.idle_timeout);
  bool oneshot = false;
  bool config_check = false;
  std::vector<std::string> log_files;
  std::string log_format = "combined";
  std::string log_wrapper = "none";
  std::string log_path_labels;
  std::string api_openapi;
  std::vector<std::string> labels;

  app.add_option("--config.file", options->config_file,
                 "YAML configuration file: sources, formats, labels, histograms "
                 "(docs/configuration.md). Reloaded on SIGHUP (and POST /-/reload with "
                 "--web.enable-lifecycle).")
      ->type_name("FILE");
  app.add_flag("--config.check", config_check,
               "Check the configuration (flags, config file, status-code table), print the "
               "result and exit: 0 when valid, 1 when not.");
  app.add_option("--log.file", log_files,
                 "Access log to follow; repeat the flag for several logs. - reads standard "
                 "input; a named pipe is read as a stream.")
      ->type_name("PATH");
  std::vector<std::string> listen_urls;
  app.add_option("--log.listen", listen_urls,
                 "Receive the access log as syslog messages (RFC 3164 or 5424) on "
                 "udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH; repeatable.")
      ->type_name("URL");
  app.add_option("--log.format", log_format,
                 "Log format: combined, common, ingress-nginx, json, "
                 "json:nginx|envoy|traefik|caddy, an nginx "
                 "log_format string, an Apache LogFormat string, or regex:<RE2 with named "
                 "groups> (docs/formats.md).")
      ->capture_default_str();
  app.add_option("--log.wrapper", log_wrapper,
                 "Container log envelope of the --log.file logs: none (plain files), cri "
                 "(containerd, CRI-O), docker (json-file) or auto (per file, from its first "
                 "record). Split lines are reassembled; only stdout is counted, other streams "
                 "are result=\"dropped\" (streams: config file).")
      ->check(CLI::IsMember({"none", "cri", "docker", "auto"}))
      ->capture_default_str();
  app.add_option("--log.path-labels", log_path_labels,
                 "Labels from each --log.file file's path, resolved once when the file is opened: "
                 "kubernetes (namespace, workload, pod, container from /var/log/pods/"
                 "<ns>_<pod>_<uid>/<container>/<n>.log), kubernetes-workload (the same without "
                 "pod) or an RE2 pattern with named groups.")
      ->type_name("PATTERN");
  app.add_option("--api.openapi", api_openapi,
                 "The API's OpenAPI 3.x or Swagger 2.0 document (YAML or JSON): the --log.file "
                 "and --log.listen logs' responses are judged against it per operation, their "
                 "route label is its path template (docs/openapi.md).")
      ->type_name("FILE");
  app.add_option("--labels", labels,
                 "Opt-in labels on the response metrics, comma-separated: log, method, host, "
                 "route, operation, syslog_tag, upstream (caps and route templates: config "
                 "file).")
      ->delimiter(',')
      ->check(
          CLI::IsMember({"log", "method", "host", "route", "operation", "syslog_tag", "upstream"}));
  app.add_flag("--histograms.native", options->histograms.native.enabled,
               "Also keep native (sparse exponential) buckets in the request-duration, "
               "upstream-duration and response-size histograms, served in the protobuf "
               "exposition beside the classic ones (client_golang's defaults: schema 3, 160 "
               "buckets, zero threshold 2^-128; config file: histograms.native).");
  app.add_option("--tail.from", tail_from,
                 "Where to start in a log that already exists: end (only new lines) or start.")
      ->check(CLI::IsMember({"start", "end"}))
      ->capture_default_str();
  app.add_option("--tail.poll-interval", poll_ms,
                 "Milliseconds between checks of what inotify cannot tell of (files not there "
                 "yet, unwatched or network directories), and between reads where inotify is "
                 "unavailable.")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  app.add_option("--tail.batch-window", batch_ms,
                 "Milliseconds a log that keeps being written waits after a read, so that its "
                 "next lines are read together: fewer wake-ups for a server writing a line at a "
                 "time. A scrape reads what is pending first, so it never shows older counts. 0: "
                 "read on every write.")
      ->check(CLI::Range(0, 10000))
      ->capture_default_str();
  app.add_option("--log.max-line-bytes", max_line,
                 "Longer lines are skipped and counted as result=\"skipped\".")
      ->check(CLI::Range(size_t{256}, size_t{16} << 20))
      ->capture_default_str();
  app.add_option("--positions.file", options->tail.positions_file,
                 "File in which to keep each log's read position across restarts (saved every "
                 "second and on SIGTERM); without it, a restart starts at --tail.from again.")
      ->type_name("FILE");
  app.add_option("--status.codes", options->status_codes_file,
                 "YAML table of the API's documented status codes (default: the embedded "
                 "table, data/status-codes.yaml).")
      ->type_name("FILE");
  app.add_option("--web.listen-address", options->web.listen_address,
                 "Address to serve on: HOST:PORT, :PORT or [IPv6]:PORT.")
      ->capture_default_str();
  app.add_option("--web.config.file", options->web.config_file,
                 "Exporter-toolkit web configuration: TLS (tls_server_config) and basic auth "
                 "(basic_auth_users, bcrypt). See docs/security.md.")
      ->type_name("FILE");
  app.add_flag("--web.enable-lifecycle", options->web.enable_lifecycle,
               "Serve POST and PUT /-/reload (a reload, as SIGHUP); without it they answer 403. "
               "With basic auth the endpoint needs the credentials.");
  app.add_option("--web.telemetry-path", options->web.telemetry_path,
                 "Path under which to expose the metrics.")
      ->capture_default_str();
  app.add_option("--web.max-connections", options->web.max_connections,
                 "Connections the endpoint holds open at most; at the cap the least recently "
                 "active connection with no request in progress is closed to make room.")
      ->check(CLI::Range(size_t{16}, size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--web.header-timeout", header_timeout,
                 "Time a client has to send a whole request head (TLS handshake included), "
                 "from connecting or from the first byte of a request (e.g. 5s, 500ms).")
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--web.idle-timeout", idle_timeout,
                 "Time a kept-alive connection may wait for its next request (e.g. 2m).")
      ->check(kDuration)
      ->capture_default_str();
  std::string remote_write_interval = FormatDuration(options->remote_write.interval);
  app.add_option("--remote-write.url", options->remote_write.url,
                 "Also push the metrics with Prometheus remote write 1.0 to this receiver "
                 "(http:// or https://; Prometheus, Mimir, Thanos Receive, ...); /metrics keeps "
                 "serving. Headers, credentials, TLS, external labels: config file "
                 "(remote_write:, docs/configuration.md).")
      ->type_name("URL");
  app.add_option("--remote-write.interval", remote_write_interval,
                 "How often to push: each push carries every series /metrics shows, stamped "
                 "when collected (1s to 1h).")
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--log.level", options->log_level, "Log level: debug, info, warn, error.")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_flag("--oneshot", oneshot,
               "Read the logs from their start to their end, print the exposition text to "
               "stdout and exit.");

  CLI::App* analyze = app.add_subcommand(
      "analyze",
      "Read access logs offline and print a report: totals, classes, every code with its "
      "documented meaning, 429 and 5xx ratios with the worst window, top routes, latency "
      "percentiles, malformed samples. Exit 3 when a --fail-on condition holds.");
  AnalyzeOptions& an = options->analyze;
  std::string analyze_format = "combined";
  std::string analyze_wrapper = "none";
  std::string analyze_color = "auto";
  analyze->add_option("files", an.files, "Log files; - reads stdin; .gz files are decompressed.")
      ->required()
      ->type_name("FILE");
  analyze->add_option("--log.format", analyze_format, "Log format, as for the exporter.")
      ->capture_default_str();
  analyze
      ->add_option("--config.file", options->config_file,
                   "Take the format, route templates and status-code table from the config "
                   "file's first source.")
      ->type_name("FILE");
  analyze
      ->add_option("--status.codes", an.status_codes_file,
                   "YAML table of the API's documented status codes.")
      ->type_name("FILE");
  analyze
      ->add_option("--api.openapi", an.api_openapi,
                   "The API's OpenAPI 3.x or Swagger 2.0 document: a per-operation section, the "
                   "top unmatched paths and the operations seen (coverage).")
      ->type_name("FILE");
  analyze->add_option("--output", an.output, "Report format: table, json or markdown.")
      ->check(CLI::IsMember({"table", "json", "markdown"}))
      ->capture_default_str();
  analyze
      ->add_option("--fail-on", an.fail_on,
                   "Exit 3 when a condition holds: 5xx>1%, 4xx>5%, 429>0.5%, undocumented>0, "
                   "malformed>0.1%, unmatched>1% (with --api.openapi; repeatable).")
      ->type_name("COND");
  analyze->add_option("--top", an.top, "Rows in the top-routes tables.")
      ->check(CLI::Range(size_t{1}, size_t{1000}))
      ->capture_default_str();
  analyze
      ->add_option("--log.wrapper", analyze_wrapper,
                   "Container log envelope of the files: none, cri, docker or auto, as for the "
                   "exporter (stdout only; the record's time is used when the format has none).")
      ->check(CLI::IsMember({"none", "cri", "docker", "auto"}))
      ->capture_default_str();
  analyze->add_option("--log.max-line-bytes", an.max_line_bytes, "Longer lines are skipped.")
      ->check(CLI::Range(size_t{256}, size_t{16} << 20))
      ->capture_default_str();
  analyze
      ->add_option("--color", analyze_color,
                   "Colour in the table: auto (on a terminal), always, never.")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();

  CLI::App* healthcheck = app.add_subcommand(
      "healthcheck",
      "Ask a running exporter whether it is healthy (GET /-/healthy): exit 0 when it answers "
      "200, 1 otherwise. For container health checks; needs no curl in the image.");
  HealthcheckOptions& hc = options->healthcheck;
  healthcheck
      ->add_option("--url", hc.url,
                   "URL to ask (http:// or https://; the certificate is not verified). Default: "
                   "/-/healthy on the loopback address of --web.listen-address.")
      ->type_name("URL");
  healthcheck
      ->add_option("--web.listen-address", options->web.listen_address,
                   "The address the exporter listens on, as given to it.")
      ->capture_default_str();
  healthcheck
      ->add_option("--web.config.file", options->web.config_file,
                   "The exporter's web configuration: with tls_server_config, ask over https.")
      ->type_name("FILE");
  healthcheck->add_option("--timeout", hc.timeout_seconds, "Seconds to wait for the answer.")
      ->check(CLI::Range(0.1, 60.0))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *message = app.help();
    return CliOutcome::kExitOk;
  } catch (const CLI::CallForVersion&) {
    *message = app.version() + "\n";
    return CliOutcome::kExitOk;
  } catch (const CLI::ParseError& e) {
    *message = "accesslog_exporter: " + OneLine(e.what()) + " (see --help)";
    return CliOutcome::kUsageError;
  }

  if (analyze->parsed()) {
    for (const CLI::Option* opt : analyze->get_options()) {
      if (opt->count() > 0) options->flags_given.insert(opt->get_name());
    }
    an.format.format = analyze_format;
    (void)ParseWrapper(analyze_wrapper, &an.unwrap.wrapper);  // checked by IsMember above
    an.color = analyze_color == "always"  ? AnalyzeOptions::Color::kAlways
               : analyze_color == "never" ? AnalyzeOptions::Color::kNever
                                          : AnalyzeOptions::Color::kAuto;
    if (std::string error; !MakeParser(an.format, &error)) {
      *message = "accesslog_exporter analyze: --log.format: " + error;
      return CliOutcome::kUsageError;
    }
    options->command = Command::kAnalyze;
    return CliOutcome::kRun;
  }
  if (healthcheck->parsed()) {
    options->command = Command::kHealthcheck;
    return CliOutcome::kRun;
  }
  if (!options->web.telemetry_path.starts_with("/")) {
    *message = "accesslog_exporter: --web.telemetry-path must start with '/', got '" +
               options->web.telemetry_path + "'";
    return CliOutcome::kUsageError;
  }
  std::string host, error;
  int port = 0;
  if (!ParseListenAddress(options->web.listen_address, &host, &port, &error)) {
    *message = "accesslog_exporter: " + error;
    return CliOutcome::kUsageError;
  }
  if (PushUrl url; !options->remote_write.url.empty() &&
                   !ParsePushUrl(options->remote_write.url, &url, &error)) {
    *message = "accesslog_exporter: --remote-write.url: " + error;
    return CliOutcome::kUsageError;
  }
  ParseDuration(remote_write_interval, &options->remote_write.interval);
  if (options->remote_write.interval < std::chrono::seconds(1) ||
      options->remote_write.interval > std::chrono::hours(1)) {
    *message = "accesslog_exporter: --remote-write.interval must be from 1s to 1h, got '" +
               remote_write_interval + "'";
    return CliOutcome::kUsageError;
  }
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() > 0) options->flags_given.insert(opt->get_name());
  }
  if (!options->config_file.empty() && (!log_files.empty() || !listen_urls.empty())) {
    *message =
        "accesslog_exporter: give the logs either with --log.file/--log.listen or in the config "
        "file's sources, not both";
    return CliOutcome::kUsageError;
  }
  if (options->config_file.empty() && log_files.empty() && listen_urls.empty()) {
    *message =
        "accesslog_exporter: no log to follow: give --log.file=PATH, --log.listen=URL or "
        "--config.file=FILE (see --help)";
    return CliOutcome::kUsageError;
  }
  for (const auto& url : listen_urls) {
    ListenAddress address;
    if (!ParseListenUrl(url, &address, &error)) {
      *message = "accesslog_exporter: --log.listen: " + error;
      return CliOutcome::kUsageError;
    }
    options->sources.push_back({.name = url,
                                .listen = url,
                                .format = {.format = log_format},
                                .api = {.openapi = api_openapi}});
  }
  if ((!log_files.empty() || !listen_urls.empty()) && !MakeParser({.format = log_format}, &error)) {
    *message = "accesslog_exporter: --log.format: " + error;
    return CliOutcome::kUsageError;
  }
  if (!options->config_file.empty() && log_wrapper != "none") {
    *message =
        "accesslog_exporter: --log.wrapper applies to --log.file logs; in the config file, "
        "set the source's wrapper";
    return CliOutcome::kUsageError;
  }
  if (!options->config_file.empty() && !log_path_labels.empty()) {
    *message =
        "accesslog_exporter: --log.path-labels applies to --log.file logs; in the config file, "
        "set the source's path_labels";
    return CliOutcome::kUsageError;
  }
  if (!options->config_file.empty() && !api_openapi.empty()) {
    *message =
        "accesslog_exporter: --api.openapi applies to --log.file and --log.listen logs; in the "
        "config file, set the source's api.openapi";
    return CliOutcome::kUsageError;
  }
  if (!log_path_labels.empty() && !CheckPathLabelNames(log_path_labels, {}, &error)) {
    *message = "accesslog_exporter: --log.path-labels: " + error;
    return CliOutcome::kUsageError;
  }
  UnwrapOptions unwrap;
  (void)ParseWrapper(log_wrapper, &unwrap.wrapper);  // checked by IsMember above
  for (const auto& path : log_files) {
    options->sources.push_back({.name = path == "-" ? "stdin" : path,
                                .files = {path},
                                .format = {.format = log_format},
                                .unwrap = unwrap,
                                .path_labels = log_path_labels,
                                .api = {.openapi = api_openapi}});
  }
  for (const auto& l : labels) {
    if (l == "log") options->labels.log = true;
    if (l == "method") options->labels.method = true;
    if (l == "host") options->labels.host = true;
    if (l == "syslog_tag") options->labels.syslog_tag = true;
    if (l == "route") options->labels.route = true;
    if (l == "upstream") options->labels.upstream = true;
    if (l == "operation") options->labels.operation = true;
  }
  // The node's name, for the workload of static pods: the DaemonSet sets NODE_NAME through the
  // downward API; the config file's kubernetes.node_name wins over it.
  if (const char* node = std::getenv("NODE_NAME"); node != nullptr) {
    options->kubernetes.node_name = node;
  }
  options->command = config_check ? Command::kConfigCheck
                     : oneshot    ? Command::kOneshot
                                  : Command::kServe;
  ParseDuration(header_timeout, &options->web.header_timeout);
  ParseDuration(idle_timeout, &options->web.idle_timeout);
  options->tail.from_start = tail_from == "start";
  options->tail.poll_interval = std::chrono::milliseconds(poll_ms);
  options->tail.read_batch_window = std::chrono::milliseconds(batch_ms);
  options->tail.max_line_bytes = max_line;
  return CliOutcome::kRun;
}

}  // namespace accesslog
