// A syslog sender for bench/syslog_bench.py: reads an access log and sends each line as an
// RFC 3164 message ("<190>Dec  1 10:00:00 bench nginx: LINE", what nginx sends) to 127.0.0.1.
//
//   syslog_sender udp PORT LOG RATE [SECONDS]   # RATE messages/s paced per millisecond (0: as
//                                              # fast as possible), for SECONDS (default: once
//                                              # through the log); sendmmsg batches of 64
//   syslog_sender tcp PORT LOG                 # once through the log, LF framing, 256 KiB writes
//
// Prints the number of messages sent. Loopback only. Not part of the product: a benchmark tool.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s udp|tcp PORT LOG [RATE [SECONDS]]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int port = std::atoi(argv[2]);
  const double rate = argc > 4 ? std::atof(argv[4]) : 0;
  const double seconds = argc > 5 ? std::atof(argv[5]) : 0;
  std::vector<std::string> messages;
  std::ifstream in(argv[3]);
  for (std::string line; std::getline(in, line);) {
    messages.push_back("<190>Dec  1 10:00:00 bench nginx: " + line);
  }
  if (messages.empty()) return 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long long sent = 0;
  if (mode == "tcp") {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return 1;
    std::string buf;
    for (const auto& m : messages) {
      buf += m;
      buf += '\n';
      ++sent;
      if (buf.size() >= 256 * 1024) {
        if (send(fd, buf.data(), buf.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(buf.size())) {
          return 1;
        }
        buf.clear();
      }
    }
    if (!buf.empty()) send(fd, buf.data(), buf.size(), MSG_NOSIGNAL);
    close(fd);
    std::printf("%lld\n", sent);
    return 0;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return 1;
  const long long total = seconds > 0 ? static_cast<long long>(rate * seconds)
                                      : static_cast<long long>(messages.size());
  constexpr int kBatch = 64;
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  const auto start = std::chrono::steady_clock::now();
  size_t next = 0;
  while (sent < total) {
    if (rate > 0) {  // pace: never ahead of rate * elapsed
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const long long allowed = static_cast<long long>(rate * elapsed) + 1;
      if (sent >= allowed) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
    }
    int n = 0;
    for (; n < kBatch && sent + n < total; ++n) {
      const std::string& m = messages[next];
      next = (next + 1) % messages.size();
      iov[n] = {const_cast<char*>(m.data()), m.size()};
      std::memset(&msgs[n], 0, sizeof(msgs[n]));
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
    }
    const int done = sendmmsg(fd, msgs, static_cast<unsigned>(n), 0);
    if (done < 0) return 1;
    sent += done;
  }
  std::printf("%lld\n", sent);
  return 0;
}
