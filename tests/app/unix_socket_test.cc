// A unix socket is never taken from a process that serves it (issue 28): --log.listen on the
// path of a live datagram or stream socket refuses to start, naming the path, and that socket
// keeps working; a stale socket file (its server gone) is replaced. The socket file's mode is
// syslog.socket_mode, 0660 unless set.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>

#include "support/test_support.h"

namespace accesslog {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::WaitFor;

const std::string kBin = ACCESSLOG_EXPORTER_BIN;

sockaddr_un Address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::snprintf(a.sun_path, sizeof(a.sun_path), "%s", path.c_str());
  return a;
}

// A socket of `type` bound at `path` (and listening, for a stream socket).
int Serve(const std::string& path, int type) {
  const int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  const sockaddr_un a = Address(path);
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)), 0);
  if (type == SOCK_STREAM) {
    EXPECT_EQ(::listen(fd, 4), 0);
  }
  return fd;
}

TEST(UnixSocketTest, ALiveSocketIsNeverTakenOver) {
  TempDir dir;
  for (const int type : {SOCK_DGRAM, SOCK_STREAM}) {
    const std::string path = dir.File(type == SOCK_DGRAM ? "dgram.sock" : "stream.sock");
    const int served = Serve(path, type);
    std::string out;
    EXPECT_EQ(RunCommand({kBin, "--log.listen=unix://" + path, "--web.listen-address=127.0.0.1:0"},
                         &out, 20s),
              1)
        << out;
    EXPECT_NE(out.find("another process serves the socket " + path), std::string::npos) << out;
    // Still there, still served by its owner.
    const sockaddr_un a = Address(path);
    const int client = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    EXPECT_EQ(::connect(client, reinterpret_cast<const sockaddr*>(&a), sizeof(a)), 0) << path;
    ::close(client);
    ::close(served);
  }
}

TEST(UnixSocketTest, AStaleSocketIsReplacedAndTheModeIsTheConfigured) {
  TempDir dir;
  const std::string path = dir.File("log.sock");
  ::close(Serve(path, SOCK_DGRAM));  // its server is gone; the file stays
  for (const std::string mode : {"", "0666"}) {
    testing::WriteFile(dir.File("c.yaml"),
                       "sources:\n  - {name: local, listen: 'unix://" + path + "'" +
                           (mode.empty() ? "" : ", syslog: {socket_mode: '" + mode + "'}") + "}\n");
    testing::ExporterProcess exporter({"--config.file=" + dir.File("c.yaml")}, dir.File("stdout"),
                                      dir.File("stderr"));
    ASSERT_TRUE(exporter.Listening()) << exporter.log();
    ASSERT_TRUE(WaitFor(
        [&] {
          return testing::ReadFile(dir.File("stderr")).find("listening for syslog") !=
                 std::string::npos;
        },
        10s))
        << testing::ReadFile(dir.File("stderr"));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, mode.empty() ? 0660u : 0666u);
    EXPECT_EQ(exporter.Stop(SIGTERM, 10s), 0);
  }
}

}  // namespace
}  // namespace accesslog
