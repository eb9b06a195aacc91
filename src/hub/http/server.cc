// The HTTP server adapter. This is the only file that includes the server library
// (Boost.Beast on Boost.Asio); see docs/decisions/http-server.md for why Beast.

#include "hub/http/server.h"

#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "fmt/format.h"
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "hub/common/log.h"
#include "hub/common/random.h"
#include "hub/common/strings.h"
#include "hub/common/thread_pool.h"
#include "hub/http/request_target.h"
#include "hub/metrics/registry.h"

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace hub::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using Tcp = net::ip::tcp;
using ErrorCode = beast::error_code;

constexpr std::chrono::milliseconds kLingerTimeout{2000};
constexpr std::uint64_t kLingerMaxBytes = 64ull << 20;
// Beast reads a body into whatever room the read buffer has left (at least 512 bytes), and the
// parser empties the buffer as it goes, so the buffer never grows by itself: without room made
// here a 3 MB upload took about 1,500 reads and 60 ms on loopback.
constexpr size_t kBodyReadRoom = size_t{64} * 1024;

bool IsQuietPath(std::string_view path) {
  return path == "/healthz" || path == "/livez" || path == "/readyz";
}

// Accepts ids clients send (for correlation across services) when they are short and plain.
bool IsUsableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) {
    return false;
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string MediaType(std::string_view content_type) {
  size_t semicolon = content_type.find(';');
  return common::ToLower(common::Trim(content_type.substr(0, semicolon)));
}

}  // namespace

class Session;

class Server::Impl {
public:
  Impl(ServerOptions options, const Router& router, metrics::Registry* metrics);

  absl::Status Start();
  void Stop();

  int port() const { return bound_port_; }

  const ServerOptions& options() const { return options_; }

  const Router& router() const { return router_; }

  common::ThreadPool& workers() { return *workers_; }

  bool stopping() const { return stopping_.load(); }

  void Register(Session* session, const std::shared_ptr<Session>& shared);
  void Unregister(Session* session);

  void RequestStarted() { ++active_requests_; }

  void RequestFinished();
  void Observe(const Request& request, const RouteOptions* options, int status, double seconds);

  std::atomic<size_t> connections{0};
  std::atomic<size_t> active_requests_{0};

private:
  void Accept();
  void CloseIdleSessions();

  ServerOptions options_;
  const Router& router_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  std::mutex sessions_mu_;
  std::condition_variable drained_cv_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;

  prometheus::Family<prometheus::Counter>* requests_total_ = nullptr;
  prometheus::Family<prometheus::Histogram>* request_seconds_ = nullptr;

  // Declared last so they are destroyed first: destroying the io_context destroys pending
  // handlers, which may hold the last reference to a session, whose destructor uses the
  // members above.
  std::unique_ptr<common::ThreadPool> workers_;
  net::io_context ioc_;
  // Keeps `ioc_.run()` going while a handler runs on a worker and no socket operation is
  // pending; released only by `Stop`.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_guard_;
  Tcp::acceptor acceptor_;
  int bound_port_ = 0;
  std::vector<std::thread> io_threads_;
};

// One client connection: reads requests one after another (keep-alive), hands each to a
// worker, and writes the response. All socket work runs on the connection's strand.
class Session final : public std::enable_shared_from_this<Session> {
public:
  Session(Tcp::socket socket, Server::Impl& server)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), server_(server) {}

  ~Session();

  void Start() { ReadHeader(); }

  // Called on shutdown: an idle connection is closed at once; a busy one closes after its
  // response, and an open stream is cancelled.
  void Shutdown();

