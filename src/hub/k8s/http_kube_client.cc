#include "hub/k8s/http_kube_client.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <utility>

#include "fmt/format.h"
#include <curl/curl.h>

#include "hub/common/log.h"
#include "hub/common/strings.h"
#include "hub/k8s/watch_decoder.h"

namespace hub::k8s {

struct HttpKubeClient::Exchange {
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  std::string body;
  std::string retry_after;
  bool aborted = false;
};

namespace {

struct Transfer {
  HttpKubeClient::Exchange* exchange = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  const std::atomic<bool>* cancel = nullptr;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  // Error answers of a watch are collected whole, as for any call.
  if (*transfer->on_data && transfer->exchange->status < 300) {
    if (!(*transfer->on_data)(std::string_view(data, bytes))) {
      transfer->exchange->aborted = true;
      return 0;
    }
    return bytes;
  }
  transfer->exchange->body.append(data, bytes);
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    size_t space = line.find(' ');
    transfer->exchange->status = space == std::string_view::npos
                                     ? 0
                                     : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos &&
      common::ToLower(common::Trim(line.substr(0, colon))) == "retry-after") {
    transfer->exchange->retry_after = std::string(common::Trim(line.substr(colon + 1)));
  }
  return size * count;
}

int OnProgress(void* user,
               curl_off_t /*dltotal*/,
               curl_off_t /*dlnow*/,
               curl_off_t /*ultotal*/,
               curl_off_t /*ulnow*/) {
  auto* transfer = static_cast<Transfer*>(user);
  bool cancelled = transfer->cancel != nullptr && transfer->cancel->load();
  if (cancelled) {
    transfer->exchange->aborted = true;
  }
  return cancelled ? 1 : 0;
}

void SetMethodAndBody(CURL* curl, const KubeRequest& request) {
  switch (request.method) {
    case http::Method::kGet:
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
      break;
    case http::Method::kPost:
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      break;
    default:
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST,
                       std::string(http::MethodName(request.method)).c_str());
      break;
  }
  if (!request.body.empty() || request.method == http::Method::kPost) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
}

void SetTls(CURL* curl, const KubeConfig& config) {
  if (!config.ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(config.ca_pem.data()), config.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!config.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(config.client_cert_pem.data()), config.client_cert_pem.size(),
                   CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config.client_key_pem.data()), config.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
  }
  long verify = config.insecure_skip_tls_verify ? 0L : 1L;  // NOLINT(google-runtime-int)
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify * 2);
}

std::chrono::milliseconds RetryDelay(const std::string& retry_after,
                                     std::chrono::milliseconds cap) {
  long seconds = retry_after.empty() ? 1 : std::atol(retry_after.c_str());  // NOLINT
  return std::min(cap, std::chrono::milliseconds(std::max(0L, seconds) * 1000));
}

bool IsEviction(const KubeRequest& request) {
  return request.path.find("/eviction") != std::string::npos;
}

std::string WatchPath(const std::string& path) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + "watch=true";
}

}  // namespace

HttpKubeClient::HttpKubeClient(HttpKubeClientOptions options, const common::Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  static const bool initialized = [] {
    return curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK;
  }();
  (void)initialized;
}

HttpKubeClient::~HttpKubeClient() = default;

std::int64_t HttpKubeClient::requests_sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_sent_;
}

void HttpKubeClient::Sleep(std::chrono::milliseconds delay) const {
  if (options_.sleep) {
    options_.sleep(delay);
    return;
  }
  std::this_thread::sleep_for(delay);
}

std::string HttpKubeClient::Token(bool force_reread) {
  if (options_.config.token_file.empty()) {
    return options_.config.token;
  }
  std::lock_guard<std::mutex> lock(mu_);
  common::Micros now = clock_.NowMicros();
  bool stale = now - token_read_at_ >= options_.token_reread.count() * 1000;
  if (force_reread || stale || cached_token_.empty()) {
    auto text = ReadTextFile(options_.config.token_file);
    if (text.ok()) {
      cached_token_ = std::string(common::Trim(*text));
      token_read_at_ = now;
    } else if (log::Every("k8s.token", 60'000)) {
      HUB_LOG(warn, "cannot re-read the service-account token; keeping the cached one",
              {"path", options_.config.token_file});
    }
  }
  return cached_token_;
}

absl::StatusOr<HttpKubeClient::Exchange> HttpKubeClient::Perform(
    const KubeRequest& request,
    const std::function<bool(std::string_view)>& on_data,
    const WatchOptions* watch) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    return absl::ResourceExhaustedError("cannot create a curl handle");
  }
  Exchange exchange;
  Transfer transfer{&exchange, &on_data, watch == nullptr ? nullptr : watch->cancel};
  std::string url = options_.config.server + request.path;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));  // NOLINT
  if (watch == nullptr) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(request.timeout.count()));  // NOLINT
  } else {
    // A half-open stream shows as silence: abandon it after the idle timeout.
    long idle = std::max<long>(1, watch->idle_timeout.count() / 1000);  // NOLINT
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, idle);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  SetMethodAndBody(curl, request);
  SetTls(curl, options_.config);

  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (!request.body.empty()) {
    std::string type = request.content_type.empty() ? "application/json" : request.content_type;
    headers = curl_slist_append(headers, fmt::format("Content-Type: {}", type).c_str());
  }
  std::string token = Token(false);
  if (!token.empty()) {
    headers = curl_slist_append(headers, fmt::format("Authorization: Bearer {}", token).c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_sent_;
  }
  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);

  if (exchange.aborted) {
    return absl::CancelledError("watch stopped");
  }
  if (code != CURLE_OK) {
    std::string message = fmt::format("{} {}: {}", url, curl_easy_strerror(code), error_buffer);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(message);
    }
    return absl::UnavailableError(message);
  }
  return exchange;
}

