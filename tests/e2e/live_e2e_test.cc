// End to end, a live log and its scrapes: the real exporter binary follows a file that is
// written a line at a time while the read batching window (--tail.batch-window) holds reads
// back; every scrape still counts every line whose write(2) returned before it began, because
// a scrape has the tailer read what is pending first (docs/tailing.md, "A scrape reads first").
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <thread>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::AppendFile;
using testing::HttpGet;
using testing::Process;
using testing::SampleValue;
using testing::TempDir;
using testing::WriteFile;

// accesslog_lines_total{log=LOG,result="parsed"}: a --log.file source is named by its path.
double Parsed(int port, const std::string& log) {
  return SampleValue(HttpGet(port, "/metrics").value_or(""),
                     "accesslog_lines_total{log=\"" + log + "\",result=\"parsed\"}")
      .value_or(-1);
}

std::string Line(int i) {
  return "127.0.0.1 - - [02/Dec/2026:06:00:00 +0000] \"GET /items/" + std::to_string(i) +
         " HTTP/1.1\" 200 12 \"-\" \"live-e2e\"\n";
}

TEST(LiveEndToEndTest, EveryScrapeCountsWhatWasWrittenBeforeItDespiteTheBatchWindow) {
  TempDir dir;
  const std::string log = dir.File("access.log");
  WriteFile(log, "");
  const std::string err = dir.File("exporter.err");
  // A window far longer than the test: without the scrape's catch-up, batched lines would not
  // be counted before it ends.
  testing::ExporterProcess exporter(
      {"--log.file=" + log, "--log.format=combined", "--tail.batch-window=10000"},
      dir.File("exporter.out"), err);
  ASSERT_TRUE(exporter.Ready()) << exporter.log();
  const int port = exporter.port();
  // Two writes close together start the batching; then each scrape must see every write so far.
  int written = 0;
  for (int round = 0; round < 40; ++round) {
    for (int k = 0; k < 5; ++k) AppendFile(log, Line(written++));
    ASSERT_EQ(Parsed(port, log), written) << "round " << round << ": a scrape missed lines";
  }
  EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
}

}  // namespace
}  // namespace accesslog
