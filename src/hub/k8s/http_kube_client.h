#pragma once

// `KubeClient` over libcurl (HTTP/1.1 or HTTPS with the configured CA and client
// certificate).
//
// Authentication: a bearer token, fixed or read from `token_file`; the file is re-read when
// the cached copy is older than `token_reread` (projected service-account tokens rotate
// hourly) and at once after a 401, after which the request is retried once.
//
// Retries: a 429 (API Priority and Fairness, or a rejected eviction is NOT retried — see
// below) is retried after its `Retry-After` seconds (capped by `max_retry_after`, 1 s when
// absent) up to `max_retries` times; GETs are also retried on 5xx and transport errors.
// Eviction requests (`.../eviction`) are never retried here: their 429 means a
// PodDisruptionBudget blocks them, which the caller decides about.
//
// Thread-safety: thread-safe; each call uses its own curl handle from a pool.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "hub/common/clock.h"
#include "hub/k8s/kube_client.h"
#include "hub/k8s/kube_config.h"

namespace hub::k8s {

struct HttpKubeClientOptions {
  KubeConfig config;
  std::chrono::milliseconds token_reread{60'000};
  int max_retries = 3;
  std::chrono::milliseconds max_retry_after{30'000};
  std::chrono::milliseconds connect_timeout{5'000};
  // How the client waits before a retry; tests pass one that records instead of sleeping.
  std::function<void(std::chrono::milliseconds)> sleep;
};

class HttpKubeClient final : public KubeClient {
public:
  // `clock` (token cache age) must outlive the client.
  HttpKubeClient(HttpKubeClientOptions options, const common::Clock& clock);
  ~HttpKubeClient() override;

  HttpKubeClient(const HttpKubeClient&) = delete;
  HttpKubeClient& operator=(const HttpKubeClient&) = delete;

  absl::StatusOr<nlohmann::json> Call(const KubeRequest& request) override;
  absl::StatusOr<std::string> GetText(const std::string& path) override;
  absl::Status Watch(const WatchOptions& options,
                     const std::function<bool(WatchEvent&&)>& on_event) override;

  // Requests sent, retries included (for the API-calls-per-request benchmark).
  std::int64_t requests_sent() const;

  struct Exchange;

private:
  absl::StatusOr<Exchange> Perform(const KubeRequest& request,
                                   const std::function<bool(std::string_view)>& on_data,
                                   const WatchOptions* watch);
  absl::StatusOr<Exchange> PerformWithRetries(const KubeRequest& request);
  std::string Token(bool force_reread);
  void Sleep(std::chrono::milliseconds delay) const;

  HttpKubeClientOptions options_;
  const common::Clock& clock_;
  mutable std::mutex mu_;
  std::string cached_token_ ABSL_GUARDED_BY(mu_);
  common::Micros token_read_at_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t requests_sent_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hub::k8s
