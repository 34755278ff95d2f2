#include "report/text_format.h"

#include <gtest/gtest.h>

namespace accesslog {
namespace {

TEST(EscapeSampleTest, ControlBytesBackslashAndInvalidUtf8AreEscaped) {
  EXPECT_EQ(EscapeSample("plain line", 200), "plain line");
  EXPECT_EQ(EscapeSample(std::string("a\0b", 3), 200), "a\\x00b");
  EXPECT_EQ(EscapeSample("\x1b[31mred\x7f", 200), "\\x1b[31mred\\x7f");
  EXPECT_EQ(EscapeSample("tab\there\\", 200), "tab\\there\\\\");
  EXPECT_EQ(EscapeSample("\xff\xfe", 200), "\\xff\\xfe");
  EXPECT_EQ(EscapeSample("\xc3\x28", 200), "\\xc3(");               // bad continuation
  EXPECT_EQ(EscapeSample("\xe0\x80\x80", 200), "\\xe0\\x80\\x80");  // overlong
  EXPECT_EQ(EscapeSample("\xed\xa0\x80", 200), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(EscapeSample("caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x90\xb1", 200),
            "caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x90\xb1");  // valid UTF-8 stays
  EXPECT_EQ(EscapeSample("\xe2\x80", 200), "\\xe2\\x80");  // truncated sequence
}

TEST(EscapeSampleTest, CutsLongLinesOnACharacterBoundary) {
  EXPECT_EQ(EscapeSample("abcdef", 4), "abcd...");
  EXPECT_EQ(EscapeSample("abcd", 4), "abcd");
  EXPECT_EQ(EscapeSample("abc\xc3\xa9", 4), "abc...");  // never half an é
}

TEST(FormatPercentTest, TwoDecimalsAndSmallRatiosVisible) {
  EXPECT_EQ(FormatPercent(0), "0.00%");
  EXPECT_EQ(FormatPercent(0.0231), "2.31%");
  EXPECT_EQ(FormatPercent(1), "100.00%");
  EXPECT_EQ(FormatPercent(0.00004), "0.0040%");
}

TEST(FormatBytesTest, BinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(uint64_t{2} << 30), "2.00 GiB");
  EXPECT_EQ(FormatBytes(uint64_t{300} << 20), "300 MiB");
}

TEST(FormatSecondsTest, MillisecondsThenSeconds) {
  EXPECT_EQ(FormatSeconds(0), "0 ms");
  EXPECT_EQ(FormatSeconds(0.00025), "0.250 ms");
  EXPECT_EQ(FormatSeconds(0.012), "12.0 ms");
  EXPECT_EQ(FormatSeconds(1.5), "1.50 s");
}

TEST(DisplayTest, WidthCountsCodePointsAndTruncateKeepsThemWhole) {
  EXPECT_EQ(DisplayWidth("OK \xe2\x80\x93 fine"), 9u);
  EXPECT_EQ(TruncateDisplay("OK \xe2\x80\x93 fine", 9), "OK \xe2\x80\x93 fine");
  EXPECT_EQ(TruncateDisplay("OK \xe2\x80\x93 fine", 7), "OK \xe2\x80\x93...");
}

}  // namespace
}  // namespace accesslog
