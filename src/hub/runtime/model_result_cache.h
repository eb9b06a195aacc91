#pragma once

// The per-model cache of computed rows, seen from the model registry. The work-request engine
// (issue 6) owns the cache and implements this interface; `DELETE /api/models/{id}/cache`
// calls it. Until it exists, `ModelService` works without one and clears nothing.

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::runtime {

class ModelResultCache {
public:
  virtual ~ModelResultCache() = default;

  // Deletes every cached row of `model_id` and returns how many there were. Thread-safe.
  // Errors are the store's (`kUnavailable` when the database is down).
  [[nodiscard]] virtual absl::StatusOr<std::int64_t> ClearModel(std::string_view model_id) = 0;
};

}  // namespace hub::runtime
