#include "hub/metrics/registry.h"

#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace hub::metrics {

Registry::Registry() : registry_(std::make_shared<prometheus::Registry>()) {}

Registry::~Registry() = default;

void Registry::AddCollectHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(hooks_mu_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::Serialize() const {
  {
    std::lock_guard<std::mutex> lock(hooks_mu_);
    for (const auto& hook : hooks_) {
      hook();
    }
  }
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace hub::metrics
