// Stage: fields (line -> fields). The record one parsed line yields.
//
// Every string_view points into the line the parser was given, so a Fields value is valid only
// until the tail stage reuses its buffer (the end of the OnLine call). Numbers that the format
// does not carry stay at their "absent" value.
#pragma once

#include <cstdint>
#include <string_view>

namespace accesslog {

struct Fields {
  std::string_view status;  // raw status field; classify::ParseStatusCode validates it
  std::string_view remote_addr;
  std::string_view remote_user;  // "" when the log has "-"
  std::string_view time_local;   // without the brackets
  std::string_view request;      // the raw request line, still escaped as logged
  std::string_view method;       // first word of the request line ("" when absent)
  std::string_view path;         // second word ("" when absent)
  std::string_view protocol;     // third word ("" when absent)
  std::string_view referer;      // combined only
  std::string_view user_agent;   // combined only
  int64_t body_bytes = -1;       // -1: absent or "-"

  void Clear() { *this = Fields(); }
};

}  // namespace accesslog
