// Stage: listeners (sockets -> messages -> lines). The syslog header of one message, recognised
// per message, so that what follows it can be parsed as an access-log line.
//
//   accesslog::SyslogMessage m;
//   if (accesslog::ParseSyslog("<190>Dec  1 10:00:00 web nginx: 192.0.2.1 - - [...] ...", &m)) {
//     m.message;   // "192.0.2.1 - - [...] ..."  (a view into the input)
//     m.tag;       // "nginx"; m.host "web"; m.facility 23 (local7); m.severity 6 (info)
//   }
//
// Two formats, told apart by what follows the priority:
//   RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG], each field
//     "-" when absent; STRUCTURED-DATA is "-" or [id param="value" ...]... with \" \\ \] escapes;
//     a UTF-8 BOM before MSG is removed.
//   RFC 3164 (BSD, what nginx, HAProxy and most daemons send): <PRI>TIMESTAMP HOSTNAME TAG: MSG,
//     TIMESTAMP "Mmm dd hh:mm:ss" (or RFC 3339, as rsyslog forwards), read as rsyslog and
//     fluent-bit read it: the month in any case ("AUG"), the day with one space, two or a leading
//     zero ("Mar 7", "Mar  7", "Mar 07"), a year after the day and a fraction of a second (Cisco),
//     a colon straight after the time ("19:06:53:"), one space between <PRI> and the timestamp;
//     the HOSTNAME is optional (local senders such as logger on /dev/log leave it out); TAG may
//     carry "[pid]"; the spaces before MSG are not part of it. When what follows the priority is
//     not a recognisable header, all of it is the message (RFC 3164 section 4.3.3).
// A message without a valid <PRI> (1 to 3 digits, 0..191) is not syslog: ParseSyslog returns
// false. Trailing CR and LF are removed from the message.
//
// Thread-safety: no state. Allocation-free: every field is a view into the input.
#pragma once

#include <cstdint>
#include <string_view>

namespace accesslog {

struct SyslogMessage {
  enum class Format : uint8_t { kRfc3164, kRfc5424 };
  Format format = Format::kRfc3164;
  uint8_t facility = 0;      // PRI / 8: 0 kern .. 23 local7
  uint8_t severity = 0;      // PRI % 8: 0 emerg .. 7 debug
  std::string_view host;     // empty when absent
  std::string_view tag;      // RFC 3164 TAG without [pid], or RFC 5424 APP-NAME; empty if absent
  std::string_view message;  // what the source's format parses
};

// Fills *out from `datagram` (one whole message, no framing). False when it has no valid
// priority; *out is then unspecified.
[[nodiscard]] bool ParseSyslog(std::string_view datagram, SyslogMessage* out);

}  // namespace accesslog
