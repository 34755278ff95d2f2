// Reassembling split lines (the partial records of both envelopes), per stream, with the bound
// on memory; and the stream filter.
#include "unwrap/unwrap.h"

namespace accesslog {

bool ParseWrapper(std::string_view name, Wrapper* out) {
  if (name == "none")
    *out = Wrapper::kNone;
  else if (name == "cri")
    *out = Wrapper::kCri;
  else if (name == "docker")
    *out = Wrapper::kDocker;
  else if (name == "auto")
    *out = Wrapper::kAuto;
  else
    return false;
  return true;
}

std::string_view WrapperName(Wrapper w) {
  switch (w) {
    case Wrapper::kNone:
      return "none";
    case Wrapper::kCri:
      return "cri";
    case Wrapper::kDocker:
      return "docker";
    case Wrapper::kAuto:
      return "auto";
  }
  return "none";
}

bool ParseLogStream(std::string_view name, LogStream* out) {
  if (name == "stdout")
    *out = LogStream::kStdout;
  else if (name == "stderr")
    *out = LogStream::kStderr;
  else
    return false;
  return true;
}

Unwrapper::Unwrapper(const UnwrapOptions& options, size_t max_line_bytes, MessageSink* next,
                     DockerDecoder* docker)
    : options_(options),
      max_line_(max_line_bytes),
      next_(next),
      docker_(docker),
      wrapper_(options.wrapper) {}

size_t Unwrapper::pending_bytes() const {
  size_t n = 0;
  for (const Pending& p : pending_) n += p.bytes.size();
  return n;
}

void Unwrapper::Emit(std::string_view message, bool padded) {
  if (!message.empty() && message.back() == '\r') message.remove_suffix(1);  // CRLF
  if (message.size() > max_line_) {
    next_->OnOverlongLine();
  } else if (padded) {
    next_->OnPaddedLine(message);
  } else {
    next_->OnLine(message);
  }
}

void Unwrapper::Complete(LogStream stream) {
  Pending& p = pending_[static_cast<size_t>(stream)];
  if (!options_.streams[static_cast<size_t>(stream)]) {
    next_->OnDroppedLine();
  } else if (p.overlong) {
    next_->OnOverlongLine();
  } else {
    Emit(p.bytes, /*padded=*/false);
  }
  p.bytes.clear();  // keeps its capacity
  p.active = false;
  p.overlong = false;
}

void Unwrapper::Handle(std::string_view line, bool padded) {
  if (wrapper_ == Wrapper::kAuto) {
    wrapper_ = PickEnvelope(line) == Envelope::kDocker && docker_ != nullptr ? Wrapper::kDocker
                                                                             : Wrapper::kCri;
  }
  Record r;
  const bool docker = wrapper_ == Wrapper::kDocker;
  const DecodeResult result =
      docker ? docker_->Decode(line, padded && kLinePaddingBytes >= kDockerPaddingBytes, &r)
             : DecodeCri(line, &r);
  if (result != DecodeResult::kOk) {
    next_->OnMalformedRecord();
    return;
  }
  const auto s = static_cast<size_t>(r.stream);
  Pending& p = pending_[s];
  if (!r.partial && options_.streams[s]) next_->OnRecordTime(r.time);
  if (!p.active && !r.partial) {
    // The common case: a whole line in one record, handed on where it lies. A CRI message is
    // the end of the splitter's padded line, so it keeps the padding; a docker message keeps
    // it when the decoder's direct path unescaped it into its padded buffer (not simdjson's).
    static_assert(kMessagePaddingBytes >= kLinePaddingBytes);
    if (!options_.streams[s]) {
      next_->OnDroppedLine();
    } else {
      Emit(r.message, docker ? r.message_padded : padded);
    }
    return;
  }
  p.active = true;
  // A stream that is dropped keeps no bytes: only where its line ends matters.
  if (options_.streams[s] && !p.overlong) {
    if (p.bytes.size() + r.message.size() > max_line_) {
      p.overlong = true;
      p.bytes.clear();
    } else {
      p.bytes.append(r.message);
    }
  }
  if (!r.partial) Complete(r.stream);
}

void Unwrapper::OnEndOfFile() {
  for (size_t s = 0; s < pending_.size(); ++s) {
    if (pending_[s].active) Complete(static_cast<LogStream>(s));
  }
  next_->OnEndOfFile();
}

}  // namespace accesslog
