#include "config/cli.h"

#include <CLI/CLI.hpp>

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
  size_t max_line = options->tail.max_line_bytes;
  bool oneshot = false;

  app.add_option("--log.file", options->log_files,
                 "Access log to follow; repeat the flag for several logs.")
      ->type_name("PATH");
  app.add_option("--log.format", options->log_format, "Log format: combined or common.")
      ->capture_default_str();
  app.add_option("--tail.from", tail_from,
                 "Where to start in a log that already exists: end (only new lines) or start.")
      ->check(CLI::IsMember({"start", "end"}))
      ->capture_default_str();
  app.add_option("--tail.poll-interval", poll_ms,
                 "Milliseconds between checks for rotation, and between reads where inotify "
                 "is unavailable.")
      ->check(CLI::Range(10, 60000))
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
  app.add_option("--web.telemetry-path", options->web.telemetry_path,
                 "Path under which to expose the metrics.")
      ->capture_default_str();
  app.add_option("--log.level", options->log_level, "Log level: debug, info, warn, error.")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_flag("--oneshot", oneshot,
               "Read the logs from their start to their end, print the exposition text to "
               "stdout and exit.");

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
  if (options->log_files.empty()) {
    *message = "accesslog_exporter: no log to follow: give --log.file=PATH (see --help)";
    return CliOutcome::kUsageError;
  }
  options->command = oneshot ? Command::kOneshot : Command::kServe;
  options->tail.from_start = tail_from == "start";
  options->tail.poll_interval = std::chrono::milliseconds(poll_ms);
  options->tail.max_line_bytes = max_line;
  return CliOutcome::kRun;
}

}  // namespace accesslog
