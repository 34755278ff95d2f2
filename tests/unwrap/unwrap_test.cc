// The container log envelopes: each decoder on a table of records, then the Unwrapper's
// reassembly, stream filter and bounds on sequences of records as runtimes write them.
#include "unwrap/unwrap.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "unwrap/docker_scan.h"
#include "unwrap/envelope.h"

namespace accesslog {
namespace {

constexpr size_t kMax = 64 * 1024;
constexpr size_t kSplit = 16 * 1024;  // where containerd and Docker split a long line

// What the unwrapper hands on, as one string per event: "line:<text>", "dropped", "malformed",
// "overlong", "end", "rotation".
class EventSink : public MessageSink {
 public:
  void OnLine(std::string_view line) override { events.push_back("line:" + std::string(line)); }
  void OnPaddedLine(std::string_view line) override {
    ++padded;
    OnLine(line);
  }
  void OnOverlongLine() override { events.emplace_back("overlong"); }
  void OnBytesRead(size_t) override {}
  void OnRotation() override { events.emplace_back("rotation"); }
  void OnEndOfFile() override { events.emplace_back("end"); }
  void OnDroppedLine() override { events.emplace_back("dropped"); }
  void OnMalformedRecord() override { events.emplace_back("malformed"); }
  std::vector<std::string> events;
  int padded = 0;
};

// --- the decoders -----------------------------------------------------------------------------

struct CriCase {
  const char* name;
  std::string line;
  bool ok;
  LogStream stream;
  bool partial;
  std::string time;
  std::string message;
};

TEST(CriTest, Table) {
  const std::vector<CriCase> cases = {
      {"final stdout", "2024-01-02T03:04:05.123456789Z stdout F GET / 200", true,
       LogStream::kStdout, false, "2024-01-02T03:04:05.123456789Z", "GET / 200"},
      {"partial stderr", "2024-01-02T03:04:05.1Z stderr P abc", true, LogStream::kStderr, true,
       "2024-01-02T03:04:05.1Z", "abc"},
      {"time without nanoseconds", "2024-01-02T03:04:05Z stdout F x", true, LogStream::kStdout,
       false, "2024-01-02T03:04:05Z", "x"},
      {"time with an offset", "2024-01-02T03:04:05.5+02:00 stdout F x", true, LogStream::kStdout,
       false, "2024-01-02T03:04:05.5+02:00", "x"},
      {"more tags", "2024-01-02T03:04:05Z stdout F:x y", true, LogStream::kStdout, false,
       "2024-01-02T03:04:05Z", "y"},
      {"empty final message", "2024-01-02T03:04:05Z stdout F", true, LogStream::kStdout, false,
       "2024-01-02T03:04:05Z", ""},
      {"empty message after the space", "2024-01-02T03:04:05Z stdout F ", true, LogStream::kStdout,
       false, "2024-01-02T03:04:05Z", ""},
      {"message keeps its spaces", "2024-01-02T03:04:05Z stdout F  a  b ", true, LogStream::kStdout,
       false, "2024-01-02T03:04:05Z", " a  b "},
      {"not a time", "yesterday stdout F x", false},
      {"month 13", "2024-13-02T03:04:05Z stdout F x", false},
      {"no zone", "2024-01-02T03:04:05 stdout F x", false},
      {"empty fraction", "2024-01-02T03:04:05.Z stdout F x", false},
      {"unknown stream", "2024-01-02T03:04:05Z stdin F x", false},
      {"unknown tag", "2024-01-02T03:04:05Z stdout X x", false},
      {"tag glued to text", "2024-01-02T03:04:05Z stdout Fx y", false},
      {"no tag", "2024-01-02T03:04:05Z stdout ", false},
      {"empty", "", false},
      {"a plain access log line", "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /\" 200 2",
       false},
  };
  for (const auto& c : cases) {
    Record r;
    const DecodeResult got = DecodeCri(c.line, &r);
    ASSERT_EQ(got == DecodeResult::kOk, c.ok) << c.name;
    if (!c.ok) continue;
    EXPECT_EQ(r.stream, c.stream) << c.name;
    EXPECT_EQ(r.partial, c.partial) << c.name;
    EXPECT_EQ(r.time, c.time) << c.name;
    EXPECT_EQ(r.message, c.message) << c.name;
  }
}

struct DockerCase {
  const char* name;
  std::string line;
  bool ok;
  LogStream stream;
  bool partial;
  std::string time;
  std::string message;
};

TEST(DockerTest, Table) {
  const std::vector<DockerCase> cases = {
      {"final stdout", R"({"log":"GET / 200\n","stream":"stdout","time":"2024-01-02T03:04:05.1Z"})",
       true, LogStream::kStdout, false, "2024-01-02T03:04:05.1Z", "GET / 200"},
      {"partial stderr", R"({"log":"abc","stream":"stderr","time":"2024-01-02T03:04:05Z"})", true,
       LogStream::kStderr, true, "2024-01-02T03:04:05Z", "abc"},
      {"escapes are decoded", R"({"log":"a \"q\" \\ \u00e9\t\n","stream":"stdout"})", true,
       LogStream::kStdout, false, "", "a \"q\" \\ \xc3\xa9\t"},
      {"keys in another order and attrs",
       R"({"stream":"stdout","attrs":{"k":["v"]},"time":"t","log":"x\n"})", true,
       LogStream::kStdout, false, "t", "x"},
      {"crlf keeps its \\r for the unwrapper", R"({"log":"x\r\n","stream":"stdout"})", true,
       LogStream::kStdout, false, "", "x\r"},
      {"invalid JSON", R"({"log":"x\n","stream":"stdout")", false},
      {"trailing garbage", R"({"log":"x\n","stream":"stdout"} x)", false},
      {"log not a string", R"({"log":5,"stream":"stdout"})", false},
      {"no log", R"({"stream":"stdout"})", false},
      {"no stream", R"({"log":"x\n"})", false},
      {"unknown stream", R"({"log":"x\n","stream":"tty"})", false},
      {"an array", R"(["log","x"])", false},
      {"bad escape", R"({"log":"\q\n","stream":"stdout"})", false},
      {"empty", "", false},
  };
  DockerDecoder d(kMax);
  for (const auto& c : cases) {
    for (const bool padded : {false, true}) {
      std::string buf = c.line + std::string(kDockerPaddingBytes, '}');
      Record r;
      const DecodeResult got = d.Decode(std::string_view(buf.data(), c.line.size()), padded, &r);
      ASSERT_EQ(got == DecodeResult::kOk, c.ok) << c.name << " padded=" << padded;
      if (!c.ok) continue;
      EXPECT_EQ(r.stream, c.stream) << c.name;
      EXPECT_EQ(r.partial, c.partial) << c.name;
      EXPECT_EQ(r.time, c.time) << c.name;
      EXPECT_EQ(r.message, c.message) << c.name;
    }
  }
}

