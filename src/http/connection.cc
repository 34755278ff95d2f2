#include "http/connection.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/post.hpp>
#include <cerrno>

namespace accesslog::http_internal {
namespace {

using boost::asio::ip::tcp;

// Reads per wake-up before the connection yields to the others on the I/O thread.
constexpr int kReadsPerWakeup = 8;

}  // namespace

Connection::Connection(ConnectionHost& host, tcp::socket socket, SSL_CTX* tls)
    : host_(host), socket_(std::move(socket)), timer_(socket_.get_executor()), tls_ctx_(tls) {}

Connection::~Connection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

void Connection::Start() {
  boost::system::error_code ec;
  socket_.native_non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(true), ec);
  op_ = tls_ctx_ != nullptr ? Op::kHandshake : Op::kRead;
  Arm(host_.options().header_timeout, CloseReason::kHeaderTimeout);
  Wait(false);
}

void Connection::Wait(bool for_write) {
  socket_.async_wait(for_write ? tcp::socket::wait_write : tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (ec || self->state_ == ConnectionState::kClosed) return;
                       self->Resume();
                     });
}

void Connection::Resume() {
  switch (op_) {
    case Op::kHandshake:
      Handshake();
      return;
    case Op::kRead:
      ReadAndParse();
      return;
    case Op::kWrite:
      Write();
      return;
  }
}

void Connection::Arm(std::chrono::milliseconds after, CloseReason reason) {
  deadline_reason_ = reason;
  timer_.expires_after(after);  // cancels the previous wait, whose handler then does nothing
  timer_.async_wait([self = shared_from_this(),
                     generation = ++timer_generation_](const boost::system::error_code& ec) {
    if (ec || generation != self->timer_generation_) return;
    self->Close(self->deadline_reason_);
  });
}

void Connection::Disarm() {
  ++timer_generation_;
  timer_.cancel();
}

void Connection::Handshake() {
  if (ssl_ == nullptr) {
    // OpenSSL's state (tens of KiB with its record buffers) is made only once the client has
    // sent something: a connection that never sends a ClientHello costs a socket, no more.
    char c;
    const ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK);
    if (n == 0) return Close(CloseReason::kClient);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Wait(false);
      return Close(CloseReason::kIoError);
    }
    ssl_ = SSL_new(tls_ctx_);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
      return Close(CloseReason::kTlsError);
    }
    SSL_set_accept_state(ssl_);
    state_ = ConnectionState::kHead;
  }
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) {
    op_ = Op::kRead;
    state_ = ConnectionState::kIdle;  // no byte of a request yet: the head deadline runs on
    return ReadAndParse();
  }
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      return Wait(false);
    case SSL_ERROR_WANT_WRITE:
      return Wait(true);
    default:
      return Close(CloseReason::kTlsError);
  }
}

void Connection::ReadAndParse() {
  if (Parse()) return;  // a pipelined request already buffered
  const std::span<char> buf = host_.scratch();
  for (int i = 0; i < kReadsPerWakeup; ++i) {
    size_t got = 0;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
      if (n <= 0) {
        switch (SSL_get_error(ssl_, n)) {
          case SSL_ERROR_WANT_READ:
            return Wait(false);
          case SSL_ERROR_WANT_WRITE:
            return Wait(true);
          case SSL_ERROR_ZERO_RETURN:
            return Close(CloseReason::kClient);
          case SSL_ERROR_SYSCALL:
            // An end of stream without close_notify: most clients just close.
            return Close(errno == 0 ? CloseReason::kClient : CloseReason::kIoError);
          default:
            return Close(CloseReason::kIoError);
        }
      }
      got = static_cast<size_t>(n);
    } else {
      const ssize_t n = ::recv(socket_.native_handle(), buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return Wait(false);
        return Close(CloseReason::kIoError);
      }
      if (n == 0) return Close(CloseReason::kClient);
      got = static_cast<size_t>(n);
    }
    if (state_ == ConnectionState::kIdle) {
      // The first byte of a request: from now on the head must arrive within header_timeout
      // (a kept-alive connection had idle_timeout until now).
      state_ = ConnectionState::kHead;
      Arm(host_.options().header_timeout, CloseReason::kHeaderTimeout);
    }
    reader_.Append(buf.data(), got);
    if (Parse()) return;
  }
  // Enough for this wake-up: let the other connections have the thread, then go on.
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->state_ != ConnectionState::kClosed) self->Resume();
  });
}

