// Stage: exposition (HTTP), inside the server: one client connection, from accept to close.
//
// A connection reads with non-blocking calls whenever its socket is readable (Asio's reactor
// tells), feeds the bytes to Boost.Beast's request parser, hands a complete request to its host
// and writes the response back; with TLS, OpenSSL's SSL object is driven the same way on the
// socket's descriptor. It never blocks and never waits on a thread: a client that sends nothing
// costs a socket, a timer and a few hundred bytes.
//
// Its state tells the host which connections it may close to make room at the cap:
//   kIdle  no byte of a request yet (just accepted, or kept alive after a response)
//   kHead  receiving a request (or a TLS handshake)
//   kBusy  a request is being handled or its response written
// One deadline at a time is armed: header_timeout from accept or from a request's first byte,
// idle_timeout while kept alive, write_timeout while a write makes no progress.
//
// Thread-safety: everything runs on the server's one I/O thread, except that the host may call
// Respond from a handler it posted back to that thread.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <span>
#include <string>

#include "http/request_reader.h"
#include "http/router.h"
#include "http/server.h"

namespace accesslog::http_internal {

class Connection;

// What a connection needs from the server that owns it. Called on the I/O thread.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  // Routes `request` off the I/O thread and calls c->Respond on the I/O thread with the answer.
  virtual void Dispatch(std::shared_ptr<Connection> c, Request request) = 0;
  // `c` finished a response and waits, kept alive: it is now the most recently active.
  virtual void OnIdle(Connection* c) = 0;
  // `c` is closed; the host forgets it.
  virtual void OnClosed(Connection* c, CloseReason reason) = 0;
  [[nodiscard]] virtual const WebOptions& options() const = 0;
  [[nodiscard]] virtual Router& router() = 0;
  // A buffer for reads, shared by every connection of the I/O thread.
  [[nodiscard]] virtual std::span<char> scratch() = 0;
  // While stopping, responses close their connection.
  [[nodiscard]] virtual bool stopping() const = 0;
};

enum class ConnectionState { kIdle, kHead, kBusy, kClosed };

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: the server's context, or null for plain HTTP.
  Connection(ConnectionHost& host, boost::asio::ip::tcp::socket socket, SSL_CTX* tls);
  ~Connection();
  Connection(const Connection&) = delete;  // owns a socket
  Connection& operator=(const Connection&) = delete;

  // Arms the header deadline and waits for the first bytes.
  void Start();
  // Writes `response`; then waits for the next request, or closes when it says so.
  void Respond(Response response);
  // Closes now (no-op when closed): counts `reason` through the host.
  void Close(CloseReason reason);

  [[nodiscard]] ConnectionState state() const { return state_; }
  // The host's bookkeeping: where this connection is in its eviction order.
  std::list<std::shared_ptr<Connection>>::iterator position;

 private:
  enum class Op { kHandshake, kRead, kWrite };
  void Resume();
  void Wait(bool for_write);
  void Arm(std::chrono::milliseconds after, CloseReason reason);
  void Disarm();
  void Handshake();
  void ReadAndParse();
  // Feeds the received bytes to the reader. True when the connection moved on (a request was
  // handed over, or an error answered) and the caller must stop reading.
  bool Parse();
  void Write();
  void Finished();

  ConnectionHost& host_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  SSL_CTX* tls_ctx_;
  SSL* ssl_ = nullptr;  // made when the first byte arrives
  ConnectionState state_ = ConnectionState::kIdle;
  Op op_ = Op::kRead;
  uint32_t timer_generation_ = 0;
  CloseReason deadline_reason_ = CloseReason::kHeaderTimeout;
  CloseReason close_reason_ = CloseReason::kClient;  // when the response says close
  RequestReader reader_;  // received, not yet parsed (a partial head, or a pipelined request)
  Response out_;
  size_t written_ = 0;
  bool close_after_ = false;
};

}  // namespace accesslog::http_internal
