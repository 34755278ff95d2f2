// The pusher against a real HTTP server on loopback (cpp-httplib, the tests' own HTTP library):
// what it sends, and what it does with each kind of answer. Real Prometheus receivers are in
// tests/e2e/prometheus_remote_write_test.py.
#include "push/pusher.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <snappy.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "exposition/family.h"
#include "remote_write.pb.h"
#include "support/test_support.h"

namespace accesslog {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A receiver on 127.0.0.1 that answers each POST with what `answer` says.
class Receiver {
 public:
  struct Request {
    Clock::time_point at;
    httplib::Headers headers;
    std::string body;
  };
  using Answer = std::function<void(size_t n, httplib::Response& res)>;

  explicit Receiver(Answer answer) : answer_(std::move(answer)) {
    server_.Post("/api/v1/write", [this](const httplib::Request& req, httplib::Response& res) {
      size_t n = 0;
      {
        std::lock_guard<std::mutex> lock(mu_);
        n = requests_.size();
        requests_.push_back({Clock::now(), req.headers, req.body});
      }
      answer_(n, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/write"; }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t count() { return requests().size(); }

 private:
  Answer answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;
};

// `n` gauge samples; the collection number in the first one's value.
Pusher::Collect Gauges(size_t n) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  return [n, calls](ExpositionExtras*) {
    std::vector<prometheus::MetricFamily> out;
    out.push_back(MakeFamily("g", "A gauge.", prometheus::MetricType::Gauge));
    for (size_t i = 0; i < n; ++i) {
      AddSample(&out.back(), {{"i", std::to_string(i)}}, i == 0 ? ++*calls : 1.0);
    }
    return out;
  };
}

RemoteWriteOptions Options(const std::string& url) {
  RemoteWriteOptions o;
  o.url = url;
  o.interval = std::chrono::hours(1);  // one push at start unless a test wants more
  o.timeout = std::chrono::seconds(5);
  o.queue.min_backoff = milliseconds(20);
  o.queue.max_backoff = milliseconds(200);
  return o;
}

bool WaitFor(const std::function<bool()>& condition, milliseconds deadline = milliseconds(5000)) {
  return testing::WaitFor(condition, deadline);
}

uint64_t Get(const std::atomic<uint64_t>& a) { return a.load(); }

TEST(PusherTest, SendsTheSnapshotWithTheProtocolsHeadersAndTheCredentials) {
  Receiver receiver([](size_t, httplib::Response& res) { res.status = 204; });
  RemoteWriteOptions o = Options(receiver.url());
  o.headers = {{"X-Scope-OrgID", "tenant-1"}};
  o.basic_auth_username = "pusher";
  o.basic_auth_password = "s3cret";
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(3), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return Get(stats->requests[kPushSuccess]) == 1; }));
  const auto r = receiver.requests().at(0);
  EXPECT_EQ(r.headers.find("Content-Encoding")->second, "snappy");
  EXPECT_EQ(r.headers.find("Content-Type")->second, "application/x-protobuf");
  EXPECT_EQ(r.headers.find("X-Prometheus-Remote-Write-Version")->second, "0.1.0");
  EXPECT_TRUE(r.headers.find("User-Agent")->second.starts_with("accesslog_exporter/"));
  EXPECT_EQ(r.headers.find("X-Scope-OrgID")->second, "tenant-1");
  EXPECT_EQ(r.headers.find("Authorization")->second, "Basic cHVzaGVyOnMzY3JldA==");
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(r.body.data(), r.body.size(), &raw));
  prometheus::WriteRequest w;
  ASSERT_TRUE(w.ParseFromString(raw));
  ASSERT_EQ(w.timeseries_size(), 3);
  EXPECT_EQ(w.timeseries(0).labels(2).name(), "instance");
  EXPECT_EQ(w.timeseries(0).labels(2).value(), "host:1");
  EXPECT_EQ(w.timeseries(0).labels(3).value(), "accesslog_exporter");
  EXPECT_EQ(Get(stats->samples[kPushSent]), 3u);
  EXPECT_GT(stats->last_success_seconds.load(), 1.7e9);
  EXPECT_EQ(Get(stats->queue_samples), 0u);
  EXPECT_TRUE(stats->configured.load());
}

TEST(PusherTest, A400IsDroppedAndCountedNotRetried) {
  Receiver receiver([](size_t, httplib::Response& res) {
    res.status = 400;
    res.set_content("out of bounds", "text/plain");
  });
  RemoteWriteOptions o = Options(receiver.url());
  o.interval = milliseconds(100);
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(5), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return Get(stats->requests[kPushFailed]) >= 3; }));
  pusher.Stop(Pusher::kAbort);
  // One request per snapshot: each refused once, never sent again (the stop may abandon one
  // the receiver had already counted).
  EXPECT_GE(receiver.count(), Get(stats->requests[kPushFailed]));
  EXPECT_LE(receiver.count(), Get(stats->requests[kPushFailed]) + 1);
  EXPECT_EQ(Get(stats->requests[kPushRetried]), 0u);
  EXPECT_EQ(Get(stats->samples[kPushDropped]), 5 * Get(stats->requests[kPushFailed]));
  EXPECT_EQ(Get(stats->samples[kPushSent]), 0u);
}