absl::StatusOr<HttpKubeClient::Exchange> HttpKubeClient::PerformWithRetries(
    const KubeRequest& request) {
  bool reauthenticated = false;
  for (int attempt = 0;; ++attempt) {
    auto exchange = Perform(request, nullptr, nullptr);
    bool can_retry = attempt < options_.max_retries;
    bool idempotent = request.method == http::Method::kGet;
    if (!exchange.ok()) {
      if (!(can_retry && idempotent)) {
        return exchange;
      }
      Sleep(std::chrono::milliseconds(100 << attempt));
      continue;
    }
    if (exchange->status == 401 && !reauthenticated && !options_.config.token_file.empty()) {
      reauthenticated = true;
      Token(true);
      continue;
    }
    bool throttled = exchange->status == 429 && !IsEviction(request);
    bool server_error = exchange->status >= 500 && idempotent;
    if (can_retry && (throttled || server_error)) {
      Sleep(RetryDelay(exchange->retry_after, options_.max_retry_after));
      continue;
    }
    return exchange;
  }
}

absl::StatusOr<nlohmann::json> HttpKubeClient::Call(const KubeRequest& request) {
  auto exchange = PerformWithRetries(request);
  if (!exchange.ok()) {
    return exchange.status();
  }
  if (exchange->status < 200 || exchange->status >= 300) {
    return ApiErrorStatus(static_cast<int>(exchange->status), exchange->body);
  }
  if (exchange->body.empty()) {
    return nlohmann::json();
  }
  nlohmann::json doc = nlohmann::json::parse(exchange->body, nullptr, false);
  if (doc.is_discarded()) {
    return absl::DataLossError(fmt::format("{} answered with malformed JSON", request.path));
  }
  return doc;
}

absl::StatusOr<std::string> HttpKubeClient::GetText(const std::string& path) {
  KubeRequest request;
  request.path = path;
  auto exchange = PerformWithRetries(request);
  if (!exchange.ok()) {
    return exchange.status();
  }
  if (exchange->status < 200 || exchange->status >= 300) {
    return ApiErrorStatus(static_cast<int>(exchange->status), exchange->body);
  }
  return std::move(exchange->body);
}

absl::Status HttpKubeClient::Watch(const WatchOptions& options,
                                   const std::function<bool(WatchEvent&&)>& on_event) {
  KubeRequest request;
  request.path = WatchPath(options.path);
  WatchDecoder decoder;
  absl::Status stream_status = absl::OkStatus();
  auto on_data = [&](std::string_view bytes) {
    decoder.Feed(bytes);
    while (true) {
      auto event = decoder.Next();
      if (!event.ok()) {
        stream_status = event.status();
        return false;
      }
      if (!event->has_value()) {
        return true;
      }
      if ((*event)->type == "ERROR") {
        stream_status =
            ApiErrorStatus((*event)->object.value("code", 500), (*event)->object.dump());
        return false;
      }
      if (!on_event(std::move(**event))) {
        stream_status = absl::CancelledError("watch stopped by the receiver");
        return false;
      }
    }
  };
  bool reauthenticated = false;
  while (true) {
    auto exchange = Perform(request, on_data, &options);
    if (!stream_status.ok()) {
      return stream_status;
    }
    if (!exchange.ok()) {
      return exchange.status();
    }
    if (exchange->status == 401 && !reauthenticated && !options_.config.token_file.empty()) {
      reauthenticated = true;
      Token(true);
      continue;
    }
    if (exchange->status < 200 || exchange->status >= 300) {
      return ApiErrorStatus(static_cast<int>(exchange->status), exchange->body);
    }
    if (decoder.HasPartial()) {
      return absl::UnavailableError("watch stream cut mid-event");
    }
    return absl::OkStatus();
  }
}

}  // namespace hub::k8s
