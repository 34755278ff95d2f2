// The syslog header parser, table-driven: what nginx, HAProxy, logger and rsyslog send, and what
// is not syslog.
#include "listen/syslog_message.h"

#include <gtest/gtest.h>

namespace accesslog {
namespace {

struct Case {
  const char* name;
  std::string_view input;
  bool ok;
  SyslogMessage::Format format;
  int facility, severity;
  std::string_view host, tag, message;
};

const Case kCases[] = {
    {"NginxDefault", "<190>Dec  1 10:00:00 web-1 nginx: 192.0.2.1 - - [x] \"GET / HTTP/1.1\" 200 5",
     true, SyslogMessage::Format::kRfc3164, 23, 6, "web-1", "nginx",
     "192.0.2.1 - - [x] \"GET / HTTP/1.1\" 200 5"},
    {"TwoDigitDay", "<134>Nov 25 09:08:07 lb haproxy[1234]: msg here", true,
     SyslogMessage::Format::kRfc3164, 16, 6, "lb", "haproxy", "msg here"},
    {"NoHostname", "<13>Dec  1 10:00:00 root: hello world", true, SyslogMessage::Format::kRfc3164,
     1, 5, "", "root", "hello world"},
    {"NoTag", "<13>Dec  1 10:00:00 host message without tag", true, SyslogMessage::Format::kRfc3164,
     1, 5, "host", "", "message without tag"},
    {"Rfc3339In3164", "<14>2026-12-01T10:00:00.123456+00:00 web nginx: line", true,
     SyslogMessage::Format::kRfc3164, 1, 6, "web", "nginx", "line"},
    {"NoHeaderAfterPri", "<14>just a message", true, SyslogMessage::Format::kRfc3164, 1, 6, "", "",
     "just a message"},
    {"TrailingNewlines", "<190>Dec  1 10:00:00 web nginx: line\r\n", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "line"},
    {"Rfc5424", "<165>1 2026-12-01T10:00:00.003Z web.example nginx 42 ID47 - the message", true,
     SyslogMessage::Format::kRfc5424, 20, 5, "web.example", "nginx", "the message"},
    {"Rfc5424Nil", "<13>1 - - - - - - msg", true, SyslogMessage::Format::kRfc5424, 1, 5, "", "",
     "msg"},
    {"Rfc5424StructuredData",
     "<13>1 2026-12-01T10:00:00Z h app - - [a@1 k=\"v \\] \\\" x\"][b@2 y=\"z\"] \xEF\xBB\xBFmsg",
     true, SyslogMessage::Format::kRfc5424, 1, 5, "h", "app", "msg"},
    {"Rfc5424NoMessage", "<13>1 2026-12-01T10:00:00Z h app - - -", true,
     SyslogMessage::Format::kRfc5424, 1, 5, "h", "app", ""},
    {"Rfc5424BrokenSdFallsBackTo3164", "<13>1 2026 h app - - [unterminated", true,
     SyslogMessage::Format::kRfc3164, 1, 5, "", "", "1 2026 h app - - [unterminated"},
    // As rsyslog and fluent-bit read RFC 3164 headers, not only as the RFC writes them.
    {"DayWithOneSpace", "<190>Mar 7 19:06:53 web nginx: 192.0.2.1 - - [x] \"GET / HTTP/1.1\" 200 5",
     true, SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx",
     "192.0.2.1 - - [x] \"GET / HTTP/1.1\" 200 5"},
    {"DayWithLeadingZero", "<190>Mar 07 19:06:53 web nginx: line", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "line"},
    {"MonthInUpperCase", "<190>AUG 17 19:06:53 web nginx: line", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "line"},
    {"MonthInLowerCase", "<190>dec  1 10:00:00 web nginx: line", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "line"},
    {"ColonAfterTheTime", "<164>Mar 7 19:06:53: fw nginx: line", true,
     SyslogMessage::Format::kRfc3164, 20, 4, "fw", "nginx", "line"},
    {"ColonAfterTheTimeNoHost", "<164>Mar  7 19:06:53: nginx[7]: line", true,
     SyslogMessage::Format::kRfc3164, 20, 4, "", "nginx", "line"},
    {"YearAfterTheDay", "<164>Jun  2 2024 08:15:42: edge-fw %ACL-4-1001: denied", true,
     SyslogMessage::Format::kRfc3164, 20, 4, "edge-fw", "%ACL-4-1001", "denied"},
    {"FractionOfASecond", "<190>Sep 30 23:59:59.987 web nginx: line", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "line"},
    {"SpacesAfterTheTagsColon", "<190>Mar 7 19:06:53 web nginx:    192.0.2.1 - - x", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "192.0.2.1 - - x"},
    {"SpacesAfterThePid", "<190>Dec  1 10:00:00 web nginx[12]:  line", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "line"},
    {"SpaceAfterThePriority", "<38> Jan 15 04:05:06 web nginx: line", true,
     SyslogMessage::Format::kRfc3164, 4, 6, "web", "nginx", "line"},
    // The header is the same whatever the message is (--log.format does not matter here).
    {"JsonMessage", "<190>Mar 7 19:06:53 web nginx: {\"status\":200}", true,
     SyslogMessage::Format::kRfc3164, 23, 6, "web", "nginx", "{\"status\":200}"},
    // Not a timestamp: the whole rest is the message (RFC 3164 4.3.3).
    {"DayOutOfRange", "<13>Mar 32 19:06:53 h t: m", true, SyslogMessage::Format::kRfc3164, 1, 5, "",
     "", "Mar 32 19:06:53 h t: m"},
    {"HourOutOfRange", "<13>Mar 7 24:06:53 h t: m", true, SyslogMessage::Format::kRfc3164, 1, 5, "",
     "", "Mar 7 24:06:53 h t: m"},
    {"NotAMonth", "<13>Mrz 7 19:06:53 h t: m", true, SyslogMessage::Format::kRfc3164, 1, 5, "", "",
     "Mrz 7 19:06:53 h t: m"},
    {"TextGluedToTheTime", "<13>Mar 7 19:06:53x h t: m", true, SyslogMessage::Format::kRfc3164, 1,
     5, "", "", "Mar 7 19:06:53x h t: m"},
    {"Pri0", "<0>Dec  1 10:00:00 h t: m", true, SyslogMessage::Format::kRfc3164, 0, 0, "h", "t",
     "m"},
    {"Pri191", "<191>Dec  1 10:00:00 h t: m", true, SyslogMessage::Format::kRfc3164, 23, 7, "h",
     "t", "m"},
    {"Pri192", "<192>Dec  1 10:00:00 h t: m", false},
    {"LeadingZero", "<013>Dec  1 10:00:00 h t: m", false},
    {"NoPri", "192.0.2.1 - - [x] \"GET / HTTP/1.1\" 200 5", false},
    {"EmptyPri", "<>x", false},
    {"Unclosed", "<13", false},
    {"Empty", "", false},
};

class SyslogMessageTest : public ::testing::TestWithParam<Case> {};

TEST_P(SyslogMessageTest, Parses) {
  const Case& c = GetParam();
  SyslogMessage m;
  ASSERT_EQ(ParseSyslog(c.input, &m), c.ok) << c.input;
  if (!c.ok) return;
  EXPECT_EQ(m.format, c.format);
  EXPECT_EQ(m.facility, c.facility);
  EXPECT_EQ(m.severity, c.severity);
  EXPECT_EQ(m.host, c.host);
  EXPECT_EQ(m.tag, c.tag);
  EXPECT_EQ(m.message, c.message);
  // Every field is a view into the input.
  for (std::string_view f : {m.host, m.tag, m.message}) {
    if (!f.empty()) {
      EXPECT_GE(f.data(), c.input.data());
      EXPECT_LE(f.data() + f.size(), c.input.data() + c.input.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, SyslogMessageTest, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace accesslog