TEST(PusherTest, A429IsTriedAgainWhenItsRetryAfterSays) {
  Receiver receiver([](size_t n, httplib::Response& res) {
    res.status = n == 0 ? 429 : 200;
    if (n == 0) res.set_header("Retry-After", "1");
  });
  RemoteWriteOptions o = Options(receiver.url());
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(2), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return Get(stats->requests[kPushSuccess]) == 1; }));
  const auto r = receiver.requests();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_GE(r[1].at - r[0].at, milliseconds(1000));  // not the 20 ms backoff
  EXPECT_EQ(r[0].body, r[1].body);
  EXPECT_EQ(Get(stats->requests[kPushRetried]), 1u);
  EXPECT_EQ(Get(stats->samples[kPushSent]), 2u);
  EXPECT_EQ(Get(stats->samples[kPushDropped]), 0u);
}

TEST(PusherTest, FiveHundredsBackOffExponentially) {
  Receiver receiver([](size_t n, httplib::Response& res) { res.status = n < 3 ? 503 : 200; });
  RemoteWriteOptions o = Options(receiver.url());
  o.queue.min_backoff = milliseconds(50);
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(1), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return Get(stats->requests[kPushSuccess]) == 1; }));
  const auto r = receiver.requests();
  ASSERT_EQ(r.size(), 4u);
  EXPECT_GE(r[1].at - r[0].at, milliseconds(50));
  EXPECT_GE(r[2].at - r[1].at, milliseconds(100));
  EXPECT_GE(r[3].at - r[2].at, milliseconds(200));  // capped at max_backoff (200 ms)
  EXPECT_EQ(Get(stats->requests[kPushRetried]), 3u);
}

TEST(PusherTest, WhileNothingAnswersTheQueueHoldsAtMostMaxSamples) {
  const int port = testing::FreePort();  // nothing listens there
  RemoteWriteOptions o = Options("http://127.0.0.1:" + std::to_string(port) + "/write");
  o.interval = milliseconds(30);
  o.queue.max_samples = 25;
  o.queue.max_samples_per_send = 10;
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(10), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return Get(stats->samples[kPushDropped]) >= 30; }));
  EXPECT_LE(Get(stats->queue_samples), 25u);
  EXPECT_GT(Get(stats->requests[kPushRetried]), 0u);
  const SendQueue left = pusher.Stop(Pusher::kAbort);
  EXPECT_LE(left.samples(), 25u);
  EXPECT_EQ(left.samples() % 10, 0u);  // whole snapshots
  EXPECT_EQ(Get(stats->samples[kPushSent]), 0u);
}

TEST(PusherTest, StoppingWithFlushPushesOneLastSnapshot) {
  Receiver receiver([](size_t, httplib::Response& res) { res.status = 200; });
  RemoteWriteOptions o = Options(receiver.url());
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(1), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return receiver.count() == 1; }));
  pusher.Stop(Pusher::kFlush);
  ASSERT_EQ(receiver.count(), 2u);
  std::string raw;
  const std::string body = receiver.requests()[1].body;
  ASSERT_TRUE(snappy::Uncompress(body.data(), body.size(), &raw));
  prometheus::WriteRequest w;
  ASSERT_TRUE(w.ParseFromString(raw));
  EXPECT_EQ(w.timeseries(0).samples(0).value(), 2);  // the second collection
}

TEST(PusherTest, StoppingDoesNotWaitForASlowReceiver) {
  std::atomic<bool> release{false};
  Receiver receiver([&](size_t, httplib::Response& res) {
    for (int i = 0; i < 500 && !release.load(); ++i) std::this_thread::sleep_for(milliseconds(10));
    res.status = 200;
  });
  RemoteWriteOptions o = Options(receiver.url());
  auto stats = std::make_shared<PushStats>();
  Pusher pusher(o, ExternalLabels(o, "host:1"), Gauges(1), stats);
  std::string error;
  ASSERT_TRUE(pusher.Start(&error)) << error;
  ASSERT_TRUE(WaitFor([&] { return receiver.count() == 1; }));
  const auto start = Clock::now();
  const SendQueue left = pusher.Stop(Pusher::kAbort);
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_EQ(left.samples(), 1u);  // still to send: the next pusher takes it
  EXPECT_EQ(Get(stats->requests[kPushRetried]) + Get(stats->requests[kPushFailed]), 0u);
  release = true;
}

TEST(PusherTest, ExternalLabelsAndUrls) {
  RemoteWriteOptions o;
  o.external_labels = {{"cluster", "eu-1"}, {"job", "edge"}};
  const auto labels = ExternalLabels(o, "web-1:9958");
  EXPECT_EQ(labels, (std::vector<PushLabel>{
                        {"cluster", "eu-1"}, {"instance", "web-1:9958"}, {"job", "edge"}}));
  PushUrl u;
  std::string error;
  ASSERT_TRUE(ParsePushUrl("https://mimir.example/api/v1/push", &u, &error)) << error;
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.host, "mimir.example");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/api/v1/push");
  ASSERT_TRUE(ParsePushUrl("http://[::1]:9090?tenant=a", &u, &error)) << error;
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "9090");
  EXPECT_EQ(u.host_header, "[::1]:9090");
  EXPECT_EQ(u.target, "/?tenant=a");
  for (const char* bad : {"mimir.example/api/v1/push", "ftp://x/", "http://", "http://:80/",
                          "http://h:0/", "http://h:99999/", "http://h:x/", "http://u:p@h/",
                          "http://[::1/", "http://h/#f", "http://a b/"}) {
    EXPECT_FALSE(ParsePushUrl(bad, &u, &error)) << bad;
  }
}

}  // namespace
}  // namespace accesslog
