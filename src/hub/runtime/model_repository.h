#pragma once

// SQL access to the `models` table (migration 0003_runtime): one row per registered model,
// `details` in the stored camelCase JSON form, `last_updated` (microseconds) as the
// optimistic-concurrency token.
//
// Thread-safety: safe from any number of threads (the `Database` is); holds no state.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "hub/runtime/model_record.h"
#include "hub/store/database.h"

namespace hub::runtime {

class ModelRepository final {
public:
  // `db` must outlive the repository.
  explicit ModelRepository(store::Database& db) : db_(db) {}

  ModelRepository(const ModelRepository&) = delete;
  ModelRepository& operator=(const ModelRepository&) = delete;

  // Every model, by id. A row whose stored details cannot be read is skipped with a warning
  // (one bad row must not hide the catalog). Database errors as `store::Database`.
  [[nodiscard]] absl::StatusOr<std::vector<ModelRecord>> List() const;

  // The model `id`, or nullopt. `kDataLoss` when its stored details are unreadable.
  [[nodiscard]] absl::StatusOr<std::optional<ModelRecord>> Get(std::string_view id) const;

  // Inserts `record` (its `created_at` and `last_updated` as given). `kAlreadyExists` when the
  // id is taken.
  [[nodiscard]] absl::Status Insert(const ModelRecord& record);

  // Inserts `record` unless the id exists; true when it was inserted. Safe when replicas
  // race (ON CONFLICT DO NOTHING).
  [[nodiscard]] absl::StatusOr<bool> InsertIfAbsent(const ModelRecord& record);

  // Replaces `enabled` and `details` and sets `last_updated` to `record.last_updated`, only
  // when the stored token equals `expected_last_updated`. `kNotFound` when the row does not
  // exist; `kAborted` when it exists with another token (someone else changed it).
  [[nodiscard]] absl::Status Update(const ModelRecord& record,
                                    common::Micros expected_last_updated);

private:
  store::Database& db_;
};

}  // namespace hub::runtime
