// Tailer (tailer.h), the part that decides which file a name is: where a file starts being
// read (the positions file, this run's earlier reads, --tail.from), whether a new match is a
// file already followed or a copy of one, and what the positions file knew of files rotated
// while the exporter was stopped. The rest of the Tailer (the watches, the rounds of reads,
// Run) is in tailer.cc.
#include "tail/tailer.h"
#include "util/log.h"

namespace accesslog {
namespace {

// Files read for the last time in this run that are remembered (device, inode, fingerprint,
// offset), so that a glob matching a rotated file under its new name does not read it again.
constexpr size_t kMaxKnownFiles = 1024;

}  // namespace

// Where a file starts being read. In order:
//  1. The positions file knows it (same device and inode, and it still starts with the bytes
//     fingerprinted then): resume at the saved offset — lines written while the exporter was
//     down are counted, none twice. If it is now shorter than that offset it was truncated
//     while we were down: read it from its start.
//  2. This run read it before under another name (a glob matching rotated names): resume where
//     that ended, so it is not counted twice.
//  3. At start-up, a name the positions file knew but that now holds another file: the file
//     was rotated while the exporter was down, so everything in the new one is new: from 0.
//     (The old file is looked for next to it: AdoptUnclaimedPositions.)
//  4. At start-up otherwise: --tail.from (end by default). A file that appears later: from 0.
int64_t Tailer::StartOffset(const std::string& path, int fd, const FileIdentity& id, int64_t size,
                            bool at_startup, bool* skip_to_newline) {
  for (auto it = saved_.begin(); it != saved_.end(); ++it) {
    if (!it->id.SameInode(id) || !StartsWith(fd, it->id.fp_bytes, it->id.fp_hash)) continue;
    int64_t offset = it->offset;
    *skip_to_newline = it->skip_to_newline;
    if (offset > size) {
      LogWarn(
          "log file is shorter than its saved position (truncated while stopped); reading "
          "it from its start",
          {{"path", path}});
      offset = 0;
      *skip_to_newline = false;
    }
    saved_.erase(it);
    return offset;
  }
  for (auto it = known_.rbegin(); it != known_.rend(); ++it) {
    if (it->id.SameInode(id) && StartsWith(fd, it->id.fp_bytes, it->id.fp_hash)) {
      return it->offset <= size ? it->offset : 0;
    }
  }
  if (!at_startup) return 0;
  for (const auto& e : saved_) {
    if (!e.rotated && e.path == path) {
      LogInfo(
          "log file was replaced while the exporter was stopped; reading the new one from "
          "its start",
          {{"path", path}});
      return 0;
    }
  }
  return options_.from_start ? 0 : size;
}

void Tailer::Closed(const FileIdentity& id, int64_t offset) {
  known_.push_back({id, offset});
  if (known_.size() > kMaxKnownFiles) known_.pop_front();
}

bool Tailer::IsFollowed(const std::string& pattern, const FileIdentity& id) const {
  for (const Followed& e : followers_) {
    const auto& f = e.f;
    if (f->pattern() != pattern) continue;
    if ((f->current().open() && f->current().id.SameInode(id)) ||
        (f->draining().open() && f->draining().id.SameInode(id))) {
      return true;
    }
  }
  return false;
}

// A copy of a followed file: its first bytes are the first bytes of a file a follower of the
// same glob has open. That is what copytruncate leaves: counting it would count those lines
// twice. A name a glob matched after start-up waits while its file is one (AwaitContent). When
// the original is truncated, its follower reads the rest from the copy and remembers it
// (Closed): the copy's own follower then starts it at its end (StartOffset, rule 2).
bool Tailer::IsCopyOfFollowed(const std::string& pattern, const FileIdentity& id) const {
  for (const Followed& e : followers_) {
    const auto& f = e.f;
    if (f->pattern() != pattern) continue;
    for (const FileStream* s : {&f->current(), &f->draining()}) {
      if (s->open() && !s->id.SameInode(id) && StartsWith(s->fd, id.fp_bytes, id.fp_hash)) {
        return true;
      }
    }
  }
  return false;
}

// Entries of the positions file that no file under a followed name claimed: their file was
// renamed while the exporter was down (or was still being drained when it stopped). If it is
// still next to its old name (access.log.1) and still starts with the same bytes, it is
// drained from its saved offset, so its last lines are not lost. (copytruncate while down
// leaves a copy with another inode but the same first bytes: taken the same way.)
void Tailer::AdoptUnclaimedPositions() {
  for (auto it = saved_.begin(); it != saved_.end();) {
    FileFollower* owner = nullptr;
    for (const auto& e : followers_) {
      if (e.f->path() == it->path) owner = e.f.get();
    }
    if (owner == nullptr || it->id.fp_bytes == 0) {
      ++it;
      continue;
    }
    const PositionEntry& e = *it;
    FileIdentity found;
    const int fd = FindRotatedSibling(e.path, [&](int cfd, const FileIdentity& cid, int64_t size) {
      if (size < e.offset || IsFollowed(owner->pattern(), cid)) return false;
      if (!StartsWith(cfd, e.id.fp_bytes, e.id.fp_hash)) return false;
      found = cid;
      return true;
    });
    if (fd < 0) {
      ++it;
      continue;
    }
    LogInfo("resuming a log file rotated while the exporter was stopped",
            {{"path", e.path}, {"offset", std::to_string(e.offset)}});
    owner->AdoptRotated(fd, found, e.offset, e.skip_to_newline);
    it = saved_.erase(it);
  }
}

// What no follower claimed at start cannot be claimed later: a file that appears after start
// is new (read from its start), and a file that was followed at start took its entry then.
// Kept, such entries would be written back at every save and carried across every restart: a
// node's deleted pods would grow the positions file without bound (issue 30). The positions
// file thus holds the files followed now and those being drained; a name that comes back later
// (a directory that was missing at start) is read from its start.
void Tailer::ForgetUnclaimedPositions() {
  if (saved_.empty()) return;
  LogInfo(
      "forgetting the positions of files no longer followed (deleted, or matched by no "
      "pattern now)",
      {{"files", std::to_string(saved_.size())}});
  saved_.clear();
  saved_.shrink_to_fit();
  moved_ = true;
}

}  // namespace accesslog
