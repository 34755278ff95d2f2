#include "tail/positions.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "util/utf8.h"

namespace accesslog {
namespace {

constexpr int kVersion = 1;

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

// A lower-case hex digit's value, or -1.
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ParseHex64(const std::string& s, uint64_t* v) {
  if (s.size() != 16) return false;
  uint64_t out = 0;
  for (char c : s) {
    const int d = HexDigit(c);
    if (d < 0) return false;
    out = out << 4 | static_cast<uint64_t>(d);
  }
  *v = out;
  return true;
}

std::string HexBytes(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0xF];
  }
  return out;
}

// Lower-case hex, two digits per byte, at least one byte.
bool ParseHexBytes(const std::string& hex, std::string* out) {
  if (hex.empty() || hex.size() % 2 != 0) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexDigit(hex[i]), lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

// Reads one entry; returns the name of the bad field, or "" when the entry is good.
std::string ParseEntry(const nlohmann::json& j, PositionEntry* e) {
  if (!j.is_object()) return "an entry that is not an object";
  const auto get_uint = [&](const char* key, uint64_t* out) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) return false;
    *out = it->get<uint64_t>();
    return true;
  };
  // A name that is not UTF-8 (a JSON string must be) is kept byte for byte as hex.
  if (const auto hex = j.find("path_hex"); hex != j.end()) {
    if (!hex->is_string() || !ParseHexBytes(hex->get<std::string>(), &e->path)) return "path_hex";
  } else {
    const auto path = j.find("path");
    if (path == j.end() || !path->is_string() || path->get<std::string>().empty()) return "path";
    e->path = path->get<std::string>();
  }
  if (!get_uint("device", &e->id.dev)) return "device";
  if (!get_uint("inode", &e->id.ino)) return "inode";
  uint64_t fp_bytes = 0;
  if (!get_uint("fingerprint_bytes", &fp_bytes) || fp_bytes > kFingerprintBytes) {
    return "fingerprint_bytes";
  }
  e->id.fp_bytes = static_cast<uint32_t>(fp_bytes);
  const auto fp = j.find("fingerprint");
  if (fp == j.end() || !fp->is_string() || !ParseHex64(fp->get<std::string>(), &e->id.fp_hash)) {
    return "fingerprint";
  }
  uint64_t offset = 0;
  if (!get_uint("offset", &offset) || offset > static_cast<uint64_t>(INT64_MAX)) return "offset";
  e->offset = static_cast<int64_t>(offset);
  for (const auto& [key, out] :
       {std::pair<const char*, bool*>{"skip_to_newline", &e->skip_to_newline},
        std::pair<const char*, bool*>{"rotated", &e->rotated}}) {
    const auto it = j.find(key);
    if (it == j.end()) continue;  // optional, default false
    if (!it->is_boolean()) return key;
    *out = it->get<bool>();
  }
  return "";
}

}  // namespace

bool LoadPositions(const std::string& file, std::vector<PositionEntry>* entries,
                   std::string* error) {
  entries->clear();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;  // first run
    *error = "positions file " + file + ": cannot open it: " + std::strerror(errno);
    return false;
  }
  std::string content;
  char buf[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = "positions file " + file + ": cannot read it: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (content.find_first_not_of(" \t\r\n") == std::string::npos) return true;  // empty: none yet
  const std::string what = "positions file " + file + ": ";
  const std::string fix = " (fix or delete it; without it the exporter starts at --tail.from)";
  nlohmann::json j = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *error = what + "not valid JSON" + fix;
    return false;
  }
  if (!j.is_object() || !j.contains("version") || !j["version"].is_number_integer()) {
    *error = what + "no \"version\"" + fix;
    return false;
  }
  if (j["version"].get<int64_t>() != kVersion) {
    *error = what + "version " + j["version"].dump() + " is not supported (this exporter writes " +
             std::to_string(kVersion) + ")" + fix;
    return false;
  }
  if (!j.contains("files") || !j["files"].is_array()) {
    *error = what + "no \"files\" array" + fix;
    return false;
  }
  size_t index = 0;
  for (const auto& item : j["files"]) {
    PositionEntry e;
    if (const std::string bad = ParseEntry(item, &e); !bad.empty()) {
      *error = what + "files[" + std::to_string(index) + "]: missing or bad \"" + bad + "\"" + fix;
      entries->clear();
      return false;
    }
    entries->push_back(std::move(e));
    ++index;
  }
  return true;
}

std::string SerializePositions(const std::vector<PositionEntry>& entries) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& e : entries) {
    nlohmann::json entry = {{"device", e.id.dev},
                            {"inode", e.id.ino},
                            {"fingerprint", Hex64(e.id.fp_hash)},
                            {"fingerprint_bytes", e.id.fp_bytes},
                            {"offset", static_cast<uint64_t>(e.offset)},
                            {"skip_to_newline", e.skip_to_newline},
                            {"rotated", e.rotated}};
    if (IsValidUtf8(e.path)) {
      entry["path"] = e.path;
    } else {
      entry["path_hex"] = HexBytes(e.path);
    }
    files.push_back(std::move(entry));
  }
  nlohmann::json j = {{"version", kVersion}, {"files", std::move(files)}};
  return j.dump(1) + "\n";
}

bool WriteFileAtomically(const std::string& file, const std::string& content, std::string* error) {
  const std::string tmp = file + ".tmp";
  const auto fail = [&](const std::string& step) {
    *error = "positions file " + file + ": " + step + ": " + std::strerror(errno);
    return false;
  };
  // Every step's result is checked, and the temporary file is removed on any failure: a full
  // disk fails the write (or, on some file systems, only the fsync or the close), and the good
  // file under `file` is then left as it was.
  const auto abandon = [&](int fd, const std::string& step) {
    const int saved = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    errno = saved;
    return fail(step);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create " + tmp);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;  // no progress: as good as a full disk
      return abandon(fd, "cannot write " + tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return abandon(fd, "cannot fsync " + tmp);
  if (::close(fd) != 0) return abandon(-1, "cannot close " + tmp);
  if (::rename(tmp.c_str(), file.c_str()) != 0) return abandon(-1, "cannot rename " + tmp);
  // The rename is durable once the directory is on disk too.
  const size_t slash = file.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : file.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace accesslog