// Docker's own layout goes through the direct scan; the same records through simdjson only
// must give the same answer, field by field (and the direct path's message is padded).
TEST(DockerTest, TheDirectPathAgreesWithSimdjson) {
  const std::string long_log = std::string(100, 'a') + R"(\"q\" )" + std::string(37, 'b');
  const std::vector<std::string> logs = {
      R"(GET / 200\n)",
      R"(1.2.3.4 - - [06/May/2024:07:08:09 +0000] \"GET /a?x=1\u0026y=2 HTTP/1.1\" 200 5\n)",
      R"(tab\t cr\r\n)",
      R"(partial, no newline)",
      "",
      R"(\u00e9 \u20ac \u0000 \/ \b\f)",
      "caf\xc3\xa9 raw UTF-8\\n",
      long_log + R"(\n)",
      std::string(16, 'x') + R"(\")" + std::string(15, 'y'),
      // Not handled by the direct path; simdjson decides (valid or not) in both.
      R"(\ud83d\ude00 a surrogate pair\n)",
      R"(\q bad escape)",
      "raw \x01 control",
      "bad UTF-8 \xc3\x28",
      R"(ends in a backslash \)",
      R"(short \u12)",
  };
  const std::vector<std::string> tails = {
      R"(","stream":"stdout","time":"2024-05-06T07:08:09.123456789Z"})",
      R"(","stream":"stderr","time":"2024-05-06T07:08:09Z"})",
      R"(","stream":"stdout","time":""})",
      R"(","stream":"stdout","attrs":{"a":"b"},"time":"t"})",  // attrs: simdjson's
      R"(","stream":"stdout","time":"t"} )",                   // a blank after: simdjson's
      R"(","stream":"stdout","time":"t\u0031"})",              // an escaped time: simdjson's
      R"(","stream":"stdout","time":"t")",                     // invalid
      R"(","stream":"tty","time":"t"})",                       // invalid
  };
  DockerDecoder d(kMax);
  int direct = 0;
  for (const std::string& log : logs) {
    for (const std::string& tail : tails) {
      const std::string line = R"({"log":")" + log + tail;
      const std::string buf = line + std::string(kDockerPaddingBytes, ' ');
      Record a, b;
      const DecodeResult ra = d.Decode(line, false, &a);
      const std::string message(a.message), time(a.time);
      const bool padded = a.message_padded;
      const DecodeResult rb =
          d.DecodeAnyLayout(std::string_view(buf.data(), line.size()), true, &b);
      ASSERT_EQ(ra, rb) << line;
      if (ra != DecodeResult::kOk) continue;
      EXPECT_EQ(message, b.message) << line;
      EXPECT_EQ(time, b.time) << line;
      EXPECT_EQ(a.stream, b.stream) << line;
      EXPECT_EQ(a.partial, b.partial) << line;
      EXPECT_FALSE(b.message_padded);
      direct += padded;
    }
  }
  // The first nine logs with the first three tails are Docker's layout: all read directly.
  EXPECT_EQ(direct, 9 * 3);
}