private:
  void ReadHeader();
  void OnHeader(ErrorCode ec);
  void BeginRequest();
  void ContinueThenReadBody();
  void ReadBody();
  template <typename Parser>
  void ReadBodyPart(Parser& parser);
  void OnBodyDone();
  void Dispatch();
  void Reply(Response response);
  void Reject(int status, std::string_view detail);
  void WriteString(Response response);
  void WritePieces(Response response);
  void WriteStreamHeader(Response response);
  void PullStream();
  void OnStreamStep(StreamStep step, const std::shared_ptr<std::string>& chunk);
  void EndStream(bool write_last_chunk);
  void FinishRequest(ErrorCode ec);
  // Records metrics and the access-log line, once per request.
  void Observe();
  void LingerAndClose();
  void DrainForLinger();
  void Close();
  void AddCommonHeaders(Response& response) const;
  std::uint64_t BodyLimit() const;

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  Server::Impl& server_;

  std::optional<bhttp::request_parser<bhttp::empty_body>> header_parser_;
  std::optional<bhttp::request_parser<bhttp::string_body>> string_parser_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;

  Request request_;
  const Route* route_ = nullptr;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool idle_ = true;
  bool in_request_ = false;
  bool closed_ = false;
  int status_ = 0;
  bool observed_ = false;
  bool body_unread_ = false;
  std::chrono::steady_clock::time_point started_;

  std::shared_ptr<BodyStream> body_stream_;
  bool stream_cancelled_ = false;
  std::optional<bhttp::response<bhttp::empty_body>> stream_response_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
  std::uint64_t lingered_bytes_ = 0;
};

Session::~Session() {
  if (!request_.body_file.empty()) {
    ::unlink(request_.body_file.c_str());
  }
  if (in_request_) {
    server_.RequestFinished();
  }
  server_.Unregister(this);
}

void Session::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->keep_alive_ = false;
    if (self->idle_) {
      self->Close();
      return;
    }
    if (self->body_stream_ && !self->stream_cancelled_) {
      self->stream_cancelled_ = true;
      self->body_stream_->Cancel();
      self->timer_.cancel();
    }
  });
}

