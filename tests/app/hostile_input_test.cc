// Hostile log files, read by the real binary (PRODUCT.md section 5): random bytes, NUL bytes,
// CRLF line endings, invalid UTF-8, over-long lines, numbers that overflow, a last line without
// its newline, interleaved with valid lines whose counts are known; and a 2 GiB sparse file
// (one run of NUL bytes between a few lines) that must be read in bounded memory (its time is
// printed).
//
// What each kind of line counts as (accesslog_lines_total{result}), as the README's metrics
// table defines it:
//   - parsed: a line that matches the format with a status in 100-599, whatever other bytes it
//     holds (NUL or invalid UTF-8 inside a quoted field); a CRLF line is read without its "\r";
//   - malformed: anything else that is not empty and fits the line limit (garbage, NULs, a
//     status or byte count that overflows, a duration of 1e400, inf or nan, a truncated line);
//   - skipped: an empty line (also "\r" alone) and a line longer than --log.max-line-bytes
//     (65536 by default), which is dropped whole, never parsed, even when it would match.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/test_support.h"

// Built with AddressSanitizer (gcc says so with __SANITIZE_ADDRESS__, clang with __has_feature).
#if defined(__SANITIZE_ADDRESS__)
#define ACCESSLOG_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ACCESSLOG_TEST_ASAN 1
#endif
#endif

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::HttpGet;
using testing::Process;
using testing::RunCommand;
using testing::SampleValue;
using testing::TempDir;
using testing::WaitFor;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;
constexpr size_t kMaxLineBytes = 65536;  // the default --log.max-line-bytes

enum class Expect { kParsed, kMalformed, kSkipped };

// A log built line by line, with what each line must count as.
class Log {
 public:
  // Appends `line` and its ending ("\n", "\r\n", or "" for an unterminated last line).
  void Add(Expect expect, const std::string& line, int code = 0, const std::string& end = "\n") {
    text_ += line + end;
    if (expect == Expect::kParsed) ++parsed_by_code_[code];
    ++counts_[expect];
  }
  [[nodiscard]] const std::string& text() const { return text_; }
  [[nodiscard]] int count(Expect e) const {
    auto it = counts_.find(e);
    return it == counts_.end() ? 0 : it->second;
  }
  [[nodiscard]] const std::map<int, int>& parsed_by_code() const { return parsed_by_code_; }

 private:
  std::string text_;
  std::map<Expect, int> counts_;
  std::map<int, int> parsed_by_code_;
};

// A combined line with the given status, byte count, path and user agent.
std::string Combined(const std::string& status, const std::string& bytes = "512",
                     const std::string& path = "/v1/kittens/7",
                     const std::string& agent = "curl/8.0") {
  return "192.0.2.7 - - [25/Nov/2026:10:00:00 +0000] \"GET " + path + " HTTP/1.1\" " + status +
         " " + bytes + " \"-\" \"" + agent + "\"";
}

// A combined 200 line of exactly `size` bytes (the user agent pads it).
std::string CombinedOfSize(size_t size) {
  const std::string base = Combined("200", "1", "/sized", "");
  return Combined("200", "1", "/sized", std::string(size - base.size(), 'a'));
}

// The log format of the `timed` source: combined plus nginx's request time at the end.
constexpr const char* kTimedFormat =
    R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent )"
    R"("$http_referer" "$http_user_agent" rt=$request_time)";

std::string Timed(const std::string& status, const std::string& request_time) {
  return Combined(status) + " rt=" + request_time;
}