bool Connection::Parse() {
  Request request;
  int status = 0;
  std::string why;
  switch (reader_.Next(&request, &status, &why)) {
    case RequestReader::Result::kNeedMore:
      return false;
    case RequestReader::Result::kError:
      state_ = ConnectionState::kBusy;
      Disarm();
      close_reason_ = CloseReason::kBadRequest;
      Respond(host_.router().Error(status, why));
      return true;
    case RequestReader::Result::kRequest:
      break;
  }
  request.keep_alive = request.keep_alive && !host_.stopping();
  state_ = ConnectionState::kBusy;
  Disarm();
  if (Router::IsProbe(request)) {
    Respond(host_.router().Route(request));  // cheap, and never waits behind a long scrape
  } else {
    host_.Dispatch(shared_from_this(), std::move(request));
  }
  return true;
}

void Connection::Respond(Response response) {
  if (state_ == ConnectionState::kClosed) return;
  out_ = std::move(response);
  written_ = 0;
  close_after_ = out_.close || host_.stopping();
  if (close_after_ && !out_.close) {
    // Routed before the server began to stop: tell the client this connection ends here.
    static constexpr std::string_view kKeepAlive = "Connection: keep-alive\r\n";
    if (const size_t at = out_.head.find(kKeepAlive); at != std::string::npos) {
      out_.head.erase(at, kKeepAlive.size());
    }
    if (out_.head.ends_with("\r\n\r\n")) {
      out_.head.insert(out_.head.size() - 2, "Connection: close\r\n");
    }
  }
  op_ = Op::kWrite;
  Arm(host_.options().write_timeout, CloseReason::kWriteTimeout);
  Write();
}

void Connection::Write() {
  const size_t head = out_.head.size();
  const size_t total = head + out_.body.size();
  while (written_ < total) {
    if (ssl_ != nullptr) {
      const std::string& piece = written_ < head ? out_.head : out_.body;
      const size_t at = written_ < head ? written_ : written_ - head;
      const size_t len = std::min<size_t>(piece.size() - at, 1 << 20);
      ERR_clear_error();
      const int n = SSL_write(ssl_, piece.data() + at, static_cast<int>(len));
      if (n <= 0) {
        const int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
          Arm(host_.options().write_timeout, CloseReason::kWriteTimeout);
          return Wait(err == SSL_ERROR_WANT_WRITE);
        }
        return Close(CloseReason::kIoError);
      }
      written_ += static_cast<size_t>(n);
      continue;
    }
    iovec iov[2];
    int count = 0;
    if (written_ < head) {
      iov[count++] = {const_cast<char*>(out_.head.data()) + written_, head - written_};
      if (!out_.body.empty()) iov[count++] = {out_.body.data(), out_.body.size()};
    } else {
      iov[count++] = {out_.body.data() + (written_ - head), total - written_};
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    const ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        Arm(host_.options().write_timeout, CloseReason::kWriteTimeout);  // progress restarts it
        return Wait(true);
      }
      return Close(CloseReason::kIoError);
    }
    written_ += static_cast<size_t>(n);
  }
  Finished();
}

void Connection::Finished() {
  out_ = Response();  // gives the (possibly half-megabyte) body back now
  if (close_after_) {
    return Close(host_.stopping() && close_reason_ == CloseReason::kClient ? CloseReason::kShutdown
                                                                           : close_reason_);
  }
  state_ = ConnectionState::kIdle;
  op_ = Op::kRead;
  Arm(host_.options().idle_timeout, CloseReason::kIdleTimeout);
  host_.OnIdle(this);
  if (reader_.has_bytes()) {
    state_ = ConnectionState::kHead;  // a pipelined request is already here
    Arm(host_.options().header_timeout, CloseReason::kHeaderTimeout);
  }
  // Through the reactor's queue, not a direct call: a client pipelining probes answered on this
  // thread must not recurse one frame per request.
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->state_ != ConnectionState::kClosed) self->Resume();
  });
}

void Connection::Close(CloseReason reason) {
  if (state_ == ConnectionState::kClosed) return;
  const bool graceful = reason == CloseReason::kClient || reason == CloseReason::kIdleTimeout ||
                        reason == CloseReason::kShutdown || reason == CloseReason::kEvicted;
  const auto self = shared_from_this();  // the host drops its reference in OnClosed
  state_ = ConnectionState::kClosed;
  Disarm();
  // Counted before the client can see the close (a test, or a scrape right after, reads it).
  host_.OnClosed(this, reason);
  if (ssl_ != nullptr && graceful && SSL_is_init_finished(ssl_)) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // one non-blocking close_notify, best effort
  }
  boost::system::error_code ec;
  socket_.close(ec);
  reader_.Clear();
  out_ = Response();
}

}  // namespace accesslog::http_internal