// Every scan this CPU can run (the block scans take 64 bytes at a time, so an escape may fall
// on either side of a block's edge, a run of backslashes may cross one, and the closing quote
// may be a block's first byte) against simdjson, read in place and from a copy.
TEST(DockerTest, EveryScanAgreesWithSimdjsonAcrossBlockEdges) {
  const std::vector<std::string> snippets = {
      R"(\")",    R"(\\)",    R"(\/)",     R"(\\\")",   R"(\\\\)",         R"(\"\")",
      R"(\n)",    R"(\t)",    R"(\u0041)", R"(\u00e9)", R"(\q)",           "\x01",
      "\xc3\xa9", R"(\\x22)", R"(\)",      R"(\\\)",    R"(\ud83d\ude00)",
  };
  const std::string tail = R"(","stream":"stdout","time":"2024-05-06T07:08:09.123456789Z"})";
  const DockerScan best = CurrentDockerScan();
  DockerDecoder d(kMax);
  int cases = 0;
  for (const DockerScan scan :
       {DockerScan::kScalar, DockerScan::kAvx2, DockerScan::kAvx512, DockerScan::kNeon}) {
    if (!SetDockerScanForTesting(scan)) continue;
    for (size_t k = 0; k < 140; ++k) {
      for (const std::string& snippet : snippets) {
        for (const char* end : {R"(\n)", "", R"(x\n)"}) {
          const std::string line =
              R"({"log":")" + std::string(k, 'a') + snippet + std::string(k % 5, 'b') + end + tail;
          // The padding holds quotes and backslashes: the scans must not take them as the line's.
          const std::string buf = line + std::string(kDockerPaddingBytes, '"') + "\\\\";
          Record a, b, c;
          const DecodeResult ra = d.Decode(line, false, &a);
          const std::string message(a.message), time(a.time);
          const bool partial = a.partial;
          const DecodeResult rb = d.Decode(std::string_view(buf.data(), line.size()), true, &b);
          const std::string message_b(b.message);
          const DecodeResult rc = d.DecodeAnyLayout(line, false, &c);
          ASSERT_EQ(ra, rc) << line;
          ASSERT_EQ(rb, rc) << line;
          ++cases;
          if (rc != DecodeResult::kOk) continue;
          EXPECT_EQ(message, c.message) << line;
          EXPECT_EQ(message_b, c.message) << line;
          EXPECT_EQ(time, c.time) << line;
          EXPECT_EQ(partial, c.partial) << line;
        }
      }
    }
  }
  ASSERT_TRUE(SetDockerScanForTesting(best));
  EXPECT_GT(cases, 0);
}

