// Stage: lines. The inotify side of the set of followed files (tailer.h): which directories are
// watched, whether their events can be trusted to tell of every change, and which followed
// names an event concerns, so that a wake-up reads the files that were written and nothing
// else; and which directories have their write events muted, because their files are written
// so steadily that reading them at every round costs less than hearing of every write.
//
//   DirectoryWatches w;
//   if (!w.Open()) ...                              // no inotify: the tailer polls instead
//   w.ClearNames();
//   w.AddName("/var/log/nginx/access.log", 0);      // follower 0 is told of that name
//   w.Watch({"/var/log/nginx"});                    // exactly these directories from now on
//   std::vector<Touched> touched;
//   DirectoryWatches::Drained d = w.Drain(&touched);  // once poll(2) says fd() is readable
//
// An event is trusted only from a directory on a local file system (inotify does not see writes
// made by other machines to NFS, SMB, FUSE, 9p and other network or user-space file systems)
// reached by a path without a symlink (a symlinked directory switched elsewhere is an event in
// a directory nobody watches). Files in other directories are the polling fallback's.
//
// Muting (SetWritesMuted) takes IN_MODIFY out of a directory's watch and nothing else: names
// created, renamed or deleted, attribute changes and the directory itself going away are still
// events. While a directory is muted its writes make no event, so the caller reads every slot
// its events named (SlotsOf) at every round; when it unmutes, it reads them once more (what was
// written before IN_MODIFY came back made no event).
//
// Thread-safety: one thread (the tailer's Run).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace accesslog {

// What an event said about a followed name. Bit flags.
enum TouchKind : uint8_t {
  kTouchWritten = 1,  // its file was written (or closed after writing)
  kTouchRenamed = 2,  // the name was created, renamed, deleted or its attributes changed, or
                      // its directory went away: the name may reach another file now
};

struct Touched {
  uint32_t slot;  // as given to AddName
  uint8_t what;   // TouchKind bits
};

class DirectoryWatches {
 public:
  DirectoryWatches() = default;
  ~DirectoryWatches();
  DirectoryWatches(const DirectoryWatches&) = delete;  // owns a descriptor
  DirectoryWatches& operator=(const DirectoryWatches&) = delete;

  // inotify_init1. Returns false (errno set) when inotify is unavailable.
  bool Open();
  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] int fd() const { return fd_; }

  // Watches exactly `dirs`: adds those not watched yet, removes the others. Returns true when a
  // watch was added (names created in that directory before it was watched were not seen: the
  // caller looks again).
  bool Watch(const std::set<std::string>& dirs);
  // Tries again the directories that could not be watched (missing ones, mostly). Returns true
  // when one now is. Costs a system call per such directory.
  bool Retry();
  // Whether the events of `dir` tell of every change: it is watched, on a local file system,
  // and reached without a symlink.
  [[nodiscard]] bool Trusted(const std::string& dir) const;

  // The names events are reported for: `path` is a name in a (to be) watched directory; its
  // events are reported with `slot`. ClearNames forgets them all.
  void ClearNames();
  void AddName(const std::string& path, uint32_t slot);

  struct Drained {
    size_t events = 0;           // events read
    bool names_changed = false;  // a name appeared or went away in a watched directory
    bool lost_watch = false;     // a watched directory went away (its watch is gone)
    bool overflow = false;       // the kernel's queue overflowed: events were lost
  };
  // Reads every queued event (the descriptor is non-blocking) and appends the followed names
  // they concern to *touched (a name may appear more than once).
  Drained Drain(std::vector<Touched>* touched);

  // The write events each watch brought since the last call, for the watches that brought any
  // (watch descriptor, events), appended to *out.
  void TakeWrites(std::vector<std::pair<int, uint32_t>>* out);
  // Takes IN_MODIFY out of the watch `wd` (muted) or puts it back. Returns false when the watch
  // is gone or the kernel refused (nothing changed then).
  bool SetWritesMuted(int wd, bool muted);
  [[nodiscard]] bool WritesMuted(int wd) const { return muted_.count(wd) > 0; }
  // The slots events of `wd` name (appended to *slots), and how many there are.
  void SlotsOf(int wd, std::vector<uint32_t>* slots) const;
  [[nodiscard]] size_t SlotCount(int wd) const;

  // How many directories are watched now.
  [[nodiscard]] size_t watched() const;

 private:
  struct Dir {
    int wd = -1;  // -1: not watched (yet)
    bool trusted = false;
    int err = 0;  // why the last attempt failed
  };
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Names = std::unordered_map<std::string, std::vector<uint32_t>, NameHash, std::equal_to<>>;
  // What the events of one watch name.
  struct Indexed {
    std::vector<Names*> names;  // into names_
    size_t slots = 0;           // in all of them
    uint32_t writes = 0;        // write events since TakeWrites
  };

  bool Add(const std::string& dir, Dir* d);
  void Remove(const std::string& dir, int wd);
  void IndexNames();  // names_by_wd_ from names_ and by_wd_

  int fd_ = -1;
  size_t unwatched_ = 0;  // entries of dirs_ without a watch (Retry's work)
  std::map<std::string, Dir> dirs_;
  std::unordered_map<int, std::vector<std::string>> by_wd_;  // one inode may have two paths
  std::unordered_map<std::string, Names> names_;             // directory -> name -> slots
  std::unordered_map<int, Indexed> names_by_wd_;
  std::vector<int> written_;       // watches whose writes went from 0 (TakeWrites's work)
  std::unordered_set<int> muted_;  // watches without IN_MODIFY
};

}  // namespace accesslog
