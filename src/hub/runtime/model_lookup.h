#pragma once

// How the instance pool reads the model registry: the current record of one model.

#include <string_view>

#include "absl/status/statusor.h"

#include "hub/runtime/model_record.h"

namespace hub::runtime {

class ModelLookup {
public:
  virtual ~ModelLookup() = default;

  // The current record of `id`, from memory (no I/O). `kNotFound` when no such model is
  // registered. Thread-safe.
  [[nodiscard]] virtual absl::StatusOr<ModelRecord> FindModel(std::string_view id) const = 0;
};

}  // namespace hub::runtime