Log HostileCombinedLog() {
  Log log;
  std::mt19937 random(8);  // fixed seed: the same bytes every run
  std::string noise(4096, '\0');
  for (char& c : noise) {
    do {
      c = static_cast<char>(random() & 0xff);
    } while (c == '\n');
  }
  log.Add(Expect::kParsed, Combined("200"), 200);
  log.Add(Expect::kMalformed, noise);
  log.Add(Expect::kParsed, Combined("404"), 404);
  log.Add(Expect::kMalformed, std::string(1000, '\0'));
  log.Add(Expect::kParsed, Combined("200"), 200, "\r\n");
  // Valid lines whose fields hold invalid UTF-8 and NUL bytes: bytes are bytes.
  log.Add(Expect::kParsed, Combined("429", "5", "/caf\xe9/\xff\xfe\xed\xa0\x80"), 429, "\r\n");
  log.Add(Expect::kParsed, Combined("500", "0", "/v1", std::string("nul\0in\0agent", 13)), 500);
  log.Add(Expect::kMalformed, "\xff\xfe\xc3\x28\xed\xa0\x80 not a log line");
  // 4 MiB: would match the format if it were read; it must be dropped whole.
  log.Add(Expect::kSkipped, Combined("200", "1", "/big", std::string(4 << 20, 'a')));
  log.Add(Expect::kMalformed, Combined("99999999999999999999"));
  log.Add(Expect::kMalformed, Combined("200", "18446744073709551616"));  // 2^64
  log.Add(Expect::kMalformed, Combined("200", "99999999999999999999999999999"));
  log.Add(Expect::kMalformed, Combined("200", "-5"));
  log.Add(Expect::kMalformed, Combined("600"));
  log.Add(Expect::kMalformed, Combined("20"));
  log.Add(Expect::kMalformed, Combined("-"));
  log.Add(Expect::kSkipped, "");
  log.Add(Expect::kSkipped, "", 0, "\r\n");
  log.Add(Expect::kParsed, Combined("503", "-"), 503);
  log.Add(Expect::kParsed, CombinedOfSize(kMaxLineBytes), 200);  // at the limit: read
  log.Add(Expect::kSkipped, CombinedOfSize(kMaxLineBytes + 1));  // one byte over: dropped
  log.Add(Expect::kMalformed, Combined("200").substr(0, 40));    // cut short
  log.Add(Expect::kMalformed, "   ");
  // NUL bytes before a line, with no newline between (what a crash can leave in a log): text
  // before the address, so malformed (the address is one token as the servers write it).
  log.Add(Expect::kMalformed, std::string(3000, '\0') + Combined("200"));
  log.Add(Expect::kParsed, Combined("503"), 503, "");  // the last line, without its newline
  return log;
}

Log HostileTimedLog() {
  Log log;
  log.Add(Expect::kParsed, Timed("200", "0.005"), 200);
  log.Add(Expect::kMalformed, Timed("200", "1e400"));
  log.Add(Expect::kMalformed, Timed("200", "-0.5"));
  log.Add(Expect::kMalformed, Timed("200", "inf"));
  log.Add(Expect::kMalformed, Timed("200", "nan"));
  log.Add(Expect::kMalformed, Timed("200", "0x10"));
  log.Add(Expect::kParsed, Timed("201", "-"), 201);      // absent: counted, not observed
  log.Add(Expect::kParsed, Timed("201", "1e300"), 201);  // large but finite
  return log;
}

std::string CountSeries(const std::string& log, const char* result) {
  return "accesslog_lines_total{log=\"" + log + "\",result=\"" + result + "\"}";
}

std::string CodeSeries(int code) {
  return "accesslog_http_responses_total{class=\"" + std::to_string(code / 100) + "xx\",code=\"" +
         std::to_string(code) + "\",documented=\"true\"}";
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_.File("hostile.log"), combined_.text());
    testing::WriteFile(dir_.File("timed.log"), timed_.text());
    testing::WriteFile(dir_.File("c.yaml"), std::string("sources:\n") +
                                                "  - {name: hostile, files: hostile.log}\n" +
                                                "  - name: timed\n    files: timed.log\n" +
                                                "    format: '" + kTimedFormat + "'\n");
  }

  // Checks the line and response counts in `m`; `pending` lines of the hostile log (at its
  // end, without a newline) are not counted yet; `appended` bytes were added to it.
  void ExpectCounts(const std::string& m, int pending, size_t appended = 0) {
    EXPECT_EQ(SampleValue(m, CountSeries("hostile", "parsed")),
              combined_.count(Expect::kParsed) - pending)
        << m;
    EXPECT_EQ(SampleValue(m, CountSeries("hostile", "malformed")),
              combined_.count(Expect::kMalformed));
    EXPECT_EQ(SampleValue(m, CountSeries("hostile", "skipped")), combined_.count(Expect::kSkipped));
    EXPECT_EQ(SampleValue(m, CountSeries("timed", "parsed")), timed_.count(Expect::kParsed));
    EXPECT_EQ(SampleValue(m, CountSeries("timed", "malformed")), timed_.count(Expect::kMalformed));
    EXPECT_EQ(SampleValue(m, CountSeries("timed", "skipped")), 0);
    EXPECT_EQ(SampleValue(m, R"(accesslog_bytes_read_total{log="hostile"})"),
              static_cast<double>(combined_.text().size() + appended));
    std::map<int, int> by_code = combined_.parsed_by_code();
    for (const auto& [code, n] : timed_.parsed_by_code()) by_code[code] += n;
    if (pending > 0) --by_code[503];  // the unterminated last line
    for (const auto& [code, n] : by_code) {
      EXPECT_EQ(SampleValue(m, CodeSeries(code)), n) << "code " << code;
    }
    // Only the timed lines with a request time are observed: 0.005 and 1e300.
    EXPECT_EQ(SampleValue(m, R"(accesslog_http_request_duration_seconds_count{class="2xx"})"), 2);
    EXPECT_EQ(
        SampleValue(m, R"(accesslog_http_request_duration_seconds_bucket{class="2xx",le="0.005"})"),
        1);
    std::string lint;
    EXPECT_EQ(RunCommand({"promtool", "check", "metrics"}, &lint, 60s, m), 0) << lint;
    EXPECT_EQ(lint, "") << "promtool had remarks";
  }

  TempDir dir_;
  const Log combined_ = HostileCombinedLog();
  const Log timed_ = HostileTimedLog();
};

