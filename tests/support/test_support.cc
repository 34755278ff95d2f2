#include "support/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace accesslog::testing {
namespace {

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out, const std::string& err,
            const std::string& in) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (err == out) {
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  // Children must not inherit a blocked signal mask from the test.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return pid;
}

}  // namespace

Process::Process(std::vector<std::string> argv, std::string stdout_path, std::string stderr_path)
    : pid_(Spawn(argv, stdout_path, stderr_path, "")) {}

Process::~Process() {
  if (pid_ > 0 && status_ == -1) Stop(SIGKILL, std::chrono::seconds(5));
}

bool Process::Running() {
  if (pid_ <= 0 || status_ != -1) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

int Process::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  WaitFor([this] { return !Running(); }, timeout);
  if (status_ == -1) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
    return -1;
  }
  return DecodeStatus(status_);
}

int Process::Stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (status_ == -1) ::kill(pid_, sig);
  return Wait(timeout);
}

int RunCommand(const std::vector<std::string>& argv, std::string* output,
               std::chrono::milliseconds timeout, const std::string& stdin_text) {
  TempDir dir;
  const std::string out = dir.File("out");
  std::string in;
  if (!stdin_text.empty()) {
    in = dir.File("in");
    WriteFile(in, stdin_text);
  }
  const pid_t pid = Spawn(argv, out, out, in);
  if (pid <= 0) {
    *output = "cannot start " + argv[0];
    return -1;
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      *output = ReadFile(out) + "\n[timed out]";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  *output = ReadFile(out);
  return DecodeStatus(status);
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base && *base ? base : "/tmp") + "/accesslog-test-XXXXXX";
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::optional<std::string> HttpGet(int port, const std::string& path, int* status) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  auto res = client.Get(path.c_str());
  if (!res) return std::nullopt;
  if (status) *status = res->status;
  return res->body;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

void AppendFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << content;
}

std::optional<double> SampleValue(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

int ExporterPort(const std::string& stderr_path) {
  static const std::regex kPort(R"(msg=listening .*port=(\d+))");
  std::smatch m;
  const std::string text = ReadFile(stderr_path);
  return std::regex_search(text, m, kPort) ? std::stoi(m[1]) : 0;
}

namespace {

std::vector<std::string> ExporterArgv(std::vector<std::string> args) {
  std::vector<std::string> argv = {ACCESSLOG_EXPORTER_BIN};
  const bool listen = std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a.rfind("--web.listen-address", 0) == 0;
  });
  if (!listen) argv.emplace_back("--web.listen-address=127.0.0.1:0");
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  return argv;
}

}  // namespace

ExporterProcess::ExporterProcess(std::vector<std::string> args, std::string stdout_path,
                                 std::string stderr_path)
    : Process(ExporterArgv(std::move(args)), std::move(stdout_path), stderr_path),
      stderr_path_(std::move(stderr_path)) {}

bool ExporterProcess::Listening(std::chrono::milliseconds deadline) {
  if (port_ > 0) return true;
  return started() && WaitFor([&] { return (port_ = ExporterPort(stderr_path_)) > 0; }, deadline);
}

bool ExporterProcess::Ready(std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  if (!Listening(deadline)) return false;
  int status = 0;
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
  return WaitFor([&] { return HttpGet(port_, "/-/ready", &status) && status == 200; },
                 std::max(left, std::chrono::milliseconds(0)));
}

std::string ExporterProcess::Metrics() const { return HttpGet(port_, "/metrics").value_or(""); }

std::string ExporterProcess::log() const { return ReadFile(stderr_path_); }

long PeakRssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace accesslog::testing