// What one scan makes of a record, read from a copy (no padding) and in place (padding full of
// quotes and backslashes, which must not be taken for the line's).
struct ScanOutcome {
  DecodeResult copy_result, padded_result;
  std::string copy_message, padded_message, time;
  bool direct = false, partial = false;
  LogStream stream = LogStream::kStdout;
  bool operator==(const ScanOutcome&) const = default;
};

ScanOutcome DecodeWith(DockerScan scan, DockerDecoder& d, const std::string& line) {
  EXPECT_TRUE(SetDockerScanForTesting(scan));
  const std::string buf = line + std::string(kDockerPaddingBytes, '"') + "\\\\";
  ScanOutcome o;
  Record a, b;
  o.copy_result = d.Decode(line, false, &a);
  o.copy_message = a.message;
  o.time = a.time;
  o.direct = a.message_padded;  // only the direct path (a scan that succeeded) pads
  o.partial = a.partial;
  o.stream = a.stream;
  o.padded_result = d.Decode(std::string_view(buf.data(), line.size()), true, &b);
  o.padded_message = b.message;
  return o;
}

// Each vector scan this CPU can run (AVX2 and AVX-512 on x86-64, NEON on arm64, where this test
// runs under qemu-aarch64-static) against the scalar scan, record by record: the same result,
// message, time and stream, and the same path (a vector scan hands what it does not take to
// the scalar scan, never to simdjson). Every escape at every offset of the first two 64-byte
// blocks, \u escapes of 1 to 3 UTF-8 bytes, surrogate pairs and lone surrogates, invalid
// escapes, raw control and non-ASCII bytes, runs of backslashes, partial records (no final
// \n), records cut inside "log", and pseudo-random mixes of them.
TEST(DockerTest, EveryVectorScanAgreesWithTheScalarScan) {
  const std::vector<std::string> pieces = {
      R"(\")",     R"(\\)",     R"(\/)",     R"(\\\")",         R"(\\\\\")", R"(\\\\\\)",
      R"(\n)",     R"(\t)",     R"(\r)",     R"(\b)",           R"(\f)",     R"(\u0041)",
      R"(\u00e9)", R"(\u20AC)", R"(\u0000)", R"(\ud83d\ude00)", R"(\ud83d)", R"(\ude00)",
      R"(\u00G1)", R"(\u12)",   R"(\q)",     R"(\x41)",         R"(\')",     "\x01",
      "\x1f",      "\t",        "\x7f",      "\xc3\xa9",        "\xff",      R"(\)",
      R"(\\n)",    "/",         "n",         R"(\n\n)",
  };
  const std::string tail = R"(","stream":"stdout","time":"2024-05-06T07:08:09.123456789Z"})";
  const std::string stderr_tail = R"(","stream":"stderr","time":"2024-05-06T07:08:09Z"})";
  std::vector<std::string> lines;
  for (size_t k = 0; k < 132; ++k) {
    for (const std::string& piece : pieces) {
      const std::string head = R"({"log":")" + std::string(k, 'a') + piece;
      lines.push_back(head + R"(\n)" + tail);                  // a whole line
      lines.push_back(head + std::string(k % 7, 'b') + tail);  // a partial record
      lines.push_back(head + R"(x\n)" + stderr_tail);          // stderr
      lines.push_back(head);                                   // cut inside "log"
      lines.push_back(head + R"(\n")");                        // cut after "log"
    }
  }
  // Pseudo-random mixes (xorshift, fixed seed): several escapes per block, across block edges.
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int n = 0; n < 3000; ++n) {
    std::string log;
    const size_t parts = 1 + n % 40;
    for (size_t k = 0; k < parts; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      if (x % 3 == 0) {
        log += pieces[(x >> 8) % pieces.size()];
      } else {
        log += std::string((x >> 16) % 24, static_cast<char>('c' + (x >> 24) % 20));
      }
    }
    lines.push_back(R"({"log":")" + log + (n % 2 == 0 ? R"(\n)" : "") + tail);
  }

  const DockerScan best = CurrentDockerScan();
  DockerDecoder d(kMax);
  int compared = 0, direct = 0;
  for (const DockerScan scan : {DockerScan::kAvx2, DockerScan::kAvx512, DockerScan::kNeon}) {
    if (!DockerScanSupported(scan)) continue;
    for (const std::string& line : lines) {
      const ScanOutcome want = DecodeWith(DockerScan::kScalar, d, line);
      const ScanOutcome got = DecodeWith(scan, d, line);
      ASSERT_EQ(got.copy_result, want.copy_result) << static_cast<int>(scan) << " " << line;
      ASSERT_EQ(got.padded_result, want.padded_result) << static_cast<int>(scan) << " " << line;
      ASSERT_EQ(got, want) << static_cast<int>(scan) << " " << line
                           << "\n  scalar: " << want.copy_message
                           << "\n  vector: " << got.copy_message;
      ++compared;
      direct += want.direct;
    }
  }
  ASSERT_TRUE(SetDockerScanForTesting(best));
