// The TCP framer (RFC 6587): the framing decided message by message, messages split across
// reads at every byte, the size limit, a byte-order mark at the start of the stream, and what
// a cut stream leaves. Cases from what rsyslog, Vector and fluent-bit accept: plain access lines
// that start with an address, a sender that switches framings, a stray LF after an
// octet-counted message.
#include "listen/stream_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace accesslog {
namespace {

using namespace std::string_literals;

struct Collect : FramedMessageHandler {
  std::vector<std::string> messages;
  int oversize = 0;
  void OnMessage(std::string_view m) override { messages.emplace_back(m); }
  void OnOversize() override { ++oversize; }
};

// Feeds `stream` in pieces of `piece` bytes.
Collect Frame(const std::string& stream, size_t piece, size_t max = 64,
              bool* mid_message = nullptr) {
  StreamFramer f(max);
  Collect c;
  for (size_t at = 0; at < stream.size(); at += piece) {
    f.Feed(std::string_view(stream).substr(at, piece), &c);
    EXPECT_LE(f.pending_bytes(), max);
  }
  if (mid_message) *mid_message = f.mid_message();
  return c;
}

struct Case {
  const char* name;
  std::string stream;
  std::vector<std::string> messages;
  int oversize = 0;
  bool cut = false;  // the stream ends inside a message
};

constexpr size_t kMax = 128;
const std::string kAccess = R"(192.0.2.10 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5)";

const Case kCases[] = {
    {"NonTransparent",
     "<13>a first\n<13>second\r\n<13>third\0<13>fourth\n"s,
     {"<13>a first", "<13>second", "<13>third", "<13>fourth"}},
    {"OctetCounting", "11 <13>a first7 <13>sec5 <1>\nb", {"<13>a first", "<13>sec", "<1>\nb"}},
    // Plain access lines start with digits: an address is no length.
    {"AccessLinesStartingWithAnAddress", kAccess + "\n" + kAccess + "\n", {kAccess, kAccess}},
    {"DigitsAndASpaceButNoPriority",
     "12345 is a number\n200 OK\n",
     {"12345 is a number", "200 OK"}},
    {"TenDigitsAreNoLength", "1234567890 <13>x\n", {"1234567890 <13>x"}},
    {"ALeadingZeroIsNoLength", "07 <13>abc\n0 <13>x\n", {"07 <13>abc", "0 <13>x"}},
    {"DigitsThenLf", "123\n", {"123"}},
    // The framing is each message's own.
    {"OctetCountedThenLf", "7 <13>one<13>two\n7 <13>thr", {"<13>one", "<13>two", "<13>thr"}},
    {"LfThenOctetCounted", "<13>one\n7 <13>two" + kAccess + "\n", {"<13>one", "<13>two", kAccess}},
    {"StrayLfAfterAnOctetCountedMessage",
     "7 <13>one\n7 <13>two\r\n7 <13>thr",
     {"<13>one", "<13>two", "<13>thr"}},
    {"EmptyLinesAreNotMessages", "\n\r\n<13>m\n\n", {"<13>m"}},
    // A byte-order mark at the start of the stream, and only there, is not part of a message.
    {"ByteOrderMarkFirst", "\xEF\xBB\xBF<13>m\n<13>n\n", {"<13>m", "<13>n"}},
    {"ByteOrderMarkBeforeALength",
     "\xEF\xBB\xBF"
     "7 <13>one",
     {"<13>one"}},
    {"ByteOrderMarkBeforeAnAccessLine", "\xEF\xBB\xBF" + kAccess + "\n", {kAccess}},
    {"HalfAByteOrderMark", "\xEF\xBBx\n", {"\xEF\xBBx"}},
    {"AByteOrderMarkLaterIsKept", "<13>a\n\xEF\xBB\xBF<13>b\n", {"<13>a", "\xEF\xBB\xBF<13>b"}},
    // Cut streams.
    {"CutInsideALength", "7 <13>one12", {"<13>one"}, 0, true},
    {"CutInsideACountedMessage", "9 <13>one", {}, 0, true},
    {"CutInsideALine", "<13>one\n<13>tw", {"<13>one"}, 0, true},
    {"CutInsideAByteOrderMark", "\xEF\xBB", {}, 0, true},
    {"NotCut", "7 <13>one<13>two\n", {"<13>one", "<13>two"}},
    // Over the limit (kMax): skipped whole, never cut into pieces.
    {"OverLongLine",
     "<13>ok\n" + std::string(200, 'x') + "\n<13>after\n",
     {"<13>ok", "<13>after"},
     1},
    {"OverLongCounted",
     "6 <13>ok200 <" + std::string(199, 'x') + "8 <13>next",
     {"<13>ok", "<13>next"},
     1},
    {"ExactlyTheLimitIsKept",
     "128 <" + std::string(127, 'y') + "<" + std::string(127, 'y') + "\n",
     {"<" + std::string(127, 'y'), "<" + std::string(127, 'y')}},
};

class StreamFramerTest : public ::testing::TestWithParam<Case> {};

TEST_P(StreamFramerTest, AtEverySplit) {
  const Case& c = GetParam();
  for (size_t piece = 1; piece <= c.stream.size(); ++piece) {
    bool cut = false;
    const Collect got = Frame(c.stream, piece, kMax, &cut);
    EXPECT_EQ(got.messages, c.messages) << "reads of " << piece;
    EXPECT_EQ(got.oversize, c.oversize) << "reads of " << piece;
    EXPECT_EQ(cut, c.cut) << "reads of " << piece;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, StreamFramerTest, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(StreamFramerTest, EachMessageSaysItsFraming) {
  StreamFramer f(64);
  Collect c;
  EXPECT_EQ(f.framing(), StreamFramer::Framing::kUnknown);
  f.Feed("7 <13>one", &c);
  EXPECT_EQ(f.framing(), StreamFramer::Framing::kOctetCounting);
  f.Feed("<13>two\n", &c);
  EXPECT_EQ(f.framing(), StreamFramer::Framing::kNonTransparent);
}

TEST(StreamFramerTest, ReleaseMemoryOnlyWhenEmpty) {
  StreamFramer f(64);
  Collect c;
  f.Feed("<13>partial", &c);
  f.ReleaseMemory();
  EXPECT_EQ(f.pending_bytes(), 11u);
  f.Feed(" end\n", &c);
  EXPECT_EQ(c.messages, (std::vector<std::string>{"<13>partial end"}));
}

}  // namespace
}  // namespace accesslog
