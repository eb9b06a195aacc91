#pragma once

#include <memory>
#include <string>

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

  // The text exposition format (version 0.0.4) of every metric.
  std::string Serialize() const;

private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace hub::metrics
