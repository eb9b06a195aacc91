#pragma once

// The registry rows of the built-in models (models/registry.h), as the hub registers them on
// first start: enabled, `local` backend, SYNC, the card's description and identification
// details, and resources measured on the model servers (docs/operations.md).

#include <vector>

#include "absl/status/statusor.h"

#include "hub/common/clock.h"
#include "hub/runtime/model_record.h"

namespace hub::runtime {

// One record per built-in model, `created_at` and `last_updated` set to `now`. Errors of
// reading the embedded cards (a broken build).
[[nodiscard]] absl::StatusOr<std::vector<ModelRecord>> BuiltinModelRecords(common::Micros now);

}  // namespace hub::runtime
