// Test support: real processes, free loopback ports, temporary directories, HTTP GETs and
// deadline-bounded polling. Used by the end-to-end tests that run real nginx, promtool and the
// exporter binary.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace accesslog::testing {

// A child process started with posix_spawn; stdout and stderr go to files. The destructor
// kills it (SIGKILL) if it still runs, so no test leaves a process behind.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string stdout_path, std::string stderr_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // Sends `sig` and waits up to `timeout` for the exit. Returns the exit status, 128+signal
  // when killed by a signal, or -1 when it did not exit in time (then it is SIGKILLed).
  int Stop(int sig, std::chrono::milliseconds timeout);
  // Waits up to `timeout` for the process to exit on its own; same results as Stop.
  int Wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool Running();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Runs a command to completion (bounded by `timeout`), returns its exit status and fills
// *output with stdout+stderr.
int RunCommand(const std::vector<std::string>& argv, std::string* output,
               std::chrono::milliseconds timeout = std::chrono::seconds(60),
               const std::string& stdin_text = "");

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
int FreePort();
// A fresh directory under $TMPDIR (or /tmp); removed by the destructor of TempDir.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls `condition` every 20 ms until it holds or `deadline` passes. Returns the last result.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

// GET http://127.0.0.1:port/path. Returns the body, or nullopt when the request failed;
// *status gets the HTTP status.
std::optional<std::string> HttpGet(int port, const std::string& path, int* status = nullptr);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);
void AppendFile(const std::string& path, const std::string& content);

// The value of the sample `series` (exact text before the value, e.g.
// `accesslog_lines_total{log="x",result="parsed"}`) in an exposition, or nullopt.
std::optional<double> SampleValue(const std::string& exposition, const std::string& series);

// The port the exporter logged it listens on ("port=NNN" in its stderr), or 0.
int ExporterPort(const std::string& stderr_path);

// The exporter under test (the accesslog_exporter this build made) on a loopback port of its
// choosing: started with `args` and --web.listen-address=127.0.0.1:0 (unless `args` give a
// listen address), stdout and stderr to the files given. The port is the one it logged
// (ExporterPort), so no port is picked free, released and handed over. Stop it as any Process.
//
//   ExporterProcess exporter({"--log.file=" + log}, dir.File("out"), dir.File("err"));
//   ASSERT_TRUE(exporter.Ready()) << exporter.log();
//   const std::string m = exporter.Metrics();
class ExporterProcess : public Process {
 public:
  ExporterProcess(std::vector<std::string> args, std::string stdout_path, std::string stderr_path);
  // Waits at most `deadline` until it has logged its port; false when it did not (it exited,
  // or is too slow).
  [[nodiscard]] bool Listening(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // Listening, and /-/ready answers 200: every log is positioned (with --tail.from=end a line
  // appended before that would be skipped).
  [[nodiscard]] bool Ready(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  [[nodiscard]] int port() const { return port_; }
  // GET /metrics: the body, or "" when the request failed.
  [[nodiscard]] std::string Metrics() const;
  // What it wrote to stderr so far.
  [[nodiscard]] std::string log() const;

 private:
  std::string stderr_path_;
  int port_ = 0;
};

// The peak resident set size of a running process since it exec'ed (VmHWM in
// /proc/PID/status), in KiB; 0 once it has exited. Poll it while the process runs: it only
// grows. (ru_maxrss from wait4 or RUSAGE_CHILDREN cannot measure a child: it includes the
// memory of the parent the child was forked or spawned from.)
long PeakRssKib(pid_t pid);

}  // namespace accesslog::testing
