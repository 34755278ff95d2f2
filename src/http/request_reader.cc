#include "http/request_reader.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace accesslog::http_internal {
namespace {

namespace beast_http = boost::beast::http;

std::string ToString(boost::beast::string_view s) { return std::string(s.data(), s.size()); }

}  // namespace

struct RequestReader::ParserBox {
  beast_http::request_parser<beast_http::string_body> parser;
};

RequestReader::RequestReader() = default;
RequestReader::~RequestReader() = default;

void RequestReader::Clear() {
  parser_.reset();
  std::string().swap(in_);
}

RequestReader::Result RequestReader::Next(Request* request, int* status, std::string* message) {
  while (!in_.empty()) {
    if (parser_ == nullptr) {
      parser_ = std::make_unique<ParserBox>();
      parser_->parser.header_limit(kHeaderLimit);
      parser_->parser.body_limit(kBodyLimit);
      parser_->parser.eager(true);
    }
    auto& parser = parser_->parser;
    boost::beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(in_.data(), in_.size()), ec);
    in_.erase(0, used);
    if (ec == beast_http::error::need_more) {
      if (used == 0) return Result::kNeedMore;
      continue;
    }
    if (ec) {
      *status = ec == beast_http::error::header_limit ? 431
                : ec == beast_http::error::body_limit ? 413
                                                      : 400;
      *message = ec.message();
      Clear();
      return Result::kError;
    }
    if (!parser.is_done()) continue;
    const auto& msg = parser.get();
    if (msg.version() != 10 && msg.version() != 11) {
      *status = 505;
      *message = "HTTP Version Not Supported";
      Clear();
      return Result::kError;
    }
    request->method = ToString(msg.method_string());
    request->target = ToString(msg.target());
    request->authorization = ToString(msg[beast_http::field::authorization]);
    request->accept_encoding = ToString(msg[beast_http::field::accept_encoding]);
    request->accept = ToString(msg[beast_http::field::accept]);
    request->version = msg.version();
    request->keep_alive = msg.keep_alive();
    parser_.reset();
    if (in_.empty()) std::string().swap(in_);  // an idle connection keeps no buffer
    return Result::kRequest;
  }
  return Result::kNeedMore;
}

}  // namespace accesslog::http_internal
