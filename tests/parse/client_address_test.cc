// The client address is one token as the servers write it (combined, common, nginx
// $remote_addr, Apache %h and %a): a line with other text before the address — a container
// record read without --log.wrapper, a syslog header left in the line, a timestamp some other
// tool put first — is malformed, instead of its fields shifting into the user field and the line
// counting. Valid addresses from what nginx, Apache and GoAccess's tests read.
#include <gtest/gtest.h>

#include <string>

#include "parse/parser.h"
#include "parse/values.h"

namespace accesslog {
namespace {

struct AddressCase {
  const char* token;
  bool ok;
};

const AddressCase kAddresses[] = {
    {"192.0.2.10", true},
    {"0.0.0.0", true},
    {"255.255.255.255", true},
    {"2001:db8::1", true},
    {"::1", true},
    {"::ffff:192.0.2.1", true},
    {"fe80::1%eth0", true},
    {"2001:DB8:0:0:8:800:200C:417A", true},
    {"unix:", true},  // nginx: a client on a unix socket
    {"unix:/run/nginx.sock", true},
    {"client-7.example.net", true},  // Apache %h with HostnameLookups
    {"host.example.", true},
    {"localhost", true},
    {"-", true},
    {"", false},
    {"256.1.1.1", false},
    {"1.2.3", false},
    {"1.2.3.4.5", false},
    {"1.2.3.4:80", false},
    {"[2001:db8::1]", false},
    {"fe80::1%", false},
    {"2024-05-06T07:08:09.000000001Z", false},  // CRI
    {"{\"log\":\"192.0.2.1", false},            // Docker json-file
    {"<190>Mar", false},                        // a syslog header
    {"<13>1", false},
    {"Mar", false},
    {"2024-05-06", false},
    {"web", false},
    {"192.0.2.1,", false},  // X-Forwarded-For lists are not $remote_addr
    {"\xEF\xBB\xBF"
     "192.0.2.1",
     false},
    {"unix:a b", false},
};

TEST(ClientAddressTest, OneTokenAsTheServersWriteIt) {
  for (const AddressCase& c : kAddresses) {
    EXPECT_EQ(IsClientAddress(c.token), c.ok) << "'" << c.token << "'";
  }
}

const std::string kLine =
    R"(192.0.2.10 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 5 "-" "curl/8")";

struct LineCase {
  const char* name;
  std::string line;
  bool ok;
};

const LineCase kLines[] = {
    {"Plain", kLine, true},
    {"Ipv6", "2001:db8::7" + kLine.substr(10), true},
    {"HostName", "client.example.com" + kLine.substr(10), true},
    // Text before the address.
    {"CriRecordWithoutWrapper", "2024-05-06T07:08:09.000000001Z stdout F " + kLine, false},
    {"CriStderr", "2024-05-06T07:08:09.000000001Z stderr F " + kLine, false},
    {"DockerRecordWithoutWrapper", R"({"log":")" + kLine + R"(\n","stream":"stdout"})", false},
    {"SyslogHeaderWithPriority", "<190>Mar 17 19:06:53 web nginx: " + kLine, false},
    {"SyslogHeaderAsRsyslogWritesFiles", "Mar 17 19:06:53 web nginx: " + kLine, false},
    {"Rfc5424Header", "1 2026-12-01T10:00:00Z web nginx - - - " + kLine, false},
    {"IsoTimestampFirst", "2024-05-06 07:08:09 " + kLine, false},
    {"ByteOrderMarkInside", "\xEF\xBB\xBF" + kLine, false},
};

struct FormatCase {
  const char* name;
  const char* format;
};

const FormatCase kFormats[] = {
    {"combined", "combined"},
    {"common", "common"},
    {"nginx",
     R"($remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent")"},
    {"apache_h", R"(%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i")"},
    {"apache_a", R"(%a %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i")"},
};

TEST(ClientAddressTest, TextBeforeTheAddressIsMalformedInEveryFormat) {
  for (const FormatCase& f : kFormats) {
    std::string error;
    auto parser = MakeParser({.format = f.format}, &error);
    ASSERT_NE(parser, nullptr) << f.name << ": " << error;
    for (const LineCase& c : kLines) {
      Fields fields;
      EXPECT_EQ(parser->Parse(c.line, &fields) == ParseResult::kOk, c.ok)
          << f.name << " " << c.name;
    }
  }
}

// Apache's %h and %a in one format: both are addresses, whichever fills the field.
TEST(ClientAddressTest, BothApacheAddressesAreChecked) {
  std::string error;
  auto parser = MakeParser({.format = R"(%a %h %t "%r" %>s)"}, &error);
  ASSERT_NE(parser, nullptr) << error;
  Fields f;
  const std::string rest = R"( [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200)";
  const std::string good = "192.0.2.1 client.example.com" + rest;
  EXPECT_EQ(parser->Parse(good, &f), ParseResult::kOk);
  EXPECT_EQ(f.remote_addr, "192.0.2.1");
  EXPECT_EQ(parser->Parse("192.0.2.1 stdout" + rest, &f), ParseResult::kMalformed);
}

}  // namespace
}  // namespace accesslog