void Session::ReadHeader() {
  if (server_.stopping()) {
    Close();
    return;
  }
  idle_ = true;
  request_ = Request();
  route_ = nullptr;
  status_ = 0;
  observed_ = false;
  header_parser_.emplace();
  header_parser_->header_limit(server_.options().max_header_bytes);
  // Body limits are per route, checked once the route is known. (Beast 1.74 compares the
  // length against an empty optional as "exceeded", so "no limit" must be a number.)
  header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  stream_.expires_after(server_.options().idle_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *header_parser_,
      [self = shared_from_this()](ErrorCode ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(ErrorCode ec) {
  idle_ = false;
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset ||
      ec == net::error::eof) {
    Close();
    return;
  }
  in_request_ = true;
  server_.RequestStarted();
  started_ = std::chrono::steady_clock::now();
  keep_alive_ = false;
  if (ec == bhttp::error::header_limit) {
    Reject(431, "request header fields are too large");
    return;
  }
  if (ec) {
    HUB_LOG(debug, "unparsable request", {"error", ec.message()});
    Reject(400, "malformed HTTP request");
    return;
  }
  BeginRequest();
}

void Session::BeginRequest() {
  auto& header = header_parser_->get();
  version_ = header.version();
  keep_alive_ = header.keep_alive() && !server_.stopping();
  request_.method = ParseMethod(common::ToString(header.method_string()));
  request_.target = common::ToString(header.target());
  for (const auto& field : header) {
    request_.headers.Add(common::ToString(field.name_string()), common::ToString(field.value()));
  }
  ErrorCode endpoint_error;
  auto remote = stream_.socket().remote_endpoint(endpoint_error);
  request_.client_address = endpoint_error ? "" : remote.address().to_string();
  auto client_id = request_.headers.Get("X-Request-Id");
  request_.request_id = client_id && IsUsableRequestId(*client_id) ? std::string(*client_id)
                                                                   : common::RandomHexToken(8);

  // Where the request goes decides its limits, so route before touching the body.
  absl::Status target_status = SplitTarget(request_.target, request_.path, request_.query);
  if (!target_status.ok()) {
    std::string reason(target_status.message());
    Reject(400, reason);
    return;
  }
  bool preflight = request_.method == Method::kOptions && !server_.options().cors_origins.empty() &&
                   request_.headers.Has("Access-Control-Request-Method");
  Method lookup = preflight ? ParseMethod(*request_.headers.Get("Access-Control-Request-Method"))
                            : request_.method;
  std::string_view raw_path =
      std::string_view{request_.target}.substr(0, request_.target.find('?'));
  Router::Match match = server_.router().Find(lookup, raw_path);
  if (match.status == 404) {
    Reject(404, fmt::format("no route for {} {}", MethodName(request_.method), request_.path));
    return;
  }
  if (match.status == 405) {
    std::string allowed;
    for (Method m : match.allowed) {
      allowed += allowed.empty() ? "" : ", ";
      allowed += MethodName(m);
    }
    Reject(405, fmt::format("method {} is not allowed on {}; allowed: {}",
                            MethodName(request_.method), request_.path, allowed));
    return;
  }
  route_ = match.route;
  request_.route = route_->pattern;
  request_.path_params = std::move(match.params);
  if (preflight) {
    Reply(Response::NoContent());
    return;
  }
  ContinueThenReadBody();
}

std::uint64_t Session::BodyLimit() const {
  std::uint64_t limit = route_->options.max_body_bytes;
  return limit == 0 ? server_.options().max_body_bytes : limit;
}

void Session::ContinueThenReadBody() {
  bool has_body = !header_parser_->is_done();
  auto length = header_parser_->content_length();
  if (has_body && length && *length > BodyLimit()) {
    Reject(413, fmt::format("request body of {} bytes exceeds the limit of {} bytes for {}",
                            *length, BodyLimit(), route_->pattern));
    return;
  }
  const auto& types = route_->options.content_types;
  if (has_body && !types.empty() && (!length || *length > 0)) {
    std::string media = MediaType(request_.headers.Get("Content-Type").value_or(""));
    if (std::find(types.begin(), types.end(), media) == types.end()) {
      std::vector<std::string> named;
      std::copy_if(types.begin(), types.end(), std::back_inserter(named),
                   [](const std::string& t) { return !t.empty(); });
      Reject(415, fmt::format("unsupported content type '{}' for {}; send {}", media,
                              route_->pattern, common::Join(named, " or ")));
      return;
    }
  }
  if (!has_body) {
    OnBodyDone();
    return;
  }
  auto expect = request_.headers.Get("Expect");
  if (expect && common::ToLower(*expect) == "100-continue") {
    auto reply =
        std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, version_);
    stream_.expires_after(server_.options().io_timeout);
    bhttp::async_write(stream_, *reply, [self = shared_from_this(), reply](ErrorCode ec, size_t) {
      if (ec) {
        self->Close();
        return;
      }
      self->ReadBody();
    });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  buffer_.reserve(kBodyReadRoom);
  if (route_->options.spool_body) {
    file_parser_.emplace(std::move(*header_parser_));
    header_parser_.reset();
    file_parser_->body_limit(BodyLimit());
    request_.body_file =
        fmt::format("{}/hub-upload-{}.tmp", server_.options().spool_dir, common::RandomHexToken(8));
    ErrorCode ec;
    file_parser_->get().body().open(request_.body_file.c_str(), beast::file_mode::write_new, ec);
    if (ec) {
      HUB_LOG(error, "cannot create upload spool file", {"path", request_.body_file},
              {"error", ec.message()});
      request_.body_file.clear();
      Reject(503, "the server cannot store uploads right now; try again later");
      return;
    }
    ReadBodyPart(*file_parser_);
    return;
  }
  string_parser_.emplace(std::move(*header_parser_));
  header_parser_.reset();
  string_parser_->body_limit(BodyLimit());
  ReadBodyPart(*string_parser_);
}

// Reads the body piece by piece so that the I/O timeout measures progress, not total time.
template <typename Parser>
void Session::ReadBodyPart(Parser& parser) {
  stream_.expires_after(server_.options().io_timeout);
  bhttp::async_read_some(
      stream_, buffer_, parser, [self = shared_from_this(), &parser](ErrorCode ec, size_t) {
        if (ec == bhttp::error::body_limit) {
          self->Reject(413, fmt::format("request body exceeds the limit of {} bytes for {}",
                                        self->BodyLimit(), self->route_->pattern));
          return;
        }
        if (ec == beast::error::timeout) {
          self->Reject(408, "the request body did not arrive in time");
          return;
        }
        if (ec) {
          self->Close();
          return;
        }
        if (!parser.is_done()) {
          self->ReadBodyPart(parser);
          return;
        }
        self->OnBodyDone();
      });
}

void Session::OnBodyDone() {
  bool read_body = string_parser_ || file_parser_;
  if (string_parser_) {
    request_.body = std::move(string_parser_->get().body());
    request_.body_size = request_.body.size();
    string_parser_.reset();
  } else if (file_parser_) {
    file_parser_->get().body().close();
    std::error_code size_error;
    request_.body_size = std::filesystem::file_size(request_.body_file, size_error);
    file_parser_.reset();
  }
  header_parser_.reset();
  // An idle keep-alive connection should not hold the body's read room.
  if (read_body) {
    buffer_.shrink_to_fit();
  }
  Dispatch();
}

void Session::Dispatch() {
  auto run = [self = shared_from_this()] {
    log::ScopedField request_id("request_id", self->request_.request_id);
    Response response;
    try {
      response = self->route_->handler(self->request_);
    } catch (const std::exception& e) {
      HUB_LOG(error, "handler failed", {"route", self->request_.route}, {"error", e.what()});
      response = Response::Error(
          500, fmt::format("internal error (request id {})", self->request_.request_id));
    }
    net::post(self->stream_.get_executor(),
              [self, r = std::move(response)]() mutable { self->Reply(std::move(r)); });
  };
  if (route_->options.inline_handler) {
    run();
    return;
  }
  if (!server_.workers().Submit(run)) {
    Reject(503, "the server is shutting down");
  }
}

void Session::Reject(int status, std::string_view detail) {
  // The body was not read (or not completely), so the connection cannot be reused.
  if (header_parser_ || string_parser_ || file_parser_) {
    bool body_pending = (header_parser_ && !header_parser_->is_done()) ||
                        (string_parser_ && !string_parser_->is_done()) ||
                        (file_parser_ && !file_parser_->is_done());
    if (body_pending) {
      keep_alive_ = false;
      body_unread_ = true;
    }
  }
  Reply(Response::Error(status, detail));
}

void Session::AddCommonHeaders(Response& response) const {
  response.headers.Set("X-Request-Id", request_.request_id);
  const auto& origins = server_.options().cors_origins;
  auto origin = request_.headers.Get("Origin");
  if (origins.empty() || !origin) {
    return;
  }
  bool any = std::find(origins.begin(), origins.end(), "*") != origins.end();
  if (!any && std::find(origins.begin(), origins.end(), *origin) == origins.end()) {
    return;
  }
  response.headers.Set("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.Set("Vary", "Origin");
  response.headers.Set("Access-Control-Expose-Headers", "X-Request-Id");
  if (request_.method == Method::kOptions) {
    response.headers.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
    response.headers.Set("Access-Control-Allow-Headers",
                         "Authorization, Content-Type, X-Request-Id");
    response.headers.Set("Access-Control-Max-Age", "600");
  }
}

void Session::Reply(Response response) {
  if (closed_) {
    return;
  }
  status_ = response.status;
  AddCommonHeaders(response);
  if (response.stream) {
    WriteStreamHeader(std::move(response));
    return;
  }
  if (!response.body_pieces.empty()) {
    WritePieces(std::move(response));
    return;
  }
  WriteString(std::move(response));
}

void Session::WriteString(Response response) {
  Observe();
  bool head = request_.method == Method::kHead;
  auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
  message->version(version_);
  message->result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers.entries()) {
    message->insert(name, value);
  }
  message->keep_alive(keep_alive_);
  size_t length = response.body.size();
  if (!head) {
    message->body() = std::move(response.body);
  }
  message->prepare_payload();
  if (head) {
    message->content_length(length);
  }
  stream_.expires_after(server_.options().io_timeout);
  bhttp::async_write(stream_, *message, [self = shared_from_this(), message](ErrorCode ec, size_t) {
    self->FinishRequest(ec);
  });
}

// Sends the header with the pieces' total as `Content-Length`, then the pieces themselves
// from where they are (gathered writes), so a large answer is never copied into one buffer.
void Session::WritePieces(Response response) {
  Observe();

  struct Message {
    bhttp::response<bhttp::empty_body> header;
    std::optional<bhttp::response_serializer<bhttp::empty_body>> serializer;
    std::vector<std::string> pieces;
    std::vector<net::const_buffer> buffers;
  };

  auto message = std::make_shared<Message>();
  message->header.version(version_);
  message->header.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers.entries()) {
    message->header.insert(name, value);
  }
  message->header.keep_alive(keep_alive_);
  message->pieces = std::move(response.body_pieces);
  std::uint64_t length = 0;
  for (const std::string& piece : message->pieces) {
    length += piece.size();
    message->buffers.emplace_back(piece.data(), piece.size());
  }
  message->header.content_length(length);
  message->serializer.emplace(message->header);

  const bool head = request_.method == Method::kHead;
  stream_.expires_after(server_.options().io_timeout);
  bhttp::async_write_header(
      stream_, *message->serializer,
      [self = shared_from_this(), message, head](ErrorCode ec, size_t) {
        if (ec || head) {
          self->FinishRequest(ec);
          return;
        }
        self->stream_.expires_after(self->server_.options().io_timeout);
        net::async_write(self->stream_, message->buffers,
                         [self, message](ErrorCode ec, size_t) { self->FinishRequest(ec); });
      });
}

void Session::WriteStreamHeader(Response response) {
  body_stream_ = std::move(response.stream);
  stream_response_.emplace();
  stream_response_->version(version_);
  stream_response_->result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers.entries()) {
    stream_response_->insert(name, value);
  }
  stream_response_->keep_alive(keep_alive_);
  stream_response_->chunked(true);
  stream_serializer_.emplace(*stream_response_);
  stream_.expires_after(server_.options().io_timeout);
  bhttp::async_write_header(stream_, *stream_serializer_,
                            [self = shared_from_this()](ErrorCode ec, size_t) {
                              if (ec) {
                                self->EndStream(false);
                                self->FinishRequest(ec);
                                return;
                              }
                              self->PullStream();
                            });
}

