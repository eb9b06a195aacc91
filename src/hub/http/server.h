#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "hub/http/router.h"

namespace hub::metrics {
class Registry;
}  // namespace hub::metrics

namespace hub::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 picks a free port; see `Server::port()`
  size_t io_threads = 2;
  // Threads running handlers (which may block on the database or a model).
  size_t worker_threads = 16;
  // Body limit for routes that do not set their own.
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  // A connection with no request in progress is closed after this long.
  std::chrono::milliseconds idle_timeout{60'000};
  // Each read of a request's header or body, and each write of a response, must make
  // progress within this long, so slow or silent clients cannot hold a connection.
  std::chrono::milliseconds io_timeout{30'000};
  size_t max_connections = 10'000;
  // Origins allowed by CORS; empty means CORS is off (no CORS headers at all). "*" allows any.
  std::vector<std::string> cors_origins;
  // Directory for spooled request bodies (uploads).
  std::string spool_dir = "/tmp";
  // On `Stop`, in-flight requests get this long to finish before connections are cut.
  std::chrono::milliseconds shutdown_grace{30'000};
};

// An HTTP/1.1 server: keep-alive, chunked responses and streaming bodies, per-route body
// limits checked before the body is read, request ids (`X-Request-Id`), the access log,
// request metrics, CORS, and the `{"detail": ...}` error model for everything it rejects
// itself (404, 405, 413, 415, 400 for unparsable requests, 500 for handler failures).
//
// Connections are served asynchronously on `io_threads`; handlers run on a separate worker
// pool, so idle keep-alive connections and waiting streams hold no thread.
//
// Thread-safe. The router must outlive the server and must not change after `Start`.
class Server final {
public:
  Server(ServerOptions options, const Router& router, metrics::Registry* metrics);
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving. Returns Unavailable when the address cannot be bound.
  absl::Status Start();

  // The bound port (useful with port 0). REQUIRES: `Start` succeeded.
  int port() const;

  // Graceful shutdown: stops accepting, closes idle connections, lets in-flight requests
  // finish (up to `shutdown_grace`), cancels open streams, then joins all threads.
  // Idempotent.
  void Stop();

  // Number of open connections and of requests being handled (for tests and metrics).
  size_t open_connections() const;
  size_t active_requests() const;

  class Impl;

private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hub::http
