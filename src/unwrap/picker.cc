// wrapper: auto. A docker record is a JSON object; a CRI record starts with its time, a digit.
// One look at the first record decides for the file's life (a runtime does not change the
// format of a file it writes).
#include "unwrap/envelope.h"

namespace accesslog {

Envelope PickEnvelope(std::string_view first) {
  for (const char c : first) {
    if (c == ' ' || c == '\t') continue;
    return c == '{' ? Envelope::kDocker : Envelope::kCri;
  }
  return Envelope::kCri;
}

}  // namespace accesslog
