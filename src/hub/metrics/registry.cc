#include "hub/metrics/registry.h"

#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace hub::metrics {

Registry::Registry() : registry_(std::make_shared<prometheus::Registry>()) {}

Registry::~Registry() = default;

std::string Registry::Serialize() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace hub::metrics