#if defined(__aarch64__)
  EXPECT_EQ(best, DockerScan::kNeon);
  EXPECT_GT(compared, 0);
#endif
  // Most lines go through the direct path; the rest test the hand-over to simdjson.
  if (compared > 0) {
    EXPECT_GT(direct, compared / 3);
  }
}

TEST(DockerTest, ARecordLongerThanTheMaximumIsInvalid) {
  DockerDecoder d(256);
  Record r;
  const std::string line = R"({"log":")" + std::string(300, 'a') + R"(\n","stream":"stdout"})";
  EXPECT_EQ(d.Decode(line, false, &r), DecodeResult::kInvalid);
}

TEST(PickerTest, JsonIsDockerAnythingElseIsCri) {
  EXPECT_EQ(PickEnvelope(R"({"log":"x"})"), Envelope::kDocker);
  EXPECT_EQ(PickEnvelope(R"(  {"log":"x"})"), Envelope::kDocker);
  EXPECT_EQ(PickEnvelope("2024-01-02T03:04:05Z stdout F x"), Envelope::kCri);
  EXPECT_EQ(PickEnvelope(""), Envelope::kCri);
}

TEST(WrapperNamesTest, RoundTrip) {
  for (Wrapper w : {Wrapper::kNone, Wrapper::kCri, Wrapper::kDocker, Wrapper::kAuto}) {
    Wrapper back = Wrapper::kNone;
    ASSERT_TRUE(ParseWrapper(WrapperName(w), &back));
    EXPECT_EQ(back, w);
  }
  Wrapper w;
  EXPECT_FALSE(ParseWrapper("json-file", &w));
  LogStream s;
  EXPECT_TRUE(ParseLogStream("stderr", &s));
  EXPECT_EQ(s, LogStream::kStderr);
  EXPECT_FALSE(ParseLogStream("stdin", &s));
}

// --- reassembly -------------------------------------------------------------------------------

std::string Cri(const char* stream, char tag, std::string_view msg) {
  return "2024-01-02T03:04:05.000000001Z " + std::string(stream) + " " + tag + " " +
         std::string(msg);
}

std::string Docker(const char* stream, std::string_view log) {
  std::string escaped;
  for (char c : log) {
    if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\r') {
      escaped += "\\r";
    } else if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += c;
    } else {
      escaped += c;
    }
  }
  return R"({"log":")" + escaped + R"(","stream":")" + stream +
         R"(","time":"2024-01-02T03:04:05.1Z"})";
}

// A line as the runtime writes it: in kSplit pieces, P (or no "\n") on all but the last.
std::vector<std::string> Split(Wrapper w, const char* stream, const std::string& line) {
  std::vector<std::string> out;
  for (size_t at = 0; at < line.size() || out.empty(); at += kSplit) {
    const std::string piece = line.substr(at, kSplit);
    const bool last = at + kSplit >= line.size();
    if (w == Wrapper::kCri) {
      out.push_back(Cri(stream, last ? 'F' : 'P', piece));
    } else {
      out.push_back(Docker(stream, last ? piece + "\n" : piece));
    }
  }
  return out;
}

