#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace hub::metrics {

// The process's Prometheus metrics. Modules add their families to `prometheus()` when they
// are constructed; `/metrics` serves `Serialize()`. Thread-safe (prometheus-cpp locks
// internally).
class Registry final {
public:
  Registry();
  ~Registry();

  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  prometheus::Registry& prometheus() { return *registry_; }

  // Runs `hook` before every `Serialize`, so values computed elsewhere (database statement
  // counters) can be copied into metrics when scraped. Hooks must be thread-safe.
  void AddCollectHook(std::function<void()> hook);

  // The text exposition format (version 0.0.4) of every metric.
  std::string Serialize() const;

private:
  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex hooks_mu_;
  std::vector<std::function<void()>> hooks_;
};

}  // namespace hub::metrics
