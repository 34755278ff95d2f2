// The TCP framer (RFC 6587): both framings, messages split across reads at every byte, the size
// limit, and streams that cannot be framed.
#include "listen/stream_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accesslog {
namespace {

struct Collect : FramedMessageHandler {
  std::vector<std::string> messages;
  int oversize = 0;
  void OnMessage(std::string_view m) override { messages.emplace_back(m); }
  void OnOversize() override { ++oversize; }
};

// Feeds `stream` in pieces of `piece` bytes.
Collect Frame(const std::string& stream, size_t piece, size_t max = 64, bool* ok = nullptr) {
  StreamFramer f(max);
  Collect c;
  bool good = true;
  for (size_t at = 0; at < stream.size() && good; at += piece) {
    good = f.Feed(std::string_view(stream).substr(at, piece), &c);
    EXPECT_LE(f.pending_bytes(), max);
  }
  if (ok) *ok = good;
  return c;
}

TEST(StreamFramerTest, NonTransparentAtEverySplit) {
  using namespace std::string_literals;
  const std::string s = "<13>a first\n<13>second\r\n<13>third\0<13>fourth\n"s;
  for (size_t piece = 1; piece <= s.size(); ++piece) {
    const Collect c = Frame(s, piece);
    EXPECT_EQ(c.messages,
              (std::vector<std::string>{"<13>a first", "<13>second", "<13>third", "<13>fourth"}))
        << piece;
  }
}

TEST(StreamFramerTest, OctetCountingAtEverySplit) {
  const std::string s = "11 <13>a first7 <13>sec3 a\nb";
  for (size_t piece = 1; piece <= s.size(); ++piece) {
    const Collect c = Frame(s, piece);
    EXPECT_EQ(c.messages, (std::vector<std::string>{"<13>a first", "<13>sec", "a\nb"})) << piece;
  }
}

TEST(StreamFramerTest, OverLongMessagesAreSkippedWhole) {
  const std::string big(100, 'x');
  for (size_t piece : {1, 7, 64, 1000}) {
    Collect c = Frame("<13>ok\n" + big + "\n<13>after\n", piece);
    EXPECT_EQ(c.messages, (std::vector<std::string>{"<13>ok", "<13>after"})) << piece;
    EXPECT_EQ(c.oversize, 1) << piece;
    c = Frame("6 <13>ok100 " + big + "8 <13>next", piece);
    EXPECT_EQ(c.messages, (std::vector<std::string>{"<13>ok", "<13>next"})) << piece;
    EXPECT_EQ(c.oversize, 1) << piece;
  }
}

TEST(StreamFramerTest, ExactlyTheLimitIsKept) {
  const std::string m(64, 'y');
  EXPECT_EQ(Frame("<" + m.substr(1) + "\n", 5).messages.size(), 1u);
  EXPECT_EQ(Frame("64 " + m, 5).messages.size(), 1u);
}

TEST(StreamFramerTest, BadLengthsBreakTheStream) {
  for (const char* s : {"12x <13>m", "0 ", "1234567890 x", "07 <13>abc"}) {
    bool ok = true;
    Frame(s, 100, 64, &ok);
    EXPECT_FALSE(ok) << s;
  }
}

TEST(StreamFramerTest, EmptyLinesAreNotMessages) {
  EXPECT_EQ(Frame("\n\r\n<13>m\n\n", 3).messages, (std::vector<std::string>{"<13>m"}));
}

TEST(StreamFramerTest, ReleaseMemoryOnlyWhenEmpty) {
  StreamFramer f(64);
  Collect c;
  ASSERT_TRUE(f.Feed("<13>partial", &c));
  f.ReleaseMemory();
  EXPECT_EQ(f.pending_bytes(), 11u);
  ASSERT_TRUE(f.Feed(" end\n", &c));
  EXPECT_EQ(c.messages, (std::vector<std::string>{"<13>partial end"}));
  EXPECT_EQ(f.framing(), StreamFramer::Framing::kNonTransparent);
}

}  // namespace
}  // namespace accesslog
