// The endpoint's connection handling, on the HttpServer class itself with raw loopback sockets:
// what happens at the connection cap (idle connections closed first, a new connection refused
// only when every one is busy), and SIGTERM's path (Stop) finishing a request in flight.
#include "http/server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace accesslog {
namespace {

using namespace std::chrono_literals;

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

void Send(int fd, const std::string& s) {
  ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// Reads until the peer closes or `timeout` passes; *closed tells which.
std::string ReadUntilClosed(int fd, std::chrono::milliseconds timeout, bool* closed) {
  std::string out;
  *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// True when the peer has closed `fd` (within `timeout`), without reading data it may have sent.
bool ClosedWithin(int fd, std::chrono::milliseconds timeout) {
  bool closed = false;
  ReadUntilClosed(fd, timeout, &closed);
  return closed;
}

template <typename F>
bool WaitFor(F condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// A render callback that blocks until Release (or 10 s, so that a failing test still ends).
class Gate {
 public:
  std::string Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.wait_for(lock, 10s, [this] { return open_; });
    return "metric 1\n";
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

class ServerTest : public ::testing::Test {
 protected:
  void Start(size_t max_connections) {
    WebOptions options;
    options.listen_address = "127.0.0.1:0";
    options.max_connections = max_connections;
    Endpoints endpoints;
    endpoints.render_metrics = [this](MetricsFormat) { return gate_.Wait(); };
    endpoints.ready = [] { return true; };
    server_ = std::make_unique<HttpServer>(options, endpoints);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }
  void TearDown() override {
    gate_.Release();
    if (server_) server_->Stop();
    for (int fd : fds_) ::close(fd);
  }
  int Open() {
    fds_.push_back(Connect(server_->port()));
    return fds_.back();
  }
  uint64_t Closed(CloseReason r) { return server_->stats().closed[static_cast<int>(r)]; }

  Gate gate_;
  std::unique_ptr<HttpServer> server_;
  std::vector<int> fds_;
};

TEST_F(ServerTest, AtTheCapTheLeastRecentlyActiveIdleConnectionMakesRoom) {
  Start(16);
  std::vector<int> heads, idle;
  for (int i = 0; i < 8; ++i) {
    heads.push_back(Open());
    Send(heads.back(), "GET /-/healthy HTTP/1.1\r\nHost: x\r\n");  // a head in progress
  }
  for (int i = 0; i < 8; ++i) idle.push_back(Open());
  ASSERT_TRUE(WaitFor([&] { return server_->stats().open == 16; }, 5s));

  const int probe = Open();  // the 17th
  Send(probe, "GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const std::string answer = ReadUntilClosed(probe, 5s, &closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
  EXPECT_EQ(Closed(CloseReason::kEvicted), 1u);
  EXPECT_TRUE(ClosedWithin(idle[0], 2s)) << "the oldest idle connection is the one closed";
  // The connections that were sending a head are still served.
  for (int fd : heads) Send(fd, "Connection: close\r\n\r\n");
  for (int fd : heads) {
    EXPECT_TRUE(ReadUntilClosed(fd, 5s, &closed).starts_with("HTTP/1.1 200 OK\r\n"));
  }
  EXPECT_EQ(server_->stats().closed[static_cast<int>(CloseReason::kRefused)], 0u);
}

TEST_F(ServerTest, ANewConnectionIsRefusedOnlyWhenEveryOneIsBeingServed) {
  Start(16);
  std::vector<int> busy;
  for (int i = 0; i < 16; ++i) {
    busy.push_back(Open());
    Send(busy.back(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");  // held by the gate
  }
  // Two workers wait at the gate; the other requests are queued behind them: all busy.
  ASSERT_TRUE(WaitFor([&] { return gate_.waiting() == 2 && server_->stats().open == 16; }, 5s));
  const int late = Open();
  EXPECT_TRUE(ClosedWithin(late, 5s));
  EXPECT_EQ(Closed(CloseReason::kRefused), 1u);
  EXPECT_EQ(Closed(CloseReason::kEvicted), 0u);
  gate_.Release();
  for (int fd : busy) {
    bool closed = false;
    std::string answer;
    ASSERT_TRUE(WaitFor(
        [&] {
          answer += ReadUntilClosed(fd, 50ms, &closed);
          return answer.find("metric 1\n") != std::string::npos || closed;
        },
        5s));
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
  }
  EXPECT_EQ(server_->stats().accepted, 17u);
}

TEST_F(ServerTest, StopFinishesTheRequestInFlightAndClosesTheIdleOnes) {
  Start(64);
  const int idle = Open();
  const int scrape = Open();
  Send(scrape, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(WaitFor([&] { return gate_.waiting() == 1; }, 5s));
  std::thread stopper([&] { server_->Stop(); });
  EXPECT_TRUE(ClosedWithin(idle, 5s)) << "an idle connection is closed at once";
  gate_.Release();
  bool closed = false;
  const std::string answer = ReadUntilClosed(scrape, 5s, &closed);
  stopper.join();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 OK\r\n")) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("metric 1\n"), std::string::npos) << answer;
  EXPECT_TRUE(closed);
  server_.reset();
}

TEST_F(ServerTest, ABadRequestIsAnsweredAndClosed) {
  Start(64);
  gate_.Release();
  const int fd = Open();
  Send(fd, "NOT HTTP AT ALL\r\n\r\n");
  bool closed = false;
  const std::string answer = ReadUntilClosed(fd, 5s, &closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
  EXPECT_TRUE(closed);
  const int big = Open();
  Send(big, "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_TRUE(ReadUntilClosed(big, 5s, &closed).starts_with("HTTP/1.1 431 "));
  EXPECT_TRUE(WaitFor([&] { return Closed(CloseReason::kBadRequest) == 2; }, 5s));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start(64);
  gate_.Release();
  const int fd = Open();
  Send(fd,
       "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
       "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  bool closed = false;
  const std::string answer = ReadUntilClosed(fd, 5s, &closed);
  const size_t healthy = answer.find("Healthy.\n");
  const size_t metrics = answer.find("metric 1\n");
  ASSERT_NE(healthy, std::string::npos) << answer;
  ASSERT_NE(metrics, std::string::npos) << answer;
  EXPECT_LT(healthy, metrics);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK"), answer.find("HTTP/1.1 200 OK", metrics)) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\n")) << "HEAD: headers only";
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace accesslog
