// Stage: listeners. Cuts one TCP connection's bytes into syslog messages (RFC 6587).
//
//   accesslog::StreamFramer framer(16 * 1024);
//   framer.Feed(std::string_view(bytes, n), &handler);
//   // handler.OnMessage(message) for each whole message, handler.OnOversize() for each one over
//   // the limit
//   if (framer.mid_message()) ...  // the connection ends here: a message was cut
//
// The framing is decided message by message, from each message's first bytes, as rsyslog and
// Vector do: a message is octet-counted ("LEN SP MSG", RFC 6587 3.4.1, what RFC 5425 and
// rsyslog's octet-counted forwarding use) only when it starts with a length (1 to 9 digits,
// no leading zero), a space and '<' (the syslog priority that follows). Anything else is a
// message ended by LF (or NUL; a CR before the LF is removed), what most senders and `logger
// --tcp` use: so plain access-log lines that start with an address ("192.0.2.10 - - [...]")
// are read whole, a sender may switch framings between messages, and a stray LF after an
// octet-counted message is an empty line, skipped. A UTF-8 byte-order mark at the start of the
// connection is skipped. Messages may arrive split across reads in any way.
//
// Bounded: the framer holds at most max_message_bytes of a partial message (and at most 11
// bytes while it decides a message's framing). A message longer than that is reported once
// through OnOversize and its bytes are skipped as they arrive (for octet counting up to its
// announced length; otherwise up to the next LF); it is never cut into pieces that would parse
// as something else. No input makes the stream unreadable: there is no framing error that
// needs the connection closed.
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

  // Hands every complete message in `data` (after what earlier calls left) to `handler`.
  void Feed(std::string_view data, FramedMessageHandler* handler);

  // The bytes of a partial message held now (for the bound and for tests).
  [[nodiscard]] size_t pending_bytes() const { return partial_.size(); }
  // Whether a message has begun and not ended: if the stream ends now, it was cut.
  [[nodiscard]] bool mid_message() const {
    return state_ != State::kBoundary || !partial_.empty() || bom_ > 0;
  }
  // The framing of the message being read, or of the last one (kUnknown before the first).
  [[nodiscard]] Framing framing() const { return framing_; }
  // Gives back the capacity of the partial-message buffer when it is empty (an idle connection).
  void ReleaseMemory();

 private:
  enum class State : uint8_t {
    kBoundary,  // between messages: the next bytes decide the framing (partial_: those seen)
    kCounted,   // inside an octet-counted message (want_ bytes to come)
    kLine,      // inside a message ended by LF
  };

  void StartCounted(uint64_t length, FramedMessageHandler* handler);
  // Consumes bytes of an octet-counted message; returns what is left of `data`.
  std::string_view FeedCounted(std::string_view data, FramedMessageHandler* handler);
  // Consumes bytes of an LF-ended message; returns what is left of `data`.
  std::string_view FeedLine(std::string_view data, FramedMessageHandler* handler);

  size_t max_;
  State state_ = State::kBoundary;
  Framing framing_ = Framing::kUnknown;
  bool at_stream_start_ = true;  // a byte-order mark may come
  uint8_t bom_ = 0;              // its bytes seen so far (held, not in partial_)
  std::string partial_;          // a message's bytes (or, at a boundary, its first bytes)
  uint64_t want_ = 0;            // octet counting: bytes of the current message still to come
  bool skipping_ = false;        // inside an over-long message: drop its bytes
};

}  // namespace accesslog