TEST_F(HostileInputTest, OneshotCountsEveryLineExactly) {
  // The counts this test expects, spelled out: a change to the log above must be deliberate.
  ASSERT_EQ(combined_.count(Expect::kParsed), 8);
  ASSERT_EQ(combined_.count(Expect::kMalformed), 13);
  ASSERT_EQ(combined_.count(Expect::kSkipped), 4);
  std::string out;
  ASSERT_EQ(RunCommand({kBin, "--oneshot", "--config.file=" + dir_.File("c.yaml")}, &out, 60s), 0)
      << out.substr(0, 2000);
  ExpectCounts(out, /*pending=*/0);
}

TEST_F(HostileInputTest, ServingCountsTheSameAndTheLastLineWhenItsNewlineComes) {
  testing::ExporterProcess exporter(
      {"--config.file=" + dir_.File("c.yaml"), "--tail.from=start", "--tail.poll-interval=100"},
      dir_.File("stdout"), dir_.File("stderr"));
  ASSERT_TRUE(exporter.Listening()) << exporter.log();
  const int port = exporter.port();
  auto metrics = [&] { return HttpGet(port, "/metrics").value_or(""); };
  // Bytes are counted as they are read, before their lines: wait for the lines themselves.
  auto lines = [&](const std::string& m, const char* log) {
    double n = 0;
    for (const char* result : {"parsed", "malformed", "skipped"}) {
      n += SampleValue(m, CountSeries(log, result)).value_or(0);
    }
    return n;
  };
  const double hostile_lines = combined_.count(Expect::kParsed) +
                               combined_.count(Expect::kMalformed) +
                               combined_.count(Expect::kSkipped) - 1;
  const double timed_lines = timed_.count(Expect::kParsed) + timed_.count(Expect::kMalformed);
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string m = metrics();
        return lines(m, "hostile") == hostile_lines && lines(m, "timed") == timed_lines;
      },
      20s))
      << metrics();
  // Every line but the last was counted, and the last one has no newline yet: a live log's last
  // line may be half written, so it waits. (A scrape collects the responses before the line
  // counts: this new scrape sees every response of the lines counted above.)
  ExpectCounts(metrics(), /*pending=*/1);

  testing::AppendFile(dir_.File("hostile.log"), "\n");
  ASSERT_TRUE(WaitFor(
      [&] {
        return SampleValue(metrics(), CountSeries("hostile", "parsed")) ==
               combined_.count(Expect::kParsed);
      },
      10s))
      << metrics();
  ExpectCounts(metrics(), /*pending=*/0, /*appended=*/1);
  EXPECT_TRUE(exporter.Running());
  EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
}

// The sparse file: a few lines, a hole of NUL bytes up to its size, a few lines. The hole is
// one line (no newline in it) far over the limit: skipped and counted once, never buffered.
// Measured on the 2-core reference machine: about 1.5 s (release) and 4 s (ASan) when the
// hole is read for the first time, so the file is 2 GiB in both builds.
constexpr off_t kSparseBytes = off_t{2} << 30;
constexpr off_t kReferenceBytes = off_t{64} << 20;