void Session::PullStream() {
  if (stream_cancelled_ || server_.stopping()) {
    EndStream(true);
    return;
  }
  bool queued = server_.workers().Submit([self = shared_from_this()] {
    auto chunk = std::make_shared<std::string>();
    StreamStep step;
    try {
      step = self->body_stream_->Next(*chunk);
    } catch (const std::exception& e) {
      HUB_LOG(error, "response stream failed", {"route", self->request_.route},
              {"error", e.what()});
      step = StreamStep::End();
    }
    net::post(self->stream_.get_executor(),
              [self, step, chunk] { self->OnStreamStep(step, chunk); });
  });
  if (!queued) {
    EndStream(true);
  }
}

void Session::OnStreamStep(StreamStep step, const std::shared_ptr<std::string>& chunk) {
  if (closed_) {
    return;
  }
  switch (step.kind) {
    case StreamStep::Kind::kData:
      if (chunk->empty()) {
        PullStream();
        return;
      }
      stream_.expires_after(server_.options().io_timeout);
      net::async_write(stream_, bhttp::make_chunk(net::buffer(*chunk)),
                       [self = shared_from_this(), chunk](ErrorCode ec, size_t) {
                         if (ec) {
                           self->EndStream(false);
                           self->FinishRequest(ec);
                           return;
                         }
                         self->PullStream();
                       });
      return;
    case StreamStep::Kind::kWait:
      timer_.expires_after(step.wait);
      timer_.async_wait([self = shared_from_this()](ErrorCode) { self->PullStream(); });
      return;
    case StreamStep::Kind::kEnd:
      EndStream(true);
      return;
  }
}

