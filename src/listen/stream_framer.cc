#include "listen/stream_framer.h"

namespace accesslog {

void StreamFramer::ReleaseMemory() {
  if (partial_.empty()) std::string().swap(partial_);
}

bool StreamFramer::Feed(std::string_view data, FramedMessageHandler* handler) {
  if (data.empty()) return true;
  if (framing_ == Framing::kUnknown) {
    framing_ =
        data[0] >= '0' && data[0] <= '9' ? Framing::kOctetCounting : Framing::kNonTransparent;
  }
  if (framing_ == Framing::kOctetCounting) return FeedOctetCounted(data, handler);
  FeedNonTransparent(data, handler);
  return true;
}

bool StreamFramer::FeedOctetCounted(std::string_view data, FramedMessageHandler* handler) {
  // RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG, MSG-LEN a non-zero number without leading zeros.
  // partial_ holds the digits of a length until its space, then the message's bytes.
  while (!data.empty()) {
    if (!in_message_) {
      const size_t space = data.find(' ');
      const std::string_view digits = data.substr(0, space);
      if (partial_.size() + digits.size() > 9) return false;
      for (char c : digits) {
        if (c < '0' || c > '9') return false;
      }
      partial_.append(digits);
      if (space == std::string_view::npos) return true;  // the length goes on in the next read
      if (partial_.empty() || partial_[0] == '0') return false;
      want_ = std::stoull(partial_);
      partial_.clear();
      data.remove_prefix(space + 1);
      in_message_ = true;
      skipping_ = want_ > max_;
      if (skipping_) handler->OnOversize();
      continue;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(want_, data.size()));
    if (!skipping_) {
      if (partial_.empty() && take == want_) {
        handler->OnMessage(data.substr(0, take));  // whole in this read: no copy
      } else {
        partial_.append(data.substr(0, take));
        if (take == want_) {
          handler->OnMessage(partial_);
          partial_.clear();
        }
      }
    }
    want_ -= take;
    data.remove_prefix(take);
    if (want_ == 0) {
      in_message_ = false;
      skipping_ = false;
    }
  }
  return true;
}

void StreamFramer::FeedNonTransparent(std::string_view data, FramedMessageHandler* handler) {
  auto emit = [&](std::string_view m) {
    if (!m.empty() && m.back() == '\r') m.remove_suffix(1);
    if (!m.empty()) handler->OnMessage(m);
  };
  while (!data.empty()) {
    size_t end = 0;
    while (end < data.size() && data[end] != '\n' && data[end] != '\0') ++end;
    const std::string_view piece = data.substr(0, end);
    const bool complete = end < data.size();
    if (skipping_) {
      if (complete) skipping_ = false;
    } else if (partial_.size() + piece.size() > max_) {
      handler->OnOversize();
      partial_.clear();
      skipping_ = !complete;
    } else if (complete && partial_.empty()) {
      emit(piece);  // whole in this read: no copy
    } else {
      partial_.append(piece);
      if (complete) {
        emit(partial_);
        partial_.clear();
      }
    }
    data.remove_prefix(complete ? end + 1 : end);
  }
}

}  // namespace accesslog
