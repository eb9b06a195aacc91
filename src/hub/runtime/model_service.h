#pragma once

// The model registry as the rest of the hub sees it: every model in memory, refreshed from the
// database periodically (so changes another replica makes arrive within `refresh_interval`)
// and written through on every change this replica makes. Reads never touch the database.
//
// Writes go to the database first, with the row's `last_updated` as an optimistic-concurrency
// token: two replicas (or two admins) updating one model cannot silently overwrite each other
// when the client sends the `last_updated` it read, and a write without one re-reads the row
// and retries, so the cache being stale never fails an update (the upstream did).
//
// Thread-safety: every method is thread-safe. The repository, clock and catalog must outlive
// the service.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

#include "hub/common/clock.h"
#include "hub/runtime/model_catalog.h"
#include "hub/runtime/model_lookup.h"
#include "hub/runtime/model_record.h"
#include "hub/runtime/model_repository.h"
#include "hub/runtime/model_result_cache.h"

namespace hub::runtime {

struct ModelServiceOptions {
  std::chrono::milliseconds refresh_interval{30'000};
};

// A change to one model from `PUT /api/models/{id}`: the whole details and the enabled flag
// are replaced, as upstream.
struct ModelUpdate {
  std::string id;
  // nullopt keeps the current value.
  std::optional<bool> enabled;
  ModelDetails details;
  // The `last_updated` the client read. When set and the row changed since, the update fails
  // with `kAborted`; when absent, the last writer wins.
  std::optional<common::Micros> expected_last_updated;
};

// What `Import` should do with a catalog.
struct ImportOptions {
  // The models to import; empty means every registered model.
  std::vector<std::string> model_ids;
  // Register listed models that are not registered yet (disabled, details from the record).
  bool create_missing = false;
};

struct ImportItem {
  std::string model_id;
  std::string result;  // "UPDATED", "UNCHANGED", "CREATED" or "NOT_IN_CATALOG"
};

class ModelService final : public ModelLookup {
public:
  // `catalog` may be null (no catalog configured).
  ModelService(ModelRepository& repository,
               const common::Clock& clock,
               ModelCatalog* catalog,
               ModelServiceOptions options);

  ModelService(const ModelService&) = delete;
  ModelService& operator=(const ModelService&) = delete;

  // Registers each of `builtins` that is not registered yet (the built-in models, enabled, on
  // first start; a later release's new built-ins on upgrade), remembers their identification
  // details as a fallback for the catalog, and loads the cache. Database errors.
  [[nodiscard]] absl::Status Start(const std::vector<ModelRecord>& builtins);

  // Reloads every model from the database. Rows changed here while the reload ran are kept in
  // their newer form.
  [[nodiscard]] absl::Status Refresh();

  // `Refresh` when `refresh_interval` has passed since the last one; errors are logged
  // (rate-limited) and the old cache stays.
  void RefreshIfDue();

  // Every model, by id.
  std::vector<ModelRecord> List() const;

  // One model. `kNotFound` "Model with id [<id>] not found".
  [[nodiscard]] absl::StatusOr<ModelRecord> Get(std::string_view id) const;

  // ModelLookup: same as `Get`.
  absl::StatusOr<ModelRecord> FindModel(std::string_view id) const override { return Get(id); }

  // Registers a model; `created_at` and `last_updated` are set now. `kInvalidArgument` for a
  // bad id or details (see `ValidateModelDetails`); `kAlreadyExists` "Model id [<id>] already
  // exists".
  [[nodiscard]] absl::StatusOr<ModelRecord> Create(ModelRecord record);

  // Applies `update`. `kInvalidArgument` for bad details; `kNotFound`; `kAborted` when
  // `expected_last_updated` is stale.
  [[nodiscard]] absl::StatusOr<ModelRecord> Update(const ModelUpdate& update);

  // Read-modify-write of one model's details: `mutate` changes the latest stored details, the
  // result is validated and written; retried when another writer got in between. Errors:
  // `mutate`'s, `kNotFound`, `kInvalidArgument`, `kAborted` after repeated conflicts.
  [[nodiscard]] absl::StatusOr<ModelRecord> Modify(
      std::string_view id, const std::function<absl::Status(ModelDetails&)>& mutate);

  // The model's details from the configured Ersilia catalog. `kNotFound` when the model is
  // unknown or absent from the catalog; the catalog's errors otherwise.
  [[nodiscard]] absl::StatusOr<IdentificationDetails> CatalogDetails(std::string_view id);

  // The catalog's details, else (catalog unavailable or without the model) the built-in
  // card's, else the stored ones. `kNotFound` when none exists.
  [[nodiscard]] absl::StatusOr<IdentificationDetails> IdentificationDetailsFor(std::string_view id);

  // Copies identification details from `catalog` (validated with `ValidateCatalog`) into the
  // models `options` names. `kInvalidArgument` for a malformed catalog or record, before any
  // model changes.
  [[nodiscard]] absl::StatusOr<std::vector<ImportItem>> Import(const nlohmann::json& catalog,
                                                               const ImportOptions& options);

  // The configured catalog (for `Import` without an inline catalog). Errors as
  // `ModelCatalog::Load`.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const nlohmann::json>> LoadCatalog();

  // The catalog at `url` (http or https only: an admin must not make the hub read its own
  // files). `kInvalidArgument` for another scheme; errors as `ModelCatalog::Fetch`.
  [[nodiscard]] absl::StatusOr<nlohmann::json> FetchCatalog(const std::string& url);

  // Clears the model's cached rows through the result cache; 0 when none is attached.
  // `kNotFound` for an unknown model.
  [[nodiscard]] absl::StatusOr<std::int64_t> ClearCache(std::string_view id);

  // Attaches the work-request engine's result cache (may be null). Call before serving.
  void SetResultCache(ModelResultCache* cache);

private:
  common::Micros NextToken(common::Micros previous) const;
  void Put(const ModelRecord& record);
  absl::StatusOr<ImportItem> ImportOne(const nlohmann::json* record,
                                       const std::string& id,
                                       bool create_missing);

  ModelRepository& repository_;
  const common::Clock& clock_;
  ModelCatalog* const catalog_;
  const ModelServiceOptions options_;

  mutable absl::Mutex mu_;
  std::map<std::string, ModelRecord, std::less<>> models_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, IdentificationDetails, std::less<>> builtin_details_ ABSL_GUARDED_BY(mu_);
  common::Micros last_refresh_ ABSL_GUARDED_BY(mu_) = 0;
  ModelResultCache* result_cache_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace hub::runtime