void Session::EndStream(bool write_last_chunk) {
  if (!stream_cancelled_) {
    stream_cancelled_ = true;
    body_stream_->Cancel();
  }
  if (!write_last_chunk) {
    return;
  }
  stream_.expires_after(server_.options().io_timeout);
  net::async_write(stream_, bhttp::make_chunk_last(),
                   [self = shared_from_this()](ErrorCode ec, size_t) { self->FinishRequest(ec); });
}

void Session::Observe() {
  if (observed_) {
    return;
  }
  observed_ = true;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  server_.Observe(request_, route_ != nullptr ? &route_->options : nullptr, status_, seconds);
}

void Session::FinishRequest(ErrorCode ec) {
  Observe();
  if (!request_.body_file.empty()) {
    ::unlink(request_.body_file.c_str());
    request_.body_file.clear();
  }
  body_stream_.reset();
  stream_serializer_.reset();
  stream_response_.reset();
  stream_cancelled_ = false;
  if (in_request_) {
    in_request_ = false;
    server_.RequestFinished();
  }
  if (ec) {
    Close();
    return;
  }
  if (body_unread_) {
    LingerAndClose();
    return;
  }
  if (!keep_alive_) {
    Close();
    return;
  }
  ReadHeader();
}

// Half-closes and discards what the client still sends, so that a client whose body we
// refused reads our error response instead of a connection reset.
void Session::LingerAndClose() {
  ErrorCode ec;
  stream_.socket().shutdown(Tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  buffer_.clear();
  DrainForLinger();
}

void Session::DrainForLinger() {
  stream_.expires_after(kLingerTimeout);
  stream_.async_read_some(buffer_.prepare(size_t{64} * 1024),
                          [self = shared_from_this()](ErrorCode ec, size_t n) {
                            self->lingered_bytes_ += n;
                            if (ec || self->lingered_bytes_ > kLingerMaxBytes) {
                              self->Close();
                              return;
                            }
                            self->DrainForLinger();
                          });
}

void Session::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  timer_.cancel();
  if (body_stream_ && !stream_cancelled_) {
    stream_cancelled_ = true;
    body_stream_->Cancel();
  }
  ErrorCode ec;
  stream_.socket().shutdown(Tcp::socket::shutdown_both, ec);
  stream_.close();
}