const std::string kSparseHead =
    Combined("200") + "\n" + Combined("404") + "\n" + Combined("500") + "\n";
const std::string kSparseTail = "\n" + Combined("200") + "\n" + Combined("429") + "\n";

void WriteSparseFile(const std::string& path, off_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, kSparseHead.data(), kSparseHead.size()),
            static_cast<ssize_t>(kSparseHead.size()));
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ASSERT_EQ(::pwrite(fd, kSparseTail.data(), kSparseTail.size(),
                     size - static_cast<off_t>(kSparseTail.size())),
            static_cast<ssize_t>(kSparseTail.size()));
  ::close(fd);
}

struct MeasuredRun {
  int status = -1;
  std::string out;
  std::chrono::milliseconds elapsed{0};
  long peak_rss_kib = 0;
};

// Runs the exporter with --oneshot on `log` and samples its peak RSS (VmHWM) every 20 ms until
// it exits, for at most `timeout` (then it is killed and status is -1). The high-water mark only
// grows, so the last sample holds the peak of everything but the last few milliseconds, in which
// the process only renders a few KiB of exposition.
MeasuredRun OneshotMeasured(const TempDir& dir, const std::string& log,
                            std::chrono::milliseconds timeout) {
  MeasuredRun run;
  const auto start = std::chrono::steady_clock::now();
  Process p({kBin, "--oneshot", "--log.file=" + log}, dir.File("out"), dir.File("err"));
  if (!p.started()) return run;
  WaitFor(
      [&] {
        run.peak_rss_kib = std::max(run.peak_rss_kib, testing::PeakRssKib(p.pid()));
        return !p.Running();
      },
      timeout);
  run.status = p.Wait(1s);
  run.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  run.out = testing::ReadFile(dir.File("out")) + testing::ReadFile(dir.File("err"));
  return run;
}

TEST(SparseFileTest, GiantNulRunIsOneSkippedLineReadInBoundedTimeAndMemory) {
  TempDir dir;
  const std::string path = dir.File("sparse.log");
  const std::string reference = dir.File("reference.log");
  WriteSparseFile(path, kSparseBytes);
  WriteSparseFile(reference, kReferenceBytes);

  const MeasuredRun small = OneshotMeasured(dir, reference, 60s);
  ASSERT_EQ(small.status, 0) << small.out.substr(0, 2000);
  const MeasuredRun big = OneshotMeasured(dir, path, 90s);
  ASSERT_EQ(big.status, 0) << big.out.substr(0, 2000);

  const std::string& out = big.out;
  const std::string log = "{log=\"" + path + "\"";
  EXPECT_EQ(SampleValue(out, "accesslog_lines_total" + log + ",result=\"parsed\"}"), 5) << out;
  EXPECT_EQ(SampleValue(out, "accesslog_lines_total" + log + ",result=\"skipped\"}"), 1);
  EXPECT_EQ(SampleValue(out, "accesslog_lines_total" + log + ",result=\"malformed\"}"), 0);
  EXPECT_EQ(SampleValue(out, "accesslog_bytes_read_total" + log + "}"),
            static_cast<double>(kSparseBytes));
  EXPECT_EQ(SampleValue(out, CodeSeries(200)), 2);

  std::cout << "sparse file of " << (kSparseBytes >> 20) << " MiB: " << big.elapsed.count()
            << " ms, peak RSS " << big.peak_rss_kib << " KiB; of " << (kReferenceBytes >> 20)
            << " MiB: " << small.elapsed.count() << " ms, peak RSS " << small.peak_rss_kib
            << " KiB\n";
  ASSERT_GT(small.peak_rss_kib, 0) << "never sampled";
  ASSERT_GT(big.peak_rss_kib, 0) << "never sampled";
  // The line buffer is --log.max-line-bytes + 256 KiB whatever the file holds: a file 32 times
  // larger must not take more memory (a little slack for the allocator).
  EXPECT_LT(big.peak_rss_kib, small.peak_rss_kib + 4 * 1024);
#ifndef ACCESSLOG_TEST_ASAN
  EXPECT_LT(big.peak_rss_kib, 64 * 1024);  // ASan's shadow memory and quarantine come close
#endif
}

}  // namespace
}  // namespace accesslog