std::vector<std::string> Feed(Wrapper w, const std::vector<std::string>& lines,
                              UnwrapOptions options = {}, size_t max = kMax) {
  options.wrapper = w;
  EventSink sink;
  DockerDecoder docker(max + 4096);
  Unwrapper u(options, max, &sink, &docker);
  for (const auto& l : lines) u.OnLine(l);
  u.OnEndOfFile();
  EXPECT_EQ(u.pending_bytes(), 0u);
  return sink.events;
}

std::string Long(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "GET /p" + std::to_string(i) + " ";
  s.resize(n);
  return s;
}

class ReassemblyTest : public ::testing::TestWithParam<Wrapper> {};
INSTANTIATE_TEST_SUITE_P(Envelopes, ReassemblyTest,
                         ::testing::Values(Wrapper::kCri, Wrapper::kDocker, Wrapper::kAuto),
                         [](const ::testing::TestParamInfo<Wrapper>& p) {
                           return std::string(WrapperName(p.param));
                         });

// The envelope a test writes in: auto reads cri (the docker run covers auto's other branch in
// AutoChoosesPerFile).
Wrapper Writes(Wrapper w) { return w == Wrapper::kDocker ? Wrapper::kDocker : Wrapper::kCri; }

TEST_P(ReassemblyTest, ALineSplitAt16KiBIsOneLine) {
  const std::string line = Long(3 * kSplit + 100);
  const auto records = Split(Writes(GetParam()), "stdout", line);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(Feed(GetParam(), records), (std::vector<std::string>{"line:" + line, "end"}));
}

TEST_P(ReassemblyTest, ALineOfExactly16KiBIsOneRecord) {
  const std::string line = Long(kSplit);
  const auto records = Split(Writes(GetParam()), "stdout", line);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(Feed(GetParam(), records), (std::vector<std::string>{"line:" + line, "end"}));
}

TEST_P(ReassemblyTest, APartialWithoutItsEndIsHandedOnAtTheEndOfTheFile) {
  auto records = Split(Writes(GetParam()), "stdout", Long(2 * kSplit));
  records.pop_back();  // the final piece never comes
  EXPECT_EQ(Feed(GetParam(), records),
            (std::vector<std::string>{"line:" + Long(2 * kSplit).substr(0, kSplit), "end"}));
}

TEST_P(ReassemblyTest, InterleavedStdoutAndStderrPartialsAreReassembledPerStream) {
  const std::string out = Long(kSplit + 10), err = "E" + Long(kSplit + 20);
  const auto o = Split(Writes(GetParam()), "stdout", out);
  const auto e = Split(Writes(GetParam()), "stderr", err);
  UnwrapOptions both;
  both.streams = {true, true};
  EXPECT_EQ(Feed(GetParam(), {o[0], e[0], o[1], e[1]}, both),
            (std::vector<std::string>{"line:" + out, "line:" + err, "end"}));
  // With stdout only (the default), the stderr line is one dropped line, at its end.
  EXPECT_EQ(Feed(GetParam(), {o[0], e[0], e[1], o[1]}),
            (std::vector<std::string>{"dropped", "line:" + out, "end"}));
}

TEST_P(ReassemblyTest, CrlfLosesItsCarriageReturn) {
  const Wrapper w = Writes(GetParam());
  const std::string record =
      w == Wrapper::kCri ? Cri("stdout", 'F', "GET / 200\r") : Docker("stdout", "GET / 200\r\n");
  EXPECT_EQ(Feed(GetParam(), {record}), (std::vector<std::string>{"line:GET / 200", "end"}));
  // A split line whose last piece ends in "\r\n".
  auto split = Split(w, "stdout", Long(kSplit) + "tail\r");
  EXPECT_EQ(Feed(GetParam(), split),
            (std::vector<std::string>{"line:" + Long(kSplit) + "tail", "end"}));
}

TEST_P(ReassemblyTest, AReassembledLineOverTheMaximumIsSkippedAndTheNextOneCounts) {
  const Wrapper w = Writes(GetParam());
  auto records = Split(w, "stdout", Long(5 * kSplit));  // 80 KiB > 64 KiB
  records.push_back(Split(w, "stdout", "GET / 200")[0]);
  EXPECT_EQ(Feed(GetParam(), records),
            (std::vector<std::string>{"overlong", "line:GET / 200", "end"}));
}