Server::Impl::Impl(ServerOptions options, const Router& router, metrics::Registry* metrics)
    : options_(std::move(options)),
      router_(router),
      ioc_(static_cast<int>(std::max<size_t>(1, options_.io_threads))),
      acceptor_(ioc_) {
  if (metrics == nullptr) {
    return;
  }
  requests_total_ = &prometheus::BuildCounter()
                         .Name("hub_http_requests_total")
                         .Help("HTTP requests answered, by method, route pattern and status")
                         .Register(metrics->prometheus());
  request_seconds_ = &prometheus::BuildHistogram()
                          .Name("hub_http_request_duration_seconds")
                          .Help("Time from request header to the end of the response")
                          .Register(metrics->prometheus());
}

absl::Status Server::Impl::Start() {
  ErrorCode ec;
  auto address = net::ip::make_address(options_.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        fmt::format("http host '{}' is not an IP address", options_.host));
  }
  Tcp::endpoint endpoint(address, static_cast<std::uint16_t>(options_.port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_.bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port, ec.message()));
  }
  bound_port_ = acceptor_.local_endpoint().port();
  workers_ = std::make_unique<common::ThreadPool>(options_.worker_threads, "http-worker");
  work_guard_.emplace(net::make_work_guard(ioc_));
  Accept();
  for (size_t i = 0; i < std::max<size_t>(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
  }
  return absl::OkStatus();
}

