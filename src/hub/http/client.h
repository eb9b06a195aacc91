#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"

#include "hub/http/message.h"

namespace hub::http {

struct ClientRequest {
  Method method = Method::kGet;
  std::string url;
  Headers headers;
  std::string body;
  // Whole-exchange limit; 0 means none (watch streams).
  std::chrono::milliseconds timeout{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  // When set, body bytes are passed here as they arrive instead of being collected; returning
  // false aborts the transfer (the call then returns Cancelled).
  std::function<bool(std::string_view)> on_data;
  // TLS: PEM text of the CA to trust (empty: the system store), client certificate and key.
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
  bool verify_tls = true;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  // When the server sent a Content-Length (up to 1 GiB), the body was allocated once and has
  // at least 64 bytes of spare capacity, enough for simdjson to parse it without a copy.
  std::string body;
};

// An HTTP/1.1 client over libcurl that reuses connections. Thread-safe: each call borrows an
// idle handle from an internal pool (or makes one), so concurrent calls do not serialize.
//
// Transport failures return Unavailable (connection refused or reset) or DeadlineExceeded
// (timeout); any HTTP status, including 4xx and 5xx, is a successful call.
class Client final {
public:
  Client();
  ~Client();

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  absl::StatusOr<ClientResponse> Send(const ClientRequest& request);

  // Convenience wrappers.
  absl::StatusOr<ClientResponse> Get(const std::string& url,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));
  absl::StatusOr<ClientResponse> PostJson(
      const std::string& url,
      std::string body,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));

private:
  void* Borrow();
  void Return(void* handle);

  std::mutex mu_;
  std::vector<void*> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hub::http
