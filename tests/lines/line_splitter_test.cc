// The lines stage: LineSplitter cuts bytes into lines with a bounded buffer, and one splitter
// serves several files in turn through their LineCarry.
#include "lines/line_splitter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "support/recording_sink.h"

namespace accesslog {
namespace {

using testing::RecordingSink;

void Feed(LineSplitter* s, std::string_view bytes, LineSink* sink) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), s->WritableBytes());
    std::copy_n(bytes.data(), n, s->WritePtr());
    s->Commit(n, sink);
    bytes.remove_prefix(n);
  }
}

TEST(LineSplitterTest, SplitsLinesAndWaitsForAPartialLine) {
  LineSplitter s(64, 16);
  RecordingSink sink;
  Feed(&s, "one\ntwo\nthr", &sink);
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(s.pending_bytes(), 3u);
  Feed(&s, "ee\n", &sink);
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(s.pending_bytes(), 0u);
}

TEST(LineSplitterTest, StripsCrlfAndKeepsEmptyLinesAndNulBytes) {
  LineSplitter s(64, 16);
  RecordingSink sink;
  Feed(&s, std::string("a\r\n\nb\0c\n", 9), &sink);
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"a", "", std::string("b\0c", 3)}));
}

TEST(LineSplitterTest, DropsOverlongLinesWholeAndRecovers) {
  LineSplitter s(/*max_line_bytes=*/10, /*read_chunk_bytes=*/4);
  RecordingSink sink;
  Feed(&s, "short\n" + std::string(1000, 'x') + "\nafter\n" + std::string(11, 'y') + "\nok\n",
       &sink);
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"short", "after", "ok"}));
  EXPECT_EQ(sink.overlong_, 2);
}

TEST(LineSplitterTest, AcceptsALineOfExactlyTheMaximum) {
  LineSplitter s(10, 4);
  RecordingSink sink;
  Feed(&s, std::string(10, 'z') + "\n", &sink);
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{std::string(10, 'z')}));
  EXPECT_EQ(sink.overlong_, 0);
}

TEST(LineSplitterTest, FlushHandsOverTheUnterminatedLastLine) {
  LineSplitter s(64, 16);
  RecordingSink sink;
  Feed(&s, "a\nlast", &sink);
  s.Flush(&sink);
  EXPECT_EQ(sink.lines(), (std::vector<std::string>{"a", "last"}));
}

// Checks the OnPaddedLine promise: kLinePaddingBytes readable bytes follow every line (under
// AddressSanitizer a read past the buffer fails the test), and the line itself is unchanged.
class PaddingSink : public LineSink {
 public:
  void OnLine(std::string_view line) override { plain_.emplace_back(line); }
  void OnPaddedLine(std::string_view line) override {
    for (size_t i = 0; i < kLinePaddingBytes; ++i) {
      volatile unsigned char byte = static_cast<unsigned char>(line.data()[line.size() + i]);
      (void)byte;
    }
    padded_.emplace_back(line);
  }
  void OnOverlongLine() override {}
  void OnBytesRead(size_t) override {}
  void OnRotation() override {}

  std::vector<std::string> plain_;
  std::vector<std::string> padded_;
};

TEST(LineSplitterTest, HandsOutPaddedLinesUpToTheEndOfItsBuffer) {
  // Lines that end at the very end of the buffer (max_line + read_chunk bytes) and a flushed
  // last line: each is followed by the padding.
  LineSplitter s(/*max_line_bytes=*/8, /*read_chunk_bytes=*/4);
  PaddingSink sink;
  Feed(&s, "12345678\nabc\n" + std::string(11, 'x') + "\n1234567\nlast", &sink);
  s.Flush(&sink);
  EXPECT_TRUE(sink.plain_.empty());
  EXPECT_EQ(sink.padded_, (std::vector<std::string>{"12345678", "abc", "1234567", "last"}));
}

// One splitter serves two files in turn; each file's partial line waits in its own carry.
TEST(LineCarryTest, OneSplitterServesTwoFilesInTurn) {
  LineSplitter s(/*max_line_bytes=*/64, /*read_chunk_bytes=*/16);
  RecordingSink sink;
  LineCarry a, b;
  const auto feed = [&](LineCarry* carry, std::string_view bytes) {
    s.Load(*carry);
    std::copy_n(bytes.data(), bytes.size(), s.WritePtr());
    s.Commit(bytes.size(), &sink);
    s.Store(carry);
  };
  feed(&a, "a1\na2-hal");
  feed(&b, "b1-hal");
  feed(&a, "f\n");
  feed(&b, "f\nb2\n");
  EXPECT_EQ(sink.seen(),
            (std::map<std::string, int>{{"a1", 1}, {"a2-half", 1}, {"b1-half", 1}, {"b2", 1}}));
  EXPECT_TRUE(a.bytes.empty());
  EXPECT_TRUE(b.bytes.empty());
}

}  // namespace
}  // namespace accesslog