void Server::Impl::Accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](ErrorCode ec, Tcp::socket socket) {
    if (ec) {
      if (!stopping_) {
        HUB_LOG(warn, "accept failed", {"error", ec.message()});
        Accept();
      }
      return;
    }
    if (stopping_ || connections.load() >= options_.max_connections) {
      ErrorCode ignored;
      socket.close(ignored);
    } else {
      ErrorCode ignored;
      socket.set_option(Tcp::no_delay(true), ignored);
      auto session = std::make_shared<Session>(std::move(socket), *this);
      Register(session.get(), session);
      session->Start();
    }
    Accept();
  });
}

void Server::Impl::Register(Session* session, const std::shared_ptr<Session>& shared) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  sessions_[session] = shared;
  ++connections;
}

void Server::Impl::Unregister(Session* session) {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  sessions_.erase(session);
  --connections;
  drained_cv_.notify_all();
}

void Server::Impl::RequestFinished() {
  --active_requests_;
  std::lock_guard<std::mutex> lock(sessions_mu_);
  drained_cv_.notify_all();
}

void Server::Impl::Observe(const Request& request,
                           const RouteOptions* options,
                           int status,
                           double seconds) {
  std::string route = request.route.empty() ? "(unmatched)" : request.route;
  std::string method(MethodName(request.method));
  if (requests_total_ != nullptr) {
    requests_total_->Add({{"method", method}, {"route", route}, {"status", std::to_string(status)}})
        .Increment();
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    request_seconds_->Add({{"method", method}, {"route", route}}, kBuckets).Observe(seconds);
  }
  if ((options != nullptr && options->quiet) || IsQuietPath(request.path)) {
    return;
  }
  bool secret_path = options != nullptr && options->secret_path;
  log::ScopedField request_id("request_id", request.request_id);
  std::vector<std::unique_ptr<log::ScopedField>> extra;
  for (const auto& [key, value] : request.log_fields) {
    extra.push_back(std::make_unique<log::ScopedField>(key, value));
  }
  HUB_LOG(info, "request", {"method", method}, {"path", secret_path ? request.route : request.path},
          {"status", status}, {"duration_ms", std::round(seconds * 1e6) / 1e3},
          {"client", request.client_address});
}

void Server::Impl::CloseIdleSessions() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(sessions_mu_);
    for (auto& [raw, weak] : sessions_) {
      if (auto s = weak.lock()) {
        live.push_back(std::move(s));
      }
    }
  }
  for (auto& s : live) {
    s->Shutdown();
  }
}

void Server::Impl::Stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  stopping_ = true;
  net::post(acceptor_.get_executor(), [this] {
    ErrorCode ignored;
    acceptor_.close(ignored);
  });
  CloseIdleSessions();
  {
    std::unique_lock<std::mutex> lock(sessions_mu_);
    drained_cv_.wait_for(lock, options_.shutdown_grace,
                         [this] { return active_requests_.load() == 0 && sessions_.empty(); });
  }
  work_guard_.reset();
  ioc_.stop();
  for (std::thread& t : io_threads_) {
    t.join();
  }
  io_threads_.clear();
  if (workers_) {
    workers_->Shutdown();
  }
}

Server::Server(ServerOptions options, const Router& router, metrics::Registry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

Server::~Server() {
  Stop();
}

absl::Status Server::Start() {
  return impl_->Start();
}

int Server::port() const {
  return impl_->port();
}

void Server::Stop() {
  impl_->Stop();
}

size_t Server::open_connections() const {
  return impl_->connections.load();
}

size_t Server::active_requests() const {
  return impl_->active_requests_.load();
}

}  // namespace hub::http
