#include "listen/stream_framer.h"

#include <algorithm>
#include <cstring>

namespace accesslog {
namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

enum class Decision : uint8_t { kMore, kLine, kCounted };

// Looks at a message's first bytes: octet-counted when they are a length (1 to 9 digits, the
// first not 0), a space and '<' (then *length and *header, the bytes of the length and the
// space, are set); a line otherwise; kMore when the bytes so far could still be either.
Decision Decide(std::string_view look, uint64_t* length, size_t* header) {
  if (look.empty()) return Decision::kMore;
  if (look[0] < '1' || look[0] > '9') return Decision::kLine;
  size_t i = 0;
  uint64_t n = 0;
  for (; i < look.size() && IsDigit(look[i]); ++i) {
    if (i == 9) return Decision::kLine;  // ten digits: no length of ours
    n = n * 10 + static_cast<uint64_t>(look[i] - '0');
  }
  if (i == look.size()) return Decision::kMore;
  if (look[i] != ' ') return Decision::kLine;
  if (i + 1 == look.size()) return Decision::kMore;
  if (look[i + 1] != '<') return Decision::kLine;
  *length = n;
  *header = i + 1;
  return Decision::kCounted;
}

}  // namespace

void StreamFramer::ReleaseMemory() {
  if (partial_.empty()) std::string().swap(partial_);
}

void StreamFramer::Feed(std::string_view data, FramedMessageHandler* handler) {
  // A byte-order mark before the first message (a sender that writes its file's bytes) is not
  // part of it; it may come split across reads.
  while (at_stream_start_ && !data.empty()) {
    if (data[0] == kBom[bom_]) {
      data.remove_prefix(1);
      if (++bom_ == 3) {
        at_stream_start_ = false;
        bom_ = 0;
      }
      continue;
    }
    at_stream_start_ = false;
    if (bom_ > 0) {
      // The start of a mark and then not: those bytes begin the first message, a line.
      partial_.assign(kBom, bom_);
      bom_ = 0;
      state_ = State::kLine;
      framing_ = Framing::kNonTransparent;
    }
  }
  while (!data.empty()) {
    if (state_ == State::kCounted) {
      data = FeedCounted(data, handler);
      continue;
    }
    if (state_ == State::kLine) {
      data = FeedLine(data, handler);
      continue;
    }
    // Between messages: the first bytes decide this message's framing. Usually they are all in
    // this read; when a read ended inside them, partial_ holds them (at most 10: digits and a
    // space).
    uint64_t length = 0;
    size_t header = 0;
    const size_t held = partial_.size();
    Decision d;
    if (held == 0) {
      d = Decide(data, &length, &header);
      if (d == Decision::kMore) {
        partial_.assign(data);
        return;
      }
    } else {
      char look[12];
      const size_t take = std::min(data.size(), sizeof(look) - held);
      std::memcpy(look, partial_.data(), held);
      std::memcpy(look + held, data.data(), take);
      d = Decide(std::string_view(look, held + take), &length, &header);
      if (d == Decision::kMore) {  // (12 bytes always decide: this took all of `data`)
        partial_.append(data.substr(0, take));
        data.remove_prefix(take);
        continue;
      }
    }
    if (d == Decision::kCounted) {
      data.remove_prefix(header - held);  // the '<' was not held: header >= held
      partial_.clear();
      StartCounted(length, handler);
    } else {
      state_ = State::kLine;  // what partial_ holds (digits, a space) begins the line
      framing_ = Framing::kNonTransparent;
    }
  }
}

void StreamFramer::StartCounted(uint64_t length, FramedMessageHandler* handler) {
  state_ = State::kCounted;
  framing_ = Framing::kOctetCounting;
  want_ = length;
  skipping_ = want_ > max_;
  if (skipping_) handler->OnOversize();
}

std::string_view StreamFramer::FeedCounted(std::string_view data, FramedMessageHandler* handler) {
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
  if (want_ == 0) {
    state_ = State::kBoundary;
    skipping_ = false;
  }
  return data.substr(take);
}

std::string_view StreamFramer::FeedLine(std::string_view data, FramedMessageHandler* handler) {
  auto emit = [&](std::string_view m) {
    if (!m.empty() && m.back() == '\r') m.remove_suffix(1);
    if (!m.empty()) handler->OnMessage(m);  // an empty line (a stray LF) is no message
  };
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
  if (complete) state_ = State::kBoundary;
  return data.substr(complete ? end + 1 : end);
}

}  // namespace accesslog
