// Stage: report. One input of `analyze`: a file or stdin, plain or gzip, read in chunks.
//
//   std::string error;
//   auto in = InputReader::Open("access.log.2.gz", &error);
//   if (!in) die(error);                       // "cannot open 'x.log': No such file or directory"
//   for (long n; (n = in->Read(buf, size)) > 0;) { ... }
//   if (n < 0) die(in->error());               // "'x.gz': gzip: unexpected end of file"
//
// gzip is recognised by its magic bytes (1f 8b), not by the name: a rotated "access.log.2.gz",
// a compressed file without the suffix and `zcat`-less pipes (`cat a.gz | analyze -`) all work,
// and concatenated gzip members are read one after the other (zlib's gzread). A regular file
// that is not gzip is read with plain read(2) straight into the caller's buffer; pipes and stdin
// go through gzread, which passes data that is not gzip through unchanged. Memory: zlib's
// buffers (about 3 x 128 KiB) for gzip and pipes, nothing for plain files.
//
// Thread-safety: none; one reader per thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace accesslog {

class InputReader {
 public:
  // Opens `name` ("-" is stdin). On failure returns nullptr and sets *error to a line naming
  // the file and the reason.
  static std::unique_ptr<InputReader> Open(const std::string& name, std::string* error);
  ~InputReader();
  InputReader(const InputReader&) = delete;  // owns a descriptor
  InputReader& operator=(const InputReader&) = delete;

  // Reads up to `n` (> 0) bytes into `buf`, waiting for more input on a pipe. Returns the
  // number read, 0 at the end of the input, -1 on an error (then error() says what), including
  // a gzip stream that is corrupt or ends before its trailer.
  [[nodiscard]] long Read(char* buf, size_t n);

  // Whether the data is gzip (for a pipe, known after the first Read).
  [[nodiscard]] bool compressed() const;
  // Bytes taken from the file itself so far (compressed bytes for gzip); for progress.
  [[nodiscard]] uint64_t raw_offset() const;
  // The bytes the file holds from where reading started; -1 for a pipe or terminal.
  [[nodiscard]] int64_t raw_size() const { return raw_size_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  InputReader() = default;

  std::string name_;
  int fd_ = -1;
  bool own_fd_ = false;
  void* gz_ = nullptr;  // gzFile; void* keeps zlib.h out of this header
  uint64_t plain_offset_ = 0;
  int64_t raw_size_ = -1;
  std::string error_;
};

// The raw size of `name` when it is a regular file ("-": stdin when redirected from one), for
// the progress bar's total; -1 otherwise. Sets *error and returns false when the file cannot be
// stat'ed (missing, no permission).
bool InputRawSize(const std::string& name, int64_t* size, std::string* error);

}  // namespace accesslog
