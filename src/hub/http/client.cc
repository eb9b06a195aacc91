#include "hub/http/client.h"

#include <charconv>

#include "fmt/format.h"
#include <curl/curl.h>

#include "hub/common/strings.h"

namespace hub::http {
namespace {

// Bytes reserved after a body whose length the server announced (`ClientResponse::body`).
constexpr size_t kBodyPadding = 64;
// Announced lengths above this are not trusted for reserving memory up front.
constexpr size_t kMaxReserve = size_t{1} << 30;
// Bytes curl reads per call: large answers (model results of tens of MB) then take a few
// hundred reads and callbacks instead of thousands.
constexpr int kReceiveBufferBytes = 512 * 1024;

struct Transfer {
  const ClientRequest* request = nullptr;
  ClientResponse* response = nullptr;
  bool aborted = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->request->on_data) {
    if (!transfer->request->on_data(std::string_view(data, bytes))) {
      transfer->aborted = true;
      return 0;
    }
    return bytes;
  }
  transfer->response->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new response (after a redirect or 100 Continue) starts a fresh header set.
    transfer->response->headers = Headers();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return size * count;
  }
  std::string name(common::Trim(line.substr(0, colon)));
  std::string value(common::Trim(line.substr(colon + 1)));
  // Size the body once: growing a 27 MB model answer by doubling copies it about twice and
  // faults in pages it then frees. The padding lets callers parse it in place (simdjson).
  if (!transfer->request->on_data && common::ToLower(name) == "content-length") {
    size_t length = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (error == std::errc() && end == value.data() + value.size() && length <= kMaxReserve) {
      transfer->response->body.reserve(length + kBodyPadding);
    }
  }
  transfer->response->headers.Add(std::move(name), std::move(value));
  return size * count;
}

void SetMethod(CURL* curl, const ClientRequest& request) {
  switch (request.method) {
    case Method::kGet:
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
      break;
    case Method::kHead:
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
      break;
    case Method::kPost:
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      break;
    default:
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST,
                       std::string(MethodName(request.method)).c_str());
      break;
  }
  bool sends_body = request.method == Method::kPost || request.method == Method::kPut ||
                    request.method == Method::kPatch || !request.body.empty();
  if (sends_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
}

void SetTls(CURL* curl, const ClientRequest& request) {
  if (!request.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(request.ca_pem.data()), request.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!request.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(request.client_cert_pem.data()),
                   request.client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(request.client_key_pem.data()), request.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
}

absl::Status TransportError(CURLcode code, const std::string& url, const char* detail) {
  std::string message = fmt::format("{} {}: {}", url, curl_easy_strerror(code), detail);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return absl::DeadlineExceededError(message);
  }
  return absl::UnavailableError(message);
}

}  // namespace

Client::Client() {
  static const bool initialized = [] {
    return curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK;
  }();
  (void)initialized;
}

Client::~Client() {
  std::lock_guard<std::mutex> lock(mu_);
  for (void* handle : idle_) {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

void* Client::Borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void Client::Return(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < 64) {
    idle_.push_back(handle);
    return;
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

absl::StatusOr<ClientResponse> Client::Send(const ClientRequest& request) {
  auto* curl = static_cast<CURL*>(Borrow());
  if (curl == nullptr) {
    return absl::ResourceExhaustedError("cannot create an HTTP client handle");
  }
  curl_easy_reset(curl);
  ClientResponse response;
  Transfer transfer{&request, &response, false};
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, static_cast<long>(kReceiveBufferBytes));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  SetMethod(curl, request);
  SetTls(curl, request);

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers.entries()) {
    headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
  }
  // curl's "Expect: 100-continue" costs a round trip on every large POST.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  CURLcode code = curl_easy_perform(curl);
  long status = 0;  // NOLINT(google-runtime-int): curl writes a long
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  Return(curl);

  if (transfer.aborted) {
    return absl::CancelledError("transfer stopped by the receiver");
  }
  if (code != CURLE_OK) {
    return TransportError(code, request.url, error_buffer);
  }
  response.status = static_cast<int>(status);
  return response;
}

absl::StatusOr<ClientResponse> Client::Get(const std::string& url,
                                           std::chrono::milliseconds timeout) {
  ClientRequest request;
  request.url = url;
  request.timeout = timeout;
  return Send(request);
}

absl::StatusOr<ClientResponse> Client::PostJson(const std::string& url,
                                                std::string body,
                                                std::chrono::milliseconds timeout) {
  ClientRequest request;
  request.method = Method::kPost;
  request.url = url;
  request.body = std::move(body);
  request.timeout = timeout;
  request.headers.Set("Content-Type", "application/json");
  return Send(request);
}

}  // namespace hub::http