TEST_P(ReassemblyTest, AnInvalidRecordIsMalformedAndLeavesAPartialAlone) {
  const Wrapper w = Writes(GetParam());
  const std::string line = Long(kSplit + 5);
  const auto r = Split(w, "stdout", line);
  const std::string bad = w == Wrapper::kCri ? "2024-01-02T03:04:05Z stdout" : R"({"log":"x)";
  EXPECT_EQ(Feed(GetParam(), {r[0], bad, r[1]}),
            (std::vector<std::string>{"malformed", "line:" + line, "end"}));
}

TEST_P(ReassemblyTest, StderrIsDroppedByDefaultAndCountedWhenListed) {
  const Wrapper w = Writes(GetParam());
  const std::vector<std::string> records = {Split(w, "stderr", "error: x")[0],
                                            Split(w, "stdout", "GET / 200")[0]};
  EXPECT_EQ(Feed(GetParam(), records),
            (std::vector<std::string>{"dropped", "line:GET / 200", "end"}));
  UnwrapOptions err_only;
  err_only.streams = {false, true};
  EXPECT_EQ(Feed(GetParam(), records, err_only),
            (std::vector<std::string>{"line:error: x", "dropped", "end"}));
}

TEST(UnwrapperTest, AutoChoosesPerFileFromTheFirstRecord) {
  EventSink sink;
  DockerDecoder docker(kMax);
  UnwrapOptions options;
  options.wrapper = Wrapper::kAuto;
  Unwrapper a(options, kMax, &sink, &docker);
  Unwrapper b(options, kMax, &sink, &docker);
  EXPECT_EQ(a.wrapper(), Wrapper::kAuto);
  a.OnLine(Docker("stdout", "from docker\n"));
  b.OnLine(Cri("stdout", 'F', "from cri"));
  EXPECT_EQ(a.wrapper(), Wrapper::kDocker);
  EXPECT_EQ(b.wrapper(), Wrapper::kCri);
  a.OnLine(Cri("stdout", 'F', "a cri record in a docker file"));
  EXPECT_EQ(sink.events,
            (std::vector<std::string>{"line:from docker", "line:from cri", "malformed"}));
}

TEST(UnwrapperTest, AWholeCriRecordKeepsThePaddingOfItsLine) {
  EventSink sink;
  UnwrapOptions options;
  options.wrapper = Wrapper::kCri;
  Unwrapper u(options, kMax, &sink, nullptr);
  const std::string record = Cri("stdout", 'F', "GET / 200");
  const std::string buf = record + std::string(kLinePaddingBytes, ' ');
  u.OnPaddedLine(std::string_view(buf.data(), record.size()));
  EXPECT_EQ(sink.padded, 1);
  EXPECT_EQ(sink.events, (std::vector<std::string>{"line:GET / 200"}));
}

TEST(UnwrapperTest, RotationKeepsAPartialForTheDrainedFile) {
  EventSink sink;
  UnwrapOptions options;
  options.wrapper = Wrapper::kCri;
  Unwrapper u(options, kMax, &sink, nullptr);
  u.OnLine(Cri("stdout", 'P', "GET / "));
  u.OnRotation();
  u.OnLine(Cri("stdout", 'F', "200"));
  EXPECT_EQ(sink.events, (std::vector<std::string>{"rotation", "line:GET / 200"}));
}

TEST(UnwrapperTest, PartialMemoryIsBoundedByTheMaximumPerStream) {
  EventSink sink;
  UnwrapOptions options;
  options.wrapper = Wrapper::kCri;
  options.streams = {true, true};
  Unwrapper u(options, 1000, &sink, nullptr);
  for (int i = 0; i < 100; ++i) {
    u.OnLine(Cri("stdout", 'P', std::string(300, 'o')));
    u.OnLine(Cri("stderr", 'P', std::string(300, 'e')));
    EXPECT_LE(u.pending_bytes(), 2000u);
  }
  u.OnLine(Cri("stdout", 'F', "x"));
  u.OnEndOfFile();
  EXPECT_EQ(sink.events, (std::vector<std::string>{"overlong", "overlong", "end"}));
  EXPECT_EQ(u.pending_bytes(), 0u);
}

}  // namespace
}  // namespace accesslog
