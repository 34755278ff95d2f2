// Stage: listeners. Cuts one TCP connection's bytes into syslog messages (RFC 6587).
//
//   accesslog::StreamFramer framer(16 * 1024);
//   if (!framer.Feed(std::string_view(bytes, n), &handler)) close the connection;
//   // handler.OnMessage(message) for each whole message, handler.OnOversize() for each one over
//   // the limit
//
// The framing is detected per connection from its first byte: a digit means octet counting
// ("LEN SP MSG", RFC 6587 3.4.1, what RFC 5425 and rsyslog's octet-counted forwarding use);
// anything else means non-transparent framing, each message ended by LF (or NUL; a CR before the
// LF is removed), what most senders and `logger --tcp` use. Messages may arrive split across
// reads in any way.
//
// Bounded: the framer holds at most max_message_bytes of a partial message. A message longer
// than that is reported once through on_oversize and its bytes are skipped as they arrive (for
// octet counting up to its announced length; otherwise up to the next LF); it is never cut into
// pieces that would parse as something else. A length field that is not a number (or has more
// than 9 digits) is a broken stream: Feed returns false and the connection should be closed.
//
// Thread-safety: none; one framer per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace accesslog {

// What a framer hands its messages to.
class FramedMessageHandler {
 public:
  virtual ~FramedMessageHandler() = default;
  // One whole message (without its framing). The view is valid during the call only.
  virtual void OnMessage(std::string_view message) = 0;
  // One message longer than the limit was skipped.
  virtual void OnOversize() = 0;
};

class StreamFramer {
 public:
  enum class Framing : uint8_t { kUnknown, kOctetCounting, kNonTransparent };

  explicit StreamFramer(size_t max_message_bytes) : max_(max_message_bytes) {}

  // Hands every complete message in `data` (after what earlier calls left) to `handler`. False
  // when the stream cannot be framed (a bad length): nothing more can be read from it.
  [[nodiscard]] bool Feed(std::string_view data, FramedMessageHandler* handler);

  // The bytes of a partial message held now (for the bound and for tests).
  [[nodiscard]] size_t pending_bytes() const { return partial_.size(); }
  [[nodiscard]] Framing framing() const { return framing_; }
  // Gives back the capacity of the partial-message buffer when it is empty (an idle connection).
  void ReleaseMemory();

 private:
  bool FeedOctetCounted(std::string_view data, FramedMessageHandler* handler);
  void FeedNonTransparent(std::string_view data, FramedMessageHandler* handler);

  size_t max_;
  Framing framing_ = Framing::kUnknown;
  std::string partial_;      // a message (or, octet counting, its length) not complete yet
  bool in_message_ = false;  // octet counting: the length was read, the message is being read
  uint64_t want_ = 0;        // octet counting: bytes of the current message still to come
  bool skipping_ = false;    // inside an over-long message: drop its bytes
};

}  // namespace accesslog
